"""Hand-checkable routing instances shared by the routing test files."""

from __future__ import annotations

from typing import Any

import numpy as np

from optimize.routing.problem import RoutingProblem

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
