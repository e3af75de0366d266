"""A synthetic province-size routing case, seeded, for scale tests and benchmarks.

Not real geography: depots (county hubs) are spread uniformly over a 1,000 km x 300 km
strip, a rough stand-in for Gansu's length; every stop lies near a randomly chosen depot
(normal offsets of 20 km). Road distance is 1.3 x the straight line (the detour factor
assumption of the approximate network), trucks drive 40 km/h. Loads are 0.3 to 2.5 t,
trucks carry 3 t and may make 2 trips in an 8 h shift (PARAMETERS.md §2: light reefer, 8 h
Labour-Law day). Each stop grows one crop, drawn at random, whose freshness limit
(PARAMETERS.md §4: leafy vegetables 2 h, cherry 4 h, grape 12 h, apple 48 h) binds it
(``RoutingProblem.freshness_by_pickup_s``). Each stop is assigned to its nearest depot;
its second-nearest is the alternative used by
:func:`benchmarks.engines.decompose.border_pass`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from geodata.speeds import DEFAULT_DETOUR_FACTOR
from optimize.routing.problem import RoutingProblem

HOUR_S = 3600
#: Freshness limits by crop, seconds (PARAMETERS.md §4).
CROP_LIMIT_S = {"leafy vegetables": 2 * HOUR_S, "cherry": 4 * HOUR_S, "grape": 12 * HOUR_S,
                "apple": 48 * HOUR_S}
DETOUR = DEFAULT_DETOUR_FACTOR
SPEED_KPH = 40.0


@dataclass(frozen=True, eq=False)
class ProvinceCase:
    """Depots, stops and their assignment; builds each depot's :class:`RoutingProblem`.

    Attributes
    ----------
    depot_km, stop_km
        ``(d, 2)`` and ``(n, 2)`` coordinates, km.
    load_t
        ``(n,)`` tonnes per stop.
    crop_limit_s
        ``(n,)`` freshness limit of each stop's crop, seconds.
    members
        Stop ids per depot (nearest depot).
    alternative
        Second-nearest depot per stop.
    engine, time_limit_s
        Passed to every depot problem.
    """

    depot_km: np.ndarray
    stop_km: np.ndarray
    load_t: np.ndarray
    crop_limit_s: np.ndarray
    members: tuple[tuple[int, ...], ...]
    alternative: tuple[int, ...]
    engine: str = "auto"
    time_limit_s: float = 30.0

    @classmethod
    def generate(cls, n_depots: int, n_stops: int, *, seed: int = 0,
                 engine: str = "auto") -> ProvinceCase:
        """A seeded case with ``n_depots`` depots and ``n_stops`` stops."""
        rng = np.random.default_rng(seed)
        depot_km = rng.uniform([0, 0], [1000, 300], size=(n_depots, 2))
        home = rng.integers(0, n_depots, n_stops)
        stop_km = depot_km[home] + rng.normal(0, 20, size=(n_stops, 2))
        load_t = np.round(rng.uniform(0.3, 2.5, n_stops), 2)
        limits = np.array(list(CROP_LIMIT_S.values()))
        crop = limits[rng.integers(0, len(limits), n_stops)]
        gap = np.hypot(*(stop_km[:, None, :] - depot_km[None, :, :]).transpose(2, 0, 1))
        rank = np.argsort(gap, axis=1)
        members = tuple(tuple(int(i) for i in np.flatnonzero(rank[:, 0] == j))
                        for j in range(n_depots))
        alt = tuple(int(a) for a in rank[:, 1]) if n_depots > 1 else tuple(rank[:, 0])
        return cls(depot_km, stop_km, load_t, crop, members, alt, engine)

    def problem(self, depot: int, stops: Sequence[int], n_trucks: int) -> RoutingProblem:
        """The depot's problem over ``stops`` (stop ids) with ``n_trucks`` trucks."""
        xy = np.vstack([self.depot_km[depot][None, :], self.stop_km[list(stops)]])
        road_km = DETOUR * np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
        return RoutingProblem(
            time_s=np.rint(road_km / SPEED_KPH * HOUR_S).astype(np.int64),
            distance_m=np.rint(road_km * 1000).astype(np.int64),
            pickup_t=self.load_t[list(stops)], service_s=np.full(len(stops), 15 * 60),
            n_trucks=int(n_trucks), trips_per_truck=2, truck_capacity_t=3.0,
            shift_s=8 * HOUR_S, freshness_limit_s=max(CROP_LIMIT_S.values()),
            freshness_by_pickup_s=self.crop_limit_s[list(stops)],
            unload_s=20 * 60, time_limit_s=self.time_limit_s, engine=self.engine)

    def builder(self, trucks: Sequence[int]) -> Callable[[int, list[int]], RoutingProblem]:
        """``build(depot, stops)`` with each depot's allocated trucks."""
        return lambda depot, stops: self.problem(depot, stops, int(trucks[depot]))
