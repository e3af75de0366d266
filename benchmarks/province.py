"""Whole-province plan: wall time and peak memory against villages and Dask workers.

Each run is a whole-province plan (``optimize.pipeline.entry.plan_for``) in a child
process (a fresh LocalCluster of N single-threaded workers); the parent samples the summed
RSS of the child and all its descendants (the Dask client, scheduler thread and worker
processes) with psutil every 0.25 s. Sizes are counted in NBS village-level units (Gansu
has 17,718; the plan's settlements are the rural ones among them):

- ``1000``: prefectures 6203 + 6204 (1,042 units), real data;
- ``5000``: 6201 + 6203 + 6204 + 6207 + 6229 + 6230 (5,047 units), real data;
- ``17718``: the whole province, real data;
- ``100000``: SYNTHETIC, the whole province with every village split into about 5.6
  jittered copies (:func:`split_villages`, here), supply divided among them; the run
  composes the province's public stages itself (:func:`synthetic_plan`) with the
  regions' and the province's ``Region`` replaced by their synthetic villages.

Solver settings come from ``scenarios/gansu.toml`` (the province's siting budget is
shared by village count, so a prefecture gets the same budget in every size).

    .venv/bin/python benchmarks/province.py --sizes 1000,5000 --workers 1,2 \\
        --out benchmarks/results/province-scale.json
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
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

import geopandas as gpd
import numpy as np
import pandas as pd
import psutil

from geodata import datasets, places
from optimize.pipeline.entry import plan_for
from optimize.pipeline.province.compare import (
    decomposed_siting,
    province_objective,
    siting_meta,
)
from optimize.pipeline.province.plan import plan_province
from optimize.pipeline.province.seasons import seasonal_fleet
from optimize.pipeline.province.siting import ProvinceSiting, site_province
from optimize.pipeline.province.solve import WALL_SAFETY
from optimize.pipeline.province.tasks import region_tasks
from optimize.pipeline.region import PROVINCE_CODE, load_region
from optimize.plan.io import Plan
from optimize.scenario import Scenario

REPO = Path(__file__).resolve().parents[1]

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
    if args.siting:
        return run_siting(args)
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
    parser.add_argument("--siting", action="store_true",
                        help="only the plan's province siting problem (and --compare)")
    parser.add_argument("--quota", choices=("none", "prefecture"), default=None,
                        help="--siting: store_quota (default: the scenario's)")
    parser.add_argument("--time-limit", type=float, default=None,
                        help="--siting: siting_time_limit_s (default: the scenario's)")
    parser.add_argument("--compare", action="store_true",
                        help="--siting: also the decomposed (prefecture-by-prefecture) solve")
    return parser


def _measure(size: int, workers: int, scenario: Path) -> dict[str, Any]:
    """One run in a child process, with its wall time and peak summed RSS."""
    with tempfile.TemporaryDirectory() as tmp:
        result = Path(tmp) / "result.json"
        cmd = [sys.executable, "-m", "benchmarks.province", "--scenario", str(scenario),
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
    size, workers, result = int(args.one[0]), int(args.one[1]), Path(args.one[2])
    spec = SIZES[size]
    scenario = Scenario.from_toml(args.scenario)
    started = time.perf_counter()
    if spec["synthetic"]:
        plan = synthetic_plan(scenario, total=size, workers=workers, plan_id=f"bench-{size}",
                              regions=spec["regions"])
    else:
        plan = plan_for(scenario, regions=spec["regions"], workers=workers,
                        plan_id=f"bench-{size}")
    plan_s = time.perf_counter() - started
    meta = plan.meta
    result.write_text(json.dumps({
        "plan_s": round(plan_s, 1),
        "settlements": plan.kpis["settlements"],
        "regions_time_s": {r["code"]: r["time_s"] for r in meta["regions"]},
        "siting": {k: meta["solver"]["siting"][k] for k in ("scope", "status", "objective",
                                                           "bound", "gap_pct", "time_s",
                                                           "build_s")},
        "routing_status": meta["solver"]["routing"]["status"],
        "decomposed": {k: v for k, v in (meta["solver"]["siting"].get("decomposed")
                                         or {}).items() if k != "regions"},
        "kpis": plan.kpis,
    }, ensure_ascii=False, default=float))
    return 0


# -- the province siting alone ---------------------------------------------------------
def run_siting(args: argparse.Namespace) -> int:
    """The plan's own province siting problem (``site_province``, as ``plan_province``
    builds it), optionally the decomposed comparison; JSON with the solution."""
    scenario = Scenario.from_toml(args.scenario)
    changes: dict[str, Any] = {}
    if args.quota:
        changes["store_quota"] = args.quota
    if args.time_limit:
        changes["siting_time_limit_s"] = args.time_limit
    scenario = dataclasses.replace(scenario, **changes)
    root = datasets.data_dir(None)
    tasks = region_tasks(scenario, root)
    seasons = seasonal_fleet(scenario, root, tasks)
    tasks = [seasons.task_for(t, scenario) for t in tasks]
    ps = site_province(scenario, load_region(PROVINCE_CODE, root), tasks,
                       wall_safety=WALL_SAFETY)
    comparison = decomposed_siting(scenario, ps, tasks) if args.compare else None
    meta = siting_meta(ps, comparison)
    r = ps.result
    times = np.where(r.assignment >= 0, r.access_time_s, -1)
    codes = ps.net.settlements["village_code"].tolist()
    sites = ps.sites["village_code"].tolist()
    doc = {"benchmark": "province-siting", "scenario": str(args.scenario),
           "store_quota": scenario.store_quota,
           "siting_time_limit_s": scenario.siting_time_limit_s,
           "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
           "siting": {k: v for k, v in meta.items() if k != "regions"},
           "regions": meta["regions"],
           "objective_recomputed": float(province_objective(ps, times).sum()),
           "repair_candidates": repair_candidates(ps),
           "open_sites": [sites[j] for j in r.open_sites],
           "site_tier": [scenario.tiers[k].name for k in r.site_tier],
           "assignment": {codes[i]: (sites[j] if j >= 0 else None)
                          for i, j in enumerate(r.assignment.tolist())},
           "note": "solve_location on the plan's province problem; wall times under the "
                   "load of other jobs"}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(doc, ensure_ascii=False, indent=1, default=float),
                        encoding="utf-8")
    print(json.dumps(doc["siting"] | {"repair_candidates": doc["repair_candidates"]},
                     ensure_ascii=False, default=float))
    return 0


def repair_candidates(ps: ProvinceSiting, min_saving_s: int = 600) -> dict[str, int]:
    """What the old border repair would still find: villages with an open store that has
    room for their supply and is ``min_saving_s`` closer (served ones), or any such store
    (unserved ones), on the same network and arcs."""
    r, arcs = ps.result, ps.net.arcs
    supply = ps.net.settlements["supply_t"].to_numpy(dtype=float)
    cap = np.array([t.capacity_t for t in ps.problem.tiers])[r.site_tier]
    spare = pd.Series(cap - r.load_t, index=r.open_sites)
    times = np.where(r.assignment >= 0, r.access_time_s, -1)
    site_demand = np.asarray(ps.problem.site_demand)
    own = site_demand[arcs["site"].to_numpy()] == arcs["demand"].to_numpy()
    t = np.where(own, 0, arcs["time_s"].to_numpy())
    at_open = arcs["site"].isin(r.open_sites).to_numpy()
    room = spare.reindex(arcs["site"]).fillna(-1).to_numpy() + 1e-9 \
        >= supply[arcs["demand"].to_numpy()]
    now = times[arcs["demand"].to_numpy()]
    served = now >= 0
    closer = at_open & room & served & (t <= now - min_saving_s) \
        & (arcs["site"].to_numpy() != r.assignment[arcs["demand"].to_numpy()])
    rescue = at_open & room & ~served
    return {"served_with_closer_store": int(arcs["demand"][closer].nunique()),
            "unserved_with_store_in_reach": int(arcs["demand"][rescue].nunique()),
            "unserved": int((r.assignment < 0).sum())}


# -- synthetic villages ----------------------------------------------------------------
def synthetic_plan(scenario: Scenario, *, total: int, workers: int, plan_id: str,
                   regions: list[str] | None = None) -> Plan:
    """SYNTHETIC: the whole-province plan with every village split into jittered copies
    (:func:`split_villages`, ``total`` copies in the whole province): ``plan_province``
    sites and routes the copies; apportioning and seasons use the real data."""
    root = datasets.data_dir(None)
    province = load_region(PROVINCE_CODE, root)
    province = dataclasses.replace(province,
                                   villages=split_villages(province.villages, total=total))
    return plan_province(scenario, data_dir=root, n_workers=workers, regions=regions,
                         plan_id=plan_id, province=province)


def split_villages(villages: gpd.GeoDataFrame, *, total: int, jitter_m: float = 300.0,
                   seed: int = 0) -> gpd.GeoDataFrame:
    """SYNTHETIC: each village split into jittered copies, ``total`` copies in all.

    Copies are spread evenly (in village-code order, the first ones get one more); each
    copy sits within ``jitter_m`` of its village's point, gets the code
    ``{village_code}{k}`` and the name ``{name} #k`` and ``location_method = "synthetic"``.
    The pipeline's supply estimate spreads a county's rural population over its villages,
    so each copy carries its share of the village's supply. Deterministic: the jitter of a
    copy depends only on ``seed`` and the copy's position in the *whole province's* table,
    so a prefecture's copies are the same whichever table they are cut from.
    """
    province = len(villages) if total <= 0 else total
    ordered = villages.sort_values("village_code").reset_index(drop=True)
    base, extra = divmod(province, max(_PROVINCE_VILLAGES, 1))
    rank = ordered["village_code"].map(_province_rank()).to_numpy()
    copies = base + (rank < extra).astype(int)
    rows = ordered.loc[ordered.index.repeat(copies)].reset_index(drop=True)
    k = np.concatenate([np.arange(c) for c in copies]) if len(copies) else np.zeros(0, int)
    key = np.repeat(rank, copies).astype(np.uint64) * np.uint64(64) + k.astype(np.uint64)
    angle = 2 * np.pi * _uniform(key, seed, 1)
    radius = jitter_m * np.sqrt(_uniform(key, seed, 2))
    lat = rows.geometry.y.to_numpy()
    dx = radius * np.cos(angle) / (111_320.0 * np.cos(np.radians(lat)))
    dy = radius * np.sin(angle) / 110_540.0
    rows["village_code"] = rows["village_code"] + pd.Series(k).astype(str)
    rows["village_name"] = rows["village_name"] + " #" + pd.Series(k).astype(str)
    rows["location_method"] = "synthetic"
    return gpd.GeoDataFrame(rows, geometry=gpd.points_from_xy(
        rows.geometry.x.to_numpy() + dx, lat + dy), crs=4326)


def _uniform(key: np.ndarray, seed: int, stream: int) -> np.ndarray:
    """Uniform [0, 1) numbers from integer keys (splitmix64), the same for the same key."""
    with np.errstate(over="ignore"):
        z = key + np.uint64((seed * 1_000_003 + stream) * 0x9E3779B97F4A7C15 % 2**64)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) / float(2**53)


_PROVINCE_VILLAGES = 17_718  # village-level units of Gansu in the NBS 2023 lists
_RANKS: dict[str, int] = {}


def _province_rank() -> dict[str, int]:
    """Position of every Gansu village code in code order (loaded once per process)."""
    if not _RANKS:
        codes = sorted(places.load_villages(datasets.data_dir(None), PROVINCE_CODE)
                       ["village_code"])
        _RANKS.update({c: i for i, c in enumerate(codes)})
    return _RANKS


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
