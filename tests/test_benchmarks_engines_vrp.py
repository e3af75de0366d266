"""Tests of benchmarks.engines.vrp on CVRP / VRPTW instances solvable by hand.

Clients sit on a line (integer positions) or at the corners of a square; distances are
absolute differences, so every optimum below is a sum of a few small integers.
"""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.engines.vrp import VrpData, check_vrp, route_cost, solve_vrp


def _line(positions: list[int], demand: list[int], capacity: int, **kw: object) -> VrpData:
    x = np.array([0, *positions])
    return VrpData(np.abs(x[:, None] - x[None, :]).astype(np.int64),
                   np.array(demand, dtype=np.int64), capacity, **kw)  # type: ignore[arg-type]


def test_capacity_splits_the_line_and_both_engines_find_the_optimum() -> None:
    # Clients at 1, 2, 10, 11 with demand 1, capacity 2: the near pair (2 x 2 = 4) and the
    # far pair (2 x 11 = 22) are the optimum, 26.
    data = _line([1, 2, 10, 11], [1, 1, 1, 1], 2)
    for engine in ("pyvrp", "ortools", "auto"):
        sol = solve_vrp(data, engine=engine, time_limit_s=1.0, iterations=200)
        assert sol.feasible, sol.problems
        assert sol.cost == 26
        assert {frozenset(r) for r in sol.routes} == {frozenset({1, 2}), frozenset({3, 4})}
    assert solve_vrp(data, time_limit_s=1.0, iterations=200).engine == "pyvrp"


def test_time_windows_force_the_far_client_first() -> None:
    # Client 1 at 5 opens late [20, 30], client 2 at 10 must be reached by 12. One vehicle:
    # 0 -> 2 (t 10) -> 1 (t 15, wait to 20) -> 0 (t 25); length 10 + 5 + 5 = 20.
    tw = np.array([[0, 100], [20, 30], [0, 12]])
    data = _line([5, 10], [1, 1], 5, n_vehicles=1, time_window=tw)
    for engine in ("pyvrp", "ortools"):
        sol = solve_vrp(data, engine=engine, time_limit_s=1.0, iterations=200)
        assert sol.routes == ((2, 1),), engine
        assert sol.cost == 20 and sol.feasible


def test_check_vrp_finds_every_violation() -> None:
    tw = np.array([[0, 100], [0, 4], [0, 100]])
    data = _line([5, 10], [2, 2], 3, time_window=tw)
    assert route_cost(data, ((1,), (2,))) == 30
    found = check_vrp(data, ((1, 2), (2,)))
    assert "client 2 visited 2 times" in found
    assert "route 0: load 4 over capacity 3" in found
    assert "route 0: node 1 reached at 5, window closes 4" in found
    assert check_vrp(data, ((2,),)) == ["client 1 visited 0 times"]


def test_pyvrp_with_an_iteration_stop_is_deterministic() -> None:
    rng = np.random.default_rng(7)
    xy = rng.integers(0, 100, size=(31, 2))
    dist = np.rint(np.hypot(*(xy[:, None] - xy[None]).transpose(2, 0, 1))).astype(np.int64)
    data = VrpData(dist, rng.integers(1, 10, 30), 30)
    first = solve_vrp(data, time_limit_s=30.0, seed=3, iterations=300)
    second = solve_vrp(data, time_limit_s=30.0, seed=3, iterations=300)
    assert first.routes == second.routes and first.feasible


def test_unknown_engine_is_refused() -> None:
    with pytest.raises(ValueError, match="engine"):
        solve_vrp(_line([1], [1], 1), engine="cuopt")
