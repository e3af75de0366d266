"""Cooper's alternate and parts re-solved in turn, against hand-checked and brute-force plans."""

from __future__ import annotations

import itertools
import math

import numpy as np

from optimize.siting.dense_parts import (
    SiteIndex,
    alternate,
    cluster_median,
    part_size,
    solve_parts,
)
from optimize.siting.median_dense import DenseState, weber_point
from optimize.siting.median_points import PointCosts
from tests.dense_cases import LINE, full_value, state_of


def test_weber_point_of_three_points_on_a_line_is_the_middle_one() -> None:
    xy = np.array([[0.0, 0.0], [4.0, 0.0], [10.0, 0.0]])
    at = weber_point(xy, np.ones(3), np.array([9.0, 3.0]))
    assert np.hypot(*(at - [4.0, 0.0])) < 0.5  # the 1-median of 0, 4, 10 is 4


def test_alternate_on_a_line_moves_each_median_to_its_group_centre_by_hand() -> None:
    # medians at x = 0 and 10 (points 0 and 4); groups {0..3} and {10..13}: the median of
    # each group is at 1 or 2 (cost 1+0+1+2 = 4) and 11 or 12: 8 in all, from 6 + 6 = 12
    state = state_of(LINE, [0, 4])
    assert state.value() == 12
    moved = alternate(state, SiteIndex(LINE, np.ones(8, dtype=bool)), math.inf)
    assert moved == 1 and state.value() == 8 == full_value(LINE, state.med)
    left, right = sorted(state.med.tolist())
    assert left in (1, 2) and right in (5, 6)
    assert alternate(state, SiteIndex(LINE, np.ones(8, dtype=bool)), math.inf) == 0


def test_alternate_keeps_a_required_median_and_never_worsens() -> None:
    xy = np.random.default_rng(2).integers(0, 100, size=(60, 2)).astype(float)
    closable = np.ones(60, dtype=bool)
    closable[5] = False
    state = DenseState(PointCosts(xy, xy, np.ones(60)), np.array([5, 6, 7]), closable)
    before = state.value()
    alternate(state, SiteIndex(xy, np.ones(60, dtype=bool)), math.inf)
    assert state.med[0] == 5 and state.value() <= before
    assert state.value() == full_value(xy, state.med)
    assert cluster_median(state, 0, np.flatnonzero(state.c1 == 0),
                          SiteIndex(xy, np.ones(60, dtype=bool))) == 5


def test_part_size_follows_the_points_per_median_within_its_limits() -> None:
    assert part_size(24_978, 500) == 16  # 1000 x 500 / 24,978 = 20, capped
    assert part_size(24_978, 250) == 10
    assert part_size(13_509, 100) == 7  # 7.4
    assert part_size(100_000, 10) == 3  # at least 3 ...
    assert part_size(100, 2) == 2  # ... but never more than p


def test_solve_parts_on_clusters_matches_brute_force_and_never_worsens() -> None:
    rng = np.random.default_rng(4)
    centres = np.array([[0, 0], [100, 0], [0, 100], [100, 100]])
    xy = np.concatenate([c + rng.integers(0, 12, size=(6, 2)) for c in centres]).astype(float)
    state = state_of(xy, [0, 1, 6, 12])  # two medians in the first cluster, none in the last
    solved, kept = solve_parts(state, np.ones(24, dtype=bool), np.random.default_rng(0), 2e6)
    best = min(full_value(xy, np.array(c)) for c in itertools.combinations(range(24), 4))
    assert solved >= 1 and kept >= 1
    assert state.value() == best == full_value(xy, state.med)
    again = state.value()
    solve_parts(state, np.ones(24, dtype=bool), np.random.default_rng(1),
                state.costs.work + 1e6)
    assert state.value() == again  # nothing cheaper: never a worse plan


def test_solve_parts_is_deterministic_and_stops_at_its_budget() -> None:
    xy = np.random.default_rng(7).integers(0, 300, size=(400, 2)).astype(float)
    runs = []
    for _ in range(2):
        state = state_of(xy, list(range(12)))
        solve_parts(state, np.ones(400, dtype=bool), np.random.default_rng(5), 3e6)
        runs.append(state.med.copy())
        assert state.costs.work >= 3e6
    assert np.array_equal(runs[0], runs[1])
    assert full_value(xy, runs[0]) < state_of(xy, list(range(12))).value()
