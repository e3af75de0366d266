"""The PyVRP model of a multi-depot problem: budget, pruned arcs, data and routes."""

from __future__ import annotations

import time

import numpy as np

from optimize.routing.multi_pyvrp import (
    PRUNED_FACTOR,
    pruned_matrices,
    pyvrp_budget,
    pyvrp_data,
    pyvrp_iterations,
    pyvrp_moves,
    run_search,
    search_params,
    search_shape,
    solve_pyvrp_legs,
)
from optimize.routing.multi_schedule import Leg
from optimize.routing.multidepot import MultiDepotProblem
from tests.multidepot_cases import ride_case


def test_budget_is_a_fixed_formula_of_size_and_limit() -> None:
    assert pyvrp_budget(ride_case()) == ("iterations", 300)    # explicit count wins
    p = ride_case(search_iterations=None, time_limit_s=10.0)
    # several depots: moves filling 93 % of 10 s at 42 ns a move (5 clients <= 400)
    assert pyvrp_budget(p) == ("moves", round(0.93 * 10 * 1e9 / 42))    # 221,428,571
    # beyond 400 clients a move costs more: 42 x (800 / 400) ** 0.3 = 51.7 ns
    assert pyvrp_moves(_with_clients(800, 10.0)) == round(0.93 * 10 * 1e9 / (42 * 2 ** 0.3))
    # one depot, one trip per truck (CVRP / VRPTW): the iteration formula, as measured
    one = _with_clients(5, 10.0, n_depots=1, trips=1)
    assert pyvrp_budget(one) == ("iterations", round(10 * 1400 * (100 / 5) ** 0.5))
    assert pyvrp_iterations(one) == 62610


def _with_clients(n: int, limit_s: float, n_depots: int = 2, trips: int | None = 2
                  ) -> MultiDepotProblem:
    """``n`` pickups on a line, 1 t each, ``n_depots`` depots with 2 trucks each."""
    xs = np.concatenate([np.zeros(n_depots), np.arange(1, n + 1)])
    m = (10 * np.abs(xs[:, None] - xs[None, :])).astype(np.int64)
    return MultiDepotProblem(
        time_s=m, distance_m=m, n_depots=n_depots, trucks_per_depot=(2,) * n_depots,
        pickup_t=np.ones(n), service_s=np.zeros(n, dtype=np.int64), truck_capacity_t=4.0,
        horizon_s=10**7, max_trips_per_truck=trips, time_limit_s=limit_s)


def test_move_budget_ends_the_search_deterministically() -> None:
    data = pyvrp_data(ride_case())
    budget = ("moves", 200_000)
    far = time.perf_counter() + 60
    first, moves = run_search(data, search_params(), 0, budget, far)
    again, moves_again = run_search(data, search_params(), 0, budget, far)
    # the count ends it (it is checked between iterations, so it may pass the budget a bit)
    assert 200_000 <= moves < 201_000 and moves == moves_again
    assert first.num_iterations == again.num_iterations > 0
    assert first.best.distance() == again.best.distance() == 58     # the unrepaired optimum
    routes = [[a.idx for a in r] for r in first.best.routes()]
    assert routes == [[a.idx for a in r] for r in again.best.routes()]
    # larger problems spend the same moves in fewer iterations (each one evaluates more)
    iterations = [run_search(pyvrp_data(_with_clients(n, 1.0)), search_params(), 0, budget,
                             far)[0].num_iterations for n in (12, 40)]
    assert first.num_iterations > iterations[0] > iterations[1] > 0


def test_iteration_budget_gives_pyvrps_own_solve() -> None:
    import pyvrp
    from pyvrp.stop import MaxIterations

    data = pyvrp_data(ride_case())
    ours, _ = run_search(data, search_params(), 3, ("iterations", 200), time.perf_counter() + 60)
    theirs = pyvrp.solve(data, stop=MaxIterations(200), seed=3, display=False,
                         collect_stats=False, params=search_params())
    assert ours.num_iterations == theirs.num_iterations == 200
    assert ours.best.distance() == theirs.best.distance()
    routes = [[a.idx for a in r] for r in ours.best.routes()]
    assert routes == [[a.idx for a in r] for r in theirs.best.routes()]


def test_search_settings_reach_pyvrp() -> None:
    params = search_params()
    assert params.perturbation.max_perturbations == 10
    assert params.ils.history_length == 100
    assert params.neighbourhood.num_neighbours == 50           # PyVRP's default kept
    # one depot, one trip (CVRP / VRPTW): PyVRP's defaults (25 perturbations, history 300)
    single = search_params("single")
    assert single.perturbation.max_perturbations == 25 and single.ils.history_length == 300
    assert single.neighbourhood.num_neighbours == 50
    # several depots, one trip each (MDVRPTW): 40 neighbours, history 150, 25 perturbations
    depots = search_params("depots")
    assert depots.neighbourhood.num_neighbours == 40 and depots.ils.history_length == 150
    assert depots.perturbation.max_perturbations == 25


def test_shape_picks_the_settings() -> None:
    assert search_shape(ride_case()) == "reloads"                        # 2 trips a truck
    assert search_shape(ride_case(max_trips_per_truck=None)) == "reloads"
    assert search_shape(ride_case(max_trips_per_truck=1)) == "depots"     # 2 depots
    assert search_shape(_with_clients(5, 1.0, n_depots=1, trips=1)) == "single"


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
