"""A multi-depot, multi-trip problem on PyVRP 0.14: the model, the search and its budget.

Everything in :class:`~optimize.routing.multidepot.MultiDepotProblem` except the ride-time
limit maps onto PyVRP 0.14:

- depots = ``Depot`` s; trucks = one ``VehicleType`` per depot with trucks
  (``num_available``, ``start_depot = end_depot`` = that depot, window ``[0, horizon]``,
  ``shift_duration`` = the shift when one shorter than the horizon is set, so a day may
  start late);
- trips = reloads: ``reload_depots`` = home plus ``MultiDepotProblem.reload_depots``,
  ``max_reloads = max_trips_per_truck - 1`` (no reload depots at all for one trip);
- pickups = required ``Client`` s with ``pickup`` in whole kg, ``service_duration``,
  their window and ``release_time``; unloading is added to every arc into a depot.

Ride time PyVRP cannot see. Arcs that no valid plan can use are removed before the search
(:func:`pruned_matrices`: pickup ``i`` then ``j`` when even the quickest way from ``j`` to
any depot makes ``i``'s ride too long), so PyVRP's plan rarely breaks the limit; the
repair step (:mod:`optimize.routing.multi_repair`) fixes what remains.

Budget: :func:`pyvrp_iterations` converts ``time_limit_s`` into an iteration count (a
fixed formula of the problem size), so the same problem and seed give the same plan; the
wall clock stops the search only as a safety cap, and the status then says so.
Search settings (:data:`SEARCH`) were chosen by measurement on the MTVRPTWR and MDVRPTW
sets (``benchmarks/README.md``).
"""

from __future__ import annotations

import time
import warnings
from typing import Any

import numpy as np

from optimize.routing.multi_schedule import Leg
from optimize.routing.multidepot import MultiDepotProblem
from optimize.routing.problem import kg_down, kg_up

#: Iterations per second of ``time_limit_s`` at 100 pickups, with reloads (multi-trip)
#: and without, and the exponent ``e`` of the scaling ``(100 / n) ** e``. Calibrated so that
#: the count, not the clock, ends the search on ONE QUIET CORE a little before the limit
#: (the issue's budgets are "on one core"). Measured 2026-12-07 with PyVRP 0.14.1 and
#: :data:`SEARCH`, load average 0-2.5 on 2 cores: MTVRPTWR 614-797 it/s at 100 clients
#: (C205R0.25, R201R0.75) and 820-960 at 200 (C2_2_03R0.5, R2_2_06R0.25); MDVRPTW PR13A
#: (576 clients) 1,880 it/s, i.e. 4,500 at 100 by the square-root scaling. The rates below
#: are about 3/4 of those, so a quiet core ends by the count at 60-80 % of the limit; the
#: earlier rates (170 and 1,150, measured at a fifth of a core on a machine loaded 8-10)
#: ended the search at a quarter of the limit on a quiet core (PR13A: 7.6 s of 30 s).
#: Without reloads the search runs PyVRP's defaults (:data:`SEARCH_BY_RELOADS`), whose
#: iterations cost 2-3x more: PR13A (600 clients) 794 it/s, PR16A (960) 563 it/s on a quiet
#: core, i.e. 1,950 and 1,750 at 100; the rate is 3/4 of their mean.
ITERATIONS_PER_S_AT_100 = {True: 510.0, False: 1400.0}
ITERATION_EXPONENT = {True: 0.0, False: 0.5}
MIN_ITERATIONS = 100
#: Search settings that differ from PyVRP's defaults, chosen at equal time (15-20 s) on six
#: tuning instances (C204R0.5, R203R0.25, RC2_2_05R0.75, R2_2_02R0.5, PR18A, PR21B; none
#: of them in the measured subset): fewer clients perturbed per iteration (at most 10,
#: default 25) makes an iteration 2-4x cheaper, and a shorter late-acceptance history
#: (100, default 300) accepts less; mean gap 4.12 % against 8.54 % for the defaults, better
#: on all six (``benchmarks/README.md``).
SEARCH: dict[str, int] = {"max_perturbations": 10, "history_length": 100}
#: The settings per kind of problem (reloads allowed or not). The tuning above ran at
#: 15-20 s on a fifth of a core, i.e. 3-4 s of search; at the issue's 60 s on one quiet core
#: PyVRP's defaults do better without reloads (PR13A 4.43 -> 2.62 %, PR16A 5.63 -> 3.94 %,
#: single runs, 2026-12-07), so multi-depot problems without reloads use them; with reloads
#: the tuned pair stays (R201R0.75 at 30 s: 1.89 % tuned, 1.88 % defaults).
SEARCH_BY_RELOADS: dict[bool, dict[str, int]] = {True: SEARCH, False: {}}
#: Cost and duration of an arc no valid plan uses (times the largest entry).
PRUNED_FACTOR = 4


def pyvrp_iterations(problem: MultiDepotProblem) -> int:
    """The deterministic iteration budget of ``problem`` (see the module docstring)."""
    if problem.search_iterations is not None:
        return problem.search_iterations
    n = max(problem.n_pickups, 1)
    reloads = problem.max_trips_per_truck != 1
    rate = ITERATIONS_PER_S_AT_100[reloads] * (100 / n) ** ITERATION_EXPONENT[reloads]
    return max(MIN_ITERATIONS, round(problem.time_limit_s * rate))


def pruned_matrices(problem: MultiDepotProblem) -> tuple[np.ndarray, np.ndarray]:
    """Distance and duration for PyVRP: unloading on arcs into depots, dead arcs priced out.

    Arc ``i -> j`` between pickups is dead when loading at ``i``, driving to ``j``, loading
    there and driving to the nearest depot takes longer than ``i``'s ride limit.
    """
    d = problem.n_depots
    dist = np.array(problem.distance_m, dtype=np.int64)
    dur = np.array(problem.time_s, dtype=np.int64)
    dur[d:, :d] += problem.unload_s
    if problem.ride_limit_s is None or problem.n_pickups == 0:
        return dist, dur
    t = problem.time_s
    service = np.asarray(problem.service_s, dtype=np.int64)
    home = t[d:, :d].min(axis=1)                      # quickest pickup -> depot
    ride = service[:, None] + t[d:, d:] + service[None, :] + home[None, :]
    dead = ride > np.asarray(problem.ride_limit_s)[:, None]
    np.fill_diagonal(dead, False)
    block = dist[d:, d:]
    block[dead] = PRUNED_FACTOR * max(int(dist.max()), 1)
    tblock = dur[d:, d:]
    tblock[dead] = PRUNED_FACTOR * max(int(dur.max()), problem.horizon_s, 1)
    return dist, dur


def pyvrp_data(problem: MultiDepotProblem) -> Any:
    """PyVRP ``ProblemData`` of ``problem`` (clients in pickup order)."""
    import pyvrp

    d, horizon = problem.n_depots, problem.horizon_s
    depots = [pyvrp.Depot(k) for k in range(d)]  # the trucks' window keeps the horizon
    clients = []
    for i in range(problem.n_pickups):
        opens, closes = problem.window_of(i)
        clients.append(pyvrp.Client(d + i, pickup=[kg_up(float(problem.pickup_t[i]))],
                                    service_duration=int(problem.service_s[i]),
                                    tw_early=opens, tw_late=closes,
                                    release_time=problem.release_of(i)))
    vehicles = [pyvrp.VehicleType(count, capacity=[kg_down(problem.truck_capacity_t)],
                                  start_depot=k, end_depot=k, tw_early=0, tw_late=horizon,
                                  **_reloads(problem, k))
                for k, count in enumerate(problem.trucks_per_depot) if count > 0]
    dist: Any
    dur: Any
    dist, dur = pruned_matrices(problem)
    locations = [pyvrp.Location(0.0, 0.0) for _ in range(d + problem.n_pickups)]
    return pyvrp.ProblemData(locations, clients, depots, vehicles, [dist], [dur])


def _reloads(problem: MultiDepotProblem, depot: int) -> dict[str, Any]:
    """Shift (only when one is set: it slows the search) and reload settings."""
    out: dict[str, Any] = {}
    if problem.shift_s is not None and problem.shift_s < problem.horizon_s:
        out["shift_duration"] = problem.shift_s
    trips = problem.max_trips_per_truck
    if trips == 1:
        return out
    out["reload_depots"] = list(problem.reloads_of(depot))
    if trips is not None:
        out["max_reloads"] = trips - 1
    return out


def search_params(reloads: bool = True) -> Any:
    """PyVRP ``SolveParams`` with the settings of :data:`SEARCH_BY_RELOADS` applied."""
    from pyvrp import SolveParams
    from pyvrp.IteratedLocalSearch import IteratedLocalSearchParams
    from pyvrp.search import NeighbourhoodParams, PerturbationParams

    search = SEARCH_BY_RELOADS[reloads]
    ils: dict[str, Any] = {k: v for k, v in search.items()
                           if k in ("history_length", "num_iters_no_improvement")}
    hood: dict[str, Any] = {k: v for k, v in search.items() if k == "num_neighbours"}
    perturb: dict[str, Any] = {k: v for k, v in search.items() if k.endswith("_perturbations")}
    return SolveParams(ils=IteratedLocalSearchParams(**ils),
                       neighbourhood=NeighbourhoodParams(**hood),
                       perturbation=PerturbationParams(**perturb))


def solve_pyvrp_legs(problem: MultiDepotProblem, cap_s: float,
                     started: float) -> tuple[dict[int, list[Leg]], bool, bool]:
    """PyVRP's plan as legs per truck, whether it is feasible, and whether the clock stopped it.

    ``cap_s`` is the wall-clock cap in seconds since ``started``.
    """
    import pyvrp
    from pyvrp.stop import MaxIterations, MaxRuntime, MultipleCriteria

    data = pyvrp_data(problem)
    left_s = max(cap_s - (time.perf_counter() - started), 0.01)
    stop = MultipleCriteria([MaxIterations(pyvrp_iterations(problem)), MaxRuntime(left_s)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pyvrp.exceptions.PenaltyBoundWarning)
        best = pyvrp.solve(data, stop=stop, seed=problem.seed, display=False,
                           collect_stats=False,
                           params=search_params(problem.max_trips_per_truck != 1)).best
    timed_out = time.perf_counter() - started >= cap_s
    return routes_to_legs(problem, best.routes(), "pyvrp"), bool(best.is_feasible()), timed_out


def routes_to_legs(problem: MultiDepotProblem, routes: list[Any],
                   engine: str) -> dict[int, list[Leg]]:
    """PyVRP routes to legs per truck: trucks of a depot numbered in route order."""
    depots = [k for k, count in enumerate(problem.trucks_per_depot) if count > 0]
    first = np.concatenate([[0], np.cumsum(problem.trucks_per_depot)])
    used = dict.fromkeys(depots, 0)
    out: dict[int, list[Leg]] = {}
    for route in routes:
        depot = depots[route.vehicle_type()]
        truck = int(first[depot]) + used[depot]
        used[depot] += 1
        legs: list[Leg] = []
        stops: list[int] = []
        for act in list(route)[1:]:
            if act.is_depot():
                if stops:
                    legs.append(Leg(tuple(stops), int(act.idx), engine))
                stops = []
            else:
                stops.append(int(act.idx))
        out[truck] = legs
    return out
