"""Province, prefecture and county polygons, and region outlines by code, on the real data."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest

from geodata.boundaries import (
    COUNTIES_GEOJSON,
    boundary_county_code,
    load_counties,
    load_prefectures,
    load_province,
    region_polygon,
)
from geodata.datasets import data_dir
from geodata.errors import DataError

EQUAL_AREA = "EPSG:6933"  # World Cylindrical Equal Area, metres


@pytest.fixture(scope="module")
def root() -> Path:
    return data_dir()


@pytest.fixture(scope="module")
def counties(root: Path) -> gpd.GeoDataFrame:
    return load_counties(root)


def test_fixed_columns_and_codes(root: Path, counties: gpd.GeoDataFrame) -> None:
    province = load_province(root)
    prefectures = load_prefectures(root)
    assert list(province.columns) == ["province_name", "geometry"]
    assert list(prefectures.columns) == ["prefecture_code", "prefecture_name", "geometry"]
    assert list(counties.columns) == ["county_code", "county_name", "prefecture_code",
                                      "prefecture_name", "geometry"]
    assert [len(province), len(prefectures), len(counties)] == [1, 14, 87]
    assert province.loc[0, "province_name"] == "甘肃省"
    assert all(f.crs.to_epsg() == 4326 for f in (province, prefectures, counties))
    assert counties["county_code"].str.fullmatch(r"\d{6}").all()
    assert prefectures["prefecture_code"].str.fullmatch(r"\d{4}").all()
    assert set(counties["prefecture_code"]) == set(prefectures["prefecture_code"])
    assert (counties["prefecture_code"] == "6229").sum() == 8  # Linxia
    # 嘉峪关 is one county-level unit with the prefecture's code; 兰州新区 has no polygon
    assert "620200" in set(counties["county_code"])
    assert "620171" not in set(counties["county_code"])


def test_county_areas_sum_to_province(root: Path, counties: gpd.GeoDataFrame) -> None:
    county_km2 = counties.to_crs(EQUAL_AREA).area.sum() / 1e6
    province_km2 = load_province(root).to_crs(EQUAL_AREA).area.sum() / 1e6
    assert province_km2 == pytest.approx(425_511, rel=1e-3)  # boundaries/PROVENANCE.md
    assert county_km2 == pytest.approx(province_km2, rel=1e-3)


def test_region_polygon_by_code(root: Path) -> None:
    gansu = region_polygon(root, "62")
    linxia = region_polygon(root, "6229")
    dongxiang = region_polygon(root, "622926")
    assert gansu.area > linxia.area > dongxiang.area > 0
    assert linxia.contains(dongxiang.representative_point())
    assert gansu.contains(linxia.representative_point())
    assert region_polygon(root, "622900").equals(linxia)
    assert region_polygon(root, "620201").equals(region_polygon(root, "620200"))  # 嘉峪关
    assert boundary_county_code("620201") == "620200"
    assert boundary_county_code("622926") == "622926"


@pytest.mark.parametrize(
    ("code", "message"),
    [("6299", "unknown region code"), ("630000", "unknown region code"),
     ("63", "unknown region code"), ("62291", "2-, 4- or 6-digit"),
     ("620171", "兰州新区")],
)
def test_region_polygon_rejects_code(root: Path, code: str, message: str) -> None:
    with pytest.raises(DataError, match=message) as info:
        region_polygon(root, code)
    assert info.value.item == code


def _write_counties(tmp_path: Path, features: list[dict[str, object]]) -> Path:
    path = tmp_path / COUNTIES_GEOJSON
    path.parent.mkdir(parents=True)
    collection = {"type": "FeatureCollection", "features": features}
    path.write_text(json.dumps(collection, ensure_ascii=False), encoding="utf-8")
    return path


def _county(adcode: str, ring: list[list[float]]) -> dict[str, object]:
    return {"type": "Feature",
            "properties": {"city": "临夏回族自治州", "district": "某县", "adcode": adcode},
            "geometry": {"type": "Polygon", "coordinates": [ring]}}


SQUARE = [[103.0, 35.0], [103.5, 35.0], [103.5, 35.5], [103.0, 35.5], [103.0, 35.0]]
BOWTIE = [[103.0, 35.0], [103.5, 35.5], [103.5, 35.0], [103.0, 35.5], [103.0, 35.0]]


def test_invalid_geometry_names_adcode_and_feature(tmp_path: Path) -> None:
    path = _write_counties(tmp_path, [_county("622921", SQUARE), _county("622926", BOWTIE)])
    with pytest.raises(DataError, match=r"row 2, item '622926': invalid geometry") as info:
        load_counties(tmp_path)
    assert info.value.path == str(path)


def test_swapped_coordinates_and_bad_adcode_are_named(tmp_path: Path) -> None:
    swapped = [[lat, lon] for lon, lat in SQUARE]
    _write_counties(tmp_path, [_county("622921", SQUARE), _county("622926", swapped)])
    with pytest.raises(DataError, match=r"item '622926': coordinates outside"):
        load_counties(tmp_path)
    _write_counties(tmp_path / "b", [_county("62292", SQUARE)])
    with pytest.raises(DataError, match=r"row 1.*6-digit code, got '62292'"):
        load_counties(tmp_path / "b")
