"""Great-circle lengths and road-following lines, for every road graph of the service.

:func:`great_circle_m` measures every edge length here as osmnx does (haversine on a
sphere of radius :data:`EARTH_RADIUS_M`); :func:`route_geometry` draws a route along the
roads of a graph in the convention of :mod:`geodata.roads`.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from itertools import pairwise
from typing import Any

import networkx as nx
import numpy as np
import osmnx as ox
from shapely.geometry import LineString

from geodata.errors import RoadDataError

CRS = "EPSG:4326"
"""The CRS of every road graph, on disk and on the wire (lon/lat degrees)."""

EARTH_RADIUS_M = 6_371_009.0
"""Mean Earth radius (m) of osmnx's great-circle distances, used for every length here."""


def great_circle_m(
    lon1: Any, lat1: Any, lon2: Any, lat2: Any
) -> np.ndarray[Any, np.dtype[np.float64]]:
    """Great-circle (haversine) distance in metres, element-wise, on a sphere of radius
    :data:`EARTH_RADIUS_M` (as osmnx measures edge lengths)."""
    distance = ox.distance.great_circle(
        np.asarray(lat1, float),
        np.asarray(lon1, float),
        np.asarray(lat2, float),
        np.asarray(lon2, float),
        earth_radius=EARTH_RADIUS_M,
    )
    return np.asarray(distance, dtype=float)


def route_geometry(graph: nx.MultiDiGraph, nodes: Sequence[Hashable]) -> LineString:
    """Road-following line (EPSG:4326) through ``nodes`` in order.

    Consecutive nodes are joined by their fastest path (least ``travel_time``); each edge
    contributes its ``geometry`` when it has one (the fastest of parallel edges), else the
    straight segment between its nodes.

    Parameters
    ----------
    graph
        Road graph in the module's convention.
    nodes
        Node ids in visiting order. Consecutive repeats add nothing.

    Returns
    -------
    shapely.LineString
        Starts at ``nodes[0]`` and ends at ``nodes[-1]``. Degenerate case: a single node,
        or a sequence that never leaves its first node, gives a zero-length line of that
        node's point twice (valid GeoJSON; shapely reports it as not ``is_valid``).

    Raises
    ------
    ValueError
        ``nodes`` is empty.
    RoadDataError
        A node is not in the graph, or no path joins two consecutive nodes.
    """
    if len(nodes) == 0:
        raise ValueError("route_geometry needs at least one node")
    missing = [node for node in nodes if node not in graph]
    if missing:
        raise RoadDataError("route nodes not in the road graph", item=missing[:10])
    coords = [_node_xy(graph, nodes[0])]
    for start, end in pairwise(nodes):
        if start != end:
            for u, v in pairwise(_fastest_path(graph, start, end)):
                coords.extend(_edge_coords(graph, u, v)[1:])
    if len(coords) == 1:
        coords.append(coords[0])
    return LineString(coords)


def _fastest_path(graph: nx.MultiDiGraph, start: Hashable, end: Hashable) -> list[Hashable]:
    """Node ids of the least-``travel_time`` path from ``start`` to ``end``."""
    try:
        return list(nx.shortest_path(graph, start, end, weight="travel_time"))
    except nx.NetworkXNoPath as exc:
        raise RoadDataError("no road path between route nodes", item=(start, end)) from exc


def _node_xy(graph: nx.MultiDiGraph, node: Hashable) -> tuple[float, float]:
    data = graph.nodes[node]
    return float(data["x"]), float(data["y"])


def _edge_coords(graph: nx.MultiDiGraph, u: Hashable, v: Hashable) -> list[tuple[float, float]]:
    """Coordinates of the fastest edge ``u -> v`` (ties: the shorter), oriented u to v."""
    data = min(graph[u][v].values(), key=lambda d: (d["travel_time"], d["length"]))
    start, end = _node_xy(graph, u), _node_xy(graph, v)
    line = data.get("geometry")
    if line is None:
        return [start, end]
    coords = [(float(x), float(y)) for x, y in line.coords]
    if math.dist(coords[0], start) > math.dist(coords[-1], start):
        coords.reverse()
    return [start, *coords[1:-1], end]
