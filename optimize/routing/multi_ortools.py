"""A multi-depot, multi-trip problem on OR-Tools routing, ride time modelled exactly.

Formulation (OR-Tools vehicles are trip *slots*):

- truck ``k`` of depot ``d`` gets ``S_k`` slots (``max_trips_per_truck``, or without a
  limit :func:`slots_per_truck`), each a vehicle starting and ending at ``d`` (this model
  reloads at home only; ``reload_depots`` are not used, which keeps its plans valid);
- arc cost = ``distance_m``; time dimension transit = loading at the from-pickup + driving
  (+ ``unload_s`` into a depot), waiting allowed (slack), every cumul in ``[0, horizon]``,
  pickups' cumuls in their windows;
- slot ``j + 1`` of a truck starts after slot ``j`` ends; the truck's last end minus its
  first start is at most the shift;
- release: the slot serving pickup ``i`` starts at or after ``release_s[i]`` (an element
  constraint on the pickup's vehicle variable);
- ride time: the slot's end minus unloading minus pickup ``i``'s cumul is at most
  ``ride_limit_s[i]`` (element constraint as well);
- capacity per slot in whole kg; every pickup may be dropped at a penalty larger than
  any plan's length, so the search serves all it can, then drives the fewest metres.

Search: ``PARALLEL_CHEAPEST_INSERTION`` then guided local search (measured on C205R0.25 and
PR21A, first solution only: ``PATH_CHEAPEST_ARC`` took 15 s and served none of 100 /
dropped 10 of 420, this 1.4 s serving 16 / 5.6 s serving all; the slot chaining defeats
OR-Tools' construction on multi-trip sets, see ``benchmarks/README.md``), stopped after a
solution count derived from ``time_limit_s``
(:func:`~optimize.routing.bounds.default_search_solutions`) or ``search_iterations`` when
given (a huge count leaves only the clock: the benchmark's "plain OR-Tools" peer).
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np

from optimize.routing.bounds import default_search_solutions
from optimize.routing.multi_schedule import Leg
from optimize.routing.multidepot import MultiDepotProblem
from optimize.routing.problem import kg_down, kg_up


def slots_per_truck(problem: MultiDepotProblem) -> int:
    """Trip slots per truck: the limit, else 1.5 x the trips tonnage needs, shared, + 1."""
    if problem.max_trips_per_truck is not None:
        return problem.max_trips_per_truck
    kg = sum(kg_up(float(t)) for t in problem.pickup_t)
    trips = math.ceil(kg / max(kg_down(problem.truck_capacity_t), 1))
    return max(1, min(problem.n_pickups, math.ceil(1.5 * trips / max(problem.n_trucks, 1)) + 1))


def _transit(problem: MultiDepotProblem) -> np.ndarray:
    d = problem.n_depots
    out = np.array(problem.time_s, dtype=np.int64)
    out[d:, :] += np.asarray(problem.service_s, dtype=np.int64)[:, None]
    out[d:, :d] += problem.unload_s
    return out


def _model(problem: MultiDepotProblem) -> tuple[Any, Any, list[tuple[int, int]]]:
    """Manager, routing model and the (truck, slot) of each OR-Tools vehicle."""
    from ortools.constraint_solver import pywrapcp

    slots = slots_per_truck(problem)
    owners = [(k, j) for k in range(problem.n_trucks) for j in range(slots)]
    homes = [problem.depot_of(k) for k, _ in owners]
    manager = pywrapcp.RoutingIndexManager(problem.n_depots + problem.n_pickups,
                                           len(owners), homes, homes)
    routing = pywrapcp.RoutingModel(manager)
    arc = routing.RegisterTransitMatrix(np.asarray(problem.distance_m).tolist())
    routing.SetArcCostEvaluatorOfAllVehicles(arc)
    demand = [0] * problem.n_depots + [kg_up(float(t)) for t in problem.pickup_t]
    load = routing.RegisterUnaryTransitVector(demand)
    routing.AddDimension(load, 0, kg_down(problem.truck_capacity_t), True, "load")
    clock = routing.RegisterTransitMatrix(_transit(problem).tolist())
    routing.AddDimension(clock, problem.horizon_s, problem.horizon_s, False, "time")
    penalty = (problem.n_pickups + 2 * len(owners)) * max(int(problem.distance_m.max()), 1) + 1
    for i in range(problem.n_pickups):
        routing.AddDisjunction([manager.NodeToIndex(problem.node(i))], penalty)
    _time_constraints(problem, manager, routing, owners)
    return manager, routing, owners


def _time_constraints(problem: MultiDepotProblem, manager: Any, routing: Any,
                      owners: list[tuple[int, int]]) -> None:
    """Windows, chaining, shift, release and ride time on the time dimension."""
    dim, solver = routing.GetDimensionOrDie("time"), routing.solver()
    starts = [dim.CumulVar(routing.Start(v)) for v in range(len(owners))]
    ends = [dim.CumulVar(routing.End(v)) for v in range(len(owners))]
    for v, (k, j) in enumerate(owners):
        if j > 0:
            solver.Add(starts[v] >= ends[v - 1])
        if v + 1 == len(owners) or owners[v + 1][0] != k:
            solver.Add(ends[v] - starts[v - j] <= problem.day_s)
    # a dropped pickup's vehicle is -1: it indexes these free pads (0 + 1 = slot 0)
    pad_start = solver.IntVar(0, problem.horizon_s, "unused-start")
    pad_end = solver.IntVar(0, problem.horizon_s, "unused-end")
    for i in range(problem.n_pickups):
        index = manager.NodeToIndex(problem.node(i))
        dim.CumulVar(index).SetRange(*problem.window_of(i))
        slot = (routing.VehicleVar(index) + 1).Var()
        if problem.release_of(i) > 0:
            solver.Add(solver.Element([pad_start, *starts], slot) >= problem.release_of(i))
        limit = problem.ride_limit_of(i)
        if limit is not None:
            back = solver.Element([pad_end, *ends], slot)
            solver.Add(back - dim.CumulVar(index) <= limit + problem.unload_s)


def solve_ortools_legs(problem: MultiDepotProblem, cap_s: float,
                       started: float) -> tuple[dict[int, list[Leg]], bool]:
    """OR-Tools' plan as legs per truck and whether the clock stopped the search.

    ``cap_s`` is the wall-clock cap in seconds since ``started``. The search stops after
    ``search_iterations`` solutions, else :func:`default_search_solutions`.
    """
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    manager, routing, owners = _model(problem)
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = (
        routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION)
    params.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH)
    params.solution_limit = problem.search_iterations or default_search_solutions(
        problem.n_pickups, problem.time_limit_s)
    left_s = max(cap_s - (time.perf_counter() - started), 0.05)
    params.time_limit.FromMilliseconds(max(1, round(left_s * 1000)))
    solution = routing.SolveWithParameters(params)
    timed_out = time.perf_counter() - started >= cap_s - 0.05
    out: dict[int, list[Leg]] = {}
    if solution is None:
        return out, timed_out
    for v, (k, _) in enumerate(owners):
        index, stops = solution.Value(routing.NextVar(routing.Start(v))), []
        while not routing.IsEnd(index):
            stops.append(manager.IndexToNode(index) - problem.n_depots)
            index = solution.Value(routing.NextVar(index))
        if stops:
            out.setdefault(k, []).append(Leg(tuple(stops), problem.depot_of(k), "ortools"))
    return out, timed_out
