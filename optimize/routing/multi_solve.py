"""``solve_multidepot``: screen, search with the engine asked for, repair, check.

- ``"auto"`` (default): PyVRP (:mod:`optimize.routing.multi_pyvrp`) on the screened-in
  pickups; its plan is scheduled by our code, trips where a pickup rides too long are
  repaired (:func:`~optimize.routing.multi_repair.repair_legs`: the offending pickups are
  taken out and re-inserted where they break nothing), and the whole plan is checked by
  :func:`~optimize.routing.multi_check.check_multidepot`. When PyVRP finds no plan serving
  every pickup, or the repaired plan still breaks a limit, the OR-Tools model
  (:mod:`optimize.routing.multi_ortools`, ride time modelled) solves the problem on the
  same budget, its plan repaired and checked the same way; the status says why.
- ``"pyvrp"``: PyVRP's plan, scheduled but neither repaired nor replaced (measurement).
- ``"ortools"``: the OR-Tools model alone.

Budgets are deterministic (an iteration or solution count from ``time_limit_s``); the
clock caps each search at ``wall_safety x time_limit_s + 1`` s and the status says
``"time limit (not reproducible)"`` when it fired.
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np

from optimize.routing.multi_check import check_multidepot
from optimize.routing.multi_ortools import solve_ortools_legs
from optimize.routing.multi_pyvrp import solve_pyvrp_legs
from optimize.routing.multi_repair import reinsert, repair_legs, screen_multidepot
from optimize.routing.multi_schedule import Leg, multi_result, schedule_truck
from optimize.routing.multidepot import MultiDepotProblem, MultiDepotResult

#: Reason of a pickup the search left out although it passed screening.
FLEET_REASON = "the fleet cannot fit it within windows, horizon and shifts"
#: Most pickups an engine left out that are offered to the insertion step: more means the
#: search failed, and inserting them one by one would be slow and far from optimal.
MAX_REINSERTED = 10


def restrict(problem: MultiDepotProblem, keep: list[int]) -> MultiDepotProblem:
    """The problem on pickups ``keep`` only (pickup ``k`` of it = ``keep[k]``)."""
    nodes = list(range(problem.n_depots)) + [problem.node(i) for i in keep]
    pick = np.ix_(nodes, nodes)

    def rows(values: np.ndarray | None) -> np.ndarray | None:
        return None if values is None else np.asarray(values)[keep]

    return dataclasses.replace(
        problem, time_s=problem.time_s[pick], distance_m=problem.distance_m[pick],
        pickup_t=problem.pickup_t[keep], service_s=problem.service_s[keep],
        release_s=rows(problem.release_s), time_window_s=rows(problem.time_window_s),
        ride_limit_s=rows(problem.ride_limit_s))


def _lift(legs: dict[int, list[Leg]], keep: list[int]) -> dict[int, list[Leg]]:
    return {k: [Leg(tuple(keep[s] for s in leg.stops), leg.end_depot, leg.engine)
                for leg in v] for k, v in legs.items()}


def _finish(problem: MultiDepotProblem, legs: dict[int, list[Leg]], keep: list[int],
            unserved: dict[int, str], status: str, started: float) -> MultiDepotResult:
    """Schedule every truck's legs; pickups of ``keep`` on no leg get the fleet reason."""
    trips = [t for k, v in sorted(legs.items()) for t in schedule_truck(problem, k, v)]
    served = {s for t in trips for s in t.stops}
    left = dict(unserved)
    left.update({i: FLEET_REASON for i in keep if i not in served and i not in left})
    return multi_result(trips, left, status, started)


def _repaired(problem: MultiDepotProblem, legs: dict[int, list[Leg]], keep: list[int],
              screened: dict[int, str], status: str, started: float) -> MultiDepotResult:
    """Repair ride times, try the pickups the engine left out, then schedule."""
    fixed, unserved, moved = repair_legs(problem, legs)
    served = {s for v in fixed.values() for leg in v for s in leg.stops}
    missing = [i for i in keep if i not in served and i not in unserved]
    if 0 < len(missing) <= MAX_REINSERTED:
        fixed, more = reinsert(problem, fixed, missing)
        unserved.update({i: FLEET_REASON for i in more})
    if moved:
        status += f"; ride time repaired: {moved} pickup(s) moved"
    return _finish(problem, fixed, keep, {**screened, **unserved}, status, started)


def _ortools(problem: MultiDepotProblem, keep: list[int], screened: dict[int, str],
             started: float, why: str = "") -> MultiDepotResult:
    cap_s = problem.wall_safety * problem.time_limit_s + 1
    legs, timed_out = solve_ortools_legs(restrict(problem, keep), cap_s, time.perf_counter())
    status = "time limit (not reproducible)" if timed_out else "success"
    if why:
        status += f"; OR-Tools used: {why}"
    return _repaired(problem, _lift(legs, keep), keep, screened, status, started)


def solve_multidepot(problem: MultiDepotProblem) -> MultiDepotResult:
    """Plan ``problem``: every pickup that fits served, ride limits kept, fewest metres.

    Returns
    -------
    MultiDepotResult
        Trips per truck with their depots and engine, every pickup left out with its
        reason, and the status (see the module docstring).
    """
    started = time.perf_counter()
    screened = screen_multidepot(problem)
    keep = [i for i in range(problem.n_pickups) if i not in screened]
    if not keep:
        status = "no pickups" if problem.n_pickups == 0 else "nothing to route"
        return multi_result([], screened, status, started)
    if problem.engine == "ortools":
        return _ortools(problem, keep, screened, started)
    cap_s = problem.wall_safety * problem.time_limit_s + 1
    legs, feasible, timed_out = solve_pyvrp_legs(restrict(problem, keep), cap_s, started)
    status = "time limit (not reproducible)" if timed_out else "success"
    legs = _lift(legs, keep)
    if problem.engine == "pyvrp":
        return _finish(problem, legs, keep, screened, status, started)
    if not feasible:
        return _ortools(problem, keep, screened, started, "PyVRP found no plan serving "
                        "every pickup")
    result = _repaired(problem, legs, keep, screened, status, started)
    broken = check_multidepot(problem, result)
    if not broken:
        return result
    return _ortools(problem, keep, screened, started,
                    f"the repaired PyVRP plan broke {len(broken)} limit(s), first: {broken[0]}")
