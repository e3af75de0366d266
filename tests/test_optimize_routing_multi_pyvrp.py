"""The PyVRP model of a multi-depot problem: budget, pruned arcs, data and routes."""

from __future__ import annotations

import time

import numpy as np

from optimize.routing.multi_pyvrp import (
    PRUNED_FACTOR,
    pruned_matrices,
    pyvrp_data,
    pyvrp_iterations,
    search_params,
    solve_pyvrp_legs,
)
from optimize.routing.multi_schedule import Leg
from tests.multidepot_cases import ride_case


def test_budget_is_a_fixed_formula_of_size_and_limit() -> None:
    assert pyvrp_iterations(ride_case()) == 300               # explicit count wins
    p = ride_case(search_iterations=None, time_limit_s=10.0)
    # reloads allowed: 510 it/s whatever the size, x 10 s
    assert pyvrp_iterations(p) == 5100
    single = ride_case(search_iterations=None, time_limit_s=10.0, max_trips_per_truck=1)
    assert pyvrp_iterations(single) == round(10 * 1400 * (100 / 5) ** 0.5)   # 62,610


def test_search_settings_reach_pyvrp() -> None:
    params = search_params()
    assert params.perturbation.max_perturbations == 10
    assert params.ils.history_length == 100
    assert params.neighbourhood.num_neighbours == 50           # PyVRP's default kept
    # without reloads: PyVRP's defaults (25 perturbations, history 300)
    single = search_params(reloads=False)
    assert single.perturbation.max_perturbations == 25 and single.ils.history_length == 300


def test_arcs_no_valid_ride_can_use_are_priced_out() -> None:
    p = ride_case(ride_limit_s=np.array([15, 20, 20, 20, 20]), unload_s=3)
    dist, dur = pruned_matrices(p)
    # pickup 0 -> 1 -> nearest depot = 6 + 10 = 16 > 15: dead; 1 -> 0 (16 <= 20) lives
    assert dist[2, 3] == PRUNED_FACTOR * 100 and dist[3, 2] == 6
    assert dur[2, 3] == PRUNED_FACTOR * 1000
    assert dur[2, 0] == 13 and dur[0, 2] == 10               # unloading on arcs into depots
    assert dist[5, 6] == 6 and dist[2, 0] == 10


def test_data_has_one_vehicle_type_per_depot_with_reloads() -> None:
    data = pyvrp_data(ride_case(trucks_per_depot=(0, 2), reload_depots=(0,)))
    (vt,) = data.vehicle_types()
    assert (vt.num_available, vt.start_depot, vt.end_depot) == (2, 1, 1)
    assert list(vt.reload_depots) == [1, 0] and vt.max_reloads == 1
    assert [c.pickup[0] for c in data.clients()] == [1000] * 5
    assert vt.capacity[0] == 5000


def test_pyvrp_plan_as_legs_per_truck() -> None:
    legs, feasible, timed_out = solve_pyvrp_legs(ride_case(), 60.0, time.perf_counter())
    assert feasible and not timed_out
    assert sorted(legs) == [0, 1]
    assert legs[1] == [Leg((3, 4), 1, "pyvrp")] or legs[1] == [Leg((4, 3), 1, "pyvrp")]
    assert sorted(legs[0][0].stops) == [0, 1, 2] and len(legs[0]) == 1
