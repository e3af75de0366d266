"""Distances between region seats (optimize.fleet.distances); checked by hand."""

from __future__ import annotations

import math

import pytest

from optimize.errors import SpecificationError
from optimize.fleet.distances import region_distances


# -- distances -----------------------------------------------------------------------------
def test_region_distances_great_circle_times_detour() -> None:
    # one degree of latitude = 6371.0088 x pi / 180 = 111.195 km; x 1.3 = 144.553 km
    dist = region_distances({"B": (104.0, 36.0), "A": (104.0, 35.0)}, detour_factor=1.3)
    assert dist.regions == ("A", "B")
    assert dist.km[0, 1] == pytest.approx(6371.0088 * math.pi / 180 * 1.3)
    assert dist.km[0, 0] == 0 and dist.km[1, 0] == dist.km[0, 1]
    assert dist.approximate and "approximate" in dist.note
    with pytest.raises(SpecificationError, match="detour_factor"):
        region_distances({"A": (104.0, 35.0)}, detour_factor=0.9)
    with pytest.raises(SpecificationError, match="seats\\['A'\\]"):
        region_distances({"A": (35.0, 104.0)})
