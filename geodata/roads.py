"""Road graphs for truck routing: from an OSM extract, from Overpass, or approximate.

Entry points: :func:`road_graph_from_osm` (a ``.osm.pbf`` / ``.osm`` file; with
``cache=True`` the built graph is kept by :mod:`geodata.cache` and reloads in seconds),
:func:`road_graph_from_place` (a named place through osmnx and Overpass, online, cached),
:func:`approximate_graph` (no OSM data) and :func:`route_geometry` (a road-following line).

Every graph follows one convention, which the rest of the service relies on: a
``networkx.MultiDiGraph`` shaped as osmnx builds it.

- nodes: ``x`` (longitude), ``y`` (latitude) in EPSG:4326;
- edges: ``length`` (metres), ``highway`` (one OSM class), ``speed_kph`` (truck speed,
  :mod:`geodata.speeds`), ``travel_time`` (seconds, ``length / (speed_kph / 3.6)``),
  ``oneway`` (bool) and, where the road bends, ``geometry`` (a LineString from ``u`` to
  ``v``);
- ``graph.graph``: ``crs`` ("EPSG:4326"), ``source`` ("osm:<file name>" or
  "approximate"), ``approximate`` (bool), ``dropped_nodes`` / ``dropped_edges`` (what
  fell outside the largest strongly connected component), ``speed_profile`` (the speed
  table's name) and ``assumptions`` (list of plain-language statements, empty for OSM).
"""

from __future__ import annotations

import bz2
import gzip
import hashlib
import json
import math
import xml.etree.ElementTree as ET
from collections.abc import Callable, Hashable, Mapping, Sequence
from itertools import groupby, pairwise
from pathlib import Path
from typing import IO, Any, cast

import geopandas as gpd
import networkx as nx
import numpy as np
import osmnx as ox
import pandas as pd
import pyrosm
import requests
import shapely
from osmnx._errors import InsufficientResponseError
from pyproj import Transformer
from pyrosm.config.osm_filters import get_osm_filter
from pyrosm.exceptions import PBFException
from pyrosm.graphs import to_networkx
from scipy.sparse import coo_array
from scipy.sparse.csgraph import minimum_spanning_tree
from scipy.spatial import Delaunay, QhullError, cKDTree
from shapely.geometry import LineString
from shapely.geometry.base import BaseGeometry

from geodata.cache import CACHE_FORMAT, cached_graph, graph_cache_key
from geodata.cache import cache_dir as cache_dir_for
from geodata.errors import RoadDataError
from geodata.speeds import (
    CLASS_SPEED_KPH,
    SPEED_TABLE_NAME,
    TERTIARY_CONSERVATIVE_KPH,
    truck_speed_kph,
)

CRS = "EPSG:4326"
EARTH_RADIUS_M = 6_371_009.0
"""Mean Earth radius (m) of osmnx's great-circle distances, used for every length here."""

NETWORK_TYPE = "driving"
"""pyrosm's network filter (osmnx's 'drive'): public drivable roads; ``service`` and
``track`` ways and ways closed to motor vehicles are left out, for PBF and XML alike."""

SPEED_TAGS = ("highway", "maxspeed", "maxspeed:hgv", "surface", "tracktype", "highway:CN")
"""OSM tags the truck speed is computed from (:func:`geodata.speeds.truck_speed_kph`)."""

_DIRECTION_TAGS = ("oneway", "junction")
_KEPT_TAGS = (*SPEED_TAGS, *_DIRECTION_TAGS, "name", "ref")
_XML_SUFFIXES = (".osm", ".osm.bz2", ".osm.gz")

# ---------------------------------------------------------------------------------------
# OSM extracts
# ---------------------------------------------------------------------------------------


def road_graph_from_osm(
    path: str | Path,
    *,
    clip_polygon: BaseGeometry | None = None,
    speeds: Mapping[str, float] | None = None,
    simplify: bool = True,
    cache: bool = False,
    cache_dir: str | Path | None = None,
) -> nx.MultiDiGraph:
    """Truck road graph of an OSM extract (``.osm.pbf``, ``.osm``, ``.osm.bz2``, ``.osm.gz``).

    Drivable public roads only (:data:`NETWORK_TYPE`), one-way rules respected
    (``oneway=yes/-1``, roundabouts), every edge timed with the truck speed table. The
    graph is topologically simplified (chains of segments between junctions become one
    edge with its geometry, but never across a change of class or speed), then only its
    largest strongly connected component is kept, so every node can reach every other:
    what was cut off is counted in ``graph.graph["dropped_nodes"]`` / ``["dropped_edges"]``
    (nodes and edges of the graph, simplified or not).

    Parameters
    ----------
    path
        The extract. PBF is read with pyrosm; XML with a streaming parser here (osmnx's
        ``graph_from_xml`` keeps every way, buildings included, fails on ways whose nodes
        lie outside the file, and reads its tag list from global settings).
    clip_polygon
        Optional shapely (Multi)Polygon in EPSG:4326: only road segments with both end
        nodes inside (or on the boundary) are kept.
    speeds
        Optional class default overrides in km/h (``{"tertiary": 40.0}``), merged over
        :data:`geodata.speeds.CLASS_SPEED_KPH`; tagged caps still apply.
    simplify
        Merge chains between junctions (default). ``False`` keeps every OSM node, several
        times the memory, but points then snap to the nearest point along a road rather
        than to the nearest junction (:func:`geodata.snap.snap_points` snaps to nodes).
    cache
        Keep the built graph on disk (:mod:`geodata.cache`) and reuse it when the file
        (path, size, mtime), speeds, clip polygon, ``simplify`` and code version are the
        same: a province graph then loads in seconds instead of minutes.
        ``graph.graph["cache"]`` says ``"hit"`` or ``"miss"``.
    cache_dir
        Cache root; default ``$COLDCHAIN_CACHE_DIR`` or ``./cache``.

    Returns
    -------
    networkx.MultiDiGraph
        In the module's convention, lon/lat kept (nothing is reprojected).

    Raises
    ------
    RoadDataError
        Missing or unreadable file, unknown extension, no drivable road (in the polygon),
        or no strongly connected part with an edge; the message names the file.
    """
    path = Path(path)
    reader = _reader_for(path)
    class_speed_kph = _checked_speeds(speeds, path)
    if not path.is_file():
        raise RoadDataError("OSM file not found", path=path)
    if not cache:
        return _build_osm_graph(path, reader, clip_polygon, speeds, simplify)
    key = graph_cache_key(
        path,
        speed_profile=_speed_profile_name(speeds),
        class_speed_kph=class_speed_kph,
        clip_polygon=clip_polygon,
        simplify=simplify,
    )
    return cached_graph(
        key, lambda: _build_osm_graph(path, reader, clip_polygon, speeds, simplify), cache_dir
    )


def _build_osm_graph(
    path: Path,
    reader: _Reader,
    clip_polygon: BaseGeometry | None,
    speeds: Mapping[str, float] | None,
    simplify: bool,
) -> nx.MultiDiGraph:
    """:func:`road_graph_from_osm` without the cache (arguments already checked)."""
    class_speed_kph = _checked_speeds(speeds, path)
    nodes, edges = reader(path, clip_polygon)
    if clip_polygon is not None:
        nodes, edges = _clipped(nodes, edges, clip_polygon)
    if edges.empty:
        where = " inside the clip polygon" if clip_polygon is not None else ""
        raise RoadDataError(f"no drivable roads{where}", path=path)
    edges = _with_truck_speeds(edges, class_speed_kph)
    graph = _directed_graph(nodes, edges, simplify=simplify)
    graph, dropped_nodes, dropped_edges = _largest_strong_component(graph)
    if graph.number_of_nodes() < 2:
        raise RoadDataError("no drivable roads connected both ways", path=path)
    graph.graph.update(
        crs=CRS,
        source=f"osm:{path.name}",
        approximate=False,
        dropped_nodes=dropped_nodes,
        dropped_edges=dropped_edges,
        speed_profile=_speed_profile_name(speeds),
        assumptions=[],
        simplified=simplify,
        clipped=clip_polygon is not None,
    )
    return graph


_Reader = Callable[[Path, BaseGeometry | None], tuple[pd.DataFrame, pd.DataFrame]]


def _reader_for(path: Path) -> _Reader:
    """The reader of ``path`` by its extension; :class:`RoadDataError` for any other."""
    name = path.name.lower()
    if name.endswith(".osm.pbf") or name.endswith(".pbf"):
        return _read_pbf
    if name.endswith(_XML_SUFFIXES):
        return _read_osm_xml
    raise RoadDataError(
        "unknown road file type; expected .osm.pbf, .osm, .osm.bz2 or .osm.gz", path=path
    )


def _checked_speeds(speeds: Mapping[str, float] | None, path: Path) -> dict[str, float]:
    """``speeds`` merged over the class table, each a positive finite km/h."""
    bad = {k: v for k, v in (speeds or {}).items() if not (math.isfinite(v) and v > 0)}
    if bad:
        raise RoadDataError(f"speed overrides must be positive km/h: {bad}", path=path)
    return {**CLASS_SPEED_KPH, **(speeds or {})}


def _speed_profile_name(speeds: Mapping[str, float] | None) -> str:
    """:data:`SPEED_TABLE_NAME`, with the overrides when there are any."""
    if not speeds:
        return SPEED_TABLE_NAME
    overrides = ",".join(f"{key}={value:g}" for key, value in sorted(speeds.items()))
    return f"{SPEED_TABLE_NAME}+overrides({overrides})"


def _read_pbf(path: Path, clip_polygon: BaseGeometry | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Drivable road segments of a PBF as pyrosm frames (one row per node pair, ``length``
    in metres); the bounding box only narrows the read, :func:`_clipped` clips."""
    try:
        osm = pyrosm.OSM(str(path), bounding_box=clip_polygon, progress=False)
        nodes, edges = osm.get_network(
            nodes=True, network_type=NETWORK_TYPE, tags_to_keep=list(_KEPT_TAGS)
        )
    except (PBFException, ValueError, OSError) as exc:
        raise RoadDataError(f"cannot read the PBF file: {exc}", path=path) from exc
    if edges is None or nodes is None:
        return _empty_nodes(), _empty_edges()
    return _node_frame(nodes), _edge_frame(edges)


def _node_frame(nodes: pd.DataFrame) -> gpd.GeoDataFrame:
    """Only the columns a graph node needs: ``id``, ``lon``, ``lat``, point geometry."""
    return gpd.GeoDataFrame(nodes[["id", "lon", "lat"]], geometry=nodes.geometry.values, crs=CRS)


def _edge_frame(edges: pd.DataFrame) -> gpd.GeoDataFrame:
    """Only the edge columns the graph keeps; tags absent from the file become empty."""
    frame = pd.DataFrame({"id": edges["id"], "u": edges["u"], "v": edges["v"]})
    for tag in _KEPT_TAGS:
        frame[tag] = edges[tag].astype(object) if tag in edges.columns else None
    frame["length"] = edges["length"].to_numpy(dtype=float)
    return gpd.GeoDataFrame(frame, geometry=edges.geometry.values, crs=CRS)


def _empty_nodes() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"id": [], "lon": [], "lat": []}, geometry=[], crs=CRS)


def _empty_edges() -> gpd.GeoDataFrame:
    columns: dict[str, list[Any]] = {name: [] for name in ("id", "u", "v", *_KEPT_TAGS)}
    return gpd.GeoDataFrame({**columns, "length": []}, geometry=[], crs=CRS)


# --- OSM XML ------------------------------------------------------------------------------

_DRIVING_FILTER = get_osm_filter(NETWORK_TYPE)


def _read_osm_xml(
    path: Path, clip_polygon: BaseGeometry | None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Drivable road segments of an OSM XML file, in the same frames as :func:`_read_pbf`.

    Ways are kept by pyrosm's own driving filter, so XML and PBF select the same roads.
    Segments with a node missing from the file (a clipped extract) are dropped. The
    whole file is read; ``clip_polygon`` is applied afterwards (:func:`_clipped`).
    """
    try:
        coords, ways = _parse_osm_xml(path)
    except (ET.ParseError, OSError, EOFError, ValueError) as exc:
        raise RoadDataError(f"cannot read the OSM XML file: {exc}", path=path) from exc
    rows = [
        (way_id, u, v, tags)
        for way_id, refs, tags in ways
        for u, v in pairwise(refs)
        if u in coords and v in coords
    ]
    if not rows:
        return _empty_nodes(), _empty_edges()
    return _xml_frames(coords, rows)


def _parse_osm_xml(path: Path) -> tuple[dict[int, tuple[float, float]], list[Any]]:
    """Node coordinates ``{id: (lon, lat)}`` and drivable ways ``[(id, node refs, tags)]``,
    streamed so that only those are held in memory."""
    coords: dict[int, tuple[float, float]] = {}
    ways = []
    with _open_xml(path) as stream:
        context = ET.iterparse(stream, events=("start", "end"))
        _, root = next(context)
        for event, elem in context:
            if event != "end" or elem.tag not in ("node", "way", "relation"):
                continue
            if elem.tag == "node":
                coords[int(elem.attrib["id"])] = (
                    float(elem.attrib["lon"]),
                    float(elem.attrib["lat"]),
                )
            elif elem.tag == "way":
                tags = {tag.attrib["k"]: tag.attrib["v"] for tag in elem.iter("tag")}
                if _is_drivable(tags):
                    refs = [
                        key for key, _ in groupby(int(nd.attrib["ref"]) for nd in elem.iter("nd"))
                    ]
                    ways.append((int(elem.attrib["id"]), refs, tags))
            root.clear()
    return coords, ways


def _open_xml(path: Path) -> IO[bytes]:
    """``path`` opened for reading bytes, decompressed when it ends ``.bz2`` or ``.gz``."""
    name = path.name.lower()
    if name.endswith(".bz2"):
        return cast(IO[bytes], bz2.open(path, "rb"))
    if name.endswith(".gz"):
        return cast(IO[bytes], gzip.open(path, "rb"))
    return path.open("rb")


def _is_drivable(tags: Mapping[str, str]) -> bool:
    """Whether a way with ``tags`` passes pyrosm's driving filter (an exclude filter on
    highway/area/service values, and the motor-vehicle access hierarchy)."""
    if "highway" not in tags:
        return False
    for key, rule in _DRIVING_FILTER.items():
        closed = rule.closes(tags) if hasattr(rule, "closes") else tags.get(key) in rule
        if closed:
            return False
    return True


def _xml_frames(
    coords: Mapping[int, tuple[float, float]], rows: list[tuple[int, int, int, dict[str, str]]]
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Node and segment frames of the XML segments ``rows`` = ``(way id, u, v, tags)``."""
    u = np.array([row[1] for row in rows], dtype=np.int64)
    v = np.array([row[2] for row in rows], dtype=np.int64)
    node_ids = np.unique(np.concatenate([u, v]))
    lonlat = np.array([coords[node] for node in node_ids.tolist()], dtype=float)
    position = pd.Series(np.arange(len(node_ids)), index=node_ids)
    start, end = lonlat[position[u].to_numpy()], lonlat[position[v].to_numpy()]
    nodes = gpd.GeoDataFrame(
        {"id": node_ids, "lon": lonlat[:, 0], "lat": lonlat[:, 1]},
        geometry=shapely.points(lonlat),
        crs=CRS,
    )
    frame = pd.DataFrame({"id": [row[0] for row in rows], "u": u, "v": v})
    for tag in _KEPT_TAGS:
        frame[tag] = pd.Series([row[3].get(tag) for row in rows], dtype=object)
    frame["length"] = great_circle_m(start[:, 0], start[:, 1], end[:, 0], end[:, 1])
    lines = shapely.linestrings(np.stack([start, end], axis=1))
    return nodes, gpd.GeoDataFrame(frame, geometry=lines, crs=CRS)


# --- shared steps ---------------------------------------------------------------------------


def _clipped(
    nodes: pd.DataFrame, edges: pd.DataFrame, polygon: BaseGeometry
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The segments with both end nodes in ``polygon`` (boundary included), and their nodes."""
    inside = nodes["id"][shapely.intersects_xy(polygon, nodes["lon"], nodes["lat"])]
    kept = edges[edges["u"].isin(inside) & edges["v"].isin(inside)]
    used = pd.concat([kept["u"], kept["v"]])
    return nodes[nodes["id"].isin(used)], kept


def _with_truck_speeds(edges: pd.DataFrame, class_speed_kph: Mapping[str, float]) -> pd.DataFrame:
    """``edges`` plus ``speed_kph``, the truck speed of each segment (km/h).

    The speed is computed once per distinct combination of speed tags, not per row.
    """
    tags = edges[list(SPEED_TAGS)]
    group = tags.astype(str).groupby(list(SPEED_TAGS), sort=False, dropna=False).ngroup()
    group = group.to_numpy(dtype=np.int64)
    first_rows = tags.iloc[np.unique(group, return_index=True)[1]].to_numpy(dtype=object)
    speed_by_group = np.array([_tag_speed_kph(row, class_speed_kph) for row in first_rows])
    return edges.assign(speed_kph=speed_by_group[group])


def _tag_speed_kph(values: Sequence[object], class_speed_kph: Mapping[str, float]) -> float:
    """Truck speed (km/h) of one segment from its tag ``values`` in :data:`SPEED_TAGS` order."""
    tag = {
        key: None if _missing(value) else value
        for key, value in zip(SPEED_TAGS, values, strict=True)
    }
    return truck_speed_kph(
        tag["highway"],  # type: ignore[arg-type]
        tag["maxspeed"],
        tag["surface"],
        tag["tracktype"],
        maxspeed_hgv=tag["maxspeed:hgv"],
        highway_cn=tag["highway:CN"],
        class_speed_kph=class_speed_kph,
    )


def _missing(value: object) -> bool:
    """Whether a frame cell holds no tag (None or NaN)."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def _directed_graph(nodes: pd.DataFrame, edges: pd.DataFrame, *, simplify: bool) -> nx.MultiDiGraph:
    """Directed MultiDiGraph of the segments, built by pyrosm's exporter.

    One-way rules follow pyrosm (= osmnx): ``oneway`` in yes/true/1/-1, roundabouts.
    With ``simplify``, chains are merged between junctions but not across a change of
    ``highway`` or ``speed_kph``, so each edge keeps one class and one speed; ``length``
    is summed and ``travel_time`` recomputed from it.
    """
    graph = to_networkx(
        nodes,
        edges,
        network_type=NETWORK_TYPE,
        retain_all=True,
        simplify=simplify,
        simplify_kwargs={"edge_attrs_differ": ["highway", "speed_kph"], "length_cols": ("length",)},
        progress=False,
    )
    for _, data in graph.nodes(data=True):
        data.pop("geometry", None)
    for _, _, data in graph.edges(data=True):
        data.pop("u", None)
        data.pop("v", None)
        data["length"] = float(data["length"])
        data["travel_time"] = data["length"] / (float(data["speed_kph"]) / 3.6)
    return graph


def _largest_strong_component(graph: nx.MultiDiGraph) -> tuple[nx.MultiDiGraph, int, int]:
    """``graph`` cut to its largest strongly connected component (in place), with the
    numbers of nodes and edges removed."""
    if graph.number_of_nodes() == 0:
        return graph, 0, 0
    largest = max(nx.strongly_connected_components(graph), key=len)
    dropped = [node for node in graph.nodes if node not in largest]
    cut_edges = {edge for node in dropped for edge in graph.out_edges(node, keys=True)}
    cut_edges |= {edge for node in dropped for edge in graph.in_edges(node, keys=True)}
    graph.remove_nodes_from(dropped)
    return graph, len(dropped), len(cut_edges)


# --- Overpass (online) ---------------------------------------------------------------------

PLACE_NETWORK_TYPE = "drive"
"""osmnx's network type for :func:`road_graph_from_place` (its twin of :data:`NETWORK_TYPE`)."""


def road_graph_from_place(
    name: str,
    *,
    speeds: Mapping[str, float] | None = None,
    cache: bool = True,
    cache_dir: str | Path | None = None,
) -> nx.MultiDiGraph:
    """Truck road graph of a named place, downloaded through osmnx from Overpass.

    Needs the internet (Nominatim to find the place, Overpass for the roads). Two caches,
    both under :func:`geodata.cache.cache_dir`: osmnx's own cache of the HTTP answers
    (``overpass/``), and the built graph (``roads/``, keyed by the name, the speeds and
    the code version; delete it to fetch newer OSM data). The graph follows the module's
    convention: osmnx's ``drive`` roads, one-way rules as osmnx applies them, the truck
    speed of every edge from :func:`geodata.speeds.truck_speed_kph`, largest strongly
    connected component.

    Parameters
    ----------
    name
        A place Nominatim knows, e.g. ``"Linxia Hui Autonomous Prefecture, Gansu, China"``.
    speeds
        Class default overrides (km/h), as for :func:`road_graph_from_osm`.
    cache, cache_dir
        Use the caches (default) and where.

    Raises
    ------
    RoadDataError
        The place is not found, the download fails, or there are no drivable roads.
    """
    class_speed_kph = _checked_speeds(speeds, Path(name))
    profile = _speed_profile_name(speeds)
    root = cache_dir_for(cache_dir)

    def build() -> nx.MultiDiGraph:
        return _build_place_graph(name, class_speed_kph, profile, root / "overpass", cache)

    if not cache:
        return build()
    key = hashlib.sha256(
        json.dumps([CACHE_FORMAT, "place", name, profile, sorted(class_speed_kph.items())])
        .encode()
    ).hexdigest()
    return cached_graph(key, build, root)


def _build_place_graph(
    name: str, class_speed_kph: Mapping[str, float], profile: str, http_cache: Path, cache: bool
) -> nx.MultiDiGraph:
    """Download, time and cut the graph of ``name`` (see :func:`road_graph_from_place`)."""
    saved = (ox.settings.use_cache, ox.settings.cache_folder, ox.settings.useful_tags_way)
    ox.settings.use_cache, ox.settings.cache_folder = cache, str(http_cache)
    ox.settings.useful_tags_way = sorted({*saved[2], *SPEED_TAGS})
    try:
        graph = ox.graph_from_place(name, network_type=PLACE_NETWORK_TYPE, retain_all=True)
    except (ValueError, TypeError, OSError, InsufficientResponseError,
            requests.RequestException) as exc:
        raise RoadDataError(f"cannot download the roads of the place: {exc}", item=name) from exc
    finally:
        ox.settings.use_cache, ox.settings.cache_folder, ox.settings.useful_tags_way = saved
    return _timed_place_graph(graph, name, class_speed_kph, profile)


def _timed_place_graph(
    graph: nx.MultiDiGraph, name: str, class_speed_kph: Mapping[str, float], profile: str
) -> nx.MultiDiGraph:
    """``graph`` (osmnx) with truck ``speed_kph`` and ``travel_time`` on every edge,
    cut to its largest strongly connected component, with the module's graph attributes."""
    if graph.number_of_edges() == 0:
        raise RoadDataError("no drivable roads", item=name)
    for _, _, data in graph.edges(data=True):
        tags = [data.get(tag) for tag in SPEED_TAGS]
        data["speed_kph"] = _tag_speed_kph(tags, class_speed_kph)
        data["length"] = float(data["length"])
        data["travel_time"] = data["length"] / (data["speed_kph"] / 3.6)
    graph, dropped_nodes, dropped_edges = _largest_strong_component(graph)
    if graph.number_of_nodes() < 2:
        raise RoadDataError("no drivable roads connected both ways", item=name)
    graph.graph.update(
        crs=CRS, source=f"overpass:{name}", approximate=False, dropped_nodes=dropped_nodes,
        dropped_edges=dropped_edges, speed_profile=profile, assumptions=[], simplified=True,
        clipped=False,
    )
    return graph


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


# ---------------------------------------------------------------------------------------
# Approximate network (no OSM extract)
# ---------------------------------------------------------------------------------------

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
    detour_factor: float = 1.3,
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


# ---------------------------------------------------------------------------------------
# Route geometry
# ---------------------------------------------------------------------------------------


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
