"""Join several ``--set pmed-tsplib`` result files into one checked table.

Usage::

    .venv/bin/python -m benchmarks.pmed_tsplib_merge --dir ../shared/benchmarks/pmed-tsplib \\
        A.json B.json ... [--out merged.json] [--markdown table.md]

Rows are keyed by ``(instance, p)``; a later file replaces an earlier one's row (re-runs go
last). ``--base-table README.md`` starts from the per-row table printed there (rows as
printed, marked ``checked: false``: they have no open points to recompute; only their gap is
recomputed), which the files' rows replace. Each file row's objective is recomputed from
its ``open`` points on the full floor-Euclidean distances
(:func:`benchmarks.pmed_tsplib.floor_euclid_objective`) and must equal the file's;
the reference comes from ``references.csv`` of ``--dir``, never from the JSON. The summary
counts every row of ``references.csv``: the rows without a result are listed as missing and
a row without a plan counts as failed, so the mean and worst gap say over how many rows they
are taken.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.pmed_tsplib import floor_euclid_objective, read_tsp, read_tsplib_references


def merge_rows(paths: list[Path]) -> list[dict[str, Any]]:
    """The rows of every file, later files replacing earlier rows of the same (instance, p);
    each row gets ``result_file`` (the file's name)."""
    rows: dict[tuple[str, int], dict[str, Any]] = {}
    for path in paths:
        for row in json.loads(Path(path).read_text())["results"]:
            rows[(row["instance"], int(row["p"]))] = {**row, "result_file": Path(path).name}
    return list(rows.values())


def table_rows(text: str) -> list[dict[str, Any]]:
    """The rows of a per-row table printed by :func:`markdown` (e.g. the README's), as
    result rows WITHOUT open points: ``checked`` False (they cannot be recomputed; the merge
    keeps their objective as printed and recomputes only the gap from ``references.csv``);
    ``status`` ``'OPTIMAL'`` where the bound gap was printed as 0.00 %."""
    rows = []
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        head = re.fullmatch(r"(\S+) p=(\d+)", cells[0]) if len(cells) == 9 else None
        lists = re.fullmatch(r"k=(\d+)(?: \+ (\d+) of (\d+) hubs)?", cells[1]) if head else None
        if head is None or lists is None:
            continue
        number = cells[2].replace(",", "")
        rows.append({
            "instance": head[1], "p": int(head[2]), "k_nearest": int(lists[1]),
            "k_hub": int(lists[2] or 0), "hubs": int(lists[3] or 0),
            "objective": None if number == "no plan" else int(number),
            "bound_gap_pct": None if cells[5] == "-" else float(cells[5].rstrip(" %")),
            "status": "OPTIMAL" if cells[5] == "0.00 %" else "FEASIBLE",
            "time_s": float(cells[6].rstrip(" s")),
            "build_s": None if cells[7] == "-" else float(cells[7].rstrip(" s")),
            "result_file": cells[8], "checked": False,
        })
    return rows


def replace_rows(base: list[dict[str, Any]], rows: list[dict[str, Any]]
                 ) -> list[dict[str, Any]]:
    """``base`` with the rows of the same (instance, p) replaced by ``rows``, plus the rest
    of ``rows``."""
    merged = {(r["instance"], int(r["p"])): r for r in base}
    merged.update({(r["instance"], int(r["p"])): r for r in rows})
    return list(merged.values())


def check_rows(rows: list[dict[str, Any]], folder: Path) -> list[dict[str, Any]]:
    """Recompute each objective from ``open`` (1-based node numbers of the ``.tsp``) and the
    gap from ``references.csv``; ValueError naming the row if an objective differs or a row
    opens more than p points. Rows of :func:`table_rows` (``checked`` False) keep their
    printed objective; only their gap is recomputed."""
    refs = read_tsplib_references(folder / "references.csv")
    checked = []
    points: dict[str, Any] = {}
    for row in sorted(rows, key=lambda r: (r["instance"], int(r["p"]))):
        name, p = row["instance"], int(row["p"])
        ref = refs.get((name, p))
        out = {**row, "reference": None if ref is None else ref["value"], "gap_pct": None}
        if row.get("objective") is not None and row.get("checked") is False:
            if ref is not None:
                reference = float(ref["value"])  # type: ignore[arg-type]
                out["gap_pct"] = 100.0 * (row["objective"] - reference) / reference
        elif row.get("objective") is not None:
            out["checked"] = True
            if name not in points:
                points = {name: read_tsp(folder / f"{name}.tsp")}
            pts = points[name]
            index = {int(node): i for i, node in enumerate(pts.node)}
            chosen = np.array([index[int(node)] for node in row["open"]], dtype=np.int64)
            if len(np.unique(chosen)) > p:
                raise ValueError(f"{name} p={p} ({row['result_file']}): {len(chosen)} open")
            value = floor_euclid_objective(pts.coords, chosen)
            if value != row["objective"]:
                raise ValueError(f"{name} p={p} ({row['result_file']}): objective "
                                 f"{row['objective']} but the open points give {value}")
            if ref is not None:
                reference = float(ref["value"])  # type: ignore[arg-type]
                out["gap_pct"] = 100.0 * (value - reference) / reference
        checked.append(out)
    return checked


def _stats(rows: list[dict[str, Any]]) -> dict[str, Any]:
    gaps = [(r["gap_pct"], r["p"]) for r in rows if r["gap_pct"] is not None]
    times = [r["time_s"] for r in rows]
    worst = max(gaps) if gaps else (None, None)
    return {
        "rows": len(rows), "with_gap": len(gaps),
        "failed": sum(r.get("objective") is None for r in rows),
        "mean_gap_pct": float(np.mean([g for g, _ in gaps])) if gaps else None,
        "worst_gap_pct": worst[0], "worst_p": worst[1],
        "at_reference": sum(g <= 1e-9 for g, _ in gaps),
        "proven_optimal": sum(r.get("status") == "OPTIMAL" for r in rows),
        "mean_time_s": float(np.mean(times)) if times else None,
        "max_time_s": float(np.max(times)) if times else None,
        "over_60_s": sum(t > 60.0 for t in times),
    }


def summarize(rows: list[dict[str, Any]], folder: Path) -> dict[str, Any]:
    """Overall and per-instance statistics; ``missing``: rows of ``references.csv`` with no
    result (in file order)."""
    refs = read_tsplib_references(folder / "references.csv")
    have = {(r["instance"], int(r["p"])) for r in rows}
    names = list(dict.fromkeys(name for name, _ in refs))
    return {
        "references": len(refs),
        "missing": [f"{name}:{p}" for name, p in refs if (name, p) not in have],
        "all": _stats(rows),
        "by_instance": {name: _stats([r for r in rows if r["instance"] == name])
                        for name in names if any(r["instance"] == name for r in rows)},
    }


def _fmt(value: float | None, digits: int = 3, unit: str = " %") -> str:
    return "-" if value is None else f"{value:.{digits}f}{unit}"


def markdown(rows: list[dict[str, Any]], summary: dict[str, Any]) -> str:
    """A per-instance table and a per-row table (Markdown)."""
    lines = ["| file | rows | mean gap | worst gap | at reference | proven optimal "
             "| mean / max solve time |", "|---|---:|---:|---:|---:|---:|---:|"]
    for name, s in [*summary["by_instance"].items(), ("all", summary["all"])]:
        lines.append(
            f"| {name} | {s['rows']} | {_fmt(s['mean_gap_pct'])} | {_fmt(s['worst_gap_pct'])}"
            f" (p={s['worst_p']}) | {s['at_reference']} | {s['proven_optimal']} | "
            f"{_fmt(s['mean_time_s'], 1, '')} / {_fmt(s['max_time_s'], 1, ' s')} |")
    lines += ["", "| row | lists | objective | reference | gap | bound gap | solve | build "
              "| file |", "|---|---|---:|---:|---:|---:|---:|---:|---|"]
    for r in rows:
        hubs = f" + {r['k_hub']} of {r['hubs']} hubs" if r.get("hubs") else ""
        obj = "no plan" if r.get("objective") is None else f"{r['objective']:,}"
        ref = "-" if r["reference"] is None else f"{r['reference']:,.0f}"
        lines.append(
            f"| {r['instance']} p={r['p']} | k={r['k_nearest']}{hubs} | {obj} | {ref} | "
            f"{_fmt(r['gap_pct'])} | {_fmt(r.get('bound_gap_pct'), 2)} | "
            f"{r['time_s']:.1f} s | {_fmt(r.get('build_s'), 1, ' s')} | {r['result_file']} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("files", nargs="+", type=Path, help="result JSON files, re-runs last")
    ap.add_argument("--dir", type=Path, required=True, help="the pmed-tsplib folder")
    ap.add_argument("--base-table", type=Path, default=None,
                    help="a Markdown file whose per-row table gives the base rows (as "
                         "printed, not rechecked); the files' rows replace them")
    ap.add_argument("--out", type=Path, default=None, help="merged JSON (rows + summary)")
    ap.add_argument("--markdown", type=Path, default=None, help="write the tables here")
    args = ap.parse_args(argv)
    base = [] if args.base_table is None else table_rows(args.base_table.read_text())
    rows = check_rows(replace_rows(base, merge_rows(args.files)), args.dir)
    summary = summarize(rows, args.dir)
    text = markdown(rows, summary)
    print(text)
    print(json.dumps({"references": summary["references"], "missing": summary["missing"],
                      "all": summary["all"]}, indent=1))
    if args.markdown:
        args.markdown.write_text(text)
    if args.out:
        args.out.write_text(json.dumps({"files": [str(f) for f in args.files],
                                        "summary": summary, "results": rows}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
