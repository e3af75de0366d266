"""Tests of optimize.routing.pyvrp: the ``engine="auto"`` / ``"pyvrp"`` path.

Same hand-checkable instances as tests/test_optimize_routing_ortools.py: minutes of
driving at 60 km/h, so one minute is 60 s and 1,000 m.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from optimize.routing.check import check_trips
from optimize.routing.problem import RoutingProblem
from optimize.routing.pyvrp import pyvrp_iterations
from optimize.routing.solve import solve_routing

MIN = 60
HOUR = 3600


def _pair(limit_min: int, engine: str) -> RoutingProblem:
    """Store 30 min from A and B, A-B 10 min, 15 min loading (see the freshness test).

    The cheapest plan, one trip store-A-B-store (70 km), brings A in after 70 min; two
    single trips (120 km) bring each in after 45 min.
    """
    minutes = np.array([[0, 30, 30], [30, 0, 10], [30, 10, 0]])
    return RoutingProblem(
        time_s=minutes * MIN, distance_m=minutes * 1000, pickup_t=np.array([1.0, 1.0]),
        service_s=np.array([15 * MIN, 15 * MIN]), n_trucks=1, trips_per_truck=2,
        truck_capacity_t=3.0, shift_s=8 * HOUR, freshness_limit_s=limit_min * MIN,
        time_limit_s=2.0, engine=engine)


def test_cheapest_routes_break_freshness_and_the_plan_keeps_it() -> None:
    cheapest = _pair(60, "pyvrp")
    found = solve_routing(cheapest)
    assert found.distance_m == 70_000
    broken = check_trips(cheapest, found)
    assert len(broken) == 1 and broken[0].endswith("after 4200 s, freshness limit 3600 s")

    planned = _pair(60, "auto")
    result = solve_routing(planned)
    assert check_trips(planned, result) == []
    assert result.distance_m == 120_000
    assert max(t.max_age_s for t in result.trips) == 45 * MIN
    assert {t.engine for t in result.trips} == {"ortools"}
    assert "OR-Tools used: the PyVRP plan broke 1 limit(s)" in result.status


def test_auto_keeps_pyvrp_when_its_plan_is_valid() -> None:
    problem = _pair(80, "auto")
    result = solve_routing(problem)
    assert check_trips(problem, result) == []
    assert result.distance_m == 70_000
    assert [t.engine for t in result.trips] == ["pyvrp"]
    assert result.status == "success"


def test_pyvrp_chains_a_trucks_trips_with_unloading() -> None:
    # 1 t pickups at 10, 20, 30 min, a 1 t truck, 3 trips, 15 min loading, 10 min
    # unloading: trips of 45, 65 and 85 min, the day ends at 195 min.
    x = np.array([0, 10, 20, 30])
    gap = np.abs(x[:, None] - x[None, :])
    problem = RoutingProblem(
        time_s=gap * MIN, distance_m=gap * 1000, pickup_t=np.ones(3),
        service_s=np.full(3, 15 * MIN), n_trucks=1, trips_per_truck=3, truck_capacity_t=1.0,
        shift_s=8 * HOUR, freshness_limit_s=8 * HOUR, unload_s=10 * MIN, time_limit_s=2.0,
        engine="auto")
    result = solve_routing(problem)
    assert check_trips(problem, result) == []
    assert [t.trip for t in result.trips] == [0, 1, 2]
    assert result.trips[-1].end_s == 195 * MIN
    assert {t.engine for t in result.trips} == {"pyvrp"}
    # A minute short: one pickup (the farthest, saving 60 km) is dropped with the reason.
    short = solve_routing(dataclasses.replace(problem, shift_s=194 * MIN))
    assert short.unserved == (
        (2, "fleet at this store cannot fit it within shifts (1 truck x 3 trips)"),)


def _twelve(**kw: Any) -> RoutingProblem:
    """12 seeded pickups within 20 km, 3 trucks of 2 trips, no binding freshness."""
    rng = np.random.default_rng(5)
    xy = rng.uniform(-20, 20, size=(13, 2))
    xy[0] = 0
    km = 1.3 * np.hypot(*(xy[:, None] - xy[None]).transpose(2, 0, 1))
    problem = RoutingProblem(
        time_s=np.rint(km / 35 * HOUR).astype(np.int64),
        distance_m=np.rint(km * 1000).astype(np.int64), pickup_t=rng.uniform(0.3, 2.0, 12),
        service_s=np.full(12, 15 * MIN), n_trucks=3, trips_per_truck=2, truck_capacity_t=3.0,
        shift_s=8 * HOUR, freshness_limit_s=8 * HOUR, unload_s=20 * MIN, time_limit_s=10.0,
        engine="auto", seed=1)
    return dataclasses.replace(problem, **kw)


def test_same_problem_same_pyvrp_plan_and_budget_formula() -> None:
    problem = _twelve()
    first, second = solve_routing(problem), solve_routing(problem)
    assert first.status == "success"
    assert first.trips == second.trips and first.unserved == second.unserved
    assert check_trips(problem, first) == []
    # "auto": 0.5 x 10 s / (7e-5 s x 12 pickups) = 5,952.4; "pyvrp": twice that.
    assert pyvrp_iterations(problem, 12) == 5_952
    assert pyvrp_iterations(dataclasses.replace(problem, engine="pyvrp"), 12) == 11_904
    assert pyvrp_iterations(dataclasses.replace(problem, time_limit_s=0.1), 12) == 200


def test_a_pyvrp_search_the_clock_stopped_says_so() -> None:
    # 20 s -> 23,809 iterations, but a cap of 0.001 x 20 + 1 = 1.02 s: PyVRP reports
    # fewer iterations than its budget, so the plan is the clock's, and the status says so
    # (the old cap was time_limit_s itself, and "elapsed >= cap" was the only test).
    problem = _twelve(time_limit_s=20.0, wall_safety=0.001, engine="pyvrp")
    result = solve_routing(problem)
    assert result.status == "time limit (not reproducible)"
    assert result.trips
    assert result.time_s < 5.0
