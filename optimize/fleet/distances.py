"""Distances between region seats, for costing the trucks' moves between seasons.

:func:`region_distances` gives great-circle distance x a detour factor between region
seats: an approximation, labelled as such; :meth:`RegionDistances.from_matrix` wraps a
given (e.g. road) matrix after checking it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from optimize.errors import SpecificationError
from optimize.programme import DETOUR_FACTOR

#: Mean Earth radius, km (IUGG), for great-circle distances.
EARTH_RADIUS_KM = 6371.0088


def read_only(arr: Any) -> np.ndarray:
    """A read-only copy, so the frozen dataclasses really are immutable."""
    out = np.array(arr)
    out.setflags(write=False)
    return out


@dataclass(frozen=True)
class RegionDistances:
    """Distances between region seats, km; ``km[i, j]`` from ``regions[i]`` to ``regions[j]``.

    Attributes
    ----------
    regions
        Labels of rows and columns.
    km
        (R, R) non-negative distances, zero diagonal.
    approximate
        True unless measured on a road network.
    note
        How the distances were made, for a plan's provenance.
    """

    regions: tuple[str, ...]
    km: np.ndarray
    approximate: bool = True
    note: str = ""

    @classmethod
    def from_matrix(cls, regions: Sequence[str], km: Any, *, approximate: bool = True,
                    note: str = "given matrix") -> RegionDistances:
        """Check and wrap a given matrix (square, finite, >= 0, zero diagonal)."""
        arr = np.array(km, dtype=float)
        n = len(regions)
        errors = []
        if len(set(regions)) != n:
            errors.append("distances: region labels must be distinct")
        if arr.shape != (n, n):
            errors.append(f"distances: expected a {n} x {n} matrix, got shape {arr.shape}")
        elif not (np.isfinite(arr).all() and (arr >= 0).all()):
            errors.append("distances: every distance must be finite and >= 0")
        elif np.any(np.diag(arr) != 0):
            errors.append("distances: the diagonal (a region to itself) must be 0")
        if errors:
            raise SpecificationError(errors)
        return cls(tuple(regions), read_only(arr), approximate, note)

    def subset(self, regions: Sequence[str]) -> RegionDistances:
        """The matrix for ``regions`` in that order (each must be present)."""
        index = {r: i for i, r in enumerate(self.regions)}
        missing = [r for r in regions if r not in index]
        if missing:
            raise SpecificationError([f"distances: no seat for region {r!r}" for r in missing])
        idx = [index[r] for r in regions]
        return RegionDistances(tuple(regions), read_only(self.km[np.ix_(idx, idx)]),
                               self.approximate, self.note)


def region_distances(seats: Mapping[str, tuple[float, float]],
                     detour_factor: float = DETOUR_FACTOR) -> RegionDistances:
    """Great-circle distance x ``detour_factor`` between region seats (approximate).

    Parameters
    ----------
    seats
        Region -> (lon, lat) of its seat, WGS-84 degrees. Regions are sorted.
    detour_factor
        Road / straight-line distance (>= 1); default
        :data:`optimize.programme.DETOUR_FACTOR` (1.3), the scenario's assumption.
    """
    errors = []
    if not detour_factor >= 1:
        errors.append(f"detour_factor {detour_factor}: expected >= 1")
    for region, point in sorted(seats.items()):
        lon_deg, lat_deg = point
        if not (-180 <= lon_deg <= 180 and -90 <= lat_deg <= 90):
            errors.append(f"seats[{region!r}] = {point}: expected (lon, lat) in degrees")
    if errors:
        raise SpecificationError(errors)
    regions = tuple(sorted(seats))
    lon = np.radians([seats[r][0] for r in regions])
    lat = np.radians([seats[r][1] for r in regions])
    dlat = lat[:, None] - lat[None, :]
    dlon = lon[:, None] - lon[None, :]
    h = np.sin(dlat / 2) ** 2 + np.cos(lat)[:, None] * np.cos(lat)[None, :] * np.sin(dlon / 2) ** 2
    km = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0))) * detour_factor
    np.fill_diagonal(km, 0.0)
    note = (f"approximate: great-circle distance between region seats x detour factor "
            f"{detour_factor:g} (assumption), not road distance")
    return RegionDistances(regions, read_only(km), True, note)
