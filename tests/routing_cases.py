"""Hand-checkable routing instances shared by the routing test files."""

from __future__ import annotations

from typing import Any

import numpy as np

from optimize.routing.problem import RoutingProblem, TruckType

MIN = 60
HOUR = 3600


def line_problem(positions_min: list[float], loads_t: list[float],
                 **kw: Any) -> RoutingProblem:
    """Store at 0 and pickups at ``positions_min`` on a line; 1 min = 60 s = 1 km.

    Defaults: one truck, one trip, 3 t, 8 h shift, 48 h freshness, 2 s search; any field
    of :class:`RoutingProblem` may be overridden by keyword.
    """
    x = np.array([0.0, *positions_min])
    gap = np.abs(x[:, None] - x[None, :])
    args: dict[str, Any] = dict(
        time_s=np.rint(gap * MIN).astype(np.int64),
        distance_m=np.rint(gap * 1000).astype(np.int64),
        pickup_t=np.array(loads_t, dtype=float),
        service_s=np.zeros(len(loads_t), dtype=np.int64),
        n_trucks=1,
        trips_per_truck=1,
        truck_capacity_t=3.0,
        shift_s=8 * HOUR,
        freshness_limit_s=48 * HOUR,
        time_limit_s=2.0,
    )
    args.update(kw)
    return RoutingProblem(**args)


#: A mixed fleet: a small truck and a bigger one that also costs by the hour.
SMALL = TruckType("small", 2.0, fixed_cost_yuan=100, cost_per_km_yuan=2)
BIG = TruckType("big", 4.0, fixed_cost_yuan=150, cost_per_km_yuan=2, cost_per_h_yuan=30)


def pair_by_crop(limits_min: list[int]) -> RoutingProblem:
    """Store 30 min from A and B, A-B 10 min, 15 min loading, per-pickup limits."""
    minutes = np.array([[0, 30, 30], [30, 0, 10], [30, 10, 0]])
    return RoutingProblem(
        time_s=minutes * MIN, distance_m=minutes * 1000, pickup_t=np.array([1.0, 1.0]),
        service_s=np.array([15 * MIN, 15 * MIN]), n_trucks=1, trips_per_truck=2,
        truck_capacity_t=3.0, shift_s=8 * HOUR, freshness_limit_s=8 * HOUR, time_limit_s=1.0,
        freshness_by_pickup_s=np.array(limits_min) * MIN)


def windowed() -> RoutingProblem:
    """A at 10 km must be reached by 15 min, B at 20 km not before 100 min; 60 min fresh."""
    windows = np.array([[0, 15 * MIN], [100 * MIN, 8 * HOUR]])
    return line_problem([10, 20], [1, 1], trips_per_truck=2, freshness_limit_s=60 * MIN,
                        time_window_s=windows)
