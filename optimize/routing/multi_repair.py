"""Screening and ride-time repair of a multi-depot plan, by our own code.

:func:`screen_multidepot` names the pickups no truck could serve even alone, with the
reason. :func:`repair_legs` takes an engine's legs per truck (PyVRP's, which cannot see
ride time), schedules every truck (:func:`~optimize.routing.multi_schedule.schedule_truck`)
and, for each trip where a pickup rides too long, takes out the pickups whose ride breaks
the limit (they are the first ones of the trip: rides shrink along a trip). Each pickup
taken out is put back where it adds the fewest metres and breaks nothing: into any trip of
any truck, or as a new trip of its own before, between or after a truck's trips. A pickup
that fits nowhere is reported unserved with its reason. Trips changed here record engine
``"repair"``.
"""

from __future__ import annotations

from optimize.routing.multi_schedule import Leg, schedule_truck, trip_violations
from optimize.routing.multidepot import DepotTrip, MultiDepotProblem


def screen_multidepot(problem: MultiDepotProblem) -> dict[int, str]:
    """Pickups that no truck of any depot can serve even on a trip of its own, and why."""
    out: dict[int, str] = {}
    homes = [k for k, count in enumerate(problem.trucks_per_depot) if count > 0]
    first = [sum(problem.trucks_per_depot[:k]) for k in range(problem.n_depots)]
    for i in range(problem.n_pickups):
        if not homes:
            out[i] = "no trucks at any depot"
            continue
        why = []
        for k in homes:
            trips = schedule_truck(problem, first[k], [Leg((i,), k, "screen")])
            found = trip_violations(problem, trips)
            if not found:
                break
            why.append(f"from depot {k}: {found[0]}")
        else:
            out[i] = "no truck can serve it even alone: " + "; ".join(why[:2])
    return out


def _ride_breakers(problem: MultiDepotProblem, trip: DepotTrip) -> list[int]:
    """Stops of ``trip`` whose ride to the depot is over their limit."""
    return [s for s, begin in zip(trip.stops, trip.service_start_s, strict=True)
            if (limit := problem.ride_limit_of(s)) is not None
            and trip.depot_arrival_s - begin > limit]


def strip_ride_breakers(problem: MultiDepotProblem,
                        legs: dict[int, list[Leg]]) -> tuple[dict[int, list[Leg]], list[int]]:
    """Legs without the pickups whose ride is too long, and those pickups (sorted)."""
    out, removed = {}, []
    for truck, truck_legs in legs.items():
        current = list(truck_legs)
        while True:
            trips = schedule_truck(problem, truck, current)
            bad = {s for trip in trips for s in _ride_breakers(problem, trip)}
            if not bad:
                break
            removed += sorted(bad)
            current = [Leg(tuple(s for s in leg.stops if s not in bad), leg.end_depot,
                           "repair" if bad & set(leg.stops) else leg.engine)
                       for leg in current]
            current = [leg for leg in current if leg.stops]
        out[truck] = current
    return out, sorted(removed)


def _candidates(problem: MultiDepotProblem, truck: int, legs: list[Leg],
                pickup: int) -> list[tuple[int, int, list[Leg]]]:
    """Every way to put ``pickup`` into ``truck``'s day, with the metres it adds.

    In any trip at any position, or as a trip of its own before, between or after the
    truck's trips (returning where it left from). Sorted by metres added, then order.
    """
    dist, p = problem.distance_m, problem.node(pickup)
    out: list[tuple[int, int, list[Leg]]] = []
    where = problem.depot_of(truck)
    for k, leg in enumerate(legs):
        nodes = [where, *[problem.node(s) for s in leg.stops], leg.end_depot]
        for pos in range(len(leg.stops) + 1):
            a, b = nodes[pos], nodes[pos + 1]
            added = int(dist[a, p]) + int(dist[p, b]) - int(dist[a, b])
            stops = leg.stops[:pos] + (pickup,) + leg.stops[pos:]
            out.append((added, len(out), legs[:k] + [Leg(stops, leg.end_depot, "repair")]
                        + legs[k + 1:]))
        where = leg.end_depot
    home = problem.depot_of(truck)
    for k in range(len(legs) + 1):
        at = home if k == 0 else legs[k - 1].end_depot
        out.append((int(dist[at, p]) + int(dist[p, at]), len(out),
                    legs[:k] + [Leg((pickup,), at, "repair")] + legs[k:]))
    return sorted(out, key=lambda c: c[:2])


def _cheapest(problem: MultiDepotProblem, legs: dict[int, list[Leg]],
              pickup: int) -> tuple[int, list[Leg]] | None:
    """The truck and its new legs where ``pickup`` adds the fewest metres validly."""
    best: tuple[int, int, list[Leg]] | None = None
    for truck, current in legs.items():
        if not current and any(not legs[t] and problem.depot_of(t) == problem.depot_of(truck)
                               for t in range(truck)):
            continue  # an idle truck of the same depot was already tried
        for added, _, option in _candidates(problem, truck, current, pickup):
            if best is not None and added >= best[0]:
                break
            if not trip_violations(problem, schedule_truck(problem, truck, option)):
                best = (added, truck, option)
                break
    return None if best is None else (best[1], best[2])


def reinsert(problem: MultiDepotProblem, legs: dict[int, list[Leg]],
             pickups: list[int]) -> tuple[dict[int, list[Leg]], dict[int, str]]:
    """Cheapest valid insertion of each pickup in turn; the ones that fit nowhere, and why."""
    legs = {k: list(legs.get(k, [])) for k in range(problem.n_trucks)}
    unserved: dict[int, str] = {}
    for pickup in pickups:
        found = _cheapest(problem, legs, pickup)
        if found is None:
            limit = problem.ride_limit_of(pickup)
            unserved[pickup] = ("no trip of the fleet can take it without breaking a limit"
                                + ("" if limit is None else f" (ride-time limit {limit} s)"))
        else:
            legs[found[0]] = found[1]
    return {k: v for k, v in legs.items() if v}, unserved


def repair_legs(problem: MultiDepotProblem,
                legs: dict[int, list[Leg]]) -> tuple[dict[int, list[Leg]], dict[int, str], int]:
    """Legs with every ride within its limit, pickups left out with reasons, pickups moved."""
    stripped, removed = strip_ride_breakers(problem, legs)
    if not removed:
        return stripped, {}, 0
    fixed, unserved = reinsert(problem, stripped, removed)
    return fixed, unserved, len(removed)
