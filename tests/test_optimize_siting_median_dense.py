"""Full-evaluation interchange on coordinates against hand-checked and brute-force plans."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from optimize.siting.median_dense import (
    DenseState,
    improve,
    local_round,
    multistart,
    seed_medians,
)
from optimize.siting.median_points import PointCosts
from tests.dense_cases import LINE, full_value, state_of


def test_eight_points_on_a_line_two_medians_reach_the_optimum_by_hand() -> None:
    # groups {0,1,2,3} and {10,..,13}: a median at 1 or 2 costs 1+0+1+2 = 4 per group, so 8;
    # the start (0 and 3, both in the left group) costs 0+1+1+0 + 7+8+9+10 = 36
    state = state_of(LINE, [0, 3])
    assert state.value() == 36
    rounds, _ = improve(state, np.ones(8, dtype=bool), np.random.default_rng(0), 1e6)
    assert state.value() == 8 and rounds >= 1
    left, right = sorted(state.med.tolist())
    assert left in (1, 2) and right in (5, 6)  # points 11 and 12


def test_nearest_and_second_nearest_are_kept_after_swaps() -> None:
    xy = np.random.default_rng(3).integers(0, 50, size=(40, 2)).astype(float)
    state = state_of(xy, [0, 1, 2, 3])
    for site, slot in ((10, 0), (20, 3), (30, 1)):
        state.swap(site, slot)
    fresh = state_of(xy, state.med.tolist())
    assert np.array_equal(state.d1, fresh.d1) and np.array_equal(state.d2, fresh.d2)
    assert state.value() == full_value(xy, state.med)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_best_swap_profit_is_the_exact_change_of_the_best_swap(seed: int) -> None:
    xy = np.random.default_rng(seed).integers(0, 60, size=(30, 2)).astype(float)
    state = state_of(xy, [0, 1, 2])
    closed = np.setdiff1d(np.arange(30), state.med)
    profit, site, slot = state.best_swap(closed)
    before = full_value(xy, state.med)
    changes = {}
    for f, r in itertools.product(closed.tolist(), range(3)):
        med = state.med.copy()
        med[r] = f
        changes[(f, r)] = before - full_value(xy, med)
    assert changes  # every swap priced
    assert profit == pytest.approx(max(changes.values()))
    assert changes[(site, slot)] == pytest.approx(profit)


def test_a_required_median_never_closes() -> None:
    costs = PointCosts(LINE, LINE, np.ones(8))
    closable = np.ones(8, dtype=bool)
    closable[3] = False  # the median at x = 3 is required
    state = DenseState(costs, np.array([0, 3]), closable)
    improve(state, np.ones(8, dtype=bool), np.random.default_rng(0), 1e6)
    assert 3 in state.med.tolist()
    # 3 stays: best is the other median at 11 or 12: left 3+2+1+0 = 6, right 4 -> 10
    assert state.value() == 10


def test_the_search_is_deterministic_for_a_seed_and_stops_at_its_budget() -> None:
    xy = np.random.default_rng(7).integers(0, 200, size=(300, 2)).astype(float)
    runs = []
    for _ in range(2):
        state = state_of(xy, list(range(6)))
        improve(state, np.ones(300, dtype=bool), np.random.default_rng(5), 2e6)
        runs.append(state.med.copy())
        assert 2e6 <= state.costs.work < 2e6 + 300 * 300 + 50_000  # one visit past at most
    assert np.array_equal(runs[0], runs[1])
    start = state_of(xy, list(range(6)))
    assert full_value(xy, runs[0]) < start.value()
    assert local_round(state_of(xy, runs[0].tolist()), np.ones(300, dtype=bool),
                       np.random.default_rng(0), 0.0) == 0  # no budget: nothing done


def test_multistart_from_a_poor_plan_finds_the_clusters_and_never_worsens() -> None:
    rng = np.random.default_rng(6)
    centres = np.array([[0, 0], [200, 0], [0, 200]])
    xy = np.concatenate([c + rng.integers(0, 10, size=(8, 2)) for c in centres]).astype(float)
    state = state_of(xy, [0, 1, 2])  # all three medians in the first cluster
    start = state.value()
    starts = multistart(state, np.ones(24, dtype=bool), np.random.default_rng(0), 2e5, 4e5,
                        sample=24)
    best = min(full_value(xy, np.array(c)) for c in itertools.combinations(range(24), 3))
    assert starts >= 1 and state.value() == best < start
    again = multistart(state, np.ones(24, dtype=bool), np.random.default_rng(1),
                       state.costs.work + 1e5, state.costs.work + 2e5, sample=12)
    assert again >= 1 and state.value() == best  # a worse sample plan is not taken


def test_seeds_keep_the_required_sites_and_open_p_distinct_allowed_ones() -> None:
    costs = PointCosts(LINE, LINE, np.ones(8))
    required = np.zeros(8, dtype=bool)
    required[4] = True
    allowed = np.ones(8, dtype=bool)
    allowed[[0, 7]] = False
    seeds = seed_medians(costs, 3, required, allowed, np.random.default_rng(2))
    assert len(seeds) == 3 and len(set(seeds.tolist())) == 3 and seeds[0] == 4
    assert allowed[seeds].all()


@pytest.mark.parametrize("seed", range(6))
def test_near_pricing_gives_the_same_best_swap_as_pricing_on_every_point(seed: int) -> None:
    rng = np.random.default_rng(seed)
    xy = rng.integers(0, 300, size=(400, 2)).astype(float)
    q = rng.integers(0, 4, size=400).astype(float)  # weights, some points without supply
    state = DenseState(PointCosts(xy, xy, q), rng.choice(400, 8, replace=False),
                       np.ones(400, dtype=bool))
    closed = np.setdiff1d(np.arange(400), state.med)
    sites = closed[np.hypot(*(xy[closed] - xy[seed]).T) < 60]  # candidates close together
    assert sites.size
    reached = state.reached(sites)
    assert 0 < len(reached) < 400  # fewer points priced ...
    assert state.best_swap(sites, near=True) == state.best_swap(sites)  # ... same answer


def test_reached_keeps_the_points_a_site_can_change_and_drops_the_far_ones() -> None:
    # medians at x = 0, 1000, 1001; a site at x = 1: point 0 (d2 = 1000) and point 1
    # (d1 = 1, d2 = 999) can change; points 2 and 3 serve each other (d2 = 1) and are
    # 999-1000 away, past d2 + 2
    far = np.array([[0.0, 0.0], [1.0, 0.0], [1000.0, 0.0], [1001.0, 0.0]])
    state = state_of(far, [0, 2, 3])
    assert state.reached(np.array([1])).tolist() == [0, 1]
    # on the line with medians at x = 0 and 13 every point is within d2 + 2 of x = 10
    assert state_of(LINE, [0, 7]).reached(np.array([4])).tolist() == list(range(8))
