"""From a truck's trip sequence to timed :class:`DepotTrip` s: the schedule every engine shares.

An engine hands over, per truck, its trips as ``(stops, end_depot)``. :func:`schedule_truck`
times them: each trip leaves when the truck is free and the trip's goods are released,
waits at a pickup whose window is not open yet, and is late nowhere if the engine's plan
was valid. Two delays follow, neither changing when the truck is back:

- the whole day starts as late as it can without a later return (a shift counts from the
  first departure, waiting included, as in PyVRP and the MDVRPTW convention);
- each trip then leaves as late as it can without reaching its depot later, so waits move
  from inside the trip to the depot and produce rides no longer than it must.

:func:`trip_violations` lists what a timed truck day breaks (windows, horizon, shift,
ride time), for the repair step; :mod:`optimize.routing.multi_check` re-checks any plan
from scratch.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from optimize.routing.multidepot import DepotTrip, MultiDepotProblem, MultiDepotResult


@dataclass(frozen=True)
class Leg:
    """One trip as an engine returns it: ``stops`` ending at ``end_depot``."""

    stops: tuple[int, ...]
    end_depot: int
    engine: str


def run_trip(problem: MultiDepotProblem, start_depot: int, leg: Leg,
             start_s: int) -> tuple[list[int], int, int]:
    """Loading starts, depot arrival and lateness (s past windows) of ``leg`` from ``start_s``."""
    t, clock, prev, late = problem.time_s, start_s, start_depot, 0
    starts = []
    for s in leg.stops:
        node = problem.node(s)
        opens, closes = problem.window_of(s)
        begin = max(clock + int(t[prev, node]), opens)
        late += max(0, begin - closes)
        starts.append(begin)
        clock, prev = begin + int(problem.service_s[s]), node
    arrival = clock + int(t[prev, leg.end_depot])
    return starts, arrival, late


def _day(problem: MultiDepotProblem, home: int, legs: list[Leg],
         first_s: int) -> tuple[list[int], int, int]:
    """Departures, day end and total lateness when the day starts no earlier than ``first_s``."""
    ready, depot, late, departures = first_s, home, 0, []
    for leg in legs:
        depart = max([ready, *[problem.release_of(s) for s in leg.stops]])
        _, arrival, lost = run_trip(problem, depot, leg, depart)
        departures.append(depart)
        late += lost + max(0, arrival + problem.unload_s - problem.horizon_s)
        ready, depot = arrival + problem.unload_s, leg.end_depot
    return departures, ready, late


def _latest(lo: int, hi: int, ok: Callable[[int], bool]) -> int:
    """Largest ``x`` in ``[lo, hi]`` with ``ok(x)``, given ``ok(lo)`` and monotone ``ok``."""
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if ok(mid):
            lo = mid
        else:
            hi = mid - 1
    return lo


def _same_end(problem: MultiDepotProblem, depot: int, leg: Leg,
              want: tuple[int, int]) -> Callable[[int], bool]:
    """Whether ``leg`` leaving ``depot`` at ``x`` still arrives and is late as in ``want``."""
    return lambda x: run_trip(problem, depot, leg, x)[1:] == want


def schedule_truck(problem: MultiDepotProblem, truck: int, legs: list[Leg]) -> list[DepotTrip]:
    """Timed trips of ``truck`` for ``legs`` (see the module docstring for the rules)."""
    if not legs:
        return []
    home = problem.depot_of(truck)
    _, end0, late0 = _day(problem, home, legs, 0)
    first = _latest(0, problem.horizon_s, lambda x: _day(problem, home, legs, x)[1:]
                    == (end0, late0))
    departures, _, _ = _day(problem, home, legs, first)
    out, depot = [], home
    for rank, (leg, depart) in enumerate(zip(legs, departures, strict=True)):
        _, arrival, late = run_trip(problem, depot, leg, depart)
        depart = _latest(depart, max(arrival, depart),
                         _same_end(problem, depot, leg, (arrival, late)))
        out.append(make_depot_trip(problem, truck, rank, depot, leg, depart))
        depot = leg.end_depot
    return out


def make_depot_trip(problem: MultiDepotProblem, truck: int, rank: int, start_depot: int,
                    leg: Leg, start_s: int) -> DepotTrip:
    """A :class:`DepotTrip` of ``leg`` leaving ``start_depot`` at ``start_s``."""
    starts, arrival, _ = run_trip(problem, start_depot, leg, start_s)
    nodes = [start_depot, *[problem.node(s) for s in leg.stops], leg.end_depot]
    metres = sum(int(problem.distance_m[a, b]) for a, b in zip(nodes[:-1], nodes[1:],
                                                                 strict=True))
    ride = max((arrival - s for s in starts), default=0)
    return DepotTrip(truck, rank, problem.depot_of(truck), start_depot, leg.end_depot,
                     leg.stops, tuple(starts), start_s, arrival, arrival + problem.unload_s,
                     float(sum(problem.pickup_t[s] for s in leg.stops)), metres, ride,
                     leg.engine)


def trip_violations(problem: MultiDepotProblem, trips: list[DepotTrip]) -> list[str]:
    """What a timed truck day breaks: windows, horizon, shift, capacity, ride time."""
    out = []
    for trip in trips:
        name = f"truck {trip.truck} trip {trip.trip}"
        for s, begin in zip(trip.stops, trip.service_start_s, strict=True):
            if begin > problem.window_of(s)[1]:
                out.append(f"{name}: loading at pickup {s} starts at {begin} s, window "
                           f"closes at {problem.window_of(s)[1]} s")
            limit = problem.ride_limit_of(s)
            if limit is not None and trip.depot_arrival_s - begin > limit:
                out.append(f"{name}: pickup {s} rides {trip.depot_arrival_s - begin} s, "
                           f"limit {limit} s")
        if trip.load_t > problem.truck_capacity_t + 1e-6:
            out.append(f"{name}: carries {trip.load_t:g} t, capacity "
                       f"{problem.truck_capacity_t:g} t")
    if trips and trips[-1].end_s > problem.horizon_s:
        out.append(f"truck {trips[0].truck}: back at {trips[-1].end_s} s, after the horizon "
                   f"{problem.horizon_s} s")
    if trips and trips[-1].end_s - trips[0].start_s > problem.day_s:
        out.append(f"truck {trips[0].truck}: works {trips[-1].end_s - trips[0].start_s} s, "
                   f"shift {problem.day_s} s")
    if problem.max_trips_per_truck is not None and len(trips) > problem.max_trips_per_truck:
        out.append(f"truck {trips[0].truck}: {len(trips)} trips, at most "
                   f"{problem.max_trips_per_truck}")
    return out


def multi_result(trips: list[DepotTrip], unserved: dict[int, str], status: str,
                 started: float) -> MultiDepotResult:
    """The result of ``trips``: sorted, with totals and the time since ``started``."""
    trips = sorted(trips, key=lambda tr: (tr.truck, tr.trip))
    return MultiDepotResult(tuple(trips), tuple(sorted(unserved.items())), status,
                            time.perf_counter() - started,
                            sum(t.distance_m for t in trips), len({t.truck for t in trips}))
