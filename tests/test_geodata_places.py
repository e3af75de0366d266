"""Township points, villages and county seats, on the real data (counts checked by hand)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Point

from geodata.boundaries import load_counties
from geodata.datasets import data_dir
from geodata.errors import DataError
from geodata.places import county_seats, load_townships, load_villages, point_source_counts


@pytest.fixture(scope="module")
def root() -> Path:
    return data_dir()


@pytest.fixture(scope="module")
def townships(root: Path) -> gpd.GeoDataFrame:
    return load_townships(root)


@pytest.fixture(scope="module")
def villages(root: Path) -> gpd.GeoDataFrame:
    return load_villages(root)


# -- townships ------------------------------------------------------------------------------


def test_townships_fixed_columns(townships: gpd.GeoDataFrame) -> None:
    assert list(townships.columns) == ["township_code", "township_name", "county_code",
                                       "county_name", "prefecture_code", "prefecture_name",
                                       "geometry", "point_source"]
    assert len(townships) == 1403
    assert townships["township_code"].is_unique
    assert townships.crs.to_epsg() == 4326
    assert (townships.geom_type == "Point").all()
    assert townships["county_code"].nunique() == 88  # 87 polygons + 兰州新区


def test_point_sources_province_and_linxia(townships: gpd.GeoDataFrame) -> None:
    # 2016 centres: 994 by code (988 same name, 6 renamed) + 12 by name in the county
    # (甘谷县 renumbered 7 towns); OSM: 353 exact + 5 嘉峪关 (市辖区) + 2 西峰区 (办事处)
    assert point_source_counts(townships) == {
        "amap_2016": 1006, "osm_2025": 360, "county_point": 37, "prefecture_point": 0}
    linxia = townships[townships["prefecture_code"] == "6229"]
    assert point_source_counts(linxia) == {
        "amap_2016": 115, "osm_2025": 16, "county_point": 0, "prefecture_point": 0}


def test_renumbered_town_is_placed_by_name(townships: gpd.GeoDataFrame) -> None:
    row = townships.set_index("township_code").loc["620523101"]
    assert row["township_name"] == "新兴镇"
    # settlements/gansu_township_centers_2016_wgs84.csv: 620523102000 新兴镇 (2016 code);
    # 620523101000 is 磐安镇 at 105.105198, 34.757483, about 20 km west.
    assert (row.geometry.x, row.geometry.y) == (105.319055, 34.776642)
    assert row["point_source"] == "amap_2016"


def test_jiayuguan_and_lanzhou_new_area(townships: gpd.GeoDataFrame) -> None:
    jiayuguan = townships[townships["county_code"] == "620200"]
    assert len(jiayuguan) == 5
    assert jiayuguan["township_code"].str.startswith("620201").all()  # NBS code kept
    assert set(jiayuguan["point_source"]) == {"osm_2025"}
    new_area = townships[townships["county_code"] == "620171"]
    assert sorted(new_area["township_name"]) == ["上川镇", "中川镇", "秦川镇", "西岔镇"]
    assert set(new_area["point_source"]) == {"osm_2025"}


def test_township_points_lie_in_their_county(root: Path, townships: gpd.GeoDataFrame) -> None:
    counties = load_counties(root)[["county_code", "geometry"]]
    joined = townships.merge(counties.rename(columns={"geometry": "polygon"}), on="county_code")
    assert len(townships) - len(joined) == 4  # 兰州新区's 4 towns: no polygon
    inside = joined.geometry.within(gpd.GeoSeries(joined["polygon"], crs="EPSG:4326"))
    assert inside.mean() >= 0.99
    assert (~inside).sum() == 5  # OSM points of 安宁区 / 天祝 / 临夏县 border towns


# -- villages -------------------------------------------------------------------------------


def test_villages_province_keeps_every_row(villages: gpd.GeoDataFrame) -> None:
    assert len(villages) == 17718
    assert villages["village_code"].is_unique
    assert list(villages.columns) == [
        "village_code", "village_name", "township_code", "township_name", "county_code",
        "county_name", "prefecture_code", "prefecture_name", "is_village", "ur_code",
        "poverty_county", "location_method", "point_source", "geometry"]
    assert set(villages["location_method"]) == {"township_centre"}
    assert villages.geometry.notna().all() and villages.crs.to_epsg() == 4326
    assert (villages["county_code"] == "620200").sum() == 48  # NBS 620201 -> 620200
    assert (villages["county_code"] == "620171").sum() == 88  # 兰州新区 kept
    assert point_source_counts(villages)["county_point"] == 57


def test_linxia_villages(root: Path) -> None:
    linxia = load_villages(root, "6229")
    assert len(linxia) == 1197
    assert linxia["county_code"].nunique() == 8
    dongxiang = linxia[linxia["county_code"] == "622926"]
    assert len(dongxiang) == 208  # facts: village_level_units_nbs2023
    assert dongxiang["poverty_county"].all()
    assert not linxia.loc[linxia["county_code"] == "622901", "poverty_county"].any()
    assert set(linxia["prefecture_name"]) == {"临夏回族自治州"}


def test_village_point_is_its_township_point(
    villages: gpd.GeoDataFrame, townships: gpd.GeoDataFrame
) -> None:
    town_points = townships.set_index("township_code").geometry
    expected = villages["township_code"].map(town_points)
    assert all(v.equals(t) for v, t in zip(villages.geometry, expected, strict=True))


def test_is_village_rule(villages: gpd.GeoDataFrame) -> None:
    by_code = villages.set_index("village_code")
    assert not by_code.loc["620102001001", "is_village"]  # 畅家巷社区居委会
    urban_name = villages["village_name"].str.contains("社区|居委会|居民委员会")
    assert not villages.loc[urban_name, "is_village"].any()
    rural_code = villages[villages["ur_code"] == "220"]
    assert (rural_code["is_village"] == ~rural_code["village_name"].str.contains(
        "社区|居委会|居民委员会")).all()
    assert set(villages["ur_code"].dropna().map(type)) == {str}
    assert villages["ur_code"].isna().sum() == 17718 - 13885  # no 2016 row with that code
    # villages: 10,666 with ur_code 220 + 376 with 210 + 2,889 without a 2016 code
    kept = villages.loc[villages["is_village"], "ur_code"].fillna("none").value_counts()
    assert kept.to_dict() == {"220": 10666, "none": 2889, "210": 376}
    assert int(villages["is_village"].sum()) == 13931


def test_region_filters(root: Path) -> None:
    dongxiang = load_villages(root, "622926")
    assert len(dongxiang) == 208
    assert len(load_villages(root, "620201")) == 48  # NBS code of 嘉峪关 accepted
    assert len(load_villages(root, "62")) == 17718
    assert len(load_villages(root, "622900")) == 1197  # 6-digit prefecture code
    with pytest.raises(DataError, match="'6299'"):
        load_villages(root, "6299")
    with pytest.raises(DataError, match="2-, 4- or 6-digit"):
        load_villages(root, "62292")


# -- county seats -----------------------------------------------------------------------------


def test_linxia_county_seats(root: Path) -> None:
    seats = county_seats(root, "6229")
    assert len(seats) == 8
    assert seats["county_code"].is_unique
    assert list(seats.columns)[:3] == ["county_code", "county_name", "geometry"]
    by_county = seats.set_index("county_code")
    assert by_county.loc["622926", "township_name"] == "锁南镇"  # 东乡 seat
    assert by_county.loc["622901", "township_name"] == "城南街道"  # 临夏市: first 街道
    assert set(seats["point_source"]) == {"amap_2016"}


def test_province_seats_inside_counties(root: Path) -> None:
    seats = county_seats(root)
    assert len(seats) == 88
    polygons = load_counties(root).set_index("county_code").geometry
    with_polygon = seats[seats["county_code"].isin(polygons.index)]
    assert len(with_polygon) == 87
    assert all(polygons[code].contains(point)
               for code, point in zip(with_polygon["county_code"], with_polygon.geometry,
                                      strict=True))
    assert isinstance(seats.geometry.iloc[0], Point)
