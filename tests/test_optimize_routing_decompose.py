"""Route-based decomposition of large one-depot problems (session 7)."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pytest

from optimize.routing import decompose
from optimize.routing.decompose import (
    LargeBudget,
    applies,
    improve,
    large_budget,
    medoid,
    nearest_routes,
    objective,
    route_visits,
)
from optimize.routing.multi_pyvrp import (
    pyvrp_budget,
    pyvrp_data,
    run_search,
    search_params,
    solve_pyvrp_legs,
)
from optimize.routing.multidepot import MultiDepotProblem
from optimize.routing.solve import solve_routing

CAPACITY = 10


def grid_case(side: int = 8, n: int = 60) -> tuple[np.ndarray, np.ndarray]:
    """Depot at the grid's corner, ``n`` clients on an ``side x side`` grid (10 apart),
    demands 1..3; returns the integer (nint) Euclidean matrix and the demands."""
    rng = np.random.default_rng(7)
    cells = rng.permutation(side * side)[:n]
    xy = np.vstack([[0.0, 0.0], np.c_[cells % side, cells // side] * 10.0 + 5.0])
    diff = xy[:, None, :] - xy[None, :, :]
    dist = np.floor(np.sqrt((diff ** 2).sum(axis=2)) + 0.5).astype(np.int64)
    return dist, rng.integers(1, 4, size=n)


def grid_data(n_depots: int = 1, reloads: bool = False) -> Any:
    import pyvrp

    dist, demand = grid_case()
    if n_depots == 2:
        dist = np.vstack([dist[:1], dist])
        dist = np.hstack([dist[:, :1], dist])
    locations = [pyvrp.Location(0.0, 0.0) for _ in range(len(dist))]
    clients = [pyvrp.Client(n_depots + i, delivery=[int(q)]) for i, q in enumerate(demand)]
    depots = [pyvrp.Depot(k) for k in range(n_depots)]
    extra: dict[str, Any] = {"reload_depots": [0], "max_reloads": 2} if reloads else {}
    vehicle = pyvrp.VehicleType(len(demand), capacity=[CAPACITY], **extra)
    return pyvrp.ProblemData(locations, clients, depots, [vehicle], [dist], [dist])


def poor_start(data: Any) -> Any:
    """Feasible but poor: clients in index order, a new route when the next does not fit."""
    from pyvrp import Solution

    routes: list[list[int]] = [[]]
    load = 0
    for c, client in enumerate(data.clients()):
        q = client.delivery[0]
        if load + q > CAPACITY:
            routes.append([])
            load = 0
        routes[-1].append(c)
        load += q
    return Solution(data, routes)


def test_improve_keeps_clients_capacity_and_never_costs_more(monkeypatch) -> None:
    monkeypatch.setattr(decompose, "SUB_CLIENTS", 15)   # sub-problems of a few routes
    data = grid_data()
    start = poor_start(data)
    assert start.is_feasible()
    budget = LargeBudget(full_iterations=0, sub_count=12, sub_moves=200_000)
    params = search_params("single")
    best, stats = improve(data, start, params, 3, budget, time.perf_counter() + 60)
    routes = route_visits(best)
    assert routes
    assert sorted(c for r in routes for c in r) == list(range(60))      # each client once
    demand = [c.delivery[0] for c in data.clients()]
    loads = [sum(demand[c] for c in r) for r in routes]
    assert max(loads) <= CAPACITY and best.is_feasible()
    assert stats.solved == 12 and 0 < stats.improved <= 12
    assert stats.cost_before == objective(start) == start.distance()
    assert stats.cost_after == objective(best) < objective(start)
    again, stats_again = improve(data, start, params, 3, budget, time.perf_counter() + 60)
    assert route_visits(again) == routes and stats_again == stats        # same seed, same plan
    # from a better start it still never gets costlier
    third, _ = improve(data, best, params, 4, budget, time.perf_counter() + 60)
    assert third.is_feasible() and objective(third) <= objective(best)


def test_past_the_deadline_nothing_is_solved() -> None:
    data = grid_data()
    start = poor_start(data)
    best, stats = improve(data, start, search_params("single"), 0, LargeBudget(0, 5, 1000),
                          time.perf_counter() - 1)
    assert stats.solved == 0 and best is start


def test_the_gate_leaves_small_and_other_shapes_alone(monkeypatch) -> None:
    assert decompose.LARGE_MIN_CLIENTS == 1500 and not applies(grid_data())  # 60 clients
    monkeypatch.setattr(decompose, "LARGE_MIN_CLIENTS", 50)
    assert applies(grid_data())
    assert not applies(grid_data(n_depots=2))
    assert not applies(grid_data(reloads=True))


def test_large_budget_is_a_formula_of_size_and_limit() -> None:
    # 3,000 clients, 300 s: 0.9 x 300 = 270 CPU s; 15 % at 0.5 + 0.0008 x 3000 = 2.9 ms an
    # iteration -> floor(40.5 / 0.0029) = 13,965; 85 % at 0.45 s a sub-problem -> 510
    assert large_budget(3000, 300.0) == LargeBudget(13965, 510, 10_000_000)
    assert large_budget(6000, 300.0).full_iterations == 7641      # 40.5 / 0.0053 = 7641.5
    assert large_budget(3000, 0.001) == LargeBudget(1, 1, 10_000_000)


def test_medoid_and_nearest_routes_by_hand() -> None:
    xy = np.array([0, 1, 2, 3, 20, 21, 40, 41, 42])
    dist = np.abs(xy[:, None] - xy[None, :])
    location = np.arange(1, 9)          # client c sits at location c + 1
    assert medoid(dist, location, [0, 1, 2]) == 2     # locations 1, 2, 3: 2 is the middle
    centre = np.array([2, 4, 7])        # three routes around 2, 20 and 41
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(decompose, "SUB_CLIENTS", 4)
        assert nearest_routes(dist, centre, 0, [3, 2, 3]) == [0, 1]   # 3 + 2 >= 4
        assert nearest_routes(dist, centre, 2, [3, 2, 3]) == [2, 1]
        mp.setattr(decompose, "SUB_CLIENTS", 6)
        assert nearest_routes(dist, centre, 2, [3, 2, 3]) == [2, 1, 0]


def cvrp_problem(time_limit_s: float = 1.0) -> MultiDepotProblem:
    dist, demand = grid_case()
    m = len(demand)
    return MultiDepotProblem(
        time_s=dist, distance_m=dist, n_depots=1, trucks_per_depot=(m,),
        pickup_t=demand.astype(float) / 1000, service_s=np.zeros(m, dtype=np.int64),
        truck_capacity_t=CAPACITY / 1000, horizon_s=int(dist.max()) * (m + 2) + 1,
        max_trips_per_truck=1, time_limit_s=time_limit_s, seed=0, engine="auto",
        wall_safety=50.0)


def test_small_problems_keep_their_budget_and_plan() -> None:
    problem = cvrp_problem()
    assert pyvrp_budget(problem) == ("iterations", round(1400 * (100 / 60) ** 0.5))
    legs, feasible, _ = solve_pyvrp_legs(problem, 60.0, time.perf_counter())
    data = pyvrp_data(problem)
    result, _ = run_search(data, search_params("single"), 0, pyvrp_budget(problem),
                           time.perf_counter() + 60)
    alone = sorted(tuple(r) for r in route_visits(result.best))
    assert feasible and sorted(leg.stops for v in legs.values() for leg in v) == alone
    assert {leg.engine for v in legs.values() for leg in v} == {"pyvrp"}


def test_above_the_gate_solve_routing_decomposes(monkeypatch) -> None:
    monkeypatch.setattr(decompose, "LARGE_MIN_CLIENTS", 50)
    monkeypatch.setattr(decompose, "SUB_CLIENTS", 15)
    monkeypatch.setattr(decompose, "SUB_MOVES", 100_000)
    result = solve_routing(cvrp_problem(0.2))
    assert result.trips
    assert {t.engine for t in result.trips} == {"pyvrp+decompose"}
    assert sorted(s for t in result.trips for s in t.stops) == list(range(60))
    assert not result.unserved and result.status == "success"
