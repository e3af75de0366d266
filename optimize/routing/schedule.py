"""From routes to timed trips: the one schedule every engine's plan is reported with.

An engine returns, per truck, its trips as pickup sequences; :func:`schedule_trips` turns
them into :class:`~optimize.routing.problem.Trip` s with times, loads and lengths
recomputed from the matrices (:func:`make_trip`), each trip leaving as early as its time
windows and the truck's previous trip allow (:func:`earliest_departure`). OR-Tools and
PyVRP plans go through the same code, so their trips compare, and
:mod:`optimize.routing.check` recomputes the same quantities independently of any engine.
"""

from __future__ import annotations

import time

from optimize.routing.problem import RoutingProblem, RoutingResult, Trip


def make_trip(problem: RoutingProblem, truck: int, rank: int, stops: tuple[int, ...],
              start_s: int, truck_type: str = "") -> Trip:
    """A trip's times, loads and length recomputed from the matrices (no waiting en route).

    The truck leaves with the trip's deliveries on board; at each stop it drops that
    stop's delivery and loads its pickup (``load_after_t``).
    """
    t, d = problem.time_s, problem.distance_m
    nodes = [0] + [s + 1 for s in stops] + [0]
    start_load = sum(problem.delivery_of(s) for s in stops)
    arrivals, loads, clock, load = [], [], start_s, start_load
    for prev, node in zip(nodes[:-2], nodes[1:-1], strict=True):
        clock += (int(problem.service_s[prev - 1]) if prev else 0) + int(t[prev, node])
        load += float(problem.pickup_t[node - 1]) - problem.delivery_of(node - 1)
        arrivals.append(clock)
        loads.append(load)
    back_s = clock + int(problem.service_s[stops[-1]]) + int(t[nodes[-2], 0])
    metres = sum(int(d[a, b]) for a, b in zip(nodes[:-1], nodes[1:], strict=True))
    return Trip(truck, rank, stops, tuple(arrivals), tuple(loads), start_s,
                back_s + problem.unload_s, metres, back_s, back_s - arrivals[0],
                truck_type=truck_type, start_load_t=start_load)


def earliest_departure(problem: RoutingProblem, stops: tuple[int, ...], ready_s: int) -> int:
    """Earliest departure at or after ``ready_s`` that meets every window on the trip, s.

    A trip never waits en route, so each arrival is departure + a fixed offset, and each
    window ``[a, b]`` at offset ``o`` asks departure >= ``a - o``. Leaving as early as
    that allows ends the trip earliest, which keeps the truck's next trip feasible
    whenever the solver's (later or equal) schedule was. Closing times are then met too,
    as the solver's departure met them and this one is no later;
    :func:`~optimize.routing.check.check_trips` verifies it.
    """
    if problem.time_window_s is None:
        return ready_s
    offsets = make_trip(problem, 0, 0, stops, 0).arrival_s
    opens = [w[0] - o for s, o in zip(stops, offsets, strict=True)
             if (w := problem.window_of(s)) is not None]
    return max([ready_s, *opens])


def schedule_trips(problem: RoutingProblem, routes: list[list[tuple[int, ...]]]) -> list[Trip]:
    """Earliest schedule: each used truck starts as early as its windows allow, s.

    Without windows every used truck leaves at 0 and again once unloaded; with windows a
    trip's departure is delayed (the truck waits at the store) until its windows are met
    (:func:`earliest_departure`). The solver proved a schedule exists; the earliest one
    keeps it feasible and makes the reported times independent of how the solver
    happened to set free start times.
    """
    trips, truck, fleet = [], 0, problem.fleet
    for index, truck_routes in enumerate(routes):
        if not truck_routes:
            continue
        start_s = 0
        for rank, stops in enumerate(truck_routes):
            trip = make_trip(problem, truck, rank, stops,
                              earliest_departure(problem, stops, start_s), fleet[index].name)
            trips.append(trip)
            start_s = trip.end_s
        truck += 1
    return trips


def routing_result(problem: RoutingProblem, trips: list[Trip], unserved: dict[int, str],
                   status: str, objective: int, started: float) -> RoutingResult:
    """The result of ``trips``: sorted, with totals and the time since ``started``.

    ``started`` is the ``time.perf_counter()`` reading when the solve began;
    ``unserved`` maps every pickup left out to its reason.
    """
    return RoutingResult(
        trips=tuple(sorted(trips, key=lambda tr: (tr.truck, tr.trip))),
        unserved=tuple(sorted(unserved.items())),
        status=status,
        objective=objective,
        time_s=time.perf_counter() - started,
        trucks_used=len({tr.truck for tr in trips}),
        distance_m=sum(tr.distance_m for tr in trips),
        served_t=float(sum(problem.pickup_t[s] for tr in trips for s in tr.stops)),
    )
