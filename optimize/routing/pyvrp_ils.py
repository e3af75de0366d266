"""The parts of PyVRP's iterated local search that every PyVRP search here builds alike.

PyVRP 0.14.1's ``pyvrp.solve`` builds a random stream, a local search with the
operators of its ``SolveParams`` that support the data, and a penalty manager, in that
order. :mod:`optimize.routing.multi_pyvrp` (the whole problem) and
:mod:`optimize.routing.decompose` (its sub-problems) build them here, in the same order,
so a search given the same seed draws the same random stream as ``pyvrp.solve``.
"""

from __future__ import annotations

from typing import Any


def ils_parts(data: Any, params: Any, seed: int) -> tuple[Any, Any, Any]:
    """``(rng, local search, penalty manager)`` for PyVRP ``ProblemData`` ``data`` and
    ``SolveParams`` ``params``, seeded with ``seed``, built as ``pyvrp.solve`` builds them."""
    from pyvrp import PenaltyManager, RandomNumberGenerator
    from pyvrp.search import LocalSearch, PerturbationManager, compute_neighbours

    rng = RandomNumberGenerator(seed=seed)
    search = LocalSearch(data, rng, compute_neighbours(data, params.neighbourhood),
                         PerturbationManager(params.perturbation))
    for op in params.operators:
        if op.supports(data):
            search.add_operator(op(data))
    pm = PenaltyManager(params.penalty.midpoint_penalties(data), params.penalty)
    return rng, search, pm
