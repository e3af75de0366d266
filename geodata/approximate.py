"""Approximate road network over settlement points, for when no OSM extract exists.

:func:`approximate_graph` joins neighbouring settlements by straight links lengthened by a
detour factor (:data:`geodata.speeds.DEFAULT_DETOUR_FACTOR` by default) and
timed by the kinds of their ends. The graph follows the convention of
:mod:`geodata.roads` and is flagged ``approximate`` with its assumptions.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from scipy.sparse import coo_array
from scipy.sparse.csgraph import minimum_spanning_tree
from scipy.spatial import Delaunay, QhullError, cKDTree

from geodata.errors import RoadDataError
from geodata.geometry import CRS, great_circle_m
from geodata.speeds import (
    CLASS_SPEED_KPH,
    DEFAULT_DETOUR_FACTOR,
    SPEED_TABLE_NAME,
    TERTIARY_CONSERVATIVE_KPH,
)

APPROXIMATE_CLASS_BY_KIND: Mapping[str, str] = {"county_seat": "secondary"}
"""Road class of an approximate link by endpoint kind: ``secondary`` (县道) joins two county
seats; every other link, any with a township or another kind, is ``tertiary`` (乡道)."""

APPROXIMATE_SPEED_KPH_BY_KIND: Mapping[str, float] = {
    "county_seat": CLASS_SPEED_KPH["secondary"],
    "township": TERTIARY_CONSERVATIVE_KPH,
}
"""Default speed (km/h) by endpoint kind; a link takes the slower of its two ends, so
county seat - county seat is 60 (secondary) and anything with a township 40 (the
conservative tertiary figure, PARAMETERS.md 1.4). Kinds not listed also get 40."""

APPROXIMATE_SPEED_PROFILE = f"approximate-by-kind ({SPEED_TABLE_NAME})"


def approximate_graph(
    points: gpd.GeoDataFrame,
    *,
    detour_factor: float = DEFAULT_DETOUR_FACTOR,
    k_neighbours: int = 6,
    speed_kph_by_kind: Mapping[str, float] | None = None,
    max_link_m: float | None = 100_000.0,
) -> nx.MultiDiGraph:
    """Approximate road network over settlement points, for when no OSM extract exists.

    Links join neighbouring points: the Delaunay triangulation (on a local azimuthal
    equidistant projection, in metres) plus each point's ``k_neighbours`` nearest
    neighbours, both directions. Links longer than ``max_link_m`` are dropped unless the
    minimum spanning tree needs them: the triangulation's hull edges of a long, curved
    province (Gansu) would otherwise cut straight across Qinghai or Inner Mongolia. A
    link's length is the great-circle distance times
    ``detour_factor``; its speed the slower of its two ends' kinds
    (:data:`APPROXIMATE_SPEED_KPH_BY_KIND`). The Delaunay graph is connected, so is this
    one. Points at the same coordinates (villages placed at their township centre) stay
    separate nodes, joined to the first of them by zero-length, zero-time links; nothing
    is jittered. Fewer than three distinct locations, or all on one line, are joined in a
    chain along the line instead of triangulated.

    ASSUMPTION: roads follow straight lines lengthened by a detour factor that was not
    measured for Gansu, and run only between neighbouring settlements. Every plan built on
    this graph is flagged approximate; the statements are in ``graph.graph["assumptions"]``.

    Parameters
    ----------
    points
        GeoDataFrame with columns ``node_id`` (unique hashable), ``kind``
        (``county_seat``, ``township`` or other) and Point geometry in EPSG:4326 (a frame
        without CRS is taken as EPSG:4326, another CRS is reprojected). Rows repeating a
        ``node_id`` at the same coordinates are dropped; at other coordinates they are an
        error.
    detour_factor
        Road length / great-circle length, >= 1 (dimensionless).
    k_neighbours
        Nearest neighbours linked per point, besides the triangulation (>= 0).
    speed_kph_by_kind
        Speeds (km/h) merged over :data:`APPROXIMATE_SPEED_KPH_BY_KIND`.
    max_link_m
        Longest great-circle link (m) kept where the network stays connected without it;
        ``None`` keeps every link. The default 100 km is an assumption: the median
        township link in Gansu is about 14 km, the longest needed (Hexi desert) 143 km.

    Returns
    -------
    networkx.MultiDiGraph
        In the module's convention; ``graph.graph`` has ``approximate=True``,
        ``source="approximate"``, ``detour_factor``, ``k_neighbours`` and ``assumptions``.
        Node attributes: ``x``, ``y``, ``kind``.
    """
    if not (math.isfinite(detour_factor) and detour_factor >= 1.0):
        raise ValueError(f"detour_factor must be >= 1, got {detour_factor}")
    if k_neighbours < 0:
        raise ValueError(f"k_neighbours must be >= 0, got {k_neighbours}")
    speeds = {**APPROXIMATE_SPEED_KPH_BY_KIND, **(speed_kph_by_kind or {})}
    table = _approximate_points(points)
    lonlat = table[["lon", "lat"]].to_numpy()
    unique_lonlat, location = np.unique(lonlat, axis=0, return_inverse=True)
    representative = _first_index_per_group(location.ravel(), len(unique_lonlat))
    pairs = _neighbour_pairs(_local_xy_m(unique_lonlat), k_neighbours)
    pairs = _short_or_needed(pairs, unique_lonlat, max_link_m)
    links = np.concatenate(
        [representative[pairs], _duplicate_links(location.ravel(), representative)]
    )
    graph = _approximate_multidigraph(table, links, detour_factor, speeds)
    graph.graph.update(
        crs=CRS,
        source="approximate",
        approximate=True,
        dropped_nodes=0,
        dropped_edges=0,
        speed_profile=APPROXIMATE_SPEED_PROFILE,
        detour_factor=float(detour_factor),
        k_neighbours=int(k_neighbours),
        max_link_m=None if max_link_m is None else float(max_link_m),
        assumptions=_approximate_assumptions(detour_factor, k_neighbours, speeds, max_link_m),
    )
    return graph


def _approximate_points(points: gpd.GeoDataFrame) -> pd.DataFrame:
    """``node_id``, ``kind``, ``lon``, ``lat`` of valid points, one row per ``node_id``."""
    missing = {"node_id", "kind"} - set(points.columns)
    if missing:
        raise RoadDataError(f"points lack the columns {sorted(missing)}")
    if len(points) == 0:
        raise RoadDataError("no points to build an approximate network on")
    if points.crs is not None and points.crs != CRS:
        points = points.to_crs(CRS)
    geometry = points.geometry.array
    not_points = points["node_id"][
        ~(shapely.get_type_id(geometry) == 0) | shapely.is_empty(geometry)
    ]
    if len(not_points):
        raise RoadDataError("geometry is not a point", item=not_points.tolist()[:10])
    table = pd.DataFrame(
        {
            "node_id": points["node_id"].to_numpy(),
            "kind": points["kind"].astype(object).to_numpy(),
            "lon": shapely.get_x(geometry),
            "lat": shapely.get_y(geometry),
        }
    )
    _check_lonlat(table)
    return _one_row_per_node(table)


def _check_lonlat(table: pd.DataFrame) -> None:
    """Raise for coordinates that are not finite WGS-84 degrees."""
    lon, lat = table["lon"].to_numpy(), table["lat"].to_numpy()
    bad = ~(np.isfinite(lon) & np.isfinite(lat) & (np.abs(lon) <= 180) & (np.abs(lat) <= 90))
    if bad.any():
        raise RoadDataError(
            "coordinates are not WGS-84 lon/lat", item=table["node_id"][bad].tolist()[:10]
        )


def _one_row_per_node(table: pd.DataFrame) -> pd.DataFrame:
    """The first row of each ``node_id``; a repeat at other coordinates is an error."""
    firsts = table.drop_duplicates("node_id", keep="first").reset_index(drop=True)
    if len(firsts) == len(table):
        return firsts
    merged = table.merge(firsts, on="node_id", suffixes=("", "_first"))
    clash = merged[(merged["lon"] != merged["lon_first"]) | (merged["lat"] != merged["lat_first"])]
    if len(clash):
        raise RoadDataError(
            "node_id repeated at different coordinates",
            item=clash["node_id"].unique().tolist()[:10],
        )
    return firsts


def _first_index_per_group(group: np.ndarray, n_groups: int) -> np.ndarray:
    """For each group 0..n_groups-1, the first position in ``group`` holding it."""
    first = np.full(n_groups, len(group), dtype=np.int64)
    np.minimum.at(first, group, np.arange(len(group)))
    return first


def _duplicate_links(location: np.ndarray, representative: np.ndarray) -> np.ndarray:
    """Pairs (representative, point) joining each point to the first point at its location."""
    rep = representative[location]
    others = np.flatnonzero(rep != np.arange(len(location)))
    return np.column_stack([rep[others], others]).astype(np.int64).reshape(-1, 2)


def _local_xy_m(lonlat: np.ndarray) -> np.ndarray:
    """``lonlat`` in metres on an azimuthal equidistant projection centred on their extent
    (distances from the centre exact; a few per cent off across a province)."""
    lon0 = float((lonlat[:, 0].min() + lonlat[:, 0].max()) / 2)
    lat0 = float((lonlat[:, 1].min() + lonlat[:, 1].max()) / 2)
    aeqd = f"+proj=aeqd +lat_0={lat0} +lon_0={lon0} +datum=WGS84 +units=m"
    x, y = Transformer.from_crs(CRS, aeqd, always_xy=True).transform(lonlat[:, 0], lonlat[:, 1])
    return np.column_stack([x, y])


def _neighbour_pairs(xy_m: np.ndarray, k_neighbours: int) -> np.ndarray:
    """Unique undirected pairs ``i < j`` of distinct locations: the Delaunay edges (or a
    chain along the line when the points do not span a plane) plus k nearest neighbours."""
    n = len(xy_m)
    if n < 2:
        return np.empty((0, 2), dtype=np.int64)
    try:
        base = _delaunay_pairs(xy_m) if n >= 3 else _chain_pairs(xy_m)
    except QhullError:
        base = _chain_pairs(xy_m)
    pairs = np.concatenate([base, _knn_pairs(xy_m, k_neighbours)])
    return np.unique(np.sort(pairs, axis=1), axis=0)


def _delaunay_pairs(xy_m: np.ndarray) -> np.ndarray:
    """The edges of the Delaunay triangles of ``xy_m``."""
    simplices = Delaunay(xy_m).simplices
    return np.concatenate([simplices[:, [0, 1]], simplices[:, [1, 2]], simplices[:, [0, 2]]])


def _chain_pairs(xy_m: np.ndarray) -> np.ndarray:
    """Consecutive points along the principal axis (collinear or fewer than 3 points)."""
    centred = xy_m - xy_m.mean(axis=0)
    axis = np.linalg.svd(centred, full_matrices=False)[2][0]
    order = np.argsort(centred @ axis, kind="stable")
    return np.column_stack([order[:-1], order[1:]])


def _short_or_needed(pairs: np.ndarray, lonlat: np.ndarray, max_link_m: float | None) -> np.ndarray:
    """The ``pairs`` (``i < j``) no longer than ``max_link_m`` (great-circle), plus those
    of their minimum spanning tree, so that connectivity never depends on the limit."""
    if max_link_m is None or len(pairs) == 0:
        return pairs
    a, b = pairs[:, 0], pairs[:, 1]
    length_m = great_circle_m(lonlat[a, 0], lonlat[a, 1], lonlat[b, 0], lonlat[b, 1])
    n = len(lonlat)
    tree = minimum_spanning_tree(coo_array((length_m, (a, b)), shape=(n, n)).tocsr()).tocoo()
    tree_keys = np.minimum(tree.row, tree.col).astype(np.int64) * n + np.maximum(tree.row, tree.col)
    keep = (length_m <= max_link_m) | np.isin(a.astype(np.int64) * n + b, tree_keys)
    return pairs[keep]


def _knn_pairs(xy_m: np.ndarray, k_neighbours: int) -> np.ndarray:
    """Each point paired with its ``k_neighbours`` nearest other points."""
    k = min(k_neighbours, len(xy_m) - 1)
    if k <= 0:
        return np.empty((0, 2), dtype=np.int64)
    _, neighbours = cKDTree(xy_m).query(xy_m, k=k + 1)
    own = np.repeat(np.arange(len(xy_m)), k)
    others = np.asarray(neighbours)[:, 1:].ravel()
    return np.column_stack([own, others])


def _approximate_multidigraph(
    table: pd.DataFrame, links: np.ndarray, detour_factor: float, speeds: Mapping[str, float]
) -> nx.MultiDiGraph:
    """The graph of ``table``'s points and ``links`` (row-position pairs), both directions."""
    lon, lat = table["lon"].to_numpy(), table["lat"].to_numpy()
    kind = table["kind"].to_numpy()
    node_id = table["node_id"].tolist()
    a, b = links[:, 0], links[:, 1]
    length_m = great_circle_m(lon[a], lat[a], lon[b], lat[b]) * detour_factor
    kind_speed = np.array([speeds.get(k, TERTIARY_CONSERVATIVE_KPH) for k in kind], dtype=float)
    speed_kph = np.minimum(kind_speed[a], kind_speed[b])
    both_seats = np.array(
        [APPROXIMATE_CLASS_BY_KIND.get(k) == "secondary" for k in kind], dtype=bool
    )
    road_class = np.where(both_seats[a] & both_seats[b], "secondary", "tertiary")
    graph = nx.MultiDiGraph()
    graph.add_nodes_from(
        (node, {"x": float(x), "y": float(y), "kind": k})
        for node, x, y, k in zip(node_id, lon, lat, kind, strict=True)
    )
    for i, j, length, speed, cls in zip(a, b, length_m, speed_kph, road_class, strict=True):
        data = {
            "length": float(length),
            "highway": str(cls),
            "speed_kph": float(speed),
            "travel_time": float(length) / (float(speed) / 3.6),
            "oneway": False,
        }
        graph.add_edge(node_id[i], node_id[j], **data)
        graph.add_edge(node_id[j], node_id[i], **data)
    return graph


def _approximate_assumptions(
    detour_factor: float, k_neighbours: int, speeds: Mapping[str, float], max_link_m: float | None
) -> list[str]:
    """The plain-language assumptions of an approximate network, for plans and pages."""
    speed_text = ", ".join(f"{kind} {speed:g} km/h" for kind, speed in sorted(speeds.items()))
    long_links = (
        "" if max_link_m is None else f"; links over {max_link_m / 1000:g} km only where needed"
    )
    return [
        "No OSM road data: roads are straight lines between neighbouring settlements "
        f"(Delaunay triangulation plus {k_neighbours} nearest neighbours{long_links}).",
        f"Road length = great-circle distance x detour factor {detour_factor:g} "
        "(assumed, not measured for Gansu).",
        f"Truck speed per link = the slower of its two ends ({speed_text}; other kinds "
        f"{TERTIARY_CONSERVATIVE_KPH:g} km/h).",
    ]
