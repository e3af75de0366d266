"""Village legs from township Voronoi cells, checked on hand-made squares."""

from __future__ import annotations

import math

import geopandas as gpd
import pytest
from shapely.geometry import Point, box

from geodata.legs import township_areas_m2, village_leg_m


def _towns(points: list[tuple[float, float]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"township_code": [f"t{i}" for i in range(len(points))]},
                            geometry=[Point(p) for p in points], crs=4326)


def test_two_centres_split_a_rectangle_in_half() -> None:
    # a 0.2 x 0.1 degree box at the equator; centres at x = 0.05 and 0.15 -> equal halves
    region = box(0.0, 0.0, 0.2, 0.1)
    areas = township_areas_m2(_towns([(0.05, 0.05), (0.15, 0.05)]), region)
    total = areas.sum()
    # 0.2 deg x 0.1 deg at the equator ~ 22.26 km x 11.06 km ~ 246 km2
    assert total == pytest.approx(246.3e6, rel=0.01)
    assert areas["t0"] == pytest.approx(areas["t1"], rel=1e-6)


def test_shared_point_shares_its_cell() -> None:
    region = box(0.0, 0.0, 0.1, 0.1)
    areas = township_areas_m2(_towns([(0.05, 0.05), (0.05, 0.05)]), region)
    assert areas["t0"] == pytest.approx(areas.sum() / 2)


def test_leg_formula() -> None:
    # disc of area pi km2 has radius 1 km; mean distance to centre 2/3 km; x 1.5 detour = 1 km
    legs = village_leg_m(gpd.pd.Series({"a": math.pi * 1e6}), detour_factor=1.5)
    assert legs["a"] == pytest.approx(1000.0)
