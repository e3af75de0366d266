"""Tests of optimize.routing.screen: pickups no trip could serve, with the reason.

Line instances (tests/routing_cases.py): store and pickups on a line measured in minutes
of driving at 60 km/h, so one minute is 60 s and 1,000 m.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from optimize.errors import SpecificationError
from optimize.routing.check import check_trips
from optimize.routing.screen import screen_pickups
from optimize.routing.solve import solve_routing
from tests.routing_cases import HOUR, MIN, line_problem, pair_by_crop

_line = line_problem


def test_shift_screens_out_a_round_trip_longer_than_the_shift() -> None:
    # 300 min out, 15 min loading, 300 min back = 615 min > 480 min shift.
    problem = _line([10, 300], [1, 1], service_s=np.array([15 * MIN, 15 * MIN]))
    result = solve_routing(problem)
    assert result.unserved == ((1, "store -> pickup -> store with loading and unloading "
                                   "needs 615 min, longer than the shift of 480 min"),)
    assert [t.stops for t in result.trips] == [(0,)]


def test_freshness_screening_reason() -> None:
    # 120 min drive + 15 min loading = 135 min against a 2 h limit.
    problem = _line([120, 30], [1, 1], service_s=np.array([15 * MIN, 15 * MIN]),
                    freshness_limit_s=2 * HOUR)
    assert screen_pickups(problem) == {
        0: "cannot reach the store within the freshness limit: needs 135 min, limit 120 min"}
    result = solve_routing(problem)
    assert result.unserved == ((0, screen_pickups(problem)[0]),)
    assert [t.stops for t in result.trips] == [(1,)]


def test_overweight_pickup_reason() -> None:
    problem = _line([10, 20], [3.5, 1.0], truck_capacity_t=3.0)
    result = solve_routing(problem)
    assert result.unserved == ((0, "load 3.5 t exceeds truck capacity 3 t"),)
    assert [t.stops for t in result.trips] == [(1,)]


def test_no_trucks_reason_for_every_pickup() -> None:
    problem = _line([10, 20], [1, 1], n_trucks=0)
    result = solve_routing(problem)
    assert result.trips == ()
    assert result.unserved == ((0, "no truck based at this store"),
                               (1, "no truck based at this store"))
    assert result.status == "nothing to route"
    assert check_trips(problem, result) == []




def test_crop_limits_screen_and_check() -> None:
    problem = pair_by_crop([40, 80])  # A alone needs 15 + 30 = 45 min > 40 min
    assert screen_pickups(problem) == {
        0: "cannot reach the store within the freshness limit: needs 45 min, limit 40 min"}
    with pytest.raises(SpecificationError, match=r"freshness_by_pickup_s: expected shape"):
        dataclasses.replace(problem, freshness_by_pickup_s=np.array([60]))
    with pytest.raises(SpecificationError, match=r"freshness_by_pickup_s: not > 0"):
        dataclasses.replace(problem, freshness_by_pickup_s=np.array([0, 60]))




def test_window_screening_reasons() -> None:
    closed = np.array([[0, 5 * MIN]])  # 10 min drive, closes at 5 min
    assert screen_pickups(_line([10], [1], time_window_s=closed)) == {
        0: "time window closes at 5 min into the shift, the drive from the store takes 10 min"}
    late = np.array([[475 * MIN, 480 * MIN]])  # opens at 475 min, back at 485 > 480
    assert screen_pickups(_line([10], [1], time_window_s=late)) == {
        0: "time window opens at 475 min into the shift, so a trip to it ends at 485 min, "
           "after the shift of 480 min"}
    # One windowed pickup: the idle search is still stopped by the plain branch budget.
    alone = _line([10], [1], time_window_s=np.array([[20 * MIN, 30 * MIN]]))
    result = solve_routing(alone)
    assert result.status == "success"
    assert [(t.start_s, t.arrival_s) for t in result.trips] == [(10 * MIN, (20 * MIN,))]
    with pytest.raises(SpecificationError, match="opens after it closes"):
        _line([10], [1], time_window_s=np.array([[60, 30]]))
