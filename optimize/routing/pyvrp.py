"""A cold store's day on PyVRP, checked against freshness, with OR-Tools as the fallback.

:func:`optimize.routing.solve.solve_routing` comes here when ``RoutingProblem.engine`` is
``"auto"`` or ``"pyvrp"``. PyVRP 0.14 models everything in the store problem except the
freshness cap:

- trucks = one vehicle type with ``num_available = n_trucks``, capacity in whole kg
  (rounded down), ``shift_duration = shift_s``;
- trips = reloads at the store: ``reload_depots = [store]``,
  ``max_reloads = trips_per_truck - 1``;
- unloading = ``unload_s`` added to every arc *into* the store from a pickup, so it is
  paid after each non-empty trip, reloads and the final return alike (as in the OR-Tools
  time dimension);
- pickups = clients with ``pickup`` in whole kg (rounded up) and loading time as
  ``service_duration``, first all *required*. When PyVRP finds no plan serving them all,
  ``"auto"`` hands the store to OR-Tools, which drops pickups well; ``"pyvrp"`` solves
  again with optional clients whose ``prize`` is the drop penalty. (Measured with PyVRP
  0.14.1: with optional clients and reloads its search does not open new trips for them,
  e.g. it served 1 of 3 pickups where 3 trips of one truck serve all, so optional clients
  are the second resort, not the first);
- cost = metres (``distance_m``); time = ``time_s``.

What PyVRP cannot see is the age of produce at the store. So every PyVRP plan is rebuilt
by the same code as OR-Tools plans (:func:`optimize.routing.schedule.schedule_trips`) and
checked by :func:`optimize.routing.check.check_trips`. Under ``"auto"`` a plan with any
violation is thrown away and the OR-Tools model
(:func:`optimize.routing.ortools.solve_ortools`), which carries the freshness dimension,
solves the store instead; the status says so. Under ``"pyvrp"`` the plan is returned as found (for
measurement and tests: it shows what the cheapest routes do to freshness).

Reproducibility: PyVRP is stopped by an iteration count derived from ``time_limit_s``
(:func:`pyvrp_iterations`), with a wall-clock safety cap: its share of
:func:`~optimize.routing.ortools.wall_cap_s` (``wall_safety x time_limit_s + 1``).
Whether the cap fired is read from the iteration count PyVRP reports, not guessed from
the clock: same problem, same seed, same plan, unless the status says
``"time limit (not reproducible)"``. The OR-Tools fallback gets a fixed share of the
limit (``1 - AUTO_PYVRP_SHARE``), never "the time left", which would make its budget a
clock reading.
"""

from __future__ import annotations

import dataclasses
import math
import time
import warnings
from typing import Any

import numpy as np

from optimize.routing.bounds import default_drop_penalty
from optimize.routing.check import check_trips
from optimize.routing.ortools import CLOCK_STATUS, solve_ortools, wall_cap_s
from optimize.routing.problem import RoutingProblem, RoutingResult, Trip, kg_down
from optimize.routing.schedule import routing_result, schedule_trips
from optimize.routing.screen import fleet_reason, sub_problem

#: Assumed CPU cost of one PyVRP iteration per pickup, seconds. Measured with PyVRP
#: 0.14.1 on this project's 2-core machine at load 8 (seeded stores, ``n // 8`` trucks of
#: 3 trips, 500 iterations): 0.33 ms at 15 pickups, 2.1 ms at 40, 5.1 ms at 80, i.e. 22
#: to 64 microseconds per pickup; 70 lies above all three. (The earlier flat 1,000
#: iterations per second of the limit asked for 2,000 iterations, 4.2 CPU s, of a
#: 40-pickup store in 2 s, and the clock cap stopped every run.)
PYVRP_S_PER_ITERATION_PICKUP = 7e-5
PYVRP_MIN_ITERATIONS = 200
#: Share of ``time_limit_s`` PyVRP may use under ``"auto"``; the rest is kept for the
#: OR-Tools fallback, so the whole solve stays within the limit.
AUTO_PYVRP_SHARE = 0.5


def pyvrp_iterations(problem: RoutingProblem, n_routed: int) -> int:
    """Deterministic PyVRP budget for ``n_routed`` pickups: a formula, never a clock.

    ``share x time_limit_s / (PYVRP_S_PER_ITERATION_PICKUP x n_routed)``, at least
    :data:`PYVRP_MIN_ITERATIONS`; ``share`` is :data:`AUTO_PYVRP_SHARE` under ``"auto"``
    (the rest of the limit is the OR-Tools fallback's) and 1 under ``"pyvrp"``.
    """
    share = 1.0 if problem.engine == "pyvrp" else AUTO_PYVRP_SHARE
    per_iteration_s = PYVRP_S_PER_ITERATION_PICKUP * max(n_routed, 1)
    return max(PYVRP_MIN_ITERATIONS, math.floor(share * problem.time_limit_s / per_iteration_s))


def _store_data(problem: RoutingProblem, keep: list[int], required: bool) -> Any:
    """PyVRP ``ProblemData`` for the screened-in pickups (node k = pickup keep[k-1])."""
    import pyvrp

    sub = sub_problem(problem, keep)
    duration = sub.time_s.copy()
    duration[1:, 0] += problem.unload_s
    penalty = problem.drop_penalty
    prize = default_drop_penalty(problem) if penalty is None else penalty
    clients = [pyvrp.Client(k, pickup=[int(sub.load_kg[k])],
                            service_duration=int(sub.service_s[k]),
                            prize=0 if required else int(prize), required=required)
               for k in range(1, len(keep) + 1)]
    vehicle = pyvrp.VehicleType(problem.n_trucks, capacity=[kg_down(problem.truck_capacity_t)],
                                shift_duration=int(problem.shift_s), tw_late=int(problem.shift_s),
                                reload_depots=[0], max_reloads=problem.trips_per_truck - 1)
    locations = [pyvrp.Location(0.0, 0.0) for _ in range(len(keep) + 1)]
    dist: Any = np.ascontiguousarray(sub.distance_m, dtype=np.int64)
    dur: Any = np.ascontiguousarray(duration, dtype=np.int64)
    return pyvrp.ProblemData(locations, clients, [pyvrp.Depot(0)], [vehicle], [dist], [dur])


def _search(problem: RoutingProblem, keep: list[int], started: float, cap_s: float,
            required: bool) -> tuple[Any, bool]:
    """PyVRP's best solution, and whether it ran its whole iteration budget (not the cap)."""
    import pyvrp
    from pyvrp.stop import MaxIterations, MaxRuntime, MultipleCriteria

    data = _store_data(problem, keep, required)
    left_s = max(cap_s - (time.perf_counter() - started), 0.01)
    budget = pyvrp_iterations(problem, len(keep))
    stop = MultipleCriteria([MaxIterations(budget), MaxRuntime(left_s)])
    with warnings.catch_warnings():  # "struggles to find a feasible solution": handled
        warnings.simplefilter("ignore", pyvrp.exceptions.PenaltyBoundWarning)
        result = pyvrp.solve(data, stop=stop, seed=problem.seed, display=False,
                             collect_stats=False)
    return result.best, result.num_iterations >= budget


def _pyvrp_routes(problem: RoutingProblem, keep: list[int], started: float,
                  cap_s: float) -> tuple[list[list[tuple[int, ...]]] | None, bool]:
    """Per truck, its non-empty trips as pickup indices; and whether every budget was spent.

    ``cap_s`` is the wall-clock cap in seconds since ``started``. The trips are ``None``
    when, under ``"auto"``, PyVRP found no plan serving every pickup.
    """
    best, spent = _search(problem, keep, started, cap_s, required=True)
    if not best.is_feasible():
        if problem.engine == "auto":
            return None, spent
        best, spent_again = _search(problem, keep, started, cap_s, required=False)
        spent = spent and spent_again
    out: list[list[tuple[int, ...]]] = [[] for _ in range(problem.n_trucks)]
    for v, route in enumerate(best.routes()):
        trips: dict[int, list[int]] = {}
        for act in route:
            if act.is_client():
                trips.setdefault(act.trip, []).append(keep[act.idx])
        out[v] = [tuple(stops) for _, stops in sorted(trips.items())]
    return out, spent


def solve_store_pyvrp(problem: RoutingProblem, keep: list[int], unserved: dict[int, str],
                      started: float) -> RoutingResult:
    """Solve the screened-in pickups ``keep`` with PyVRP; fall back as the module says.

    Parameters
    ----------
    problem
        The store problem (``engine`` is ``"auto"`` or ``"pyvrp"``).
    keep
        Pickups that passed :func:`optimize.routing.screen.screen_pickups`.
    unserved
        The screening reasons so far (not changed).
    started
        ``time.perf_counter()`` when the solve began, for the wall-clock accounting.
    """
    share = 1.0 if problem.engine == "pyvrp" else AUTO_PYVRP_SHARE
    routes, spent = _pyvrp_routes(problem, keep, started, share * wall_cap_s(problem))
    if routes is None:
        return _fallback(problem, keep, unserved, started, spent,
                         "PyVRP found no plan serving every pickup")
    status = "success" if spent else CLOCK_STATUS
    trips = [dataclasses.replace(t, engine="pyvrp") for t in schedule_trips(problem, routes)]
    served = {s for t in trips for s in t.stops}
    left = dict(unserved)
    left.update({i: fleet_reason(problem) for i in keep if i not in served})
    objective = _objective(problem, trips, left, unserved)
    result = routing_result(problem, trips, left, status, objective, started)
    if problem.engine == "pyvrp":
        return result
    broken = check_trips(problem, result)
    if not broken:
        return result
    return _fallback(problem, keep, unserved, started, spent,
                     f"the PyVRP plan broke {len(broken)} limit(s), first: {broken[0]}")


def _fallback(problem: RoutingProblem, keep: list[int], unserved: dict[int, str],
              started: float, spent: bool, why: str) -> RoutingResult:
    """OR-Tools on its fixed share of the limit, with ``why`` appended to its status.

    When the clock, not the budget, stopped PyVRP (``spent`` false), the fallback itself
    depended on the clock, so the status is :data:`CLOCK_STATUS` whatever OR-Tools did.
    """
    rest = dataclasses.replace(problem, time_limit_s=(1 - AUTO_PYVRP_SHARE) * problem.time_limit_s)
    fallback = solve_ortools(rest, keep, dict(unserved), started)
    head = fallback.status if spent else CLOCK_STATUS
    return dataclasses.replace(fallback, status=f"{head}; OR-Tools used: {why}")


def _objective(problem: RoutingProblem, trips: list[Trip], left: dict[int, str],
               screened: dict[int, str]) -> int:
    """Metres plus drop penalties of pickups the search left out (as in OR-Tools)."""
    penalty = problem.drop_penalty
    penalty = default_drop_penalty(problem) if penalty is None else penalty
    dropped = len(left) - len(screened)
    return sum(t.distance_m for t in trips) + penalty * dropped
