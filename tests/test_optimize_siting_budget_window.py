"""HiGHS plan windows: a window holding the whole problem reaches the enumerated optimum;
on a budget-binding instance a window improves the engine's relaxation plan and keeps
the plan feasible (capacity, store count, budget)."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from optimize.siting.budget_window import (
    MIP_CAP_S,
    improve_window,
    mip_windows,
    window_cap_s,
    window_sites,
)
from optimize.siting.lagrange import lagrange_instance
from optimize.siting.lagrange_plans import ArcLists, build_plan, plan_value
from optimize.siting.problem import DEFAULT_WALL_SAFETY
from tests.test_optimize_siting_budget_exact import medium
from tests.test_optimize_siting_lagrange_bound import brute_force, instance_of, tiny


@pytest.mark.parametrize("seed", range(6))
def test_a_whole_window_reaches_the_enumerated_optimum(seed: int) -> None:
    inst = instance_of(tiny(seed))
    arcs = ArcLists(inst)
    optimum = brute_force(inst)
    assert math.isfinite(optimum)
    start = build_plan(inst, arcs, np.array([0, 0, -1, -1]))  # two small stores, 2 yuan
    value = plan_value(inst, start)
    assert value >= optimum - 1e-6
    work, best = improve_window(inst, arcs, start, 0, value)
    assert best == pytest.approx(optimum)  # 4 sites <= the window size: the whole problem
    assert best == pytest.approx(plan_value(inst, work))


def test_windows_improve_a_budget_binding_plan_and_keep_it_feasible() -> None:
    inst = lagrange_instance(medium(0))
    arcs = ArcLists(inst)
    # six 100 t stores at the first six sites: within 0.9 M yuan, far from the optimum
    tier = np.full(inst.n_sites, -1)
    tier[:6] = 0
    start = build_plan(inst, arcs, tier)
    value = plan_value(inst, start)
    work, best, count = mip_windows(inst, arcs, start, value, 6.0, math.inf)
    assert count == 1  # 6 s of budget: one window (it holds all 9 sites)
    # measured: 5,808,283 -> 1,705,435 t*s (model units / 100), the optimum's sites and
    # tiers; the proven optimum (test_optimize_siting_budget_exact) is 1,668,794.72
    assert best < 0.5 * value
    assert best >= 166_879_472 - 1
    assert best == pytest.approx(plan_value(inst, work))
    opened = np.flatnonzero(work.tier >= 0)
    assert len(opened) == inst.p
    assert inst.budget is not None and inst.sub[work.tier[opened]].sum() <= inst.budget
    assert min(work.room) >= 0  # no store over its capacity


def test_window_sites_are_the_centre_and_its_neighbours() -> None:
    inst = lagrange_instance(medium(0))
    arcs = ArcLists(inst)
    tier = np.full(inst.n_sites, -1)
    tier[:6] = 0
    work = build_plan(inst, arcs, tier)
    assert window_sites(inst, arcs, work, 3).tolist() == list(range(9))  # 9 <= 16: all
    small = window_sites(inst, arcs, work, 3, size=4)
    # the centre, then sites in reach of the first point it serves, nearest first
    point = min(work.members[3])
    reach = arcs.site[arcs.ptr[point]: arcs.ptr[point + 1]].tolist()
    assert small[0] == 3 and 2 <= len(small) <= 4 and len(set(small.tolist())) == len(small)
    assert [j for j in reach if j != 3][: len(small) - 1] == small[1:].tolist()


def test_the_window_cap_grows_with_the_wall_safety_only_above_the_default() -> None:
    problem = medium(0)
    assert window_cap_s(lagrange_instance(problem)) == MIP_CAP_S
    low = dataclasses.replace(problem, wall_safety=1.5)
    assert window_cap_s(lagrange_instance(low)) == MIP_CAP_S
    high = dataclasses.replace(problem, wall_safety=6.0 * DEFAULT_WALL_SAFETY)
    assert window_cap_s(lagrange_instance(high)) == pytest.approx(6.0 * MIP_CAP_S)
