"""Defaults and bounds derived from a problem: drop penalty, search budget, trucks needed.

All are fixed formulas of the problem, never clock readings, so the same problem always
gets the same penalty and the same amount of search. The money model of a mixed fleet
(:func:`arc_cents`, :func:`fixed_cents`) lives here too, since the drop penalty must
exceed any plan's cost in it; :mod:`optimize.routing.ortools` puts it on the arcs.
"""

from __future__ import annotations

import math

import numpy as np

from optimize.routing.problem import RoutingProblem, TruckType, kg_down, kg_up
from optimize.routing.screen import pickup_reasons

#: Assumed CPU cost of one accepted guided-local-search solution, seconds, as
#: ``SEARCH_S_PER_PICKUP * n + SEARCH_S_PER_PICKUP2 * n ** 2`` (an upper envelope of the
#: measurements in :func:`default_search_solutions`).
SEARCH_S_PER_PICKUP = 2.5e-4
SEARCH_S_PER_PICKUP2 = 4e-6
#: Share of ``time_limit_s`` the budget is sized to use, in CPU seconds, at that cost.
SEARCH_CPU_SHARE = 1.0
SEARCH_MIN_SOLUTIONS = 50
SEARCH_MAX_SOLUTIONS = 5_000


def default_drop_penalty(problem: RoutingProblem) -> int:
    """A drop penalty larger than the cost of any complete solution (metres or yuan-cents).

    A solution has at most ``n + 2 * slots`` arcs (``slots = trucks * trips_per_truck``)
    and no arc is longer than the longest entry of ``distance_m``, so a penalty of
    ``(n + 2 * slots) * max_m + 1`` makes the objective lexicographic: first serve the
    most pickups, then drive the fewest metres. With a mixed fleet (``trucks``) the same
    bound uses the dearest arc of any truck in yuan-cents, plus every truck's fixed cost.
    """
    slots = len(problem.fleet) * problem.trips_per_truck
    arcs = problem.n_pickups + 2 * slots
    if problem.trucks is not None:
        dearest = max((_cents_bound(problem, t) for t in problem.trucks), default=0)
        fixed = sum(fixed_cents(t) for t in problem.trucks)
        return arcs * max(dearest, 1) + fixed + 1
    longest_m = int(problem.distance_m.max()) if problem.distance_m.size else 0
    return arcs * max(longest_m, 1) + 1


def default_search_solutions(n_pickups: int, time_limit_s: float) -> int:
    """Local-search budget (solutions accepted) that fits ``time_limit_s``, reproducibly.

    The budget is a fixed formula of the problem, never a clock reading, so the same
    problem always gets the same amount of search and the same plan. It converts the
    time limit with a CPU-cost model measured with OR-Tools 9.15 on this project's
    2-core machine under the usual load (load average 7 to 9; wall time ran 3 to 6 x CPU
    time). CPU milliseconds per accepted solution, 200 solutions each:

    =============  =====  =====  =====  =====
    pickups         10     20     40     80
    =============  =====  =====  =====  =====
    3 trips/truck   1.05   2.3    7.9    27.9
    crop limits     3.0    3.9    10.2   15.0
    =============  =====  =====  =====  =====

    (first row: seeded stores, ``n // 8`` trucks of 3 trips; second: one single-trip
    truck per pickup with per-pickup freshness limits, the pipeline's trip model).
    The earlier model, ``5e-6 x n ** 2`` s, was 3 to 5 times too cheap: a 40-pickup
    store got 250 solutions, about 2 CPU s for a 2 s limit, 6.5 to 7 s of wall time
    under load, and the 7 s cap (3 x 2 + 1) cut 4 of 8 runs short, each then a
    different plan. The cost model (:data:`SEARCH_S_PER_PICKUP`,
    :data:`SEARCH_S_PER_PICKUP2`) lies above every measurement (1.6 to 2.8 times at 20
    to 40 pickups) and the budget spends :data:`SEARCH_CPU_SHARE` of the limit at that
    cost, so the search takes about half the limit in CPU time, at most all of it (40
    pickups, 2 s: 121 solutions, 0.8 CPU s for the whole solve, 2.8 to 4.8 s wall at
    load 8 to 9, under the 7 s cap). The budget is clamped to
    ``[SEARCH_MIN_SOLUTIONS, SEARCH_MAX_SOLUTIONS]``: the floor buys some improvement
    on large stores even under a short limit (there the wall-clock cap may fire, and
    the status says so); the ceiling stops tiny stores from searching long for nothing
    (15-pickup stores stopped improving within a few hundred solutions).
    """
    n = max(n_pickups, 1)
    per_solution_s = SEARCH_S_PER_PICKUP * n + SEARCH_S_PER_PICKUP2 * n ** 2
    budget = math.floor(SEARCH_CPU_SHARE * time_limit_s / per_solution_s)
    return min(max(budget, SEARCH_MIN_SOLUTIONS), SEARCH_MAX_SOLUTIONS)


def trucks_needed_lower_bound(problem: RoutingProblem) -> int:
    """A lower bound on the trucks this store needs to serve every servable pickup.

    For fleet allocation: ``problem.n_trucks`` is ignored, and pickups that fail
    :func:`~optimize.routing.screen.screen_pickups` for reasons other than the fleet are
    left out. The bound is the larger of

    - trips: ``ceil(tonnes / capacity)`` trips are needed, ``trips_per_truck`` per truck;
    - time: each served pickup costs at least its loading time plus its shortest way out,
      each trip its shortest way out of the store plus ``unload_s``, and a truck offers
      ``shift_s`` seconds.

    It ignores freshness, so the true need may be larger. With a mixed fleet
    (``trucks``) it uses the largest capacity and the longest shift, so it stays a bound.
    """
    trips, work_s = _trips_and_work(problem)
    if trips == 0:
        return 0
    by_time = math.ceil(work_s / problem.longest_shift_s)
    return max(math.ceil(trips / problem.trips_per_truck), by_time)


def workload_lower_bound_s(problem: RoutingProblem) -> float:
    """Truck-seconds of loading, driving and unloading the store needs at least.

    The time half of :func:`trucks_needed_lower_bound`, before dividing by the shift: used
    to share spare trucks among depots by workload.
    """
    return _trips_and_work(problem)[1]


def _trips_and_work(problem: RoutingProblem) -> tuple[int, float]:
    """Fewest trips by tonnage and the least truck-seconds, over servable pickups."""
    keep = [i for i in range(problem.n_pickups) if not pickup_reasons(problem, i)]
    if not keep:
        return 0, 0.0
    kg = sum(kg_up(float(problem.pickup_t[i])) for i in keep)
    trips = max(1, math.ceil(kg / max(kg_down(problem.largest_capacity_t), 1)))
    nodes = [0] + [i + 1 for i in keep]
    sub = problem.time_s[np.ix_(nodes, nodes)].astype(np.float64)
    np.fill_diagonal(sub, np.inf)
    out_s = sub.min(axis=1)
    work_s = (sum(int(problem.service_s[i]) for i in keep) + out_s[1:].sum()
              + trips * (out_s[0] + problem.unload_s))
    return trips, float(work_s)


# --------------------------------------------------------------------------------------
# Money of a mixed fleet, whole yuan-cents
# --------------------------------------------------------------------------------------
def arc_cents(truck: TruckType, distance_m: np.ndarray, transit_s: np.ndarray) -> np.ndarray:
    """Running cost of each arc for ``truck``, whole yuan-cents (rounded to nearest).

    ``cost_per_km x km + cost_per_h x h``, the hours being the time-dimension transit
    (loading at the from-node, driving, unloading on the way into the store), so waiting
    at the store is free. Cents keep rounding errors below one fen per arc.
    """
    yuan = (truck.cost_per_km_yuan * distance_m / 1000
            + truck.cost_per_h_yuan * transit_s / 3600)
    return np.rint(100 * yuan).astype(np.int64)


def _cents_bound(problem: RoutingProblem, truck: TruckType) -> int:
    """An upper bound on any one arc's cost for ``truck``, yuan-cents."""
    longest_m = int(problem.distance_m.max()) if problem.distance_m.size else 0
    longest_s = (int(problem.time_s.max()) if problem.time_s.size else 0) + problem.unload_s \
        + (int(problem.service_s.max()) if problem.service_s.size else 0)
    return int(arc_cents(truck, np.array(longest_m), np.array(longest_s))) + 1


def fixed_cents(truck: TruckType) -> int:
    """``truck``'s fixed cost of the day, whole yuan-cents."""
    return round(100 * truck.fixed_cost_yuan)
