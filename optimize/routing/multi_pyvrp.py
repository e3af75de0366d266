"""A multi-depot, multi-trip problem on PyVRP 0.14: the model, the search and its budget.

Everything in :class:`~optimize.routing.multidepot.MultiDepotProblem` except the ride-time
limit maps onto PyVRP 0.14:

- depots = ``Depot`` s; trucks = one ``VehicleType`` per depot with trucks
  (``num_available``, ``start_depot = end_depot`` = that depot, window ``[0, horizon]``,
  ``shift_duration`` = the shift when one shorter than the horizon is set, so a day may
  start late);
- trips = reloads: ``reload_depots`` = home plus ``MultiDepotProblem.reload_depots``,
  ``max_reloads = max_trips_per_truck - 1`` (no reload depots at all for one trip);
- pickups = required ``Client`` s with ``pickup`` in whole kg, ``service_duration``,
  their window and ``release_time``; unloading is added to every arc into a depot.

Ride time PyVRP cannot see. Arcs that no valid plan can use are removed before the search
(:func:`pruned_matrices`: pickup ``i`` then ``j`` when even the quickest way from ``j`` to
any depot makes ``i``'s ride too long), so PyVRP's plan rarely breaks the limit; the
repair step (:mod:`optimize.routing.multi_repair`) fixes what remains.

Budget: the search stops after a fixed amount of WORK, never by the clock alone, so the
same problem and seed give the same plan; the wall clock stops the search only as a safety
cap, and the status then says so. :func:`pyvrp_budget` converts ``time_limit_s`` into

- a number of local-search move evaluations (PyVRP's ``LocalSearch.statistics.num_moves``,
  summed over every call, the first descent included) for problems with several depots or
  reloads: the CPU cost of one move is nearly constant (40-43 ns on 100-200 clients,
  42-54 ns on 420-960), whereas the cost of one ILS iteration varies 2x between instances
  of the same size (MTVRPTWR at 100 clients: R204R0.25 1,714 it/s, R211R0.75 799 it/s on
  one core), so an iteration count ended many searches at a third of their limit;
- an iteration count (:func:`pyvrp_iterations`) for one depot without reloads (the CVRP /
  VRPTW benchmark shape, whose figures were measured with it) and whenever
  ``search_iterations`` is set;
- for one depot without reloads and at least
  :data:`~optimize.routing.decompose.LARGE_MIN_CLIENTS` clients (session 7): a share of
  undivided iterations, then a count of sub-problems of so many moves each
  (:func:`~optimize.routing.decompose.large_budget`), solved by route-based decomposition
  (:mod:`optimize.routing.decompose`); their trips record the engine ``"pyvrp+decompose"``.
Search settings (:data:`SEARCH`) were chosen by measurement on the MTVRPTWR and MDVRPTW
sets (``benchmarks/README.md``).
"""

from __future__ import annotations

import time
import warnings
from typing import Any

import numpy as np

from optimize.routing.decompose import applies, improve, large_budget
from optimize.routing.multi_schedule import Leg
from optimize.routing.multidepot import MultiDepotProblem
from optimize.routing.problem import kg_down, kg_up
from optimize.routing.pyvrp_ils import ils_parts

#: Iterations per second of ``time_limit_s`` at 100 pickups for the one-depot, one-trip
#: shape (CVRP / VRPTW, no reloads: PyVRP's default search settings), and the exponent ``e``
#: of the scaling ``(100 / n) ** e``: 3/4 of PR13A's 794 and PR16A's 563 it/s on a quiet
#: core (1,950 and 1,750 at 100 clients), measured 2026-12-07 with PyVRP 0.14.1. The
#: CVRPLIB X and Solomon figures of ``benchmarks/README.md`` were measured with it, so it
#: stays for that shape; every other problem has a move budget (:func:`pyvrp_moves`).
ITERATIONS_PER_S_AT_100 = 1400.0
ITERATION_EXPONENT = 0.5
MIN_ITERATIONS = 100
#: Search settings that differ from PyVRP's defaults, chosen at equal time (15-20 s) on six
#: tuning instances (C204R0.5, R203R0.25, RC2_2_05R0.75, R2_2_02R0.5, PR18A, PR21B; none
#: of them in the measured subset): fewer clients perturbed per iteration (at most 10,
#: default 25) makes an iteration 2-4x cheaper, and a shorter late-acceptance history
#: (100, default 300) accepts less; mean gap 4.12 % against 8.54 % for the defaults, better
#: on all six (``benchmarks/README.md``).
SEARCH: dict[str, int] = {"max_perturbations": 10, "history_length": 100}
#: Settings for several depots without reloads (MDVRPTW): a smaller granular neighbourhood
#: (40, default 50) and a shorter history (150, default 300), chosen at the move budget with
#: full work (60 s, one run each, seed 0, 2026-12-07) on PR15A, PR16A, PR20A, PR23A, PR13B,
#: PR19A: mean gap 3.65 -> 3.14 % (better on 4 of 6; PR23A 3.94 -> 4.48 %, PR19A 2.98 ->
#: 3.18 % worse), and cheaper on the held-out PR17A (-0.36 %) and PR22B (-0.78 %) at 30 s.
SEARCH_DEPOTS: dict[str, int] = {"num_neighbours": 40, "history_length": 150}
#: The settings per shape (:func:`search_shape`). The reload tuning above ran at 15-20 s on a
#: fifth of a core, i.e. 3-4 s of search; at the move budget with full work (30 s) it still
#: beats PyVRP's defaults on MTVRPTWR (RC201R0.5 1.40 vs 3.42 %, R2_2_01R0.25 3.93 vs 7.02 %,
#: R2_2_10R0.25 3.67 vs 4.34 %, R201R0.5 2.18 vs 2.38 %; RC201R0.75 2.20 vs 1.48 %). One
#: depot without reloads (CVRP / VRPTW) keeps PyVRP's defaults, with which its figures were
#: measured. Session 9 (30 CPU s, full work, seed 0): history 200 instead of 100 on every
#: 4th MTVRPTWR file plus the first 10 (36 rows) was not clearly better: better on 18 rows,
#: worse on 16, mean 1.28 vs 1.32 %; better on the clustered C2 rows (0.54 vs 0.83 %, 16
#: rows), worse on R2 (2.11 vs 1.78 %, 11 rows), RC2 1.59 vs 1.63 % (9), and R201R0.25 at
#: 4.71 % (2.24 % with 100) breaks the 4 % worst-row goal; so 100 stays.
SEARCH_BY_SHAPE: dict[str, dict[str, int]] = {"reloads": SEARCH, "depots": SEARCH_DEPOTS,
                                              "single": {}}
#: CPU nanoseconds per local-search move at up to :data:`MOVE_COST_FROM` clients, and the
#: exponent of its growth beyond: ``ns = NS_PER_MOVE x max(1, n / MOVE_COST_FROM) ** e``
#: (more clients, more cache misses). Measured 2026-12-07 with PyVRP 0.14.1 in CPU seconds
#: (``time.process_time``; load average 3 on 2 cores) through this module's settings:
#: MTVRPTWR with reloads, 6,000 iterations: R204R0.25 41.4, R211R0.75 39.7, RC201R0.5 43.1,
#: R210R0.25 41.6, C2_2_05R0.25 42.7 ns; MDVRPTW without reloads (PyVRP's defaults), 2,500
#: iterations: PR21A (420 clients) 42.2, PR13A (600) 46.5, PR16A (960) 54.1 ns.
#: Session 9 (2 cores shared by ~7 processes, load average 4-10): a move cost 35-65 ns, so
#: a 30 s row took 23.3-43.8 CPU s at this budget (R207R0.25, R210R0.5 about 24 s;
#: RC2_2_09R0.25 43.6 s), alike in two processes that ran the same row at about the same
#: time, so instance and contention cannot be told apart there. On the idle machine of
#: session 7 the 114 rows took 26.1-29.8 s: the costliest row is already near 30 s, so the
#: budget was not raised; a loaded machine inflates the CPU seconds, not the work (same
#: moves, same plan).
NS_PER_MOVE = 42.0
MOVE_COST_FROM = 400
MOVE_COST_EXPONENT = 0.3
#: Share of ``time_limit_s`` the move budget is meant to fill on one core; the rest is for
#: building the model, scheduling, repair and checks (and the clock cap's margin).
BUDGET_SHARE = 0.93
#: Cost and duration of an arc no valid plan uses (times the largest entry).
PRUNED_FACTOR = 4


def pyvrp_iterations(problem: MultiDepotProblem) -> int:
    """The iteration budget: ``search_iterations`` when set, else the one-depot formula."""
    if problem.search_iterations is not None:
        return problem.search_iterations
    n = max(problem.n_pickups, 1)
    rate = ITERATIONS_PER_S_AT_100 * (100 / n) ** ITERATION_EXPONENT
    return max(MIN_ITERATIONS, round(problem.time_limit_s * rate))


def pyvrp_moves(problem: MultiDepotProblem) -> int:
    """Local-search moves that fill :data:`BUDGET_SHARE` of ``time_limit_s`` on one core."""
    n = max(problem.n_pickups, 1)
    ns = NS_PER_MOVE * max(1.0, n / MOVE_COST_FROM) ** MOVE_COST_EXPONENT
    return max(1, round(BUDGET_SHARE * problem.time_limit_s * 1e9 / ns))


def pyvrp_budget(problem: MultiDepotProblem) -> tuple[str, int]:
    """``("moves", m)`` or ``("iterations", k)``: what ends the search (module docstring)."""
    single_shape = problem.n_depots == 1 and problem.max_trips_per_truck == 1
    if problem.search_iterations is not None or single_shape:
        return "iterations", pyvrp_iterations(problem)
    return "moves", pyvrp_moves(problem)


def pruned_matrices(problem: MultiDepotProblem) -> tuple[np.ndarray, np.ndarray]:
    """Distance and duration for PyVRP: unloading on arcs into depots, dead arcs priced out.

    Arc ``i -> j`` between pickups is dead when loading at ``i``, driving to ``j``, loading
    there and driving to the nearest depot takes longer than ``i``'s ride limit.
    """
    d = problem.n_depots
    dist = np.array(problem.distance_m, dtype=np.int64)
    dur = np.array(problem.time_s, dtype=np.int64)
    dur[d:, :d] += problem.unload_s
    if problem.ride_limit_s is None or problem.n_pickups == 0:
        return dist, dur
    t = problem.time_s
    service = np.asarray(problem.service_s, dtype=np.int64)
    home = t[d:, :d].min(axis=1)                      # quickest pickup -> depot
    ride = service[:, None] + t[d:, d:] + service[None, :] + home[None, :]
    dead = ride > np.asarray(problem.ride_limit_s)[:, None]
    np.fill_diagonal(dead, False)
    block = dist[d:, d:]
    block[dead] = PRUNED_FACTOR * max(int(dist.max()), 1)
    tblock = dur[d:, d:]
    tblock[dead] = PRUNED_FACTOR * max(int(dur.max()), problem.horizon_s, 1)
    return dist, dur


def pyvrp_data(problem: MultiDepotProblem) -> Any:
    """PyVRP ``ProblemData`` of ``problem`` (clients in pickup order)."""
    import pyvrp

    d, horizon = problem.n_depots, problem.horizon_s
    depots = [pyvrp.Depot(k) for k in range(d)]  # the trucks' window keeps the horizon
    clients = []
    for i in range(problem.n_pickups):
        opens, closes = problem.window_of(i)
        clients.append(pyvrp.Client(d + i, pickup=[kg_up(float(problem.pickup_t[i]))],
                                    service_duration=int(problem.service_s[i]),
                                    tw_early=opens, tw_late=closes,
                                    release_time=problem.release_of(i)))
    vehicles = [pyvrp.VehicleType(count, capacity=[kg_down(problem.truck_capacity_t)],
                                  start_depot=k, end_depot=k, tw_early=0, tw_late=horizon,
                                  **_reloads(problem, k))
                for k, count in enumerate(problem.trucks_per_depot) if count > 0]
    dist: Any
    dur: Any
    dist, dur = pruned_matrices(problem)
    locations = [pyvrp.Location(0.0, 0.0) for _ in range(d + problem.n_pickups)]
    return pyvrp.ProblemData(locations, clients, depots, vehicles, [dist], [dur])


def _reloads(problem: MultiDepotProblem, depot: int) -> dict[str, Any]:
    """Shift (only when one is set: it slows the search) and reload settings."""
    out: dict[str, Any] = {}
    if problem.shift_s is not None and problem.shift_s < problem.horizon_s:
        out["shift_duration"] = problem.shift_s
    trips = problem.max_trips_per_truck
    if trips == 1:
        return out
    out["reload_depots"] = list(problem.reloads_of(depot))
    if trips is not None:
        out["max_reloads"] = trips - 1
    return out


def search_shape(problem: MultiDepotProblem) -> str:
    """``"reloads"`` (more than one trip allowed), ``"depots"`` (several depots, one trip
    each) or ``"single"`` (one depot, one trip: CVRP / VRPTW)."""
    if problem.max_trips_per_truck != 1:
        return "reloads"
    return "depots" if problem.n_depots > 1 else "single"


def search_params(shape: str = "reloads") -> Any:
    """PyVRP ``SolveParams`` with the settings of :data:`SEARCH_BY_SHAPE` applied."""
    from pyvrp import SolveParams
    from pyvrp.IteratedLocalSearch import IteratedLocalSearchParams
    from pyvrp.search import NeighbourhoodParams, PerturbationParams

    search = SEARCH_BY_SHAPE[shape]
    ils: dict[str, Any] = {k: v for k, v in search.items()
                           if k in ("history_length", "num_iters_no_improvement")}
    hood: dict[str, Any] = {k: v for k, v in search.items() if k == "num_neighbours"}
    perturb: dict[str, Any] = {k: v for k, v in search.items() if k.endswith("_perturbations")}
    return SolveParams(ils=IteratedLocalSearchParams(**ils),
                       neighbourhood=NeighbourhoodParams(**hood),
                       perturbation=PerturbationParams(**perturb))


class MoveCounter:
    """PyVRP's local search, counting the moves it evaluates over all its calls.

    A ``SearchMethod`` for PyVRP's ``IteratedLocalSearch``; ``moves`` is the running total
    of ``LocalSearch.statistics.num_moves`` (which covers the latest call only).
    """

    def __init__(self, search: Any) -> None:
        self.search = search
        self.moves = 0

    def __call__(self, solution: Any, cost_evaluator: Any, exhaustive: bool = False) -> Any:
        out = self.search(solution, cost_evaluator, exhaustive=exhaustive)
        self.moves += int(self.search.statistics.num_moves)
        return out


class WorkStop:
    """Stop when ``counter`` has evaluated ``moves`` moves, or at the wall-clock ``deadline``."""

    def __init__(self, counter: MoveCounter, moves: int, deadline: float) -> None:
        self.counter, self.moves, self.deadline = counter, moves, deadline

    def __call__(self, best_cost: float) -> bool:
        return self.counter.moves >= self.moves or time.perf_counter() >= self.deadline


def run_search(data: Any, params: Any, seed: int, budget: tuple[str, int],
               deadline: float) -> tuple[Any, int]:
    """PyVRP's ``solve`` (0.14.1, same steps and random stream) stopped by ``budget``.

    ``budget`` is :func:`pyvrp_budget`'s; ``deadline`` a ``time.perf_counter()`` value.
    Returns PyVRP's ``Result`` and the moves evaluated. With an iteration budget the result
    is the one ``pyvrp.solve`` gives for that count.
    """
    from pyvrp import Solution
    from pyvrp.IteratedLocalSearch import IteratedLocalSearch
    from pyvrp.stop import MaxIterations, MaxRuntime, MultipleCriteria

    rng, search, pm = ils_parts(data, params, seed)
    counter = MoveCounter(search)
    init = counter(Solution.make_random(data, rng), pm.max_cost_evaluator(), exhaustive=True)
    stop: Any
    if budget[0] == "moves":
        stop = WorkStop(counter, budget[1], deadline)
    else:
        left_s = max(deadline - time.perf_counter(), 0.01)
        stop = MultipleCriteria([MaxIterations(budget[1]), MaxRuntime(left_s)])
    result = IteratedLocalSearch(data, pm, counter, init, params.ils).run(stop, False, False)
    return result, counter.moves


def solve_pyvrp_legs(problem: MultiDepotProblem, cap_s: float,
                     started: float) -> tuple[dict[int, list[Leg]], bool, bool]:
    """PyVRP's plan as legs per truck, whether it is feasible, and whether the clock stopped it.

    ``cap_s`` is the wall-clock cap in seconds since ``started``.
    """
    import pyvrp

    data = pyvrp_data(problem)
    params = search_params(search_shape(problem))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pyvrp.exceptions.PenaltyBoundWarning)
        if problem.search_iterations is None and applies(data):
            best, engine = solve_large(data, params, problem, started + cap_s)
        else:
            result, _ = run_search(data, params, problem.seed, pyvrp_budget(problem),
                                   started + cap_s)
            best, engine = result.best, "pyvrp"
    timed_out = time.perf_counter() - started >= cap_s
    return routes_to_legs(problem, best.routes(), engine), bool(best.is_feasible()), timed_out


def solve_large(data: Any, params: Any, problem: MultiDepotProblem,
                deadline: float) -> tuple[Any, str]:
    """Large one-depot problems (:func:`optimize.routing.decompose.applies`): the undivided
    search for its iteration share of :func:`~optimize.routing.decompose.large_budget`, then
    route-based decomposition (:func:`~optimize.routing.decompose.improve`) of a feasible
    result. Returns the best solution and the engine name of its trips."""
    budget = large_budget(problem.n_pickups, problem.time_limit_s)
    result, _ = run_search(data, params, problem.seed, ("iterations", budget.full_iterations),
                           deadline)
    if not result.best.is_feasible():
        return result.best, "pyvrp"
    best, _ = improve(data, result.best, params, problem.seed, budget, deadline)
    return best, "pyvrp+decompose"


def routes_to_legs(problem: MultiDepotProblem, routes: list[Any],
                   engine: str) -> dict[int, list[Leg]]:
    """PyVRP routes to legs per truck: trucks of a depot numbered in route order."""
    depots = [k for k, count in enumerate(problem.trucks_per_depot) if count > 0]
    first = np.concatenate([[0], np.cumsum(problem.trucks_per_depot)])
    used = dict.fromkeys(depots, 0)
    out: dict[int, list[Leg]] = {}
    for route in routes:
        depot = depots[route.vehicle_type()]
        truck = int(first[depot]) + used[depot]
        used[depot] += 1
        legs: list[Leg] = []
        stops: list[int] = []
        for act in list(route)[1:]:
            if act.is_depot():
                if stops:
                    legs.append(Leg(tuple(stops), int(act.idx), engine))
                stops = []
            else:
                stops.append(int(act.idx))
        out[truck] = legs
    return out
