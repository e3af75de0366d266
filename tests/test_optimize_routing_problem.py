"""Tests of optimize.routing.problem: validation on construction, frozen arrays.

Line instances (tests/routing_cases.py): store and pickups on a line measured in minutes
of driving at 60 km/h, so one minute is 60 s and 1,000 m.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from optimize.errors import SpecificationError
from optimize.routing.problem import OPTIONAL_FEATURES, kg_down, kg_up
from tests.routing_cases import line_problem

_line = line_problem


def test_invalid_problems_name_every_culprit() -> None:
    with pytest.raises(SpecificationError) as err:
        _line([10, 20], [1, 1], time_s=np.zeros((3, 2), dtype=np.int64), n_trucks=-1,
              truck_capacity_t=0.0)
    reasons = err.value.reasons
    assert any(r.startswith("time_s: expected shape (3, 3)") for r in reasons)
    assert any(r.startswith("n_trucks:") for r in reasons)
    assert any(r.startswith("truck_capacity_t:") for r in reasons)

    negative = np.array([[0, 60, 120], [60, 0, -5], [120, 60, 0]])
    with pytest.raises(SpecificationError, match=r"time_s: negative: time_s\[1, 2\] = -5"):
        _line([1, 2], [1, 1], time_s=negative)
    with pytest.raises(SpecificationError, match=r"distance_m: not a whole number"):
        _line([1, 2], [1, 1], distance_m=np.full((3, 3), 0.5))
    with pytest.raises(SpecificationError, match=r"pickup_t: not finite"):
        _line([1, 2], [1, float("nan")])
    with pytest.raises(SpecificationError, match=r"service_s: expected shape \(2,\)"):
        _line([1, 2], [1, 1], service_s=np.zeros(3, dtype=np.int64))
    with pytest.raises(SpecificationError, match="trips_per_truck"):
        _line([1], [1], trips_per_truck=0)


def test_problem_arrays_are_read_only_copies() -> None:
    loads = np.array([1.0, 1.0])
    problem = _line([10, 20], list(loads))
    with pytest.raises(ValueError):
        problem.pickup_t[0] = 5.0
    assert problem.time_s.dtype == np.int64


def test_wall_safety_is_a_checked_field() -> None:
    problem = _line([10], [1])
    assert problem.wall_safety == 3.0
    assert dataclasses.replace(problem, wall_safety=10.0).wall_safety == 10.0
    for bad in (0.0, -1.0, float("inf")):
        with pytest.raises(SpecificationError, match="wall_safety: expected a factor > 0"):
            dataclasses.replace(problem, wall_safety=bad)


def test_optional_features_and_whole_kilograms() -> None:
    problem = _line([10, 20], [1, 1])
    assert problem.optional_features == []
    windowed = dataclasses.replace(problem, time_window_s=np.array([[0, 60], [0, 60]]),
                                   delivery_t=np.array([0.5, 0.5]))
    assert windowed.optional_features == ["time_window_s", "delivery_t"]
    assert set(OPTIONAL_FEATURES) == {"trucks", "time_window_s", "delivery_t"}
    assert (kg_up(1.0001), kg_down(1.0001)) == (1001, 1000)
    assert (kg_up(0.3 + 0.6), kg_down(0.3 + 0.6)) == (900, 900)
