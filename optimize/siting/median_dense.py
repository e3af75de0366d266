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
every slot at once). A point's terms are 0 unless ``d_if < d2_i``, so for candidates close
together the sums run over the points that can reach them (:meth:`DenseState.reached`, a
superset found from the candidates' enclosing box; the same profits, session 7: on
sw24978 p=75 a swap is priced on a few thousand of the 24,978 points). Candidates come
from each median's cluster (:func:`cluster_candidates`): the sites nearest to the Weber
point of its points (where Cooper's alternate step would move it, evaluated with the swap's
exact effect on every cluster) and random sites of the cluster. :func:`improve` runs rounds
over the medians in random order, applying the best swap found for each when it gains
(first improvement), until a round without gain; then kicks (:func:`kick`) until the budget
ends. Parts re-solved and the alternate step are in :mod:`optimize.siting.dense_parts`.

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
WEISZFELD_STEPS = 20  # Weiszfeld iterations for a cluster's Weber point
SLOT_WORK = 20_000.0  # work charged per median visited (Python-level overhead, in pairs)
KICK_SLOTS = 1  # medians moved by one kick ...
KICK_NEIGHBOURS = 4  # ... after which they and this many nearest medians each are revisited
NEAR_PRICING = True  # local rounds price swaps over the points they can reach (exact)


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

    def reached(self, sites: np.ndarray) -> np.ndarray:
        """The points (with weight) whose cost can change when one of ``sites`` opens: a
        point ``i`` gains or changes its second median only if ``q_i floor(d(i, f)) < d2_i``,
        so only if ``d(i, f) < d2_i / q_i + 1``; ``d(i, f) >= d(i, c) - r`` for the centre
        ``c`` and radius ``r`` of a box around ``sites``, so the points with ``d(i, c) - r``
        below that bound (plus a margin) are a superset. Costs ``n`` pairs of work."""
        costs = self.costs
        xy = costs.site_xy[sites]
        centre = (xy.min(axis=0) + xy.max(axis=0)) / 2.0
        radius = float(np.hypot(xy[:, 0] - centre[0], xy[:, 1] - centre[1]).max())
        dist = np.hypot(costs.demand_xy[:, 0] - centre[0], costs.demand_xy[:, 1] - centre[1])
        costs.work += costs.n
        weighted = costs.q > 0
        reach = np.divide(self.d2, costs.q, out=np.zeros(costs.n), where=weighted) + 2.0
        return np.flatnonzero(weighted & (dist - radius < reach))

    def best_swap(self, sites: np.ndarray, near: bool = False) -> tuple[float, int, int]:
        """``(profit, site to open, slot to close)`` of the best swap opening one of
        ``sites`` (closed, allowed), exact over all points; profit -inf if none. ``near``:
        the gain and extra terms are summed over :meth:`reached` points only (the same
        profits: the other points' terms are 0), else over every point."""
        n, p = self.costs.n, self.p
        loss = np.bincount(self.c1, weights=self.d2 - self.d1, minlength=p)
        points = self.reached(sites) if near and len(sites) else np.arange(n)
        d1, d2 = self.d1[points], self.d2[points]
        owner = csr_matrix((np.ones(len(points)), (self.c1[points], np.arange(len(points)))),
                           shape=(p, len(points)))
        shut = ~self.closable_site[self.med]
        best = (-np.inf, -1, -1)
        rows = self.costs.block_rows(len(points))
        for start in range(0, len(sites), rows):
            part = sites[start: start + rows]
            cost = self.costs.to_sites(part, None if len(points) == n else points)
            gain = np.maximum(d1 - cost, 0.0).sum(axis=1)
            np.maximum(cost, d1, out=cost)
            np.subtract(d2, cost, out=cost)
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


def weber_point(xy: np.ndarray, q: np.ndarray, start: np.ndarray) -> np.ndarray:
    """The point minimising ``sum q_i |x - xy_i|`` approximately: ``WEISZFELD_STEPS``
    Weiszfeld iterations from ``start`` (stops on a point, or when a step is tiny)."""
    at = np.asarray(start, dtype=float)
    for _ in range(WEISZFELD_STEPS):
        dist = np.hypot(xy[:, 0] - at[0], xy[:, 1] - at[1])
        if (dist < 1e-9).any() or not q.any():
            break
        w = q / dist
        nxt = (w[:, None] * xy).sum(axis=0) / w.sum()
        step = float(np.hypot(*(nxt - at)))
        at = nxt
        if step < 1e-6:
            break
    return at


def cluster_candidates(state: DenseState, slot: int, sites: np.ndarray,
                       rng: np.random.Generator) -> np.ndarray:
    """Up to :func:`candidate_count` sites of a cluster (``sites``, closed and openable):
    the ``CENTRAL_SHARE`` nearest to the Weber point of the slot's points (where Cooper's
    alternate step would move the median; ``WEISZFELD_STEPS`` per point of work), and
    random others."""
    count = candidate_count(state.p, state.costs.n)
    if len(sites) <= count:
        return sites
    costs = state.costs
    points = np.flatnonzero(state.c1 == slot)
    at = costs.site_xy[state.med[slot]]
    if points.size:
        costs.work += WEISZFELD_STEPS * len(points)
        at = weber_point(costs.demand_xy[points], costs.q[points], at)
    xy = costs.site_xy[sites]
    dist = np.hypot(xy[:, 0] - at[0], xy[:, 1] - at[1])
    n_central = int(count * CENTRAL_SHARE)
    central = sites[np.lexsort((sites, dist))[:n_central]]
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
        profit, site, close = state.best_swap(cluster_candidates(state, slot, sites, rng),
                                              near=NEAR_PRICING)
        if profit > EPS:
            state.swap(site, close)
            owner[site] = -1
            applied += 1
    return applied


def kick(state: DenseState, openable: np.ndarray, rng: np.random.Generator,
         far: bool = False) -> np.ndarray:
    """Move ``KICK_SLOTS`` random closable medians: to random openable sites of their own
    clusters, or (``far``) to the sites of points drawn in proportion to their cost (a
    median leaves its place to split a costly cluster, as k-means++ seeds). Returns the
    slots to revisit: those and the ``KICK_NEIGHBOURS`` medians nearest to each of their old
    and new places (by coordinates)."""
    owner = site_slots(state, openable)
    movable = np.flatnonzero(state.closable_site[state.med])
    chosen = rng.permutation(movable)[:KICK_SLOTS]
    places = [state.costs.site_xy[state.med[chosen]]]
    for slot in chosen.tolist():
        sites = np.flatnonzero(owner == slot)
        if far:
            sites = _far_site(state, openable, rng)
        if sites.size:
            state.swap(int(rng.choice(sites)), slot)
    places.append(state.costs.site_xy[state.med[chosen]])
    at = state.costs.site_xy[state.med]
    every = np.concatenate(places)
    near = np.hypot(every[:, None, 0] - at[None, :, 0], every[:, None, 1] - at[None, :, 1])
    close = np.argsort(near, axis=1, kind="stable")[:, : KICK_NEIGHBOURS + 1]
    return np.unique(np.concatenate([chosen, close.ravel()]))


def _far_site(state: DenseState, openable: np.ndarray, rng: np.random.Generator
              ) -> np.ndarray:
    """The closed openable sites at one point drawn with probability ``d1_i / sum d1`` (no
    site: none); the sites nearest to that point if none is at it."""
    costs = state.costs
    weight = state.d1 / max(state.d1.sum(), 1e-300)
    point = int(rng.choice(costs.n, p=weight)) if state.d1.sum() > 0 else 0
    xy = costs.demand_xy[point]
    dist = np.hypot(costs.site_xy[:, 0] - xy[0], costs.site_xy[:, 1] - xy[1])
    costs.work += len(dist)
    dist[~openable] = np.inf
    dist[state.med] = np.inf
    best = dist.min()
    return np.flatnonzero(dist == best) if np.isfinite(best) else np.zeros(0, np.int64)


def improve(state: DenseState, openable: np.ndarray, rng: np.random.Generator,
            work_end: float, deadline: float = math.inf) -> tuple[int, int]:
    """Rounds until one applies no swap, then kicks (each followed by rounds; kept only if
    the plan got cheaper) until ``work_end`` (or the wall-clock ``deadline``, a safety cap:
    ``time.perf_counter()`` seconds). Returns (rounds, kicks kept)."""
    rounds = kept = kicks = 0
    work_end = _capped(state, work_end, deadline)
    while state.costs.work < work_end:
        rounds += 1
        if not local_round(state, openable, rng, work_end, deadline=deadline):
            break
    while state.costs.work < work_end and state.p > 1 and time.perf_counter() < deadline:
        saved, before = state.copy_plan(), state.value()
        slots = kick(state, openable, rng, far=bool(kicks % 2))
        kicks += 1
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


def seed_medians(costs: PointCosts, p: int, required: np.ndarray, openable: np.ndarray,
                 rng: np.random.Generator) -> np.ndarray:
    """``p`` openable sites seeded as k-means++ does: the required sites, then each next
    median at the site nearest to a point drawn in proportion to its cost to the medians
    so far (the first: a point drawn uniformly)."""
    med = [int(s) for s in np.flatnonzero(required)][:p]
    d1 = np.full(costs.n, np.inf)
    if med:
        d1 = costs.to_sites(np.array(med)).min(axis=0)
    usable = openable.copy()
    usable[med] = False
    while len(med) < p and usable.any():
        finite = np.isfinite(d1)
        total = float(d1[finite].sum()) if finite.all() else 0.0
        point = (int(rng.choice(costs.n, p=d1 / total)) if total > 0
                 else int(rng.integers(costs.n)))
        xy = costs.demand_xy[point]
        dist = np.hypot(costs.site_xy[:, 0] - xy[0], costs.site_xy[:, 1] - xy[1])
        dist[~usable] = np.inf
        site = int(np.argmin(dist))
        med.append(site)
        usable[site] = False
        d1 = np.minimum(d1, costs.to_sites(np.array([site]))[0])
    return np.array(med, dtype=np.int64)


def multistart(state: DenseState, openable: np.ndarray, rng: np.random.Generator,
               work_end: float, polish_end: float, sample: int, deadline: float = math.inf
               ) -> int:
    """Local searches from k-means++ seeds on a sample of ``sample`` points (uniform, with
    their weights), until ``work_end``; the best sample plan is then searched on all points
    (rounds without kicks, until ``polish_end``) and kept in ``state`` if cheaper. Returns
    the starts run. Local optima of the sparse search and of :func:`improve` are 1-swap
    optima on all pairs (usa13509 p=100: the best swap over all 13,509 sites saves 0.02 %),
    and their kicks rarely get out; a new start does (usa13509 p=100, 3 starts on 3,000
    points: +0.376 -> +0.240 %)."""
    costs = state.costs
    pick = np.sort(rng.choice(costs.n, min(sample, costs.n), replace=False))
    sub = PointCosts(costs.demand_xy[pick], costs.site_xy, costs.q[pick], costs.work)
    required = np.zeros(len(costs.site_xy), dtype=bool)
    required[state.med[~state.closable_site[state.med]]] = True
    best_value, best_med, starts = math.inf, state.med, 0
    while sub.work < work_end and time.perf_counter() < deadline:
        trial = DenseState(sub, seed_medians(sub, state.p, required, openable, rng),
                           state.closable_site)
        while local_round(trial, openable, rng, work_end, deadline=deadline):
            pass
        starts += 1
        if trial.value() < best_value:
            best_value, best_med = trial.value(), trial.med.copy()
    costs.work = sub.work
    if starts:
        saved, before = state.copy_plan(), state.value()
        state.med = best_med.copy()
        state.refresh(np.arange(costs.n))
        while local_round(state, openable, rng, polish_end, deadline=deadline):
            pass
        if state.value() >= before:
            state.restore(saved)
    return starts
