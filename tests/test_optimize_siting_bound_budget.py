"""The budget-knapsack bound: the DP's site choice against enumeration, the bound never
above the enumerated optimum, and at least the budget-relaxed bound at the same multipliers.
"""

from __future__ import annotations

import dataclasses
import itertools
import math

import numpy as np
import pytest

from optimize.siting.bound_budget import (
    BudgetUnits,
    budget_units,
    exact_selection,
    fits_budget,
    relax_budget,
    tighten,
)
from optimize.siting.lagrange_bound import LagrangeInstance, relax
from optimize.siting.problem import StoreTier
from tests.test_optimize_siting_lagrange_bound import (
    SMALL,
    ascend_with,
    binding_case,
    brute_force,
    instance_of,
    lp_bound,
    tiny,
)

LARGE = StoreTier("large", capacity_t=20.0, build_cost_yuan=8.0, subsidy_yuan=5.0)


def _enumerate(inst: LagrangeInstance, values: np.ndarray, units: BudgetUnits) -> float:
    """Least value over every tier-or-closed choice per site allowed by count and budget."""
    best = math.inf
    for tiers in itertools.product(range(-1, values.shape[1]), repeat=inst.n_sites):
        tier = np.array(tiers)
        opened = np.flatnonzero(tier >= 0)
        if len(opened) != inst.p if inst.exact else len(opened) > inst.p:
            continue
        if (inst.required & (tier < 0)).any() or (~inst.allowed & (tier >= 0)).any():
            continue
        if units.subsidy[tier[opened]].sum() > units.budget:
            continue
        best = min(best, float(values[opened, tier[opened]].sum()))
    return best


@pytest.mark.parametrize("seed", range(25))
def test_exact_selection_matches_enumeration(seed: int) -> None:
    rng = np.random.default_rng(seed)
    inst = instance_of(tiny(0, n_sites=6, n_stores=int(rng.integers(1, 5)),
                            tiers=(SMALL, StoreTier("b", 9.0, 3.0, 3.0), LARGE),
                            budget_yuan=float(rng.integers(2, 16)),
                            exact_store_count=bool(seed % 2)))
    inst.required[int(rng.integers(0, 6))] = seed % 3 == 0
    inst.allowed[int(rng.integers(0, 6))] = seed % 4 != 0
    units = budget_units(inst)
    assert units is not None and units.unit_yuan == 1
    values = np.round(rng.normal(-20, 15, (6, 3)), 1)
    expected = _enumerate(inst, values, units)
    value, open_tier = exact_selection(inst, values, units)
    assert value == pytest.approx(expected)
    if math.isfinite(expected):  # the choice returned is allowed and has that value
        opened = np.flatnonzero(open_tier >= 0)
        assert value == pytest.approx(float(values[opened, open_tier[opened]].sum()))
        assert units.subsidy[open_tier[opened]].sum() <= units.budget
        assert len(opened) == inst.p if inst.exact else len(opened) <= inst.p


def test_exact_selection_by_hand() -> None:
    # 2 stores from 4 sites (site 3 worth nothing); subsidies 1 (small) and 3 (big) yuan,
    # budget 4 yuan.
    # Big everywhere would be -30 - 28 = -58 for 6 yuan; within 4 yuan the best is one big
    # and one small: big0 + small2 = -30 - 15 = -45 (big1 + small2 = -43, big0 + small1 -42).
    inst = instance_of(tiny(0, n_stores=2))
    values = np.array([[-10.0, -30.0], [-12.0, -28.0], [-15.0, -16.0], [0.0, 0.0]])
    units = budget_units(inst)
    assert units is not None
    value, open_tier = exact_selection(inst, values, units)
    assert value == -45.0 and open_tier.tolist() == [1, -1, 0, -1]


def test_budget_units_round_down_and_decline() -> None:
    inst = instance_of(tiny(0, budget_yuan=4.0))
    units = budget_units(inst)
    assert units is not None and (units.unit_yuan, units.budget) == (1, 4)
    assert units.subsidy.tolist() == [1, 3]
    coarse = dataclasses.replace(inst, sub=np.array([105_000.0, 370_000.0]), budget=16e6 + 7)
    units = budget_units(coarse)
    assert units is not None and units.unit_yuan == 5000  # gcd of 105,000 and 370,000
    assert units.subsidy.tolist() == [21, 74] and units.budget == 3200
    huge = dataclasses.replace(inst, sub=np.array([1.0, 3.0]), budget=1e9)
    units = budget_units(huge)
    assert units is not None and units.budget <= 4000  # coarser units, rounded down
    assert units.unit_yuan == 250_000 and units.subsidy.tolist() == [0, 0]
    assert budget_units(dataclasses.replace(inst, budget=None)) is None
    grouped = dataclasses.replace(inst, gmin=np.array([1]), gmax=np.array([4]))
    assert budget_units(grouped) is None  # groups: the engine keeps the mu bound


@pytest.mark.parametrize("seed", range(8))
def test_budget_bound_is_valid_and_at_least_the_mu_bound(seed: int) -> None:
    inst = instance_of(tiny(seed))
    optimum = brute_force(inst)
    units = budget_units(inst)
    assert units is not None and math.isfinite(optimum)
    rng = np.random.default_rng(seed)
    lams = [rng.uniform(0, 1.5, inst.n) * inst.h for _ in range(30)]
    assert lams
    for lam in lams:
        strong = relax_budget(inst, lam, units).bound
        assert strong <= optimum + 1e-6 * abs(optimum)
        assert strong >= relax(inst, lam).bound - 1e-6 * abs(optimum)


def test_budget_bound_closes_on_the_binding_case() -> None:
    # the small copy of the 16 M yuan case: the LP buys a fraction of a 1,000 t store
    inst = instance_of(binding_case(0), penalty_s=3 * 1701.0)
    lp = lp_bound(inst)
    plain, lam = ascend_with(inst, 1.5 * lp, 1500)
    bound, rel, best_lam = tighten(inst, lam, np.zeros(inst.n), inst.h.copy(), 1.5 * lp)
    assert rel is not None and best_lam is not None
    assert plain <= lp + 1e-6 * abs(lp)
    assert bound > 1.2 * plain  # measured: 1.459 x the LP on seed 0


def test_tighten_skips_a_slack_budget() -> None:
    # 100 yuan buys two big stores: the relaxation's own choice fits, L_B = L, no DP run
    inst = instance_of(tiny(0, budget_yuan=100.0))
    lam = inst.h * 0.9
    assert relax(inst, lam).mu == 0.0
    assert tighten(inst, lam, np.zeros(inst.n), inst.h.copy(), 1e9) == (-np.inf, None, None)
    bound, rel, _ = tighten(dataclasses.replace(inst, budget=2.0), lam, np.zeros(inst.n),
                         inst.h.copy(), 1e9)  # two small stores only: the DP runs
    assert rel is not None and np.isfinite(bound)
    assert np.bincount(rel.open_tier[rel.open_tier >= 0], minlength=2).tolist() == [2, 0]


def test_coarse_units_may_overspend_and_fits_budget_says_so() -> None:
    # subsidies 105,000 / 315,000 / 370,000 yuan, budget 28 M: 5,600 units of the 5,000
    # yuan divisor are too many, so units of 10,000 yuan round 105,000 down to 10 units and
    # 315,000 to 31. 100 stores, 85 of 300 t: 85 x 315,000 + 15 x 105,000 = 28.35 M yuan,
    # over the budget, yet 85 x 31 + 15 x 10 = 2,785 <= 2,800 units; 83 of 300 t: 27.93 M.
    tiers = tuple(StoreTier(f"{c} t", float(c), 1.0, s) for c, s in
                  ((100, 105_000.0), (300, 315_000.0), (1000, 370_000.0)))
    inst = instance_of(tiny(0, n_sites=100, n_stores=100, tiers=tiers, budget_yuan=28e6))
    units = budget_units(inst)
    assert units is not None and units.unit_yuan == 10_000
    assert units.subsidy.tolist() == [10, 31, 37] and units.budget == 2_800
    fits = np.array([1] * 83 + [0] * 17)
    over = np.array([1] * 85 + [0] * 15)
    assert int(units.subsidy[over].sum()) <= units.budget  # the DP would allow it
    assert fits_budget(inst, fits) and not fits_budget(inst, over)
    assert fits_budget(inst, np.full(100, -1))
