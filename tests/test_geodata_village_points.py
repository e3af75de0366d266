"""Villages onto OSM place nodes: name keys, reading place nodes, unambiguous matching.

The matching cases use 广河县's real villages and township points with hand-made place
nodes (NOT real OSM data) put at known offsets; reading is also checked on pyrosm's real
test extract.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from geodata.errors import RoadDataError
from geodata.places import load_villages
from geodata.village_points import name_key, place_villages, read_osm_places

DEG_LAT_M = 111_195.0  # metres per degree of latitude on the mean sphere


def test_name_keys_drop_one_administrative_suffix() -> None:
    assert name_key("石那奴村委会") == "石那奴"
    assert name_key("石那奴村") == "石那奴"
    assert name_key("河北社区居民委员会") == "河北社区"
    assert name_key("河北社区") == "河北"
    assert name_key(" 马 家 村 ") == "马家"
    assert name_key("村") == "村"  # nothing left to compare: keep the name


def test_reads_named_place_nodes_only(tmp_path: Path) -> None:
    osm = tmp_path / "places.osm"
    osm.write_text(
        '<?xml version="1.0" encoding="UTF-8"?><osm version="0.6">'
        '<node id="1" lat="35.50" lon="103.50"><tag k="place" v="village"/>'
        '<tag k="name" v="Majia"/><tag k="name:zh" v="马家村"/></node>'
        '<node id="2" lat="35.51" lon="103.51"><tag k="place" v="city"/>'
        '<tag k="name" v="城"/></node>'
        '<node id="3" lat="35.52" lon="103.52"><tag k="place" v="hamlet"/></node>'
        '<node id="4" lat="35.53" lon="103.53"><tag k="place" v="hamlet"/>'
        '<tag k="name" v="潘家"/></node>'
        '<node id="5" lat="35.54" lon="103.54"/>'
        '<way id="9"><nd ref="1"/><nd ref="4"/><tag k="place" v="village"/>'
        '<tag k="name" v="way village"/></way></osm>', encoding="utf-8")
    places = read_osm_places(osm)
    assert places["osm_id"].tolist() == [1, 4]
    assert places["name"].tolist() == ["马家村", "潘家"]  # name:zh preferred
    assert places["place"].tolist() == ["village", "hamlet"]
    assert places.loc[0, "lat_deg"] == pytest.approx(35.50)


def test_reads_a_real_extract() -> None:
    pyrosm = pytest.importorskip("pyrosm")
    places = read_osm_places(pyrosm.get_data("test_pbf"))
    assert len(places) == 4
    assert set(places["place"]) <= {"neighbourhood", "hamlet"}
    assert "Kannikko" in set(places["name"])


def test_missing_or_broken_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(RoadDataError, match="nothere.osm"):
        read_osm_places(tmp_path / "nothere.osm")
    broken = tmp_path / "broken.osm.pbf"
    broken.write_bytes(b"not a pbf at all")
    with pytest.raises(RoadDataError, match="broken.osm.pbf"):
        read_osm_places(broken)


def _node(osm_id: int, name: str, lon: float, lat: float) -> dict[str, object]:
    return {"osm_id": osm_id, "name": name, "place": "village", "lon_deg": lon, "lat_deg": lat}


@pytest.fixture(scope="module")
def guanghe() -> gpd.GeoDataFrame:
    return load_villages(region_code="622924")


def test_unambiguous_names_near_the_township_are_placed(guanghe: gpd.GeoDataFrame) -> None:
    row = guanghe.index[guanghe["village_name"] == "石那奴村委会"][0]
    town = guanghe.geometry[row]
    places = pd.DataFrame([
        _node(10, "石那奴村", town.x, town.y + 2_000 / DEG_LAT_M),   # 2 km north: placed
        _node(11, "石那奴村", town.x, town.y + 30_000 / DEG_LAT_M),  # farther namesake
        _node(12, "无此村", town.x, town.y),                        # no such village
    ])
    out = place_villages(guanghe, places)
    assert out.loc[row, "location_method"] == "osm_place"
    assert out.loc[row, "osm_place_id"] == 10
    assert out.loc[row, "osm_place_m"] == pytest.approx(2_000, abs=1)
    assert out.geometry[row].y == pytest.approx(town.y + 2_000 / DEG_LAT_M)
    others = out.drop(index=row)
    assert (others["location_method"] == "township_centre").all()
    assert (others["osm_place_id"] == -1).all()
    assert others.geometry.equals(guanghe.drop(index=row).geometry)
    assert guanghe.loc[row, "location_method"] == "township_centre"  # input untouched


def test_too_far_and_shared_nodes_place_nobody(guanghe: gpd.GeoDataFrame) -> None:
    row = guanghe.index[guanghe["village_name"] == "马家村委会"][0]
    town = guanghe.geometry[row]
    far = pd.DataFrame([_node(20, "马家村", town.x, town.y + 16_000 / DEG_LAT_M)])
    assert (place_villages(guanghe, far)["osm_place_id"] == -1).all()
    # two villages of one key claim one node: neither is placed
    twin = guanghe.loc[[row]].assign(village_code="622924999999")
    both = pd.concat([guanghe, twin])
    near = pd.DataFrame([_node(21, "马家", town.x + 0.01, town.y)])
    out = place_villages(both, near)
    assert (out["osm_place_id"] == -1).all()
    assert out.loc[out["village_code"] == "622924100202", "location_method"].item() == (
        "township_centre")
