"""Benchmark the siting algorithms on OR-Library p-median and capacitated warehouse files.

Usage::

    .venv/bin/python benchmarks/location.py --set pmed --dir ../shared/benchmarks/pmed-orlib \
        --time-limit 10 --peer spopt --out benchmarks/results/pmed-10s.json
    .venv/bin/python -m benchmarks.location --set cap --dir ../shared/benchmarks/cap-orlib \
        --instances cap41,...,cap134 --time-limit 5 --out benchmarks/results/cap41-134-5s.json
    .venv/bin/python -m benchmarks.location --set cap --dir ../shared/benchmarks/cap-orlib \
        --instances capa,capb,capc --time-limit 60 --out benchmarks/results/capabc-60s.json
    .venv/bin/python benchmarks/location.py --set pmed-tsplib \
        --dir ../shared/benchmarks/pmed-tsplib --instances fl1400:50 --time-limit 20 \
        --out benchmarks/results/pmed-tsplib.json

Instances are the files ``pmedN.txt`` / ``capN.txt``, ``capX.txt`` (one letter) of
``--dir``; anything else there (optimum tables, PROVENANCE.md) is not an instance.
References come from ``pmedopt.txt`` / ``capopt.txt`` when present. capa/b/c have no
capacity in the file: each is solved once per capacity listed in capopt (4 each), the
``case`` field is then ``capa/8000`` etc.

Methods: ``pmed`` = :func:`optimize.siting.solve.solve_location` (the engine the plans run)
on the p-median as a ``LocationProblem`` (:func:`benchmarks.pmed_tsplib.pmedian_problem`:
objective 'time', one zero-cost tier of capacity = total supply, no budget, exactly p
stores, dense n x n arcs), which ``engine='auto'`` sends to the median engine
(:mod:`optimize.siting.median`: Lagrangian bound, batched fast interchange, kick rounds);
``--engine side`` runs the side engine :func:`benchmarks.engines.pmedian.solve_pmedian`
instead, labelled ``side:pmedian``, for comparison only.
``cap`` = :func:`optimize.siting.solve.solve_location` on each file as a split-demand
``LocationProblem`` (:func:`benchmarks.cap_orlib.cap_problem`: per-site fixed costs and
capacities, arc costs of serving ALL of a customer's demand, ``split_demand=True``), which
``engine='auto'`` sends to the MIP engine (:mod:`optimize.siting.mip_engine`: SCIP's exact
MIP on cap41-134; Lagrangian bound, local search priced by transportation LPs and
kernel-search MIP rounds on capa/b/c);
``--engine side`` runs :func:`benchmarks.engines.cflp.solve_cflp` instead, labelled
``side:cflp (no plan runs it)``. Every row names its ``engine`` (and, for
solve_location, its ``stages``). Measured (2026-12-07, ``nice -n 5``, 2 cores shared):
cap41-134 at ``--time-limit 5``: 37 of 37 at the capopt optimum (worst 6.3e-8 %, capopt
rounding), all proven OPTIMAL, mean 0.29 s, max 1.79 s; capa/b/c x 4 capacities at
``--time-limit 60``: 12 of 12 at the optimum (worst 3.9e-9 %), mean 54.2 s, max 60.4 s,
Lagrangian bound mean 1.06 %, worst 3.47 % below (benchmarks/README.md).
Every objective is recomputed here from the file and the written solution (``open``
1-based as in the file; ``assign`` rows ``[customer, facility, fraction]``, 1-based)
before it is written, and the solution is checked (p medians; every customer's fractions
sum to 1, only open facilities serve, capacities hold).

``--set pmed-tsplib --dir DIR [--instances fl1400:50,...] [--k K]``: the TSPLIB p-median
set (:mod:`benchmarks.pmed_tsplib`; floor-Euclid, N = M), every row of ``references.csv``
by default, through solve_location on each point's nearest candidates (``k`` per row from
``list_length`` unless ``--k``) with the unlisted-distance cap, so ``bound`` is proven for
the full p-median; ``objective`` is recomputed from ``open`` on the full distances.

``--set province`` (no ``--dir``) builds the province-size cold-store siting instance from
the reference data (``geodata.datasets.data_dir()``, i.e. ``../shared/data``) and solves
it with :func:`optimize.siting.lagrange.solve_location_lagrange`; ``--set random`` runs
``solve_location`` with engine ``'lagrange'`` (the engine ``'auto'`` picks at this size)
and ``'cpsat'`` on seeded capacity-binding 1,200-point instances (``--wall-safety`` sets
their wall-clock cap). Both write the plan (open sites, tiers, assignment) and recompute
its objective from the instance before writing.

``--set plan --scenario FILE [--save F.npz]`` or ``--set plan --load F.npz``: the siting
problem a whole-province plan solves, built by the pipeline's own builder
(:mod:`benchmarks.location_plan`), through ``solve_location``, with wall and CPU seconds.

``--peer spopt`` also runs spopt's ``PMedian.from_cost_matrix`` with pulp's CBC (one
thread, the same time limit for CBC; model building comes on top and is timed apart).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import re
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.cap_orlib import PRODUCT_NOTE as CAP_NOTE
from benchmarks.cap_orlib import SIDE_CFLP, run_cap
from benchmarks.engines.pmedian import read_orlib_pmed, solve_pmedian
from benchmarks.location_plan import plan_instance
from benchmarks.pmed_tsplib import (
    SPARSE_NOTE,
    dense_arcs,
    parse_rows,
    pmedian_problem,
    pmedian_row,
    run_tsplib,
)
from optimize.programme import PROVINCE_STORES, PROVINCE_TRUCKS
from optimize.siting.lagrange import COVERAGE_FACTOR, solve_location_lagrange
from optimize.siting.problem import LocationProblem, LocationResult, StoreTier
from optimize.siting.solve import solve_location

INSTANCE_RE = {"pmed": re.compile(r"pmed\d+"), "cap": re.compile(r"cap(\d+|[a-z])")}
OPT_FILE = {"pmed": "pmedopt.txt", "cap": "capopt.txt"}
SIDE_PMEDIAN = "side:pmedian (no plan runs it)"


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
    """One pmed instance through ``solve_location`` (or the side engine with ``--engine
    side``), and spopt's if asked; checked and recomputed."""
    t0 = time.perf_counter()
    dist, p = read_orlib_pmed(path)
    read_s = time.perf_counter() - t0
    reference = refs.get(path.stem, [(None, None)])[0][0]
    if args.engine == "side":
        row = _run_pmed_side(path, dist, p, args)
    else:
        problem = pmedian_problem(*dense_arcs(dist), dist.shape[0], p, args.time_limit,
                                  args.seed)
        result = solve_location(problem)
        row = pmedian_row(result, p, recompute_pmed(dist, p,
                                                     (result.open_sites + 1).tolist()))
        assigned = float(dist[np.arange(dist.shape[0]), result.assignment].sum())
        row.update({"assignment_cost": assigned, "arcs": "dense n x n (the full p-median)"})
    row.update({"instance": path.stem, "n": dist.shape[0], "p": p, "reference": reference,
                "gap_pct": _gap(row["objective"], reference), "read_s": read_s})
    if args.peer == "spopt":
        peer = run_spopt(dist, p, args.time_limit)
        peer["gap_pct"] = _gap(peer["objective"], reference)
        row["spopt"] = peer
    return row


def _run_pmed_side(path: Path, dist: np.ndarray, p: int,
                   args: argparse.Namespace) -> dict[str, Any]:
    """The side engine ``benchmarks.engines.pmedian`` (no plan runs it), for comparison."""
    res = solve_pmedian(dist, p, time_limit_s=args.time_limit, seed=args.seed)
    opened = [j + 1 for j in res.open]
    objective = recompute_pmed(dist, p, opened)
    if abs(objective - res.objective) > 1e-6 * max(1.0, objective):
        raise AssertionError(f"{path.stem}: recomputed {objective} != reported {res.objective}")
    return {
        "engine": SIDE_PMEDIAN, "objective": objective, "bound": res.bound,
        "bound_gap_pct": res.gap_pct, "time_s": res.time_s, "descents": res.descents,
        "lr_iterations": res.lr_iterations, "open": opened,
    }


# --------------------------------------------------------------------------------------
# Cold-store siting: the province instance and seeded capacity-binding instances
# --------------------------------------------------------------------------------------
PROVINCE_BUDGET_YUAN = 500_000_000.0


def build_province(time_limit_s: float, seed: int) -> tuple[LocationProblem, dict[str, Any]]:
    """The province-size siting instance from the reference data, and its description.

    Demand points: all 17,718 village-level units of Gansu (NBS 2023, at their township
    point, as ``geodata.places.load_villages(root, "62")``); supply = the county's 2020
    rural population x ``stored_produce_kg_per_rural_capita`` (50.2 kg), spread evenly over
    ALL units of the county (the pipeline spreads it over rural villages only, 13,931 units;
    here urban units get their share so that every one of the 17,718 points carries supply);
    weight 2 in poverty counties. Candidate sites: the first unit (lowest code) of each of
    the 1,403 townships, which is >= 1,400 without extra slots. Road network: the
    approximate township graph (``geodata.roads.approximate_graph``, detour 1.3), village
    legs to the township centre (``geodata.legs``) added to each arc as in the pipeline,
    arcs within the vegetable access limit (2 h); a unit's own site is 0 s. 893 stores
    exactly, the default tiers (``optimize.scenario.DEFAULT_TIERS``), budget = 500 M yuan
    minus 720 trucks x 150,000 yuan = 392 M yuan; objective 'coverage_then_time'.
    """
    from geodata import boundaries, datasets, places
    from geodata.legs import township_areas_m2, village_leg_m
    from geodata.speeds import CLASS_SPEED_KPH
    from optimize.pipeline.network import network_frames, township_graph
    from optimize.scenario import Scenario

    t0 = time.perf_counter()
    scenario = Scenario()
    root = datasets.data_dir()
    units = places.load_villages(root, "62").sort_values("village_code").reset_index(drop=True)
    census = datasets.load_census(root)
    rural_pop = census.set_index("adcode")["pop_rural"]
    per_county = units.groupby("county_code")["village_code"].transform("count")
    kg = units["county_code"].map(rural_pop).astype(float) \
        * scenario.stored_produce_kg_per_rural_capita
    units["supply_t"] = (kg / 1000.0 / per_county).round(3)
    units["weight"] = np.where(units["poverty_county"].astype(bool), scenario.poverty_weight, 1.0)
    towns = places.load_townships(root)
    towns = towns[towns["township_code"].str.startswith("62")]
    legs = village_leg_m(township_areas_m2(towns, boundaries.region_polygon(root, "62")),
                         scenario.detour_factor)
    units["leg_m"] = units["township_code"].map(legs).fillna(0.0).round(0)
    units["leg_s"] = (units["leg_m"] / (CLASS_SPEED_KPH["unclassified"] / 3.6)).round(0)
    sites = units.groupby("township_code", sort=True).head(1).copy()
    sites = sites.sort_values("village_code").reset_index(drop=True)
    graph = township_graph(units, places.county_seats(root, "62"), scenario.detour_factor)
    net = network_frames(graph, units, sites, scenario)
    row = {code: i for i, code in enumerate(units["village_code"])}
    truck_subsidy = PROVINCE_TRUCKS * scenario.truck_subsidy_yuan
    tiers = scenario.tiers
    problem = LocationProblem(
        supply_t=units["supply_t"].to_numpy(dtype=float),
        weight=units["weight"].to_numpy(dtype=float),
        arc_demand=net.arcs["demand"].to_numpy(dtype=np.int64),
        arc_site=net.arcs["site"].to_numpy(dtype=np.int64),
        arc_time_s=net.arcs["time_s"].to_numpy(dtype=np.int64),
        n_sites=len(sites), tiers=tiers, n_stores=PROVINCE_STORES,
        budget_yuan=PROVINCE_BUDGET_YUAN - truck_subsidy,
        site_demand=np.array([row[c] for c in sites["village_code"]], dtype=np.int64),
        objective="coverage_then_time", engine="lagrange", time_limit_s=time_limit_s,
        seed=seed,
    )
    description = {
        "demand_points": len(units), "rural_villages": int(units["is_village"].sum()),
        "candidate_sites": len(sites), "townships": int(units["township_code"].nunique()),
        "arcs": len(net.arcs), "stores": PROVINCE_STORES,
        "budget_yuan": problem.budget_yuan, "access_limit_s": scenario.access_limit_s,
        "supply_t": float(units["supply_t"].sum()),
        "poverty_weight": scenario.poverty_weight,
        "tiers": [dataclasses.asdict(t) for t in tiers],
        "objective": problem.objective, "build_s": time.perf_counter() - t0,
        "village_codes": units["village_code"].tolist(),
        "site_codes": sites["village_code"].tolist(),
    }
    return problem, description


def random_siting(seed: int, time_limit_s: float, budget_yuan: float = 28e6, *,
                  points: int = 1200, sites: int = 130, stores: int = 100,
                  side_m: float = 100_000.0) -> LocationProblem:
    """1,200 points, 130 sites (~40,000 arcs), 100 stores, 4 tiers (~30,000 t of supply);
    the keywords make a smaller instance of the same family (the tests' stand-in).

    With the default 28 M yuan every store can be large and capacity binds at a few stores
    only; at 16 M yuan the budget buys about 24,000 t of capacity, so budget and capacity
    bind and coverage is lost.

    The instance family of ``optimize.siting.cpsat``'s tuning notes: points and sites uniform
    on a 100 km square, 10 m/s straight-line, arcs within 1,700 s.
    """
    rng = np.random.default_rng(seed)
    point, site = rng.uniform(0, side_m, (points, 2)), rng.uniform(0, side_m, (sites, 2))
    time_s = np.rint(np.linalg.norm(point[:, None] - site[None], axis=2) / 10).astype(int)
    demand, near = np.nonzero(time_s <= 1_700)
    tiers = tuple(StoreTier(f"{c} t", c, 1500.0 * c, min(1050.0 * c, 370_000.0))
                  for c in (100, 300, 500, 1000))
    return LocationProblem(
        supply_t=np.round(rng.uniform(10, 40, points), 3),
        weight=np.where(rng.random(points) < 0.3, 2.0, 1.0),
        arc_demand=demand, arc_site=near, arc_time_s=time_s[demand, near], n_sites=sites,
        tiers=tiers, n_stores=stores, budget_yuan=budget_yuan,
        objective="coverage_then_time", time_limit_s=time_limit_s, seed=seed,
    )


def recompute_siting(problem: LocationProblem, result: LocationResult) -> dict[str, Any]:
    """Check the plan against the instance and recompute the engine's objective.

    Objective (t*s): sum over served points of supply (0.01 t, rounded up) x arc time, plus
    per unserved tonne ``w_i (T + 1)`` s (``T + 1`` for weight 0), ``T`` the longest arc
    time (own village 0 s). CP-SAT's final stage charges only weight-0 supply, so its
    ``objective`` field is not this number; this one is computed for both.
    """
    supply = np.ceil(np.asarray(problem.supply_t) * 100 - 1e-9) / 100
    times = np.asarray(problem.arc_time_s, dtype=np.int64).copy()
    if problem.site_demand is not None:
        own = np.asarray(problem.site_demand)[problem.arc_site] == problem.arc_demand
        times[own] = 0
    arc_time = {(int(i), int(j)): int(t) for i, j, t in
                zip(problem.arc_demand, problem.arc_site, times, strict=True)}
    opened = result.open_sites.tolist()
    tier = dict(zip(opened, result.site_tier.tolist(), strict=True))
    load: dict[int, float] = dict.fromkeys(opened, 0.0)
    travel = 0.0
    for i, j in enumerate(result.assignment.tolist()):
        if j >= 0 and problem.supply_t[i] > 0:
            if (i, j) not in arc_time or j not in load:
                raise AssertionError(f"point {i} served by {j} without an arc or a store")
            load[j] += float(problem.supply_t[i])
            travel += supply[i] * arc_time[(i, j)]
    over = [j for j in opened if load[j] > problem.tiers[tier[j]].capacity_t + 1e-6]
    subsidy = sum(problem.tiers[k].subsidy_yuan for k in tier.values())
    if over or len(opened) != problem.n_stores or (
            problem.budget_yuan is not None and subsidy > problem.budget_yuan + 1e-6):
        raise AssertionError(f"plan infeasible: {len(over)} stores over capacity, "
                             f"{len(opened)} stores, subsidy {subsidy:,.0f}")
    top = (float(times.max(initial=0)) + 1.0) * COVERAGE_FACTOR
    weight = np.asarray(problem.weight, dtype=float)
    unserved = (result.assignment < 0) & (np.asarray(problem.supply_t) > 0)
    # a point with no arc to a site that may open is unserved in every plan: no penalty
    allowed = np.ones(problem.n_sites, dtype=bool)
    allowed[list(problem.excluded_sites)] = False
    has_arc = np.zeros(len(supply), dtype=bool)
    has_arc[np.asarray(problem.arc_demand)[allowed[np.asarray(problem.arc_site)]]] = True
    charged = unserved & has_arc
    penalty = float((supply * np.where(weight > 0, weight, 1.0) * top)[charged].sum())
    covered = ~unserved & (np.asarray(problem.supply_t) > 0)
    return {
        "objective": travel + penalty, "weighted_time": travel,
        "weighted_covered_t": float((weight * np.asarray(problem.supply_t))[covered].sum()),
        "subsidy_yuan": subsidy, "stores_full": int(sum(
            load[j] >= 0.995 * problem.tiers[tier[j]].capacity_t for j in opened)),
        "unserved_points": int(unserved.sum()),
    }


def siting_row(problem: LocationProblem, result: LocationResult, engine: str,
                codes: tuple[list[str], list[str]] | None = None) -> dict[str, Any]:
    check = recompute_siting(problem, result)
    if engine == "lagrange" and abs(check["objective"] - result.objective) > \
            1e-6 * max(1.0, check["objective"]):
        raise AssertionError(f"recomputed {check['objective']} != reported {result.objective}")
    village, site = codes if codes else (None, None)
    opened = result.open_sites.tolist()
    return {
        "engine": engine, "objective_reported": result.objective,
        "objective": check["objective"], "bound": result.bound, "gap_pct": result.gap_pct,
        "status": result.status, "time_s": result.time_s, "binding": list(result.binding),
        "covered_supply_t": result.covered_supply_t, "weighted_time": result.weighted_time,
        "check": check,
        "stages": [dataclasses.asdict(stage) for stage in result.stages],
        "open_sites": [site[j] for j in opened] if site else opened,
        "site_tier": [problem.tiers[k].name for k in result.site_tier.tolist()],
        "assignment": ({village[i]: (site[j] if j >= 0 else None)
                        for i, j in enumerate(result.assignment.tolist())} if village and site
                       else result.assignment.tolist()),
    }


def run_province(args: argparse.Namespace) -> list[dict[str, Any]]:
    """The province instance, solved by the Lagrangian engine."""
    problem, description = build_province(args.time_limit, args.seed)
    codes = (description.pop("village_codes"), description.pop("site_codes"))
    print(f"province instance: {json.dumps(description)}", flush=True)
    result = solve_location_lagrange(problem)
    row = siting_row(problem, result, "lagrange", codes)
    row.update({"instance": "gansu-province", "instance_description": description,
                "reference": None})
    return [row]


def run_plan(args: argparse.Namespace) -> list[dict[str, Any]]:
    """A plan's own siting problem (:mod:`benchmarks.location_plan`) through
    ``solve_location``, timed in wall and CPU seconds."""
    problem, description = plan_instance(args)
    codes = (description.pop("village_codes"), description.pop("site_codes"))
    print(f"plan instance: {json.dumps(description, default=str)[:600]}", flush=True)
    wall, cpu = time.perf_counter(), time.process_time()
    result = solve_location(problem)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    row = siting_row(problem, result, result.engine, codes)
    args.time_limit = problem.time_limit_s  # the JSON's time_limit_s: the budget solved with
    row.update({"instance": f"plan:{Path(description['scenario']).stem}",
                "instance_description": description, "reference": None,
                "time_limit_s": problem.time_limit_s, "wall_s": round(wall, 2),
                "cpu_s": round(cpu, 2)})
    return [row]


def run_random(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Seeded capacity-binding 1,200-point instances: Lagrangian engine and CP-SAT."""
    rows = []
    for seed in range(args.seed, args.seed + args.count):
        problem = random_siting(seed, args.time_limit, args.budget_yuan)
        if args.wall_safety is not None:
            problem = dataclasses.replace(problem, wall_safety=args.wall_safety)
        for engine in args.engines.split(","):
            result = solve_location(dataclasses.replace(problem, engine=engine))
            row = siting_row(problem, result, engine)
            row.update({"instance": f"random-1200/{seed}", "reference": None,
                        "budget_yuan": args.budget_yuan})
            rows.append(row)
    return rows


def _print_siting(row: dict[str, Any]) -> None:
    print(f"{row['instance']:>16} {row['engine']:>8} obj {row['objective']:.6g} "
          f"bound {row['bound']:.6g} gap {row['gap_pct']:.3f}% {row['status']} "
          f"{row['time_s']:.1f}s {row['binding']}", flush=True)


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
    if row["objective"] is None:
        print(f"{row['instance']:>12} p {row.get('p')} {row['engine']} no plan: "
              f"{row.get('error')} {row['time_s']:.2f}s", flush=True)
        return
    print(f"{row.get('case', row['instance']):>12} p {row.get('p')} {row['engine']} "
          f"obj {row['objective']:.3f} ref {row['reference']} gap {row['gap_pct']} "
          f"bound {row['bound']:.3f} {row['time_s']:.2f}s"
          + (f" | spopt {peer.get('objective')} {peer.get('time_s', 0):.1f}s" if peer else ""),
          flush=True)


def _engine_note(args: argparse.Namespace) -> str:
    """What solved the rows, said once per file (each row names its engine too)."""
    if args.set == "cap":
        return (f"{SIDE_CFLP}: benchmarks.engines.cflp, kept for comparison"
                if args.engine == "side" else CAP_NOTE)
    if args.set == "pmed" and args.engine == "side":
        return f"{SIDE_PMEDIAN}: benchmarks.engines.pmedian, kept for comparison"
    if args.set == "pmed":
        return ("optimize.siting.solve.solve_location on a LocationProblem (p-median: "
                "objective 'time', one uncapacitated zero-cost tier, no budget, dense arcs)")
    if args.set == "pmed-tsplib":
        return f"optimize.siting.solve.solve_location; {SPARSE_NOTE}"
    return "optimize.siting (see each row's engine)"


def _write(args: argparse.Namespace, rows: list[dict[str, Any]], done: bool) -> dict[str, Any]:
    payload = {
        "set": args.set, "dir": str(args.dir), "time_limit_s": args.time_limit,
        "seed": args.seed, "peer": args.peer, "command": " ".join(sys.argv), "complete": done,
        "k_nearest": args.k if args.set == "pmed-tsplib" else None,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "engine": _engine_note(args),
        "summary": _summary(rows),
        "summary_spopt": _summary(rows, "spopt") if args.peer else None,
        "results": rows,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(payload, indent=1))
    return payload


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--set", choices=("pmed", "cap", "pmed-tsplib", "province", "random",
                                      "plan"), required=True)
    ap.add_argument("--dir", type=Path, default=None,
                    help="instance folder (pmed, cap, pmed-tsplib)")
    ap.add_argument("--count", type=int, default=2, help="random: instances (seeds from --seed)")
    ap.add_argument("--budget-yuan", type=float, default=28e6, help="random: subsidy budget")
    ap.add_argument("--time-limit", type=float, default=None,
                    help="seconds per instance/case (default 10; plan: the scenario's)")
    ap.add_argument("--scenario", type=Path, default=None, help="plan: the scenario file")
    ap.add_argument("--save", type=Path, default=None, help="plan: save the instance (.npz)")
    ap.add_argument("--load", type=Path, default=None, help="plan: a saved instance (.npz)")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--peer", choices=("spopt",), default=None)
    ap.add_argument("--engine", choices=("product", "side"), default="product",
                    help="pmed, cap: solve_location (product, default) or the side engine")
    ap.add_argument("--k", type=int, default=None,
                    help="pmed-tsplib: nearest candidates per point (default: per row)")
    ap.add_argument("--instances", default="",
                    help="comma-separated stems (pmed7,cap41) or pmed-tsplib rows (fl1400:50)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--engines", default="lagrange,cpsat",
                    help="random: engines run, comma-separated (lagrange, cpsat)")
    ap.add_argument("--wall-safety", type=float, default=None,
                    help="random: wall-clock cap as a multiple of --time-limit (default the "
                         "problem's, 3): raise it on a loaded machine so that the run ends "
                         "by its deterministic counts, not by the clock")
    args = ap.parse_args(argv)
    args.time_limit_given = args.time_limit
    args.time_limit = 10.0 if args.time_limit is None else args.time_limit
    rows: list[dict[str, Any]] = []
    if args.set in ("province", "random", "plan"):
        for row in _siting_rows(args):
            rows.append(row)
            _print_siting(row)
        payload = _write(args, rows, done=True)
        print(json.dumps({k: payload[k] for k in ("set", "time_limit_s", "complete")}))
        return 0
    if args.dir is None:
        ap.error("--dir is required for --set pmed, cap and pmed-tsplib")
    for row in _instance_rows(args):
        rows.append(row)
        _print_row(row)
        _write(args, rows, done=False)  # after every row: a stopped run keeps its results
    payload = _write(args, rows, done=True)
    print(json.dumps({"summary": payload["summary"], "spopt": payload["summary_spopt"]}))
    return 0


def _siting_rows(args: argparse.Namespace) -> list[dict[str, Any]]:
    """The rows of ``--set province``, ``random`` or ``plan``."""
    if args.set == "plan":
        return run_plan(args)
    return run_province(args) if args.set == "province" else run_random(args)


def _instance_rows(args: argparse.Namespace) -> Iterator[dict[str, Any]]:
    """The result rows of ``--set pmed``, ``cap`` or ``pmed-tsplib``, one at a time."""
    if args.set == "pmed-tsplib":
        yield from run_tsplib(args.dir, parse_rows(args.instances) or None, args.k,
                              args.time_limit, args.seed)
        return
    only = [s.strip() for s in args.instances.split(",") if s.strip()] or None
    refs = read_references(args.dir, args.set)
    for path in find_instances(args.dir, args.set, only):
        if args.set == "pmed":
            yield run_pmed(path, refs, args)
        else:
            yield from run_cap(path, refs, args.time_limit, args.seed, args.engine)

if __name__ == "__main__":
    raise SystemExit(main())
