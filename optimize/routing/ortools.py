"""The OR-Tools model of a cold store's day: chained trips, freshness, shift, capacity.

Trucks based at the store (the depot, node 0) drive out, load produce at villages
(pickups, nodes 1..n) and bring it into cold storage. A truck may make several trips in
its shift; each trip starts and ends at the store, and unloading there takes
``unload_s``. :func:`solve_ortools` solves the pickups that passed screening
(:func:`~optimize.routing.screen.screen_pickups`) and reports trips through
:func:`~optimize.routing.schedule.schedule_trips`;
:func:`optimize.routing.solve.solve_routing` is the entry point that validates, screens
and picks the engine.

Formulation (OR-Tools routing, CamelCase ``pywrapcp`` API)
----------------------------------------------------------
Vehicles are truck-trip *slots*: ``n_trucks * trips_per_truck`` of them, slot
``v = truck * trips_per_truck + trip``, all starting and ending at node 0. An unused slot
is an empty route (start -> end, cost 0).

Objective
    minimise  sum of arc distances (metres)  +  sum of drop penalties.
    Distance, not time, is the arc cost: fuel (about 14 L/100 km for a 4.2 m reefer) and
    the cold-chain freight rate (yuan per t km) are per kilometre (PARAMETERS.md §2), while
    time is already bounded by the shift and the freshness limit. The default drop penalty
    exceeds the length of any complete solution, so serving one more pickup always beats
    any saving in distance: the solver serves as many pickups as it can, then drives as
    little as it can.

Load dimension
    transit = tonnes at the pickup, in whole kilograms (``RegisterUnaryTransitVector``);
    capacity = truck capacity in kilograms. Pickups are rounded up and the capacity down,
    so rounding never lets an overloaded trip through.

Time dimension
    transit(i -> j) = loading time at i (0 at the store) + travel(i, j), plus ``unload_s``
    when a pickup ``i`` returns to the store ``j = 0``; an empty slot (store -> store)
    costs 0. Cumul at a pickup = arrival time there (seconds from shift start); cumul at a
    slot's end = when the truck has unloaded and is free again. Capacity ``shift_s``
    bounds every trip's end, so all trips including the last unloading fit in the shift.
    Slack is 0: a truck never idles *inside* a trip, because produce on board would age
    without the freshness dimension seeing it. Waiting *between* trips is free: the start
    cumul of each slot is a variable in ``[0, shift_s]``.

Freshness dimension
    transit(store -> j) = 0; transit(i -> j) = loading time at i + travel(i, j) for a
    pickup i (to another pickup or to the store; no unloading). Start cumul fixed to 0,
    slack 0, capacity ``freshness_limit_s``. The cumul is therefore 0 on arrival at the
    first pickup and grows with the trip's clock from there, so at the slot's end it is
    *the age of the first, and oldest, pickup on board when it reaches the store* (age
    counted from the truck's arrival at the pickup, as loading starts). Every later pickup
    is younger, and cumuls only grow along a route, so bounding the end cumul by the limit
    bounds the age of every pickup on the trip.

Freshness by crop (optional ``freshness_by_pickup_s``)
    Pickup ``i`` may have its own, tighter limit ``L_i`` (its crop's). Then, besides the
    dimension capacity (the store-wide limit), ``F(end of i's slot) <= F(i) + L_i`` with
    ``F`` the freshness cumul: the end cumul is picked by an ``Element`` on the slot
    variable of ``i`` (index shifted by one, so a dropped pickup, slot -1, reads 0).

Trip chaining
    For each truck and trip k: ``time.End(slot k) <= time.Start(slot k + 1)`` (a
    ``solver.Add`` on the cumul variables): the next trip leaves only after this one has
    unloaded. An unused slot has start = end and imposes nothing.

Mixed fleet (optional ``trucks``)
    One :class:`TruckType` per truck replaces ``n_trucks`` identical trucks; each truck
    still has ``trips_per_truck`` slots, and each slot gets its truck's capacity (load
    dimension) and shift (time dimension) via ``AddDimensionWithVehicleCapacity``. The
    objective becomes money in whole yuan-cents: each slot's arc cost is
    ``cost_per_km x km + cost_per_h x h`` (``SetArcCostEvaluatorOfVehicle``, hours = the
    time transit: loading, driving, unloading; waiting at the store is free) and the
    truck's fixed cost sits on its first slot (``SetFixedCostOfVehicle``), with
    ``active(slot k + 1) <= active(slot k)`` so a used truck always uses its first slot
    and pays the fixed cost exactly once. Screening tests loads against the largest
    truck and round trips against the longest shift. Without ``trucks`` the model is
    exactly the one above (objective in metres).

Time windows (optional ``time_window_s``)
    The time cumul at pickup ``i`` (arrival = start of loading) is restricted to its
    window with ``CumulVar(...).SetRange``. Slack stays 0, so a truck never waits *inside*
    a trip: waiting there would age the produce already on board unseen by the freshness
    dimension. A truck waits for a window only at the store, by leaving later (each
    slot's start cumul is free); this is the same as slack before the first pickup,
    where the freshness clock has not started. Cost of that choice: a trip whose later
    stop opens after its earlier stop closes is split into two trips even when waiting
    would have kept the produce fresh enough. The reported schedule
    (:func:`~optimize.routing.schedule.earliest_departure`) leaves each trip as early as
    its windows allow.

Deliveries (optional ``delivery_t``)
    Tonnes carried from the store to a stop are loaded at the start: the ``load``
    dimension has transit ``pickup - delivery`` (kg, each rounded up) and a free start
    cumul, and a second dimension ``delivered`` (transit = delivery, start 0) sums the
    route's deliveries; ``load.Start(v) == delivered.End(v)`` makes the truck leave with
    all of them. The load cumul is then the load on board at every point of the trip
    (leaving, between stops, arriving back), and the capacity bound on every cumul
    holds the capacity everywhere.

Optional pickups
    Every pickup is a one-node disjunction with the drop penalty (``AddDisjunction``), so
    the solver always returns a plan; a pickup left out is reported with a reason.

Screening
    Before solving, pickups that no truck could serve are removed with a precise reason
    instead of being handed to the solver: no truck at the store, load over the truck's
    capacity, store -> pickup -> store longer than the shift, or loading plus the drive to
    the store longer than the freshness limit (see
    :func:`~optimize.routing.screen.screen_pickups`).

Search and reproducibility
    ``PATH_CHEAPEST_ARC`` builds the first solution, then ``GUIDED_LOCAL_SEARCH`` improves
    it. Routing local search has no random component, so the only source of
    non-determinism is *where it stops*: a wall-clock limit stops it after however many
    moves the machine managed. The search is therefore stopped by ``solution_limit``, a
    count of solutions the local search accepts, which is a fixed amount of work: the same
    problem gives the same plan on any load and any machine with the same OR-Tools build.
    The budget is computed from ``time_limit_s`` and the number of pickups by a fixed,
    measured cost model (:func:`~optimize.routing.bounds.default_search_solutions`), so
    the time limit still says roughly how hard to search, but through arithmetic, not a
    clock. A second counter, search-tree branches (also derived from ``time_limit_s``,
    :func:`branch_budget`), stops the degenerate case where the local search has no move
    to accept (one pickup) and would otherwise run until the clock stops it.
    ``wall_safety x time_limit_s + 1 s`` (:func:`wall_cap_s`) stays on as a wall-clock
    safety cap, and OR-Tools' per-move ``lns_time_limit`` is set to the same cap so that
    it never fires first. OR-Tools reports the same status whichever limit stopped the
    search, so :func:`stop_reason` reads the two counters: when neither was spent and
    the solve ran to the cap, the clock stopped it and the status is ``"time limit (not
    reproducible)"``; otherwise the plan is the budget's, the same on every run. The
    search is single-threaded and our model is built in a fixed order (no set or dict
    iteration decides a node or slot).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from optimize.routing.bounds import (
    arc_cents,
    default_drop_penalty,
    default_search_solutions,
    fixed_cents,
)
from optimize.routing.problem import RoutingProblem, RoutingResult, TruckType, kg_down
from optimize.routing.schedule import routing_result, schedule_trips
from optimize.routing.screen import SubProblem, fleet_reason, sub_problem

#: Search-tree branches allowed per second of ``time_limit_s`` (see :func:`branch_budget`).
SEARCH_BRANCHES_PER_S = 100_000
#: Branch-budget multiplier when ``trucks``, ``time_window_s`` or ``delivery_t`` is set
#: (see :func:`branch_budget`).
SEARCH_BRANCH_FACTOR_OPTIONAL = 20

#: Status of a search the wall-clock cap stopped before its budget was spent.
CLOCK_STATUS = "time limit (not reproducible)"

_STATUS = routing_enums_pb2.RoutingSearchStatus
_ROUTING_STATUS = {
    _STATUS.ROUTING_NOT_SOLVED: "not solved",
    _STATUS.ROUTING_SUCCESS: "success",
    _STATUS.ROUTING_PARTIAL_SUCCESS_LOCAL_OPTIMUM_NOT_REACHED: "success",
    _STATUS.ROUTING_FAIL: "fail",
    _STATUS.ROUTING_FAIL_TIMEOUT: "fail: time limit before a first solution",
    _STATUS.ROUTING_INVALID: "invalid model",
    _STATUS.ROUTING_INFEASIBLE: "infeasible",
    _STATUS.ROUTING_OPTIMAL: "optimal",
}


def _time_transit(sub: SubProblem, unload_s: int) -> list[list[int]]:
    """Loading at the from-node + travel; + unloading on the way back to the store."""
    transit = sub.service_s[:, None] + sub.time_s
    transit[1:, 0] += unload_s
    transit[0, 0] = 0
    return transit.tolist()


def _freshness_transit(sub: SubProblem) -> list[list[int]]:
    """Like time, but 0 out of the store (the clock starts at the first pickup), no unload."""
    transit = sub.service_s[:, None] + sub.time_s
    transit[0, :] = 0
    return transit.tolist()


def _build_model(
    problem: RoutingProblem, sub: SubProblem
) -> tuple[pywrapcp.RoutingIndexManager, pywrapcp.RoutingModel, pywrapcp.RoutingDimension]:
    """Manager, model and time dimension for the screened-in pickups (see module doc)."""
    trucks = _slot_trucks(problem)
    manager = pywrapcp.RoutingIndexManager(len(sub.pickups) + 1, len(trucks), 0)
    routing = pywrapcp.RoutingModel(manager)
    _set_costs(problem, sub, routing)
    _add_load(problem, sub, routing)
    clock = routing.RegisterTransitMatrix(_time_transit(sub, problem.unload_s))
    routing.AddDimensionWithVehicleCapacity(clock, 0, [problem.shift_of(t) for t in trucks],
                                            False, "time")
    fresh = routing.RegisterTransitMatrix(_freshness_transit(sub))
    routing.AddDimension(fresh, 0, problem.freshness_limit_s, True, "freshness")
    time_dim = routing.GetDimensionOrDie("time")
    _windows(problem, sub, manager, time_dim)
    _chain_trips(problem, routing, time_dim)
    _crop_limits(problem, sub, manager, routing)
    penalty = problem.drop_penalty
    penalty = default_drop_penalty(problem) if penalty is None else penalty
    for node in range(1, len(sub.pickups) + 1):
        routing.AddDisjunction([manager.NodeToIndex(node)], penalty)
    return manager, routing, time_dim


def _slot_trucks(problem: RoutingProblem) -> list[TruckType]:
    """The truck behind each vehicle slot ``v = truck * trips_per_truck + trip``."""
    return [t for t in problem.fleet for _ in range(problem.trips_per_truck)]


def _set_costs(problem: RoutingProblem, sub: SubProblem, routing: pywrapcp.RoutingModel) -> None:
    """Metres on every arc; or, with ``trucks``, per-truck yuan-cents and fixed costs.

    The fixed cost sits on each truck's first slot, and a later slot may be used only if
    the one before it is (``ActiveVehicleVar``), so a used truck pays it exactly once.
    """
    if problem.trucks is None:
        routing.SetArcCostEvaluatorOfAllVehicles(
            routing.RegisterTransitMatrix(sub.distance_m.tolist()))
        return
    transit, k, callbacks = np.array(_time_transit(sub, problem.unload_s)), \
        problem.trips_per_truck, {}
    for v, truck in enumerate(_slot_trucks(problem)):
        if truck not in callbacks:
            callbacks[truck] = routing.RegisterTransitMatrix(
                arc_cents(truck, sub.distance_m, transit).tolist())
        routing.SetArcCostEvaluatorOfVehicle(callbacks[truck], v)
        if v % k == 0:
            routing.SetFixedCostOfVehicle(fixed_cents(truck), v)
        else:
            routing.solver().Add(routing.ActiveVehicleVar(v) <= routing.ActiveVehicleVar(v - 1))


def _add_load(problem: RoutingProblem, sub: SubProblem, routing: pywrapcp.RoutingModel) -> None:
    """The load dimension; with deliveries, loaded at the start (module doc, "Deliveries")."""
    caps = [kg_down(t.capacity_t) for t in _slot_trucks(problem)]
    if problem.delivery_t is None:
        load = routing.RegisterUnaryTransitVector(sub.load_kg.tolist())
        routing.AddDimensionWithVehicleCapacity(load, 0, caps, True, "load")
        return
    net = routing.RegisterUnaryTransitVector((sub.load_kg - sub.delivery_kg).tolist())
    routing.AddDimensionWithVehicleCapacity(net, 0, caps, False, "load")
    dropped = routing.RegisterUnaryTransitVector(sub.delivery_kg.tolist())
    routing.AddDimensionWithVehicleCapacity(dropped, 0, caps, True, "delivered")
    load, delivered = routing.GetDimensionOrDie("load"), routing.GetDimensionOrDie("delivered")
    for v in range(len(caps)):
        routing.solver().Add(load.CumulVar(routing.Start(v))
                             == delivered.CumulVar(routing.End(v)))


def _windows(problem: RoutingProblem, sub: SubProblem, manager: pywrapcp.RoutingIndexManager,
             time_dim: pywrapcp.RoutingDimension) -> None:
    """Arrival (= loading start) at each pickup inside its window; slack stays 0."""
    for node, pickup in enumerate(sub.pickups, start=1):
        window = problem.window_of(pickup)
        if window is not None:
            time_dim.CumulVar(manager.NodeToIndex(node)).SetRange(*window)


def _chain_trips(
    problem: RoutingProblem, routing: pywrapcp.RoutingModel, time_dim: pywrapcp.RoutingDimension
) -> None:
    """A truck's trip k+1 leaves the store no earlier than trip k has unloaded."""
    solver, k = routing.solver(), problem.trips_per_truck
    for truck in range(len(problem.fleet)):
        for trip in range(k - 1):
            v = truck * k + trip
            solver.Add(time_dim.CumulVar(routing.End(v)) <= time_dim.CumulVar(routing.Start(v + 1)))


def _crop_limits(problem: RoutingProblem, sub: SubProblem, manager: pywrapcp.RoutingIndexManager,
                 routing: pywrapcp.RoutingModel) -> None:
    """``F(end of i's slot) <= F(i) + L_i`` for pickups tighter than the store limit."""
    if problem.freshness_by_pickup_s is None:
        return
    solver, fresh = routing.solver(), routing.GetDimensionOrDie("freshness")
    slots = len(problem.fleet) * problem.trips_per_truck
    ends = [solver.IntVar(0, 0, "dropped")] + [fresh.CumulVar(routing.End(v))
                                               for v in range(slots)]
    for node, pickup in enumerate(sub.pickups, start=1):
        limit_s = problem.freshness_s(pickup)
        if limit_s >= problem.freshness_limit_s:
            continue
        index = manager.NodeToIndex(node)
        slot = (routing.VehicleVar(index) + 1).Var()
        solver.Add(solver.Element(ends, slot) <= fresh.CumulVar(index) + limit_s)


def branch_budget(problem: RoutingProblem, n_routed: int) -> int:
    """A second work counter, for searches that accept no solutions at all.

    With one pickup the local search has no move to make and OR-Tools keeps branching
    until a limit stops it, so the solution budget never binds and the wall clock would.
    Real searches measured 3,000 to 30,000 branches per second (8 to 60 pickups), the
    idle one 1.5 million, so ``SEARCH_BRANCHES_PER_S`` per second of the time limit stops
    the idle search deterministically and leaves real ones to the solution budget.

    Windows, the delivery equality and the one-fixed-cost rule are constraints the
    first-solution heuristic meets only by backtracking: on 30 seeded pickups it took
    54,000 (windows), 220,000 (windows + deliveries) and 900,000 (windows + mixed fleet)
    branches before its first plan, so the plain budget (200,000 for 2 s) stopped it with
    every pickup dropped. With any of those fields set and at least two pickups in the
    model (``n_routed``; one pickup is the idle case above) the budget is multiplied by
    :data:`SEARCH_BRANCH_FACTOR_OPTIONAL`; otherwise it is unchanged.
    """
    budget = max(1, round(problem.time_limit_s * SEARCH_BRANCHES_PER_S))
    if n_routed > 1 and problem.optional_features:
        return budget * SEARCH_BRANCH_FACTOR_OPTIONAL
    return budget


def wall_cap_s(problem: RoutingProblem) -> float:
    """The wall-clock safety cap of one search, seconds: ``wall_safety x time_limit_s + 1``."""
    return problem.wall_safety * problem.time_limit_s + 1


def search_parameters(problem: RoutingProblem, budget: int) -> Any:
    """Cheapest-arc start, guided local search, stopped by a solution count (see module).

    The clock appears twice, both set to the safety cap: ``time_limit`` (the cap itself)
    and ``lns_time_limit``, OR-Tools' per-neighbour limit (100 ms by default) on the
    sub-search that completes a move. A loaded machine can stretch one such sub-search
    past 100 ms of wall time, which would reject the move on one run and accept it on the
    next; at the cap it can only fire when the cap fires, and the status reports that.
    """
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    params.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH)
    params.solution_limit = budget
    cap_ms = round(wall_cap_s(problem) * 1000)
    params.time_limit.FromMilliseconds(cap_ms)
    params.lns_time_limit.FromMilliseconds(cap_ms)
    return params


def _routes(
    problem: RoutingProblem, manager: pywrapcp.RoutingIndexManager,
    routing: pywrapcp.RoutingModel, solution: pywrapcp.Assignment, sub: SubProblem,
) -> list[list[tuple[int, ...]]]:
    """Per truck, its non-empty trips in slot (= time) order, as pickup indices."""
    out: list[list[tuple[int, ...]]] = [[] for _ in range(len(problem.fleet))]
    for v in range(len(problem.fleet) * problem.trips_per_truck):
        index, stops = solution.Value(routing.NextVar(routing.Start(v))), []
        while not routing.IsEnd(index):
            stops.append(sub.pickups[manager.IndexToNode(index) - 1])
            index = solution.Value(routing.NextVar(index))
        if stops:
            out[v // problem.trips_per_truck].append(tuple(stops))
    return out


def solve_ortools(problem: RoutingProblem, keep: list[int], unserved: dict[int, str],
                  started: float) -> RoutingResult:
    """The OR-Tools model of the module docstring on the screened-in pickups ``keep``.

    Parameters
    ----------
    problem
        The store problem.
    keep
        Pickups that passed :func:`~optimize.routing.screen.screen_pickups`.
    unserved
        The screening reasons so far; updated in place with the pickups the solver left
        out (or all of ``keep`` when it found no plan), and returned in the result.
    started
        ``time.perf_counter()`` when the solve began, for the wall-clock accounting.
    """
    sub = sub_problem(problem, keep)
    manager, routing, _ = _build_model(problem, sub)
    budget = problem.search_solutions or default_search_solutions(len(keep),
                                                                  problem.time_limit_s)
    branch_limit = branch_budget(problem, len(keep))
    routing.AddSearchMonitor(routing.solver().BranchesLimit(branch_limit))
    solve_started = time.perf_counter()
    solution = routing.SolveWithParameters(search_parameters(problem, budget))
    status = _status(routing, budget, branch_limit, time.perf_counter() - solve_started,
                     wall_cap_s(problem))
    if solution is None:
        unserved.update({i: f"solver found no plan: {status}" for i in keep})
        return routing_result(problem, [], unserved, status, 0, started)
    routes = _routes(problem, manager, routing, solution, sub)
    served = {s for truck in routes for stops in truck for s in stops}
    unserved.update({i: fleet_reason(problem) for i in keep if i not in served})
    return routing_result(problem, schedule_trips(problem, routes), unserved, status,
                          int(solution.ObjectiveValue()), started)


def stop_reason(solutions: int, budget: int, branches: int, branch_limit: int,
                solve_s: float, cap_s: float) -> str:
    """What ended a search: ``"solutions"``, ``"branches"``, ``"clock"`` or ``"search"``.

    OR-Tools 9.15 does not say: a search stopped by ``solution_limit`` and one stopped by
    ``time_limit`` both end ``ROUTING_SUCCESS`` (or ``ROUTING_PARTIAL_SUCCESS_LOCAL_
    OPTIMUM_NOT_REACHED`` when the limit came before the first local optimum); measured on
    a 40-pickup store with the cap at 2 s: 118 of 250 solutions, status 1. So the
    counters decide: a search that spent neither count and ran (``solve_s``) to the cap
    ``cap_s`` was stopped by the clock, the only limit that is not a count; one that
    ended earlier ran out of search (``"search"``), which is reproducible too.
    """
    if solutions >= budget:
        return "solutions"
    if branches >= branch_limit:
        return "branches"
    return "clock" if solve_s >= 0.99 * cap_s else "search"


def _status(routing: pywrapcp.RoutingModel, budget: int, branch_limit: int, solve_s: float,
            cap_s: float) -> str:
    """OR-Tools status, :data:`CLOCK_STATUS` when the clock stopped it."""
    status = _ROUTING_STATUS.get(routing.status(), f"status {routing.status()}")
    solver = routing.solver()
    stopped = stop_reason(solver.Solutions(), budget, solver.Branches(), branch_limit,
                          solve_s, cap_s)
    if status == "success" and stopped == "clock":
        return CLOCK_STATUS
    return status
