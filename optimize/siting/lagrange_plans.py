"""Plans of the Lagrangian siting engine ("Plans (upper bound)" in
:mod:`optimize.siting.lagrange`): a plan under repair, built for fixed stores by the
transportation LP (min-cost flow), rounded, repaired and improved by relocate / swap /
insert moves, and its value in model units.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ortools.graph.python import min_cost_flow

from optimize.siting.lagrange_bound import LagrangeInstance
from optimize.siting.prepared import SitingPlan

LOCAL_PASSES = 6  # sweeps of relocate/swap/insert moves per plan


@dataclass(eq=False)
class WorkPlan:
    """A plan under repair: tier per site, serving site and time per point, rooms."""

    tier: np.ndarray  # (J,) -1 closed
    at: list[int]  # serving site per point, -1 unserved
    time: list[float]  # its travel time (0 if unserved)
    room: list[float]  # per site, capacity left (0 if closed)
    members: list[set[int]]  # per site


class ArcLists:
    """Arcs by demand point, nearest first, as Python lists for the move loops."""

    def __init__(self, inst: LagrangeInstance) -> None:
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


def _repair_budget(inst: LagrangeInstance, tier: np.ndarray, tier_value: np.ndarray) -> np.ndarray:
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


def plan_tiers(inst: LagrangeInstance, open_tier: np.ndarray, tier_value: np.ndarray) -> np.ndarray:
    """Each open site gets the largest tier (cheapest subsidy among equals), then the budget
    repair; right-sizing after the assignment gives back what is not needed."""
    best = int(np.lexsort((inst.sub, -inst.cap))[0])
    tier = np.where(open_tier >= 0, best, -1)
    return _repair_budget(inst, tier, tier_value)


def build_plan(inst: LagrangeInstance, arcs: ArcLists, tier: np.ndarray) -> WorkPlan:
    """Assignment for fixed stores: transportation LP, rounded, then repaired and improved.

    The LP (min-cost flow, supply in 0.01 t) has an optimal vertex where few points are
    split; unsplit points keep their store, split ones go to the store that had most of
    them if it has room, else the nearest with room.
    """
    sites, times = arcs.open_lists(tier)
    flow_site, whole = _flow(inst, tier)
    q, h = inst.q.tolist(), inst.h.tolist()
    room = np.where(tier >= 0, inst.cap[np.maximum(tier, 0)], 0.0).tolist()
    work = WorkPlan(tier, [-1] * inst.n, [0.0] * inst.n, room, [set() for _ in range(inst.n_sites)])
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


def _flow(inst: LagrangeInstance, tier: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
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


def _put(work: WorkPlan, q: list[float], i: int, j: int, t: float) -> None:
    """Serve point ``i`` from site ``j`` (taking it from its current site)."""
    old = work.at[i]
    if old >= 0:
        work.room[old] += q[i]
        work.members[old].discard(i)
    if j >= 0:
        work.room[j] -= q[i]
        work.members[j].add(i)
    work.at[i], work.time[i] = j, (t if j >= 0 else 0.0)


def _eject(
    inst: LagrangeInstance, work: WorkPlan, sites: list[list[int]], times: list[list[float]]
) -> None:
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
    inst: LagrangeInstance,
    work: WorkPlan,
    sites: list[list[int]],
    times: list[list[float]],
    passes: int,
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
    work: WorkPlan,
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


def plan_value(inst: LagrangeInstance, work: WorkPlan) -> float:
    """Objective of a plan in model units; inf if a point that must be served is not."""
    at = np.asarray(work.at)
    served = at >= 0
    if np.any(~served & np.isinf(inst.h) & inst.active):
        return float("inf")
    travel = float((inst.q * np.asarray(work.time))[served].sum())
    return travel + float(inst.h[~served & inst.active].sum())


def to_siting_plan(inst: LagrangeInstance, work: WorkPlan) -> SitingPlan:
    """The shared :class:`SitingPlan`: tier per site and the model arcs switched on."""
    at = np.asarray(work.at)
    arc_on = np.zeros(len(inst.dem), dtype=bool)
    served = np.flatnonzero(at >= 0)
    if served.size:
        key = inst.dem * inst.n_sites + inst.site
        order = np.argsort(key, kind="stable")
        pos = np.searchsorted(key[order], served * inst.n_sites + at[served])
        arc_on[order[pos]] = True
    return SitingPlan(work.tier.copy(), arc_on)


def rebuild(
    inst: LagrangeInstance, tier: np.ndarray, at: list[int], times: list[float]
) -> WorkPlan:
    """A plan's rooms and members recomputed from its tiers and assignment."""
    room = np.where(tier >= 0, inst.cap[np.maximum(tier, 0)], 0.0)
    at_arr = np.asarray(at)
    served = at_arr >= 0
    np.subtract.at(room, at_arr[served], inst.q[served])
    members: list[set[int]] = [set() for _ in range(inst.n_sites)]
    for i in np.flatnonzero(served).tolist():
        members[at[i]].add(i)
    return WorkPlan(tier, at, times, room.tolist(), members)
