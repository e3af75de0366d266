"""Cold-store siting: which candidate sites get a store, of which size, serving whom.

Arrays in, frozen dataclasses out; no GIS here (the pipeline builds the sparse arcs).
The model is a capacitated, single-source facility-location problem (split-demand problems
are the exception, last engine below).
:func:`solve_location` hands it to one of four engines (each validates it first):
:mod:`optimize.siting.cpsat` (OR-Tools CP-SAT, the lexicographic stages below, exact on
small instances), :mod:`optimize.siting.lagrange` (Lagrangian bound plus heuristic plans
for province-size instances, a weighted sum of the same objectives; its plans pass through
the fast interchange of :mod:`optimize.siting.interchange` as one stage),
:mod:`optimize.siting.median` (problems where no capacity, budget or quota can bind, i.e.
a p-median: Lagrangian bound on sparse nearest lists plus batched fast interchange; with
``unlisted_time_s`` its bound is proven for the full problem) or
:mod:`optimize.siting.mip_engine` (``split_demand`` problems, where a point's supply may be
split over several stores, e.g. OR-Library ``cap``: SCIP's MIP, after a Lagrangian kernel on
large problems; its formulation is in :mod:`optimize.siting.mip`, not below).
``engine='auto'`` chooses by size and kind (:func:`engine_for`).

Formulation
-----------
Sets and data

- demand points ``i`` (villages) with supply ``q_i`` (t) and priority weight ``w_i`` (>= 0,
  1 = normal, higher for poor villages);
- candidate sites ``j``; store tiers ``k`` with capacity ``C_k`` (t), build cost ``c_k``
  (yuan) and public subsidy ``s_k`` (yuan);
- allowed arcs ``a = (i(a), j(a))`` with travel time ``t_a`` (s). Only pairs within the
  longest access time (the freshness limit) are arcs, so the access-time limit is built
  into the sparsity. A village's own site (``site_demand``) is reached at ``t_a = 0``.
  ``A(i)``: arcs of demand point ``i``; ``A(j)``: arcs into site ``j``.

Variables: ``y_jk`` = 1 if site ``j`` is opened with tier ``k``; ``x_a`` = 1 if demand point
``i(a)`` is served (wholly, single sourcing) by site ``j(a)``; ``served_i`` = 1 if point ``i``
is served at all.

Constraints::

    (1) sum_k y_jk <= 1                              one tier per site
    (2) sum_k y_jk = 1 (j required);  y_jk = 0 (j excluded)
    (3) sum_{a in A(i)} x_a = served_i               single sourcing; served_i = 1 for
                                                     'time' and 'cost'
    (4) x_a <= sum_k y_{j(a)k}                       only open stores serve
    (5) sum_{a in A(j)} q_{i(a)} x_a <= sum_k C_k y_jk          store capacity
    (5') sum_i q_i served_i <= sum_jk C_k y_jk        implied by (5), for the LP
    (6) sum_jk y_jk = p   (or <= p if not exact_store_count)     store count
    (6') min_g <= sum_{j in g, k} y_jk <= max_g      per-county quotas (site groups g)
    (7) sum_jk s_k y_jk <= B                         budget on the public subsidy

Objectives, solved as lexicographic stages (a later stage keeps the earlier stage's value
as a constraint; the time limit is shared out evenly over the stages still to run and a
stage that finishes early leaves its time to the next)::

    'coverage_then_time'
        stage 1  max  sum_i w_i q_i served_i                weighted covered supply (t)
        stage 2  min  sum_a q_i t_a x_a + P sum_{i: w_i = 0} q_i (1 - served_i)   (t*s)
                 s.t. stage-1 objective >= V1
    'time'  (capacitated p-median; every demand point served)
        stage 1  min  sum_a q_i t_a x_a                                           (t*s)
    'cost'  (every demand point served)
        stage 1  min  sum_jk c_k y_jk                                             (yuan)
        stage 2  min  sum_a q_i t_a x_a   s.t. stage-1 objective <= C1

``V1``/``C1`` is the best value stage 1 found: its optimum when stage 1 reports OPTIMAL,
otherwise the incumbent at its time limit. There is no further tolerance, so stage 2 never
gives up coverage (or money) for time; stage 1's own gap is kept in ``LocationResult.stages``.
Supply of weight 0 is invisible to stage 1, and stage 2 would drop it to save time, so it
is charged ``P`` = (longest arc time + 1) s per unserved tonne, more than any trip costs.
With every weight positive the stage-2 objective is the plain supply-weighted time. (An
earlier version charged ``P`` on all supply; on capacity-bound instances that traded long
trips for a few extra tonnes and weakened the LP bound, 21 % gap against 15 %.)

After the last stage each open store is right-sized, a cheap third stage that cannot
change the assignment: it gets the tier of least build cost whose capacity still holds its
load and whose subsidy is no higher than the chosen one (so the budget still holds).

Scaling (CP-SAT is integer): supply is counted in 0.01 t (10 kg), rounded up, and
capacities are rounded down, so a plan feasible in the model is feasible in tonnes; weights
are counted in 1/1000; yuan and seconds are rounded to whole units (subsidies up, budget
down). Reported objectives and bounds are converted back to t, t*s or yuan.

Zero-supply demand points have nothing to store: they are left out of the model, never make
a specification infeasible and are not counted as unserved. After solving each is attached
to its nearest open store it has an arc to (time 0 load); if there is none it keeps
``assignment = -1`` with an access-time reason, like any other point.
"""

from __future__ import annotations

import numpy as np

from optimize.siting.cpsat import solve_cpsat
from optimize.siting.lagrange import solve_location_lagrange
from optimize.siting.median import median_applies, solve_location_median
from optimize.siting.mip_engine import solve_location_mip
from optimize.siting.problem import LocationProblem, LocationResult

AUTO_LAGRANGE_ARCS = 10_000  # engine 'auto': Lagrangian engine from this many arcs up


def solve_location(problem: LocationProblem) -> LocationResult:
    """Choose stores, their tiers and the villages each serves (see the module docstring).

    Parameters
    ----------
    problem
        The siting problem, solved by :func:`engine_for`'s engine (which validates it
        first, so each problem is checked once).

    Returns
    -------
    LocationResult
        The plan after the last stage, right-sized, with every stage's gap.

    Raises
    ------
    SpecificationError
        The specification cannot work (all reasons listed).
    InfeasibleError
        Objective 'time' or 'cost' cannot serve every demand point (proven, with the
        constraint group at fault), or no such plan was found within the time limit.
    """
    engine = engine_for(problem)
    if engine == "lagrange":
        return solve_location_lagrange(problem)
    if engine == "median":
        return solve_location_median(problem)
    if engine == "mip":
        return solve_location_mip(problem)
    return solve_cpsat(problem)


def engine_for(problem: LocationProblem) -> str:
    """The engine that solves ``problem``: its own choice, or for ``'auto'``: CP-SAT below
    ``AUTO_LAGRANGE_ARCS`` arcs and for objective 'cost'; from there the median engine when
    nothing can bind (:func:`optimize.siting.median.median_applies`), else the Lagrangian
    engine. Split-demand problems (``split_demand``) always go to the MIP engine
    (:mod:`optimize.siting.mip_engine`), the only one that models split supply.

    Measured on Linxia (1,004 villages, 100 stores, 60 s): CP-SAT ended at 57.89 M t*s
    with a 5.24 % gap after 108 s, the Lagrangian engine at 56.73 M t*s with 0.55 % after
    15-20 s, both covering all supply. On seeded 1,200-point instances it also ended lower
    (0.48 % against 1.10 %). Below the threshold (hand-checkable cases) CP-SAT proves the
    lexicographic optimum itself.
    """
    if problem.engine != "auto":
        return problem.engine
    if problem.split_demand:
        return "mip"
    if problem.objective == "cost" or np.asarray(problem.arc_demand).size < AUTO_LAGRANGE_ARCS:
        return "cpsat"
    return "median" if median_applies(problem) else "lagrange"
