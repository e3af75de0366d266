"""solve_routing on a MultiDepotProblem: the ride-time repair and the engines behind it."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from optimize.routing.multi_check import check_multidepot
from optimize.routing.multi_solve import FLEET_REASON, restrict
from optimize.routing.multidepot import MultiDepotProblem
from optimize.routing.solve import solve_routing
from tests.multidepot_cases import ride_case


def test_cheapest_routes_break_the_ride_limit_and_pyvrp_alone_keeps_them() -> None:
    problem = ride_case(engine="pyvrp")
    result = solve_routing(problem)
    assert result.distance_m == 32 + 26
    broken = check_multidepot(problem, result)
    assert len(broken) == 1 and "rides 22 s to depot 0, limit 20 s" in broken[0]


def test_auto_keeps_every_ride_within_its_limit_and_the_checker_agrees() -> None:
    problem = ride_case()
    result = solve_routing(problem)
    assert check_multidepot(problem, result) == []
    assert result.unserved == ()
    assert result.distance_m == 72
    by_truck = {t.truck: [] for t in result.trips}
    for trip in result.trips:
        by_truck[trip.truck].append(trip)
    assert sorted(len(v) for v in by_truck.values()) == [1, 2]
    assert [t.home_depot for t in by_truck[0]] == [0, 0]
    assert all(t.max_ride_s <= 20 for t in result.trips)
    assert {t.engine for t in result.trips} == {"pyvrp", "repair"}
    assert "ride time repaired: 1 pickup(s) moved" in result.status


def test_ortools_models_the_ride_limit_itself() -> None:
    problem = ride_case(engine="ortools", search_iterations=20)
    result = solve_routing(problem)
    assert check_multidepot(problem, result) == []
    assert result.distance_m == 72
    assert {t.engine for t in result.trips} == {"ortools"}


def test_same_problem_same_plan() -> None:
    first, second = solve_routing(ride_case()), solve_routing(ride_case())
    assert first.trips == second.trips


def test_a_pickup_no_truck_can_reach_in_time_is_unserved_with_its_reason() -> None:
    windows = np.array([[0, 1000]] * 4 + [[0, 5]])      # pickup 4 is 10 s from B
    problem = ride_case(time_window_s=windows)
    result = solve_routing(problem)
    assert [i for i, _ in result.unserved] == [4]
    assert "no truck can serve it even alone" in result.unserved[0][1]
    assert "window closes at 5 s" in result.unserved[0][1]
    assert check_multidepot(problem, result) == []


def test_one_trip_per_truck_leaves_what_does_not_fit_with_the_fleet_reason() -> None:
    problem = ride_case(max_trips_per_truck=1)
    result = solve_routing(problem)
    assert check_multidepot(problem, result) == []
    assert len(result.unserved) == 1                      # A side: 3 pickups, 2 per trip
    assert result.unserved[0][0] in (0, 1, 2)
    assert result.unserved[0][1] == ("no trip of the fleet can take it without breaking a "
                                     "limit (ride-time limit 20 s)")
    assert result.distance_m == 26 + 26


def test_no_trucks_leaves_everything_unserved_with_the_reason() -> None:
    result = solve_routing(ride_case(trucks_per_depot=(0, 0)))
    assert result.trips == () and result.status == "nothing to route"
    assert [why for _, why in result.unserved] == ["no trucks at any depot"] * 5
    assert FLEET_REASON != "no trucks at any depot"


def test_restrict_keeps_depots_and_renumbers_pickups() -> None:
    sub = restrict(ride_case(), [1, 4])
    assert sub.n_pickups == 2 and sub.n_depots == 2
    assert sub.time_s.tolist() == [[0, 100, 10, 100], [100, 0, 100, 10],
                                   [10, 100, 0, 100], [100, 10, 100, 0]]
    assert dataclasses.replace(sub).ride_limit_s is not None


@pytest.mark.parametrize("seed", [0, 1])
def test_random_fleet_with_releases_and_ride_limits_checks_clean(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_depots, n = 3, 30
    xy = rng.uniform(0, 30_000, size=(n_depots + n, 2))
    metres = np.rint(np.hypot(*(xy[:, None] - xy[None]).transpose(2, 0, 1))).astype(np.int64)
    problem = MultiDepotProblem(
        time_s=metres // 10, distance_m=metres, n_depots=n_depots, trucks_per_depot=(2, 1, 2),
        pickup_t=rng.uniform(0.5, 2.0, n), service_s=np.full(n, 300), truck_capacity_t=5.0,
        horizon_s=36_000, max_trips_per_truck=3, unload_s=600,
        release_s=rng.integers(0, 7_200, n), ride_limit_s=np.full(n, 3_600),
        search_iterations=300)
    result = solve_routing(problem)
    assert result.trips
    assert check_multidepot(problem, result) == []
    assert all(t.max_ride_s <= 3_600 for t in result.trips)
    served = sorted(s for t in result.trips for s in t.stops)
    assert len(served) == len(set(served)) and len(served) + len(result.unserved) == n
