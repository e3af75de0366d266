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

This module is the public entry point; the work is done in :mod:`geodata.osm_reader`
(segments of an extract), :mod:`geodata.road_graph` (speeds, directions, simplification,
strong component), :mod:`geodata.approximate` (no OSM data) and :mod:`geodata.geometry`
(great-circle lengths, route lines).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path

import networkx as nx
import osmnx as ox
import requests
from osmnx._errors import InsufficientResponseError
from shapely.geometry.base import BaseGeometry

from geodata.approximate import approximate_graph
from geodata.cache import CACHE_FORMAT, cached_graph, graph_cache_key
from geodata.cache import cache_dir as cache_dir_for
from geodata.errors import RoadDataError
from geodata.geometry import CRS, route_geometry
from geodata.osm_reader import SPEED_TAGS, check_suffix, read_road_segments
from geodata.road_graph import (
    checked_speeds,
    clipped_segments,
    directed_graph,
    largest_strong_component,
    speed_profile_name,
    tag_speed_kph,
    with_truck_speeds,
)

__all__ = [
    "approximate_graph",
    "road_graph_from_osm",
    "road_graph_from_place",
    "route_geometry",
]


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
        The extract, any format, read by one streaming pyosmium reader
        (:mod:`geodata.osm_reader`; osmnx's ``graph_from_xml`` keeps every way, buildings
        included, fails on ways whose nodes lie outside the file, and reads no PBF).
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
    check_suffix(path)
    class_speed_kph = checked_speeds(speeds, path)
    if not path.is_file():
        raise RoadDataError("OSM file not found", path=path)
    if not cache:
        return _build_osm_graph(path, clip_polygon, speeds, simplify)
    key = graph_cache_key(
        path,
        speed_profile=speed_profile_name(speeds),
        class_speed_kph=class_speed_kph,
        clip_polygon=clip_polygon,
        simplify=simplify,
    )
    return cached_graph(
        key, lambda: _build_osm_graph(path, clip_polygon, speeds, simplify), cache_dir
    )


def _build_osm_graph(
    path: Path,
    clip_polygon: BaseGeometry | None,
    speeds: Mapping[str, float] | None,
    simplify: bool,
) -> nx.MultiDiGraph:
    """:func:`road_graph_from_osm` without the cache (arguments already checked)."""
    class_speed_kph = checked_speeds(speeds, path)
    nodes, edges = read_road_segments(path)
    if clip_polygon is not None:
        nodes, edges = clipped_segments(nodes, edges, clip_polygon)
    if edges.empty:
        where = " inside the clip polygon" if clip_polygon is not None else ""
        raise RoadDataError(f"no drivable roads{where}", path=path)
    edges = with_truck_speeds(edges, class_speed_kph)
    graph = directed_graph(nodes, edges, simplify=simplify)
    graph, dropped_nodes, dropped_edges = largest_strong_component(graph)
    if graph.number_of_nodes() < 2:
        raise RoadDataError("no drivable roads connected both ways", path=path)
    graph.graph.update(
        crs=CRS,
        source=f"osm:{path.name}",
        approximate=False,
        dropped_nodes=dropped_nodes,
        dropped_edges=dropped_edges,
        speed_profile=speed_profile_name(speeds),
        assumptions=[],
        simplified=simplify,
        clipped=clip_polygon is not None,
    )
    return graph


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
    class_speed_kph = checked_speeds(speeds, Path(name))
    profile = speed_profile_name(speeds)
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
        data["speed_kph"] = tag_speed_kph(tags, class_speed_kph)
        data["length"] = float(data["length"])
        data["travel_time"] = data["length"] / (data["speed_kph"] / 3.6)
    graph, dropped_nodes, dropped_edges = largest_strong_component(graph)
    if graph.number_of_nodes() < 2:
        raise RoadDataError("no drivable roads connected both ways", item=name)
    graph.graph.update(
        crs=CRS, source=f"overpass:{name}", approximate=False, dropped_nodes=dropped_nodes,
        dropped_edges=dropped_edges, speed_profile=profile, assumptions=[], simplified=True,
        clipped=False,
    )
    return graph
