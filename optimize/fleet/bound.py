"""A proven bound on what a fleet can collect in a season, valid for ANY plan.

The packer (:mod:`optimize.fleet.shared`) says what *our* trips fit into the fleet; this
module says what **no plan** can beat, given the plan's siting, village -> store
assignment, the season's pickups and the scenario's times. It answers "no plan with
``N`` trucks collects more than ``X`` t/day" and "reaching the target needs at least
``M`` trucks".

Model (as the plans are built: :mod:`optimize.pipeline.trips`,
:mod:`optimize.pipeline.fleet_day`, :mod:`optimize.fleet.shared`)
-----------------------------------------------------------------------------------------
A collection trip serves one store ``j`` and only pickups of villages assigned to ``j``
(a pickup ``p`` is one truckload part of a village ``v``, ``q_p`` tonnes). It drives
from a store (the truck's base, or where it last unloaded) to its first village, loads
``service_s`` at each stop, drives from stop to stop, then to ``j``, and unloads there
(``unload_s``). The age of the produce picked up first (arrival at the first stop to
arrival at the store, ``max_age_s``) is at most that stop's freshness limit; the load is
at most ``truck_capacity_t``; a truck works at most ``shift_s``, so ``N`` trucks have at
most ``H = N x shift_s`` truck-seconds, and every second a trip takes is part of it.

The bound
---------
Charge every trip's time to its pickups. A trip with stops ``p_1 .. p_k`` at store ``j``
takes at least ``sum_i (service_s + a_i) + r + unload_s``, where ``a_i`` is the drive
arriving at ``p_i`` (from a store for ``p_1``, from ``p_{i-1}``'s village otherwise) and
``r`` the drive from ``p_k``'s village to ``j``. Then:

- ``a_i >= in_p``: the cheapest way to arrive at ``v`` (``p_i``'s village), the least of
  the drives to ``v`` from any village of ``j`` with a pickup that season (``v`` itself
  when it has two or more parts: 0 s) and from any store (the region's shortest drive from
  the nearest store node plus ``v``'s connector leg, 1 s below, for rounding);
- ``r >= ret_j``: the shortest drive from any of ``j``'s pickup villages to ``j``;
- the trips of ``j`` number ``T_j >= sum_{p in S_j} q_p / cap`` (capacity) and
  ``T_j >= |S_j| / kmax_j`` (``S_j`` the pickups of ``j`` that a plan collects), where
  ``kmax_j`` (:func:`max_stops`) is the most stops a trip of ``j`` can have: the first
  stop's age is at least ``k x service_s + (k - 1) x arc_j + ret_j`` (``arc_j``: the
  shortest drive between two of ``j``'s pickups, 0 when a village has two parts), at most
  ``L_j``, the largest freshness limit among ``j``'s pickups; and ``k x service_s <=
  shift_s``.

So the trips of ``j`` take at least ``sum_{p in S_j} (service_s + in_p) + (unload_s +
ret_j) x T_j``; with ``w_p`` one linear share per store, either ``q_p / cap`` for every
pickup of ``j`` or ``1 / kmax_j`` for every one (:func:`pickup_costs_s` takes the one
with the larger total over ``j``'s pickups), ``T_j >= sum_{p in S_j} w_p`` for **every**
subset ``S_j``. Hence any plan collecting the pickups ``S`` spends at least ``sum_{p in S}
c_p`` truck-seconds, ``c_p = service_s + in_p + (unload_s + ret_j) x w_p``, and a plan
with ``N`` trucks collects a set ``S`` with ``sum c_p <= H``. The most tonnes such a set
holds is at most the **fractional** knapsack's optimum (:func:`collectable_upper_t`,
greedy by ``q_p / c_p``): a proven upper bound. Likewise any plan collecting ``G`` tonnes
spends at least the fractional minimum (:func:`min_seconds_for_t`), so it needs at least
``ceil(that / shift_s)`` trucks (:func:`trucks_lower`). Pickups no trip can serve even
alone (the screening of :mod:`optimize.pipeline.trips`) are not collectable by any plan
and are no items. Waiting, the drive back to the base and market runs only add time.

The bound ignores the shape of truck-days (a truck's idle gaps, the freshness clock
across a whole trip) and takes every arrival at its cheapest, so it is optimistic: a real
plan may collect much less than the bound. It holds for any routing and any packing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

#: What the bound assumes, stored with the items (``fleet_bound.basis``).
BASIS = ("proven bound: each collected pickup costs at least its loading, the cheapest "
         "drive to its village and its share of a trip's return and unloading; fractional "
         "knapsack over the fleet's truck-hours; this plan's siting, assignment and times")
#: ``trucks_for_target_lower_note`` when the bound gives a fleet.
LOWER_NOTE = ("a proven lower bound: no plan with this siting, assignment and times "
              "reaches the target with fewer trucks")
#: ``trucks_for_target_lower_note`` when no fleet reaches the target (``pct``: the most).
NO_FLEET_NOTE = ("no fleet reaches the target: at most {pct} per cent of the produce that "
                 "needs a truck can be collected within its freshness limit at all")
#: Tonnes and per-cent tolerances (the inputs are rounded to the gram).
TOL_T = 1e-6


def max_stops(service_s: float, arc_s: float, return_s: float, limit_s: float,
              shift_s: float) -> int:
    """The most stops a trip can have: the largest ``k >= 1`` with ``k x service_s +
    (k - 1) x arc_s + return_s <= limit_s`` and ``k x service_s <= shift_s`` (1 when even
    one stop fails: such pickups are unreachable anyway, and 1 stays a valid bound; 1 when
    ``arc_s`` is infinite: a store with a single pickup).

    Examples
    --------
    >>> max_stops(600, 300, 1200, 7200, 28800)  # 600k + 300(k-1) + 1200 <= 7200
    7
    """
    if math.isinf(arc_s):  # one pickup village with one part: one stop a trip
        return 1
    per = service_s + arc_s
    if per <= 0:
        k = math.inf if service_s <= 0 else shift_s // service_s
    else:
        k = (limit_s - return_s + arc_s) // per
    if service_s > 0:
        k = min(k, shift_s // service_s)
    return max(int(min(k, 10**9)), 1)


def cheapest_arrivals_s(time_s: np.ndarray, villages: np.ndarray,
                        from_stores_s: np.ndarray) -> np.ndarray:
    """``in_p`` of each pickup (see the module): the least drive arriving at its village.

    Parameters
    ----------
    time_s
        The store's matrix: node 0 the store, node ``v + 1`` the store's village ``v``.
    villages
        Each pickup's village (``v``); a village listed twice has two parts (0 s apart).
    from_stores_s
        Per village ``v``, a lower bound on the drive to it from any store (0 for a
        store's own village).
    """
    v = np.asarray(villages, dtype=int)
    if not len(v):
        return np.zeros(0)
    uniq, counts = np.unique(v, return_counts=True)
    sub = np.asarray(time_s, dtype=float)[np.ix_(uniq + 1, uniq + 1)].copy()
    np.fill_diagonal(sub, np.where(counts > 1, 0.0, np.inf))
    best = np.minimum(sub.min(axis=0), np.asarray(time_s, dtype=float)[0, uniq + 1])
    best = np.minimum(best, np.asarray(from_stores_s, dtype=float)[uniq])
    return best[np.searchsorted(uniq, v)]


def store_return_s(time_s: np.ndarray, villages: np.ndarray) -> float:
    """``ret_j``: the shortest drive from any pickup village to the store (node 0)."""
    v = np.unique(np.asarray(villages, dtype=int))
    return float(np.asarray(time_s, dtype=float)[v + 1, 0].min()) if len(v) else 0.0


def shortest_arc_s(time_s: np.ndarray, villages: np.ndarray) -> float:
    """``arc_j``: the shortest drive between two pickups (0 when a village has two)."""
    v = np.asarray(villages, dtype=int)
    uniq, counts = np.unique(v, return_counts=True)
    if (counts > 1).any():
        return 0.0
    if len(uniq) < 2:
        return math.inf
    sub = np.asarray(time_s, dtype=float)[np.ix_(uniq + 1, uniq + 1)].copy()
    np.fill_diagonal(sub, np.inf)
    return float(sub.min())


def pickup_costs_s(pickup_t: np.ndarray, arrive_s: np.ndarray, *, service_s: float,
                   unload_s: float, return_s: float, capacity_t: float,
                   kmax: int) -> np.ndarray:
    """``c_p`` of one store's pickups: ``service_s + in_p + (unload_s + ret_j) x w_p``,
    with ``w_p = q_p / cap`` for all or ``1 / kmax`` for all, the larger in total."""
    q = np.asarray(pickup_t, dtype=float)
    by_load = q / capacity_t
    by_stops = np.full(len(q), 1.0 / max(kmax, 1))
    share = by_load if by_load.sum() >= by_stops.sum() else by_stops
    return service_s + np.asarray(arrive_s, dtype=float) + (unload_s + return_s) * share


def _greedy_order(tonnes: np.ndarray, cost_s: np.ndarray) -> np.ndarray:
    """Items by tonnes per second, highest first (free items first; ties by index)."""
    ratio = np.where(cost_s > 0, tonnes / np.maximum(cost_s, 1e-300), np.inf)
    return np.lexsort((np.arange(len(tonnes)), -ratio))


def collectable_upper_t(tonnes: Sequence[float], cost_s: Sequence[float],
                        seconds: float) -> float:
    """The fractional knapsack's optimum: the most tonnes items of total cost at most
    ``seconds`` hold, an item counting in part (an upper bound on any plan's tonnes).

    Examples
    --------
    >>> collectable_upper_t([2.0, 1.0, 3.0], [100, 100, 600], 400)
    4.0
    """
    q, c = np.asarray(tonnes, dtype=float), np.asarray(cost_s, dtype=float)
    left, total = float(seconds), 0.0
    for i in _greedy_order(q, c):
        if c[i] <= left:
            left -= c[i]
            total += q[i]
        else:
            total += q[i] * max(left, 0.0) / c[i]
            break
    return float(total)


def min_seconds_for_t(tonnes: Sequence[float], cost_s: Sequence[float],
                      goal_t: float) -> float | None:
    """The least cost of items holding ``goal_t`` tonnes, items counting in part (a lower
    bound on any plan's truck-seconds); ``None`` when all items hold less."""
    q, c = np.asarray(tonnes, dtype=float), np.asarray(cost_s, dtype=float)
    if goal_t <= 0:
        return 0.0
    if q.sum() < goal_t - TOL_T:
        return None
    need, spent = float(goal_t), 0.0
    for i in _greedy_order(q, c):
        if q[i] <= 0:
            continue
        if q[i] >= need:
            return float(spent + c[i] * need / q[i])
        need -= q[i]
        spent += c[i]
    return float(spent)


def trucks_lower(tonnes: Sequence[float], cost_s: Sequence[float], goal_t: float,
                 shift_s: float) -> int | None:
    """The fewest trucks (``shift_s`` each) any plan needs to collect ``goal_t``:
    ``ceil(min_seconds_for_t / shift_s)``; ``None`` when no fleet collects it."""
    need = min_seconds_for_t(tonnes, cost_s, goal_t)
    return None if need is None else int(math.ceil(need / shift_s - 1e-9))


@dataclass(frozen=True)
class FleetBound:
    """One season's bound: ``items`` ``(settlement_id, q_t, cost_s, in_s)`` (collectable
    pickups), the fleet's ``trucks`` and ``shift_s``, and the tonnes needing a truck."""

    items: tuple[tuple[str, float, int, int], ...]
    trucks: int
    shift_s: int
    needed_t: float
    target_pct: float

    @property
    def hours_s(self) -> int:
        """The fleet's truck-seconds, ``trucks x shift_s``."""
        return int(self.trucks) * int(self.shift_s)

    def kpis(self) -> dict[str, Any]:
        """The season kpis of the bound and the ``fleet_bound`` a checker recomputes."""
        q = [i[1] for i in self.items]
        c = [i[2] for i in self.items]
        upper = collectable_upper_t(q, c, self.hours_s)
        pct = 100.0 * upper / self.needed_t if self.needed_t > 0 else 100.0
        goal = self.target_pct / 100.0 * self.needed_t
        lower = trucks_lower(q, c, goal, self.shift_s)
        most = 100.0 * sum(q) / self.needed_t if self.needed_t > 0 else 100.0
        return {"collectable_upper_t": round(float(upper), 3),
                "collectable_upper_pct": round(float(min(pct, 100.0)), 2),
                "trucks_for_target_lower": lower,
                "trucks_for_target_lower_note": LOWER_NOTE if lower is not None
                else NO_FLEET_NOTE.format(pct=f"{most:.1f}"),
                "fleet_bound": {"hours_s": self.hours_s, "shift_s": int(self.shift_s),
                                "basis": BASIS, "items": [list(i) for i in self.items]}}


def bound_items(ids: Sequence[str], pickup_t: Sequence[float], cost_s: Sequence[float],
                arrive_s: Sequence[float]) -> list[tuple[str, float, int, int]]:
    """Items as stored: tonnes to the gram, costs and arrivals floored to whole seconds
    (rounding down keeps the bound valid)."""
    return [(str(i), round(float(q), 6), int(math.floor(c)), int(math.floor(a)))
            for i, q, c, a in zip(ids, pickup_t, cost_s, arrive_s, strict=True)]
