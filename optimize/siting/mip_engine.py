"""The split-demand siting engine: SCIP's exact MIP, on large problems after a Lagrangian kernel.

:func:`optimize.siting.solve.solve_location` comes here for ``split_demand`` problems
(``engine='mip'``, which ``'auto'`` picks for them). The problem: capacitated facility
location where a point's supply may be split over several open stores, OR-Library ``cap``
in :class:`~optimize.siting.problem.LocationProblem` terms (model in
:mod:`optimize.siting.mip`)::

    min  sum_{open j} (site_fixed_cost_yuan[j] + build_cost_yuan of its tier)
         + sum_a fraction_a * arc_cost_yuan[a]

Stages (each a :class:`~optimize.siting.problem.StageReport`):

- Small problems (at most ``FULL_MIP_MAX_ARCS`` model arcs, e.g. OR-Library cap41-134 at
  16-50 sites x 50 points), or problems where the Lagrangian bound does not apply: one
  stage ``MIP``, SCIP on the full model; its bound is proven, OPTIMAL within 1e-9.
- Large problems (capa/b/c: 100 x 1,000), single tier and nothing else limiting the stores
  (:func:`~optimize.siting.mip_lagrange.lagrangian_applies`): SCIP on the full model spent
  60 s at the root LP and ended 842 % above the optimum of capa/8000 with no bound. So:

  ``bound``: the Lagrangian relaxation of :mod:`optimize.siting.mip_lagrange` (at most
  ``LR_SHARE`` of the limit): a proven bound, the sites it opens at its best bound and a
  kernel (every site it opened in its last 60 steps);
  ``local search``: from the sites open at the best bound, drop/swap/add moves priced
  exactly by the transportation LP (:mod:`optimize.siting.mip_search`, at most
  ``SEARCH_SHARE`` of the limit);
  ``kernel search``: a second subgradient run aimed at that plan's cost (its bound counts
  if better), then SCIP on the kernel plus the plan's sites, restricted to each point's
  ``NEAREST`` cheapest arcs into them (``FIRST_ROUND_SHARE`` of the time left), then
  rounds with the next ``BUCKET`` sites by Lagrangian rank (``ROUND_SHARE`` each), always
  with the best plan as SCIP's start, until the limit; sites a better plan opens join the
  kernel. A restricted plan is feasible for the whole problem.

  The bound is the Lagrangian one (a restricted MIP proves nothing for the whole problem),
  so the status is OPTIMAL only when the plan meets it. That bound equals the LP bound of
  the strong formulation (capa/8000: 2.6 % below the optimum even when aimed at it).

Every stage stops by the wall clock (``time_limit_s``), unlike the CP-SAT stages' work
budget: SCIP is seeded (``seed``) and single-threaded, but a run that hits the limit
depends on machine speed and load. A narrower kernel (sites open in
  at least a fifth of the last steps, 10 arcs per point) left capb/7000 1.0 % and
  capb/6000 0.96 % above their optima at 60 s; this one reached both.
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np

from optimize.errors import InfeasibleError
from optimize.siting.mip import MipPlan, SplitData, prepare_split, solve_mip
from optimize.siting.mip_lagrange import SplitLagrangian, lagrangian, lagrangian_applies
from optimize.siting.mip_result import split_result
from optimize.siting.mip_search import as_plan, local_search, transport
from optimize.siting.problem import LocationProblem, LocationResult, StageReport
from optimize.siting.result import gap_pct
from optimize.siting.validate import validate

FULL_MIP_MAX_ARCS = 20_000  # model arcs up to this: the exact MIP on everything
LR_SHARE = 0.2  # share of the time limit the subgradient may use
SEARCH_SHARE = 0.15  # share of the time limit the local search may use (after the bound)
NEAREST = 15  # kernel MIPs keep each point's this many cheapest arcs per tonne
BUCKET = 8  # sites added per kernel-search round
FIRST_ROUND_SHARE = 0.85  # the kernel's own round may use this share of the time left
ROUND_SHARE = 0.35  # a later round (kernel + bucket) this share of the time left
ROUND_MIN_S = 3.0
RETARGET_SHARE = 0.15  # share of the time left for the subgradient aimed at the kernel plan


def solve_location_mip(problem: LocationProblem) -> LocationResult:
    """Solve a split-demand problem (module docstring); validates it first.

    Raises
    ------
    SpecificationError
        The specification cannot work (all reasons listed).
    InfeasibleError
        SCIP found no plan within the time limit.
    """
    validate(problem)
    start = time.perf_counter()
    data = prepare_split(problem)
    deadline = start + problem.time_limit_s
    sites = np.setdiff1d(np.arange(problem.n_sites), problem.excluded_sites)
    if len(data.a_cost) <= FULL_MIP_MAX_ARCS or not lagrangian_applies(data):
        plan = solve_mip(data, np.arange(len(data.a_cost)), sites, deadline)
        if plan is None:
            raise InfeasibleError(f"SCIP found no split-demand plan in {problem.time_limit_s} s")
        bound = min(plan.bound, plan.objective)
        name = f"MIP ({len(sites)} sites, {len(data.a_cost)} arcs)"
        stages: tuple[StageReport, ...] = (
            _stage(name, plan, bound, time.perf_counter() - start, plan.optimal),)
        return split_result(data, plan, stages, time.perf_counter() - start, bound)
    return _solve_large(data, start, deadline)


def _solve_large(data: SplitData, start: float, deadline: float) -> LocationResult:
    """Bound, local search, kernel search (module docstring), one stage each."""
    limit = deadline - start
    lr = lagrangian(data, start + LR_SHARE * limit)
    marks = [time.perf_counter()]
    priced = transport(data, np.flatnonzero(lr.opened))
    lps, plans = 0, []
    if priced is not None:
        priced, lps = local_search(data, priced, marks[0] + SEARCH_SHARE * limit)
        plans.append(as_plan(data, priced))
    marks.append(time.perf_counter())
    plan, rounds, lr = kernel_search(data, lr, deadline, plans[0] if plans else None)
    marks.append(time.perf_counter())
    bound = min(lr.bound, plan.objective)
    optimal = plan.objective - bound <= 1e-9 * abs(plan.objective)
    first = plans[0] if plans else plan
    stages = (
        StageReport(f"bound ({lr.steps} subgradient steps)", first.objective, bound,
                    gap_pct(first.objective, bound), "FEASIBLE", marks[0] - start),
        _stage(f"local search ({lps} transportation LPs)", first, bound,
               marks[1] - marks[0], False),
        _stage(f"kernel search ({rounds} MIP rounds)", plan, bound, marks[2] - marks[1],
               optimal),
    )
    return split_result(data, plan, stages, marks[2] - start, bound)


def _stage(name: str, plan: MipPlan, bound: float, time_s: float, optimal: bool) -> StageReport:
    """A stage report of ``plan`` against ``bound``."""
    return StageReport(name, plan.objective, bound, gap_pct(plan.objective, bound),
                       "OPTIMAL" if optimal else "FEASIBLE", time_s)


def nearest_arcs(data: SplitData, sites: np.ndarray, keep: MipPlan | None) -> np.ndarray:
    """Model arcs into ``sites``: each point's ``NEAREST`` cheapest per tonne, plus the arcs
    ``keep`` uses (so it stays a feasible start)."""
    into = np.flatnonzero(np.isin(data.a_site, sites))
    order = into[np.lexsort((data.a_cost[into], data.a_demand[into]))]
    demand = data.a_demand[order]
    first = np.flatnonzero(np.r_[True, demand[1:] != demand[:-1]])
    rank = np.arange(order.size) - np.repeat(first, np.diff(np.r_[first, order.size]))
    chosen = order[rank < NEAREST]
    if keep is not None:
        chosen = np.union1d(chosen, np.flatnonzero(keep.fraction > 0))
    return np.sort(chosen)


def kernel_search(data: SplitData, lr: SplitLagrangian, deadline: float,
                  best: MipPlan | None) -> tuple[MipPlan, int, SplitLagrangian]:
    """A second subgradient run aimed at the best plan's cost (a better bound), then MIP
    rounds on the kernel (the plan's sites and the Lagrangian kernel) plus the next
    ``BUCKET`` ranked sites, the best plan as SCIP's start (module docstring). Without a
    plan the first round is the kernel alone. Returns the best plan, the number of MIP
    rounds and the Lagrangian run with the better bound."""
    kernel = np.flatnonzero(lr.kernel)
    rounds = 0
    if best is None:
        best = _round(data, kernel, None, deadline, FIRST_ROUND_SHARE)
        rounds += 1
    if best is None:  # the kernel alone could not serve everyone in time: every site
        kernel = np.flatnonzero(np.isfinite(lr.score))
        best = _round(data, kernel, None, deadline, FIRST_ROUND_SHARE)
    if best is None:
        raise InfeasibleError("SCIP found no split-demand plan within the time limit")
    left = deadline - time.perf_counter()
    again = lagrangian(data, time.perf_counter() + RETARGET_SHARE * left, best.objective, lr)
    lr = dataclasses.replace(lr, bound=max(lr.bound, again.bound), steps=lr.steps + again.steps)
    if rounds == 0:
        kernel = np.union1d(kernel, np.flatnonzero(best.site_tier >= 0))
        plan = _round(data, kernel, best, deadline, FIRST_ROUND_SHARE)
        rounds += 1
        if plan is not None and plan.objective < best.objective - 1e-9 * abs(best.objective):
            best = plan
    ranked = [int(j) for j in np.argsort(-lr.score, kind="stable")
              if np.isfinite(lr.score[j]) and j not in set(kernel.tolist())]
    while ranked and time.perf_counter() < deadline - 0.5:
        bucket, ranked = ranked[:BUCKET], ranked[BUCKET:]
        plan = _round(data, np.union1d(kernel, bucket), best, deadline, ROUND_SHARE)
        rounds += 1
        if plan is not None and plan.objective < best.objective - 1e-9 * abs(best.objective):
            best = plan
            kernel = np.union1d(kernel, np.flatnonzero(plan.site_tier >= 0))
    return best, rounds, lr


def _round(data: SplitData, sites: np.ndarray, hint: MipPlan | None, deadline: float,
           share: float) -> MipPlan | None:
    """One restricted MIP with ``share`` of the time left (at least ``ROUND_MIN_S``)."""
    left = deadline - time.perf_counter()
    limit = min(left, max(ROUND_MIN_S, share * left))
    arcs = nearest_arcs(data, sites, hint)
    plan = solve_mip(data, arcs, np.sort(sites), time.perf_counter() + limit, hint=hint)
    return None if plan is None else dataclasses.replace(plan, exact=False)
