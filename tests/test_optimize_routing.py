"""Tests of optimize.routing on instances small enough to solve by hand.

Most instances put the store and pickups on a line measured in minutes of driving at
60 km/h, so one minute is 60 s and 1,000 m: ``_line([10, 20, 30], ...)`` puts pickups 0,
1, 2 at 10, 20 and 30 min from the store (node 0), and the trip lengths below are sums of
those minutes.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from optimize.errors import SpecificationError
from optimize.routing import (
    RoutingProblem,
    RoutingResult,
    Trip,
    TruckType,
    check_trips,
    default_drop_penalty,
    default_search_solutions,
    screen_pickups,
    solve_routing,
    trucks_needed_lower_bound,
)
from tests.routing_cases import HOUR, MIN, line_problem

_line = line_problem


def _random(n: int, trucks: int, seed: int, **kw: object) -> RoutingProblem:
    """Seeded villages within 25 km of the store, 35 km/h, roads 1.3 x straight line."""
    rng = np.random.default_rng(seed)
    radius_km, angle = 25 * np.sqrt(rng.random(n)), 2 * np.pi * rng.random(n)
    xy = np.vstack([[0.0, 0.0], np.c_[radius_km * np.cos(angle), radius_km * np.sin(angle)]])
    road_km = 1.3 * np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    args: dict = dict(
        time_s=np.rint(road_km / 35 * HOUR).astype(np.int64),
        distance_m=np.rint(road_km * 1000).astype(np.int64),
        pickup_t=np.round(rng.uniform(0.3, 2.0, n), 2),
        service_s=np.full(n, 15 * MIN),
        n_trucks=trucks, trips_per_truck=3, truck_capacity_t=3.0,
        shift_s=8 * HOUR, freshness_limit_s=2 * HOUR, unload_s=20 * MIN,
        time_limit_s=2.0, seed=seed,
    )
    args.update(kw)
    return RoutingProblem(**args)


def _stop_sets(result: RoutingResult) -> set[frozenset[int]]:
    return {frozenset(t.stops) for t in result.trips}


def _same(a: RoutingResult, b: RoutingResult) -> bool:
    """Equal in everything but the wall-clock time."""
    return dataclasses.replace(a, time_s=0.0) == dataclasses.replace(b, time_s=0.0)


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


def test_shift_screens_out_a_round_trip_longer_than_the_shift() -> None:
    # 300 min out, 15 min loading, 300 min back = 615 min > 480 min shift.
    problem = _line([10, 300], [1, 1], service_s=np.array([15 * MIN, 15 * MIN]))
    result = solve_routing(problem)
    assert result.unserved == ((1, "store -> pickup -> store with loading and unloading "
                                   "needs 615 min, longer than the shift of 480 min"),)
    assert [t.stops for t in result.trips] == [(0,)]


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


def test_freshness_screening_reason() -> None:
    # 120 min drive + 15 min loading = 135 min against a 2 h limit.
    problem = _line([120, 30], [1, 1], service_s=np.array([15 * MIN, 15 * MIN]),
                    freshness_limit_s=2 * HOUR)
    assert screen_pickups(problem) == {
        0: "cannot reach the store within the freshness limit: needs 135 min, limit 120 min"}
    result = solve_routing(problem)
    assert result.unserved == ((0, screen_pickups(problem)[0]),)
    assert [t.stops for t in result.trips] == [(1,)]


def test_overweight_pickup_reason() -> None:
    problem = _line([10, 20], [3.5, 1.0], truck_capacity_t=3.0)
    result = solve_routing(problem)
    assert result.unserved == ((0, "load 3.5 t exceeds truck capacity 3 t"),)
    assert [t.stops for t in result.trips] == [(1,)]


def test_no_trucks_reason_for_every_pickup() -> None:
    problem = _line([10, 20], [1, 1], n_trucks=0)
    result = solve_routing(problem)
    assert result.trips == ()
    assert result.unserved == ((0, "no truck based at this store"),
                               (1, "no truck based at this store"))
    assert result.status == "nothing to route"
    assert check_trips(problem, result) == []


def test_no_pickups() -> None:
    problem = _line([], [])
    result = solve_routing(problem)
    assert (result.trips, result.unserved, result.status) == ((), (), "no pickups")


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


# -- the checker -------------------------------------------------------------------------
def test_check_trips_finds_injected_violations() -> None:
    problem = _line([10, 20, 30], [1, 1, 1], truck_capacity_t=1.0, trips_per_truck=3,
                    service_s=np.full(3, 15 * MIN), unload_s=10 * MIN)
    good = solve_routing(problem)
    assert check_trips(problem, good) == []
    first, second, third = good.trips

    early = dataclasses.replace(
        second, start_s=first.end_s - 60, arrival_s=tuple(a - 60 for a in second.arrival_s),
        end_s=second.end_s - 60, store_arrival_s=second.store_arrival_s - 60)
    found = check_trips(problem, dataclasses.replace(good, trips=(first, early, third)))
    assert any("before trip 0 ends" in v for v in found)

    wrong_time = dataclasses.replace(first, arrival_s=(first.arrival_s[0] - 1,))
    found = check_trips(problem, dataclasses.replace(good, trips=(wrong_time, second, third)))
    assert any("arrival at pickup" in v for v in found)

    dropped = dataclasses.replace(good, trips=(first, second), distance_m=good.distance_m
                                  - third.distance_m)
    assert check_trips(problem, dataclasses.replace(dropped)) == [
        f"pickup {third.stops[0]} is neither served nor listed as unserved"]

    tight = dataclasses.replace(problem, truck_capacity_t=0.5)
    assert sum("capacity 0.5 t" in v for v in check_trips(tight, good)) == 3

    stale = dataclasses.replace(problem, freshness_limit_s=10 * MIN)
    assert any("freshness limit" in v for v in check_trips(stale, good))

    short = dataclasses.replace(problem, shift_s=100 * MIN)
    assert any("outside the shift" in v for v in check_trips(short, good))


def test_check_trips_flags_totals_and_unknown_trucks() -> None:
    problem = _line([10], [1])
    good = solve_routing(problem)
    assert good.status == "success"  # one pickup: the branch budget, not the clock, stops it
    bad = dataclasses.replace(good, distance_m=1, trucks_used=2)
    assert len(check_trips(problem, bad)) == 2
    ghost = dataclasses.replace(good.trips[0], truck=3)
    assert "no such truck" in check_trips(problem, dataclasses.replace(good, trips=(ghost,)))[0]


# -- reproducibility and a medium instance ----------------------------------------------
def test_same_problem_same_result_twice() -> None:
    problem = _random(15, 3, seed=1)
    first, second = solve_routing(problem), solve_routing(problem)
    assert first.status == "success"
    assert _same(first, second)


def test_medium_random_instance_is_valid() -> None:
    problem = _random(40, 5, seed=3)
    result = solve_routing(problem)
    assert result.status == "success"
    assert check_trips(problem, result) == []
    assert all(isinstance(t, Trip) for t in result.trips)
    served = sum(len(t.stops) for t in result.trips)
    assert served + len(result.unserved) == 40
    assert served >= 35
    assert all(t.max_age_s <= 2 * HOUR for t in result.trips)


def test_search_budget_is_a_formula_not_a_clock() -> None:
    assert default_search_solutions(15, 2.0) == 1777
    assert default_search_solutions(60, 5.0) == 277
    assert default_search_solutions(1000, 2.0) == 50
    assert default_search_solutions(1, 100.0) == 5_000


# -- bounds ------------------------------------------------------------------------------
def test_trucks_needed_lower_bound() -> None:
    # 6 t in 2 t trucks = 3 trips; 1 trip a truck -> 3 trucks, 3 trips a truck -> 1 truck.
    one = _line([10, 20, 30], [2, 2, 2], truck_capacity_t=2.0, trips_per_truck=1)
    assert trucks_needed_lower_bound(one) == 3
    assert trucks_needed_lower_bound(dataclasses.replace(one, trips_per_truck=3)) == 1
    # Time: 45 min loading, >= 10 min out of each pickup (30 min) and >= 10 min out of the
    # store on each of the 3 trips (30 min) = 105 min > a 90 min shift -> 2 trucks.
    busy = dataclasses.replace(one, trips_per_truck=3, service_s=np.full(3, 15 * MIN),
                               shift_s=90 * MIN, freshness_limit_s=90 * MIN)
    assert trucks_needed_lower_bound(busy) == 2
    # Overweight pickups are not counted; n_trucks is ignored.
    assert trucks_needed_lower_bound(_line([10], [5.0], n_trucks=0)) == 0


# -- validation --------------------------------------------------------------------------
def test_invalid_problems_name_every_culprit() -> None:
    with pytest.raises(SpecificationError) as err:
        _line([10, 20], [1, 1], time_s=np.zeros((3, 2), dtype=np.int64), n_trucks=-1,
              truck_capacity_t=0.0)
    reasons = err.value.reasons
    assert any(r.startswith("time_s: expected shape (3, 3)") for r in reasons)
    assert any(r.startswith("n_trucks:") for r in reasons)
    assert any(r.startswith("truck_capacity_t:") for r in reasons)

    negative = np.array([[0, 60, 120], [60, 0, -5], [120, 60, 0]])
    with pytest.raises(SpecificationError, match=r"time_s: negative: time_s\[1, 2\] = -5"):
        _line([1, 2], [1, 1], time_s=negative)
    with pytest.raises(SpecificationError, match=r"distance_m: not a whole number"):
        _line([1, 2], [1, 1], distance_m=np.full((3, 3), 0.5))
    with pytest.raises(SpecificationError, match=r"pickup_t: not finite"):
        _line([1, 2], [1, float("nan")])
    with pytest.raises(SpecificationError, match=r"service_s: expected shape \(2,\)"):
        _line([1, 2], [1, 1], service_s=np.zeros(3, dtype=np.int64))
    with pytest.raises(SpecificationError, match="trips_per_truck"):
        _line([1], [1], trips_per_truck=0)


def test_problem_arrays_are_read_only_copies() -> None:
    loads = np.array([1.0, 1.0])
    problem = _line([10, 20], list(loads))
    with pytest.raises(ValueError):
        problem.pickup_t[0] = 5.0
    assert problem.time_s.dtype == np.int64


# -- freshness by crop -------------------------------------------------------------------
def _pair_by_crop(limits_min: list[int]) -> RoutingProblem:
    """Store 30 min from A and B, A-B 10 min, 15 min loading, per-pickup limits."""
    minutes = np.array([[0, 30, 30], [30, 0, 10], [30, 10, 0]])
    return RoutingProblem(
        time_s=minutes * MIN, distance_m=minutes * 1000, pickup_t=np.array([1.0, 1.0]),
        service_s=np.array([15 * MIN, 15 * MIN]), n_trucks=1, trips_per_truck=2,
        truck_capacity_t=3.0, shift_s=8 * HOUR, freshness_limit_s=8 * HOUR, time_limit_s=1.0,
        freshness_by_pickup_s=np.array(limits_min) * MIN)


def test_a_tight_crop_is_picked_up_last() -> None:
    # One trip (70 km) brings the first pickup in after 70 min and the second after 45 min.
    # B (pickup 1) allows 60 min, so it must be the second: store-A-B-store.
    problem = _pair_by_crop([80, 60])
    result = solve_routing(problem)
    assert check_trips(problem, result) == []
    assert [t.stops for t in result.trips] == [(0, 1)]
    assert result.distance_m == 70_000
    # Both at 60 min: no order works, so two trips (120 km).
    both = _pair_by_crop([60, 60])
    result = solve_routing(both)
    assert check_trips(both, result) == []
    assert result.distance_m == 120_000


def test_crop_limits_screen_and_check() -> None:
    problem = _pair_by_crop([40, 80])  # A alone needs 15 + 30 = 45 min > 40 min
    assert screen_pickups(problem) == {
        0: "cannot reach the store within the freshness limit: needs 45 min, limit 40 min"}
    with pytest.raises(SpecificationError, match=r"freshness_by_pickup_s: expected shape"):
        dataclasses.replace(problem, freshness_by_pickup_s=np.array([60]))
    with pytest.raises(SpecificationError, match=r"freshness_by_pickup_s: not > 0"):
        dataclasses.replace(problem, freshness_by_pickup_s=np.array([0, 60]))


# -- mixed fleet -------------------------------------------------------------------------
SMALL = TruckType("small", 2.0, fixed_cost_yuan=100, cost_per_km_yuan=2)
BIG = TruckType("big", 4.0, fixed_cost_yuan=150, cost_per_km_yuan=2, cost_per_h_yuan=30)


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
def _windowed() -> RoutingProblem:
    """A at 10 km must be reached by 15 min, B at 20 km not before 100 min; 60 min fresh."""
    windows = np.array([[0, 15 * MIN], [100 * MIN, 8 * HOUR]])
    return _line([10, 20], [1, 1], trips_per_truck=2, freshness_limit_s=60 * MIN,
                 time_window_s=windows)


def test_a_window_forces_a_later_trip() -> None:
    # One trip A-B (40 km) would reach A by 15 min and B at 100 min: trips never wait en
    # route, and waiting 80 min at B would age A 110 min > 60 min anyway. So two trips:
    # A at 10 min (back at 20 min), then B leaving the store at 80 min to arrive at 100 min
    # (60 km). B first is impossible: it ends at 120 min, too late for A.
    problem = _windowed()
    result = solve_routing(problem)
    assert check_trips(problem, result) == []
    assert [(t.stops, t.start_s, t.arrival_s) for t in result.trips] == [
        ((0,), 0, (10 * MIN,)), ((1,), 80 * MIN, (100 * MIN,))]
    assert result.distance_m == 60_000
    auto = solve_routing(dataclasses.replace(problem, engine="auto"))
    assert auto.status.endswith("OR-Tools used: the PyVRP path does not model time_window_s")
    assert _stop_sets(auto) == _stop_sets(result)


def test_window_screening_reasons() -> None:
    closed = np.array([[0, 5 * MIN]])  # 10 min drive, closes at 5 min
    assert screen_pickups(_line([10], [1], time_window_s=closed)) == {
        0: "time window closes at 5 min into the shift, the drive from the store takes 10 min"}
    late = np.array([[475 * MIN, 480 * MIN]])  # opens at 475 min, back at 485 > 480
    assert screen_pickups(_line([10], [1], time_window_s=late)) == {
        0: "time window opens at 475 min into the shift, so a trip to it ends at 485 min, "
           "after the shift of 480 min"}
    # One windowed pickup: the idle search is still stopped by the plain branch budget.
    alone = _line([10], [1], time_window_s=np.array([[20 * MIN, 30 * MIN]]))
    result = solve_routing(alone)
    assert result.status == "success"
    assert [(t.start_s, t.arrival_s) for t in result.trips] == [(10 * MIN, (20 * MIN,))]
    with pytest.raises(SpecificationError, match="opens after it closes"):
        _line([10], [1], time_window_s=np.array([[60, 30]]))


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


# -- the checker on the new features -----------------------------------------------------
def test_check_trips_catches_window_load_and_fleet_violations() -> None:
    windowed = _windowed()
    good = solve_routing(windowed)
    first, second = good.trips
    early = dataclasses.replace(  # B 10 min early, times consistent: only the window breaks
        second, start_s=70 * MIN, arrival_s=(90 * MIN,), store_arrival_s=110 * MIN,
        end_s=110 * MIN)
    found = check_trips(windowed, dataclasses.replace(good, trips=(first, early)))
    assert found == ["truck 0 trip 1: arrives at pickup 1 at 5400 s, outside its time "
                     "window 6000..28800 s"]

    loaded = _line([10, 20], [1.5, 0.5], truck_capacity_t=2.0, delivery_t=np.array([0.5, 1.0]))
    good = solve_routing(loaded)
    a_first = dataclasses.replace(good.trips[0], stops=(0, 1), arrival_s=(10 * MIN, 20 * MIN),
                                  load_after_t=(2.5, 2.0), max_age_s=30 * MIN)
    found = check_trips(loaded, dataclasses.replace(good, trips=(a_first,)))
    assert found == ["truck 0 trip 0: carries 2.5 t, capacity 2 t"]
    light = dataclasses.replace(good.trips[0], start_load_t=0.0)
    assert any("leaves with 0 t" in v
               for v in check_trips(loaded, dataclasses.replace(good, trips=(light,))))

    fleet = _line([10, 20], [2, 2], trucks=(SMALL, SMALL, BIG))
    good = solve_routing(fleet)
    wrong = dataclasses.replace(good.trips[0], truck_type="small")
    assert check_trips(fleet, dataclasses.replace(good, trips=(wrong,))) == [
        "truck 0 trip 0: carries 4 t, capacity 2 t"]
    two_smalls = solve_routing(dataclasses.replace(
        fleet, trucks=(SMALL, SMALL, dataclasses.replace(BIG, fixed_cost_yuan=300))))
    one_small = dataclasses.replace(fleet, trucks=(SMALL, BIG))
    assert check_trips(one_small, two_smalls) == [
        "truck type 'small': 2 trucks used, the fleet has 1"]
    ghost = dataclasses.replace(good.trips[0], truck_type="huge")
    assert check_trips(fleet, dataclasses.replace(good, trips=(ghost,))) == [
        "truck 0 trip 0: no truck of type 'huge' in the fleet"]
