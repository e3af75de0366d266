"""Screening, stripping the pickups that ride too long, and putting them back."""

from __future__ import annotations

import numpy as np

from optimize.routing.multi_repair import (
    reinsert,
    repair_legs,
    screen_multidepot,
    strip_ride_breakers,
)
from optimize.routing.multi_schedule import Leg
from tests.multidepot_cases import ride_case


def test_screen_names_pickups_no_truck_reaches() -> None:
    p = ride_case(ride_limit_s=np.array([20, 20, 20, 5, 20]))
    found = screen_multidepot(p)
    assert list(found) == [3]
    assert "from depot 0: truck 0 trip 0: pickup 3 rides 100 s, limit 5 s" in found[3]
    assert "from depot 1: truck 1 trip 0: pickup 3 rides 10 s, limit 5 s" in found[3]


def test_strip_takes_out_the_first_stop_only() -> None:
    legs, removed = strip_ride_breakers(ride_case(), {0: [Leg((0, 1, 2), 0, "pyvrp")]})
    assert removed == [0]
    assert legs == {0: [Leg((1, 2), 0, "repair")]}


def test_reinsert_opens_a_new_trip_when_no_trip_can_take_it() -> None:
    p = ride_case()
    legs, unserved = reinsert(p, {0: [Leg((1, 2), 0, "pyvrp")], 1: [Leg((3, 4), 1, "pyvrp")]},
                              [0])
    assert unserved == {}
    assert legs[0] == [Leg((0,), 0, "repair"), Leg((1, 2), 0, "pyvrp")]
    assert legs[1] == [Leg((3, 4), 1, "pyvrp")]


def test_repair_counts_moves_and_reports_what_fits_nowhere() -> None:
    p = ride_case(max_trips_per_truck=1)
    legs, unserved, moved = repair_legs(p, {0: [Leg((0, 1, 2), 0, "pyvrp")],
                                            1: [Leg((3, 4), 1, "pyvrp")]})
    assert moved == 1 and list(unserved) == [0]
    assert legs == {0: [Leg((1, 2), 0, "repair")], 1: [Leg((3, 4), 1, "pyvrp")]}
