"""Median engine: uncapacitated siting (a p-median) on sparse arcs, with a proven gap.

Same input and output as :func:`optimize.siting.solve.solve_location`, for the problems
where no store capacity, budget or county quota can bind (:func:`median_applies`): objective
``'time'``, no budget, no groups, and the largest tier holds the whole supply. That is the
p-median ``min sum_i q_i t_{i, store(i)}`` over exactly ``n_stores`` open sites (``at most``
makes no difference: another store never costs time), each point served by its cheapest
open site among its arcs.

Stages (each named in ``LocationResult.stages``):

1. ``'bound'`` -- Lagrangian relaxation of the assignment rows with multipliers
   ``lambda_i``: ``L(lambda) = sum_i lambda_i + sum of the p least rho_j`` (required sites
   always in, excluded never), ``rho_j = sum_{a into j} min(0, q_i t_a - lambda_i)``,
   maximised by subgradient steps (Polyak step towards the best plan, factor halved after
   ``PATIENCE`` steps without progress). Every ``L`` is a lower bound; the costs are whole
   numbers in model units, so the bound is rounded up to a multiple of their greatest
   common divisor (every plan's value is one). Every ``PLAN_EVERY`` steps the
   relaxation's sites are a plan (one O(arcs) evaluation).
2. ``'interchange'`` -- the best relaxation plan descends by batched fast interchange
   (few large clusters on many points: first on a random sample of the points,
   :func:`sample_start`, on 10,000 points or more a p-median of the sampled points'
   own sites, :func:`sample_sites`, then on all of them from the better of the two plans)
   (:mod:`optimize.siting.interchange`; each pass recomputes only the points its swaps
   touch), then iterated local search in rounds: one nearby
   swap per ``KICK_SPREAD`` medians at once (far apart), one descent, and each region of
   the plan keeps its change only if its points gained (``kick_state``), until the work
   budget or a proof; with at most ``GLOBAL_KICK_MAX_P`` medians also (every round up to
   ``GLOBAL_KICK_ALL_P``) 1-3 medians moved to random sites anywhere (:func:`global_kick`).
3. Small cases exact: when the plan meets the rounded bound the status is ``'OPTIMAL'``.
4. ``'dense interchange'`` -- only for a :class:`~optimize.siting.median_points.PointProblem`
   (coordinates given, every pair's time the floored distance) with ``p <= DENSE_MAX_P``,
   ``DENSE_MIN_POINTS`` points or more and ``DENSE_MIN_CLUSTER`` per median or more, when
   stage 2 did not prove its plan:
   swaps priced EXACTLY over all points from coordinates (:mod:`optimize.siting.median_dense`),
   for ``DENSE_PAIRS_PER_S x DENSE_SHARE x time_limit_s`` pairs computed. First Cooper's
   alternate (each median to its cluster's 1-median, :mod:`optimize.siting.dense_parts`);
   then, up to ``PART_MAX_CLUSTER`` points per median, parts of nearby medians (about
   ``dense_parts.PART_POINTS`` points) re-solved on their points in turn from a queue of
   seeds, each kept if the whole plan gains (POPMUSIC / VNDS); beyond, a sample multistart
   (p <= ``MULTISTART_MAX_P``, more than ``MULTISTART_MIN_CLUSTER`` points per median) and
   rounds over each median's cluster candidates with kicks, each swap priced on the points
   it can reach. The sparse plan is a 1-swap optimum on ALL pairs in most rows (usa13509
   p=100: the best swap over all 13,509 sites saves 0.02 %), so single swaps rarely leave
   it; re-solving parts and kicks priced locally (many more per budget) do (session 7, from
   the same sparse plans at 1.2e9 pairs: sw24978 p=75 +0.769 -> +0.314 %, p=500 +0.636 ->
   +0.374 %, usa13509 p=300 +0.366 -> +0.154 %). Few large clusters are where sparse lists
   are weak (a point's list may not reach its best median, a swap is priced on listed pairs
   only), and stage 2 ends well before the time limit on them (its work budget,
   ``WORK_PER_S``, was calibrated on a loaded core); with the dense stage following, the
   sparse stages get ``SPARSE_SHARE`` of their work budget. Each point is then served by its
   nearest open site, listed arc or not (the result's arcs are those pairs, priced by the
   coordinates).

Sparse lists and the bound on the FULL problem
----------------------------------------------
A problem may list each point's nearest sites only and give ``unlisted_time_s``: for every
point ``i`` a lower bound ``u_i`` on its time to any site it has no arc to (e.g. its farthest
listed time when the arcs are its k nearest). The problem then stands for the FULL problem in
which every pair is allowed; plans still use listed arcs only. Claim: with every multiplier
capped at ``lambda_i <= q_i u_i`` the sparse ``L(lambda)`` equals the full problem's
Lagrangian function, so the bound is proven for the full problem. Proof: an unlisted pair has
``q_i t_ij >= q_i u_i >= lambda_i``, so its term ``min(0, q_i t_ij - lambda_i)`` is 0 and the
full ``rho_j`` equals the sparse sum over listed arcs; the point terms ``lambda_i`` are the
same; by weak duality ``L(lambda) <= OPT_full`` for every ``lambda``. A plan on listed arcs
is a plan of the full problem at the same cost (every point pays a listed arc), so
``UB - LB`` is a proven gap against the full optimum. The cap costs bound strength only
when the optimal ``lambda_i`` exceeds ``q_i u_i``, i.e. when a point's list does not reach
past its serving site: lists of ``k`` about ``8 n / p`` points keep it loose.

Budget: the subgradient and the searches count arcs scanned; the engine stops at
``WORK_CPU_SHARE x work_per_cpu_s(arcs) x time_limit_s`` units, a count calibrated in CPU
seconds (``time.process_time``) so that a row takes about 0.8 of its limit in CPU seconds
and at most about the limit (session 7; setup is charged ``SETUP_WORK_PER_ARC`` per arc),
the same plan for a problem and seed on any machine; or at the wall-clock cap ``wall_safety
x time_limit_s + 1`` s, a safety cap only (then machine-dependent). Before the dense stage
the sparse stages keep the old rate, ``WORK_PER_S x time_limit_s`` times their share of
:func:`dense_shares`, and the kicks of :func:`kick_spread`. The old
``WORK_PER_S`` for every row (1.5e7 units per second, calibrated on a loaded core) ended
the rows of 1,400-5,934 points after 9-23 of their 60 s: the stages run 3-10e7 units per
CPU second.
"""

from __future__ import annotations

import dataclasses
import math
import time

import numpy as np

from optimize.errors import InfeasibleError, SpecificationError
from optimize.siting.dense_parts import SiteIndex, alternate, solve_parts
from optimize.siting.interchange import (
    EPS,
    NearLists,
    SwapState,
    descend_state,
    kick_state,
    nearest,
    touched_points,
)
from optimize.siting.median_dense import DenseState, improve, multistart
from optimize.siting.median_points import PointCosts, check_point_times, floor_times, point_coords
from optimize.siting.prepared import PreparedData, SitingPlan, prepare
from optimize.siting.problem import LISTED_ITEMS, LocationProblem, LocationResult, StageReport
from optimize.siting.result import gap_pct, to_result
from optimize.siting.validate import validate

WORK_PER_S = 1.5e7  # work units per second of time_limit_s before the dense stage (below)
WORK_RATE_AT_1 = 2.13e8  # work units per CPU second of the stages, fitted as WORK_RATE_AT_1 ...
WORK_RATE_PER_DECADE = 2.46e7  # ... minus this per decade of arcs (work_per_cpu_s) ...
WORK_RATE_MIN, WORK_RATE_MAX = 3.0e7, 9.0e7  # ... within these limits
WORK_CPU_SHARE = 0.8  # share of time_limit_s in CPU seconds the budget aims at
SETUP_WORK_PER_ARC = 24.0  # work charged per arc for validation, preparation, list sorting
BOUND_SHARE = 0.35  # share of the work budget the subgradient may use at most
MAX_STEPS = 2000  # subgradient steps at most
PATIENCE = 20  # steps without a better bound before the step factor is halved
THETA0, THETA_MIN = 2.0, 1e-4
PLAN_EVERY = 10  # relaxation plans evaluated every this many steps
KICK_SPREAD = 16  # a kick round tries one kick per this many medians (4 before session 7) ...
KICK_SPREAD_LARGE = 4  # ... but this many before the dense stage of large clusters (kick_spread)
GLOBAL_KICK_ALL_P = 10  # up to this many medians every kick round is a global kick, ...
GLOBAL_KICK_MAX_P = 30  # ... up to this many every other round ...
GLOBAL_KICK_SWAPS = 3  # ... of 1 to this many medians moved to random sites anywhere
BOUND_SAFETY = 1e-10  # relative margin taken off the bound before it is rounded up
SAMPLE_MIN_POINTS = 2000  # sample-first search from this many points with supply ...
SAMPLE_CLUSTER = 50  # ... and this many of them per median (n / p) on average
SAMPLE_PER_MEDIAN = 200  # sample points per median (at most a quarter of the points)
SAMPLE_SHARE = 0.3  # share of the search's remaining work the sample may use
SAMPLE_OWN_SITES = True  # the sample opens only its own points' sites (sample_sites) ...
SAMPLE_OWN_MIN = 0.2  # ... if it holds this share of the points or more
SAMPLE_OWN_MIN_POINTS = 10_000  # ... of this many points or more
DENSE_MAX_P = 1000  # full evaluation on coordinates (PointProblem) for p up to this ...
DENSE_MIN_CLUSTER = 18  # ... and this many points per median or more ...
DENSE_MIN_POINTS = 10_000  # ... on this many points or more (smaller files: not re-measured)
DENSE_PAIRS_PER_S = 4.0e7  # pairs computed per second of time_limit_s (usa13509: 4.7e7 / CPU s)
DENSE_SHARE = 0.5  # share of time_limit_s for the dense stage; the sparse stages keep ...
PART_MAX_CLUSTER = 200  # parts re-solved (dense_parts.solve_parts) up to this n / p, else ...
MULTISTART_MAX_P = 200  # the dense stage starts with multistart for p up to this ...
MULTISTART_MIN_CLUSTER = 350  # ... and more than this n / p ...
MULTISTART_SHARE = 0.5  # ... on this share of its work (the sample plan's polish included)
MULTISTART_POINTS = 3000  # ... on a sample of this many points, or 30 per median if more
SPARSE_SHARE = 1.0  # ... this share of their work budget when the dense stage follows (it ends
# at ~0.4 x time_limit_s of CPU: WORK_PER_S is conservative for these passes); with more than
# PART_MAX_CLUSTER points per median the shares are (the sparse passes scan long lists there):
DENSE_SHARE_LARGE, SPARSE_SHARE_LARGE = 0.7, 0.5


def median_applies(problem: LocationProblem) -> bool:
    """No capacity, budget or quota can bind: objective ``'time'``, no budget, no groups,
    and the largest tier holds the total supply (in model units, as ``prepare`` rounds)."""
    if problem.objective != "time" or problem.budget_yuan is not None:
        return False
    if problem.site_group is not None and (len(problem.group_min) or len(problem.group_max)):
        return False
    supply_u = np.ceil(np.asarray(problem.supply_t, float) * 100 - 1e-9).sum()
    return max(int(t.capacity_t * 100 + 1e-9) for t in problem.tiers) >= supply_u


@dataclasses.dataclass(eq=False)
class MedianInstance:
    """The problem for this engine: lists, multiplier caps, sites that may close/open."""

    data: PreparedData
    lists: NearLists
    p: int
    cap: np.ndarray  # (n,) upper limit of lambda_i (inf: arcs-only problem)
    required: np.ndarray
    allowed: np.ndarray
    active: np.ndarray  # points with supply (the others are outside the model)
    site_point: np.ndarray | None = None  # (n_sites,) the point at each site, -1; or None


def median_instance(problem: LocationProblem) -> MedianInstance:
    """The engine's view of a (validated) problem: lists, caps, required and allowed sites."""
    data = prepare(problem)
    q = data.supply_u.astype(float)
    n = len(q)
    lists = NearLists.build(data.m_demand, data.m_site, q[data.m_demand] * data.m_time_s,
                            n, problem.n_sites)
    cap = np.full(n, np.inf)
    if problem.unlisted_time_s is not None:
        cap = q * np.asarray(problem.unlisted_time_s, dtype=float)
    required = np.zeros(problem.n_sites, dtype=bool)
    required[list(problem.required_sites)] = True
    p = min(problem.n_stores, int(data.allowed.sum()))
    own = None if problem.site_demand is None else np.asarray(problem.site_demand, np.int64)
    return MedianInstance(data, lists, p, cap, required, data.allowed, q > 0, own)


def solve_location_median(problem: LocationProblem) -> LocationResult:
    """Site stores for an uncapacitated problem (module docstring); validated first.

    Raises
    ------
    SpecificationError
        The specification cannot work, or a capacity, budget or quota could bind.
    InfeasibleError
        Some points with supply have no open site among their arcs in the best plan found
        (listed; the store count may be too small for the arcs given).
    """
    validate(problem)
    if not median_applies(problem):
        raise SpecificationError(["the median engine solves uncapacitated problems only "
                                  "(objective 'time', no budget or groups, the largest tier "
                                  "holding all supply); use engine 'lagrange' or 'cpsat'"])
    start = time.perf_counter()
    inst = median_instance(problem)
    coords = point_coords(problem)
    dense = coords is not None and dense_applies(inst)
    if coords is not None:
        check_point_times(problem, *coords)  # type: ignore[arg-type]
    budget = (WORK_PER_S * dense_shares(inst)[0] if dense else work_per_cpu_s(len(inst.lists.dem))
              * WORK_CPU_SHARE) * problem.time_limit_s
    if not dense:
        inst.lists.work += SETUP_WORK_PER_ARC * len(inst.lists.dem)
    deadline = start + problem.wall_safety * problem.time_limit_s + 1.0
    lb, best, steps = _bound(inst, budget * BOUND_SHARE, deadline)
    bound_s = time.perf_counter() - start
    is_open, value, descents, sampled = _search(inst, best, lb, budget, deadline,
                                                problem.seed, kick_spread(inst, dense))
    if dense and coords is not None and value > lb:
        sparse_s = time.perf_counter() - start
        state, note = _dense(inst, coords, is_open, problem, deadline)
        return _dense_result(problem, inst, state, lb, (
            f"bound ({steps} subgradient steps)", bound_s, value,
            f"interchange ({descents} descents{sampled})", sparse_s - bound_s, note),
            time.perf_counter() - start)
    elapsed = time.perf_counter() - start
    _check_served(inst, is_open)
    lb = min(lb, value)
    scale = 100.0  # model supply in 0.01 t
    proven = value <= lb
    reports = (
        StageReport(f"bound ({steps} subgradient steps)", value / scale, lb / scale,
                    gap_pct(value, lb), "OPTIMAL" if proven else "FEASIBLE", bound_s),
        StageReport(f"interchange ({descents} descents{sampled})", value / scale, lb / scale,
                    gap_pct(value, lb), "OPTIMAL" if proven else "FEASIBLE", elapsed - bound_s),
    )
    result = to_result(inst.data, _siting_plan(inst, is_open), reports, elapsed)
    return dataclasses.replace(result, engine="median")


def work_per_cpu_s(n_arcs: int) -> float:
    """Work units the sparse stages count per CPU second on ``n_arcs`` listed arcs:
    ``WORK_RATE_AT_1 - WORK_RATE_PER_DECADE log10(n_arcs)`` within ``[WORK_RATE_MIN,
    WORK_RATE_MAX]`` (session 7). Measured with ``time.process_time`` on an idle core:
    fl1400 p=300 (53k arcs) 9.6e7, pmed37 (640k) 8.0e7, pcb3038 p=150 (495k) 6.9e7,
    rl5934 p=50 (5.6M) 5.2e7 in its search, fl3795 p=5 (14.4M) 3.3-4.0e7: larger arrays
    leave the caches, so a unit of work costs more CPU. A function of the problem only,
    so the budget (and the plan) is the same on any machine; the wall clock is only the
    safety cap."""
    rate = WORK_RATE_AT_1 - WORK_RATE_PER_DECADE * math.log10(max(n_arcs, 1))
    return float(min(max(rate, WORK_RATE_MIN), WORK_RATE_MAX))


def dense_applies(inst: MedianInstance) -> bool:
    """Few medians with large clusters on many points: ``p <= DENSE_MAX_P``,
    ``DENSE_MIN_POINTS`` points with supply or more and ``DENSE_MIN_CLUSTER`` per median or
    more (the problem must also carry coordinates)."""
    count = int(inst.active.sum())
    return (1 <= inst.p <= DENSE_MAX_P and count >= DENSE_MIN_POINTS
            and count >= DENSE_MIN_CLUSTER * inst.p)


def dense_shares(inst: MedianInstance) -> tuple[float, float]:
    """(share of the sparse stages' work budget, share of ``time_limit_s`` for the dense
    stage): ``(SPARSE_SHARE, DENSE_SHARE)``, or with more than ``PART_MAX_CLUSTER`` points
    per median ``(SPARSE_SHARE_LARGE, DENSE_SHARE_LARGE)``: there the sparse passes scan long
    lists and the dense rounds, priced locally, gain more per CPU second (session 7, the
    same CPU in all: sw24978 p=75 +0.314 -> +0.161 %; on parts rows the longer sparse search
    was better: usa13509 p=300 +0.155 % against +0.201 %, sw24978 p=500 +0.375 against
    +0.516 %)."""
    if large_clusters(inst):
        return SPARSE_SHARE_LARGE, DENSE_SHARE_LARGE
    return SPARSE_SHARE, DENSE_SHARE


def _dense(inst: MedianInstance, coords: tuple[np.ndarray, np.ndarray], is_open: np.ndarray,
           problem: LocationProblem, deadline: float) -> tuple[DenseState, str]:
    """The full-evaluation search (:mod:`optimize.siting.median_dense`) from the sparse
    plan, ``DENSE_PAIRS_PER_S x DENSE_SHARE x time_limit_s`` pairs: (state, stage name).
    Cooper's alternate first; then, up to ``PART_MAX_CLUSTER`` points per median, parts
    re-solved (:func:`~optimize.siting.dense_parts.solve_parts`), beyond it a sample
    multistart (p <= ``MULTISTART_MAX_P`` and more than ``MULTISTART_MIN_CLUSTER`` points
    per median) and rounds over each median's cluster with kicks (``improve``)."""
    costs = PointCosts(coords[0], coords[1], inst.data.supply_u.astype(float))
    state = DenseState(costs, np.flatnonzero(is_open), inst.allowed & ~inst.required)
    before = state.value()
    total = DENSE_PAIRS_PER_S * dense_shares(inst)[1] * problem.time_limit_s
    work_end = costs.work + total
    rng = np.random.default_rng(problem.seed + 1)
    moved = alternate(state, SiteIndex(coords[1], inst.allowed), work_end, deadline)
    count = int(inst.active.sum())
    if count <= PART_MAX_CLUSTER * inst.p:
        parts, kept = solve_parts(state, inst.allowed, rng, work_end, deadline)
        done = f"{parts} parts re-solved, {kept} kept"
    else:
        starts = 0
        if inst.p <= MULTISTART_MAX_P and count > MULTISTART_MIN_CLUSTER * inst.p:
            polish_end = costs.work + MULTISTART_SHARE * total
            starts = multistart(state, inst.allowed, rng, costs.work + 0.7 * MULTISTART_SHARE
                                * total, polish_end, max(MULTISTART_POINTS, 30 * inst.p),
                                deadline)
        rounds, kept = improve(state, inst.allowed, rng, work_end, deadline)
        done = f"{starts} sample starts, {rounds} rounds, {kept} kicks kept"
    return state, (f"dense interchange ({moved} alternate passes, {done}, "
                   f"{gap_pct(before, state.value()):.3f} % cheaper than the sparse plan "
                   f"on all pairs, {costs.work:.3g} pairs)")


def _dense_result(problem: LocationProblem, inst: MedianInstance, state: DenseState,
                  lb: float, stages: tuple, elapsed: float) -> LocationResult:
    """The result of a dense plan: each demand point on an arc to its nearest open site
    (floored distance from the coordinates: the plan's arcs need not be listed)."""
    demand_xy, site_xy = point_coords(problem)  # type: ignore[misc]
    n = len(demand_xy)
    site = state.med[state.c1]
    reduced = dataclasses.replace(
        problem, arc_demand=np.arange(n), arc_site=site, unlisted_time_s=None,
        arc_time_s=floor_times(demand_xy, site_xy, np.arange(n), site).astype(np.int64))
    data = prepare(reduced)
    value = state.value()
    lb = min(lb, value)
    proven = value <= lb
    status = "OPTIMAL" if proven else "FEASIBLE"
    name_b, bound_s, sparse_value, name_s, sparse_s, name_d = stages
    reports = (
        StageReport(name_b, sparse_value / 100.0, lb / 100.0, gap_pct(sparse_value, lb),
                    status, bound_s),
        StageReport(name_s, sparse_value / 100.0, lb / 100.0, gap_pct(sparse_value, lb),
                    status, sparse_s),
        StageReport(name_d, value / 100.0, lb / 100.0, gap_pct(value, lb), status,
                    elapsed - bound_s - sparse_s))
    tiers = np.full(problem.n_sites, -1)
    tiers[state.med] = int(np.lexsort((data.subsidy_yuan, -data.cap_u))[0])
    plan = SitingPlan(tiers, np.ones(len(data.m_demand), dtype=bool))
    return dataclasses.replace(to_result(data, plan, reports, elapsed), engine="median")


def _check_served(inst: MedianInstance, is_open: np.ndarray) -> None:
    """Every point with supply reaches an open site through its arcs, or InfeasibleError."""
    near = nearest(inst.lists, is_open)
    lost = np.flatnonzero((near.c1 < 0) & inst.active)
    if lost.size:
        shown = ", ".join(str(int(i)) for i in lost[:LISTED_ITEMS])
        raise InfeasibleError([
            f"{lost.size} demand points have no open store among their arcs in the best "
            f"plan found ({shown}{', ...' if lost.size > LISTED_ITEMS else ''}); "
            f"{inst.p} stores may be too few for the arcs given"])


def _relax(inst: MedianInstance, lam: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """``L(lambda)``, the relaxation's open sites (bool) and the subgradient."""
    lists = inst.lists
    neg = lists.prefix(lam)  # the arcs costing less than lambda_i: a prefix of each list
    red = lists.cost[neg] - lam[lists.dem[neg]]
    rho = np.bincount(lists.site[neg], weights=red, minlength=lists.n_sites)
    key = np.where(inst.required, -np.inf, np.where(inst.allowed, rho, np.inf))
    chosen = np.argpartition(key, inst.p - 1)[: inst.p] if inst.p < len(key) else np.arange(
        len(key))
    is_open = np.zeros(lists.n_sites, dtype=bool)
    is_open[chosen] = True
    value = float(lam[inst.active].sum() + rho[chosen].sum())
    served = np.bincount(lists.dem[neg[is_open[lists.site[neg]]]], minlength=lists.n)
    return value, is_open, np.where(inst.active, 1.0 - served, 0.0)


def _start_multipliers(inst: MedianInstance) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Second-cheapest listed cost of each point, in the box [cheapest cost, cap]."""
    lists = inst.lists
    count = np.diff(lists.ptr)
    has = count > 0
    low = np.zeros(lists.n)
    low[has] = lists.cost[lists.ptr[:-1][has]]
    lam = low.copy()
    two = count > 1
    lam[two] = lists.cost[lists.ptr[:-1][two] + 1]
    high = np.where(inst.active, inst.cap, 0.0)
    low = np.minimum(low, high)
    return np.clip(lam, low, high), low, high


def _bound(inst: MedianInstance, work_end: float, deadline: float
           ) -> tuple[float, np.ndarray, int]:
    """Subgradient ascent: (rounded-up best bound, best relaxation plan, steps)."""
    lam, low, high = _start_multipliers(inst)
    lb, ub, best = -math.inf, math.inf, np.zeros(inst.lists.n_sites, dtype=bool)
    theta, stall, step = THETA0, 0, 0
    for step in range(1, MAX_STEPS + 1):  # noqa: B007 - reported
        value, is_open, grad = _relax(inst, lam)
        if value > lb + 1e-9 * abs(value):
            lb, stall = value, 0
        else:
            stall += 1
            if stall >= PATIENCE:
                theta, stall = theta / 2, 0
        if step % PLAN_EVERY == 1:
            plan_value = nearest(inst.lists, is_open).value()
            if plan_value < ub:
                ub, best = plan_value, is_open
        norm = float(grad @ grad)
        if (norm == 0 or theta < THETA_MIN or math.ceil(lb - 1e-6) >= ub
                or inst.lists.work >= work_end or time.perf_counter() > deadline):
            break
        target = ub if ub < inst.lists.miss.max() else lb + 0.05 * abs(lb) + 1.0
        lam = np.clip(lam + theta * max(target - value, 1e-9) / norm * grad, low, high)
    # every plan costs a multiple of the costs' common divisor; the sums of non-integral
    # multipliers carry rounding, so a margin comes off before rounding up to that multiple
    unit = float(np.gcd.reduce(inst.lists.cost.astype(np.int64))) or 1.0
    return unit * math.ceil((lb - BOUND_SAFETY * max(1.0, abs(lb))) / unit), best, step


def kick_spread(inst: MedianInstance, dense: bool) -> int:
    """Medians per kick in a kick round: ``KICK_SPREAD``, or ``KICK_SPREAD_LARGE`` when the
    dense stage follows on clusters of more than ``PART_MAX_CLUSTER`` points. Measured on
    the merged code of session 7 (one seed): spread 16 won on the rows of 1,400-5,934
    points and on the parts rows of the dense stage (sw24978 p=250 +0.407 -> +0.299 %,
    p=1000 +0.360 -> +0.258 %, usa13509 p=200 +0.188 -> +0.084 %) and lost before the
    cluster rounds (sw24978 p=75 +0.161 -> +0.521 %, p=100 +0.274 -> +0.527 %, usa13509
    p=50 0.000 -> +0.221 %)."""
    return KICK_SPREAD_LARGE if dense and large_clusters(inst) else KICK_SPREAD


def large_clusters(inst: MedianInstance) -> bool:
    """More than ``PART_MAX_CLUSTER`` points with supply per median (the dense stage then
    runs cluster rounds, not parts)."""
    return int(inst.active.sum()) > PART_MAX_CLUSTER * inst.p


def _search(inst: MedianInstance, start_open: np.ndarray, lb: float, budget: float,
            deadline: float, seed: int, spread: int = KICK_SPREAD
            ) -> tuple[np.ndarray, float, int, str]:
    """Descent from the relaxation's plan (or the sample's, :func:`sample_start`, if
    cheaper), then kicks of one median per ``spread``: (open sites, value, descents, what
    the sample did or '')."""
    lists = inst.lists
    closable = inst.allowed & ~inst.required
    rng = np.random.default_rng(seed)
    note = ""
    near = nearest(lists, start_open)
    if sample_applies(inst):
        sampled, rounds, pick = sample_start(inst, start_open, budget, deadline, rng, spread)
        sampled_near = nearest(lists, sampled)
        used = sampled_near.value() < near.value()
        note = (f"; before them {rounds} on a sample of {len(pick)} points, "
                f"{'its plan' if used else 'the relaxation plan'} kept")
        start_open, near = (sampled, sampled_near) if used else (start_open, near)
    state = SwapState(lists, start_open, near)
    descend_state(state, closable, inst.allowed, budget)
    value, descents = state.value(), 1
    tries = max(1, inst.p // spread)
    while value > lb and lists.work < budget and time.perf_counter() < deadline:
        if inst.p <= GLOBAL_KICK_ALL_P or (inst.p <= GLOBAL_KICK_MAX_P and descents % 2):
            global_kick(state, closable, inst.allowed, rng, budget)
        else:
            kick_state(state, closable, inst.allowed, rng, tries, budget)
        descents += 1
        value = state.value()
    return state.is_open, value, descents, note


def global_kick(state: SwapState, closable: np.ndarray, openable: np.ndarray,
                rng: np.random.Generator, work_end: float) -> None:
    """Move 1 to ``GLOBAL_KICK_SWAPS`` random medians to random closed sites anywhere,
    descend, and keep the result only if the plan gained (else ``state`` is restored).

    With few medians the nearby kicks of :func:`~optimize.siting.interchange.kick_state`
    stay in one basin: pmed17 (p = 10) and pmed26 (p = 5) kept the same plan, 0.057 % and
    0.071 % above the optimum, at 4x the work budget. A median moved across the map is
    the perturbation the classic p-median ILS uses (Resende and Werneck 2004).
    """
    shut = np.flatnonzero(closable & state.is_open)
    free = np.flatnonzero(openable & ~state.is_open)
    k = min(int(rng.integers(1, GLOBAL_KICK_SWAPS + 1)), shut.size, free.size)
    if k == 0:
        return
    closed = rng.choice(shut, size=k, replace=False)
    opened = rng.choice(free, size=k, replace=False)
    before, saved = state.value(), state.snapshot()
    state.apply(list(zip(closed.tolist(), opened.tolist(), strict=True)),
                touched_points(state.lists, state.near, closed, opened))
    descend_state(state, closable, openable, work_end)
    if state.value() >= before - EPS:
        state.restore(saved)


def sample_applies(inst: MedianInstance) -> bool:
    """Large clusters on many points: ``SAMPLE_MIN_POINTS`` points with supply or more and
    ``SAMPLE_CLUSTER`` or more per median."""
    count = int(inst.active.sum())
    return count >= SAMPLE_MIN_POINTS and count >= SAMPLE_CLUSTER * inst.p


def sample_start(inst: MedianInstance, start_open: np.ndarray, budget: float,
                 deadline: float, rng: np.random.Generator, spread: int = KICK_SPREAD
                 ) -> tuple[np.ndarray, int, np.ndarray]:
    """Open sites found by descent and kicks on a random sample of the points, the
    descents run there and the sampled points (sorted).

    For few large clusters every full pass scans long lists and moves about one median, so
    the full search runs out of work far from a local optimum. The sample (``SAMPLE_PER_
    MEDIAN`` points per median, at most a quarter of the points, their own arcs, all sites)
    places the medians at a fraction of the cost per pass; the full search then only
    polishes. Where every site is a point's own, the sample opens only its points' sites
    (:func:`sample_sites`), a p-median on the sample whose passes scan a fraction ``size /
    n`` of the sample points' arcs (sw24978 p=50, 60 s: 7 kick rounds instead of one
    partial descent, +2.54 -> +0.54 %). Uses ``SAMPLE_SHARE`` of the work left, counted on
    ``inst.lists``.
    """
    lists = inst.lists
    active = np.flatnonzero(inst.active)
    size = max(1, min(len(active) // 4, SAMPLE_PER_MEDIAN * inst.p))
    pick = np.sort(rng.choice(active, size, replace=False))
    index = np.full(lists.n, -1)
    index[pick] = np.arange(size)
    openable = inst.allowed & sample_sites(inst, pick, start_open)
    keep = (index[lists.dem] >= 0) & openable[lists.site]
    sub = NearLists.build(index[lists.dem[keep]], lists.site[keep], lists.cost[keep], size,
                          lists.n_sites)
    sub.work = lists.work + len(lists.dem)
    work_end = sub.work + SAMPLE_SHARE * max(budget - sub.work, 0.0)
    closable = openable & ~inst.required
    state = SwapState(sub, start_open, nearest(sub, start_open))
    descend_state(state, closable, openable, work_end)
    tries, rounds = max(1, inst.p // spread), 1
    while sub.work < work_end and time.perf_counter() < deadline:
        kick_state(state, closable, openable, rng, tries, work_end)
        rounds += 1
    lists.work = sub.work
    return state.is_open, rounds, pick


def sample_sites(inst: MedianInstance, pick: np.ndarray, start_open: np.ndarray
                 ) -> np.ndarray:
    """``(n_sites,)`` bool: the sites the sample may open. With ``SAMPLE_OWN_SITES``, a
    point at every site (``site_demand``, as in a p-median where N = M), a sample of
    ``SAMPLE_OWN_MIN`` of the points or more and ``SAMPLE_OWN_MIN_POINTS`` points or more,
    the sites of the sampled points ``pick``, the start plan's and the required ones; else
    every site. Sites without a point would never be candidates; a smaller sample drops too
    many sites (usa13509 p=10, 2,000 of 13,509 points: +1.19 -> +3.50 % at 60 s); on fewer
    points the full search affords enough passes itself and the restricted sample lost
    (rl5934 p=10 +0.06 -> +0.97 %, p=20 +0.06 -> +0.36 %)."""
    n_sites, own = inst.lists.n_sites, inst.site_point
    if (not SAMPLE_OWN_SITES or own is None or bool((own < 0).any())
            or len(pick) < SAMPLE_OWN_MIN * inst.lists.n
            or inst.lists.n < SAMPLE_OWN_MIN_POINTS):
        return np.ones(n_sites, dtype=bool)
    in_pick = np.zeros(inst.lists.n, dtype=bool)
    in_pick[pick] = True
    return in_pick[own] | start_open | inst.required


def _siting_plan(inst: MedianInstance, is_open: np.ndarray) -> SitingPlan:
    """Each point on its cheapest open listed arc; open sites get the largest tier."""
    data = inst.data
    near = nearest(inst.lists, is_open)
    arc_on = np.zeros(len(data.m_demand), dtype=bool)
    arc_on[inst.lists.arc[near.first[near.first >= 0]]] = True
    largest = int(np.lexsort((data.subsidy_yuan, -data.cap_u))[0])
    return SitingPlan(np.where(is_open, largest, -1), arc_on)
