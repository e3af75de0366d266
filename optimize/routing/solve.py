"""``solve_routing``: one store's day, or a multi-depot fleet, handed to the engine it asks for.

Two problem types, dispatched by type (the store type is unchanged, so every caller of
the single-store path gets exactly what it got before):

- :class:`~optimize.routing.problem.RoutingProblem`: one store's day (below);
- :class:`~optimize.routing.multidepot.MultiDepotProblem`: several depots with their own
  trucks, several trips per truck (reloading at home or at listed depots), release
  times, windows, service times, capacity, horizon, shift and a per-pickup ride-time
  limit; solved by :func:`~optimize.routing.multi_solve.solve_multidepot` (PyVRP with
  our ride-time repair and check, OR-Tools where PyVRP's plan cannot be made valid) and
  returned as a :class:`~optimize.routing.multidepot.MultiDepotResult`. A separate type
  rather than new fields on ``RoutingProblem``: the store problem's node numbering
  (node 0 = the store), its fields and results stay exactly as other code reads them.

For a store:

The problem was validated when it was built (:class:`~optimize.routing.problem.RoutingProblem`
raises on anything that cannot be right). :func:`solve_routing` screens out the pickups no
trip could serve (:func:`~optimize.routing.screen.screen_pickups`) and dispatches on
``RoutingProblem.engine``:

- ``"ortools"`` (default): the model of :mod:`optimize.routing.ortools`;
- ``"auto"``: PyVRP first (:mod:`optimize.routing.pyvrp`), its plan checked by
  :func:`~optimize.routing.check.check_trips`, the OR-Tools model when PyVRP's plan breaks
  a limit or drops a pickup; every :class:`~optimize.routing.problem.Trip` records its
  ``engine``;
- ``"pyvrp"``: PyVRP's plan unchecked, for measurement.

With ``trucks``, ``time_window_s`` or ``delivery_t`` set, ``"auto"`` and ``"pyvrp"``
solve with OR-Tools (the PyVRP path does not model them) and the status says so.
"""

from __future__ import annotations

import dataclasses
import time
from typing import overload

from optimize.routing.multi_solve import solve_multidepot
from optimize.routing.multidepot import MultiDepotProblem, MultiDepotResult
from optimize.routing.ortools import solve_ortools
from optimize.routing.problem import RoutingProblem, RoutingResult
from optimize.routing.pyvrp import solve_store_pyvrp
from optimize.routing.schedule import routing_result
from optimize.routing.screen import screen_pickups


@overload
def solve_routing(problem: RoutingProblem) -> RoutingResult: ...


@overload
def solve_routing(problem: MultiDepotProblem) -> MultiDepotResult: ...


def solve_routing(problem: RoutingProblem | MultiDepotProblem
                  ) -> RoutingResult | MultiDepotResult:
    """Plan the trips: serve every pickup that fits, then drive the fewest metres.

    Parameters
    ----------
    problem
        The store's pickups, fleet and limits, or a multi-depot problem (validated on
        construction). A :class:`MultiDepotProblem` goes to
        :func:`~optimize.routing.multi_solve.solve_multidepot` and returns a
        :class:`MultiDepotResult`; what follows describes the store path.

    Returns
    -------
    RoutingResult
        Trips with recomputed times and loads, and every pickup not served with the reason:
        a screening reason
        (:func:`~optimize.routing.screen.screen_pickups`) or, when the solver left it out,
        ``"fleet at this store cannot fit it within shifts (n trucks x k trips)"``.
        Same problem, same result, unless ``status`` reports the wall-clock cap. With
        ``engine="auto"`` the status also says when OR-Tools replaced PyVRP's plan, and why.
    """
    if isinstance(problem, MultiDepotProblem):
        return solve_multidepot(problem)
    started = time.perf_counter()
    unserved = screen_pickups(problem)
    keep = [i for i in range(problem.n_pickups) if i not in unserved]
    if not keep:
        status = "no pickups" if problem.n_pickups == 0 else "nothing to route"
        return routing_result(problem, [], unserved, status, 0, started)
    unmodelled = problem.optional_features
    if problem.engine != "ortools" and not unmodelled:
        return solve_store_pyvrp(problem, keep, unserved, started)
    result = solve_ortools(problem, keep, unserved, started)
    if problem.engine == "ortools":
        return result
    return dataclasses.replace(result, status=f"{result.status}; OR-Tools used: the PyVRP "
                               f"path does not model {', '.join(unmodelled)}")

