"""Tests of optimize.routing.schedule: routes to timed trips, worked out by hand.

Line instances (tests/routing_cases.py): store and pickups on a line measured in minutes
of driving at 60 km/h, so one minute is 60 s and 1,000 m.
"""

from __future__ import annotations

import numpy as np

from optimize.routing.schedule import earliest_departure, make_trip, schedule_trips
from tests.routing_cases import MIN, line_problem


def test_make_trip_recomputes_times_loads_and_length() -> None:
    # Store -> 10 min -> 20 min -> store with 5 min loading and 10 min unloading, leaving
    # at 30 min: arrivals 40 and 55 min, back at 80 min, free at 90 min; 40 km.
    problem = line_problem([10, 20], [1, 0.5], service_s=np.full(2, 5 * MIN),
                           unload_s=10 * MIN, delivery_t=np.array([0.25, 0.0]))
    trip = make_trip(problem, 1, 0, (0, 1), 30 * MIN, "reefer")
    assert trip.arrival_s == (40 * MIN, 55 * MIN)
    assert (trip.store_arrival_s, trip.end_s) == (80 * MIN, 90 * MIN)
    assert trip.max_age_s == 40 * MIN
    assert trip.distance_m == 40_000
    assert trip.start_load_t == 0.25 and trip.load_after_t == (1.0, 1.5)
    assert (trip.truck, trip.trip, trip.truck_type) == (1, 0, "reefer")


def test_earliest_departure_meets_the_latest_opening() -> None:
    # Arrivals 10 and 20 min after departure; windows open at 30 and 35 min: leave at 20.
    windows = np.array([[30 * MIN, 60 * MIN], [35 * MIN, 60 * MIN]])
    problem = line_problem([10, 20], [1, 1], time_window_s=windows)
    assert earliest_departure(problem, (0, 1), 0) == 20 * MIN
    assert earliest_departure(problem, (0, 1), 25 * MIN) == 25 * MIN
    assert earliest_departure(line_problem([10], [1]), (0,), 7) == 7


def test_schedule_chains_trips_and_numbers_used_trucks_first() -> None:
    # Truck 0 unused; truck 1 makes two trips (20 km, then 40 km), back to back.
    problem = line_problem([10, 20], [1, 1], n_trucks=2, trips_per_truck=2)
    trips = schedule_trips(problem, [[], [(0,), (1,)]])
    assert [(t.truck, t.trip, t.start_s, t.end_s) for t in trips] == [
        (0, 0, 0, 20 * MIN), (0, 1, 20 * MIN, 60 * MIN)]
