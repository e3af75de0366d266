"""solve_routing on a MultiDepotProblem: the ride-time repair and the engines behind it."""

from __future__ import annotations

import dataclasses

import numpy as np

from optimize.routing.multi_check import check_multidepot
from optimize.routing.multi_solve import FLEET_REASON, restrict
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
