"""Full-evaluation interchange of a p-median plan on point coordinates (no dense matrix).

For few medians (each serving hundreds or thousands of points) the sparse nearest lists of
:mod:`optimize.siting.interchange` are the weakness: a point's list may not reach its best
median, and a swap's gain is counted only over listed pairs. Here every point's cost to an
open or candidate site is computed on the fly from coordinates
(:class:`optimize.siting.median_points.PointCosts`), so a swap's profit is EXACT over all
points. :class:`DenseState` keeps per point the cheapest and second-cheapest open median
(``c1, d1, c2, d2``; medians in fixed slots ``0..p-1``). For a block of candidate sites ``F``
the profit of opening ``f`` and closing the median in slot ``r`` is (Whitaker's fast
interchange as written by Resende & Werneck 2003)::

    gain_f   = sum_i max(0, d1_i - d_if)
    loss_r   = sum_{i: c1_i = r} (d2_i - d1_i)
    extra_fr = sum_{i: c1_i = r} max(0, d2_i - max(d_if, d1_i))
    profit   = gain_f - loss_r + extra_fr

one ``(|F|, n)`` block of costs and one sparse product for ``extra`` (O(n) per candidate,
every slot at once). Candidates come from each median's cluster (:func:`cluster_candidates`):
the sites nearest to it whose summed cost to a sample of its points is least (the cluster's
1-median and its runners-up: Cooper's alternate step, evaluated with the swap's exact effect
on every cluster) and random sites of the cluster. :func:`improve` runs rounds over the
medians in random order, applying the best swap found for each when it gains (first
improvement), until a round without gain; then kicks (:func:`kick`) until the budget ends.

Work is counted in pairs computed (``PointCosts.work``) plus ``SLOT_WORK`` per slot visited,
so a search ended by its budget is the same on any machine.
"""

from __future__ import annotations

import math
import time

import numpy as np
from scipy.sparse import csr_matrix

from optimize.siting.median_points import PointCosts

EPS = 1e-6  # profits (whole cost units) at or below this are not improvements
CANDIDATES = 48  # candidate sites per median and visit at most ...
MIN_CANDIDATES = 8  # ... and at least; between them as many as fit ROUND_PAIRS
ROUND_PAIRS = 1.0e8  # pairs a round over all medians should compute (p x candidates x n)
CENTRAL_SHARE = 0.5  # of them the most central in the cluster, the rest random
CENTRAL_SAMPLE = 600  # cluster points summed to rank central sites (a sample if more)
SLOT_WORK = 20_000.0  # work charged per median visited (Python-level overhead, in pairs)
KICK_SLOTS = 2  # medians moved by one kick ...
KICK_NEIGHBOURS = 4  # ... after which they and this many nearest medians each are revisited


class DenseState:
    """A plan of ``p`` medians (sites, in fixed slots) and every point's two cheapest."""

    def __init__(self, costs: PointCosts, medians: np.ndarray, closable: np.ndarray) -> None:
        self.costs = costs
        self.med = np.asarray(medians, dtype=np.int64).copy()
        self.closable_site = closable  # (n_sites,) bool: sites that may close
        n = costs.n
        every = np.concatenate([costs.demand_xy, costs.site_xy])
        reach = float(np.hypot(*np.ptp(every, axis=0))) + 1.0 if len(every) else 1.0
        self.big = float(costs.q.max(initial=1.0)) * reach + 1.0  # above any cost, exact
        self.c1 = np.zeros(n, dtype=np.int64)
        self.c2 = np.zeros(n, dtype=np.int64)
        self.d1 = np.zeros(n)
        self.d2 = np.zeros(n)
        self.refresh(np.arange(n))

    @property
    def p(self) -> int:
        """Medians."""
        return len(self.med)

    def value(self) -> float:
        """The plan's cost (model units)."""
        return float(self.d1.sum())

    def refresh(self, points: np.ndarray) -> None:
        """Recompute ``c1, d1, c2, d2`` of ``points`` against every median."""
        rows = self.costs.block_rows(self.p)
        for start in range(0, len(points), rows):
            part = points[start: start + rows]
            cost = self.costs.to_sites(self.med, part).T  # (b, p)
            if self.p == 1:
                self.c1[part], self.d1[part] = 0, cost[:, 0]
                self.c2[part], self.d2[part] = 0, self.big
                continue
            two = np.argpartition(cost, 1, axis=1)[:, :2]
            pair = np.take_along_axis(cost, two, axis=1)
            swap = (pair[:, 1] < pair[:, 0]) | ((pair[:, 1] == pair[:, 0])
                                                 & (two[:, 1] < two[:, 0]))
            two[swap] = two[swap][:, ::-1]
            pair[swap] = pair[swap][:, ::-1]
            self.c1[part], self.c2[part] = two[:, 0], two[:, 1]
            self.d1[part], self.d2[part] = pair[:, 0], pair[:, 1]

    def best_swap(self, sites: np.ndarray) -> tuple[float, int, int]:
        """``(profit, site to open, slot to close)`` of the best swap opening one of
        ``sites`` (closed, allowed), exact over all points; profit -inf if none."""
        n, p = self.costs.n, self.p
        loss = np.bincount(self.c1, weights=self.d2 - self.d1, minlength=p)
        owner = csr_matrix((np.ones(n), (self.c1, np.arange(n))), shape=(p, n))
        shut = ~self.closable_site[self.med]
        best = (-np.inf, -1, -1)
        rows = self.costs.block_rows(n)
        for start in range(0, len(sites), rows):
            part = sites[start: start + rows]
            cost = self.costs.to_sites(part)  # (b, n)
            gain = np.maximum(self.d1 - cost, 0.0).sum(axis=1)
            np.maximum(cost, self.d1, out=cost)
            np.subtract(self.d2, cost, out=cost)
            np.maximum(cost, 0.0, out=cost)
            profit = gain[:, None] - loss[None, :] + np.asarray(owner @ cost.T).T
            profit[:, shut] = -np.inf
            at = int(np.argmax(profit))
            row, slot = divmod(at, p)
            if profit[row, slot] > best[0]:
                best = (float(profit[row, slot]), int(part[row]), slot)
        return best

    def swap(self, site: int, slot: int) -> None:
        """Open ``site`` in ``slot`` (its median closes); only points that used the slot
        are recomputed against all medians, the others only against the new site."""
        self.med[slot] = site
        cost = self.costs.to_sites(np.array([site]))[0]
        redo = (self.c1 == slot) | (self.c2 == slot)
        first = ~redo & (cost < self.d1)
        second = ~redo & ~first & (cost < self.d2)
        self.c2[first], self.d2[first] = self.c1[first], self.d1[first]
        self.c1[first], self.d1[first] = slot, cost[first]
        self.c2[second], self.d2[second] = slot, cost[second]
        self.refresh(np.flatnonzero(redo))

    def copy_plan(self) -> tuple[np.ndarray, ...]:
        """The parts :meth:`swap` changes."""
        return (self.med.copy(), self.c1.copy(), self.d1.copy(), self.c2.copy(),
                self.d2.copy())

    def restore(self, saved: tuple[np.ndarray, ...]) -> None:
        """Back to a :meth:`copy_plan`."""
        self.med, self.c1, self.d1, self.c2, self.d2 = (x.copy() for x in saved)


def site_slots(state: DenseState, openable: np.ndarray) -> np.ndarray:
    """``(n_sites,)`` slot of the median nearest to each openable closed site (-1 else),
    by the sites' own coordinates (unweighted floored distance)."""
    costs = state.costs
    owner = np.full(len(costs.site_xy), -1)
    free = np.flatnonzero(openable)
    free = free[~np.isin(free, state.med)]
    at = costs.site_xy[state.med]
    rows = costs.block_rows(state.p)
    for start in range(0, len(free), rows):
        part = free[start: start + rows]
        xy = costs.site_xy[part]
        dist = np.hypot(xy[:, None, 0] - at[None, :, 0], xy[:, None, 1] - at[None, :, 1])
        owner[part] = np.argmin(dist, axis=1)
        costs.work += dist.size
    return owner


def candidate_count(p: int, n: int) -> int:
    """Candidates per median: ``ROUND_PAIRS / (p n)`` within [MIN_CANDIDATES, CANDIDATES]."""
    return int(min(CANDIDATES, max(MIN_CANDIDATES, ROUND_PAIRS // max(p * n, 1))))


def cluster_candidates(state: DenseState, slot: int, sites: np.ndarray,
                       rng: np.random.Generator) -> np.ndarray:
    """Up to :func:`candidate_count` sites of a cluster (``sites``, closed and openable):
    the ``CENTRAL_SHARE`` with the least summed cost to a sample of the slot's points, and
    random others."""
    count = candidate_count(state.p, state.costs.n)
    if len(sites) <= count:
        return sites
    points = np.flatnonzero(state.c1 == slot)
    if len(points) > CENTRAL_SAMPLE:
        points = np.sort(rng.choice(points, CENTRAL_SAMPLE, replace=False))
    pool = sites
    if len(pool) > CENTRAL_SAMPLE:
        pool = np.sort(rng.choice(pool, CENTRAL_SAMPLE, replace=False))
    total = np.zeros(len(pool))
    rows = state.costs.block_rows(len(points))
    for start in range(0, len(pool), rows):
        total[start: start + rows] = state.costs.to_sites(pool[start: start + rows],
                                                          points).sum(axis=1)
    n_central = int(count * CENTRAL_SHARE)
    central = pool[np.lexsort((pool, total))[:n_central]]
    rest = np.setdiff1d(sites, central)
    extra = rng.choice(rest, min(len(rest), count - n_central), replace=False)
    return np.concatenate([central, np.sort(extra)])


def local_round(state: DenseState, openable: np.ndarray, rng: np.random.Generator,
                work_end: float, slots: np.ndarray | None = None,
                deadline: float = math.inf) -> int:
    """One visit of each slot (``slots`` or all, random order): the best swap of its
    cluster's candidates applied if it gains. Returns the swaps applied."""
    owner = site_slots(state, openable)
    order = rng.permutation(state.p) if slots is None else rng.permutation(slots)
    applied = 0
    for slot in order.tolist():
        if state.costs.work >= work_end or time.perf_counter() > deadline:
            break
        state.costs.work += SLOT_WORK
        sites = np.flatnonzero(owner == slot)
        sites = sites[~np.isin(sites, state.med)]
        if not sites.size:
            continue
        profit, site, close = state.best_swap(cluster_candidates(state, slot, sites, rng))
        if profit > EPS:
            state.swap(site, close)
            owner[site] = -1
            applied += 1
    return applied


def kick(state: DenseState, openable: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Move ``KICK_SLOTS`` random closable medians to random openable sites of their own
    clusters; the slots to revisit: those and the ``KICK_NEIGHBOURS`` medians nearest to
    each (by coordinates)."""
    owner = site_slots(state, openable)
    movable = np.flatnonzero(state.closable_site[state.med])
    chosen = rng.permutation(movable)[:KICK_SLOTS]
    for slot in chosen.tolist():
        sites = np.flatnonzero(owner == slot)
        if sites.size:
            state.swap(int(rng.choice(sites)), slot)
    at = state.costs.site_xy[state.med]
    near = np.hypot(at[chosen, None, 0] - at[None, :, 0], at[chosen, None, 1] - at[None, :, 1])
    close = np.argsort(near, axis=1, kind="stable")[:, : KICK_NEIGHBOURS + 1]
    return np.unique(np.concatenate([chosen, close.ravel()]))


def improve(state: DenseState, openable: np.ndarray, rng: np.random.Generator,
            work_end: float, deadline: float = math.inf) -> tuple[int, int]:
    """Rounds until one applies no swap, then kicks (each followed by rounds; kept only if
    the plan got cheaper) until ``work_end`` (or the wall-clock ``deadline``, a safety cap:
    ``time.perf_counter()`` seconds). Returns (rounds, kicks kept)."""
    rounds = kept = 0
    work_end = _capped(state, work_end, deadline)
    while state.costs.work < work_end:
        rounds += 1
        if not local_round(state, openable, rng, work_end, deadline=deadline):
            break
    while state.costs.work < work_end and state.p > 1 and time.perf_counter() < deadline:
        saved, before = state.copy_plan(), state.value()
        slots = kick(state, openable, rng)
        while state.costs.work < work_end:
            rounds += 1
            if not local_round(state, openable, rng, work_end, slots, deadline):
                break
        if state.value() < before - EPS:
            kept += 1
        else:
            state.restore(saved)
    return rounds, kept


def _capped(state: DenseState, work_end: float, deadline: float) -> float:
    """``work_end``, or the work done so far once past the wall-clock ``deadline``."""
    return state.costs.work if time.perf_counter() > deadline else work_end
