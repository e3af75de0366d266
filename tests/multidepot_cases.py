"""Small hand-checkable multi-depot cases shared by the multi-depot routing tests."""

from __future__ import annotations

import dataclasses

import numpy as np

from optimize.routing.multidepot import MultiDepotProblem


def ride_case(**changes: object) -> MultiDepotProblem:
    """Two depots, one truck each (up to 2 trips); the cheapest routes break a ride limit.

    Nodes: depot A = 0, depot B = 1; pickups 0, 1, 2 (nodes 2-4) are 10 s from A and 6 s
    from each other; pickups 3, 4 (nodes 5-6) are 10 s from B and 6 s apart; everything
    across is 100 s. Time = distance, no loading time, 1 t each, trucks of 5 t, every
    ride limit 20 s. One trip A -> three pickups -> A (32) is the cheapest but its first
    pickup rides 6 + 6 + 10 = 22 s; the best valid plan makes two trips from A
    (10 + 6 + 10 and 10 + 10 = 46) and B's trip (10 + 6 + 10 = 26): 72 in all.
    """
    m = np.full((7, 7), 100, dtype=np.int64)
    np.fill_diagonal(m, 0)
    for group, depot in (([2, 3, 4], 0), ([5, 6], 1)):
        for i in group:
            m[depot, i] = m[i, depot] = 10
            for j in group:
                if i != j:
                    m[i, j] = 6
    problem = MultiDepotProblem(
        time_s=m, distance_m=m, n_depots=2, trucks_per_depot=(1, 1),
        pickup_t=np.ones(5), service_s=np.zeros(5, dtype=np.int64), truck_capacity_t=5.0,
        horizon_s=1000, max_trips_per_truck=2, ride_limit_s=np.full(5, 20),
        time_limit_s=1.0, search_iterations=300)
    return dataclasses.replace(problem, **changes) if changes else problem
