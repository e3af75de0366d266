"""Whole-province plan: wall time and peak memory against villages and Dask workers.

Each run is ``optimize.province.plan_province`` in a child process (a fresh LocalCluster of
N single-threaded workers); the parent samples the summed RSS of the child and all its
descendants (the Dask client, scheduler thread and worker processes) with psutil every
0.25 s. Sizes are counted in NBS village-level units (Gansu has 17,718; the plan's
settlements are the rural ones among them):

- ``1000``: prefectures 6203 + 6204 (1,042 units), real data;
- ``5000``: 6201 + 6203 + 6204 + 6207 + 6229 + 6230 (5,047 units), real data;
- ``17718``: the whole province, real data;
- ``100000``: SYNTHETIC, the whole province with every village split into about 5.6
  jittered copies (``optimize.province.split_villages``), supply divided among them.

Solver settings come from ``scenarios/gansu.toml`` (the province's siting budget is
shared by village count, so a prefecture gets the same budget in every size).

    .venv/bin/python benchmarks/province.py --sizes 1000,5000 --workers 1,2 \\
        --out benchmarks/results/province-scale.json
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

SIZES: dict[int, dict[str, Any]] = {
    1000: {"regions": ["6203", "6204"], "units": 1042, "synthetic": False},
    5000: {"regions": ["6201", "6203", "6204", "6207", "6229", "6230"], "units": 5047,
           "synthetic": False},
    17718: {"regions": None, "units": 17718, "synthetic": False},
    100000: {"regions": None, "units": 100000, "synthetic": True},
}
SAMPLE_S = 0.25


def main(argv: list[str] | None = None) -> int:
    """Run every size x workers combination and write the JSON results."""
    args = _parser().parse_args(argv)
    if args.one:
        return _one(args)
    sizes = [int(s) for s in args.sizes.split(",")]
    workers = [int(w) for w in args.workers.split(",")]
    unknown = [s for s in sizes if s not in SIZES]
    if unknown:
        raise SystemExit(f"--sizes: unknown size(s) {unknown}; known: {sorted(SIZES)}")
    runs = []
    for size in sizes:
        for n in workers:
            run = _measure(size, n, args.scenario)
            runs.append(run)
            print(json.dumps({k: v for k, v in run.items() if k != "kpis"}), flush=True)
            _write(args.out, args.scenario, runs)
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,5000,17718,100000",
                        help="comma-separated village counts (of 1000, 5000, 17718, 100000)")
    parser.add_argument("--workers", default="1,2", help="comma-separated worker counts")
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results"
                        / "province-scale.json")
    parser.add_argument("--scenario", type=Path, default=REPO / "scenarios" / "gansu.toml")
    parser.add_argument("--one", nargs=3, metavar=("SIZE", "WORKERS", "RESULT"),
                        help=argparse.SUPPRESS)
    return parser


def _measure(size: int, workers: int, scenario: Path) -> dict[str, Any]:
    """One run in a child process, with its wall time and peak summed RSS."""
    with tempfile.TemporaryDirectory() as tmp:
        result = Path(tmp) / "result.json"
        cmd = [sys.executable, str(Path(__file__).resolve()), "--scenario", str(scenario),
               "--one", str(size), str(workers), str(result)]
        started = time.perf_counter()
        child = subprocess.Popen(cmd, cwd=REPO)
        peak = _sample_until_done(child)
        wall = time.perf_counter() - started
        out: dict[str, Any] = json.loads(result.read_text()) if result.exists() else {}
    spec = SIZES[size]
    return {"size": size, "village_units": spec["units"], "synthetic": spec["synthetic"],
            "regions": spec["regions"] or "all 14", "workers": workers,
            "exit_code": child.returncode, "wall_s": round(wall, 1),
            "peak_rss_mb": round(peak / 2**20, 1), **out}


def _sample_until_done(child: subprocess.Popen[bytes]) -> int:
    """Peak of the summed RSS of ``child`` and its descendants while it runs."""
    proc = psutil.Process(child.pid)
    peak = 0
    while child.poll() is None:
        total = 0
        try:
            family = [proc, *proc.children(recursive=True)]
        except psutil.Error:
            family = []
        for p in family:
            with contextlib.suppress(psutil.Error):
                total += p.memory_info().rss
        peak = max(peak, total)
        time.sleep(SAMPLE_S)
    return peak


def _one(args: argparse.Namespace) -> int:
    """The child: one province plan; writes its figures to RESULT."""
    from optimize.province import plan_province, split_villages
    from optimize.scenario import Scenario

    size, workers, result = int(args.one[0]), int(args.one[1]), Path(args.one[2])
    spec = SIZES[size]
    scenario = Scenario.from_toml(args.scenario)
    hook = functools.partial(split_villages, total=size) if spec["synthetic"] else None
    started = time.perf_counter()
    plan = plan_province(scenario, regions=spec["regions"], n_workers=workers,
                         plan_id=f"bench-{size}", villages_hook=hook)
    plan_s = time.perf_counter() - started
    meta = plan.meta
    result.write_text(json.dumps({
        "plan_s": round(plan_s, 1),
        "settlements": plan.kpis["settlements"],
        "regions_time_s": {r["code"]: r["time_s"] for r in meta["regions"]},
        "siting": {k: meta["solver"]["siting"][k] for k in ("status", "objective", "bound",
                                                           "gap_pct")},
        "routing_status": meta["solver"]["routing"]["status"],
        "border_repair": {k: v for k, v in meta["border_repair"].items() if k != "moves"},
        "kpis": plan.kpis,
    }, ensure_ascii=False, default=float))
    return 0


def scaling(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The scaling curve per worker count: wall time and peak memory against village units,
    with the log-log slope between consecutive sizes and over all of them (1 = linear)."""
    out: dict[str, Any] = {}
    for workers in sorted({r["workers"] for r in runs}):
        done = sorted((r for r in runs if r["workers"] == workers and r["exit_code"] == 0),
                      key=lambda r: r["village_units"])
        points = [{"village_units": r["village_units"], "wall_s": r["wall_s"],
                   "peak_rss_mb": r["peak_rss_mb"],
                   "ms_per_village": round(1000 * r["wall_s"] / r["village_units"], 2)}
                  for r in done]
        slopes = [round(math.log(b["wall_s"] / a["wall_s"])
                        / math.log(b["village_units"] / a["village_units"]), 3)
                  for a, b in zip(points, points[1:], strict=False)]
        overall = (round(math.log(points[-1]["wall_s"] / points[0]["wall_s"])
                         / math.log(points[-1]["village_units"] / points[0]["village_units"]),
                         3) if len(points) > 1 else None)
        out[str(workers)] = {"points": points, "time_slopes": slopes,
                             "time_slope_overall": overall}
    return out


def _write(out: Path, scenario: Path, runs: list[dict[str, Any]]) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    doc = {"benchmark": "province", "scenario": str(scenario.relative_to(REPO))
           if scenario.is_relative_to(REPO) else str(scenario),
           "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                       "platform": platform.platform()},
           "note": "wall_s includes starting the child and the LocalCluster; peak_rss_mb is "
                   "the summed RSS of the child and all its descendants (client + Dask "
                   "workers), sampled every 0.25 s; size 100000 is SYNTHETIC (jittered "
                   "copies of the real villages). Other jobs shared the machine.",
           "scaling": scaling(runs),
           "runs": runs}
    out.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
