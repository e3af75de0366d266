"""Route-based decomposition for large one-depot problems (session 7).

PyVRP's iterated local search spends, per iteration, work that grows with the whole
solution (loading and exporting every route), so on thousands of clients a few hundred
thousand iterations are out of reach within minutes. Decomposition (Santini, Schneider,
Vidal & Vigo 2023, "Decomposition strategies for vehicle routing heuristics", INFORMS
Journal on Computing 35(3): route-based clustering by barycentre works best with HGS)
spends the search on small sub-problems instead:

1. from the current solution pick a *seed route*: the one that has been in the fewest
   sub-problems so far (ties broken by a seeded random draw);
2. take the routes whose centres lie nearest to the seed route's centre until the
   sub-problem holds at least :data:`SUB_CLIENTS` clients. A route's centre is its
   *medoid* (the client with the least distance to and from the route's other clients):
   the problems here come as matrices, without coordinates, so the barycentre of the
   paper is replaced by the medoid, its matrix analogue;
3. build a PyVRP ``ProblemData`` of those clients (same depot, their own demands,
   windows and service times, the same vehicle type with as many vehicles as the routes
   taken plus the fleet left unused, the integer matrices restricted to them);
4. solve it with PyVRP's iterated local search *started from the sub-problem's current
   routes*, stopped after :attr:`LargeBudget.sub_moves` local-search moves;
5. replace those routes when the sub-solution is feasible and strictly cheaper.

A route set is only ever replaced by a feasible, cheaper one with the same clients, so
the result is never costlier or less feasible than the start, and every client stays on
exactly one route. Everything is counted (sub-problems, moves, iterations) and seeded:
same data, same start and seed, same result; the wall clock is only a safety cap.

The gate is :func:`applies`: at least :data:`LARGE_MIN_CLIENTS` clients, one depot, one
vehicle type, no reloads, groups or shipments (the CVRP / VRPTW shape). The plans'
store-day problems (tens of pickups) and the CVRPLIB X set (at most 1,000 clients) stay
on the undivided search with their budgets unchanged.
"""

from __future__ import annotations

import dataclasses
import math
import time
from typing import Any

import numpy as np

from optimize.routing.pyvrp_ils import ils_parts

#: Fewest clients for the decomposition path (the CVRPLIB X set ends at 1,000).
LARGE_MIN_CLIENTS = 1500
#: A sub-problem grows route by route until it holds at least this many clients.
SUB_CLIENTS = 250
#: Share of the search budget spent on the undivided problem before decomposing. On
#: Leuven1 (3,000 clients, 2026-12-07, PyVRP 0.14.1, CPU seconds by ``time.process_time``
#: at load 1.4-4 on 2 cores) 300 undivided iterations (5.3 s, the first descent included)
#: then 200 sub-problems ended at 194,791; 2,000 iterations (10.5 s) then the same 200
#: sub-problems at 194,529 (BKS 192,848): the undivided search helps, a little.
FULL_SHARE = 0.15
#: Share of ``time_limit_s`` the whole budget is meant to fill on one core (the rest:
#: building the model and matrices, scheduling and checks).
BUDGET_SHARE = 0.9
#: Local-search moves per sub-problem. Same start (2,000 iterations), about 90 CPU s of
#: sub-problems each, Leuven1: 100 x 20 M moves 194,699; 200 x 10 M 194,529; 400 x 5 M
#: 194,905; 130 x 15 M of 400 clients 194,540.
SUB_MOVES = 10_000_000
#: CPU seconds of one sub-problem of :data:`SUB_CLIENTS` clients with :data:`SUB_MOVES`
#: moves, building its data included (measured above: 0.44 s).
CPU_S_PER_SUB = 0.45
#: CPU seconds per iteration of the undivided search: ``a + b x n`` for ``n`` clients
#: (Leuven1: about 3 ms per iteration beyond the first descent).
ITERATION_S_BASE = 5e-4
ITERATION_S_PER_CLIENT = 8e-7


@dataclasses.dataclass(frozen=True)
class LargeBudget:
    """What ends each phase: iterations of the undivided search, then sub-problems."""

    full_iterations: int
    sub_count: int
    sub_moves: int


@dataclasses.dataclass(frozen=True)
class DecomposeStats:
    """What the decomposition did: sub-problems solved and improved, cost before / after."""

    solved: int
    improved: int
    cost_before: int
    cost_after: int


def applies(data: Any) -> bool:
    """Whether ``data`` (PyVRP ``ProblemData``) takes the decomposition path (module doc)."""
    if data.num_clients < LARGE_MIN_CLIENTS or data.num_depots != 1:
        return False
    if data.num_vehicle_types != 1 or data.groups() or data.shipments():
        return False
    vehicle = data.vehicle_types()[0]
    return not vehicle.reload_depots and vehicle.start_depot == vehicle.end_depot == 0


def large_budget(n_clients: int, time_limit_s: float) -> LargeBudget:
    """The deterministic budget that fills :data:`BUDGET_SHARE` of ``time_limit_s``.

    :data:`FULL_SHARE` of it goes to iterations of the undivided search (each costing
    ``ITERATION_S_BASE + ITERATION_S_PER_CLIENT x n`` CPU seconds), the rest to
    sub-problems of :data:`CPU_S_PER_SUB` each.
    """
    total_s = BUDGET_SHARE * time_limit_s
    per_iteration_s = ITERATION_S_BASE + ITERATION_S_PER_CLIENT * n_clients
    full = max(1, math.floor(FULL_SHARE * total_s / per_iteration_s))
    subs = max(1, math.floor((1 - FULL_SHARE) * total_s / CPU_S_PER_SUB))
    return LargeBudget(full, subs, SUB_MOVES)


def route_visits(solution: Any) -> list[list[int]]:
    """Client indices (0-based, PyVRP's ``Activity.idx``) of each route, in order."""
    return [[int(a.idx) for a in route if a.is_client()] for route in solution.routes()]


def medoid(dist: np.ndarray, location: np.ndarray, route: list[int]) -> int:
    """Location of the route's client with the least distance to and from the others."""
    nodes = location[route]
    block = dist[np.ix_(nodes, nodes)]
    return int(nodes[int(np.argmin(block.sum(axis=0) + block.sum(axis=1)))])


def nearest_routes(dist: np.ndarray, centre: np.ndarray, seed: int,
                   sizes: list[int]) -> list[int]:
    """Routes by distance of their centre to route ``seed``'s (both ways), seed first,
    until they hold :data:`SUB_CLIENTS` clients (at least two routes when there are)."""
    gap = dist[centre[seed], centre] + dist[centre, centre[seed]]
    gap[seed] = -1
    chosen: list[int] = []
    held = 0
    for r in np.argsort(gap, kind="stable"):
        chosen.append(int(r))
        held += sizes[int(r)]
        if held >= SUB_CLIENTS and len(chosen) >= 2:
            break
    return chosen


def sub_data(data: Any, matrices: tuple[np.ndarray, np.ndarray], location: np.ndarray,
             clients: list[int], n_vehicles: int) -> Any:
    """PyVRP ``ProblemData`` of ``clients`` (sub client k = client ``clients[k]``)."""
    import pyvrp

    dist, dur = matrices
    depot = data.depots()[0]
    nodes = np.concatenate([[depot.location], location[clients]])
    pick = np.ix_(nodes, nodes)
    originals = data.clients()
    subs = []
    for k, c in enumerate(clients):
        o = originals[c]
        subs.append(pyvrp.Client(k + 1, delivery=o.delivery, pickup=o.pickup,
                                 service_duration=o.service_duration, tw_early=o.tw_early,
                                 tw_late=o.tw_late, release_time=o.release_time,
                                 prize=o.prize, required=o.required))
    vehicle = data.vehicle_types()[0].replace(num_available=n_vehicles)
    where = data.locations()
    locations = [where[int(n)] for n in nodes]
    new_depot = pyvrp.Depot(0, tw_early=depot.tw_early, tw_late=depot.tw_late,
                            service_duration=depot.service_duration)
    sub_dist: Any = np.ascontiguousarray(dist[pick])
    sub_dur: Any = np.ascontiguousarray(dur[pick])
    return pyvrp.ProblemData(locations, subs, [new_depot], [vehicle], [sub_dist], [sub_dur])


def objective(solution: Any) -> int:
    """Distance, duration and fixed vehicle costs of a PyVRP solution."""
    return int(solution.distance_cost() + solution.duration_cost()
               + solution.fixed_vehicle_cost())


class _MoveStop:
    """Counts local-search moves over every call; stops at ``moves`` or the deadline."""

    def __init__(self, search: Any, moves: int, deadline: float) -> None:
        self.search, self.moves, self.deadline = search, moves, deadline
        self.done = 0

    def __call__(self, solution: Any, cost_evaluator: Any, exhaustive: bool = False) -> Any:
        out = self.search(solution, cost_evaluator, exhaustive=exhaustive)
        self.done += int(self.search.statistics.num_moves)
        return out

    def stop(self, best_cost: float) -> bool:
        return self.done >= self.moves or time.perf_counter() >= self.deadline


def solve_sub(sub: Any, start: list[list[int]], params: Any, seed: int, moves: int,
              deadline: float) -> Any:
    """PyVRP's iterated local search on ``sub`` started from routes ``start``."""
    from pyvrp import Solution
    from pyvrp.IteratedLocalSearch import IteratedLocalSearch

    _, search, pm = ils_parts(sub, params, seed)
    counter = _MoveStop(search, moves, deadline)
    ils = IteratedLocalSearch(sub, pm, counter, Solution(sub, start), params.ils)
    return ils.run(counter.stop, False, False).best


def improve(data: Any, solution: Any, params: Any, seed: int, budget: LargeBudget,
            deadline: float) -> tuple[Any, DecomposeStats]:
    """Improve ``solution`` (feasible, on ``data``) by :attr:`LargeBudget.sub_count`
    sub-problems; returns the solution (never costlier) and what was done.

    ``params`` are PyVRP ``SolveParams``; ``deadline`` a ``time.perf_counter()`` value
    after which no further sub-problem starts and a running one stops.
    """
    from pyvrp import Solution

    location = np.array([c.location for c in data.clients()], dtype=np.int64)
    matrices = (np.asarray(data.distance_matrix(0)), np.asarray(data.duration_matrix(0)))
    routes = route_visits(solution)
    centre = np.array([medoid(matrices[0], location, r) for r in routes], dtype=np.int64)
    visits = np.zeros(len(routes), dtype=np.int64)
    spare = data.vehicle_types()[0].num_available - len(routes)
    rng = np.random.default_rng(seed)
    before = objective(solution)
    solved = improved = 0
    for k in range(budget.sub_count):
        if time.perf_counter() >= deadline:
            break
        seed_route = int(np.argmin(visits + rng.random(len(routes)) / 2))
        chosen = nearest_routes(matrices[0], centre, seed_route, [len(r) for r in routes])
        clients = [c for r in chosen for c in routes[r]]
        position = {c: i for i, c in enumerate(clients)}
        start = [[position[c] for c in routes[r]] for r in chosen]
        sub = sub_data(data, matrices, location, clients, len(chosen) + spare)
        best = solve_sub(sub, start, params, seed + 1 + k, budget.sub_moves, deadline)
        solved += 1
        count = int(visits[chosen].min()) + 1
        if not best.is_feasible() or objective(best) >= objective(Solution(sub, start)):
            visits[chosen] += 1
            continue
        improved += 1
        new = [[clients[i] for i in r] for r in route_visits(best)]
        taken = set(chosen)
        keep = [i for i in range(len(routes)) if i not in taken]
        routes = [routes[i] for i in keep] + new
        added = [medoid(matrices[0], location, r) for r in new]
        centre = np.concatenate([centre[keep], np.array(added, dtype=np.int64)])
        visits = np.concatenate([visits[keep], np.full(len(new), count, dtype=np.int64)])
        spare += len(chosen) - len(new)
    final = Solution(data, routes) if improved else solution
    return final, DecomposeStats(solved, improved, before, objective(final))
