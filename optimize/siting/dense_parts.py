"""Cheap descents for a dense p-median plan: Cooper's alternate and parts re-solved in turn.

Two steps for :class:`~optimize.siting.median_dense.DenseState` plans (session 7):

- :func:`alternate` (Cooper 1964, the "alternate" heuristic of the planar p-median): each
  median moves to the 1-median of the points it serves (among the ``ALT_SITES`` openable
  sites nearest to the cluster's weighted Weber point, found by Weiszfeld's iteration, and
  its current site, priced exactly on the cluster's points), then every point goes to its
  nearest median; until no median moves. With the assignment fixed each cluster's cost can
  only fall, and the reassignment can only lower it further, so every pass is a descent of
  the exact objective; a pass costs about ``(ALT_SITES + WEISZFELD_STEPS) n`` pairs.
- :func:`solve_parts`: POPMUSIC (Taillard 2003) / VNDS (Hansen, Mladenovic & Perez-Brito
  2001) style. A part is a seed median, its nearest medians (:func:`part_medians`: about
  ``PART_POINTS`` points in all) and the points they serve; the part's medians are re-solved
  on those points alone from the current plan and ``PART_STARTS`` k-means++ seeds, each
  start by alternate then fast interchange over at most ``PART_SITES`` of the part's sites;
  the best part plan replaces the part's medians if the WHOLE plan gets cheaper. Seeds come
  from a queue of medians not yet tried since their part last changed (every median, in
  random order, at first; a kept part puts its medians back), so the search visits every
  region before any twice and stops early when no part gains.

Work is counted in pairs computed (``PointCosts.work``), so the budget is deterministic.
"""

from __future__ import annotations

import math
import time
from collections import deque

import numpy as np
from scipy.spatial import cKDTree

from optimize.siting.median_dense import (
    EPS,
    WEISZFELD_STEPS,
    DenseState,
    seed_medians,
    site_slots,
    weber_point,
)
from optimize.siting.median_points import PointCosts

ALT_SITES = 12  # openable sites nearest to a cluster's Weber point priced as its 1-median
ALT_MAX_PASSES = 50  # alternate passes at most (it stops earlier when no median moves)
PART_POINTS = 1000  # points a part should hold (its medians: about PART_POINTS p / n) ...
PART_MIN_MEDIANS = 3  # ... but at least this many medians ...
PART_MAX_MEDIANS = 16  # ... and at most this many
PART_SITES = 400  # sites of a part priced per interchange pass (a random sample if more)
PART_STARTS = 1  # k-means++ starts per part besides the current medians
PART_WORK = 1.0e5  # work charged per median of a part (Python-level overhead, in pairs)


class SiteIndex:
    """Nearest openable sites of a point in the plane (a k-d tree over their coordinates)."""

    def __init__(self, site_xy: np.ndarray, openable: np.ndarray) -> None:
        self.sites = np.flatnonzero(openable)
        self.tree = cKDTree(site_xy[self.sites]) if self.sites.size else None

    def nearest(self, xy: np.ndarray, count: int) -> np.ndarray:
        """The ``count`` openable sites nearest to ``xy`` (fewer if there are fewer)."""
        if self.tree is None:
            return np.zeros(0, dtype=np.int64)
        count = min(count, len(self.sites))
        _, at = self.tree.query(xy, k=count)
        return self.sites[np.atleast_1d(at)]


def cluster_median(state: DenseState, slot: int, points: np.ndarray, index: SiteIndex
                   ) -> int:
    """The site among the current median of ``slot`` and the ``ALT_SITES`` openable sites
    nearest to the Weber point of ``points`` with the least summed cost to them (the
    current one on ties); the median itself if it may not close."""
    current = int(state.med[slot])
    if not state.closable_site[current] or points.size == 0:
        return current
    costs = state.costs
    xy = costs.demand_xy[points]
    costs.work += WEISZFELD_STEPS * len(points)
    centre = weber_point(xy, costs.q[points], costs.site_xy[current])
    near = index.nearest(centre, ALT_SITES)
    near = near[~np.isin(near, state.med)]
    if near.size == 0:
        return current
    cands = np.concatenate([[current], near])
    total = costs.to_sites(cands, points).sum(axis=1)
    best = int(np.argmin(total))  # the first (current) wins ties
    return int(cands[best]) if total[best] < total[0] - EPS else current


def alternate(state: DenseState, index: SiteIndex, work_end: float,
              deadline: float = math.inf) -> int:
    """Cooper's alternate (module docstring) until no median moves, ``ALT_MAX_PASSES``,
    ``work_end`` or the wall-clock ``deadline``. Returns the passes that moved a median."""
    moved_passes = 0
    for _ in range(ALT_MAX_PASSES):
        if state.costs.work >= work_end or time.perf_counter() > deadline:
            break
        order = np.argsort(state.c1, kind="stable")
        bounds = np.searchsorted(state.c1[order], np.arange(state.p + 1))
        new = state.med.copy()
        for slot in range(state.p):
            points = order[bounds[slot]: bounds[slot + 1]]
            site = cluster_median(state, slot, points, index)
            if site != new[slot] and site not in new:
                new[slot] = site
        if np.array_equal(new, state.med):
            break
        before = state.value()
        saved = state.copy_plan()
        state.med = new
        state.refresh(np.arange(state.costs.n))
        if state.value() >= before - EPS:  # cannot happen by the argument above; kept safe
            state.restore(saved)
            break
        moved_passes += 1
    return moved_passes


def part_size(n_points: int, p: int) -> int:
    """Medians per part: ``PART_POINTS p / n`` within [PART_MIN_MEDIANS, PART_MAX_MEDIANS]
    (and at most ``p``)."""
    size = round(PART_POINTS * p / max(n_points, 1))
    return int(min(p, max(PART_MIN_MEDIANS, min(PART_MAX_MEDIANS, size))))


def part_medians(state: DenseState, seed: int, size: int) -> np.ndarray:
    """Slots of the median ``seed`` and its ``size - 1`` nearest medians (coordinates)."""
    at = state.costs.site_xy[state.med]
    dist = np.hypot(at[:, 0] - at[seed, 0], at[:, 1] - at[seed, 1])
    return np.argsort(dist, kind="stable")[:size]


def solve_parts(state: DenseState, openable: np.ndarray, rng: np.random.Generator,
                work_end: float, deadline: float = math.inf) -> tuple[int, int]:
    """Parts re-solved in turn from a queue of seeds (module docstring) until the queue is
    empty, ``work_end`` or the wall-clock ``deadline``. Returns (parts solved, kept)."""
    costs, solved, kept = state.costs, 0, 0
    size = part_size(costs.n, state.p)
    owner = site_slots(state, openable)
    queue = deque(rng.permutation(state.p).tolist())
    waiting = np.ones(state.p, dtype=bool)
    while costs.work < work_end and time.perf_counter() < deadline:
        if not queue:  # a new sweep: the k-means++ starts differ each time
            queue.extend(rng.permutation(state.p).tolist())
            waiting[:] = True
        seed = queue.popleft()
        waiting[seed] = False
        slots = part_medians(state, seed, size)
        points = np.flatnonzero(np.isin(state.c1, slots))
        sites = np.union1d(np.flatnonzero(np.isin(owner, slots)), state.med[slots])
        sub = PointCosts(costs.demand_xy[points], costs.site_xy, costs.q[points],
                         costs.work + PART_WORK * len(slots))
        plan = solve_part(sub, state.med[slots], sites, state.closable_site, rng)
        costs.work = sub.work
        solved += 1
        if plan is None:
            continue
        saved, before = state.copy_plan(), state.value()
        for slot, site in zip(slots.tolist(), plan.tolist(), strict=True):
            if state.med[slot] != site:
                state.swap(int(site), slot)
        if state.value() < before - EPS:
            kept += 1
            owner = site_slots(state, openable)
            back = slots[~waiting[slots]]
            waiting[back] = True
            queue.extend(rng.permutation(back).tolist())
        else:
            state.restore(saved)
    return solved, kept


def solve_part(sub: PointCosts, medians: np.ndarray, sites: np.ndarray,
               closable: np.ndarray, rng: np.random.Generator) -> np.ndarray | None:
    """The part's medians re-solved on its points ``sub`` (module docstring): the best plan
    found, in the order of ``medians`` (a median kept keeps its place), or None if none is
    cheaper on the part than ``medians``."""
    allowed = np.zeros(len(sub.site_xy), dtype=bool)
    allowed[sites] = True
    index = SiteIndex(sub.site_xy, allowed)
    current = DenseState(sub, medians, closable)
    best_value, best = current.value(), None
    required = np.zeros(len(sub.site_xy), dtype=bool)
    required[medians[~closable[medians]]] = True
    for attempt in range(PART_STARTS + 1):
        trial = current if attempt == 0 else DenseState(
            sub, seed_medians(sub, len(medians), required, allowed, rng), closable)
        alternate(trial, index, math.inf)
        part_interchange(trial, sites, rng)
        if trial.value() < best_value - EPS:
            best_value, best = trial.value(), trial.med.copy()
    if best is None:
        return None
    order = np.full(len(medians), -1)
    for i, site in enumerate(medians.tolist()):  # medians that stay keep their slot
        if site in best:
            order[i] = site
    order[order < 0] = best[~np.isin(best, medians)]
    return order


def part_interchange(state: DenseState, sites: np.ndarray, rng: np.random.Generator) -> int:
    """Best-improvement interchange over ``sites`` (at most ``PART_SITES`` of them per pass,
    a fresh random sample each pass; every one if fewer), exact on the part's points, until
    a pass finds no gain. Returns the swaps applied."""
    swaps = 0
    while True:
        free = sites[~np.isin(sites, state.med)]
        if len(free) > PART_SITES:
            free = np.sort(rng.choice(free, PART_SITES, replace=False))
        profit, site, slot = state.best_swap(free)
        if profit <= EPS:
            return swaps
        state.swap(site, slot)
        swaps += 1
