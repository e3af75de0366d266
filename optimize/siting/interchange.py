"""Fast interchange on sparse nearest lists: the swap search of the median engine.

Whitaker's fast interchange in the form of Resende & Werneck (2003), on per-point lists of
arcs sorted by cost instead of a dense matrix, vectorised over all arcs. For open set ``S``
let ``d1_i``/``c1_i`` be the cost and site of point ``i``'s cheapest open listed site and
``d2_i`` the second cheapest (``miss`` where the list holds fewer open sites: a penalty larger
than any total saving, so a plan never gives up a point to save time). The profit of
closing ``r`` and opening ``f`` is::

    gain_f    = sum_i max(0, d1_i - d_if)                     (arcs with d_if < d1_i)
    loss_r    = sum_{i: c1_i = r} (d2_i - d1_i)
    extra_rf  = sum_{i: c1_i = r} max(0, d2_i - max(d_if, d1_i))   (arcs with d_if < d2_i)
    profit_rf = gain_f - loss_r + extra_rf

``extra`` is non-zero only on pairs (r, f) that share a point whose arc to ``f`` is cheaper
than its second open site, a sparse set; for every other pair ``profit = gain_f - loss_r``,
so the best of those is the best ``gain`` with the least ``loss``. One pass costs O(arcs).

Batches: a swap (r, f) only changes ``d1``, ``c1``, ``d2`` of the points it *touches*
(``c1_i = r`` or ``c2_i = r`` or ``d_if < d2_i``); two swaps that touch disjoint point sets
(and distinct sites) have the same profits after each other as before, so every pass applies
the best swap of each closing site, best first, as long as the touched sets stay disjoint.
With p = 10,000 one pass then moves hundreds of medians instead of one. Each pass ends with
the plan's exact value; a pass that does not lower it is undone and ends the descent.

Incremental passes (:class:`SwapState`): only the touched points change, so after a pass
only they are recomputed (their arcs below the old ``d2``, or their whole list if a closed
site leaves them fewer than two), their ``gain`` and ``loss`` terms are moved, and the
``extra`` rows of their old and new ``c1`` rebuilt. A pass late in a descent on sw24978
(p=250: 1-3 swaps, a few hundred points) costs 1-2 M arcs instead of the 21 M of a full
pass; when most points are touched (a plan that leaves points without a site) one full
pass is done instead. Same swaps, same plans as full passes (tests check it).

Work is counted in arcs scanned (``work``), so a search ended by its work budget is the same
on any machine.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

EPS = 1e-9  # profits at or below this are not improvements
CALL_WORK = 1500.0  # work charged per Python-level step (its overhead, in arcs scanned)
PASS_WORK = 15_000.0  # work charged per whole-array pass on top of its arcs (call overhead)


@dataclass(eq=False)
class NearLists:
    """Arcs per demand point, cheapest first (CSR), and by site.

    ``cost`` is the weighted cost ``q_i t_a``; ``arc`` the index of each entry in the arcs it
    came from; ``miss`` ``(n,)`` the cost charged to a point without an open listed site.
    """

    n: int
    n_sites: int
    dem: np.ndarray
    site: np.ndarray
    cost: np.ndarray
    arc: np.ndarray
    ptr: np.ndarray
    by_site: np.ndarray  # entries ordered by site
    site_ptr: np.ndarray
    miss: np.ndarray
    key: np.ndarray  # point * span + cost: sorted, for prefix searches
    span: float
    work: float = 0.0

    @classmethod
    def build(cls, dem: np.ndarray, site: np.ndarray, cost: np.ndarray, n: int,
              n_sites: int, miss: np.ndarray | None = None) -> NearLists:
        """Sort ``(dem, site, cost)`` arcs by point then cost. ``miss`` defaults to 1 + the
        summed largest listed cost of every point, for every point (more than any plan can
        save elsewhere: every point must be served); a given ``miss`` (e.g. the cost of
        leaving a point unserved) should exceed the point's listed costs."""
        order = np.lexsort((site, cost, dem))
        dem, site, cost = dem[order], site[order], np.asarray(cost, float)[order]
        ptr = np.searchsorted(dem, np.arange(n + 1))
        last = np.zeros(n)
        has = ptr[1:] > ptr[:-1]
        last[has] = cost[ptr[1:][has] - 1]
        by_site = np.argsort(site, kind="stable")
        site_ptr = np.searchsorted(site[by_site], np.arange(n_sites + 1))
        if miss is None:
            miss = np.full(n, float(last.sum()) + 1.0)
        span = float(cost.max(initial=0.0)) + 1.0
        if n * span >= 2.0**52 or np.any(cost < 0):
            raise ValueError("costs too large (or negative) for exact prefix keys")
        return cls(n, n_sites, dem, site, cost, order, ptr, by_site, site_ptr,
                   np.asarray(miss, dtype=float), dem * span + cost, span)

    def prefix(self, limit: np.ndarray | None, points: np.ndarray | None = None,
               inclusive: bool = False) -> np.ndarray:
        """Entry indices, in list order, of each point's arcs costing less than ``limit_i``
        (at most, if ``inclusive``); all of its arcs if ``limit`` is None; only ``points``
        if given. A list is sorted by cost, so this is a prefix found by one search."""
        points = np.arange(self.n) if points is None else points
        start, stop = self.ptr[points], self.ptr[points + 1]
        if limit is not None:
            bound = np.clip(limit[points], -1.0, self.span)
            end = np.searchsorted(self.key, points * self.span + bound,
                                  side="right" if inclusive else "left")
            stop = np.clip(end, start, stop)
        count = stop - start
        total = int(count.sum())
        self.work += total + len(points) + PASS_WORK
        return np.arange(total) + np.repeat(start - (np.cumsum(count) - count), count)


@dataclass(eq=False)
class Nearest:
    """Cheapest and second-cheapest open listed site of each point (-1 / ``miss`` if none)."""

    c1: np.ndarray
    d1: np.ndarray
    c2: np.ndarray
    d2: np.ndarray
    first: np.ndarray  # entry index of c1 (-1 if none)

    def value(self) -> float:
        """The plan's cost, penalties included."""
        return float(self.d1.sum())


def nearest(lists: NearLists, is_open: np.ndarray, guess: np.ndarray | None = None) -> Nearest:
    """``c1, d1, c2, d2`` of every point for the open sites ``is_open``.

    With ``guess`` (e.g. the previous plan's ``d2``) only the arcs costing at most
    ``guess_i`` are scanned first; a point with fewer than two open sites there is scanned
    again in full, so the answer does not depend on the guess, only the work does.
    """
    near = Nearest(np.full(lists.n, -1), lists.miss.copy(), np.full(lists.n, -1),
                   lists.miss.copy(), np.full(lists.n, -1))
    count = _fill(lists, is_open, lists.prefix(guess, inclusive=True), near)
    if guess is not None:
        redo = np.flatnonzero(count < 2)
        if redo.size:
            _fill(lists, is_open, lists.prefix(None, redo), near)
    return near


def _fill(lists: NearLists, is_open: np.ndarray, entries: np.ndarray, near: Nearest
          ) -> np.ndarray:
    """Set the first two open sites found among ``entries`` (list order); open counts."""
    on = entries[is_open[lists.site[entries]]]
    count = np.bincount(lists.dem[on], minlength=lists.n)
    start = np.concatenate([[0], np.cumsum(count)])[:-1]
    for slot, (c, d) in enumerate(((near.c1, near.d1), (near.c2, near.d2))):
        has = count > slot
        entry = on[start[has] + slot]
        c[has], d[has] = lists.site[entry], lists.cost[entry]
        if slot == 0:
            near.first[has] = entry
    return count


def swap_candidates(lists: NearLists, is_open: np.ndarray, near: Nearest,
                    closable: np.ndarray, openable: np.ndarray) -> np.ndarray:
    """``(k, 3)`` rows ``(r, f, profit)`` with profit > EPS, best first: for each closing site
    its best partner from the sparse ``extra`` pairs, then the best ``gain`` sites paired
    with the least ``loss`` sites (for which ``profit >= gain_f - loss_r``, a lower bound)."""
    entries = lists.prefix(near.d2)
    dem, site, cost = lists.dem[entries], lists.site[entries], lists.cost[entries]
    lists.work += 3 * len(site) + 2 * PASS_WORK
    d1, d2 = near.d1[dem], near.d2[dem]
    g = cost < d1
    gain = np.bincount(site[g], weights=(d1 - cost)[g], minlength=lists.n_sites)
    has = near.c1 >= 0
    loss = np.bincount(near.c1[has], weights=(near.d2 - near.d1)[has], minlength=lists.n_sites)
    e = np.flatnonzero((cost < d2) & (near.c1[dem] >= 0))
    r_e, f_e = near.c1[dem[e]], site[e]
    ok = closable[r_e] & openable[f_e] & ~is_open[f_e]
    e, r_e, f_e = e[ok], r_e[ok], f_e[ok]
    key, inverse = np.unique(r_e * lists.n_sites + f_e, return_inverse=True)
    extra = np.bincount(inverse, weights=(d2[e] - np.maximum(cost[e], d1[e])))
    r_s, f_s = key // lists.n_sites, key % lists.n_sites
    profit = gain[f_s] - loss[r_s] + extra
    return _table(r_s, f_s, profit, gain, loss, is_open, closable, openable)


class Touch:
    """The points each swap touches, to pick swaps with disjoint effects."""

    def __init__(self, lists: NearLists, near: Nearest) -> None:
        self.lists, self.near = lists, near
        lists.work += PASS_WORK + 2 * lists.n
        self.mark = np.zeros(lists.n, dtype=bool)
        self.used = np.zeros(lists.n_sites, dtype=bool)
        owner = np.concatenate([near.c1, near.c2])
        point = np.concatenate([np.arange(lists.n), np.arange(lists.n)])
        keep = owner >= 0
        order = np.argsort(owner[keep], kind="stable")
        self.owned = point[keep][order]
        self.owner_ptr = np.searchsorted(owner[keep][order], np.arange(lists.n_sites + 1))

    def take(self, r: int, f: int) -> bool:
        """Claim the points swap (r, f) touches; False (nothing claimed) if any is taken."""
        if self.used[r] or self.used[f]:
            return False
        lists = self.lists
        mine = self.owned[self.owner_ptr[r]: self.owner_ptr[r + 1]]
        entries = lists.by_site[lists.site_ptr[f]: lists.site_ptr[f + 1]]
        points = lists.dem[entries]
        near_f = points[lists.cost[entries] < self.near.d2[points]]
        lists.work += len(mine) + len(entries) + CALL_WORK
        if self.mark[mine].any() or self.mark[near_f].any():
            return False
        self.mark[mine] = True
        self.mark[near_f] = True
        self.used[r] = self.used[f] = True
        return True


class SwapState:
    """The profits' parts of one plan, updated in place after swaps (incremental).

    ``gain`` (per site), ``loss`` (per site) and the sparse ``extra`` pairs (``pr, pf, pe``,
    grouped by the closing site ``r = c1``) of :func:`swap_candidates`. A swap changes
    ``d1, c1, d2`` only of the points it touches (:class:`Touch`); :meth:`apply` recomputes
    those points, moves their ``gain``/``loss`` terms and rebuilds the ``extra`` rows of
    their old and new ``c1``, so a pass costs the touched points' arcs, not all arcs.
    """

    def __init__(self, lists: NearLists, is_open: np.ndarray, near: Nearest) -> None:
        self.lists, self.is_open = lists, is_open.copy()
        self.touched = np.zeros(lists.n, dtype=bool)  # the points apply changed (a record)
        self.near = Nearest(near.c1.copy(), near.d1.copy(), near.c2.copy(), near.d2.copy(),
                            near.first.copy())
        self._build()

    def _build(self) -> None:
        """``gain``, ``loss`` and the pairs from scratch (one pass over the arcs below d2)."""
        lists = self.lists
        entries = lists.prefix(self.near.d2)
        lists.work += len(entries) + PASS_WORK
        self.gain = np.zeros(lists.n_sites)
        self._move_gain(entries, 1.0)
        has = self.near.c1 >= 0
        self.loss = np.bincount(self.near.c1[has], weights=(self.near.d2 - self.near.d1)[has],
                                minlength=lists.n_sites)
        self.pk: np.ndarray = np.zeros(0, np.int64)  # pair keys c1 * n_sites + f, sorted
        self.pe: np.ndarray = np.zeros(0)  # their extra
        self.pc: np.ndarray = np.zeros(0)  # how many points' terms each holds
        keys, weights = self._pair_terms(entries)
        self._merge_pairs(keys, weights, np.ones(len(keys)))

    def _move_gain(self, entries: np.ndarray, sign: float) -> None:
        """Add (sign 1) or take off (-1) the ``gain`` terms of ``entries`` at today's d1."""
        lists = self.lists
        lists.work += len(entries)
        cost, d1 = lists.cost[entries], self.near.d1[lists.dem[entries]]
        g = cost < d1
        np.add.at(self.gain, lists.site[entries[g]], sign * (d1 - cost)[g])

    def _move_loss(self, points: np.ndarray, sign: float) -> None:
        near = self.near
        has = points[near.c1[points] >= 0]
        np.add.at(self.loss, near.c1[has], sign * (near.d2 - near.d1)[has])

    def _pair_terms(self, entries: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The ``extra`` terms of ``entries`` at today's nearest sites: pair keys
        ``c1 * n_sites + site`` and weights, for the arcs below d2."""
        lists, near = self.lists, self.near
        dem = lists.dem[entries]
        e = (near.c1[dem] >= 0) & (lists.cost[entries] < near.d2[dem])
        dem, entries = dem[e], entries[e]
        lists.work += len(entries)
        keys = near.c1[dem] * lists.n_sites + lists.site[entries]
        return keys, near.d2[dem] - np.maximum(lists.cost[entries], near.d1[dem])

    def _merge_pairs(self, keys: np.ndarray, weights: np.ndarray, counts: np.ndarray) -> None:
        """Add terms (counts +1) or take them off (-1); a pair without terms is dropped."""
        every = np.concatenate([self.pk, keys])
        self.lists.work += len(every)  # as swap_candidates counts its unique
        key, inverse = np.unique(every, return_inverse=True)
        extra = np.bincount(inverse, weights=np.concatenate([self.pe, weights]))
        count = np.bincount(inverse, weights=np.concatenate([self.pc, counts]))
        live = count > 0.5
        self.pk, self.pe, self.pc = key[live], extra[live], count[live]

    def value(self) -> float:
        """The plan's cost, penalties included."""
        return self.near.value()

    def snapshot(self) -> tuple:
        """Copies of the parts :meth:`apply` changes (the pair arrays are replaced, never
        changed, so kept as they are)."""
        near = self.near
        self.lists.work += 5 * self.lists.n + 2 * self.lists.n_sites
        return (self.is_open.copy(), near.c1.copy(), near.d1.copy(), near.c2.copy(),
                near.d2.copy(), near.first.copy(), self.gain.copy(), self.loss.copy(),
                self.pk, self.pe, self.pc)

    def restore(self, saved: tuple) -> None:
        """Back to a :meth:`snapshot`."""
        (self.is_open, c1, d1, c2, d2, first, self.gain, self.loss,
         self.pk, self.pe, self.pc) = (x.copy() for x in saved)
        self.near = Nearest(c1, d1, c2, d2, first)
        self.lists.work += 5 * self.lists.n + 2 * self.lists.n_sites + 3 * len(self.pk)

    def table(self, closable: np.ndarray, openable: np.ndarray) -> np.ndarray:
        """The rows of :func:`swap_candidates` for this plan, from the kept parts."""
        is_open, gain, loss = self.is_open, self.gain, self.loss
        self.lists.work += 3 * len(self.pk) + 2 * len(gain) + PASS_WORK
        pr, pf = np.divmod(self.pk, self.lists.n_sites)
        ok = closable[pr] & is_open[pr] & openable[pf] & ~is_open[pf]
        r_s, f_s = pr[ok], pf[ok]
        profit = gain[f_s] - loss[r_s] + self.pe[ok]
        return _table(r_s, f_s, profit, gain, loss, is_open, closable, openable)

    def apply(self, swaps: list[tuple[int, int]], points: np.ndarray) -> None:
        """Close ``r`` and open ``f`` for each swap; ``points`` (sorted) are all the points
        the swaps touch (:class:`Touch`), the only ones whose nearest sites change."""
        lists, near = self.lists, self.near
        for r, f in swaps:
            self.is_open[r], self.is_open[f] = False, True
        self.touched[points] = True
        if 2 * len(points) > lists.n:  # most points touched: one full pass is cheaper
            self.near = nearest(lists, self.is_open, near.d2)
            self._build()
            return
        # the new c1, c2 lie within the old d2 unless closed; the old terms lie below it
        entries = lists.prefix(near.d2, points, True)
        self._move_gain(entries, -1.0)
        old_keys, old_weights = self._pair_terms(entries)
        self._move_loss(points, -1.0)
        for c, d in ((near.c1, near.d1), (near.c2, near.d2)):
            c[points], d[points] = -1, lists.miss[points]
        near.first[points] = -1
        count = _fill_points(lists, self.is_open, entries, near, points)
        redo = points[count < 2]
        if redo.size:
            for c, d in ((near.c1, near.d1), (near.c2, near.d2)):
                c[redo], d[redo] = -1, lists.miss[redo]
            _fill_points(lists, self.is_open, lists.prefix(None, redo), near, redo)
        self._move_gain(lists.prefix(near.d1, points), 1.0)
        self._move_loss(points, 1.0)
        keys, weights = self._pair_terms(lists.prefix(near.d2, points))
        self._merge_pairs(np.concatenate([old_keys, keys]),
                          np.concatenate([-old_weights, weights]),
                          np.concatenate([-np.ones(len(old_keys)), np.ones(len(keys))]))


def _fill_points(lists: NearLists, is_open: np.ndarray, entries: np.ndarray, near: Nearest,
                 points: np.ndarray) -> np.ndarray:
    """:func:`_fill` for ``points`` only (sorted; ``entries`` theirs, each point's together
    in list order): their first two open sites; their open counts, in that order."""
    on = entries[is_open[lists.site[entries]]]
    lists.work += len(entries) + len(points) + CALL_WORK
    owners, start, count = np.unique(lists.dem[on], return_index=True, return_counts=True)
    for slot, (c, d) in enumerate(((near.c1, near.d1), (near.c2, near.d2))):
        has = count > slot
        entry = on[start[has] + slot]
        c[owners[has]], d[owners[has]] = lists.site[entry], lists.cost[entry]
        if slot == 0:
            near.first[owners[has]] = entry
    full = np.zeros(len(points), dtype=np.int64)
    full[np.searchsorted(points, owners)] = count
    return full


def _table(r_s: np.ndarray, f_s: np.ndarray, profit: np.ndarray, gain: np.ndarray,
           loss: np.ndarray, is_open: np.ndarray, closable: np.ndarray, openable: np.ndarray
           ) -> np.ndarray:
    """Each closing site's best ``extra`` partner, then best gain with least loss; best
    first (the rows of :func:`swap_candidates`)."""
    order = np.lexsort((f_s, -profit, r_s))
    head = order[np.r_[True, r_s[order][1:] != r_s[order][:-1]]] if order.size else order
    rows = [np.column_stack([r_s[head], f_s[head], profit[head]])]
    free = np.flatnonzero(openable & ~is_open)
    shut = np.flatnonzero(closable & is_open)
    free = free[np.lexsort((free, -gain[free]))]
    shut = shut[np.lexsort((shut, loss[shut]))]
    k = min(len(free), len(shut))
    rows.append(np.column_stack([shut[:k], free[:k], gain[free[:k]] - loss[shut[:k]]]))
    table = np.concatenate(rows)
    table = table[table[:, 2] > EPS]
    return table[np.lexsort((table[:, 1], table[:, 0], -table[:, 2]))]


def descend(lists: NearLists, is_open: np.ndarray, closable: np.ndarray, openable: np.ndarray,
            work_end: float, log: list[tuple[int, int]] | None = None,
            guess: np.ndarray | None = None) -> tuple[np.ndarray, Nearest]:
    """Batched best-improvement interchange from ``is_open`` (copied) until no swap gains,
    a pass does not lower the value, or ``lists.work`` reaches ``work_end``; the swaps
    applied are appended to ``log`` as ``(closed, opened)``."""
    state = SwapState(lists, is_open, nearest(lists, is_open, guess))
    descend_state(state, closable, openable, work_end, log)
    return state.is_open, state.near


def descend_state(state: SwapState, closable: np.ndarray, openable: np.ndarray,
                  work_end: float, log: list[tuple[int, int]] | None = None) -> None:
    """:func:`descend` on a kept state, updated in place (each pass incremental)."""
    lists = state.lists
    while lists.work < work_end:
        table = state.table(closable, openable)
        if not len(table):
            break
        touch = Touch(lists, state.near)
        done = []
        for r, f, _ in table:
            if touch.take(int(r), int(f)):
                done.append((int(r), int(f)))
        before = state.value()
        saved = state.snapshot()
        state.apply(done, np.flatnonzero(touch.mark))
        lists.work += lists.n
        if state.value() >= before - EPS:
            state.restore(saved)
            break
        if log is not None:
            log.extend(done)


def kick_round(lists: NearLists, is_open: np.ndarray, near: Nearest, closable: np.ndarray,
               openable: np.ndarray, rng: np.random.Generator, tries: int, work_end: float
               ) -> tuple[np.ndarray, Nearest]:
    """:func:`kick_state` from a plan and its nearest sites: (open sites, nearest)."""
    state = SwapState(lists, is_open, near)
    kick_state(state, closable, openable, rng, tries, work_end)
    return state.is_open, state.near


def kick_state(state: SwapState, closable: np.ndarray, openable: np.ndarray,
               rng: np.random.Generator, tries: int, work_end: float) -> None:
    """Many kicks at once, far apart, one descent, and each region kept only if it gained.

    Up to ``tries`` single-swap kicks (a random median to a site near it) whose touched
    points are disjoint; one descent from the kicked plan. The swaps (kicks and descent)
    are joined into regions: two swaps are one region if they share a site, or if a point
    whose cost changed lists sites of both within its second open cost. A region's gain is
    the cost change of the points it touches; the regions that gained are applied to the
    old plan; the best of that, the whole descent and the old plan is kept in ``state``
    (the store count holds: every region is whole swaps). Incremental throughout: only the
    points the swaps touch are scanned.
    """
    lists, is_open = state.lists, state.is_open.copy()
    old = state.snapshot()
    old_near = Nearest(*(x.copy() for x in (state.near.c1, state.near.d1, state.near.c2,
                                             state.near.d2, state.near.first)))
    touch = Touch(lists, state.near)
    swaps: list[tuple[int, int]] = []
    shut = np.flatnonzero(closable & is_open)
    for r in rng.permutation(shut)[:tries].tolist():
        f = _near_site(lists, r, is_open, openable, rng)
        if f >= 0 and touch.take(r, f):
            swaps.append((r, f))
    if not swaps:
        return
    state.touched[:] = False
    state.apply(swaps, np.flatnonzero(touch.mark))
    descend_state(state, closable, openable, work_end, swaps)
    keep = _gaining_regions(lists, is_open, old_near, state.is_open, state.near, swaps,
                            np.flatnonzero(state.touched))
    merged = np.where(keep, state.is_open, is_open)
    descended = state.is_open.copy()
    trial = state.snapshot()
    if state.value() >= old_near.value():
        state.restore(old)
        trial = old
    if keep.any() and not np.array_equal(merged, descended):
        best = state.value()
        state.restore(old)
        closed = np.flatnonzero(is_open & ~merged)
        opened = np.flatnonzero(merged & ~is_open)
        state.apply(list(zip(closed.tolist(), opened.tolist(), strict=True)),
                    touched_points(lists, old_near, closed, opened))
        if state.value() >= best:
            state.restore(trial)


def touched_points(lists: NearLists, near: Nearest, closed: np.ndarray, opened: np.ndarray
                   ) -> np.ndarray:
    """The points (sorted) whose nearest sites may change when ``closed`` close and
    ``opened`` open: ``c1`` or ``c2`` closed, or an arc to an opened site below ``d2``."""
    shut = np.zeros(lists.n_sites, dtype=bool)
    shut[closed] = True
    mark = ((near.c1 >= 0) & shut[np.maximum(near.c1, 0)]) | (
        (near.c2 >= 0) & shut[np.maximum(near.c2, 0)])
    start, stop = lists.site_ptr[opened], lists.site_ptr[opened + 1]
    count = stop - start
    entries = lists.by_site[np.arange(count.sum()) + np.repeat(start - (np.cumsum(count)
                                                                         - count), count)]
    points = lists.dem[entries]
    mark[points[lists.cost[entries] < near.d2[points]]] = True
    lists.work += 2 * lists.n + len(entries) + CALL_WORK
    return np.flatnonzero(mark)


def _near_site(lists: NearLists, r: int, is_open: np.ndarray, openable: np.ndarray,
               rng: np.random.Generator) -> int:
    """A closed site listed by a point near site ``r`` (-1 if none)."""
    entries = lists.by_site[lists.site_ptr[r]: lists.site_ptr[r + 1]]
    lists.work += CALL_WORK
    if not entries.size:
        return -1
    i = int(lists.dem[entries[int(rng.integers(0, min(8, entries.size)))]])
    options = lists.site[lists.ptr[i]: lists.ptr[i + 1]]
    options = options[openable[options] & ~is_open[options]]
    return int(rng.choice(options)) if options.size else -1


def _gaining_regions(lists: NearLists, old: np.ndarray, old_near: Nearest, new: np.ndarray,
                     new_near: Nearest, swaps: list[tuple[int, int]], points: np.ndarray
                     ) -> np.ndarray:
    """``(n_sites,)`` bool: the changed sites of the regions whose points gained; only
    ``points`` (the points the swaps touched) can list a changed site below their d2."""
    m = lists.n_sites
    pairs = np.asarray(swaps, dtype=np.int64).reshape(-1, 2)
    changed = np.zeros(m, dtype=bool)
    changed[pairs.ravel()] = True
    e = lists.prefix(np.maximum(old_near.d2, new_near.d2), points, inclusive=True)
    e = e[changed[lists.site[e]]]
    first = np.full(lists.n, -1)
    first[lists.dem[e][::-1]] = lists.site[e][::-1]  # one changed site per point
    rows = np.concatenate([pairs[:, 0], first[lists.dem[e]]])
    cols = np.concatenate([pairs[:, 1], lists.site[e]])
    graph = coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(m, m))
    _, label = connected_components(graph, directed=False)
    delta = new_near.d1 - old_near.d1
    moved = np.flatnonzero((first >= 0) & (delta != 0))
    gain = np.bincount(label[first[moved]], weights=delta[moved], minlength=label.max() + 1)
    return changed & (gain[label] < -EPS)
