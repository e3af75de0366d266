"""Tonnage need and the D'Hondt rule, used by the province's seasonal fleet.

A place *needs* ``ceil(daily_load_t / (capacity_t * trips_per_truck))`` trucks to collect
its daily load (:func:`trucks_needed`, a lower bound). :func:`dhondt` hands out trucks one
at a time by highest averages (the next truck goes to the largest ``load / (trucks + 1)``;
ties to the lower index); :mod:`optimize.fleet.seasons` shares the province's trucks
between prefectures with it. Trucks are no longer tied to stores by such a rule: where
they are based and which trips they drive is decided with the routing
(:mod:`optimize.fleet.shared`).
"""

from __future__ import annotations

import heapq
import math

import numpy as np


def trucks_needed(daily_load_t: np.ndarray, capacity_t: float, trips_per_truck: int) -> np.ndarray:
    """Trucks each store needs to collect its daily load (whole trucks, >= 0)."""
    per_truck_t = capacity_t * trips_per_truck
    return np.array([math.ceil(round(x / per_truck_t, 9)) for x in daily_load_t], dtype=int)


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
