"""The Lagrangian bound of split-demand siting: valid, and where it applies.

Hand case of ``tests/split_cases.py`` (optimum 60 yuan) and seeded 12 x 60 cases whose
optimum the exact MIP proves.
"""

from __future__ import annotations

import time

import numpy as np
import pytest

from optimize.siting.mip import prepare_split
from optimize.siting.mip_lagrange import (
    choose_open,
    fixed_of,
    lagrangian,
    lagrangian_applies,
    site_values,
)
from optimize.siting.problem import StoreTier
from optimize.siting.solve import solve_location
from tests.split_cases import split_problem


def test_site_values_by_hand_at_given_prices() -> None:
    data = prepare_split(split_problem())
    # prices 30 yuan per point: A gains d0 (20) and d1 (10) but holds 15 t: d0 fully (-20),
    # half of d1 (-5) -> v_A = -25; B: d2, d3 (-20 each), d1 costs 40 > 30 -> -40;
    # C (fixed 5): every cost is above 30, it takes nothing -> 5
    lam = np.full(4, 30.0)
    values, share = site_values(data, fixed_of(data), lam)
    assert values.tolist() == pytest.approx([-25.0, -40.0, 5.0])
    assert share[[0, 3]].tolist() == pytest.approx([1.0, 0.5])  # A: d0 all, d1 half
    value, opened = choose_open(values, fixed_of(data))
    # A and B (negative) cover 40 t: -65, C stays closed
    assert value == pytest.approx(-65.0) and opened.tolist() == [True, True, False]


def test_the_bound_is_below_the_hand_optimum_and_close_to_it() -> None:
    lr = lagrangian(prepare_split(split_problem()), time.perf_counter() + 10)
    assert lr.bound <= 60.0 + 1e-9
    assert lr.bound >= 60.0 * 0.95
    assert lr.kernel[:2].all()  # A and B are in the kernel
    assert lr.steps >= 1


@pytest.mark.parametrize("seed", [1, 2])
def test_the_bound_is_below_seeded_optima(seed: int) -> None:
    rng = np.random.default_rng(seed)
    site_xy, point_xy = rng.uniform(0, 100, (12, 2)), rng.uniform(0, 100, (60, 2))
    supply = rng.integers(5, 30, 60).astype(float)
    case = {"cost": np.round(np.linalg.norm(site_xy[:, None] - point_xy[None], axis=2)
                             * supply[None, :], 1),
            "supply_t": supply, "capacity_t": np.full(12, supply.sum() / 4.0),
            "fixed_yuan": rng.integers(500, 1500, 12).astype(float)}
    problem = split_problem(**case)
    exact = solve_location(problem)
    assert exact.status == "OPTIMAL"
    lr = lagrangian(prepare_split(problem), time.perf_counter() + 10)
    assert lr.bound <= exact.objective * (1 + 1e-9)
    assert lr.bound >= exact.objective * 0.9
    # warm start aimed at the optimum: still a valid bound, no worse than a fresh run's 90 %
    again = lagrangian(prepare_split(problem), time.perf_counter() + 10, exact.objective, lr)
    assert again.bound <= exact.objective * (1 + 1e-9)


def test_the_bound_applies_only_without_other_limits() -> None:
    assert lagrangian_applies(prepare_split(split_problem()))
    tier = StoreTier("any", 40.0, 0.0, 1.0)
    for changes in ({"budget_yuan": 2.0, "tiers": (tier,)},
                    {"n_stores": 2, "exact_store_count": True},
                    {"tiers": (tier, StoreTier("big", 80.0, 1.0, 1.0))}):
        assert not lagrangian_applies(prepare_split(split_problem(**changes)))
