"""The OR-Tools model of a multi-depot problem: slots, releases and ride time."""

from __future__ import annotations

import time

import numpy as np

from optimize.routing.multi_ortools import slots_per_truck, solve_ortools_legs
from optimize.routing.multi_schedule import schedule_truck
from tests.multidepot_cases import ride_case


def test_slots_follow_the_trip_limit_or_the_tonnage() -> None:
    assert slots_per_truck(ride_case()) == 2
    # 5 t over trucks of 1 t: 5 trips, 1.5 x 5 / 2 trucks + 1 = 5 slots each
    assert slots_per_truck(ride_case(max_trips_per_truck=None, truck_capacity_t=1.0)) == 5


def test_release_and_ride_limit_hold_in_the_plan() -> None:
    p = ride_case(release_s=np.array([0, 0, 0, 200, 0]), search_iterations=20,
                  time_limit_s=2.0)
    legs, _ = solve_ortools_legs(p, 30.0, time.perf_counter())
    served = sorted(s for v in legs.values() for leg in v for s in leg.stops)
    assert served == [0, 1, 2, 3, 4]
    trips = [t for k, v in legs.items() for t in schedule_truck(p, k, v)]
    assert all(t.max_ride_s <= 20 for t in trips)
    (b_trip,) = [t for t in trips if 3 in t.stops]
    assert b_trip.start_s >= 200
    assert sum(t.distance_m for t in trips) == 72
