"""Benchmark the siting algorithms on OR-Library p-median and capacitated warehouse files.

Usage::

    .venv/bin/python benchmarks/location.py --set pmed --dir ../shared/benchmarks/pmed-orlib \
        --time-limit 10 --peer spopt --out benchmarks/results/pmed-10s.json
    .venv/bin/python benchmarks/location.py --set cap --dir ../shared/benchmarks/cap-orlib \
        --time-limit 60 --out benchmarks/results/cap.json [--instances cap41,capa]

Instances are the files ``pmedN.txt`` / ``capN.txt``, ``capX.txt`` (one letter) of
``--dir``; anything else there (optimum tables, PROVENANCE.md) is not an instance.
References come from ``pmedopt.txt`` / ``capopt.txt`` when present. capa/b/c have no
capacity in the file: each is solved once per capacity listed in capopt (4 each), the
``case`` field is then ``capa/8000`` etc.

Methods: ``pmed`` = :func:`optimize.location_pmedian.solve_pmedian` (fast interchange
ILS + Lagrangian bound), ``cap`` = :func:`optimize.location_cflp.solve_cflp` (SCIP MIP,
relative gap 1e-9, one thread). Every objective is recomputed here from the file and the
written solution (``open`` 1-based as in the file; ``assign`` rows ``[customer, facility,
fraction]``, 1-based) before it is written, and the solution is checked (p medians;
every customer's fractions sum to 1, only open facilities serve, capacities hold).

``--peer spopt`` also runs spopt's ``PMedian.from_cost_matrix`` with pulp's CBC (one
thread, the same time limit for CBC; model building comes on top and is timed apart).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from optimize.location_cflp import CflpInstance, read_orlib_cap, solve_cflp  # noqa: E402
from optimize.location_pmedian import read_orlib_pmed, solve_pmedian  # noqa: E402

INSTANCE_RE = {"pmed": re.compile(r"pmed\d+"), "cap": re.compile(r"cap(\d+|[a-z])")}
OPT_FILE = {"pmed": "pmedopt.txt", "cap": "capopt.txt"}
CAP_TOL = 1e-6  # relative tolerance of the capacity and fraction checks


# --------------------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------------------
def _natural(stem: str) -> tuple[str, int]:
    digits = re.sub(r"\D", "", stem)
    return (re.sub(r"\d", "", stem), int(digits) if digits else -1)


def find_instances(folder: Path, which: str, only: list[str] | None) -> list[Path]:
    """Instance files of set ``which`` in ``folder``, naturally sorted, optionally filtered."""
    files = [f for f in folder.glob("*.txt") if INSTANCE_RE[which].fullmatch(f.stem)]
    if only:
        files = [f for f in files if f.stem in only]
    return sorted(files, key=lambda f: _natural(f.stem))


def read_references(folder: Path, which: str) -> dict[str, list[tuple[float, float | None]]]:
    """``{stem: [(optimum, capacity or None), ...]}`` from the set's optimum table.

    capopt lists capa/b/c with ``(capacity X)`` and continuation lines without a name.
    """
    path = folder / OPT_FILE[which]
    refs: dict[str, list[tuple[float, float | None]]] = {}
    if not path.exists():
        return refs
    name = ""
    for line in path.read_text().splitlines()[1:]:
        match = re.match(r"\s*([A-Za-z]\w*)?\s*([\d.]+)\s*(?:\(capacity\s+([\d.]+)\))?", line)
        if not match or not line.strip():
            continue
        name = match.group(1) or name
        cap = float(match.group(3)) if match.group(3) else None
        refs.setdefault(name, []).append((float(match.group(2)), cap))
    return refs


def _gap(objective: float | None, reference: float | None) -> float | None:
    if objective is None or reference is None:
        return None
    return 100.0 * (objective - reference) / reference


# --------------------------------------------------------------------------------------
# p-median
# --------------------------------------------------------------------------------------
def recompute_pmed(dist: np.ndarray, p: int, open_1based: list[int]) -> float:
    """Check ``p`` distinct medians and return the cost of nearest-median service."""
    cols = np.asarray(open_1based, dtype=np.int64) - 1
    if len(set(open_1based)) != p:
        raise AssertionError(f"{len(set(open_1based))} distinct medians, expected {p}")
    return float(dist[:, cols].min(axis=1).sum())


def run_spopt(dist: np.ndarray, p: int, time_limit: float) -> dict[str, Any]:
    """spopt PMedian on the full cost matrix with pulp's CBC; objective recomputed here."""
    import pulp
    from spopt.locate import PMedian

    t0 = time.perf_counter()
    model = PMedian.from_cost_matrix(dist, np.ones(dist.shape[0]), p_facilities=p)
    build_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    status = None
    try:
        model.solve(pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit, threads=1))
        status = pulp.LpStatus[model.problem.status]
    except Exception as exc:  # noqa: BLE001 - spopt raises on non-optimal CBC ends
        status = f"error: {exc}"[:200]
    solve_s = time.perf_counter() - t1
    opened = [j + 1 for j, v in enumerate(model.fac_vars) if (v.value() or 0) > 0.5]
    objective = recompute_pmed(dist, p, opened) if len(opened) == p else None
    return {"objective": objective, "status": status, "build_s": build_s,
            "solve_s": solve_s, "time_s": build_s + solve_s, "open": opened}


def run_pmed(path: Path, refs: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    """One pmed instance: ours (and spopt's if asked), checked and recomputed."""
    t0 = time.perf_counter()
    dist, p = read_orlib_pmed(path)
    read_s = time.perf_counter() - t0
    res = solve_pmedian(dist, p, time_limit_s=args.time_limit, seed=args.seed)
    opened = [j + 1 for j in res.open]
    objective = recompute_pmed(dist, p, opened)
    if abs(objective - res.objective) > 1e-6 * max(1.0, objective):
        raise AssertionError(f"{path.stem}: recomputed {objective} != reported {res.objective}")
    reference = refs.get(path.stem, [(None, None)])[0][0]
    row: dict[str, Any] = {
        "instance": path.stem, "n": dist.shape[0], "p": p, "objective": objective,
        "reference": reference, "gap_pct": _gap(objective, reference), "bound": res.bound,
        "bound_gap_pct": res.gap_pct, "time_s": res.time_s, "read_s": read_s,
        "descents": res.descents, "lr_iterations": res.lr_iterations, "open": opened,
    }
    if args.peer == "spopt":
        peer = run_spopt(dist, p, args.time_limit)
        peer["gap_pct"] = _gap(peer["objective"], reference)
        row["spopt"] = peer
    return row


# --------------------------------------------------------------------------------------
# Capacitated warehouse location
# --------------------------------------------------------------------------------------
def recompute_cap(inst: CflpInstance, capacity: np.ndarray, open_1: list[int],
                  assign_1: list[list[float]]) -> float:
    """Check the written plan against the file and return its cost (fixed + pro rata)."""
    rows = np.asarray(assign_1, dtype=float)
    cust = rows[:, 0].astype(np.int64) - 1
    fac = rows[:, 1].astype(np.int64) - 1
    frac = rows[:, 2]
    m, n = inst.cost.shape
    if not np.all(np.isin(fac, np.asarray(open_1) - 1)):
        raise AssertionError("a closed facility serves")
    served = np.bincount(cust, weights=frac, minlength=n)
    if np.abs(served - 1.0).max() > CAP_TOL:
        raise AssertionError(f"customer fractions off by {np.abs(served - 1.0).max()}")
    load = np.bincount(fac, weights=frac * inst.demand[cust], minlength=m)
    if np.any(load > capacity * (1 + CAP_TOL)):
        raise AssertionError("capacity exceeded")
    fixed = inst.fixed_cost[np.asarray(open_1, dtype=np.int64) - 1].sum()
    return float(fixed + (inst.cost[fac, cust] * frac).sum())


def _cap_cases(inst: CflpInstance, stem: str,
               refs: dict[str, list[tuple[float, float | None]]]) -> list[tuple[float | None, Any]]:
    """``(reference, capacity override)`` per case: one, or one per capopt capacity."""
    listed = refs.get(stem, [])
    if not np.isnan(inst.capacity).any():
        return [(listed[0][0] if listed else None, None)]
    return [(ref, cap) for ref, cap in listed if cap is not None]


def run_cap(path: Path, refs: dict[str, Any], args: argparse.Namespace) -> list[dict[str, Any]]:
    """One cap file: one result per capacity case."""
    inst = read_orlib_cap(path)
    out = []
    for reference, cap in _cap_cases(inst, path.stem, refs):
        res = solve_cflp(inst, capacity=cap, time_limit_s=args.time_limit)
        capacity = inst.capacity if cap is None else np.full(inst.cost.shape[0], float(cap))
        opened = [i + 1 for i in res.open]
        assign = [[int(j) + 1, int(i) + 1, float(x)] for j, i, x in res.assign]
        objective = recompute_cap(inst, capacity, opened, assign)
        out.append({
            "instance": path.stem, "case": path.stem if cap is None else f"{path.stem}/{cap:g}",
            "capacity": cap, "m": inst.cost.shape[0], "n": inst.cost.shape[1],
            "objective": objective, "reference": reference,
            "gap_pct": _gap(objective, reference), "bound": res.bound,
            "bound_gap_pct": res.gap_pct, "status": res.status, "time_s": res.time_s,
            "open": opened, "assign": assign,
        })
    return out


# --------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------
def _summary(rows: list[dict[str, Any]], key: str = "") -> dict[str, Any]:
    pick = [r[key] if key else r for r in rows if not key or key in r]
    gaps = [r["gap_pct"] for r in pick if r.get("gap_pct") is not None]
    times = [r["time_s"] for r in pick]
    return {
        "count": len(pick),
        "mean_gap_pct": float(np.mean(gaps)) if gaps else None,
        "worst_gap_pct": float(np.max(gaps)) if gaps else None,
        "at_reference": int(sum(g <= 1e-4 for g in gaps)),
        "mean_time_s": float(np.mean(times)) if times else None,
        "max_time_s": float(np.max(times)) if times else None,
    }


def _print_row(row: dict[str, Any]) -> None:
    peer = row.get("spopt", {})
    print(f"{row.get('case', row['instance']):>12} obj {row['objective']:.3f} "
          f"ref {row['reference']} gap {row['gap_pct']} bound {row['bound']:.3f} "
          f"{row['time_s']:.2f}s" + (f" | spopt {peer.get('objective')} "
                                    f"{peer.get('time_s', 0):.1f}s" if peer else ""),
          flush=True)


def _write(args: argparse.Namespace, rows: list[dict[str, Any]], done: bool) -> dict[str, Any]:
    payload = {
        "set": args.set, "dir": str(args.dir), "time_limit_s": args.time_limit,
        "seed": args.seed, "peer": args.peer, "command": " ".join(sys.argv), "complete": done,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "summary": _summary(rows),
        "summary_spopt": _summary(rows, "spopt") if args.peer else None,
        "results": rows,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(payload, indent=1))
    return payload


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--set", choices=("pmed", "cap"), required=True)
    ap.add_argument("--dir", type=Path, required=True)
    ap.add_argument("--time-limit", type=float, default=10.0, help="seconds per instance/case")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--peer", choices=("spopt",), default=None)
    ap.add_argument("--instances", default="", help="comma-separated stems, e.g. pmed1,pmed7")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    only = [s.strip() for s in args.instances.split(",") if s.strip()] or None
    refs = read_references(args.dir, args.set)
    rows: list[dict[str, Any]] = []
    for path in find_instances(args.dir, args.set, only):
        got = run_pmed(path, refs, args) if args.set == "pmed" else run_cap(path, refs, args)
        for row in got if isinstance(got, list) else [got]:
            rows.append(row)
            _print_row(row)
        _write(args, rows, done=False)  # after every file: a stopped run keeps its results
    payload = _write(args, rows, done=True)
    print(json.dumps({"summary": payload["summary"], "spopt": payload["summary_spopt"]}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
