"""The split-demand MIP's side constraints, on the hand case of ``tests/split_cases.py``.

Costs (all of a point's 10 t), capacities 15 / 25 / 100 t, fixed 0 / 0 / 5 yuan::

            d0   d1   d2   d3
    A       10   20  100  100
    B      100   40   10   10
    C       60   35   60   60

Free optimum: A and B, d1 split, 60 yuan. Each test below changes one thing.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.optimize import linprog

from optimize.siting.mip import prepare_split, solve_mip
from optimize.siting.problem import StoreTier
from optimize.siting.solve import solve_location
from tests.split_cases import (
    HAND_CAPACITY_T,
    HAND_COST,
    HAND_FIXED_YUAN,
    HAND_SUPPLY_T,
    brute_force_yuan,
    split_problem,
)


def test_a_required_site_opens_even_unused() -> None:
    # C must open (+5) and then takes d1's second half (3.5 yuan/t against B's 4):
    # 5 + d0 10 + d1 (5 t at A 10, 5 t at C 17.5) + d2, d3 20 = 62.5
    result = solve_location(split_problem(required_sites=(2,)))
    assert result.objective == pytest.approx(62.5, abs=1e-6)
    assert result.open_sites.tolist() == [0, 1, 2]
    assert result.arc_fraction is not None
    assert result.arc_fraction[3:6].tolist() == pytest.approx([0.5, 0.0, 0.5], abs=1e-9)


def test_exactly_one_store_must_be_c() -> None:
    # only C holds 40 t: 5 + 60 + 35 + 60 + 60
    result = solve_location(split_problem(n_stores=1, exact_store_count=True))
    assert result.objective == pytest.approx(220.0, abs=1e-6)
    assert result.open_sites.tolist() == [2]


def test_budget_buys_one_store_only() -> None:
    tier = StoreTier("any", 40.0, 0.0, subsidy_yuan=1.0)
    assert solve_location(split_problem(tiers=(tier,), budget_yuan=2.0)).objective == \
        pytest.approx(60.0, abs=1e-6)
    one = solve_location(split_problem(tiers=(tier,), budget_yuan=1.5))
    assert one.objective == pytest.approx(220.0, abs=1e-6)


def test_a_county_maximum_keeps_a_and_b_apart() -> None:
    # A and B in one county with at most one store: B + C is best (brute force over B, C):
    # B takes d2, d3 (20); half of d1 at B and half at C (20 + 17.5) loses to all of d1 at
    # C (35); C also takes d0 (60): 5 + 20 + 35 + 60 = 120
    problem = split_problem(site_group=np.array([0, 0, -1]), group_min=(0,), group_max=(1,),
                            group_names=("AB",))
    result = solve_location(problem)
    expected = brute_force_yuan(HAND_COST[1:], HAND_CAPACITY_T[1:], HAND_FIXED_YUAN[1:],
                                HAND_SUPPLY_T)
    assert expected == pytest.approx(120.0)
    assert result.objective == pytest.approx(120.0, abs=1e-6)
    assert result.open_sites.tolist() == [1, 2]


def _tier_brute_force(tiers: tuple[StoreTier, ...], site_cap: np.ndarray) -> float:
    """Every site closed or with one tier; the transportation LP of each choice."""
    best = np.inf
    n_sites, n_points = HAND_COST.shape
    for choice in itertools.product(range(-1, len(tiers)), repeat=n_sites):
        opened = [j for j in range(n_sites) if choice[j] >= 0]
        if not opened:
            continue
        cap = [min(tiers[choice[j]].capacity_t, site_cap[j]) for j in opened]
        fixed = sum(HAND_FIXED_YUAN[j] + tiers[choice[j]].build_cost_yuan for j in opened)
        a_eq = np.tile(np.eye(n_points), len(opened))
        a_ub = np.kron(np.eye(len(opened)), HAND_SUPPLY_T[None, :])
        lp = linprog(HAND_COST[opened].ravel(), A_ub=a_ub, b_ub=cap, A_eq=a_eq,
                     b_eq=np.ones(n_points), bounds=(0, 1), method="highs")
        if lp.status == 0:
            best = min(best, lp.fun + fixed)
    return float(best)


def test_tiers_with_site_capacities_match_brute_force() -> None:
    tiers = (StoreTier("small", 12.0, 0.0, 0.0), StoreTier("large", 30.0, 8.0, 0.0))
    site_cap = np.array([15.0, 25.0, 100.0])
    result = solve_location(split_problem(tiers=tiers, site_capacity_t=site_cap))
    expected = _tier_brute_force(tiers, site_cap)
    assert result.objective == pytest.approx(expected, abs=1e-6)
    opened = result.open_sites
    capacity = np.minimum([tiers[k].capacity_t for k in result.site_tier], site_cap[opened])
    assert np.all(result.load_t <= capacity + 1e-9)
    assert len(result.site_tier) == len(opened) >= 2


def test_a_restricted_model_bounds_nothing_and_keeps_its_plan_feasible() -> None:
    data = prepare_split(split_problem())
    # sites A and C only (B closed), every arc into them
    arcs = np.flatnonzero(np.isin(data.a_site, [0, 2]))
    plan = solve_mip(data, arcs, np.array([0, 2]), deadline=0.0)
    assert plan is not None and not plan.exact
    # A: d0 + 5 t of d1 (10 + 10); C: 5 t of d1, d2, d3 (17.5 + 120); fixed 5
    assert plan.objective == pytest.approx(162.5, abs=1e-6)
    full = solve_mip(data, np.arange(len(data.a_cost)), np.arange(3), deadline=0.0)
    assert full is not None and full.exact and full.objective == pytest.approx(60.0)
