"""The Lagrangian siting engine against brute force and CP-SAT on small instances.

Brute force enumerates every tier per site and every single-source assignment of
instances with at most 6 villages and 4 sites, with this engine's objective: supply
(0.01 t, rounded up) x seconds, plus ``q_i * w_i * F * (T + 1)`` per unserved point that
has an arc, for 'coverage_then_time' (``T`` the longest arc time, ``F`` the engine's
``COVERAGE_FACTOR``).
"""

from __future__ import annotations

import dataclasses
import itertools
import math

import numpy as np
import pytest

import optimize.siting.lagrange as lagrange
from optimize.errors import InfeasibleError, SpecificationError
from optimize.siting.cpsat import solve_cpsat
from optimize.siting.lagrange import solve_location_lagrange
from optimize.siting.problem import (
    REASON_FULL,
    REASON_NO_SITE,
    REASON_NO_STORE,
    LocationProblem,
    LocationResult,
    StoreTier,
)

SMALL = StoreTier("small", capacity_t=5.0, build_cost_yuan=1.0, subsidy_yuan=1.0)
BIG = StoreTier("big", capacity_t=9.0, build_cost_yuan=3.0, subsidy_yuan=3.0)


@pytest.fixture(autouse=True)
def exact_target(monkeypatch: pytest.MonkeyPatch) -> None:
    """Search until the gap closes (the default stops at 0.5 %), so optima can be asserted."""
    monkeypatch.setattr(lagrange, "TARGET_GAP_PCT", 0.0)


def tiny(seed: int, **changes: object) -> LocationProblem:
    """5-6 villages, 4 sites, sparse arcs, two tiers; supply and times random."""
    rng = np.random.default_rng(seed)
    n = 5 + seed % 2
    times = rng.integers(5, 90, size=(n, 4))
    keep = rng.random((n, 4)) < 0.75
    keep[np.arange(n), rng.integers(0, 4, n)] = True  # every village has an arc
    demand, site = np.nonzero(keep)
    problem = LocationProblem(
        supply_t=np.round(rng.uniform(1.0, 4.0, n), 2),
        weight=np.where(rng.random(n) < 0.4, 2.0, 1.0),
        arc_demand=demand,
        arc_site=site,
        arc_time_s=times[demand, site],
        n_sites=4,
        tiers=(SMALL, BIG),
        n_stores=2,
        objective="time",
        time_limit_s=20.0,
    )
    return dataclasses.replace(problem, **changes)  # type: ignore[arg-type]


def brute_force(problem: LocationProblem) -> float:
    """Optimum of the engine's objective (t*s), by enumeration; inf if infeasible."""
    q = np.ceil(np.asarray(problem.supply_t) * 100 - 1e-9)
    top = (float(np.max(problem.arc_time_s)) + 1.0) * lagrange.COVERAGE_FACTOR
    options: list[list[tuple[int, float]]] = [[] for _ in q]
    for i, j, t in zip(problem.arc_demand, problem.arc_site, problem.arc_time_s, strict=True):
        options[int(i)].append((int(j), float(t)))
    if problem.objective == "coverage_then_time":
        for i, w in enumerate(problem.weight):
            penalty = (w if w > 0 else 1.0) * top if options[i] else 0.0  # no arc: constant
            options[i].append((-1, penalty))  # unserved
    best = math.inf
    tier_choices = range(-1, len(problem.tiers))
    for tiers in itertools.product(tier_choices, repeat=problem.n_sites):
        opened = [j for j, k in enumerate(tiers) if k >= 0]
        if len(opened) != problem.n_stores if problem.exact_store_count else \
                len(opened) > problem.n_stores:
            continue
        if any(tiers[j] < 0 for j in problem.required_sites) or any(
                tiers[j] >= 0 for j in problem.excluded_sites):
            continue
        spent = sum(problem.tiers[k].subsidy_yuan for k in tiers if k >= 0)
        if problem.budget_yuan is not None and spent > problem.budget_yuan:
            continue
        if problem.site_group is not None and not _groups_ok(problem, opened):
            continue
        for choice in itertools.product(*options):
            load = np.zeros(problem.n_sites)
            cost = 0.0
            ok = True
            for i, (j, t) in enumerate(choice):
                if j >= 0 and tiers[j] < 0:
                    ok = False
                    break
                if j >= 0:
                    load[j] += q[i]
                cost += q[i] * t
            caps = [problem.tiers[k].capacity_t * 100 if k >= 0 else 0 for k in tiers]
            if ok and all(load[j] <= caps[j] + 1e-9 for j in range(problem.n_sites)):
                best = min(best, cost / 100)
    return best


def _groups_ok(problem: LocationProblem, opened: list[int]) -> bool:
    group = np.asarray(problem.site_group)
    for g, (low, high) in enumerate(zip(problem.group_min, problem.group_max, strict=True)):
        count = sum(1 for j in opened if group[j] == g)
        if count < low or (high is not None and count > high):
            return False
    return True


def check_plan(problem: LocationProblem, result: LocationResult) -> None:
    """Every constraint of the plan, recomputed from the problem; bound below objective."""
    assert result.bound <= result.objective + 1e-6 * max(1.0, abs(result.objective))
    assert result.gap_pct >= 0.0
    opened = result.open_sites.tolist()
    tiers = [problem.tiers[k] for k in result.site_tier]
    if problem.exact_store_count:
        assert len(opened) == problem.n_stores
    else:
        assert len(opened) <= problem.n_stores
    assert set(problem.required_sites) <= set(opened)
    assert not set(problem.excluded_sites) & set(opened)
    if problem.budget_yuan is not None:
        assert sum(t.subsidy_yuan for t in tiers) <= problem.budget_yuan + 1e-6
    if problem.site_group is not None:
        assert _groups_ok(problem, opened)
    arcs = {(int(i), int(j)): float(t) for i, j, t in
            zip(problem.arc_demand, problem.arc_site, problem.arc_time_s, strict=True)}
    load = dict.fromkeys(opened, 0.0)
    for i, j in enumerate(result.assignment.tolist()):
        if j >= 0:
            assert (i, j) in arcs and j in load
            load[j] += float(problem.supply_t[i])
    for j, tier in zip(opened, tiers, strict=True):
        assert load[j] <= tier.capacity_t + 1e-9
    np.testing.assert_allclose(result.load_t, [load[j] for j in opened])


@pytest.mark.parametrize("seed", range(6))
def test_time_objective_matches_brute_force(seed: int) -> None:
    problem = tiny(seed)
    expected = brute_force(problem)
    result = solve_location_lagrange(problem)
    check_plan(problem, result)
    assert result.objective == pytest.approx(expected, rel=1e-9)
    assert result.bound <= expected + 1e-9
    # the LNS window holds all 4 sites and every arc, CP-SAT proves it: bound = optimum
    assert result.status == "OPTIMAL" and result.gap_pct == 0.0
    assert result.covered_supply_t == pytest.approx(float(np.sum(problem.supply_t)))


@pytest.mark.parametrize("seed", range(4))
def test_coverage_with_budget_and_groups_matches_brute_force(seed: int) -> None:
    # three villages more than two small stores hold; budget 4 = one big + one small store
    problem = tiny(seed, objective="coverage_then_time", budget_yuan=4.0,
                   supply_t=np.round(np.random.default_rng(seed).uniform(2.0, 4.0, 5 + seed % 2),
                                     2),
                   site_group=np.array([0, 0, 1, 1]), group_names=("A", "B"),
                   group_min=(1, 0), group_max=(None, 1))
    expected = brute_force(problem)
    result = solve_location_lagrange(problem)
    check_plan(problem, result)
    assert result.objective == pytest.approx(expected, rel=1e-9)


def test_agrees_with_cpsat_on_the_time_objective() -> None:
    """40 villages, 10 sites, 4 stores, capacity binding: both engines prove the optimum."""
    rng = np.random.default_rng(11)
    village, site = rng.uniform(0, 20_000, (40, 2)), rng.uniform(0, 20_000, (10, 2))
    time_s = np.rint(np.linalg.norm(village[:, None] - site[None], axis=2) / 10).astype(int)
    demand, near = np.nonzero(time_s <= 1_200)
    problem = LocationProblem(
        supply_t=np.round(rng.uniform(5, 20, 40), 2), weight=np.ones(40), arc_demand=demand,
        arc_site=near, arc_time_s=time_s[demand, near], n_sites=10,
        tiers=(StoreTier("150 t", 150, 1.0, 1.0), StoreTier("200 t", 200, 2.0, 2.0)),
        n_stores=4, budget_yuan=6.0, objective="time", time_limit_s=20.0,
    )
    exact = solve_cpsat(problem)
    assert exact.status == "OPTIMAL"
    result = solve_location_lagrange(problem)
    check_plan(problem, result)
    assert result.objective == pytest.approx(exact.objective, rel=1e-9)
    assert result.bound == pytest.approx(exact.objective, rel=1e-9)  # 10 sites: one window
    assert result.status == "OPTIMAL"


def test_unserved_reasons() -> None:
    # d0 has no arc; d1 reaches only s1 (never opened: excluded); d2, d3 compete for s0,
    # which holds 5 t: d3 (weight 2, 3 t) is kept, d2 (weight 1, 4 t) is left out
    problem = LocationProblem(
        supply_t=np.array([1.0, 2.0, 4.0, 3.0]), weight=np.array([1.0, 1.0, 1.0, 2.0]),
        arc_demand=np.array([1, 2, 3]), arc_site=np.array([1, 0, 0]),
        arc_time_s=np.array([10, 20, 30]), n_sites=2, tiers=(SMALL,), n_stores=1,
        excluded_sites=(1,), objective="coverage_then_time", time_limit_s=10.0,
    )
    result = solve_location_lagrange(problem)
    assert result.assignment.tolist() == [-1, -1, -1, 0]
    assert result.unserved_reason == (REASON_NO_SITE, REASON_NO_STORE, REASON_FULL, None)
    assert result.covered_supply_t == 3.0
    assert result.weighted_time == 90.0
    # objective: 3 t x 30 s + unserved d2 (4 t) x weight 1 x F x (30 + 1) s; d0 and d1
    # have no arc to a site that may open, so they are unserved in every plan (constant 0)
    assert lagrange.COVERAGE_FACTOR == 3.0
    assert result.objective == pytest.approx(90.0 + 4 * 3 * 31.0)
    assert result.status == "OPTIMAL"


def test_required_and_excluded_sites() -> None:
    problem = tiny(0, required_sites=(3,), excluded_sites=(0,))
    result = solve_location_lagrange(problem)
    check_plan(problem, result)
    assert result.objective == pytest.approx(brute_force(problem), rel=1e-9)


def test_same_seed_same_plan(monkeypatch: pytest.MonkeyPatch) -> None:
    """A run that ends by its counts (steps, windows) gives the same plan every time."""
    monkeypatch.setattr(lagrange, "MAX_STEPS", 100)
    monkeypatch.setattr(lagrange, "LNS_WINDOWS", 6)
    rng = np.random.default_rng(5)
    village, site = rng.uniform(0, 30_000, (120, 2)), rng.uniform(0, 30_000, (20, 2))
    time_s = np.rint(np.linalg.norm(village[:, None] - site[None], axis=2) / 10).astype(int)
    demand, near = np.nonzero(time_s <= 1_500)
    problem = LocationProblem(
        supply_t=rng.uniform(5, 30, 120), weight=np.where(rng.random(120) < 0.3, 2.0, 1.0),
        arc_demand=demand, arc_site=near, arc_time_s=time_s[demand, near], n_sites=20,
        tiers=(StoreTier("200 t", 200, 6e5, 3e5), StoreTier("500 t", 500, 1.5e6, 8e5)),
        n_stores=6, budget_yuan=3.0e6, time_limit_s=100.0, seed=3,
    )
    first, second = (solve_location_lagrange(problem) for _ in range(2))
    check_plan(problem, first)
    assert first.assignment.tolist() == second.assignment.tolist()
    assert first.site_tier.tolist() == second.site_tier.tolist()
    assert first.objective == second.objective and first.bound == second.bound
    assert first.time_s < 100.0  # ended by its counts or the gap, not by the clock


def test_cost_objective_is_not_supported() -> None:
    with pytest.raises(SpecificationError, match="'cost' is not supported"):
        solve_location_lagrange(tiny(0, objective="cost"))


def test_time_objective_without_room_is_infeasible() -> None:
    # 2 stores x 5 t hold 10 t >= 9 t in all, but the three villages reach only s0 (5 t)
    problem = LocationProblem(
        supply_t=np.full(3, 3.0), weight=np.ones(3), arc_demand=np.array([0, 1, 2]),
        arc_site=np.zeros(3, dtype=np.int64), arc_time_s=np.array([10, 20, 30]), n_sites=2,
        tiers=(SMALL,), n_stores=2, objective="time", time_limit_s=10.0,
    )
    with pytest.raises(InfeasibleError, match="no plan serving every demand point"):
        solve_location_lagrange(problem)
