"""Snap points (settlements, sites) to their nearest road-graph node.

The nearest node is found with a KD-tree on unit-sphere coordinates, where the straight
(chord) distance grows with the great-circle distance, so the nearest by chord is the
nearest on the globe, with no projection to choose and no distortion across a province.
The reported distance is the great-circle distance in metres. A point farther than
``max_snap_m`` from every node still gets its nearest node, but is flagged
``off_network``: a planner must see it, not find it silently moved kilometres away.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.spatial import cKDTree

from geodata.errors import DataError, RoadDataError
from geodata.roads import great_circle_m


@dataclass(frozen=True, eq=False)
class SnapResult:
    """Where each input point snapped (arrays are read-only).

    Attributes
    ----------
    node
        Object array of graph node ids, one per point.
    snap_m
        Great-circle distance (m) from each point to its node.
    off_network
        ``snap_m > max_snap_m``: the node is the nearest, but too far to stand for the point.
    max_snap_m
        The threshold used (m).
    """

    node: NDArray[np.object_]
    snap_m: NDArray[np.float64]
    off_network: NDArray[np.bool_]
    max_snap_m: float


def snap_points(
    graph: nx.MultiDiGraph, lon: ArrayLike, lat: ArrayLike, *, max_snap_m: float = 5000.0
) -> SnapResult:
    """Nearest graph node of each point (lon/lat degrees, EPSG:4326).

    Parameters
    ----------
    graph
        Road graph with node attributes ``x`` (lon) and ``y`` (lat).
    lon, lat
        Point coordinates in degrees, scalars or equal-length 1-D arrays.
    max_snap_m
        Distance (m) beyond which a point is flagged ``off_network``; 5 km by default, a
        short walk or tractor ride from a village to a road a truck uses.

    Returns
    -------
    SnapResult

    Raises
    ------
    RoadDataError
        The graph has no nodes.
    DataError
        Coordinates that are not finite lon/lat degrees (positions in ``item``).
    """
    lon_deg, lat_deg = _checked_lonlat(lon, lat)
    node_ids, node_lon, node_lat = _node_arrays(graph)
    _, nearest = cKDTree(_unit_xyz(node_lon, node_lat)).query(_unit_xyz(lon_deg, lat_deg))
    nearest = np.asarray(nearest, dtype=np.int64)
    snap_m = great_circle_m(lon_deg, lat_deg, node_lon[nearest], node_lat[nearest])
    node, off_network = node_ids[nearest], snap_m > max_snap_m
    for array in (node, snap_m, off_network):
        array.flags.writeable = False
    return SnapResult(
        node=node, snap_m=snap_m, off_network=off_network, max_snap_m=float(max_snap_m)
    )


def _checked_lonlat(lon: ArrayLike, lat: ArrayLike) -> tuple[NDArray[Any], NDArray[Any]]:
    """``lon``, ``lat`` as equal-length float arrays of valid degrees."""
    lon_deg = np.atleast_1d(np.asarray(lon, dtype=float))
    lat_deg = np.atleast_1d(np.asarray(lat, dtype=float))
    if lon_deg.ndim != 1 or lon_deg.shape != lat_deg.shape:
        raise DataError(
            f"lon and lat must be 1-D of equal length: {lon_deg.shape}, {lat_deg.shape}"
        )
    bad = ~(np.isfinite(lon_deg) & np.isfinite(lat_deg))
    bad |= (np.abs(lon_deg) > 180) | (np.abs(lat_deg) > 90)
    if bad.any():
        raise DataError("points without valid lon/lat", item=np.flatnonzero(bad)[:10].tolist())
    return lon_deg, lat_deg


def _node_arrays(graph: nx.MultiDiGraph) -> tuple[NDArray[np.object_], NDArray[Any], NDArray[Any]]:
    """Node ids (object array) and their lon, lat arrays."""
    if graph.number_of_nodes() == 0:
        raise RoadDataError("the road graph has no nodes to snap to")
    ids = np.fromiter(graph.nodes, dtype=object, count=graph.number_of_nodes())
    lon = np.fromiter((x for _, x in graph.nodes(data="x")), dtype=float, count=len(ids))
    lat = np.fromiter((y for _, y in graph.nodes(data="y")), dtype=float, count=len(ids))
    return ids, lon, lat


def _unit_xyz(lon_deg: NDArray[Any], lat_deg: NDArray[Any]) -> NDArray[np.float64]:
    """Points on the unit sphere (n, 3) for lon/lat degrees."""
    lon, lat = np.radians(lon_deg), np.radians(lat_deg)
    return np.column_stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])
