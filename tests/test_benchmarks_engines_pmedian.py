"""p-median (fast interchange + Lagrangian bound) on instances solvable on paper.

Line instance: 4 clients/candidates at x = 0, 1, 5, 6, distance |x_a - x_b|::

          0   1   5   6
     0    0   1   5   6
     1    1   0   4   5
     5    5   4   0   1
     6    6   5   1   0

p = 2: one median in {0, 1} and one in {5, 6}; each cluster pays 1 (the other point),
optimum 2. Any plan with both medians in one cluster pays at least 4 + 5 = 9.
p = 1: medians 1 or 5 cost 1 + 4 + 5 = 10 (0: 12, 6: 12), optimum 10.
Weighted, points 0, 1, 5 with weights 1, 1, 10 and p = 1:
    at 0: 1*1 + 10*5 = 51;  at 1: 1*1 + 10*4 = 41;  at 5: 1*5 + 1*4 = 9   <- optimum 9.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from benchmarks.engines.pmedian import (
    greedy_open,
    lagrangian_bound,
    local_search,
    plan_cost,
    read_orlib_pmed,
    solve_pmedian,
)

PMED = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "pmed-orlib"
LINE = np.array([0.0, 1.0, 5.0, 6.0])


def _line(xs: np.ndarray) -> np.ndarray:
    return np.abs(xs[:, None] - xs[None, :])


def test_two_clusters_optimum_and_bound() -> None:
    res = solve_pmedian(_line(LINE), 2, time_limit_s=2.0, seed=1)
    assert res.objective == 2.0
    assert len(set(res.open) & {0, 1}) == 1 and len(set(res.open) & {2, 3}) == 1
    assert res.bound == 2.0 and res.gap_pct == 0.0  # the relaxation closes the gap
    assert list(res.assignment[[0, 1]]) == [res.open[0]] * 2


def test_one_median() -> None:
    res = solve_pmedian(_line(LINE), 1, time_limit_s=2.0)
    assert res.objective == 10.0 and res.open in ((1,), (2,))
    assert res.bound <= 10.0


def test_weights_move_the_median() -> None:
    xs = np.array([0.0, 1.0, 5.0])
    res = solve_pmedian(_line(xs), 1, weight=np.array([1.0, 1.0, 10.0]), time_limit_s=2.0)
    assert res.open == (2,) and res.objective == 9.0


def test_interchange_leaves_a_bad_start() -> None:
    dist = _line(LINE)
    w = np.ones(4)
    assert plan_cost(dist, w, np.array([0, 1])) == 9.0  # 4 + 5, both medians left
    assert plan_cost(dist, w, local_search(dist, w, np.array([0, 1]))) == 2.0
    assert plan_cost(dist, w, greedy_open(dist, w, 2)) >= 2.0


def test_lagrangian_is_a_lower_bound() -> None:
    rng = np.random.default_rng(3)
    xy = rng.random((30, 2))
    dist = np.hypot(*(xy[:, None] - xy[None]).transpose(2, 0, 1))
    res = solve_pmedian(dist, 4, time_limit_s=1.0, seed=0)
    lr = lagrangian_bound(dist, np.ones(30), 4, res.objective, deadline=float("inf"))
    assert lr.bound <= res.objective + 1e-9
    assert lr.bound >= 0.9 * res.objective  # the LP bound of a p-median is strong


def test_rejects_bad_p() -> None:
    with pytest.raises(ValueError):
        solve_pmedian(_line(LINE), 5)


def test_reader_keeps_last_cost_of_a_repeated_edge(tmp_path: Path) -> None:
    # edges 1-2 (5, then 2: the LAST counts) and 2-3 (1): d(1,3) = 2 + 1 = 3
    path = tmp_path / "tiny.txt"
    path.write_text("3 3 1\n1 2 5\n2 3 1\n2 1 2\n")
    dist, p = read_orlib_pmed(path)
    assert p == 1
    np.testing.assert_array_equal(dist, [[0, 2, 3], [2, 0, 1], [3, 1, 0]])


@pytest.mark.skipif(not (PMED / "pmed1.txt").exists(), reason="OR-Library pmed not present")
def test_pmed1_reaches_its_optimum() -> None:
    dist, p = read_orlib_pmed(PMED / "pmed1.txt")
    res = solve_pmedian(dist, p, time_limit_s=5.0, seed=0)
    assert (dist.shape, p) == ((100, 100), 5)
    assert res.objective == 5819.0  # pmedopt.txt
    assert res.bound == 5819.0  # proven by the Lagrangian bound
