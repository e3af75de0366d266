"""Tests of optimize.routing.bounds: the search budget and the trucks a store needs.

Line instances (tests/routing_cases.py): store and pickups on a line measured in minutes
of driving at 60 km/h, so one minute is 60 s and 1,000 m.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from optimize.routing.bounds import default_search_solutions, trucks_needed_lower_bound
from tests.routing_cases import MIN, line_problem

_line = line_problem


def test_search_budget_is_a_formula_not_a_clock() -> None:
    # 2 s / (2.5e-4 x 15 + 4e-6 x 225 = 4.65e-3 s) = 430.1; was 1,777 (2.5 CPU s).
    assert default_search_solutions(15, 2.0) == 430
    # 2 / (0.010 + 0.0064) = 121.95; 5 / (0.015 + 0.0144) = 170.07.
    assert default_search_solutions(40, 2.0) == 121
    assert default_search_solutions(60, 5.0) == 170
    assert default_search_solutions(1000, 2.0) == 50
    assert default_search_solutions(1, 100.0) == 5_000


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
