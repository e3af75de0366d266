"""Siting problems whose times are distances between points: costs computed on the fly.

A :class:`PointProblem` is a :class:`LocationProblem` that also gives coordinates: demand
point ``i`` at ``demand_xy[i]``, site ``j`` at ``site_xy[j]``, and the time of EVERY pair,
listed as an arc or not, is ``floor(hypot(x_i - x_j, y_i - y_j))`` seconds (the TSPLIB
p-median convention: floor-Euclidean distances in float64, an own site at 0). The arcs stay
the sparse lists the bound and the sparse search use; the coordinates let the median engine
evaluate a plan against ALL sites without a dense matrix (:mod:`optimize.siting.median_dense`),
in blocks of ``BLOCK_ENTRIES`` pairs.

:func:`check_point_times` checks that every listed arc's time is that distance (an arc that
differs is named), so a plan priced by coordinates is priced as the arcs would price it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import numpy as np

from optimize.errors import SpecificationError
from optimize.siting.problem import LISTED_ITEMS, LocationProblem

BLOCK_ENTRIES = 1 << 22  # pairs per block of on-the-fly distances (32 MB of float64)


@dataclass(frozen=True, eq=False)
class PointProblem(LocationProblem):
    """A :class:`LocationProblem` with coordinates: ``demand_xy`` ``(n_demand, 2)`` and
    ``site_xy`` ``(n_sites, 2)``; every pair's time is their floored Euclidean distance in
    seconds, listed as an arc or not (module docstring)."""

    demand_xy: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    site_xy: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))


def with_points(problem: LocationProblem, demand_xy: np.ndarray, site_xy: np.ndarray
                ) -> PointProblem:
    """``problem`` as a :class:`PointProblem` with these coordinates (every other field
    as it is)."""
    kept = {f.name: getattr(problem, f.name) for f in fields(LocationProblem)}
    return PointProblem(**kept, demand_xy=demand_xy, site_xy=site_xy)


def point_coords(problem: LocationProblem) -> tuple[np.ndarray, np.ndarray] | None:
    """``(demand_xy, site_xy)`` as float64 arrays of a :class:`PointProblem`, else None;
    SpecificationError if their shapes do not fit the problem."""
    if not isinstance(problem, PointProblem):
        return None
    demand_xy = np.asarray(problem.demand_xy, dtype=np.float64)
    site_xy = np.asarray(problem.site_xy, dtype=np.float64)
    n = len(np.asarray(problem.supply_t))
    if demand_xy.shape != (n, 2) or site_xy.shape != (problem.n_sites, 2):
        raise SpecificationError([
            f"demand_xy has shape {demand_xy.shape} (needs ({n}, 2)) or site_xy has shape "
            f"{site_xy.shape} (needs ({problem.n_sites}, 2))"])
    if not (np.isfinite(demand_xy).all() and np.isfinite(site_xy).all()):
        raise SpecificationError(["demand_xy and site_xy must be finite"])
    return demand_xy, site_xy


def floor_times(demand_xy: np.ndarray, site_xy: np.ndarray, dem: np.ndarray,
                site: np.ndarray) -> np.ndarray:
    """``floor(hypot(...))`` of the pairs ``(dem[a], site[a])``, float64."""
    diff = demand_xy[dem] - site_xy[site]
    return np.floor(np.hypot(diff[:, 0], diff[:, 1]))


def check_point_times(problem: PointProblem, demand_xy: np.ndarray, site_xy: np.ndarray
                      ) -> None:
    """SpecificationError naming the arcs whose ``arc_time_s`` is not the floored distance
    of their points (checked in blocks of ``BLOCK_ENTRIES`` arcs)."""
    dem = np.asarray(problem.arc_demand, dtype=np.int64)
    site = np.asarray(problem.arc_site, dtype=np.int64)
    times = np.asarray(problem.arc_time_s, dtype=float)
    bad: list[int] = []
    for start in range(0, len(dem), BLOCK_ENTRIES):
        part = slice(start, start + BLOCK_ENTRIES)
        expect = floor_times(demand_xy, site_xy, dem[part], site[part])
        bad.extend((np.flatnonzero(expect != times[part]) + start)[:LISTED_ITEMS].tolist())
        if len(bad) >= LISTED_ITEMS:
            break
    own = None if problem.site_demand is None else np.asarray(problem.site_demand, np.int64)
    if own is not None:
        at = np.flatnonzero(own >= 0)
        moved = at[(site_xy[at] != demand_xy[own[at]]).any(axis=1)]
        if moved.size:
            raise SpecificationError([f"site {int(moved[0])} of a PointProblem is at demand "
                                      f"point {int(own[moved[0]])} (site_demand) but not at "
                                      f"its coordinates ({moved.size} such sites)"])
    if bad:
        shown = ", ".join(
            f"arc {a} (demand {dem[a]}, site {site[a]}: {times[a]:g} s, distance "
            f"{floor_times(demand_xy, site_xy, dem[a:a + 1], site[a:a + 1])[0]:g})"
            for a in bad[:LISTED_ITEMS])
        raise SpecificationError([f"a PointProblem's arc times must be the floored distances "
                                  f"of its points: {shown}"])


@dataclass(eq=False)
class PointCosts:
    """Weighted costs ``q_i floor(d(i, j))`` of any pairs, computed when asked; ``work``
    counts the pairs computed (the dense search's budget unit)."""

    demand_xy: np.ndarray
    site_xy: np.ndarray
    q: np.ndarray  # (n,) weight of each demand point (model supply units)
    work: float = 0.0

    @property
    def n(self) -> int:
        """Demand points."""
        return len(self.q)

    def to_sites(self, sites: np.ndarray, points: np.ndarray | None = None) -> np.ndarray:
        """``(len(sites), len(points))`` costs (all points if None), float64."""
        xy = self.demand_xy if points is None else self.demand_xy[points]
        q = self.q if points is None else self.q[points]
        at = self.site_xy[np.asarray(sites, dtype=np.int64)]
        self.work += len(at) * len(xy)
        dist = np.hypot(xy[None, :, 0] - at[:, None, 0], xy[None, :, 1] - at[:, None, 1])
        return np.floor(dist, out=dist) * q[None, :]

    def block_rows(self, columns: int) -> int:
        """Rows per block so that a block of ``columns`` columns holds ``BLOCK_ENTRIES``."""
        return max(1, BLOCK_ENTRIES // max(columns, 1))
