"""Refrigerated-truck routing for one cold store: collect produce before it spoils.

One call plans one store's day. Trucks based at the store (the depot, node 0) drive out,
load produce at villages (pickups, nodes 1..n) and bring it into cold storage. A truck may
make several trips in its shift; each trip starts and ends at the store, and unloading
there takes ``unload_s``. The package sees integer matrices and returns frozen
dataclasses; it imports neither geopandas nor osmnx (ARCHITECTURE.md, principle 1).

Modules
-------
problem
    :class:`TruckType`, :class:`RoutingProblem` (checked on construction), :class:`Trip`,
    :class:`RoutingResult` and the constants; imports no solver.
screen
    :func:`~optimize.routing.screen.screen_pickups`: pickups no trip could serve, with the
    reason; the screened-in sub-problem an engine sees.
bounds
    Drop penalty, search budget, lower bounds on trucks and workload (fleet allocation),
    and the money model of a mixed fleet.
schedule
    Routes to timed :class:`Trip` s, each leaving as early as its windows allow.
check
    :func:`~optimize.routing.check.check_trips`: the independent check of any plan.
ortools
    The OR-Tools model (chained trips, freshness, shift, capacity, crops, mixed fleet,
    windows, deliveries), its formulation in the module docstring.
pyvrp
    The PyVRP path of ``engine="auto"`` / ``"pyvrp"``, checked, OR-Tools as the fallback.
solve
    :func:`~optimize.routing.solve.solve_routing`: screen, then dispatch on the engine; a
    :class:`~optimize.routing.multidepot.MultiDepotProblem` goes to ``multi_solve``.
multidepot
    :class:`MultiDepotProblem` (several depots with their trucks, reload trips, release
    times, windows, ride-time limits; checked on construction), :class:`DepotTrip`,
    :class:`MultiDepotResult`; imports no solver.
multi_schedule, multi_check, multi_repair
    Timing a truck's trips; the independent check of a multi-depot plan; screening and
    the ride-time repair (take out, re-insert).
multi_pyvrp, multi_ortools, multi_solve
    The PyVRP model (reload depots, release times, pruned arcs, tuned search), the OR-Tools
    slot model (ride time and releases modelled), and the engine choice with repair.

Only the pure names of :mod:`optimize.routing.problem` are re-exported here, so importing
the package pulls in no solver. Side engines that no plan runs (one-depot CVRP/VRPTW, the
many-depot decomposition, the synthetic province case) live in ``benchmarks/engines/``.
"""

from optimize.routing.problem import (
    KG_PER_T,
    LOAD_TOL_T,
    MAX_ENTRY,
    STORE_ENGINES,
    RoutingProblem,
    RoutingResult,
    Trip,
    TruckType,
)

__all__ = [
    "KG_PER_T",
    "LOAD_TOL_T",
    "MAX_ENTRY",
    "STORE_ENGINES",
    "RoutingProblem",
    "RoutingResult",
    "Trip",
    "TruckType",
]
