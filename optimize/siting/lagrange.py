"""Province-scale cold-store siting: Lagrangian bound plus heuristic plans, with a proven gap.

Same input and output as :func:`optimize.siting.solve.solve_location` (``LocationProblem``
-> ``LocationResult``, the formulation of :mod:`optimize.siting.solve`), for instances where
CP-SAT's LP bound on the single-source capacitated assignment is too weak (17,718 villages,
1,403 candidate sites, 893 stores).

Objective (one stage, in t*s, supply counted in 0.01 t rounded up as in ``prepared``)::

    min  sum_a q_i(a) t_a x_a + sum_i h_i (1 - served_i)

- ``'time'``: ``served_i = 1`` for every point with supply (capacitated p-median);
- ``'coverage_then_time'``: ``h_i = q_i P_i`` with ``P_i = F w_i (T + 1)`` s per tonne,
  ``T`` the longest arc time, ``F`` = :data:`COVERAGE_FACTOR` (``w_i`` read as 1 for
  weight 0); ``h_i = 0`` for a point without any arc (unserved in every plan, a constant
  left out so that it does not shrink the gap). This is the *weighted-sum* version of the
  lexicographic order "most weighted supply, then least time": a tonne of weight >= 1 left
  unserved costs three times any trip of one tonne, but a plan may still trade a little
  weighted coverage for a lot of time where capacity binds (the strict lexicographic
  optimum would need an unbounded penalty, and at F = 100 the subgradient stalled). The
  bound proven is a bound on this weighted sum, not on coverage alone;
- ``'cost'`` is not supported here (``SpecificationError``).

Constraints: one tier per open site, required/excluded sites, exactly (or at most)
``n_stores`` stores, per-group (county) minimum/maximum store counts, the subsidy budget,
store capacity, single sourcing, arcs only within the access limit.

Lower bound (proven)
--------------------
Relax the assignment rows ``sum_{a in A(i)} x_a + u_i = 1`` with multipliers ``lambda_i``
and the budget row with ``mu >= 0``. For fixed multipliers the problem splits:

- per point: ``min(0, h_i - lambda_i)`` (leaving it unserved, coverage only);
- per site ``j`` and tier ``k``: ``v_jk = min sum_a (q_i t_a - lambda_i) x_a`` subject to
  ``sum q_i x_a <= C_k``, ``0 <= x_a <= 1`` -- the LP of a knapsack (greedy by ratio, last
  item fractional), a valid lower bound of the 0/1 knapsack;
- choose the open sites: each opened site costs ``min_k v_jk + mu s_k``; exactly (at most)
  ``p`` sites, required in, excluded out, each group between its minimum and maximum. For
  this partition matroid with lower bounds a greedy is optimal: required sites, then each
  group's missing minimum (best first), then the best remaining sites of groups below their
  maximum (only negative ones if the count is "at most").

``L(lambda, mu) = sum_i lambda_i + sum_i min(0, h_i - lambda_i) + selection - mu B`` is a
lower bound of the optimum for every ``lambda`` and ``mu >= 0`` (weak duality); the best one
seen is reported. For each lambda the budget multiplier mu is the one that maximises L
(``lagrange_bound.best_budget_multiplier``); lambda follows deflected, supply-scaled Polyak
steps (``lagrange_bound.ascent_step``) towards the best plan's value, the step factor halved
after ``PATIENCE`` steps without a better bound. After the search, where the budget binds,
the bound keeps the budget as a knapsack (``bound_budget.tighten``: DP over stores x budget
units), then the ascent goes on with exact 0/1 knapsacks per site and tier
(``budget_exact.exact_ascent``, ``EXACT_STEPS`` steps: single sourcing kept; validity
argued there), and the DP's site and tier choices become more plans.

Plans (upper bound)
-------------------
Every ``HEURISTIC_EVERY`` steps the relaxation's open sites become a plan: each gets the
largest tier, repaired to the budget (downsizing the stores whose relaxed knapsack loses
least per yuan saved); the points are assigned by the transportation LP of those stores
(min-cost flow in 0.01 t; an optimal vertex splits few points), rounded (unsplit points
keep their store, split ones go to the store that had most of them if it has room, else
the nearest with room; 'time' then moves one point out of a full store for each point left
over), then improved by relocate / swap / insert moves. Once the steps are small
(``FREQUENCY_THETA``), the sites the relaxation opens most often vote for one more plan.

The best plan's open sites then go through the median engine's fast interchange with the
capacities left aside (:mod:`optimize.siting.lagrange_swap`); the sites it proposes are
assigned with capacities by the same plan builder and kept if the plan improves. Then
``PRICE_ROUNDS`` congestion-priced interchanges (:mod:`optimize.siting.lagrange_prices`:
each site's arcs cost ``q_i (t_a + nu_j)`` with a capacity credit ``nu_j C`` when open,
``nu_j`` raised where the capacities-aside assignment overloads the store) move stores into
the places where they fill up; each round's sites get a capacitated plan, the best is kept,
and every ``PRICE_EVERY`` windows of the search below ``PRICE_AGAIN`` more rounds go on from
the last prices. The best plan then goes through a large-neighbourhood search: windows of
``LNS_SITES`` sites around a centre are re-decided by CP-SAT -- which of them open, with
which tier, and where the points they serve go (to a window site or to an open store outside
with room, ``LNS_OPTIONS`` nearest choices each) -- with the store count, group limits and
budget held at the rest of the plan's values; a window's solution is kept if the plan
improves. Centres alternate between open stores with the largest excess cost at the best
bound's multipliers and the closed sites the relaxation prices best (:func:`_centres`); the
search ends after a whole round without improvement. A window that holds every site and arc
and is solved to optimality proves the plan optimal (small instances: status ``'OPTIMAL'``).
Where the budget DP applied (budget and capacity both bind), HiGHS windows follow
(:mod:`optimize.siting.budget_window`: 16 sites around each open store, largest tiers
first, re-decided by a node-limited MIP whose LP has the strong linking rows), one per
``MIP_WINDOW_S`` seconds of ``time_limit_s``; elsewhere (the Gansu plan: its budget is
slack) nothing changes. Tiers are finally right-sized (``result.right_size``); ``gap_pct
= 100 (UB - LB) / UB``.

Measured on the Gansu plan's own problem (``benchmarks/location.py --set plan``: 13,931
villages, 1,335 sites, 764,087 arcs, 893 stores, 40 stores full; one process on a 2-core
machine with load average 6-9 from other jobs): before the priced rounds, budget 150 ended
at 905.92 M t*s, bound 892.70 M, gap 1.46 %, 323 CPU s (480 windows of at most 1 s); the
subgradient had converged (700 more steps at patience 40 raised the bound by 0.008 %), so
the gap was the plan's: from the interchange stage's 925.76 M, the priced rounds reach
904.01 M in 10.6 CPU s, and 160 windows of 0.3 s from there 902.53 M (56 CPU s). With
all three changes (priced rounds, 0.3 s windows, ``THETA_MIN``): budget 90 ends at 901.70
M, bound 892.76 M, gap 0.992 %, 241 CPU s; budget 110 at 0.991 %, 302 CPU s.

Measured before (``benchmarks/location.py --set province``: 17,718 points, 1,403 sites, 934,242
arcs, 893 stores, 2-core machine shared with other jobs): the subgradient converges in
~500 steps (~20 s) to a bound of 891.20 M t*s; the relaxation's plans are 1.2-1.4 % above
it; the windows bring the gap under 1 % after ~90-120 s and to 0.97 % at 290 s. Tried and
dropped: uncapacitated site swaps (fast interchange) in place of the plan made it worse
(~50 stores are full), so they now only propose sites, kept if the capacitated plan gains;
the Martello-Toth U2 bound per knapsack instead of its LP raised the bound by
< 0.01 %; 16-site windows with 6 choices per point improved more slowly than 12 with 8.

Budget and determinism: subgradient steps, plans and windows are counted, and the windows
share ``time_limit_s`` of CP-SAT *deterministic* time (one worker each, summed over the
windows), so a run that ends by its counts (``MAX_STEPS``/``THETA_MIN``, the window budget,
a round without improvement, the gap target) is the same for a given problem and seed on
any machine or load. The wall clock only caps a pathological run, at
``LocationProblem.wall_safety`` x ``time_limit_s`` (the same field as CP-SAT's cap),
returning the best plan so far; such a run depends on machine speed. Measured on the
province instance: ``time_limit_s = 90`` ended by its budget after 160 s of wall time at
0.97 %, the same plan quality the earlier clock-limited 290 s run reached.

Modules: the bound (:mod:`optimize.siting.lagrange_bound`), plans and their moves
(:mod:`optimize.siting.lagrange_plans`), the windows (:mod:`optimize.siting.lagrange_lns`);
this one builds the instance and runs the subgradient search and the window rounds.
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
import time

import numpy as np

from optimize.errors import InfeasibleError, SpecificationError
from optimize.siting.bound_budget import budget_units, fits_budget, tighten
from optimize.siting.budget_exact import exact_ascent
from optimize.siting.budget_window import mip_windows
from optimize.siting.lagrange_bound import (
    LagrangeInstance,
    Relaxation,
    ascent_step,
    relax,
    select_sites,
)
from optimize.siting.lagrange_lns import LnsWindows
from optimize.siting.lagrange_plans import (
    ArcLists,
    WorkPlan,
    build_plan,
    plan_tiers,
    plan_value,
    to_siting_plan,
)
from optimize.siting.lagrange_prices import priced_plans
from optimize.siting.lagrange_swap import interchange_plan
from optimize.siting.prepared import prepare
from optimize.siting.problem import LocationProblem, LocationResult, StageReport
from optimize.siting.result import gap_pct, to_result
from optimize.siting.validate import validate

TARGET_GAP_PCT = 0.5  # stop once the proven gap is at most this
#: 'coverage_then_time': an unserved tonne costs this many times (longest arc + 1 s).
#: Measured: on 酒泉 (6209, access limit binding) 1 covered 0.8 points of supply less than
#: CP-SAT's coverage stage, 3 came within 0.06 points (0.98 % gap), 10 matched it (1.14 %)
#: but left the province instance at 1.05 % after 234 s (3: 0.95 % after 174 s), and 100
#: stalled the subgradient (89 %). Linxia: the same plan and 0.55 % at 1 and 10.
COVERAGE_FACTOR = 3.0
MAX_STEPS = 3000  # subgradient steps at most
PATIENCE = 15  # steps without a better bound before the step factor is halved
THETA0 = 2.0  # initial Polyak step factor
#: Below this step factor the subgradient has converged as far as it will. Measured on the
#: Gansu plan's problem: 1e-3 stopped after ~270 steps at 892.70 M t*s; 3e-5 runs ~400
#: steps (+3 CPU s) to 892.76 M, as far as 700 more steps at patience 40 got (892.77 M).
THETA_MIN = 3e-5
FREQUENCY_THETA = 0.05  # sites opened at step factors below this vote for a plan
HEURISTIC_EVERY = 25  # a plan from the relaxation every this many steps
LNS_WINDOWS = 2000  # windows at most
PRICE_EVERY = 50  # windows between two runs of congestion-priced rounds, from the last prices
PRICE_AGAIN = 4  # priced rounds then
#: What a priced round is charged against the windows' budget, deterministic seconds
#: (measured: ~0.7 CPU s a round and ~1.9 CPU s per CP-SAT deterministic second).
PRICE_ROUND_S = 0.35
LOG = logging.getLogger(__name__)
#: Site-and-tier choices of the exact-knapsack ascent made into plans (the last ones).
BUDGET_PLANS = 10
BOUND_SAFETY = 1e-9  # relative margin taken off the bound against rounding in the sums


def lagrange_instance(problem: LocationProblem) -> LagrangeInstance:
    """Model arrays of a validated problem (after the group checks)."""
    data = prepare(problem)
    q = data.supply_u.astype(float)
    n = len(q)
    dem, site, t = data.m_demand, data.m_site, data.m_time_s.astype(float)
    active = q > 0
    if problem.objective == "time":
        h = np.where(active, np.inf, 0.0)
    else:
        top = (float(data.arc_time_s.max(initial=0)) + 1.0) * COVERAGE_FACTOR
        w = np.asarray(problem.weight, dtype=float)
        reachable = np.bincount(dem, minlength=n) > 0
        # a point without any arc is unserved in every plan: a constant, left out of the sum
        h = np.where(reachable, q * np.where(w > 0, w, 1.0) * top, 0.0)
    required = np.zeros(problem.n_sites, dtype=bool)
    required[list(problem.required_sites)] = True
    group, gmin, gmax = _groups(problem)
    return LagrangeInstance(
        data=data,
        n=n,
        n_sites=problem.n_sites,
        q=q,
        dem=dem,
        site=site,
        t=t,
        cost=q[dem] * t,
        h=h,
        active=active,
        cap=data.cap_u.astype(float),
        sub=data.subsidy_yuan.astype(float),
        budget=None if data.budget_yuan is None else float(data.budget_yuan),
        allowed=data.allowed,
        required=required,
        group=group,
        gmin=gmin,
        gmax=gmax,
        p=problem.n_stores,
        exact=problem.exact_store_count,
    )


def _groups(problem: LocationProblem) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Site group, group minimum and maximum (no maximum = ``n_sites``)."""
    if problem.site_group is None:
        return np.full(problem.n_sites, -1, dtype=np.int64), np.zeros(0, int), np.zeros(0, int)
    group = np.asarray(problem.site_group, dtype=np.int64)
    gmin = np.asarray(problem.group_min, dtype=np.int64)
    gmax = np.array(
        [problem.n_sites if g is None else int(g) for g in problem.group_max], dtype=np.int64
    )
    return group, gmin, gmax


def _check(problem: LocationProblem) -> None:
    """What this engine cannot do (``validate`` has checked everything else)."""
    if problem.objective == "cost":
        raise SpecificationError(["objective 'cost' is not supported by the Lagrangian "
                                  "engine; use engine 'cpsat'"])


def solve_location_lagrange(problem: LocationProblem) -> LocationResult:
    """Site stores by Lagrangian relaxation with heuristic plans (module docstring).

    Parameters
    ----------
    problem
        The siting problem (``engine`` is not read here); validated first.

    Returns
    -------
    LocationResult
        The best plan found, right-sized, with one ``StageReport`` (``'time'``) whose
        ``bound`` is the best Lagrangian bound and ``gap_pct = 100 (UB - LB) / UB``.

    Raises
    ------
    SpecificationError
        The specification cannot work, or objective ``'cost'`` (not supported here).
    InfeasibleError
        Objective ``'time'``: no plan serving every demand point was found.
    """
    validate(problem)
    _check(problem)
    start_s = time.perf_counter()
    inst = lagrange_instance(problem)
    arcs = ArcLists(inst)
    deadline = start_s + problem.wall_safety * problem.time_limit_s + 1.0
    lb, ub, best = _search(inst, arcs, deadline, problem.seed, problem.time_limit_s)
    if best is None or not np.isfinite(ub):
        raise InfeasibleError(
            ["no plan serving every demand point was found by the Lagrangian heuristics "
             f"within {time.perf_counter() - start_s:.1f} s; capacity, budget or the "
             "store count may make it infeasible (try engine 'cpsat' for a proof)"]
        )
    elapsed = time.perf_counter() - start_s
    lb = min(lb, ub)
    gap = gap_pct(ub, lb)
    status = "OPTIMAL" if ub - lb <= 1e-9 * max(abs(ub), 1.0) else "FEASIBLE"
    scale = float(100)  # model supply is counted in 0.01 t
    name = "time" if problem.objective == "time" else "coverage+time (weighted sum)"
    report = StageReport(name, ub / scale, lb / scale, gap, status, elapsed)
    result = to_result(inst.data, to_siting_plan(inst, best), (report,), elapsed)
    return dataclasses.replace(result, engine="lagrange")


def _initial_multipliers(inst: LagrangeInstance) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Start and box of the multipliers: ``q_i`` times its second-nearest arc time.

    The box ``[cheapest arc cost, h_i]`` holds an optimal multiplier: below its cheapest arc
    cost no knapsack takes point ``i`` and ``L`` rises with ``lambda_i``; above ``h_i`` the
    point's own term stays at ``h_i`` while the knapsacks only gain. A point with no arc
    (coverage) is fixed at ``h_i``, its unserved cost.
    """
    order = np.lexsort((inst.t, inst.dem))
    ptr = np.searchsorted(inst.dem[order], np.arange(inst.n + 1))
    count = np.diff(ptr)
    pick = np.where(count >= 2, ptr[:-1] + 1, ptr[:-1])
    lam = np.zeros(inst.n)
    has = count > 0
    lam[has] = inst.cost[order[pick[has]]]
    high = np.where(inst.active, inst.h, 0.0)
    low = high.copy()  # no arc: fixed at h_i
    low[has] = np.minimum(inst.cost[order[ptr[:-1][has]]], high[has])
    return np.clip(lam, low, high), low, high


def _frequency_plan(inst: LagrangeInstance, arcs: ArcLists, often: np.ndarray,
                    tier_value: np.ndarray, ub: float, best: WorkPlan | None
                    ) -> tuple[float, WorkPlan | None]:
    """The plan of the sites opened most often once the steps got small, if better."""
    if not often.any():
        return ub, best
    chosen = select_sites(inst, np.where(inst.allowed, -often, np.inf))
    open_tier = np.full(inst.n_sites, -1, dtype=np.int64)
    open_tier[chosen] = 0
    work = build_plan(inst, arcs, plan_tiers(inst, open_tier, tier_value))
    value = plan_value(inst, work)
    LOG.debug("frequency plan %.6g (best %.6g)", value, ub)
    return (value, work) if value < ub else (ub, best)


def _search(
    inst: LagrangeInstance, arcs: ArcLists, deadline: float, seed: int, budget_s: float
) -> tuple[float, float, WorkPlan | None]:
    """Subgradient ascent with plans every ``HEURISTIC_EVERY`` steps; (LB, UB, best plan)."""
    lam, low, high = _initial_multipliers(inst)
    direction = np.zeros(inst.n)
    lb, ub, best = -np.inf, np.inf, None
    theta, stall = THETA0, 0
    dual: tuple[np.ndarray, Relaxation] | None = None  # multipliers of the best bound
    tried: set[bytes] = set()
    often = np.zeros(inst.n_sites)  # how often each site opened once the steps got small
    for step in range(MAX_STEPS):
        rel = relax(inst, lam)  # budget multiplier optimal for lam
        if theta <= FREQUENCY_THETA:
            often += rel.open_tier >= 0
        if rel.bound > lb + 1e-12 * abs(rel.bound):
            lb, stall, dual = rel.bound, 0, (lam, rel)
        else:
            stall += 1
            if stall >= PATIENCE:
                theta, stall = theta / 2, 0
        if step % HEURISTIC_EVERY == 0:
            tier = plan_tiers(inst, rel.open_tier, rel.tier_value)
            key = tier.tobytes()
            if key not in tried:
                tried.add(key)
                work = build_plan(inst, arcs, tier)
                value = plan_value(inst, work)
                if value < ub:
                    ub, best = value, work
            LOG.debug("step %d lb %.6g ub %.6g gap %.3f%% theta %.3g mu %.3g open %d",
                      step, lb, ub, gap_pct(ub, lb), theta, rel.mu,
                      int((rel.open_tier >= 0).sum()))
        if gap_pct(ub, lb) <= TARGET_GAP_PCT or theta < THETA_MIN:
            break
        if time.perf_counter() > deadline:
            break
        target = ub if np.isfinite(ub) else lb + 0.05 * abs(lb) + 1.0
        moved = ascent_step(inst, rel, lam, low, high, theta, target, direction)
        if moved is None:
            break  # the relaxed solution is feasible and complementary: lb is optimal
        lam, direction = moved
    ub, best = _frequency_plan(inst, arcs, often, rel.tier_value, ub, best)
    binds = False  # the budget DP applied: budget and capacity bind
    if dual is not None:  # the budget as a knapsack: bound and plans within the budget
        tight, ub, best = _budget_stage(inst, arcs, dual[0], (low, high), ub, best)
        lb, binds = max(lb, tight), bool(np.isfinite(tight))
    lb = float(lb - BOUND_SAFETY * abs(lb))
    if best is not None:
        ub, best = _swap_stage(inst, arcs, best, ub, rel.tier_value)
        ub, best, _, price = priced_plans(inst, arcs, best, ub, rel.tier_value)
        LOG.debug("priced plans: best %.6g", ub)
        centres = _centres(inst, best, dual, seed)
        prices = (price, rel.tier_value)
        ub, best, lb = _lns(inst, arcs, best, ub, lb, deadline, seed, centres, budget_s, prices)
        if binds and ub > lb:  # HiGHS windows where CP-SAT's stall (budget_window)
            best, ub, count = mip_windows(inst, arcs, best, ub, budget_s, deadline)
            LOG.debug("%d MIP windows: best %.6g", count, ub)
    return lb, ub, best


def _budget_stage(
    inst: LagrangeInstance, arcs: ArcLists, lam: np.ndarray,
    box: tuple[np.ndarray, np.ndarray], ub: float, best: WorkPlan | None,
) -> tuple[float, float, WorkPlan | None]:
    """Where the budget binds: the budget-knapsack bound (``bound_budget.tighten``), then
    its ascent with exact 0/1 knapsacks (``budget_exact.exact_ascent``); the DP's site and
    tier choices become plans (the last ``BUDGET_PLANS`` distinct ones of the exact
    ascent). ``(bound, UB, best plan)``; bound ``-inf`` where the DP does not apply."""
    tight, tight_rel, tight_lam = tighten(inst, lam, box[0], box[1], ub)
    if tight_rel is None or tight_lam is None:
        return tight, ub, best
    choices = [tight_rel.open_tier]
    units = budget_units(inst)
    if units is not None:
        exact, _, seen = exact_ascent(inst, tight_lam, box, ub, units)
        LOG.debug("budget bound %.6g, exact knapsacks %.6g, %d choices", tight, exact,
                  len(seen))
        tight = max(tight, exact)
        choices += seen[-BUDGET_PLANS:]
    for open_tier in choices:
        if not fits_budget(inst, open_tier):  # coarse DP units may overspend: not a plan
            continue
        work = build_plan(inst, arcs, open_tier)
        value = plan_value(inst, work)
        if value < ub:
            ub, best = value, work
    return tight, ub, best


def _swap_stage(inst: LagrangeInstance, arcs: ArcLists, best: WorkPlan, ub: float,
                tier_value: np.ndarray) -> tuple[float, WorkPlan]:
    """The interchange stage (:mod:`optimize.siting.lagrange_swap`): its plan if better."""
    work = interchange_plan(inst, arcs, best, tier_value)
    value = plan_value(inst, work) if work is not None else np.inf
    LOG.debug("interchange plan %.6g (best %.6g)", value, ub)
    return (value, work) if work is not None and value < ub else (ub, best)


def _centres(
    inst: LagrangeInstance, plan: WorkPlan, dual: tuple[np.ndarray, Relaxation] | None, seed: int
) -> np.ndarray:
    """Window centres, the likeliest improvements first, alternating two lists.

    Open stores by their excess at the best bound's multipliers, ``sum_{i at j} (q_i t_ij -
    lambda_i) - v_jk`` (what the plan pays there beyond the relaxation's own knapsack), and
    closed sites by their relaxed value ``v_j`` (most attractive first). Without
    multipliers: open stores in a seeded order.
    """
    opened = np.flatnonzero(plan.tier >= 0)
    if dual is None:
        return np.random.default_rng(seed).permutation(opened)
    lam, rel = dual
    at = np.asarray(plan.at)
    served = np.flatnonzero(at >= 0)
    paid = np.bincount(at[served], minlength=inst.n_sites,
                       weights=inst.q[served] * np.asarray(plan.time)[served] - lam[served])
    excess = paid[opened] - rel.tier_value[opened, plan.tier[opened]]
    first = opened[np.lexsort((opened, -excess))]
    closed = np.flatnonzero(inst.allowed & (plan.tier < 0))
    second = closed[np.lexsort((closed, rel.site_value[closed]))]
    merged = []
    for pair in itertools.zip_longest(first.tolist(), second.tolist()):
        merged += [j for j in pair if j is not None]
    return np.array(merged, dtype=np.int64)


def _lns(
    inst: LagrangeInstance, arcs: ArcLists, best: WorkPlan, ub: float, lb: float,
    deadline: float, seed: int, order: np.ndarray, budget_s: float,
    prices: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[float, WorkPlan, float]:
    """Windows around the open stores, in a seeded order, until the gap target, the window
    count, ``budget_s`` of CP-SAT deterministic time summed over the windows, a whole round
    without improvement, or the wall-clock deadline: (UB, best plan, LB), LB = UB if a
    window proved the optimum."""
    lns = LnsWindows(inst, arcs, seed)
    since = 0  # windows since the last improvement: a whole round without one ends it
    for step in range(LNS_WINDOWS):
        if gap_pct(ub, lb) <= TARGET_GAP_PCT or lns.work_s >= budget_s:
            break
        if time.perf_counter() > deadline:
            LOG.info("wall-clock cap reached after %d windows", step)
            break
        centre = int(order[step % len(order)])
        before = ub
        best, ub, proven = lns.improve(best, centre, ub)
        since = 0 if ub < before else since + 1
        if proven:
            return ub, best, ub
        if since >= len(order):
            break
        if step % 20 == 0:
            LOG.debug("lns %d ub %.6g gap %.3f%% work %.1f", step, ub, gap_pct(ub, lb),
                      lns.work_s)
        if prices is not None and step % PRICE_EVERY == PRICE_EVERY - 1:
            ub, best, _, price = priced_plans(inst, arcs, best, ub, prices[1], PRICE_AGAIN,
                                              prices[0])
            prices = (price, prices[1])
            lns.work_s += PRICE_AGAIN * PRICE_ROUND_S
    return ub, best, lb
