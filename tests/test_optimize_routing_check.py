"""Tests of optimize.routing.check: violations injected into valid plans are found.

Line instances (tests/routing_cases.py): store and pickups on a line measured in minutes
of driving at 60 km/h, so one minute is 60 s and 1,000 m.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from optimize.routing.check import check_trips
from optimize.routing.solve import solve_routing
from tests.routing_cases import BIG, MIN, SMALL, line_problem, windowed

_line = line_problem


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






def test_check_trips_catches_window_load_and_fleet_violations() -> None:
    problem = windowed()
    good = solve_routing(problem)
    first, second = good.trips
    early = dataclasses.replace(  # B 10 min early, times consistent: only the window breaks
        second, start_s=70 * MIN, arrival_s=(90 * MIN,), store_arrival_s=110 * MIN,
        end_s=110 * MIN)
    found = check_trips(problem, dataclasses.replace(good, trips=(first, early)))
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
