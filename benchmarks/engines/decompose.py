"""Many depots at once: share the fleet, solve the depots in parallel, fix the borders.

A province-size plan (720 trucks, hundreds of stores, thousands of stops) is too big for
one routing model, and mostly separable: a truck based at one depot never serves another
depot's area. So the plan is decomposed by depot:

1. :func:`allocate_fleet` shares ``N`` trucks among the depots. Each depot first gets its
   need, the larger of two lower bounds from
   :func:`optimize.routing.bounds.trucks_needed_lower_bound` (tonnes over capacity and trips; the
   hours of loading and driving over the shift); trucks left over go by D'Hondt on the
   depots' workload in truck-hours, since freshness and geography make the true need
   exceed the bound most where the driving is longest. When trucks are short, the need
   itself is shared by D'Hondt. Every depot's figure comes with the reason.
2. :func:`solve_depots` solves the depots' :class:`~optimize.routing.problem.RoutingProblem` s in
   parallel worker processes (one core each), under one wall-clock budget: each depot's
   time limit is its share of ``workers x budget`` by pickup count, and the depots are
   started largest first. The OR-Tools path stops by its own time limit, first solution
   included, so the budget holds.
3. :func:`border_pass` is the improvement across depot borders: stops a depot could not
   fit (fleet or shift reasons) are offered to their next-nearest depot, and only the
   depots that receive stops are solved again.

A side engine: no plan runs it; ``benchmarks/routing.py --set province`` measures it on
the synthetic case of :mod:`benchmarks.engines.province_cases`.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np

from optimize.fleet.allocation import dhondt
from optimize.routing.bounds import trucks_needed_lower_bound, workload_lower_bound_s
from optimize.routing.problem import RoutingProblem, RoutingResult
from optimize.routing.solve import solve_routing

#: Share of the wall-clock budget handed out as solver time; the rest covers process
#: start-up, model building and reading the results.
BUDGET_SHARE = 0.8
#: Smallest time limit given to one depot, seconds.
MIN_DEPOT_S = 0.2


# --------------------------------------------------------------------------------------
# Fleet allocation
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FleetShare:
    """Trucks per depot and why.

    Attributes
    ----------
    trucks
        Trucks based at each depot (sums to at most the fleet).
    need
        Lower bound on trucks each depot needs to serve all its servable stops.
    workload_h
        Hours of loading and driving each depot's stops need at least (the bound's input).
    reasons
        One sentence per depot: the need, its binding bound, and any spare or shortfall.
    """

    trucks: tuple[int, ...]
    need: tuple[int, ...]
    workload_h: tuple[float, ...]
    reasons: tuple[str, ...]


def _workload_h(problem: RoutingProblem) -> float:
    """Truck-hours of loading, driving and unloading a depot needs at least."""
    return workload_lower_bound_s(problem) / 3600


def allocate_fleet(problems: Sequence[RoutingProblem], total_trucks: int) -> FleetShare:
    """Share ``total_trucks`` among depots by need, then by workload; say why.

    Parameters
    ----------
    problems
        One problem per depot (its ``n_trucks`` is ignored).
    total_trucks
        Trucks to share (the province has 720).
    """
    need = [trucks_needed_lower_bound(p) for p in problems]
    hours = [_workload_h(p) for p in problems]
    if sum(need) <= total_trucks:  # every need met, spares by workload (D'Hondt)
        filled = np.array(need, dtype=int)
        dhondt(np.array(hours, dtype=float), filled, total_trucks - sum(need), None)
    else:  # too few trucks: D'Hondt on the needs, never past a need
        filled = np.zeros(len(need), dtype=int)
        dhondt(np.array(need, dtype=float), filled, total_trucks, np.array(need))
    alloc = [int(a) for a in filled]
    reasons = tuple(_reason(j, p, need[j], alloc[j], hours[j])
                    for j, p in enumerate(problems))
    return FleetShare(tuple(alloc), tuple(need), tuple(round(h, 2) for h in hours), reasons)


def _reason(j: int, p: RoutingProblem, need: int, got: int, hours: float) -> str:
    tonnes = float(p.pickup_t.sum())
    by_trips = math.ceil(tonnes / p.truck_capacity_t / p.trips_per_truck - 1e-9)
    bound = "tonnage" if by_trips >= need else "hours"
    text = (f"depot {j}: {got} trucks; needs at least {need} ({tonnes:.1f} t in "
            f"{p.truck_capacity_t:g} t trucks x {p.trips_per_truck} trips; {hours:.1f} truck-h "
            f"of loading and driving in {p.shift_s / 3600:g} h shifts; {bound} bound binds)")
    if got > need:
        return text + f"; +{got - need} spare by workload share"
    if got < need:
        return text + f"; {need - got} short: the fleet is smaller than the total need"
    return text


# --------------------------------------------------------------------------------------
# Parallel solve under one budget
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DepotsResult:
    """The depots' results, in input order, and the wall-clock time they took.

    Attributes
    ----------
    results
        One :class:`~optimize.routing.problem.RoutingResult` per depot.
    time_s
        Wall-clock seconds for the whole parallel solve.
    time_limits_s
        The time limit each depot was given, seconds.
    """

    results: tuple[RoutingResult, ...]
    time_s: float
    time_limits_s: tuple[float, ...]


def depot_time_limits(problems: Sequence[RoutingProblem], budget_s: float,
                      workers: int) -> list[float]:
    """Each depot's share of ``BUDGET_SHARE x workers x budget_s``, by pickup count.

    No depot gets more than its own ``time_limit_s`` or more than the budget's share of
    one worker, nor less than :data:`MIN_DEPOT_S`.
    """
    weight = np.array([p.n_pickups + 1 for p in problems], dtype=float)
    pool_s = BUDGET_SHARE * budget_s * workers
    share = pool_s * weight / max(weight.sum(), 1.0)
    return [float(max(MIN_DEPOT_S, min(s, p.time_limit_s, BUDGET_SHARE * budget_s)))
            for s, p in zip(share, problems, strict=True)]


def solve_depots(problems: Sequence[RoutingProblem], *, budget_s: float,
                 workers: int = 2) -> DepotsResult:
    """Solve every depot's problem in ``workers`` processes within ``budget_s`` seconds.

    Parameters
    ----------
    problems
        One problem per depot, trucks already allocated.
    budget_s
        Wall-clock budget for the whole solve, seconds.
    workers
        Processes (cores) to use; 1 solves in this process.
    """
    started = time.perf_counter()
    limits = depot_time_limits(problems, budget_s, workers)
    timed = [dataclasses.replace(p, time_limit_s=s) for p, s in zip(problems, limits,
                                                                      strict=True)]
    order = sorted(range(len(timed)), key=lambda j: -timed[j].n_pickups)
    results: list[RoutingResult | None] = [None] * len(timed)
    if workers <= 1:
        for j in order:
            results[j] = solve_routing(timed[j])
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = {j: pool.submit(solve_routing, timed[j]) for j in order}
            for j, fut in futures.items():
                results[j] = fut.result()
    done = tuple(r for r in results if r is not None)
    return DepotsResult(done, time.perf_counter() - started, tuple(limits))


# --------------------------------------------------------------------------------------
# Across the borders
# --------------------------------------------------------------------------------------
#: Unserved reasons a neighbouring depot might fix (not load or freshness at the stop).
MOVABLE = ("fleet at this store", "no truck based", "longer than the shift")


def border_pass(members: Sequence[Sequence[int]], alternative: Sequence[int],
                results: Sequence[RoutingResult],
                build: Callable[[int, list[int]], RoutingProblem], *, budget_s: float,
                workers: int = 2) -> tuple[list[list[int]], list[RoutingResult]]:
    """Offer each depot's fleet-blocked stops to their next-nearest depot, re-solve those.

    Parameters
    ----------
    members
        Stop ids of each depot, in the order of its problem's pickups.
    alternative
        For every stop id, the depot to try next (its second-nearest).
    results
        The first pass's results, aligned with ``members``.
    build
        ``build(depot, stop_ids) -> RoutingProblem`` with that depot's trucks.
    budget_s, workers
        As :func:`solve_depots`, for the re-solve.

    Returns
    -------
    members, results
        Updated membership and results; only depots that received stops changed.
    """
    moved: dict[int, list[int]] = {}
    new_members = [list(m) for m in members]
    for j, (stops, res) in enumerate(zip(members, results, strict=True)):
        for pickup, reason in res.unserved:
            target = alternative[stops[pickup]]
            if target != j and any(key in reason for key in MOVABLE):
                moved.setdefault(target, []).append(stops[pickup])
                new_members[j].remove(stops[pickup])
    touched = sorted(set(moved) | {j for j in range(len(members))
                                   if len(new_members[j]) != len(members[j])})
    for j in moved:
        new_members[j].extend(moved[j])
    if not touched:
        return new_members, list(results)
    resolved = solve_depots([build(j, new_members[j]) for j in touched], budget_s=budget_s,
                            workers=workers).results
    out = list(results)
    for j, res in zip(touched, resolved, strict=True):
        out[j] = res
    return new_members, out
