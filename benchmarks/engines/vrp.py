"""Single-trip vehicle routing (CVRP / VRPTW) on two engines, PyVRP and OR-Tools.

A side engine, kept for comparison and research: no plan runs it. It solves problems
*without* a freshness cap or chained trips (those are :mod:`optimize.routing`'s): one
depot, a fleet of identical trucks, capacities, optional time windows and service times.
Such problems are what the CVRPLIB X, Belgium XXL and Solomon
benchmarks measure, and on them PyVRP (hybrid genetic search) reaches better plans than
OR-Tools' guided local search in the same time (measured: ``benchmarks/routing.py``,
figures in ``benchmarks/README.md``). So ``engine="auto"`` picks PyVRP; ``"ortools"``
keeps the OR-Tools guided local search as the base and for comparison.

All quantities are integers in the caller's units (metres and seconds, or the benchmark's
scaled units): both engines work in integers, and keeping the rounding with the caller
makes the reported cost exactly the sum of the matrix entries along the routes.

Formulation (both engines)
    minimise  sum of ``distance`` over the arcs driven
    s.t.      each client visited exactly once; load per route <= ``capacity``;
              at most ``n_vehicles`` routes; with time windows, service starts within
              ``[early, late]`` of each client (waiting allowed) and the route returns
              to the depot by the depot's ``late``; travel times are ``duration``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

ENGINES = ("auto", "pyvrp", "ortools")
#: PyVRP's "no time window" end.
NO_LATE = 2**63 - 1


@dataclass(frozen=True, eq=False)
class VrpData:
    """A one-depot capacitated routing problem, with optional time windows.

    Attributes
    ----------
    distance
        ``(m+1, m+1)`` integer arc costs; node 0 is the depot, node ``i`` client ``i``.
    demand
        ``(m,)`` integer demand of clients ``1..m``, in the capacity's unit.
    capacity
        Integer capacity of every vehicle.
    n_vehicles
        Routes allowed; ``None`` means one per client (an unlimited fleet, as in CVRPLIB).
    duration
        ``(m+1, m+1)`` integer travel times; ``None`` uses ``distance``.
    time_window
        ``(m+1, 2)`` integer ``[early, late]`` per node (row 0: the depot, i.e. the
        shift); ``None`` means no windows.
    service
        ``(m+1,)`` integer service time per node; ``None`` means 0.
    """

    distance: np.ndarray
    demand: np.ndarray
    capacity: int
    n_vehicles: int | None = None
    duration: np.ndarray | None = None
    time_window: np.ndarray | None = None
    service: np.ndarray | None = None

    @property
    def n_clients(self) -> int:
        """Number of clients ``m``."""
        return int(len(self.demand))

    @property
    def fleet(self) -> int:
        """Routes allowed (``n_vehicles`` or one per client)."""
        return self.n_vehicles if self.n_vehicles is not None else max(self.n_clients, 1)

    def durations(self) -> np.ndarray:
        """Travel-time matrix (``duration``, else ``distance``)."""
        return self.distance if self.duration is None else self.duration

    def services(self) -> np.ndarray:
        """Service time per node, zeros if absent."""
        if self.service is None:
            return np.zeros(self.n_clients + 1, dtype=np.int64)
        return np.asarray(self.service, dtype=np.int64)


@dataclass(frozen=True)
class VrpSolution:
    """Routes of clients ``1..m`` (depot left out), their recomputed cost and who made them.

    Attributes
    ----------
    routes
        Client numbers per route, in visiting order.
    cost
        Sum of ``distance`` over the routes, recomputed by :func:`route_cost`.
    engine
        ``"pyvrp"`` or ``"ortools"``: the engine that produced the routes.
    time_s
        Wall-clock seconds spent, model building included.
    problems
        Every violation found by :func:`check_vrp` (empty when feasible).
    """

    routes: tuple[tuple[int, ...], ...]
    cost: int
    engine: str
    time_s: float
    problems: tuple[str, ...] = field(default=())

    @property
    def feasible(self) -> bool:
        """True when :func:`check_vrp` found nothing wrong."""
        return not self.problems


# --------------------------------------------------------------------------------------
# Independent cost and feasibility check
# --------------------------------------------------------------------------------------
def route_cost(data: VrpData, routes: tuple[tuple[int, ...], ...]) -> int:
    """Sum of ``distance`` over depot -> clients -> depot for every route."""
    total = 0
    for route in routes:
        nodes = [0, *route, 0]
        total += int(sum(int(data.distance[a, b]) for a, b in zip(nodes[:-1], nodes[1:],
                                                                       strict=True)))
    return total


def check_vrp(data: VrpData, routes: tuple[tuple[int, ...], ...]) -> list[str]:
    """Every way ``routes`` break ``data``: coverage, fleet size, capacity, time windows."""
    out: list[str] = []
    seen = [c for route in routes for c in route]
    counts = np.bincount(np.asarray(seen, dtype=np.int64), minlength=data.n_clients + 1)
    out += [f"client {c} visited {counts[c]} times" for c in range(1, data.n_clients + 1)
            if counts[c] != 1]
    if counts.size > data.n_clients + 1 or (seen and min(seen) < 1):
        out.append("a route visits a node that is not a client")
        return out
    if len([r for r in routes if r]) > data.fleet:
        out.append(f"{len(routes)} routes, fleet {data.fleet}")
    for k, route in enumerate(routes):
        load = int(sum(int(data.demand[c - 1]) for c in route))
        if load > data.capacity:
            out.append(f"route {k}: load {load} over capacity {data.capacity}")
        if data.time_window is not None:
            out += _window_problems(data, k, route)
    return out


def _window_problems(data: VrpData, k: int, route: tuple[int, ...]) -> list[str]:
    """Late arrivals along one route (waiting for ``early`` is allowed)."""
    tw, dur, svc = np.asarray(data.time_window), data.durations(), data.services()
    clock, prev, out = int(tw[0, 0]), 0, []
    for node in [*route, 0]:
        clock = max(clock + int(svc[prev]) + int(dur[prev, node]), int(tw[node, 0]))
        if clock > int(tw[node, 1]):
            out.append(f"route {k}: node {node} reached at {clock}, window closes "
                       f"{int(tw[node, 1])}")
        prev = node
    return out


def vrp_solution(data: VrpData, routes: list[tuple[int, ...]], engine: str,
                 started: float) -> VrpSolution:
    """Package routes with their recomputed cost and the checker's findings."""
    kept = tuple(r for r in routes if r)
    return VrpSolution(kept, route_cost(data, kept), engine, time.perf_counter() - started,
                       tuple(check_vrp(data, kept)))


# --------------------------------------------------------------------------------------
# PyVRP
# --------------------------------------------------------------------------------------
def _pyvrp_data(data: VrpData) -> Any:
    """PyVRP ``ProblemData`` with exactly our integer matrices (no rounding of its own)."""
    import pyvrp

    m = data.n_clients
    tw = None if data.time_window is None else np.asarray(data.time_window, dtype=np.int64)
    svc = data.services()
    locations = [pyvrp.Location(0.0, 0.0) for _ in range(m + 1)]
    clients = [pyvrp.Client(i, delivery=[int(data.demand[i - 1])], service_duration=int(svc[i]),
                            tw_early=_early(tw, i), tw_late=_late(tw, i))
               for i in range(1, m + 1)]
    depot = pyvrp.Depot(0, tw_early=_early(tw, 0), tw_late=_late(tw, 0))
    vehicle = pyvrp.VehicleType(data.fleet, capacity=[int(data.capacity)],
                                tw_early=_early(tw, 0), tw_late=_late(tw, 0))
    dist: Any = np.ascontiguousarray(data.distance, dtype=np.int64)
    dur: Any = np.ascontiguousarray(data.durations(), dtype=np.int64)
    return pyvrp.ProblemData(locations, clients, [depot], [vehicle], [dist], [dur])


def _early(tw: np.ndarray | None, node: int) -> int:
    return 0 if tw is None else int(tw[node, 0])


def _late(tw: np.ndarray | None, node: int) -> int:
    return NO_LATE if tw is None else int(tw[node, 1])


def solve_pyvrp(data: VrpData, time_limit_s: float, seed: int = 0,
                iterations: int | None = None) -> VrpSolution:
    """PyVRP's hybrid genetic search, stopped by wall clock or by an iteration count.

    An iteration count (``iterations``) makes the run deterministic for a given seed;
    the time limit alone depends on machine speed.
    """
    import pyvrp
    from pyvrp.stop import MaxIterations, MaxRuntime, MultipleCriteria

    started = time.perf_counter()
    problem = _pyvrp_data(data)
    stop: Any = MaxRuntime(max(time_limit_s - (time.perf_counter() - started), 0.01))
    if iterations is not None:
        stop = MultipleCriteria([MaxIterations(iterations), stop])
    result = pyvrp.solve(problem, stop=stop, seed=seed, display=False, collect_stats=False)
    routes = [tuple(a.idx + 1 for a in route if a.is_client()) for route in result.best.routes()]
    return vrp_solution(data, routes, "pyvrp", started)


# --------------------------------------------------------------------------------------
# OR-Tools guided local search
# --------------------------------------------------------------------------------------
def solve_ortools(data: VrpData, time_limit_s: float) -> VrpSolution:
    """OR-Tools routing: cheapest-arc start, guided local search, wall-clock limit."""
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    started = time.perf_counter()
    manager = pywrapcp.RoutingIndexManager(data.n_clients + 1, data.fleet, 0)
    routing = pywrapcp.RoutingModel(manager)
    arc = routing.RegisterTransitMatrix(np.asarray(data.distance, dtype=np.int64).tolist())
    routing.SetArcCostEvaluatorOfAllVehicles(arc)
    load = routing.RegisterUnaryTransitVector([0, *(int(d) for d in data.demand)])
    routing.AddDimension(load, 0, int(data.capacity), True, "load")
    if data.time_window is not None:
        _ortools_windows(data, manager, routing)
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    params.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH)
    left_s = max(time_limit_s - (time.perf_counter() - started), 0.01)
    params.time_limit.FromMilliseconds(max(1, round(left_s * 1000)))
    solution = routing.SolveWithParameters(params)
    routes = [] if solution is None else _ortools_routes(data, manager, routing, solution)
    return vrp_solution(data, routes, "ortools", started)


def _ortools_windows(data: VrpData, manager: Any, routing: Any) -> None:
    """Time dimension: service at the from-node + travel; waiting allowed (slack)."""
    tw = np.asarray(data.time_window, dtype=np.int64)
    transit = data.services()[:, None] + np.asarray(data.durations(), dtype=np.int64)
    clock = routing.RegisterTransitMatrix(transit.tolist())
    horizon = int(tw[0, 1])
    routing.AddDimension(clock, horizon, horizon, False, "time")
    dim = routing.GetDimensionOrDie("time")
    for node in range(1, data.n_clients + 1):
        dim.CumulVar(manager.NodeToIndex(node)).SetRange(int(tw[node, 0]), int(tw[node, 1]))
    for v in range(data.fleet):
        dim.CumulVar(routing.Start(v)).SetRange(int(tw[0, 0]), horizon)
        dim.CumulVar(routing.End(v)).SetRange(int(tw[0, 0]), horizon)


def _ortools_routes(data: VrpData, manager: Any, routing: Any,
                    solution: Any) -> list[tuple[int, ...]]:
    out = []
    for v in range(data.fleet):
        index, stops = solution.Value(routing.NextVar(routing.Start(v))), []
        while not routing.IsEnd(index):
            stops.append(manager.IndexToNode(index))
            index = solution.Value(routing.NextVar(index))
        out.append(tuple(stops))
    return out


# --------------------------------------------------------------------------------------
# One entry point
# --------------------------------------------------------------------------------------
def choose_engine(data: VrpData) -> str:
    """The engine ``"auto"`` uses: PyVRP for every problem this module models.

    Chosen by measurement (benchmarks/README.md): on CVRPLIB X at 30 s PyVRP's gap was a
    fraction of OR-Tools guided local search's. Freshness and chained trips are not in
    :class:`VrpData`; those problems go through :func:`optimize.routing.solve.solve_routing`.
    """
    del data
    return "pyvrp"


def solve_vrp(data: VrpData, *, engine: str = "auto", time_limit_s: float = 30.0,
              seed: int = 0, iterations: int | None = None) -> VrpSolution:
    """Solve ``data`` with ``engine`` (``"auto"``, ``"pyvrp"`` or ``"ortools"``).

    Parameters
    ----------
    data
        The problem.
    engine
        Which engine; ``"auto"`` follows :func:`choose_engine`.
    time_limit_s
        Wall-clock budget in seconds, model building included.
    seed
        PyVRP's random seed (OR-Tools' search here has none).
    iterations
        PyVRP only: stop after this many iterations too, for a deterministic run.

    Returns
    -------
    VrpSolution
        Routes, recomputed cost, engine and the checker's findings.
    """
    if engine not in ENGINES:
        raise ValueError(f"engine: expected one of {ENGINES}, got {engine!r}")
    chosen = choose_engine(data) if engine == "auto" else engine
    if chosen == "pyvrp":
        return solve_pyvrp(data, time_limit_s, seed, iterations)
    return solve_ortools(data, time_limit_s)
