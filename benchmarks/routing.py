"""Benchmark the routing engines on CVRPLIB / Solomon files, or the province case.

Usage::

    .venv/bin/python benchmarks/routing.py --set cvrp --dir ../shared/benchmarks/cvrp-x \
        --every 5 --time-limit 30 --peers --jobs 2 --out benchmarks/results/x.json
    .venv/bin/python benchmarks/routing.py --set vrptw --dir ../shared/benchmarks/vrptw-solomon \
        --time-limit 30 --jobs 2 --out benchmarks/results/solomon.json
    .venv/bin/python benchmarks/routing.py --set province --time-limit 600 --jobs 2 \
        --out benchmarks/results/province.json
    .venv/bin/python -m benchmarks.routing --set mtvrptwr [--dir DIR] \
        [--instances C201R0.5,R201R0.25] --time-limit 30 [--clock cpu] \
        [--runners ours,pyvrp-default] --out mtvrptwr.json
    .venv/bin/python -m benchmarks.routing --set gansu --plan plans/gansu \
        [--scenario scenarios/gansu.toml] [--prefectures 6229,6211] [--sample N --seed S] \
        [--time-factor 10] [--peers] --out gansu-days.json

``cvrp`` / ``vrptw``: ``ours`` is :func:`optimize.routing.solve.solve_routing` (the plans'
interface) on a one-depot, one-trip ``MultiDepotProblem`` (:func:`product_problem`); the
peers are the side engines of :mod:`benchmarks.engines.vrp` and VROOM.
``gansu`` re-solves a saved Gansu plan's own store-day problems at the plan's budget and
``--time-factor`` x, and reports its market runs (:mod:`benchmarks.gansu_days`).

``mtvrptwr`` / ``mdvrptw`` go through ``solve_routing`` with a ``MultiDepotProblem``
(:mod:`benchmarks.vrplib_sets`: conventions, re-costing and the check from the file);
``--dir`` defaults to ``<benchmarks dir>/<set>``, the benchmarks dir being
``$COLDCHAIN_BENCHMARK_DIR`` or ``benchmarks`` beside the reference data
(``geodata.datasets.data_dir()``, i.e. ``../shared/benchmarks``). The JSON's ``results``
hold ``{"instance", "cost", "routes", "time_s", "engine"}`` (plus detail) for ours, in the
evaluation checker's format; ``--peers`` rows (PyVRP defaults, plain OR-Tools, same
budget, same run) go to ``peers``. ``--clock cpu`` makes the limit CPU seconds of the
run's process for ours and PyVRP's defaults alike, whatever the machine's load (PyVRP
stopped by a ``time.process_time`` criterion, ours by its work budget with the wall cap
lifted); every row records ``cpu_s`` and ``clock``.

Cost conventions (each set's own): ``cvrp`` = CVRPLIB, Euclidean distance rounded to the
nearest integer (nint); ``vrptw`` = DIMACS, Euclidean distance truncated to one decimal,
objective distance only. VRPTW is solved in tenths (every distance, time window and service
time times 10, integers), and costs are reported divided by 10.

Every solution's cost is recomputed here from the instance data, and its feasibility
checked (each client once, capacity, and for VRPTW the time windows) before it is written.
Routes list clients 1..n, depot left out, as in the sets' ``.sol`` files.
Needs the ``bench`` extra (vrplib, pyvroom).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.engines.decompose import allocate_fleet, border_pass, solve_depots
from benchmarks.engines.province_cases import ProvinceCase
from benchmarks.engines.vrp import VrpData, VrpSolution, solve_vrp, vrp_solution
from benchmarks.vrplib_sets import CPU_WALL_SAFETY
from optimize.routing.check import check_trips
from optimize.routing.multidepot import MultiDepotProblem
from optimize.routing.solve import solve_routing

#: VRPTW instances are solved in tenths of a distance/time unit (DIMACS: 1 decimal).
TW_SCALE = 10


# --------------------------------------------------------------------------------------
# Reading instances
# --------------------------------------------------------------------------------------
def _euclid(xy: np.ndarray) -> np.ndarray:
    diff = xy[:, None, :] - xy[None, :, :]
    return np.sqrt((diff**2).sum(axis=2))


def read_cvrp(path: Path) -> tuple[VrpData, float]:
    """A VRPLIB CVRP file with nint distances; returns the data and the cost scale (1)."""
    import vrplib

    inst = vrplib.read_instance(str(path), compute_edge_weights=False)
    dist = np.floor(_euclid(inst["node_coord"].astype(float)) + 0.5).astype(np.int64)
    demand = np.asarray(inst["demand"][1:], dtype=np.int64)
    return VrpData(dist, demand, int(inst["capacity"])), 1.0


def read_vrptw(path: Path) -> tuple[VrpData, float]:
    """A Solomon (.txt) or VRPLIB (.vrp) VRPTW file in tenths; cost scale 1/10."""
    import vrplib

    fmt = "solomon" if path.suffix == ".txt" else "vrplib"
    inst = vrplib.read_instance(str(path), instance_format=fmt, compute_edge_weights=False)
    dist = np.floor(TW_SCALE * _euclid(inst["node_coord"].astype(float))).astype(np.int64)
    tw = np.rint(np.asarray(inst["time_window"], dtype=float) * TW_SCALE).astype(np.int64)
    svc = np.rint(np.asarray(inst["service_time"], dtype=float) * TW_SCALE).astype(np.int64)
    vehicles = inst.get("vehicles")
    data = VrpData(dist, np.asarray(inst["demand"][1:], dtype=np.int64), int(inst["capacity"]),
                   n_vehicles=int(vehicles) if vehicles is not None else None,
                   time_window=tw, service=svc)
    return data, 1.0 / TW_SCALE


def reference_cost(path: Path) -> float | None:
    """The ``Cost`` line of the instance's ``.sol`` file, if there is one."""
    sol = path.with_suffix(".sol")
    if not sol.exists():
        return None
    import vrplib

    return float(vrplib.read_solution(str(sol))["cost"])


def list_instances(directory: Path, kind: str) -> list[Path]:
    """Instance files of a set, sorted by client count then name."""
    pattern = "*.txt" if kind == "vrptw" and any(directory.glob("*.txt")) else "*.vrp"
    files = [p for p in directory.glob(pattern) if p.name != "README.txt"]

    def size(p: Path) -> tuple[int, str]:
        digits = "".join(ch if ch.isdigit() else " " for ch in p.stem).split()
        return (int(digits[0]) if kind == "cvrp" and digits else 0, p.stem)

    return sorted(files, key=size)


# --------------------------------------------------------------------------------------
# Peers only used here: VROOM
# --------------------------------------------------------------------------------------
def solve_vroom(data: VrpData, time_limit_s: float) -> VrpSolution:
    """pyvroom, one thread, exploration level 5, held to ``time_limit_s``."""
    import vroom

    started = time.perf_counter()
    problem = vroom.Input()
    problem.set_durations_matrix("car", np.asarray(data.durations(), dtype=np.uint32))
    problem.set_costs_matrix("car", np.asarray(data.distance, dtype=np.uint32))
    tw, svc = data.time_window, data.services()
    for i in range(1, data.n_clients + 1):
        windows = [] if tw is None else [vroom.TimeWindow(int(tw[i, 0]), int(tw[i, 1]))]
        problem.add_job(vroom.Job(i, location=i, default_service=int(svc[i]),
                                  delivery=[int(data.demand[i - 1])], time_windows=windows))
    fleet = data.n_vehicles or _vroom_fleet(data)
    shift = None if tw is None else vroom.TimeWindow(int(tw[0, 0]), int(tw[0, 1]))
    for v in range(fleet):
        problem.add_vehicle(vroom.Vehicle(v, start=0, end=0, capacity=[int(data.capacity)],
                                          time_window=shift))
    left_s = max(time_limit_s - (time.perf_counter() - started), 1.0)
    sol = problem.solve(exploration_level=5, nb_threads=1, timeout=timedelta(seconds=left_s))
    routes = sol.routes
    out = []
    for _, group in routes[routes["type"] == "job"].groupby("vehicle_id", sort=True):
        out.append(tuple(int(x) for x in group["id"]))
    return vrp_solution(data, out, "vroom", started)


def _vroom_fleet(data: VrpData) -> int:
    """Enough vehicles for an unlimited-fleet CVRP without flooding VROOM's search."""
    lower = math.ceil(int(np.sum(data.demand)) / data.capacity)
    return min(data.n_clients, 2 * lower + 10)


def product_problem(data: VrpData, time_limit_s: float, seed: int,
                    wall_safety: float = 1.0) -> MultiDepotProblem:
    """The CVRP / VRPTW instance as the product's routing interface takes it: one depot,
    one trip per truck, the file's fleet (one truck per client when unlimited), integer
    matrices as given; without windows the horizon is longer than any route. The wall
    clock caps the search at ``wall_safety x time_limit_s + 1`` s (``--clock cpu``:
    :data:`CPU_WALL_SAFETY`, so the work budget ends it)."""
    m = len(data.demand)
    duration = data.distance if data.duration is None else data.duration
    service = np.zeros(m, dtype=np.int64) if data.service is None \
        else np.asarray(data.service, dtype=np.int64)[1:]
    tw = data.time_window
    horizon = int(tw[0, 1]) if tw is not None \
        else int(np.max(duration)) * (m + 2) + int(service.sum()) + 1
    return MultiDepotProblem(
        time_s=np.asarray(duration, dtype=np.int64),
        distance_m=np.asarray(data.distance, dtype=np.int64), n_depots=1,
        trucks_per_depot=(int(data.n_vehicles or m),),
        pickup_t=np.asarray(data.demand, dtype=float), service_s=service,
        truck_capacity_t=float(data.capacity), horizon_s=horizon, max_trips_per_truck=1,
        time_window_s=None if tw is None else np.asarray(tw[1:], dtype=np.int64),
        time_limit_s=time_limit_s, seed=seed, engine="auto", wall_safety=wall_safety)


def solve_product(data: VrpData, time_limit_s: float, seed: int,
                  clock: str = "wall") -> tuple[VrpSolution, str]:
    """``ours``: :func:`optimize.routing.solve.solve_routing`, the interface the plans call
    (:func:`product_problem`); the engines that made the trips name the row's engine.
    Returns the solution and the solve's status."""
    started = time.perf_counter()
    safety = CPU_WALL_SAFETY if clock == "cpu" else 1.0
    result = solve_routing(product_problem(data, time_limit_s, seed, safety))
    routes = [tuple(1 + s for s in t.stops) for t in result.trips]
    engine = "+".join(sorted({t.engine for t in result.trips})) or "none"
    return vrp_solution(data, routes, engine, started), result.status


# --------------------------------------------------------------------------------------
# One task = one instance x one engine
# --------------------------------------------------------------------------------------
def run_task(path: str, kind: str, engine: str, time_limit_s: float, seed: int,
             clock: str = "wall") -> dict[str, Any]:
    """Solve one instance with one engine; cost recomputed and feasibility checked.

    ``clock="cpu"`` lifts ours' wall-clock cap (:func:`solve_product`); the peers keep
    their wall-clock limits. Every row records the CPU seconds of the solve (``cpu_s``).
    """
    p = Path(path)
    data, scale = read_cvrp(p) if kind == "cvrp" else read_vrptw(p)
    cpu_started, status = time.process_time(), ""
    if engine == "vroom":
        sol = solve_vroom(data, time_limit_s)
    elif engine == "ortools-gls":
        sol = solve_vrp(data, engine="ortools", time_limit_s=time_limit_s)
    elif engine == "pyvrp-default":
        sol = solve_vrp(data, engine="pyvrp", time_limit_s=time_limit_s, seed=seed + 1)
    else:
        sol, status = solve_product(data, time_limit_s, seed, clock)
    cpu_s = round(time.process_time() - cpu_started, 2)
    ref = reference_cost(p)
    cost = round(sol.cost * scale, 1) if scale != 1 else sol.cost
    gap = None if ref is None or not sol.feasible else round(100 * (cost - ref) / ref, 3)
    return {"instance": p.stem, "clients": data.n_clients, "runner": engine,
            "engine": sol.engine, "cost": cost, "reference": ref, "gap_pct": gap,
            "time_s": round(sol.time_s, 2), "cpu_s": cpu_s, "clock": clock,
            "status": status, "feasible": sol.feasible,
            "problems": list(sol.problems[:5]), "n_routes": len(sol.routes),
            "routes": [list(r) for r in sol.routes]}


def summarise(results: list[dict[str, Any]]) -> dict[str, Any]:
    """Mean / worst gap, infeasible count and mean time per runner."""
    out: dict[str, Any] = {}
    for runner in sorted({r["runner"] for r in results}):
        rows = [r for r in results if r["runner"] == runner]
        gaps = [r["gap_pct"] for r in rows if r["gap_pct"] is not None]
        out[runner] = {
            "instances": len(rows),
            "infeasible": sum(not r["feasible"] for r in rows),
            "mean_gap_pct": round(float(np.mean(gaps)), 3) if gaps else None,
            "worst_gap_pct": round(float(np.max(gaps)), 3) if gaps else None,
            "mean_time_s": round(float(np.mean([r["time_s"] for r in rows])), 2),
        }
    return out


def _write(out: Path, meta: dict[str, Any], results: list[dict[str, Any]]) -> None:
    order = {"ours": 0, "ortools-gls": 1, "pyvrp-default": 2, "vroom": 3}
    results = sorted(results, key=lambda r: (r["clients"], r["instance"],
                                             order.get(r["runner"], 9)))
    payload = {**meta, "summary": summarise(results), "results": results}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(payload, indent=1))


def run_benchmark(args: argparse.Namespace) -> None:
    """Solve the chosen instances with our engine (and peers), writing JSON as we go."""
    files = list_instances(Path(args.dir), args.set)
    if args.instances:
        wanted = set(args.instances.split(","))
        files = [f for f in files if f.stem in wanted]
    files = files[:: args.every]
    runners = ["ours"] + (["ortools-gls", "pyvrp-default", "vroom"] if args.peers else [])
    meta = {"set": args.set, "dir": str(args.dir), "time_limit_s": args.time_limit,
            "clock": args.clock, "jobs": args.jobs, "cores_per_job": 1, "seed": args.seed,
            "cost_convention": ("nint Euclidean (CVRPLIB)" if args.set == "cvrp" else
                                "Euclidean truncated to 1 decimal, distance only (DIMACS)"),
            "machine": f"{platform.machine()} {os.cpu_count()} cores",
            "started": time.strftime("%Y-%m-%d %H:%M:%S")}
    results: list[dict[str, Any]] = []
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        futures = [pool.submit(run_task, str(f), args.set, r, args.time_limit, args.seed,
                               args.clock) for f in files for r in runners]
        for fut in as_completed(futures):
            row = fut.result()
            results.append(row)
            print(f"{row['instance']:>16} {row['runner']:>14} cost {row['cost']} "
                  f"gap {row['gap_pct']} % {row['time_s']} s cpu {row['cpu_s']} s "
                  f"feasible {row['feasible']} {row['engine']}", flush=True)
            _write(Path(args.out), meta, results)
    print(json.dumps(summarise(results), indent=1))


# --------------------------------------------------------------------------------------
# The province case
# --------------------------------------------------------------------------------------
def run_province(args: argparse.Namespace) -> None:
    """Synthetic province: depots, stops, 720 trucks; decomposed by depot, in parallel."""
    started = time.perf_counter()
    case = ProvinceCase.generate(args.depots, args.stops, seed=args.seed, engine=args.engine)
    share = allocate_fleet([case.problem(j, case.members[j], 0) for j in range(args.depots)],
                           args.trucks)
    build = case.builder(share.trucks)
    first_s = 0.75 * args.time_limit - (time.perf_counter() - started)
    problems = [build(j, list(case.members[j])) for j in range(args.depots)]
    first = solve_depots(problems, budget_s=first_s, workers=args.jobs)
    left_s = args.time_limit - (time.perf_counter() - started)
    members, results = border_pass(case.members, case.alternative, first.results, build,
                                   budget_s=0.8 * left_s, workers=args.jobs)
    elapsed = time.perf_counter() - started
    violations = sum(len(check_trips(build(j, members[j]), r)) for j, r in enumerate(results))
    reasons: dict[str, int] = {}
    for r in results:
        for _, why in r.unserved:
            key = why.split(" (")[0].split(":")[0]
            reasons[key] = reasons.get(key, 0) + 1
    served = sum(len(t.stops) for r in results for t in r.trips)
    engines: dict[str, int] = {}
    for r in results:
        for t in r.trips:
            engines[t.engine] = engines.get(t.engine, 0) + 1
    payload = {"set": "province", "depots": args.depots, "stops": args.stops,
               "trucks": args.trucks, "trucks_allocated": int(sum(share.trucks)),
               "time_limit_s": args.time_limit, "jobs": args.jobs, "engine": args.engine,
               "time_s": round(elapsed, 2), "first_pass_s": round(first.time_s, 2),
               "served": served, "unserved": sum(len(r.unserved) for r in results),
               "unserved_by_reason": reasons, "trips_by_engine": engines,
               "trucks_used": sum(r.trucks_used for r in results),
               "distance_km": round(sum(r.distance_m for r in results) / 1000, 1),
               "check_trips_violations": violations,
               "fleet_reasons": list(share.reasons[:10]),
               "statuses": sorted({r.status.split(";")[0] for r in results})}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(payload, indent=1))
    print(json.dumps(payload, indent=1))


MULTI_SETS = ("mtvrptwr", "mdvrptw")
#: Runners of the MTVRPTWR / MDVRPTW sets (:func:`benchmarks.vrplib_sets.run_set_task`).
MULTI_RUNNERS = ("ours", "pyvrp-default", "ortools-plain")


def benchmark_dir(kind: str) -> Path:
    """Default folder of a set: ``$COLDCHAIN_BENCHMARK_DIR/<set>`` or beside the data."""
    root = os.environ.get("COLDCHAIN_BENCHMARK_DIR")
    if root:
        return Path(root) / kind
    from geodata.datasets import data_dir

    return Path(data_dir()).parent / "benchmarks" / kind


def run_multi(args: argparse.Namespace) -> dict[str, Any]:
    """``--set mtvrptwr|mdvrptw``: ours (and peers) per instance, one at a time (``--jobs``
    above 1 is refused, not ignored: split the files with ``--instances`` over processes);
    ``--every k`` takes every k-th file, as for the other sets."""
    from benchmarks.vrplib_sets import run_set_task

    if args.jobs != 1:
        raise SystemExit(f"--jobs {args.jobs}: --set {args.set} runs one instance at a time; "
                         "run several processes over parts of the files (--instances)")
    directory = Path(args.dir) if args.dir else benchmark_dir(args.set)
    files = sorted(directory.glob("*.vrp"))[:: args.every]
    if args.instances:
        wanted = args.instances.split(",")
        missing = [w for w in wanted if not (directory / f"{w}.vrp").exists()]
        if missing:
            raise SystemExit(f"--instances: not in {directory}: {', '.join(missing)}")
        files = [directory / f"{w}.vrp" for w in wanted]
    runners = multi_runners(args.runners, args.peers)
    meta = {"set": args.set, "dir": str(directory), "time_limit_s": args.time_limit,
            "clock": args.clock, "seed": args.seed, "jobs": 1, "machine": f"{platform.machine()} "
            f"{os.cpu_count()} cores", "started": time.strftime("%Y-%m-%d %H:%M:%S")}
    rows: list[dict[str, Any]] = []
    for path in files:
        for runner in runners:
            row = run_set_task(path, args.set, runner, args.time_limit, args.seed,
                               args.clock)
            rows.append(row)
            print(f"{row['instance']:>12} {runner:>14} cost {row['cost']} gap {row['gap_pct']} % "
                  f"{row['time_s']} s cpu {row['cpu_s']} s feasible {row['feasible']} "
                  f"{row['engine']}", flush=True)
            _write_multi(Path(args.out), meta, rows, done=False)
    return _write_multi(Path(args.out), meta, rows, done=True)


def multi_runners(chosen: str, peers: bool) -> list[str]:
    """Runners of ``--set mtvrptwr|mdvrptw``: ``--runners`` (comma-separated) when given,
    else ours, with PyVRP's defaults and plain OR-Tools under ``--peers``."""
    if not chosen:
        return ["ours"] + (list(MULTI_RUNNERS[1:]) if peers else [])
    runners = chosen.split(",")
    unknown = [r for r in runners if r not in MULTI_RUNNERS]
    if unknown:
        raise SystemExit(f"--runners: unknown {', '.join(unknown)} "
                         f"(known: {', '.join(MULTI_RUNNERS)})")
    return runners


def _write_multi(out: Path, meta: dict[str, Any], rows: list[dict[str, Any]],
                 done: bool) -> dict[str, Any]:
    payload = {**meta, "complete": done, "summary": summarise(rows),
        "results": [r for r in rows if r["runner"] == "ours"],
        "peers": [r for r in rows if r["runner"] != "ours"]}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(payload, indent=1))
    return payload


def run_gansu_set(args: argparse.Namespace) -> None:
    """``--set gansu``: the saved Gansu plan's day instances (:mod:`benchmarks.gansu_days`)."""
    from benchmarks.gansu_days import PEER_ENGINES, run_gansu
    from optimize.scenario import Scenario

    plan = Path(args.plan or os.environ.get("COLDCHAIN_GANSU_PLAN", "plans/gansu"))
    out = run_gansu(Scenario.from_toml(args.scenario), plan,
                    prefectures=[c for c in args.prefectures.split(",") if c],
                    sample=args.sample, seed=args.seed, time_factor=args.time_factor,
                    peers=PEER_ENGINES if args.peers else (), log=print)
    out["machine"] = {"cpus": os.cpu_count(), "python": platform.python_version()}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=1, ensure_ascii=False), encoding="utf-8")
    print(json.dumps(out["summary"], indent=1, ensure_ascii=False))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--set", choices=["cvrp", "vrptw", "province", *MULTI_SETS, "gansu"],
                        required=True)
    parser.add_argument("--dir", default="")
    parser.add_argument("--instances", default="", help="comma-separated file stems")
    parser.add_argument("--every", type=int, default=1, help="take every k-th instance")
    parser.add_argument("--time-limit", type=float, default=30.0, help="seconds per run")
    parser.add_argument("--peers", action="store_true")
    parser.add_argument("--clock", choices=["wall", "cpu"], default="wall",
                        help="--time-limit counts wall seconds, or CPU seconds of the run's "
                        "process (load-independent; mtvrptwr/mdvrptw: see "
                        "benchmarks.vrplib_sets.run_set_task; cvrp/vrptw: ours' wall cap "
                        "lifted so its work budget ends it)")
    parser.add_argument("--runners", default="", help="mtvrptwr/mdvrptw: comma-separated, "
                        "of " + ",".join(MULTI_RUNNERS) + " (overrides --peers)")
    parser.add_argument("--jobs", type=int, default=1, help="runs at once (1 core each)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--engine", default="auto", help="province: store engine")
    parser.add_argument("--depots", type=int, default=87, help="province: depots")
    parser.add_argument("--stops", type=int, default=1786, help="province: stops")
    parser.add_argument("--trucks", type=int, default=720, help="province: trucks")
    parser.add_argument("--out", required=True)
    gansu = parser.add_argument_group("--set gansu (benchmarks.gansu_days)")
    gansu.add_argument("--plan", default="", help="saved Gansu plan directory")
    gansu.add_argument("--scenario", default="scenarios/gansu.toml")
    gansu.add_argument("--prefectures", default="", help="comma-separated 4-digit codes")
    gansu.add_argument("--sample", type=int, default=0, help="store-days per season (0: all)")
    gansu.add_argument("--time-factor", type=float, default=10.0)
    args = parser.parse_args(argv)
    if args.set == "gansu":
        run_gansu_set(args)
    elif args.set == "province":
        run_province(args)
    elif args.set in MULTI_SETS:
        print(json.dumps(run_multi(args)["summary"], indent=1))
    else:
        run_benchmark(args)


if __name__ == "__main__":
    main()
