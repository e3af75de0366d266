"""Snap points (settlements, sites) to their nearest road-graph node, or onto a road edge.

:func:`snap_points` snaps to nodes (what the pipeline and ``coldchain matrix`` use, on an
unsimplified graph whose nodes follow the roads); :func:`snap_points_to_edges` projects
onto the nearest edge, and :func:`geodata.edge_matrix.edge_travel_time_matrix` times trips
from and to such points; :func:`snap_report` summarises either for a planner.

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
import shapely
from numpy.typing import ArrayLike, NDArray
from pyproj import Transformer
from scipy.spatial import cKDTree
from shapely import STRtree
from shapely.geometry import LineString

from geodata.errors import DataError, RoadDataError
from geodata.geometry import great_circle_m


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



@dataclass(frozen=True, eq=False)
class EdgeSnapResult:
    """Where each point snapped along a road (arrays are read-only).

    Attributes
    ----------
    u, v, key
        Object arrays: the graph edge ``(u, v, key)`` the point lies on.
    fraction
        Position along that edge from ``u`` (0 at ``u``, 1 at ``v``), measured along its
        geometry on the local projection (see :func:`snap_points_to_edges`).
    lon, lat
        The snapped point on the road (degrees, EPSG:4326).
    snap_m
        Great-circle distance (m) from each input point to its snapped point.
    off_network
        ``snap_m > max_snap_m``: the nearest road is too far to stand for the point.
    max_snap_m
        The threshold used (m).
    """

    u: NDArray[np.object_]
    v: NDArray[np.object_]
    key: NDArray[np.object_]
    fraction: NDArray[np.float64]
    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    snap_m: NDArray[np.float64]
    off_network: NDArray[np.bool_]
    max_snap_m: float


def snap_points_to_edges(
    graph: nx.MultiDiGraph, lon: ArrayLike, lat: ArrayLike, *, max_snap_m: float = 5000.0
) -> EdgeSnapResult:
    """Project each point (lon/lat degrees) onto its nearest road edge.

    Edges and points are projected to an azimuthal equidistant plane centred on the
    graph's extent (metres; exact from the centre, a few per cent off at the edge of a
    province), the nearest edge is found there with a shapely STRtree, and the point is
    projected onto that edge's ``geometry`` (or the straight ``u``-``v`` segment). The
    reported ``snap_m`` is the great-circle distance to the projected point, in metres.
    Between two edges within a few per cent of the same distance the choice may differ
    from a choice on the sphere; the distance reported is always exact for the edge
    chosen. A point farther than ``max_snap_m`` is snapped all the same but flagged
    ``off_network``.

    Parameters
    ----------
    graph
        Road graph (node ``x``/``y`` in degrees; edge ``geometry`` optional).
    lon, lat
        Point coordinates in degrees, scalars or equal-length 1-D arrays.
    max_snap_m
        Threshold (m) for ``off_network``; 5 km by default (as :func:`snap_points`).

    Returns
    -------
    EdgeSnapResult

    Raises
    ------
    RoadDataError
        The graph has no edges.
    DataError
        Coordinates that are not finite lon/lat degrees (positions in ``item``).
    """
    lon_deg, lat_deg = _checked_lonlat(lon, lat)
    edges, lines = _edge_lines(graph)
    to_plane, to_lonlat = _plane_transformers(lines)
    lines_m = shapely.transform(lines, to_plane, interleaved=False)
    points_m = shapely.points(*to_plane(lon_deg, lat_deg))
    nearest = STRtree(lines_m).query_nearest(points_m, all_matches=False)[1]
    line = lines_m[nearest]
    fraction = np.clip(shapely.line_locate_point(line, points_m, normalized=True), 0.0, 1.0)
    on_road = shapely.line_interpolate_point(line, fraction, normalized=True)
    snap_lon, snap_lat = to_lonlat(shapely.get_x(on_road), shapely.get_y(on_road))
    snap_m = great_circle_m(lon_deg, lat_deg, snap_lon, snap_lat)
    arrays = {
        "u": edges[0][nearest], "v": edges[1][nearest], "key": edges[2][nearest],
        "fraction": np.asarray(fraction, dtype=float), "lon": np.asarray(snap_lon, float),
        "lat": np.asarray(snap_lat, float), "snap_m": snap_m,
        "off_network": snap_m > max_snap_m,
    }
    for array in arrays.values():
        array.flags.writeable = False
    return EdgeSnapResult(**arrays, max_snap_m=float(max_snap_m))


def _edge_lines(
    graph: nx.MultiDiGraph,
) -> tuple[tuple[NDArray[np.object_], NDArray[np.object_], NDArray[np.object_]], NDArray[Any]]:
    """(u, v, key) object arrays and each edge's LineString in degrees, oriented u to v
    (an edge without ``geometry`` is its straight segment)."""
    if graph.number_of_edges() == 0:
        raise RoadDataError("the road graph has no edges to snap to")
    rows = list(graph.edges(keys=True, data="geometry"))
    ends = tuple(np.array([row[i] for row in rows] + [None], dtype=object)[:-1] for i in range(3))
    xy = {node: (data["x"], data["y"]) for node, data in graph.nodes(data=True)}
    lines = np.array(
        [g if g is not None else LineString([xy[u], xy[v]]) for u, v, _, g in rows], dtype=object
    )
    return ends, lines  # type: ignore[return-value]


def _plane_transformers(lines: NDArray[Any]) -> tuple[Any, Any]:
    """Forward/backward functions lon/lat <-> metres on an azimuthal equidistant plane
    centred on the extent of ``lines``."""
    west, south, east, north = shapely.total_bounds(lines)
    aeqd = (f"+proj=aeqd +lat_0={(south + north) / 2} +lon_0={(west + east) / 2} "
            "+datum=WGS84 +units=m")
    forward = Transformer.from_crs("EPSG:4326", aeqd, always_xy=True)
    backward = Transformer.from_crs(aeqd, "EPSG:4326", always_xy=True)
    return forward.transform, backward.transform


SNAP_PERCENTILES = (50, 90, 95, 99)


def snap_report(result: SnapResult | EdgeSnapResult) -> dict[str, Any]:
    """Summary of a snap for a planner: how many points are off the network, by how much.

    Returns
    -------
    dict
        ``points``; ``off_network`` (count) and ``off_network_share``; ``max_snap_m``
        (the threshold); ``snap_m_p50`` ... ``snap_m_p99`` and ``snap_m_max`` over all
        points (m); ``off_network_snap_m_min`` / ``_median`` / ``_max`` over the
        off-network points only (m, ``None`` when there are none).
    """
    snap_m, off = np.asarray(result.snap_m, dtype=float), np.asarray(result.off_network)
    report: dict[str, Any] = {
        "points": int(len(snap_m)),
        "off_network": int(off.sum()),
        "off_network_share": float(off.mean()) if len(off) else 0.0,
        "max_snap_m": result.max_snap_m,
    }
    for q in SNAP_PERCENTILES:
        report[f"snap_m_p{q}"] = float(np.percentile(snap_m, q)) if len(snap_m) else None
    report["snap_m_max"] = float(snap_m.max()) if len(snap_m) else None
    far = snap_m[off]
    for name, fn in (("min", np.min), ("median", np.median), ("max", np.max)):
        report[f"off_network_snap_m_{name}"] = float(fn(far)) if len(far) else None
    return report
