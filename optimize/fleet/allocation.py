"""Fleet allocation: how many of the region's trucks are based at each store.

Rule (documented, deterministic): a store *needs* ``ceil(daily_load_t / (capacity_t *
trips_per_truck))`` trucks to collect its whole daily intake. Trucks are handed out one at
a time by the D'Hondt highest-averages method on daily load (the next truck goes to the
store with the largest ``load / (trucks + 1)``), first only to stores below their need;
trucks left once every need is met are spread by the same rule, so spare trucks go where
the load per truck is highest. Ties go to the lower store index.
"""

from __future__ import annotations

import heapq
import math

import numpy as np


def trucks_needed(daily_load_t: np.ndarray, capacity_t: float, trips_per_truck: int) -> np.ndarray:
    """Trucks each store needs to collect its daily load (whole trucks, >= 0)."""
    per_truck_t = capacity_t * trips_per_truck
    return np.array([math.ceil(round(x / per_truck_t, 9)) for x in daily_load_t], dtype=int)


def allocate_trucks(
    daily_load_t: np.ndarray, total_trucks: int, capacity_t: float, trips_per_truck: int
) -> np.ndarray:
    """Trucks per store (array aligned with ``daily_load_t``), summing to at most the total.

    All ``total_trucks`` are placed unless every store with load is already served
    (then the spare trucks still go out by D'Hondt, as reserve where load is highest);
    stores with no load get none.
    """
    load = np.asarray(daily_load_t, dtype=float)
    need = trucks_needed(load, capacity_t, trips_per_truck)
    alloc = np.zeros(len(load), dtype=int)
    left = dhondt(load, alloc, total_trucks, cap=need)
    dhondt(load, alloc, left, cap=None)
    return alloc


def dhondt(load: np.ndarray, alloc: np.ndarray, trucks: int, cap: np.ndarray | None) -> int:
    """Give up to ``trucks`` trucks by highest averages of ``load`` (added to ``alloc`` in
    place, never past ``cap``); return how many are left. Ties go to the lower index."""
    heap = [(-load[j] / (alloc[j] + 1), j) for j in range(len(load))
            if load[j] > 0 and (cap is None or alloc[j] < cap[j])]
    heapq.heapify(heap)
    while trucks > 0 and heap:
        _, j = heapq.heappop(heap)
        alloc[j] += 1
        trucks -= 1
        if cap is None or alloc[j] < cap[j]:
            heapq.heappush(heap, (-load[j] / (alloc[j] + 1), j))
    return trucks
