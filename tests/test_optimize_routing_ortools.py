"""Tests of the OR-Tools model (optimize.routing.ortools) on instances solvable by hand.

Each instance is solved through :func:`optimize.routing.solve.solve_routing` with the
default engine, ``"ortools"``. Most put the store and pickups on a line measured in
minutes of driving at 60 km/h, so one minute is 60 s and 1,000 m: ``_line([10, 20, 30],
...)`` puts pickups 0, 1, 2 at 10, 20 and 30 min from the store (node 0), and the trip
lengths below are sums of those minutes.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from optimize.errors import SpecificationError
from optimize.routing.bounds import default_drop_penalty
from optimize.routing.check import check_trips
from optimize.routing.ortools import CLOCK_STATUS, search_parameters, stop_reason, wall_cap_s
from optimize.routing.problem import RoutingProblem, RoutingResult
from optimize.routing.screen import screen_pickups
from optimize.routing.solve import solve_routing
from tests.routing_cases import BIG, HOUR, MIN, SMALL, line_problem, pair_by_crop, windowed

_line = line_problem


def _stop_sets(result: RoutingResult) -> set[frozenset[int]]:
    return {frozenset(t.stops) for t in result.trips}


# -- capacity, freshness, shift ----------------------------------------------------------
def test_capacity_forces_two_trips_and_far_pair_goes_together() -> None:
    # Pickups of 1 t at 10, 20, 30 km; a 2 t truck needs 2 trips. Any trip to 30 km drives
    # 60 km, so the cheapest plan takes 20 + 30 together (60 km) and 10 alone (20 km).
    problem = _line([10, 20, 30], [1, 1, 1], truck_capacity_t=2.0, trips_per_truck=2)
    result = solve_routing(problem)
    assert check_trips(problem, result) == []
    assert result.unserved == ()
    assert _stop_sets(result) == {frozenset({1, 2}), frozenset({0})}
    assert result.distance_m == 80_000
    assert result.trucks_used == 1
    pair = next(t for t in result.trips if len(t.stops) == 2)
    assert pair.load_after_t == (1.0, 2.0)


def test_freshness_forces_a_split_that_capacity_would_not() -> None:
    # Store 30 min from A and from B, A-B 10 min, loading 15 min. One trip store-A-B-store
    # (70 km) brings A in 15 + 10 + 15 + 30 = 70 min after the truck reached it; alone each
    # takes 15 + 30 = 45 min. Limit 60 min: two trips (120 km). Limit 80 min: one trip.
    minutes = np.array([[0, 30, 30], [30, 0, 10], [30, 10, 0]])
    base = dict(time_s=minutes * MIN, distance_m=minutes * 1000, pickup_t=np.array([1.0, 1.0]),
                service_s=np.array([15 * MIN, 15 * MIN]), n_trucks=1, trips_per_truck=2,
                truck_capacity_t=3.0, shift_s=8 * HOUR, time_limit_s=1.0)
    split = RoutingProblem(freshness_limit_s=60 * MIN, **base)  # type: ignore[arg-type]
    result = solve_routing(split)
    assert check_trips(split, result) == []
    assert _stop_sets(result) == {frozenset({0}), frozenset({1})}
    assert result.distance_m == 120_000
    assert [t.max_age_s for t in result.trips] == [45 * MIN, 45 * MIN]
    together = RoutingProblem(freshness_limit_s=80 * MIN, **base)  # type: ignore[arg-type]
    result = solve_routing(together)
    assert _stop_sets(result) == {frozenset({0, 1})}
    assert result.distance_m == 70_000
    assert result.trips[0].max_age_s == 70 * MIN


def test_shift_drop_by_the_solver_names_the_fleet() -> None:
    # Three pickups 90 min from the store and 180 min from each other, 15 min loading: a
    # trip with one takes 195 min, with two 390 min. One truck, 3 trips, 480 min: two
    # pickups fit (390 min either way), never three (585 min at least).
    minutes = np.array([[0, 90, 90, 90], [90, 0, 180, 180], [90, 180, 0, 180],
                        [90, 180, 180, 0]])
    problem = RoutingProblem(
        time_s=minutes * MIN, distance_m=minutes * 1000, pickup_t=np.ones(3),
        service_s=np.full(3, 15 * MIN), n_trucks=1, trips_per_truck=3, truck_capacity_t=3.0,
        shift_s=8 * HOUR, freshness_limit_s=8 * HOUR, time_limit_s=1.0)
    result = solve_routing(problem)
    assert check_trips(problem, result) == []
    assert len(result.unserved) == 1
    assert result.unserved[0][1] == "fleet at this store cannot fit it within shifts " \
                                    "(1 truck x 3 trips)"
    assert result.objective == result.distance_m + default_drop_penalty(problem)


# -- trips of one truck in time --------------------------------------------------------
def test_one_truck_chains_its_trips_in_time() -> None:
    # 1 t pickups at 10, 20, 30 min, a 1 t truck, 15 min loading, 10 min unloading: trips
    # of 45, 65 and 85 min, so the truck's day ends at 195 min whatever the order.
    problem = _line([10, 20, 30], [1, 1, 1], truck_capacity_t=1.0, trips_per_truck=3,
                    service_s=np.full(3, 15 * MIN), unload_s=10 * MIN)
    result = solve_routing(problem)
    assert check_trips(problem, result) == []
    assert [t.trip for t in result.trips] == [0, 1, 2]
    assert result.trips[0].start_s == 0
    for before, after in zip(result.trips, result.trips[1:], strict=False):
        assert after.start_s == before.end_s
    assert result.trips[-1].end_s == 195 * MIN
    for trip in result.trips:
        assert trip.end_s == trip.store_arrival_s + 10 * MIN


def test_chaining_drops_the_farthest_when_the_shift_is_a_minute_short() -> None:
    # Same trips, shift 194 min: run one after the other, the three need 195 min, so one
    # is dropped (in parallel slots they would all fit). Dropping the 30 min pickup saves
    # the most distance (60 km).
    problem = _line([10, 20, 30], [1, 1, 1], truck_capacity_t=1.0, trips_per_truck=3,
                    service_s=np.full(3, 15 * MIN), unload_s=10 * MIN, shift_s=194 * MIN)
    result = solve_routing(problem)
    assert check_trips(problem, result) == []
    assert result.unserved == (
        (2, "fleet at this store cannot fit it within shifts (1 truck x 3 trips)"),)
    assert result.distance_m == 60_000


# -- reproducibility and a medium instance ----------------------------------------------


# -- freshness by crop -------------------------------------------------------------------


def test_a_tight_crop_is_picked_up_last() -> None:
    # One trip (70 km) brings the first pickup in after 70 min and the second after 45 min.
    # B (pickup 1) allows 60 min, so it must be the second: store-A-B-store.
    problem = pair_by_crop([80, 60])
    result = solve_routing(problem)
    assert check_trips(problem, result) == []
    assert [t.stops for t in result.trips] == [(0, 1)]
    assert result.distance_m == 70_000
    # Both at 60 min: no order works, so two trips (120 km).
    both = pair_by_crop([60, 60])
    result = solve_routing(both)
    assert check_trips(both, result) == []
    assert result.distance_m == 120_000


# -- mixed fleet -------------------------------------------------------------------------


def test_mixed_fleet_picks_the_cheaper_big_truck() -> None:
    # Pickups of 2 t at 10 and 20 km (1 km = 1 min), fleet small, small, big, one trip each.
    # Big alone, store-0-1-store: 150 fixed + 40 km x 2 + 40 min x 30/h = 250 yuan.
    # Two smalls (20 km and 40 km): 2 x 100 + 60 km x 2 = 320 yuan; big + small dearer.
    problem = _line([10, 20], [2, 2], trucks=(SMALL, SMALL, BIG))
    result = solve_routing(problem)
    assert check_trips(problem, result) == []
    assert [(t.truck_type, t.stops) for t in result.trips] in ([("big", (0, 1))],
                                                               [("big", (1, 0))])
    assert result.objective == 25_000  # yuan-cents
    # A big truck costing 300 fixed (400 in all) loses to the two smalls (320).
    dear = dataclasses.replace(problem, trucks=(SMALL, SMALL,
                                                dataclasses.replace(BIG, fixed_cost_yuan=300)))
    result = solve_routing(dear)
    assert check_trips(dear, result) == []
    assert sorted(t.truck_type for t in result.trips) == ["small", "small"]
    assert result.objective == 32_000


def test_mixed_fleet_fixed_cost_once_per_truck_and_screening_by_largest() -> None:
    # One big truck, 2 trips, pickups of 3 t at 10 and 20 km: two trips, 60 km, 60 min:
    # 150 fixed (once) + 60 x 2 + 60 min x 30/h = 300 yuan.
    problem = _line([10, 20], [3, 3], trips_per_truck=2, trucks=(BIG,))
    result = solve_routing(problem)
    assert check_trips(problem, result) == []
    assert [t.trip for t in result.trips] == [0, 1]
    assert result.objective == 30_000
    # 3 t fits only the big truck: kept, not screened; 5 t exceeds the largest (4 t).
    assert screen_pickups(_line([10], [3], trucks=(SMALL, BIG))) == {}
    assert screen_pickups(_line([10], [5], trucks=(SMALL, BIG))) == {
        0: "load 5 t exceeds truck capacity 4 t"}
    with pytest.raises(SpecificationError, match="used for two different trucks"):
        _line([10], [1], trucks=(SMALL, dataclasses.replace(SMALL, capacity_t=3.0)))


# -- time windows ------------------------------------------------------------------------


def test_a_window_forces_a_later_trip() -> None:
    # One trip A-B (40 km) would reach A by 15 min and B at 100 min: trips never wait en
    # route, and waiting 80 min at B would age A 110 min > 60 min anyway. So two trips:
    # A at 10 min (back at 20 min), then B leaving the store at 80 min to arrive at 100 min
    # (60 km). B first is impossible: it ends at 120 min, too late for A.
    problem = windowed()
    result = solve_routing(problem)
    assert check_trips(problem, result) == []
    assert [(t.stops, t.start_s, t.arrival_s) for t in result.trips] == [
        ((0,), 0, (10 * MIN,)), ((1,), 80 * MIN, (100 * MIN,))]
    assert result.distance_m == 60_000
    auto = solve_routing(dataclasses.replace(problem, engine="auto"))
    assert auto.status.endswith("OR-Tools used: the PyVRP path does not model time_window_s")
    assert _stop_sets(auto) == _stop_sets(result)


# -- deliveries --------------------------------------------------------------------------
def test_deliveries_make_capacity_bind() -> None:
    # Pickups of 1 t at 10 and 20 km, a 2 t truck: one trip (40 km) without deliveries.
    # Delivering 1.5 t to each, the truck would leave with 3 t: two trips (20 + 40 km).
    plain = _line([10, 20], [1, 1], truck_capacity_t=2.0, trips_per_truck=2)
    assert solve_routing(plain).distance_m == 40_000
    problem = dataclasses.replace(plain, delivery_t=np.array([1.5, 1.5]))
    result = solve_routing(problem)
    assert check_trips(problem, result) == []
    assert result.distance_m == 60_000
    assert [(t.start_load_t, t.load_after_t) for t in result.trips] == [(1.5, (1.0,))] * 2


def test_deliveries_fix_the_visiting_order() -> None:
    # Pick 1.5 t at A (10 km) and 0.5 t at B (20 km), deliver 0.5 t to A and 1 t to B, 2 t
    # truck; leaves with 1.5 t. A first: 1.5 - 0.5 + 1.5 = 2.5 t > 2 t. B first: 1.5 - 1 +
    # 0.5 = 1 t, then A: 1 - 0.5 + 1.5 = 2 t. Both orders drive 40 km; only B-A fits.
    problem = _line([10, 20], [1.5, 0.5], truck_capacity_t=2.0,
                    delivery_t=np.array([0.5, 1.0]))
    result = solve_routing(problem)
    assert check_trips(problem, result) == []
    (trip,) = result.trips
    assert (trip.stops, trip.start_load_t, trip.load_after_t) == ((1, 0), 1.5, (1.0, 2.0))


# -- which limit stopped the search ------------------------------------------------------
def test_stop_reason_reads_the_two_counters() -> None:
    # OR-Tools reports ROUTING_SUCCESS for every limit, so the counters decide; the
    # clock only when the solve also ran to the cap (here 2 s).
    assert stop_reason(250, 250, 1_664, 200_000, solve_s=6.5, cap_s=7.0) == "solutions"
    assert stop_reason(1, 5_000, 50_000, 50_000, solve_s=0.3, cap_s=2.0) == "branches"
    assert stop_reason(118, 250, 783, 200_000, solve_s=2.004, cap_s=2.0) == "clock"
    assert stop_reason(3, 250, 40, 200_000, solve_s=0.01, cap_s=2.0) == "search"


def test_every_clock_limit_of_the_search_is_the_safety_cap() -> None:
    # time_limit_s 2, wall_safety 3 -> cap 3 x 2 + 1 = 7 s; lns_time_limit (100 ms by
    # default, a per-move clock) is raised to the cap so it cannot fire first.
    problem = _line([10, 20], [1, 1], time_limit_s=2.0, wall_safety=3.0)
    params = search_parameters(problem, 123)
    assert wall_cap_s(problem) == 7.0
    assert params.solution_limit == 123
    assert params.time_limit.ToMilliseconds() == 7_000
    assert params.lns_time_limit.ToMilliseconds() == 7_000
    assert CLOCK_STATUS == "time limit (not reproducible)"
