"""A split-demand plan as a LocationResult: largest share, loads, points without supply.

Hand case of ``tests/split_cases.py`` (A and B open, d1 half at each, 60 yuan) plus, in the
second test, a point d4 without supply.
"""

from __future__ import annotations

import numpy as np
import pytest

from optimize.siting.solve import solve_location
from tests.split_cases import HAND_COST, HAND_SUPPLY_T, split_problem


def test_the_split_point_is_assigned_to_the_lower_arc_of_its_equal_shares() -> None:
    result = solve_location(split_problem(arc_time_s=np.arange(12.0)))
    # d1 is split 0.5 / 0.5: its main arc is the lower index (arc 3, site A, 3 s)
    assert result.assignment.tolist() == [0, 0, 1, 1]
    assert result.access_time_s.tolist() == [0, 3, 7, 10]
    # supply x share x time: d0 10 x 0, d1 5 x 3 + 5 x 4, d2 10 x 7, d3 10 x 10
    assert result.weighted_time == pytest.approx(0 + 15 + 20 + 70 + 100)
    assert result.covered_supply_t == pytest.approx(40.0)
    assert result.unserved_reason == (None,) * 4


def test_a_point_without_supply_is_left_out_of_the_plan() -> None:
    cost = np.hstack([HAND_COST, np.array([[1.0], [1.0], [1.0]])])
    supply = np.append(HAND_SUPPLY_T, 0.0)
    result = solve_location(split_problem(cost=cost, supply_t=supply))
    assert result.objective == pytest.approx(60.0, abs=1e-6)
    assert result.assignment.tolist() == [0, 0, 1, 1, -1]
    assert result.unserved_reason[4] is None  # nothing to store, not unserved
    assert result.arc_fraction is not None
    assert result.arc_fraction[12:].tolist() == [0.0, 0.0, 0.0]
