"""The MTVRPTWR and MDVRPTW sets: read, solve through ``solve_routing``, re-cost and check.

Conventions (``../shared/benchmarks/{mtvrptwr,mdvrptw}/PROVENANCE.md``):

- ``mtvrptwr``: distance = travel time = ``trunc(10 x euclid)``; windows, service and
  release times x 10; one depot, ``VEHICLES`` trucks, unlimited reloads at the depot.
  Routes: one list per used vehicle, locations from 0 (0 = depot), a 0 inside a route is
  a reload; ``cost`` = total distance in those units (15006 = 1500.6).
- ``mdvrptw``: distance = travel time = ``round(1000 x euclid)`` (half to even); windows,
  service and the route duration limit x 1000; ``routes[k]`` is vehicle ``k + 1`` of
  ``VEHICLES_DEPOT_SECTION`` (``[]`` when unused), depots are locations ``0..D-1``,
  clients ``D..``; one trip per vehicle; the duration counts waiting but the vehicle may
  leave late.

:func:`set_problem` builds the :class:`~optimize.routing.multidepot.MultiDepotProblem`
that :func:`~optimize.routing.solve.solve_routing` solves; :func:`set_routes` writes its
plan in the set's notation. :func:`set_cost` and :func:`set_violations` re-cost and check
routes from the file alone (numpy and vrplib, no code of the engines or of
:mod:`optimize.routing`), as the evaluation checker does. :func:`pyvrp_default_routes` is
the ``--peers`` PyVRP run: ``pyvrp.read`` + ``pyvrp.solve`` with PyVRP's defaults.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from optimize.routing.multidepot import MultiDepotProblem, MultiDepotResult

#: Scale of each set's integer units and its PyVRP ``round_func``.
SCALE = {"mtvrptwr": 10, "mdvrptw": 1000}
ROUND_FUNC = {"mtvrptwr": "dimacs", "mdvrptw": "exact"}
#: What a run's time limit counts: wall seconds or this process's CPU seconds.
CLOCKS = ("wall", "cpu")
#: In CPU-clock mode our wall-clock safety cap is this many times the limit (its work
#: budget ends the search; under a load of 5 on 2 cores a CPU second takes ~2.5 wall s).
CPU_WALL_SAFETY = 10.0


def read_set(path: Path) -> dict[str, Any]:
    """The instance as ``vrplib`` reads it (coordinates unrounded)."""
    import vrplib

    return dict(vrplib.read_instance(str(path), compute_edge_weights=False))


def set_distance(inst: dict[str, Any], kind: str) -> np.ndarray:
    """The set's integer distance (= travel time) matrix over all file nodes."""
    xy = np.asarray(inst["node_coord"], dtype=np.float64)
    euclid = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2))
    if kind == "mtvrptwr":
        return np.floor(10 * euclid).astype(np.int64)
    return np.round(1000 * euclid).astype(np.int64)


def _scaled(values: Any, kind: str) -> np.ndarray:
    return np.round(np.asarray(values, dtype=np.float64) * SCALE[kind]).astype(np.int64)


def _service(inst: dict[str, Any], kind: str) -> np.ndarray:
    """Service time per file node, scaled (mtvrptwr: one value for every client)."""
    n_nodes = int(inst["dimension"])
    svc = np.broadcast_to(np.asarray(inst.get("service_time", 0)), (n_nodes,)).copy()
    svc[np.asarray(inst["depot"])] = 0
    return _scaled(svc, kind)


def depots_and_fleet(inst: dict[str, Any]) -> tuple[int, tuple[int, ...]]:
    """Number of depots and trucks per depot (vehicles of VEHICLES_DEPOT_SECTION)."""
    n_depots = len(np.asarray(inst["depot"]))
    if "vehicles_depot" not in inst:
        return n_depots, (int(inst["vehicles"]),)
    homes = np.asarray(inst["vehicles_depot"]) - 1
    if np.any(np.diff(homes) < 0):
        raise ValueError("VEHICLES_DEPOT_SECTION is not grouped by depot")
    return n_depots, tuple(int(np.sum(homes == d)) for d in range(n_depots))


def set_problem(path: Path, kind: str, time_limit_s: float, seed: int = 0,
                engine: str = "auto", wall_safety: float = 1.0) -> MultiDepotProblem:
    """The instance as a :class:`MultiDepotProblem` in the set's integer units."""
    inst = read_set(path)
    n_depots, fleet = depots_and_fleet(inst)
    dist = set_distance(inst, kind)
    tw = _scaled(inst["time_window"], kind)
    demand = np.asarray(inst["demand"], dtype=np.float64)[n_depots:]
    release = inst.get("release_time")
    duration = inst.get("vehicles_max_duration")
    return MultiDepotProblem(
        time_s=dist, distance_m=dist, n_depots=n_depots, trucks_per_depot=fleet,
        pickup_t=demand, service_s=_service(inst, kind)[n_depots:],
        truck_capacity_t=float(inst["capacity"]), horizon_s=int(tw[:n_depots, 1].max()),
        shift_s=None if duration is None else int(_scaled(duration, kind)),
        max_trips_per_truck=1 if kind == "mdvrptw" else None,
        release_s=None if release is None else _scaled(release, kind)[n_depots:],
        time_window_s=tw[n_depots:], time_limit_s=time_limit_s, seed=seed, engine=engine,
        wall_safety=wall_safety)


def set_routes(problem: MultiDepotProblem, result: MultiDepotResult,
               kind: str) -> list[list[int]]:
    """The plan in the set's route notation (see the module docstring)."""
    d = problem.n_depots
    by_truck: dict[int, list[int]] = {}
    for trip in result.trips:
        route = by_truck.setdefault(trip.truck, [])
        if route:
            route.append(trip.start_depot)  # a reload (only depot 0 in mtvrptwr)
        route += [d + s if kind == "mdvrptw" else 1 + s for s in trip.stops]
    if kind == "mtvrptwr":
        return [by_truck[k] for k in sorted(by_truck)]
    return [by_truck.get(k, []) for k in range(problem.n_trucks)]


def set_cost(inst: dict[str, Any], kind: str, routes: list[list[int]]) -> int:
    """Total distance of ``routes`` in the set's integer units, from the file alone."""
    dist = set_distance(inst, kind)
    homes = _route_depots(inst, kind, len(routes))
    total = 0
    for route, home in zip(routes, homes, strict=True):
        if route:
            nodes = [home, *route, home]
            total += int(sum(dist[a, b] for a, b in zip(nodes[:-1], nodes[1:], strict=True)))
    return total


def _route_depots(inst: dict[str, Any], kind: str, n_routes: int) -> list[int]:
    if kind == "mtvrptwr":
        return [0] * n_routes
    return [int(h) - 1 for h in np.asarray(inst["vehicles_depot"])[:n_routes]]


def set_violations(inst: dict[str, Any], kind: str, routes: list[list[int]]) -> list[str]:
    """Every way ``routes`` break the instance (PROVENANCE.md, "Feasibility")."""
    n_depots = len(np.asarray(inst["depot"]))
    n_nodes = int(inst["dimension"])
    seen = np.bincount([c for r in routes for c in r if c >= n_depots], minlength=n_nodes)
    out = [f"client {c} visited {seen[c]} times" for c in range(n_depots, n_nodes)
           if seen[c] != 1]
    limit = int(inst["vehicles"])
    if len(routes) > limit:
        out.append(f"{len(routes)} routes, {limit} vehicles")
    homes = _route_depots(inst, kind, min(len(routes), limit))
    release = inst.get("release_time")
    clock = {"dist": set_distance(inst, kind), "tw": _scaled(inst["time_window"], kind),
             "svc": _service(inst, kind), "rel": None if release is None
             else _scaled(release, kind)}
    for k, (route, home) in enumerate(zip(routes, homes, strict=False)):
        if route:
            out += [f"route {k + 1}: {m}"
                    for m in _route_violations(inst, kind, route, home, clock)]
    return out


def _route_violations(inst: dict[str, Any], kind: str, route: list[int], home: int,
                      clock: dict[str, Any]) -> list[str]:
    """Capacity per trip, windows, releases, horizon and (MDVRPTW) duration of one route."""
    n_depots = len(np.asarray(inst["depot"]))
    trips: list[list[int]] = [[]]
    for c in route:
        if c < n_depots:
            if kind == "mdvrptw" or c != home:
                return [f"depot {c} inside the route"]
            trips.append([])
        else:
            trips[-1].append(c)
    demand = np.asarray(inst["demand"])
    out = [f"trip {t}: load {int(demand[trip].sum())} over {int(inst['capacity'])}"
           for t, trip in enumerate(trips) if int(demand[trip].sum()) > int(inst["capacity"])]
    trips = [trip for trip in trips if trip]  # "0 0" is a reload that carries nothing
    if out:
        return out
    back, late = _drive(clock, trips, home, 0)
    horizon = int(_scaled(inst["time_window"], kind)[home, 1])
    if late:
        out.append(f"late at {late} client(s)")
    if back > horizon:
        out.append(f"back at {back}, depot closes at {horizon}")
    if kind == "mdvrptw" and not late:
        limit = int(_scaled(inst["vehicles_max_duration"], kind))
        lo, hi = 0, horizon          # latest departure that does not delay the return
        while lo < hi:
            mid = (lo + hi + 1) // 2
            lo, hi = (mid, hi) if _drive(clock, trips, home, mid) == (back, 0) \
                else (lo, mid - 1)
        if back - lo > limit:
            out.append(f"duration {back - lo} over {limit}")
    return out


def _drive(data: dict[str, Any], trips: list[list[int]], home: int,
           leave: int) -> tuple[int, int]:
    """Return time and number of late services, leaving the depot no earlier than ``leave``.

    ``data``: the set's distance, windows, service and release times, scaled.
    """
    dist, tw, svc, rel = data["dist"], data["tw"], data["svc"], data["rel"]
    clock, late = leave, 0
    for trip in trips:
        if rel is not None:
            clock = max(clock, int(rel[trip].max()))
        prev = home
        for c in trip:
            clock = max(clock + int(dist[prev, c]), int(tw[c, 0]))
            late += clock > int(tw[c, 1])
            clock += int(svc[c])
            prev = c
        clock += int(dist[prev, home])
    return clock, late


class CpuStop:
    """PyVRP stopping criterion: stop once this process has used ``limit_s`` CPU seconds.

    PyVRP 0.14.1's ``IteratedLocalSearch.run`` calls ``stop(best_cost)`` once per
    iteration; this one reads ``time.process_time()`` (CPU seconds of this process) against
    ``cpu_started``, so the budget is the same whatever the machine's load. ``calls`` counts
    the calls and ``fired`` says whether it ended the search.
    """

    def __init__(self, limit_s: float, cpu_started: float) -> None:
        self.limit_s, self.cpu_started = limit_s, cpu_started
        self.calls, self.fired = 0, False

    def __call__(self, best_cost: float) -> bool:
        self.calls += 1
        self.fired = time.process_time() - self.cpu_started >= self.limit_s
        return self.fired


def pyvrp_stop(time_limit_s: float, clock: str, cpu_started: float) -> Any:
    """``MaxRuntime`` (wall seconds) for ``clock="wall"``, :class:`CpuStop` for ``"cpu"``."""
    from pyvrp.stop import MaxRuntime

    if clock not in CLOCKS:
        raise ValueError(f"clock {clock!r}: expected one of {', '.join(CLOCKS)}")
    return MaxRuntime(time_limit_s) if clock == "wall" else CpuStop(time_limit_s, cpu_started)


def pyvrp_default_routes(path: Path, kind: str, time_limit_s: float, seed: int,
                         stop: Any = None) -> list[list[int]]:
    """PyVRP 0.14.1 with its defaults on the file (``pyvrp.read``), stopped by ``stop``
    (default: ``time_limit_s`` wall seconds)."""
    import pyvrp
    from pyvrp.stop import MaxRuntime

    data = pyvrp.read(str(path), round_func=ROUND_FUNC[kind])
    best = pyvrp.solve(data, stop=stop or MaxRuntime(time_limit_s), seed=seed,
                       display=False, collect_stats=False).best
    d = data.num_depots
    if kind == "mtvrptwr":
        return [[d + a.idx if a.is_client() else 0 for a in list(route)[1:-1]]
                for route in best.routes()]
    inst = read_set(path)
    homes = [int(h) - 1 for h in np.asarray(inst["vehicles_depot"])]
    out: list[list[int]] = [[] for _ in homes]
    free = {dep: [k for k, h in enumerate(homes) if h == dep] for dep in set(homes)}
    for route in best.routes():
        depot = data.vehicle_type(route.vehicle_type()).start_depot
        out[free[depot].pop(0)] = [d + a.idx for a in route if a.is_client()]
    return out


def run_set_task(path: Path, kind: str, runner: str, time_limit_s: float,
                 seed: int, clock: str = "wall") -> dict[str, Any]:
    """One instance with one runner: routes, re-costed and checked from the file.

    ``time_s`` is wall seconds, ``cpu_s`` this process's CPU seconds from the start of the
    task (reading the file included). ``runner``: ``"ours"`` (``solve_routing``,
    ``engine="auto"``), ``"pyvrp-default"`` (:func:`pyvrp_default_routes`, seed + 1) or
    ``"ortools-plain"`` (``solve_routing`` with ``engine="ortools"``, stopped by the clock
    alone). ``clock``:

    - ``"wall"``: PyVRP's defaults stop after ``time_limit_s`` wall seconds, and the wall
      clock caps ours at about the same (on a loaded machine it stops our search before
      its work budget: ``cpu_s`` shows how much ran);
    - ``"cpu"`` (load-independent): PyVRP's defaults stop when the task has used
      ``time_limit_s`` CPU seconds (:class:`CpuStop`); ours runs its whole work budget
      (meant to fill ``time_limit_s`` CPU seconds), the wall-clock cap lifted to
      :data:`CPU_WALL_SAFETY` x ``time_limit_s``; ``"ortools-plain"`` stays on the
      wall clock (it has no work budget).
    """
    from optimize.routing.solve import solve_routing

    started, cpu_started = time.perf_counter(), time.process_time()
    status, engines = "success", {"pyvrp": 1}
    if runner == "pyvrp-default":
        stop = pyvrp_stop(time_limit_s, clock, cpu_started)
        routes = pyvrp_default_routes(path, kind, time_limit_s, seed + 1, stop)
    else:
        engine = "ortools" if runner == "ortools-plain" else "auto"
        # the clock caps our search at the budget the peers get (cap = safety x T + 1)
        safety = CPU_WALL_SAFETY if clock == "cpu" and runner == "ours" \
            else max(time_limit_s - 1, 0.5 * time_limit_s) / time_limit_s
        problem = set_problem(path, kind, time_limit_s, seed, engine, wall_safety=safety)
        if runner == "ortools-plain":
            problem = _clock_only(problem)
        result = solve_routing(problem)
        routes, status = set_routes(problem, result, kind), result.status
        engines = {}
        for trip in result.trips:
            engines[trip.engine] = engines.get(trip.engine, 0) + 1
    elapsed, cpu_s = time.perf_counter() - started, time.process_time() - cpu_started
    inst = read_set(path)
    problems = set_violations(inst, kind, routes)
    cost = set_cost(inst, kind, routes)
    ref = _reference(path)
    return {"instance": path.stem, "runner": runner, "cost": cost, "routes": routes,
            "time_s": round(elapsed, 2), "cpu_s": round(cpu_s, 2), "clock": clock,
            "engine": "+".join(sorted(engines)),
            "trips_by_engine": engines, "status": status, "reference": ref,
            "gap_pct": None if ref is None or problems else round(100 * (cost - ref) / ref, 3),
            "feasible": not problems, "problems": problems[:5]}


def _clock_only(problem: MultiDepotProblem) -> MultiDepotProblem:
    import dataclasses

    return dataclasses.replace(problem, search_iterations=10**9)


def _reference(path: Path) -> int | None:
    sol = path.with_suffix(".sol")
    if not sol.exists():
        return None
    import vrplib

    return int(vrplib.read_solution(str(sol))["cost"])
