"""The independent check of a store's plan: every way a result breaks its problem.

:func:`check_trips` takes a :class:`~optimize.routing.problem.RoutingResult` from any
engine and recomputes, from the problem's matrices alone, each trip's arrivals, loads and
length (:func:`~optimize.routing.schedule.make_trip`: departure, then loading + travel, no
waiting en route), and tests them against capacity at every point, time windows, the age
of every pickup at the store (freshness, by crop), the truck's shift, the chaining of a
truck's trips in time, coverage (each pickup served once or listed as unserved once), the
totals and, with a mixed fleet, the truck types. It shares no code with the engines'
models, so ``engine="auto"`` can use it to accept or reject a PyVRP plan, and tests and
benchmarks use it on every plan.
"""

from __future__ import annotations

from collections import Counter

from optimize.routing.problem import LOAD_TOL_T, RoutingProblem, RoutingResult, Trip, TruckType
from optimize.routing.schedule import make_trip


def check_trips(problem: RoutingProblem, result: RoutingResult) -> list[str]:
    """Every way ``result`` breaks ``problem``, recomputed from the matrices.

    Checks each trip's truck and trip numbers, stops, the load profile (leaving with the
    trip's deliveries, then after each stop) against its truck's capacity, arrival times
    (departure ``start_s``, then loading + travel, no waiting en route) and time windows,
    store arrival and ``end_s`` (= store arrival + unloading), the age of every pickup at
    the store against the freshness limit, its truck's shift, the order of a truck's trips
    in time, distances, that every pickup is either served once or listed as unserved
    once, the totals, and, with ``trucks``, that each truck has one known type and no
    type is used by more trucks than the fleet has.

    Returns
    -------
    list of str
        One message per violation; empty when the result is valid.
    """
    out = _coverage_problems(problem, result) + _fleet_problems(problem, result)
    for trip in result.trips:
        out += _trip_problems(problem, trip)
    out += _chaining_problems(result)
    out += _total_problems(result)
    return out


def _coverage_problems(problem: RoutingProblem, result: RoutingResult) -> list[str]:
    n, out = problem.n_pickups, []
    seen = Counter([s for trip in result.trips for s in trip.stops]
                   + [i for i, _ in result.unserved])
    for i in sorted(seen):
        if not 0 <= i < n:
            out.append(f"pickup {i} does not exist (n = {n})")
        elif seen[i] > 1:
            out.append(f"pickup {i} appears {seen[i]} times (served or unserved)")
    out += [f"pickup {i} is neither served nor listed as unserved"
            for i in range(n) if i not in seen]
    return out


def _fleet_problems(problem: RoutingProblem, result: RoutingResult) -> list[str]:
    """With ``trucks``: one type per truck number, no type over its number of trucks."""
    if problem.trucks is None:
        return []
    types: dict[int, set[str]] = {}
    for trip in result.trips:
        types.setdefault(trip.truck, set()).add(trip.truck_type)
    out = [f"truck {k}: trips name several truck types {sorted(v)}"
           for k, v in sorted(types.items()) if len(v) > 1]
    have = Counter(t.name for t in problem.trucks)
    used = Counter(name for v in types.values() for name in v)
    out += [f"truck type {name!r}: {n} trucks used, the fleet has {have[name]}"
            for name, n in sorted(used.items()) if name in have and n > have[name]]
    return out


def _truck_of(problem: RoutingProblem, trip: Trip) -> TruckType | None:
    """The :class:`TruckType` a trip names (``None`` if the fleet has no such type)."""
    return next((t for t in problem.fleet if t.name == trip.truck_type), None)


def _trip_problems(problem: RoutingProblem, trip: Trip) -> list[str]:
    name = f"truck {trip.truck} trip {trip.trip}"
    n_trucks = len(problem.fleet)
    if not 0 <= trip.truck < n_trucks or not 0 <= trip.trip < problem.trips_per_truck:
        return [f"{name}: no such truck or trip ({n_trucks} trucks x "
                f"{problem.trips_per_truck} trips)"]
    truck = _truck_of(problem, trip)
    if truck is None:
        return [f"{name}: no truck of type {trip.truck_type!r} in the fleet"]
    if not trip.stops or any(not 0 <= s < problem.n_pickups for s in trip.stops):
        return [f"{name}: stops {trip.stops} empty or out of range"]
    if not len(trip.arrival_s) == len(trip.load_after_t) == len(trip.stops):
        return [f"{name}: stops, arrival_s and load_after_t differ in length"]
    want = make_trip(problem, trip.truck, trip.trip, trip.stops, trip.start_s,
                      trip.truck_type)
    return (_load_problems(trip, want, name, truck)
            + _time_problems(problem, trip, want, name, problem.shift_of(truck))
            + _window_violations(problem, want, name)
            + ([f"{name}: distance {trip.distance_m} m, recomputed {want.distance_m} m"]
               if trip.distance_m != want.distance_m else []))


def _load_problems(trip: Trip, want: Trip, name: str, truck: TruckType) -> list[str]:
    """Reported loads against recomputed ones, and the fullest point against capacity."""
    out = [f"{name}: load after stop {s} is {got:g} t, recomputed {exp:g} t"
           for s, got, exp in zip(trip.stops, trip.load_after_t, want.load_after_t, strict=True)
           if abs(got - exp) > LOAD_TOL_T]
    if abs(trip.start_load_t - want.start_load_t) > LOAD_TOL_T:
        out.append(f"{name}: leaves with {trip.start_load_t:g} t, recomputed "
                   f"{want.start_load_t:g} t of deliveries")
    peak = max(want.start_load_t, *want.load_after_t)
    if peak > truck.capacity_t + LOAD_TOL_T:
        out.append(f"{name}: carries {peak:g} t, capacity {truck.capacity_t:g} t")
    return out


def _window_violations(problem: RoutingProblem, want: Trip, name: str) -> list[str]:
    """Recomputed arrivals outside their pickup's time window."""
    out = []
    for s, arrived in zip(want.stops, want.arrival_s, strict=True):
        window = problem.window_of(s)
        if window is not None and not window[0] <= arrived <= window[1]:
            out.append(f"{name}: arrives at pickup {s} at {arrived} s, outside its time "
                       f"window {window[0]}..{window[1]} s")
    return out


def _time_problems(problem: RoutingProblem, trip: Trip, want: Trip, name: str,
                   shift_s: int) -> list[str]:
    out = [f"{name}: arrival at pickup {s} is {got} s, recomputed {exp} s"
           for s, got, exp in zip(trip.stops, trip.arrival_s, want.arrival_s, strict=True)
           if got != exp]
    if trip.end_s != want.end_s:
        out.append(f"{name}: end_s {trip.end_s} s, recomputed {want.end_s} s (store arrival "
                   f"{want.store_arrival_s} s + unloading {problem.unload_s} s)")
    if trip.start_s < 0 or want.end_s > shift_s:
        out.append(f"{name}: runs {trip.start_s}..{want.end_s} s, outside the shift "
                   f"0..{shift_s} s")
    for s, arrived in zip(trip.stops, want.arrival_s, strict=True):
        age_s = want.store_arrival_s - arrived
        if age_s > problem.freshness_s(s):
            out.append(f"{name}: pickup {s} reaches the store after {age_s} s, freshness "
                       f"limit {problem.freshness_s(s)} s")
    return out


def _chaining_problems(result: RoutingResult) -> list[str]:
    out, previous = [], None
    for trip in result.trips:
        if previous is not None and previous.truck == trip.truck:
            if trip.trip <= previous.trip:
                out.append(f"truck {trip.truck}: trips out of order or repeated at {trip.trip}")
            elif trip.start_s < previous.end_s:
                out.append(f"truck {trip.truck}: trip {trip.trip} leaves at {trip.start_s} s, "
                           f"before trip {previous.trip} ends at {previous.end_s} s")
        elif previous is not None and trip.truck < previous.truck:
            out.append("trips are not sorted by (truck, trip)")
        previous = trip
    return out


def _total_problems(result: RoutingResult) -> list[str]:
    out = []
    metres = sum(t.distance_m for t in result.trips)
    if result.distance_m != metres:
        out.append(f"total distance {result.distance_m} m, trips add up to {metres} m")
    trucks = len({t.truck for t in result.trips})
    if result.trucks_used != trucks:
        out.append(f"trucks_used {result.trucks_used}, trips use {trucks}")
    return out
