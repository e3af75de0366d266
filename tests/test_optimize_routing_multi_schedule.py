"""Timing a truck's trips: releases, waiting for windows, late starts, violations."""

from __future__ import annotations

import numpy as np

from optimize.routing.multi_schedule import Leg, multi_result, schedule_truck, trip_violations
from tests.multidepot_cases import ride_case


def test_release_delays_the_trip_and_chains_the_next() -> None:
    p = ride_case(release_s=np.array([0, 50, 0, 0, 0]), unload_s=5)
    trips = schedule_truck(p, 0, [Leg((0, 1), 0, "x"), Leg((2,), 0, "x")])
    first, second = trips
    assert first.start_s == 50                   # pickup 1 released at 50
    assert first.service_start_s == (60, 66)
    assert (first.depot_arrival_s, first.end_s) == (76, 81)
    assert first.distance_m == 26 and first.max_ride_s == 16
    assert second.start_s == 81 and second.service_start_s == (91,)
    assert (second.start_depot, second.end_depot, second.home_depot) == (0, 0, 0)
    assert trip_violations(p, trips) == []


def test_a_trip_leaves_late_instead_of_waiting_at_a_pickup() -> None:
    windows = np.array([[0, 1000], [100, 1000], [0, 1000], [0, 1000], [0, 1000]])
    p = ride_case(time_window_s=windows)
    (trip,) = schedule_truck(p, 0, [Leg((0, 1), 0, "x")])
    # earliest: leave 0, pickup 0 at 10, wait at pickup 1 until 100; leaving at 84 instead
    assert trip.start_s == 84 and trip.service_start_s == (94, 100)
    assert trip.depot_arrival_s == 110 and trip.max_ride_s == 16


def test_violations_name_ride_window_shift_and_trip_count() -> None:
    windows = np.array([[0, 1000], [0, 1000], [0, 15], [0, 1000], [0, 1000]])
    p = ride_case(time_window_s=windows, shift_s=30, max_trips_per_truck=1)
    trips = schedule_truck(p, 0, [Leg((0, 1, 2), 0, "x"), Leg((0,), 0, "x")])
    found = "\n".join(trip_violations(p, trips))
    assert "truck 0 trip 0: pickup 0 rides 22 s, limit 20 s" in found
    assert "loading at pickup 2 starts at 22 s, window closes at 15 s" in found
    assert "truck 0: works 52 s, shift 30 s" in found
    assert "truck 0: 2 trips, at most 1" in found


def test_result_totals() -> None:
    p = ride_case()
    trips = schedule_truck(p, 1, [Leg((3, 4), 1, "x")])
    result = multi_result(trips, {0: "why"}, "success", 0.0)
    assert (result.distance_m, result.trucks_used, result.unserved) == (26, 1, ((0, "why"),))
