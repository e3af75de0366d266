"""The split-demand engine through ``solve_location``: hand case, kernel path, OR-Library cap41.

Hand case: ``tests/split_cases.py`` (optimum 60 yuan, d1 split half and half over A and B).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from benchmarks.engines.cflp import read_orlib_cap
from benchmarks.routing import benchmark_dir
from optimize.siting import mip_engine
from optimize.siting.solve import engine_for, solve_location
from tests.split_cases import (
    HAND_CAPACITY_T,
    HAND_COST,
    HAND_FIXED_YUAN,
    HAND_OPTIMUM_YUAN,
    HAND_SUPPLY_T,
    brute_force_yuan,
    split_problem,
)

CAP41 = benchmark_dir("cap-orlib") / "cap41.txt"


def test_brute_force_confirms_the_hand_optimum() -> None:
    assert brute_force_yuan(HAND_COST, HAND_CAPACITY_T, HAND_FIXED_YUAN,
                            HAND_SUPPLY_T) == pytest.approx(HAND_OPTIMUM_YUAN, abs=1e-9)


def test_hand_case_splits_point_d1_over_a_and_b() -> None:
    problem = split_problem()
    assert engine_for(problem) == "mip"
    result = solve_location(problem)
    assert result.engine == "mip"
    assert result.objective == pytest.approx(60.0, abs=1e-6)
    assert result.bound == pytest.approx(60.0, abs=1e-6)
    assert result.status == "OPTIMAL"
    assert result.open_sites.tolist() == [0, 1]
    assert result.load_t.tolist() == pytest.approx([15.0, 25.0])
    # arcs point by point, sites within: d1's arcs are 3 (A), 4 (B), 5 (C)
    assert result.arc_fraction is not None
    assert result.arc_fraction[3:6].tolist() == pytest.approx([0.5, 0.5, 0.0], abs=1e-9)
    shares = np.bincount(problem.arc_demand, weights=result.arc_fraction)
    assert shares.tolist() == pytest.approx([1.0] * 4)
    # the objective recomputed from the fractions and the open sites
    recomputed = HAND_FIXED_YUAN[result.open_sites].sum() + result.arc_fraction @ \
        problem.arc_cost_yuan
    assert recomputed == pytest.approx(result.objective, abs=1e-9)
    assert [s.name for s in result.stages] == ["MIP (3 sites, 12 arcs)"]
    assert "split demand at 1 point" in result.binding
    assert "capacity at 2 sites" in result.binding


def test_with_more_room_at_a_no_point_is_split() -> None:
    # A holds 20 t: d0 and d1 at A (10 + 20), d2, d3 at B (20): 50 yuan, nothing split
    capacity = np.array([20.0, 25.0, 100.0])
    result = solve_location(split_problem(capacity_t=capacity))
    expected = brute_force_yuan(HAND_COST, capacity, HAND_FIXED_YUAN, HAND_SUPPLY_T)
    assert expected == pytest.approx(50.0)
    assert result.objective == pytest.approx(50.0, abs=1e-6)
    assert result.assignment.tolist() == [0, 0, 1, 1]
    assert not any("split" in text for text in result.binding)


def test_excluding_a_forces_site_c() -> None:
    # without A: B (25 t) and C (fixed 5) must both open; brute force over B, C only
    result = solve_location(split_problem(excluded_sites=(0,)))
    cost = HAND_COST.copy()
    cost[0] = 1e6  # A unusable
    expected = brute_force_yuan(cost[1:], HAND_CAPACITY_T[1:], HAND_FIXED_YUAN[1:],
                                HAND_SUPPLY_T)
    assert result.objective == pytest.approx(expected, abs=1e-6)
    assert result.open_sites.tolist() == [1, 2]


def _random_case(seed: int, n_sites: int = 12, n_points: int = 60) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    site_xy, point_xy = rng.uniform(0, 100, (n_sites, 2)), rng.uniform(0, 100, (n_points, 2))
    supply = rng.integers(5, 30, n_points).astype(float)
    per_t = np.linalg.norm(site_xy[:, None] - point_xy[None], axis=2)
    return {"cost": np.round(per_t * supply[None, :], 1), "supply_t": supply,
            "capacity_t": np.full(n_sites, float(supply.sum()) / 4.0),
            "fixed_yuan": rng.integers(500, 1500, n_sites).astype(float)}


def test_kernel_path_bound_and_plan_bracket_the_exact_optimum(
        monkeypatch: pytest.MonkeyPatch) -> None:
    case = _random_case(3)
    exact = solve_location(split_problem(**case))  # 720 arcs: the full MIP, proven
    assert exact.status == "OPTIMAL"
    assert exact.stages[0].name.startswith("MIP")
    monkeypatch.setattr(mip_engine, "FULL_MIP_MAX_ARCS", 100)  # force the kernel path
    kernel = solve_location(split_problem(**case, time_limit_s=6.0))
    assert [s.name.split(" (")[0] for s in kernel.stages] == ["bound", "local search",
                                                               "kernel search"]
    assert kernel.bound <= exact.objective * (1 + 1e-9)
    assert kernel.objective >= exact.objective * (1 - 1e-9)
    assert kernel.objective <= exact.objective * 1.01
    assert kernel.arc_fraction is not None
    shares = np.bincount(np.asarray(split_problem(**case).arc_demand),
                         weights=kernel.arc_fraction)
    assert shares.size == 60
    assert np.abs(shares - 1.0).max() < 1e-9


@pytest.mark.skipif(not CAP41.exists(), reason="OR-Library cap not present")
def test_cap41_through_solve_location_at_its_capopt_optimum() -> None:
    inst = read_orlib_cap(CAP41)
    case = {"cost": inst.cost, "capacity_t": inst.capacity, "fixed_yuan": inst.fixed_cost,
            "supply_t": inst.demand}
    result = solve_location(split_problem(**case, time_limit_s=5.0))
    assert result.engine == "mip"
    assert result.objective == pytest.approx(1040444.375, rel=1e-9)  # capopt.txt
    assert result.status == "OPTIMAL"
    assert result.gap_pct < 1e-6


def test_a_split_problem_keeps_its_arrays_read_only() -> None:
    result = solve_location(split_problem())
    assert result.arc_fraction is not None
    with pytest.raises(ValueError):
        result.arc_fraction[0] = 1.0
    assert dataclasses.replace(result).engine == "mip"
