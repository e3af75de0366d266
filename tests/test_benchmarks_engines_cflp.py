"""Splittable capacitated facility location (SCIP MIP, Lagrangian kernel) by hand.

Split instance: one customer of demand 15; facilities A, B with capacity 10 each, fixed
cost 1 and 2, cost of serving ALL 15 units 30 from A and 60 from B. Neither alone holds
15, so both open (3) and A takes its full 10 units = 2/3 of the demand (cost 2/3 * 30 =
20), B the other 1/3 (1/3 * 60 = 20): optimum 3 + 20 + 20 = 43.

Choice instance: two customers of demand 5, capacities 10, facilities A (fixed 10) and
B (fixed 1); costs (all demand) A: 1, 1; B: 3, 3. Only A: 10 + 2 = 12; only B: 1 + 6 = 7;
both: 11 + 2 = 13. Optimum 7 with B alone.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from benchmarks.engines.cflp import (
    CflpInstance,
    lagrangian_kernel,
    plan_objective,
    read_orlib_cap,
    solve_cflp,
)
from benchmarks.routing import benchmark_dir

CAP = benchmark_dir("cap-orlib")  # $COLDCHAIN_BENCHMARK_DIR or beside the data

SPLIT = CflpInstance(
    capacity=np.array([10.0, 10.0]),
    fixed_cost=np.array([1.0, 2.0]),
    demand=np.array([15.0]),
    cost=np.array([[30.0], [60.0]]),
)
CHOICE = CflpInstance(
    capacity=np.array([10.0, 10.0]),
    fixed_cost=np.array([10.0, 1.0]),
    demand=np.array([5.0, 5.0]),
    cost=np.array([[1.0, 1.0], [3.0, 3.0]]),
)


def test_demand_is_split_over_two_facilities() -> None:
    res = solve_cflp(SPLIT, time_limit_s=10)
    assert res.open == (0, 1) and res.status == "OPTIMAL"
    assert res.objective == pytest.approx(43.0)
    np.testing.assert_allclose(res.assign, [[0, 0, 2 / 3], [0, 1, 1 / 3]], atol=1e-9)
    assert res.bound == pytest.approx(43.0)


def test_cheap_fixed_cost_wins() -> None:
    res = solve_cflp(CHOICE, time_limit_s=10)
    assert res.open == (1,) and res.objective == pytest.approx(7.0)
    assert plan_objective(CHOICE, np.array([1]), res.assign) == pytest.approx(7.0)


def test_scalar_capacity_override() -> None:
    # capacity 15 per facility: A alone (1 + 30) beats both; optimum 31
    res = solve_cflp(SPLIT, capacity=15.0, time_limit_s=10)
    assert res.open == (0,) and res.objective == pytest.approx(31.0)


def test_lagrangian_bound_is_below_the_optimum() -> None:
    lr = lagrangian_kernel(SPLIT, SPLIT.capacity, deadline=float("inf"))
    assert lr.bound <= 43.0 + 1e-6
    assert lr.kernel.size == 2
    assert lr.kernel.all()  # both facilities are needed, so both are in the kernel


def test_reader_wrapping_lines_and_parametric_capacity(tmp_path: Path) -> None:
    path = tmp_path / "tiny.txt"
    path.write_text("2 2\n capacity 7.5\n capacity 3\n4\n 1.5\n 2\n6 3\n4\n")
    inst = read_orlib_cap(path)
    assert inst.capacity.size == 2
    assert np.isnan(inst.capacity).all()
    np.testing.assert_array_equal(inst.fixed_cost, [7.5, 3.0])
    np.testing.assert_array_equal(inst.demand, [4.0, 6.0])
    np.testing.assert_array_equal(inst.cost, [[1.5, 3.0], [2.0, 4.0]])
    with pytest.raises(ValueError):
        solve_cflp(inst)


@pytest.mark.skipif(not (CAP / "cap41.txt").exists(), reason="OR-Library cap not present")
def test_cap41_reaches_its_optimum() -> None:
    inst = read_orlib_cap(CAP / "cap41.txt")
    res = solve_cflp(inst, time_limit_s=30)
    assert inst.cost.shape == (16, 50)
    assert res.objective == pytest.approx(1040444.375, rel=1e-9)  # capopt.txt
    assert res.status == "OPTIMAL"
