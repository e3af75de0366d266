"""Province-scale cold-store siting: Lagrangian bound plus heuristic plans, with a proven gap.

Same input and output as :func:`optimize.location.solve_location` (``LocationProblem`` ->
``LocationResult``, the formulation of :mod:`optimize.location`), for instances where
CP-SAT's LP bound on the single-source capacitated assignment is too weak (17,718 villages,
1,403 candidate sites, 893 stores).

Objective (one stage, in t*s, supply counted in 0.01 t rounded up as in ``location``)::

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
seen is reported. Multipliers follow subgradient steps with Polyak step sizes towards the
best plan's value, the step factor halved after ``PATIENCE`` steps without a better bound.

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

The best plan then goes through a large-neighbourhood search: windows of ``LNS_SITES``
sites around a centre are re-decided by CP-SAT -- which of them open, with which tier, and
where the points they serve go (to a window site or to an open store outside with room,
``LNS_OPTIONS`` nearest choices each) -- with the store count, group limits and budget
held at the rest of the plan's values; a window's solution is kept if the plan improves.
Centres alternate between open stores with the largest excess cost at the best bound's
multipliers and the closed sites the relaxation prices best (:func:`_centres`); the search
ends after a whole round without improvement. A window that holds every site and arc and
is solved to optimality proves the plan optimal (small instances: status ``'OPTIMAL'``).
Tiers are finally right-sized (``location._right_size``); ``gap_pct = 100 (UB - LB) / UB``.

Measured (``benchmarks/location.py --set province``: 17,718 points, 1,403 sites, 934,242
arcs, 893 stores, 2-core machine shared with other jobs): the subgradient converges in
~500 steps (~20 s) to a bound of 891.20 M t*s; the relaxation's plans are 1.2-1.4 % above
it; the windows bring the gap under 1 % after ~90-120 s and to 0.97 % at 290 s. Tried and
dropped: uncapacitated site swaps (fast interchange) made the real plan worse (~50 stores
are full); the Martello-Toth U2 bound per knapsack instead of its LP raised the bound by
< 0.01 %; 16-site windows with 6 choices per point improved more slowly than 12 with 8.

Budget and determinism: subgradient steps, plans and windows are counted, and the windows
share ``time_limit_s`` of CP-SAT *deterministic* time (one worker each, summed over the
windows), so a run that ends by its counts (``MAX_STEPS``/``THETA_MIN``, the window budget,
a round without improvement, the gap target) is the same for a given problem and seed on
any machine or load. The wall clock only caps a pathological run, at
``optimize.location.WALL_SAFETY`` x ``time_limit_s`` (the same safety factor as CP-SAT's),
returning the best plan so far; such a run depends on machine speed. Measured on the
province instance: ``time_limit_s = 90`` ended by its budget after 160 s of wall time at
0.97 %, the same plan quality the earlier clock-limited 290 s run reached.
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
import time
from dataclasses import dataclass

import numpy as np
from ortools.graph.python import min_cost_flow
from ortools.sat.python import cp_model

from optimize.errors import InfeasibleError, SpecificationError
from optimize.location import (
    LocationProblem,
    LocationResult,
    StageReport,
    _Data,
    _gap_pct,
    _Plan,
    _prepare,
    _result,
    validate,
)

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
THETA_MIN = 1e-3  # below this the subgradient has converged as far as it will
FREQUENCY_THETA = 0.05  # sites opened at step factors below this vote for a plan
HEURISTIC_EVERY = 25  # a plan from the relaxation every this many steps
LOCAL_PASSES = 6  # sweeps of relocate/swap/insert moves per plan
LNS_SITES = 12  # sites re-decided per window
LNS_OPTIONS = 8  # nearest eligible stores a freed point may go to
LNS_DET_TIME = 1.0  # CP-SAT deterministic time per window
LNS_WINDOWS = 2000  # windows at most
LOG = logging.getLogger(__name__)
BOUND_SAFETY = 1e-9  # relative margin taken off the bound against rounding in the sums


# --------------------------------------------------------------------------- instance


@dataclass(eq=False)
class _Inst:
    """The problem in model units (0.01 t, s, yuan); arcs are ``location``'s model arcs."""

    data: _Data
    n: int  # demand points
    n_sites: int
    q: np.ndarray  # (n,) supply units (float)
    dem: np.ndarray  # (m,) arc demand
    site: np.ndarray  # (m,) arc site
    t: np.ndarray  # (m,) arc time, s
    cost: np.ndarray  # (m,) q * t
    h: np.ndarray  # (n,) cost of leaving point unserved; inf = must serve; 0 = no supply
    active: np.ndarray  # (n,) supply > 0
    cap: np.ndarray  # (K,) capacity units (float)
    sub: np.ndarray  # (K,) subsidy yuan (float)
    budget: float | None
    allowed: np.ndarray  # (J,) bool
    required: np.ndarray  # (J,) bool
    group: np.ndarray  # (J,) group index or -1
    gmin: np.ndarray  # (G,) int
    gmax: np.ndarray  # (G,) int (large if none)
    p: int
    exact: bool


def _instance(problem: LocationProblem) -> _Inst:
    """Model arrays of a validated problem (after the group checks)."""
    data = _prepare(problem)
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
    return _Inst(
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


# ------------------------------------------------------------------------- relaxation


@dataclass(eq=False)
class _Relaxed:
    """One evaluation of the Lagrangian function."""

    bound: float
    grad: np.ndarray  # (n,) subgradient for lambda
    grad_budget: float  # subgradient for mu (in subsidy yuan)
    open_tier: np.ndarray  # (J,) tier chosen by the relaxation, -1 closed
    site_value: np.ndarray  # (J,) min_k v_jk + mu s_k (inf for excluded)
    tier_value: np.ndarray  # (J, K) v_jk


def _relax(inst: _Inst, lam: np.ndarray, mu: float) -> _Relaxed:
    """``L(lambda, mu)`` with its subgradient and the relaxation's open sites."""
    red = inst.cost - lam[inst.dem]
    neg = np.flatnonzero(red < 0)
    ratio = red[neg] / inst.q[inst.dem[neg]]
    order = neg[np.lexsort((ratio, inst.site[neg]))]
    s, w, r = inst.site[order], inst.q[inst.dem[order]], red[order]
    cum_w = np.concatenate([[0.0], np.cumsum(w)])
    cum_r = np.concatenate([[0.0], np.cumsum(r)])
    sites = np.arange(inst.n_sites)
    start, end = np.searchsorted(s, sites, "left"), np.searchsorted(s, sites, "right")
    n_tiers = len(inst.cap)
    values = np.zeros((inst.n_sites, n_tiers))
    cut = np.zeros((inst.n_sites, n_tiers), dtype=np.int64)
    frac = np.zeros((inst.n_sites, n_tiers))
    for k in range(n_tiers):
        target = cum_w[start] + inst.cap[k]
        pos = np.clip(np.searchsorted(cum_w, target, "right") - 1, start, end)  # items fully in
        if len(w):
            safe = np.minimum(pos, len(w) - 1)
            has = pos < end
            frac[:, k] = np.where(has, (target - cum_w[pos]) / w[safe], 0.0)
            values[:, k] = cum_r[pos] - cum_r[start] + frac[:, k] * np.where(has, r[safe], 0.0)
        cut[:, k] = pos
    priced = values + mu * inst.sub[None, :]
    tier = np.argmin(priced, axis=1)
    site_value = priced[sites, tier]
    site_value[~inst.allowed] = np.inf
    chosen = _select(inst, site_value)
    open_tier = np.full(inst.n_sites, -1, dtype=np.int64)
    open_tier[chosen] = tier[chosen]
    x = _knapsack_x(len(order), start[chosen], cut[chosen, tier[chosen]],
                    frac[chosen, tier[chosen]])
    served = np.bincount(inst.dem[order], weights=x, minlength=inst.n)
    unserved = (inst.h < lam) & inst.active
    grad = np.where(inst.active, 1.0 - served - unserved, 0.0)
    penalty = np.minimum(0.0, np.where(inst.active, inst.h, 0.0) - lam)
    selection = float(site_value[chosen].sum())
    bound = float(lam[inst.active].sum() + penalty[inst.active].sum()) + selection
    grad_budget = 0.0
    if inst.budget is not None:
        spent = float(inst.sub[tier[chosen]].sum())
        bound -= mu * inst.budget
        grad_budget = spent - inst.budget
    return _Relaxed(bound, grad, grad_budget, open_tier, site_value, values)


def _knapsack_x(n_items: int, start: np.ndarray, cut: np.ndarray, frac: np.ndarray) -> np.ndarray:
    """Item values of the chosen knapsacks: 1 on ``[start, cut)``, ``frac`` at ``cut``."""
    mark = np.zeros(n_items + 1)
    np.add.at(mark, start, 1.0)
    np.add.at(mark, cut, -1.0)
    x = np.cumsum(mark)[:n_items]
    partial = cut < n_items
    np.add.at(x, cut[partial], frac[partial])
    return x


def _select(inst: _Inst, value: np.ndarray) -> np.ndarray:
    """Cheapest site set: required, group minima, then the best of groups below maximum.

    Optimal for the relaxed selection (a partition matroid with lower bounds); ``value``
    is ``inf`` for excluded sites. Ties go to the lower site index.
    """
    taken = inst.required & inst.allowed
    count = np.zeros(len(inst.gmin), dtype=np.int64)
    if len(inst.gmin):
        np.add.at(count, inst.group[taken & (inst.group >= 0)], 1)
    order = np.lexsort((np.arange(inst.n_sites), value))
    order = order[np.isfinite(value[order])]
    for g in np.flatnonzero(count < inst.gmin):
        for j in order[(inst.group[order] == g) & ~taken[order]][: inst.gmin[g] - count[g]]:
            taken[j] = True
            count[g] += 1
    room = inst.p - int(taken.sum())
    for j in order:
        if room <= 0 or (not inst.exact and value[j] >= 0):
            break
        g = inst.group[j]
        if taken[j] or (g >= 0 and count[g] >= inst.gmax[g]):
            continue
        taken[j] = True
        room -= 1
        if g >= 0:
            count[g] += 1
    return np.flatnonzero(taken)


# ------------------------------------------------------------------------------ plans


@dataclass(eq=False)
class _Work:
    """A plan under repair: tier per site, serving site and time per point, rooms."""

    tier: np.ndarray  # (J,) -1 closed
    at: list[int]  # serving site per point, -1 unserved
    time: list[float]  # its travel time (0 if unserved)
    room: list[float]  # per site, capacity left (0 if closed)
    members: list[set[int]]  # per site


class _Arcs:
    """Arcs by demand point, nearest first, as Python lists for the move loops."""

    def __init__(self, inst: _Inst) -> None:
        order = np.lexsort((inst.site, inst.t, inst.dem))
        self.order = order
        self.ptr = np.searchsorted(inst.dem[order], np.arange(inst.n + 1), "left")
        self.site = inst.site[order]
        self.t = inst.t[order]

    def open_lists(self, tier: np.ndarray) -> tuple[list[list[int]], list[list[float]]]:
        """Per point, the open sites in reach and their times, nearest first."""
        keep = tier[self.site] >= 0
        sites, times = self.site[keep], self.t[keep]
        ptr = _counts_ptr(keep, self.ptr)
        s_list, t_list = sites.tolist(), times.tolist()
        return (
            [s_list[ptr[i]: ptr[i + 1]] for i in range(len(ptr) - 1)],
            [t_list[ptr[i]: ptr[i + 1]] for i in range(len(ptr) - 1)],
        )


def _counts_ptr(keep: np.ndarray, ptr: np.ndarray) -> list[int]:
    """Row pointers after filtering a CSR layout (``ptr``) by ``keep``."""
    kept = np.concatenate([[0], np.cumsum(keep)])
    return kept[ptr].tolist()


def _repair_budget(inst: _Inst, tier: np.ndarray, tier_value: np.ndarray) -> np.ndarray:
    """Downsize stores until the subsidy fits the budget, least relaxed loss per yuan first."""
    tier = tier.copy()
    if inst.budget is None:
        return tier
    while float(inst.sub[tier[tier >= 0]].sum()) > inst.budget + 1e-6:
        best, best_key = (-1, -1), np.inf
        for j in np.flatnonzero(tier >= 0):
            k = tier[j]
            for k2 in np.flatnonzero(inst.sub < inst.sub[k]):
                key = (tier_value[j, k2] - tier_value[j, k]) / (inst.sub[k] - inst.sub[k2])
                if key < best_key:
                    best, best_key = (int(j), int(k2)), key
        if best[0] < 0:
            break
        tier[best[0]] = best[1]
    return tier


def _plan_tiers(inst: _Inst, open_tier: np.ndarray, tier_value: np.ndarray) -> np.ndarray:
    """Each open site gets the largest tier (cheapest subsidy among equals), then the budget
    repair; right-sizing after the assignment gives back what is not needed."""
    best = int(np.lexsort((inst.sub, -inst.cap))[0])
    tier = np.where(open_tier >= 0, best, -1)
    return _repair_budget(inst, tier, tier_value)


def _build_plan(inst: _Inst, arcs: _Arcs, tier: np.ndarray) -> _Work:
    """Assignment for fixed stores: transportation LP, rounded, then repaired and improved.

    The LP (min-cost flow, supply in 0.01 t) has an optimal vertex where few points are
    split; unsplit points keep their store, split ones go to the store that had most of
    them if it has room, else the nearest with room.
    """
    sites, times = arcs.open_lists(tier)
    flow_site, whole = _flow(inst, tier)
    q, h = inst.q.tolist(), inst.h.tolist()
    room = np.where(tier >= 0, inst.cap[np.maximum(tier, 0)], 0.0).tolist()
    work = _Work(tier, [-1] * inst.n, [0.0] * inst.n, room, [set() for _ in range(inst.n_sites)])
    later = []
    for i in range(inst.n):
        j = int(flow_site[i])
        if q[i] <= 0 or j < 0:
            continue
        if whole[i] and room[j] >= q[i]:
            _put(work, q, i, j, times[i][sites[i].index(j)])
        else:
            later.append(i)
    for i in later:
        order = sorted(range(len(sites[i])), key=lambda n: (sites[i][n] != flow_site[i], n))
        for n in order:
            j, t = sites[i][n], times[i][n]
            if room[j] >= q[i] and q[i] * t < h[i]:
                _put(work, q, i, j, t)
                break
    if np.isinf(inst.h).any():
        _eject(inst, work, sites, times)
    _moves(inst, work, sites, times, LOCAL_PASSES)
    return work


def _flow(inst: _Inst, tier: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Transportation LP by min-cost flow: per point the store with most of its supply
    (-1 none) and whether it got all of it there."""
    n, n_sites = inst.n, inst.n_sites
    keep = np.flatnonzero((tier[inst.site] >= 0) & inst.active[inst.dem])
    act = np.flatnonzero(inst.active)
    opened = np.flatnonzero(tier >= 0)
    sink = n + n_sites
    supply = inst.q.astype(np.int64)
    top = float(inst.t.max(initial=0.0)) + 1.0
    per_t = np.where(np.isfinite(inst.h[act]), inst.h[act] / np.maximum(inst.q[act], 1.0),
                     1000.0 * top)
    flow = min_cost_flow.SimpleMinCostFlow()
    first = flow.add_arcs_with_capacity_and_unit_cost(
        inst.dem[keep], n + inst.site[keep], supply[inst.dem[keep]],
        inst.t[keep].astype(np.int64))
    flow.add_arcs_with_capacity_and_unit_cost(
        act, np.full(len(act), sink), supply[act], np.ceil(per_t).astype(np.int64))
    flow.add_arcs_with_capacity_and_unit_cost(
        n + opened, np.full(len(opened), sink), inst.cap[tier[opened]].astype(np.int64),
        np.zeros(len(opened), dtype=np.int64))
    nodes = np.zeros(sink + 1, dtype=np.int64)
    nodes[:n], nodes[sink] = supply, -int(supply.sum())
    flow.set_nodes_supplies(np.arange(sink + 1), nodes)
    site_of = np.full(n, -1, dtype=np.int64)
    whole = np.zeros(n, dtype=bool)
    if keep.size == 0 or flow.solve() != flow.OPTIMAL:
        return site_of, whole
    amount = flow.flows(first)
    used = amount > 0
    dem, site, amount = inst.dem[keep][used], inst.site[keep][used], amount[used]
    order = np.lexsort((-amount, dem))
    dem, site, amount = dem[order], site[order], amount[order]
    head = np.flatnonzero(np.r_[True, dem[1:] != dem[:-1]])
    site_of[dem[head]] = site[head]
    whole[dem[head]] = amount[head] == supply[dem[head]]
    return site_of, whole


def _put(work: _Work, q: list[float], i: int, j: int, t: float) -> None:
    """Serve point ``i`` from site ``j`` (taking it from its current site)."""
    old = work.at[i]
    if old >= 0:
        work.room[old] += q[i]
        work.members[old].discard(i)
    if j >= 0:
        work.room[j] -= q[i]
        work.members[j].add(i)
    work.at[i], work.time[i] = j, (t if j >= 0 else 0.0)


def _eject(inst: _Inst, work: _Work, sites: list[list[int]], times: list[list[float]]) -> None:
    """'time': fit each point left over by moving one point out of a full store."""
    q = inst.q.tolist()
    for i in range(inst.n):
        if work.at[i] >= 0 or q[i] <= 0:
            continue
        best: tuple[float, int, int, int, float, float] | None = None
        for j, t in zip(sites[i], times[i], strict=True):
            need = q[i] - work.room[j]
            for k in work.members[j]:
                if q[k] < need:
                    continue
                for j2, t2 in zip(sites[k], times[k], strict=True):
                    if j2 != j and work.room[j2] >= q[k]:
                        delta = q[i] * t + q[k] * (t2 - work.time[k])
                        if best is None or delta < best[0]:
                            best = (delta, j, k, j2, t, t2)
                        break
        if best is not None:
            _, j, k, j2, t, t2 = best
            _put(work, q, k, j2, t2)
            _put(work, q, i, j, t)


def _moves(
    inst: _Inst, work: _Work, sites: list[list[int]], times: list[list[float]], passes: int
) -> None:
    """Relocate, swap and (coverage) insert moves, first improvement, points in index order."""
    q, h = inst.q.tolist(), inst.h.tolist()
    time_to = [dict(zip(s, t, strict=True)) for s, t in zip(sites, times, strict=True)]
    for _ in range(passes):
        changed = False
        for i in range(inst.n):
            if q[i] > 0 and _improve(work, q, h, i, sites[i], times[i], time_to):
                changed = True
        if not changed:
            break


def _improve(
    work: _Work,
    q: list[float],
    h: list[float],
    i: int,
    sites: list[int],
    times: list[float],
    time_to: list[dict[int, float]],
) -> bool:
    """One improving move of point ``i``, if any."""
    here = work.at[i]
    now = q[i] * work.time[i] if here >= 0 else h[i]
    for j, t in zip(sites, times, strict=True):
        if q[i] * t >= now:
            return False
        if j == here:
            continue
        if work.room[j] >= q[i]:
            _put(work, q, i, j, t)
            return True
        if here < 0:
            continue
        best, best_gain = -1, 0.0
        for k in work.members[j]:
            back = time_to[k].get(here)
            if back is None:
                continue
            diff = q[i] - q[k]
            if work.room[j] < diff or work.room[here] < -diff:
                continue
            gain = now - q[i] * t + q[k] * (work.time[k] - back)
            if gain > best_gain + 1e-9:
                best, best_gain = k, gain
        if best >= 0:
            back = time_to[best][here]
            _put(work, q, best, -1, 0.0)
            _put(work, q, i, j, t)
            _put(work, q, best, here, back)
            return True
    return False


def _value(inst: _Inst, work: _Work) -> float:
    """Objective of a plan in model units; inf if a point that must be served is not."""
    at = np.asarray(work.at)
    served = at >= 0
    if np.any(~served & np.isinf(inst.h) & inst.active):
        return float("inf")
    travel = float((inst.q * np.asarray(work.time))[served].sum())
    return travel + float(inst.h[~served & inst.active].sum())


def _to_plan(inst: _Inst, work: _Work) -> _Plan:
    """``location``'s plan: tier per site and the model arcs switched on."""
    at = np.asarray(work.at)
    arc_on = np.zeros(len(inst.dem), dtype=bool)
    served = np.flatnonzero(at >= 0)
    if served.size:
        key = inst.dem * inst.n_sites + inst.site
        order = np.argsort(key, kind="stable")
        pos = np.searchsorted(key[order], served * inst.n_sites + at[served])
        arc_on[order[pos]] = True
    return _Plan(work.tier.copy(), arc_on)


# ------------------------------------------------------------------------------ solving


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
    inst = _instance(problem)
    arcs = _Arcs(inst)
    deadline = start_s + _wall_safety() * problem.time_limit_s + 1.0
    lb, ub, best = _search(inst, arcs, deadline, problem.seed, problem.time_limit_s)
    if best is None or not np.isfinite(ub):
        raise InfeasibleError(
            ["no plan serving every demand point was found by the Lagrangian heuristics "
             f"within {time.perf_counter() - start_s:.1f} s; capacity, budget or the "
             "store count may make it infeasible (try engine 'cpsat' for a proof)"]
        )
    elapsed = time.perf_counter() - start_s
    lb = min(lb, ub)
    gap = _gap_pct(ub, lb)
    status = "OPTIMAL" if ub - lb <= 1e-9 * max(abs(ub), 1.0) else "FEASIBLE"
    scale = float(100)  # model supply is counted in 0.01 t
    name = "time" if problem.objective == "time" else "coverage+time (weighted sum)"
    report = StageReport(name, ub / scale, lb / scale, gap, status, elapsed)
    result = _result(inst.data, _to_plan(inst, best), (report,), elapsed)
    return dataclasses.replace(result, engine="lagrange")


def _initial_multipliers(inst: _Inst) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
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


def _wall_safety() -> float:
    """The wall-clock cap as a multiple of the budget: ``optimize.location.WALL_SAFETY``,
    read at each solve (a province run raises it in its worker processes)."""
    from optimize import location

    return float(location.WALL_SAFETY)


def _search(
    inst: _Inst, arcs: _Arcs, deadline: float, seed: int, budget_s: float
) -> tuple[float, float, _Work | None]:
    """Subgradient ascent with plans every ``HEURISTIC_EVERY`` steps; (LB, UB, best plan)."""
    lam, low, high = _initial_multipliers(inst)
    fixed = low >= high
    mu_scaled, sub_scale = 0.0, float(max(inst.sub.max(), 1.0))
    lb, ub, best = -np.inf, np.inf, None
    theta, stall = THETA0, 0
    dual: tuple[np.ndarray, _Relaxed] | None = None  # multipliers of the best bound
    tried: set[bytes] = set()
    often = np.zeros(inst.n_sites)  # how often each site opened once the steps got small
    for step in range(MAX_STEPS):
        rel = _relax(inst, lam, mu_scaled / sub_scale)
        if theta <= FREQUENCY_THETA:
            often += rel.open_tier >= 0
        if rel.bound > lb + 1e-12 * abs(rel.bound):
            lb, stall, dual = rel.bound, 0, (lam, rel)
        else:
            stall += 1
            if stall >= PATIENCE:
                theta, stall = theta / 2, 0
        if step % HEURISTIC_EVERY == 0:
            tier = _plan_tiers(inst, rel.open_tier, rel.tier_value)
            key = tier.tobytes()
            if key not in tried:
                tried.add(key)
                work = _build_plan(inst, arcs, tier)
                value = _value(inst, work)
                if value < ub:
                    ub, best = value, work
            LOG.debug("step %d lb %.6g ub %.6g gap %.3f%% theta %.3g mu %.3g open %d",
                      step, lb, ub, _gap_pct(ub, lb), theta, mu_scaled,
                      int((rel.open_tier >= 0).sum()))
        if _gap_pct(ub, lb) <= TARGET_GAP_PCT or theta < THETA_MIN:
            break
        if time.perf_counter() > deadline:
            break
        grad_b = rel.grad_budget / sub_scale
        if mu_scaled <= 0 and grad_b < 0:
            grad_b = 0.0
        grad = np.where(fixed, 0.0, rel.grad)
        norm = float(grad @ grad) + grad_b * grad_b
        if norm <= 0:
            break  # the relaxed solution is feasible and complementary: lb is optimal
        target = ub if np.isfinite(ub) else lb + 0.05 * abs(lb) + 1.0
        size = theta * max(target - rel.bound, 1e-9 * abs(target)) / norm
        lam = np.clip(lam + size * grad, low, high)
        mu_scaled = max(0.0, mu_scaled + size * grad_b)
    if often.any():
        chosen = _select(inst, np.where(inst.allowed, -often, np.inf))
        open_tier = np.full(inst.n_sites, -1, dtype=np.int64)
        open_tier[chosen] = 0
        work = _build_plan(inst, arcs, _plan_tiers(inst, open_tier, rel.tier_value))
        value = _value(inst, work)
        LOG.debug("frequency plan %.6g (best %.6g)", value, ub)
        if value < ub:
            ub, best = value, work
    lb = float(lb - BOUND_SAFETY * abs(lb))
    if best is not None:
        centres = _centres(inst, best, dual, seed)
        ub, best, lb = _lns(inst, arcs, best, ub, lb, deadline, seed, centres, budget_s)
    return lb, ub, best


def _centres(
    inst: _Inst, plan: _Work, dual: tuple[np.ndarray, _Relaxed] | None, seed: int
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
    inst: _Inst, arcs: _Arcs, best: _Work, ub: float, lb: float, deadline: float, seed: int,
    order: np.ndarray, budget_s: float,
) -> tuple[float, _Work, float]:
    """Windows around the open stores, in a seeded order, until the gap target, the window
    count, ``budget_s`` of CP-SAT deterministic time summed over the windows, a whole round
    without improvement, or the wall-clock deadline: (UB, best plan, LB), LB = UB if a
    window proved the optimum."""
    lns = _Lns(inst, arcs, seed)
    since = 0  # windows since the last improvement: a whole round without one ends it
    for step in range(LNS_WINDOWS):
        if _gap_pct(ub, lb) <= TARGET_GAP_PCT or lns.work_s >= budget_s:
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
            LOG.debug("lns %d ub %.6g gap %.3f%%", step, ub, _gap_pct(ub, lb))
    return ub, best, lb


# ---------------------------------------------------------------- large-neighbourhood search


class _Lns:
    """CP-SAT on a window of the plan: ``LNS_SITES`` sites near a centre re-decided (open or
    not, tier), the points they serve re-assigned to them or to other open stores with room;
    everything else fixed. Store count, group limits and the budget are kept exactly (the
    window's share of each); a window's solution is kept only if the plan improves."""

    def __init__(self, inst: _Inst, arcs: _Arcs, seed: int) -> None:
        self.inst, self.arcs, self.seed = inst, arcs, seed
        self.work_s = 0.0  # CP-SAT deterministic time used by the windows so far
        site_demand = inst.data.problem.site_demand
        self.anchor = (np.asarray(site_demand, dtype=np.int64) if site_demand is not None
                       else np.full(inst.n_sites, -1, dtype=np.int64))

    def window(self, work: _Work, centre: int) -> np.ndarray:
        """The centre and its nearest allowed sites (by the arcs of a point there)."""
        inst, arcs = self.inst, self.arcs
        if int(inst.allowed.sum()) <= LNS_SITES:
            return np.flatnonzero(inst.allowed)
        point = int(self.anchor[centre])
        if point < 0 or arcs.ptr[point] == arcs.ptr[point + 1]:
            members = sorted(work.members[centre])
            point = members[0] if members else -1
        near = [centre]
        if point >= 0:
            for j in arcs.site[arcs.ptr[point]: arcs.ptr[point + 1]].tolist():
                if j != centre and inst.allowed[j]:
                    near.append(int(j))
                if len(near) >= LNS_SITES:
                    break
        return np.array(near, dtype=np.int64)

    def improve(self, work: _Work, centre: int, value: float) -> tuple[_Work, float, bool]:
        """Re-solve the window around ``centre``: the better of the two plans, and whether
        it is proven optimal for the whole problem (the window held every site and every
        arc, the unserved costs are whole numbers and CP-SAT proved its optimum)."""
        inst = self.inst
        window = self.window(work, centre)
        in_window = np.zeros(inst.n_sites, dtype=bool)
        in_window[window] = True
        at = np.asarray(work.at)
        free = np.flatnonzero(
            inst.active & ((at >= 0) & in_window[np.maximum(at, 0)])
        )
        touched = np.zeros(inst.n, dtype=bool)
        touched[free] = True
        if np.isfinite(inst.h).any():
            near = inst.dem[in_window[inst.site]]
            touched[near[(at[near] < 0) & inst.active[near]]] = True
        free = np.flatnonzero(touched)
        model, pieces = self._model(work, window, free)
        if model is None:
            return work, value, False
        solver = cp_model.CpSolver()
        solver.parameters.max_deterministic_time = LNS_DET_TIME
        solver.parameters.max_time_in_seconds = max(4.0, _wall_safety()) * LNS_DET_TIME
        solver.parameters.num_workers = 1
        solver.parameters.random_seed = self.seed
        status = solver.solve(model)
        self.work_s += float(solver.deterministic_time)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return work, value, False
        new = self._apply(work, window, free, solver, pieces)
        new_value = _value(inst, new)
        whole = bool(in_window[inst.allowed].all()) and not pieces["truncated"]
        finite = inst.h[inst.active & np.isfinite(inst.h)]
        exact = whole and status == cp_model.OPTIMAL and bool(np.all(finite == np.round(finite)))
        if new_value < value - 1e-9:
            return new, new_value, exact
        return work, value, exact

    def _model(
        self, work: _Work, window: np.ndarray, free: np.ndarray
    ) -> tuple[cp_model.CpModel | None, dict[str, object]]:
        inst = self.inst
        model = cp_model.CpModel()
        n_tiers = len(inst.cap)
        tier_var = {(int(j), k): model.new_bool_var(f"y{j}_{k}")
                    for j in window for k in range(n_tiers)}
        in_window = set(window.tolist())
        room = np.asarray(work.room, dtype=float)
        q = inst.q
        outside_room = room.copy()
        for i in free.tolist():  # free points leave their (window) stores
            j = work.at[i]
            if j >= 0:
                outside_room[j] += q[i]
        arc_vars: dict[int, list[tuple[int, cp_model.IntVar, float]]] = {}
        load: dict[int, list[tuple[cp_model.IntVar, int]]] = {}
        objective = []
        truncated = False
        whole = bool(np.isin(np.flatnonzero(inst.allowed), window).all())
        limit = len(inst.dem) if whole else LNS_OPTIONS  # the whole problem: every arc
        for i in free.tolist():
            lo, hi = self.arcs.ptr[i], self.arcs.ptr[i + 1]
            options = []
            for j, t in zip(self.arcs.site[lo:hi].tolist(), self.arcs.t[lo:hi].tolist(),
                            strict=True):
                if j in in_window or (work.tier[j] >= 0 and outside_room[j] >= q[i]):
                    options.append((j, t))
                if len(options) >= limit:
                    truncated = truncated or hi - lo > limit
                    break
            if work.at[i] >= 0 and all(j != work.at[i] for j, _ in options):
                options.append((work.at[i], work.time[i]))
            vars_i = []
            for j, t in options:
                x = model.new_bool_var(f"x{i}_{j}")
                vars_i.append((j, x, t))
                load.setdefault(j, []).append((x, int(q[i])))
                unserved = int(round(inst.h[i])) if np.isfinite(inst.h[i]) else 0
                objective.append((x, int(round(q[i] * t)) - unserved))  # h_i is a constant
            arc_vars[i] = vars_i
            if np.isfinite(inst.h[i]):
                model.add_at_most_one([x for _, x, _ in vars_i])
            else:
                if not vars_i:
                    return None, {}
                model.add_exactly_one([x for _, x, _ in vars_i])
        for j, terms in load.items():
            used = cp_model.LinearExpr.weighted_sum([x for x, _ in terms], [w for _, w in terms])
            if j in in_window:
                cap = cp_model.LinearExpr.weighted_sum(
                    [tier_var[j, k] for k in range(n_tiers)], [int(c) for c in inst.cap])
                model.add(used <= cap)
            else:
                model.add(used <= int(outside_room[j]))
        for j in window.tolist():
            model.add(sum(tier_var[j, k] for k in range(n_tiers)) <= 1)
            if inst.required[j]:
                model.add(sum(tier_var[j, k] for k in range(n_tiers)) == 1)
        opened = [tier_var[j, k] for j in window.tolist() for k in range(n_tiers)]
        now_open = int((work.tier[window] >= 0).sum())
        if inst.exact:
            model.add(sum(opened) == now_open)
        else:
            model.add(sum(opened) <= inst.p - int((work.tier >= 0).sum()) + now_open)
        self._groups(model, work, window, tier_var)
        if inst.budget is not None:
            spent = float(inst.sub[work.tier[(work.tier >= 0) & ~np.isin(
                np.arange(inst.n_sites), window)]].sum())
            model.add(cp_model.LinearExpr.weighted_sum(
                opened, [int(inst.sub[k]) for _ in window for k in range(n_tiers)])
                <= int(inst.budget - spent))
        model.minimize(cp_model.LinearExpr.weighted_sum([v for v, _ in objective],
                                                        [c for _, c in objective]))
        for j in window.tolist():
            for k in range(n_tiers):
                model.add_hint(tier_var[j, k], bool(work.tier[j] == k))
        for i, vars_i in arc_vars.items():
            for j, x, _ in vars_i:
                model.add_hint(x, work.at[i] == j)
        return model, {"tier": tier_var, "arc": arc_vars, "truncated": truncated}

    def _groups(self, model: cp_model.CpModel, work: _Work, window: np.ndarray,
                tier_var: dict[tuple[int, int], cp_model.IntVar]) -> None:
        inst = self.inst
        if not len(inst.gmin):
            return
        n_tiers = len(inst.cap)
        outside = (work.tier >= 0) & ~np.isin(np.arange(inst.n_sites), window)
        for g in np.unique(inst.group[window]):
            if g < 0:
                continue
            count_out = int((outside & (inst.group == g)).sum())
            here = [tier_var[int(j), k] for j in window if inst.group[j] == g
                    for k in range(n_tiers)]
            model.add(sum(here) >= int(inst.gmin[g]) - count_out)
            model.add(sum(here) <= int(inst.gmax[g]) - count_out)

    def _apply(self, work: _Work, window: np.ndarray, free: np.ndarray,
               solver: cp_model.CpSolver, pieces: dict[str, object]) -> _Work:
        inst = self.inst
        tier_var = pieces["tier"]
        arc_vars = pieces["arc"]
        assert isinstance(tier_var, dict) and isinstance(arc_vars, dict)
        tier = work.tier.copy()
        for j in window.tolist():
            tier[j] = -1
            for k in range(len(inst.cap)):
                if solver.value(tier_var[j, k]):
                    tier[j] = k
        at, times = list(work.at), list(work.time)
        for i in free.tolist():
            at[i], times[i] = -1, 0.0
            for j, x, t in arc_vars[i]:
                if solver.value(x):
                    at[i], times[i] = j, t
        return _rebuild(inst, tier, at, times)


def _rebuild(inst: _Inst, tier: np.ndarray, at: list[int], times: list[float]) -> _Work:
    """A plan's rooms and members recomputed from its tiers and assignment."""
    room = np.where(tier >= 0, inst.cap[np.maximum(tier, 0)], 0.0)
    at_arr = np.asarray(at)
    served = at_arr >= 0
    np.subtract.at(room, at_arr[served], inst.q[served])
    members: list[set[int]] = [set() for _ in range(inst.n_sites)]
    for i in np.flatnonzero(served).tolist():
        members[at[i]].add(i)
    return _Work(tier, at, times, room.tolist(), members)
