"""The independent check of a multi-depot plan: every way a result breaks its problem.

:func:`check_multidepot` recomputes each :class:`~optimize.routing.multidepot.DepotTrip`
from the problem's matrices and the trip's own departure time, with its own clock loop
(no code shared with the schedulers or the engines), and tests coverage, the fleet per
depot, where each trip starts and ends (home, reload depots), trip counts, capacity,
release times, windows, the ride-time limit, chaining in time, horizon, shift, lengths
and the totals. Tests and benchmarks run it on every plan; ``engine="auto"`` runs it
before it returns one.
"""

from __future__ import annotations

from collections import Counter

from optimize.routing.multidepot import DepotTrip, MultiDepotProblem, MultiDepotResult


def check_multidepot(problem: MultiDepotProblem, result: MultiDepotResult) -> list[str]:
    """One message per violation of ``problem`` by ``result``; empty when valid."""
    out = _coverage(problem, result)
    by_truck: dict[int, list[DepotTrip]] = {}
    for trip in result.trips:
        by_truck.setdefault(trip.truck, []).append(trip)
    for truck, trips in sorted(by_truck.items()):
        if not 0 <= truck < problem.n_trucks:
            out.append(f"truck {truck}: no such truck ({problem.n_trucks} trucks)")
            continue
        out += _day_problems(problem, truck, trips)
        for trip in trips:
            out += _trip_problems(problem, trip)
    if result.distance_m != sum(t.distance_m for t in result.trips):
        out.append(f"total distance {result.distance_m}, trips add up to "
                   f"{sum(t.distance_m for t in result.trips)}")
    if result.trucks_used != len(by_truck):
        out.append(f"trucks_used {result.trucks_used}, trips use {len(by_truck)}")
    return out


def _coverage(problem: MultiDepotProblem, result: MultiDepotResult) -> list[str]:
    n = problem.n_pickups
    seen = Counter([s for t in result.trips for s in t.stops] + [i for i, _ in result.unserved])
    out = [f"pickup {i} does not exist (n = {n})" for i in sorted(seen) if not 0 <= i < n]
    out += [f"pickup {i} appears {seen[i]} times (served or unserved)"
            for i in sorted(seen) if 0 <= i < n and seen[i] > 1]
    out += [f"pickup {i} is neither served nor listed as unserved"
            for i in range(n) if i not in seen]
    return out


def _day_problems(problem: MultiDepotProblem, truck: int, trips: list[DepotTrip]) -> list[str]:
    """Ranks, depots, chaining, trip count, horizon and shift of one truck's day."""
    home, name, out = problem.depot_of(truck), f"truck {truck}", []
    if [t.trip for t in trips] != list(range(len(trips))):
        out.append(f"{name}: trips numbered {[t.trip for t in trips]}, not 0..{len(trips) - 1}")
    if problem.max_trips_per_truck is not None and len(trips) > problem.max_trips_per_truck:
        out.append(f"{name}: {len(trips)} trips, at most {problem.max_trips_per_truck}")
    where = home
    for prev, trip in zip([None, *trips[:-1]], trips, strict=True):
        if trip.home_depot != home or trip.start_depot != where:
            out.append(f"{name} trip {trip.trip}: starts at depot {trip.start_depot} "
                       f"(home {trip.home_depot}), the truck is at depot {where} (home {home})")
        if trip.end_depot not in problem.reloads_of(home):
            out.append(f"{name} trip {trip.trip}: unloads at depot {trip.end_depot}, not one "
                       f"of {problem.reloads_of(home)}")
        if prev is not None and trip.start_s < prev.end_s:
            out.append(f"{name} trip {trip.trip}: leaves at {trip.start_s} s, before trip "
                       f"{prev.trip} is unloaded at {prev.end_s} s")
        where = trip.end_depot
    if where != home:
        out.append(f"{name}: ends the day at depot {where}, not at home depot {home}")
    if trips[0].start_s < 0 or trips[-1].end_s > problem.horizon_s:
        out.append(f"{name}: works {trips[0].start_s}..{trips[-1].end_s} s, outside "
                   f"0..{problem.horizon_s} s")
    if trips[-1].end_s - trips[0].start_s > problem.day_s:
        out.append(f"{name}: day of {trips[-1].end_s - trips[0].start_s} s, shift "
                   f"{problem.day_s} s")
    return out


def _trip_problems(problem: MultiDepotProblem, trip: DepotTrip) -> list[str]:
    """One trip recomputed from its departure: times, windows, release, load, ride, length."""
    name = f"truck {trip.truck} trip {trip.trip}"
    if not trip.stops or any(not 0 <= s < problem.n_pickups for s in trip.stops):
        return [f"{name}: stops {trip.stops} empty or out of range"]
    if len(trip.service_start_s) != len(trip.stops):
        return [f"{name}: {len(trip.stops)} stops but {len(trip.service_start_s)} times"]
    out: list[str] = []
    clock, prev, metres, starts = trip.start_s, trip.start_depot, 0, []
    for s in trip.stops:
        node = problem.n_depots + s
        metres += int(problem.distance_m[prev, node])
        arrive = clock + int(problem.time_s[prev, node])
        begin = arrive if problem.time_window_s is None else max(
            arrive, int(problem.time_window_s[s, 0]))
        if problem.time_window_s is not None and begin > int(problem.time_window_s[s, 1]):
            out.append(f"{name}: pickup {s} reached at {begin} s, window closes at "
                       f"{int(problem.time_window_s[s, 1])} s")
        if problem.release_s is not None and trip.start_s < int(problem.release_s[s]):
            out.append(f"{name}: leaves at {trip.start_s} s, pickup {s} is released at "
                       f"{int(problem.release_s[s])} s")
        starts.append(begin)
        clock, prev = begin + int(problem.service_s[s]), node
    back = clock + int(problem.time_s[prev, trip.end_depot])
    metres += int(problem.distance_m[prev, trip.end_depot])
    if tuple(starts) != trip.service_start_s or back != trip.depot_arrival_s \
            or trip.end_s != back + problem.unload_s:
        out.append(f"{name}: times {trip.service_start_s}/{trip.depot_arrival_s}/{trip.end_s}"
                   f" s, recomputed {tuple(starts)}/{back}/{back + problem.unload_s} s")
    if metres != trip.distance_m:
        out.append(f"{name}: length {trip.distance_m}, recomputed {metres}")
    load = float(sum(problem.pickup_t[s] for s in trip.stops))
    if load > problem.truck_capacity_t + 1e-6:
        out.append(f"{name}: carries {load:g} t, capacity {problem.truck_capacity_t:g} t")
    if problem.ride_limit_s is not None:
        out += [f"{name}: pickup {s} rides {back - b} s to depot {trip.end_depot}, limit "
                f"{int(problem.ride_limit_s[s])} s"
                for s, b in zip(trip.stops, starts, strict=True)
                if back - b > int(problem.ride_limit_s[s])]
    return out
