"""The per-depot start of PyVRP's search on several depots (optimize.routing.multi_init)."""

from __future__ import annotations

import time

import numpy as np

from optimize.routing import multi_pyvrp
from optimize.routing.multi_init import assign_depots, depot_problem, initial_solution
from optimize.routing.multi_pyvrp import (
    pyvrp_data,
    run_search,
    search_params,
    solve_pyvrp_legs,
    start_solution,
)
from optimize.routing.multidepot import MultiDepotProblem


def line_case(xs: list[int], trucks: tuple[int, ...] = (1, 1), capacity_t: float = 1.0,
              pickup_t: float = 0.8, trips: int | None = 1) -> MultiDepotProblem:
    """Depots at x = 0 and x = 100, pickups at ``xs``; distance = time = |dx|."""
    nodes = np.array([0, 100, *xs])
    m = np.abs(nodes[:, None] - nodes[None, :]).astype(np.int64)
    n = len(xs)
    return MultiDepotProblem(
        time_s=m, distance_m=m, n_depots=2, trucks_per_depot=trucks,
        pickup_t=np.full(n, pickup_t), service_s=np.zeros(n, dtype=np.int64),
        truck_capacity_t=capacity_t, horizon_s=10_000, max_trips_per_truck=trips,
        time_limit_s=1.0)


def test_depots_by_round_trip_largest_regret_first_within_capacity() -> None:
    # round trips: x=10 -> 20 at A / 180 at B (regret 160), x=20 -> 40 / 160 (120),
    # x=90 -> 180 / 20 (160). A's single truck carries 1 t: only one 0.8 t pickup fits,
    # and the one with the larger regret (x=10) gets it; x=20 goes to B's second truck
    assert assign_depots(line_case([20, 10, 90], trucks=(1, 2))) == [1, 0, 1]
    # when it fits nowhere (B has one truck, taken by x=90) it goes to its nearest depot
    assert assign_depots(line_case([20, 10, 90])) == [0, 0, 1]
    # with room for all, each goes to its nearest depot
    roomy = line_case([20, 10, 90], capacity_t=5.0)
    assert assign_depots(roomy) == [0, 0, 1]
    # a depot without trucks is never chosen
    assert assign_depots(line_case([20, 10, 90], trucks=(0, 2), capacity_t=5.0)) == [1, 1, 1]


def test_depot_problem_keeps_one_depot_and_its_pickups() -> None:
    p = line_case([20, 10, 90, 40], capacity_t=5.0)
    sub = depot_problem(p, 1, [2, 0])
    assert (sub.n_depots, sub.trucks_per_depot, sub.n_pickups) == (1, (1,), 2)
    # node 0 = depot B (x=100), then x=90, x=20
    assert sub.distance_m.tolist() == [[0, 10, 80], [10, 0, 70], [80, 70, 0]]
    assert sub.pickup_t.tolist() == [0.8, 0.8]


def test_start_serves_every_pickup_from_its_assigned_depot() -> None:
    import pyvrp

    p = line_case([5, 10, 15, 85, 90, 95], trucks=(2, 2), capacity_t=2.0)
    data = pyvrp_data(p)
    far = time.perf_counter() + 60
    calls: list[tuple[int, int]] = []

    def solve(sub: MultiDepotProblem, moves: int) -> pyvrp.Solution:
        calls.append((sub.n_pickups, moves))
        return run_search(pyvrp_data(sub), search_params("single"), 0, ("moves", moves),
                          far)[0].best

    start = initial_solution(p, data, 10_000, solve)
    assert calls == [(3, 5_000), (3, 5_000)]      # the moves shared by pickup counts
    routes = start.routes()
    assert routes
    served = sorted(c for r in routes for c in (a.idx for a in r if a.is_client()))
    assert served == [0, 1, 2, 3, 4, 5]
    # pickups 0-2 (near x=0) from depot A, 3-5 from B; two 0.8 t pickups per 2 t truck:
    # best per depot {5} and {10, 15} (10 + 30), the same at B
    assert all(data.vehicle_type(r.vehicle_type()).start_depot ==
               (0 if max(a.idx for a in r if a.is_client()) < 3 else 1) for r in routes)
    assert start.is_feasible() and start.distance() == 2 * 15 + 2 * 15 + 2 * 5 + 2 * 5


def test_start_is_used_only_for_several_depots_one_trip_and_is_deterministic(
        monkeypatch) -> None:  # type: ignore[no-untyped-def]
    assert multi_pyvrp.INIT_SHARE == 0.0          # off by default (measured, no gain)
    p = line_case([5, 10, 85, 90], trucks=(2, 2), capacity_t=2.0)
    assert start_solution(p, pyvrp_data(p), ("moves", 40_000), time.perf_counter() + 60) \
        == (None, 0)
    monkeypatch.setattr(multi_pyvrp, "INIT_SHARE", 0.25)
    p = line_case([5, 10, 15, 85, 90, 95], trucks=(2, 2), capacity_t=2.0)
    far = time.perf_counter() + 60
    start, used = start_solution(p, pyvrp_data(p), ("moves", 40_000), far)
    again, used_again = start_solution(p, pyvrp_data(p), ("moves", 40_000), far)
    # 25 % of 40,000 moves (6 pickups: a move costs the same in the parts and the whole)
    assert start is not None and used == used_again >= 10_000
    assert start.distance() == again.distance()
    assert start_solution(p, pyvrp_data(p), ("iterations", 100), far) == (None, 0)
    reloads = line_case([5, 10, 85, 90], trucks=(2, 2), capacity_t=2.0, trips=2)
    assert start_solution(reloads, pyvrp_data(reloads), ("moves", 40_000), far) == (None, 0)
    one_home = line_case([5, 10, 85, 90], trucks=(0, 3), capacity_t=2.0)
    assert start_solution(one_home, pyvrp_data(one_home), ("moves", 40_000), far) == (None, 0)


def test_legs_with_and_without_the_start_serve_everyone(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    p = line_case([5, 10, 15, 85, 90, 95], trucks=(2, 2), capacity_t=2.0)
    monkeypatch.setattr(multi_pyvrp, "INIT_SHARE", 0.25)
    legs, feasible, timed_out = solve_pyvrp_legs(p, 60.0, time.perf_counter())
    monkeypatch.setattr(multi_pyvrp, "INIT_SHARE", 0.0)
    plain, plain_feasible, _ = solve_pyvrp_legs(p, 60.0, time.perf_counter())
    for plan in (legs, plain):
        stops = sorted(s for v in plan.values() for leg in v for s in leg.stops)
        assert stops == [0, 1, 2, 3, 4, 5]
    assert feasible and plain_feasible and not timed_out
