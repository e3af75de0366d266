"""Reading OSM extracts: drivable road segments as two frames, and named place nodes.

One reader for every format: pyosmium streams ``.osm.pbf``, ``.osm``, ``.osm.bz2`` and
``.osm.gz`` alike (:func:`drivable_ways`). Node locations wait in pyosmium's C++ index
(nodes come before ways in an OSM file), only ways with ``highway`` reach Python, and
what Python keeps is packed in arrays: a province extract full of buildings costs little
more than its roads. (A second pass over the nodes with pyosmium's ``IdFilter`` instead
of the index was tried: its id set took 400 MB for the 1,437 road nodes of Helsinki.)
:func:`read_place_nodes` reads the ``place=*`` nodes villages are placed on
(:mod:`geodata.village_points`) with the same library, nodes filtered in C++.

:func:`read_road_segments` returns ``(nodes, segments)``: nodes ``id``, ``lon``, ``lat``
(EPSG:4326) with point geometry, and one segment per consecutive node pair of a drivable
way: ``id`` (the way), ``u``, ``v``, the tags of :data:`KEPT_TAGS` (``None`` where absent),
``length`` (great-circle metres) and a two-point LineString. Segments with a node missing
from the file (a clipped extract) are dropped; repeated consecutive nodes count once.
"""

from __future__ import annotations

from array import array
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import osmium
import pandas as pd
import shapely
from numpy.typing import NDArray

from geodata.errors import RoadDataError
from geodata.geometry import CRS

NETWORK_TYPE = "driving"
"""The road network read (osmnx's 'drive', pyrosm's 'driving'): public drivable roads;
``service`` and ``track`` ways and ways closed to motor vehicles are left out."""

SPEED_TAGS = ("highway", "maxspeed", "maxspeed:hgv", "surface", "tracktype", "highway:CN")
"""OSM tags the truck speed is computed from (:func:`geodata.speeds.truck_speed_kph`)."""

DIRECTION_TAGS = ("oneway", "junction")
"""OSM tags the direction of travel is read from (one-way ways, roundabouts)."""

KEPT_TAGS = (*SPEED_TAGS, *DIRECTION_TAGS, "name", "ref")
"""Every way tag a segment keeps."""

EXCLUDED_VALUES: Mapping[str, frozenset[str]] = {
    "area": frozenset({"yes"}),
    "highway": frozenset({
        "abandoned", "construction", "no", "planned", "platform", "proposed", "raceway",
        "razed", "rest_area", "services", "bridleway", "bus_guideway", "busway", "corridor",
        "cycleway", "elevator", "escalator", "footway", "ladder", "path", "pedestrian",
        "steps", "track", "trail", "service",
    }),
    "service": frozenset({
        "emergency_access", "parking", "parking_aisle", "private", "alley", "driveway",
    }),
}
"""A way with ``highway`` is drivable unless one of its tags takes one of these values
(the driving filter of pyrosm 0.25, which follows osmnx's ``drive``)."""

ACCESS_KEYS = ("motorcar", "motor_vehicle", "vehicle", "access")
"""Access tags from the most to the least specific: the first one present decides, and
closes the way when it is one of :data:`CLOSED_ACCESS`."""

CLOSED_ACCESS = frozenset({"no", "private"})
"""Access values that close a way to trucks."""

SUFFIXES = (".osm.pbf", ".pbf", ".osm", ".osm.bz2", ".osm.gz")
"""File names the reader accepts (pyosmium picks the format by the name)."""

SEGMENT_EARTH_RADIUS_M = 6371.0088 * 1000.0
"""Earth radius (m) of segment lengths: the IUGG mean radius pyrosm measured them with
(osmnx's 6,371,009 m differs by 0.2 m), kept so that graphs, and the plans built on
them, stay what they were when extracts were read with pyrosm."""

LENGTH_DECIMALS = 3
"""Segment lengths are rounded to the millimetre, as pyrosm rounded them."""

@dataclass(frozen=True)
class DrivableWays:
    """The drivable ways of a file, packed: ``way_id[i]`` and ``tags[i]`` (kept tags) of
    way ``i``, whose node ids are the next ``node_count[i]`` entries of ``refs``."""

    way_id: NDArray[np.int64]
    tags: list[dict[str, str]]
    refs: NDArray[np.int64]
    node_count: NDArray[np.int64]


@dataclass(frozen=True)
class NodeCoords:
    """Node ids, ascending, with their ``lon`` and ``lat`` (degrees)."""

    node_id: NDArray[np.int64]
    lon: NDArray[np.float64]
    lat: NDArray[np.float64]


def read_road_segments(path: Path) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Nodes and drivable segments of the OSM file ``path`` (see the module docstring).

    Raises
    ------
    RoadDataError
        Unknown extension, or a file pyosmium cannot read (the path is named).
    """
    check_suffix(path)
    try:
        ways, coords = drivable_ways(path)
    except (RuntimeError, ValueError, OSError) as exc:
        raise RoadDataError(f"cannot read the OSM file: {exc}", path=path) from exc
    return segment_frames(ways, coords)


def check_suffix(path: Path) -> None:
    """Raise :class:`RoadDataError` unless ``path`` ends in one of :data:`SUFFIXES`."""
    if not path.name.lower().endswith(SUFFIXES):
        raise RoadDataError(
            "unknown road file type; expected .osm.pbf, .osm, .osm.bz2 or .osm.gz", path=path
        )


def drivable_ways(path: Path) -> tuple[DrivableWays, NodeCoords]:
    """Every drivable way of ``path`` in file order, and the coordinates of its nodes.

    One pass; pyosmium keeps every node location in its C++ index while the nodes stream
    by and hands Python only the ways with ``highway`` (filtered in C++). A node repeated
    consecutively in a way counts once; a node missing from the file has no coordinates.
    """
    way_id, refs, node_count = array("q"), array("q"), array("q")
    node_id, lon, lat = array("q"), array("d"), array("d")
    tags_of_way = []
    processor = osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
    for way in processor.with_locations().with_filter(osmium.filter.KeyFilter("highway")):
        if not isinstance(way, osmium.osm.Way):
            continue
        tags = dict(way.tags)
        if not is_drivable(tags):
            continue
        before = len(refs)
        for node in way.nodes:
            ref = node.ref
            if len(refs) > before and refs[-1] == ref:
                continue
            refs.append(ref)
            location = node.location
            if location.valid():
                node_id.append(ref)
                lon.append(location.lon)
                lat.append(location.lat)
        node_count.append(len(refs) - before)
        way_id.append(way.id)
        tags_of_way.append({key: tags[key] for key in KEPT_TAGS if key in tags})
    ways = DrivableWays(_int64(way_id), tags_of_way, _int64(refs), _int64(node_count))
    return ways, _unique_coords(_int64(node_id), np.asarray(lon), np.asarray(lat))


def _int64(values: array[int]) -> NDArray[np.int64]:
    return np.asarray(values, dtype=np.int64)


def _unique_coords(
    node_id: NDArray[np.int64], lon: NDArray[np.float64], lat: NDArray[np.float64]
) -> NodeCoords:
    """One entry per node id (a node shared by several ways was seen once per way)."""
    unique_id, first = np.unique(node_id, return_index=True)
    return NodeCoords(node_id=unique_id, lon=lon[first], lat=lat[first])


def is_drivable(tags: Mapping[str, str]) -> bool:
    """Whether a way with ``tags`` (a mapping of OSM keys to values) is a public road a
    truck may drive: it has ``highway``, no tag in :data:`EXCLUDED_VALUES`, and the most
    specific access tag present (:data:`ACCESS_KEYS`) does not close it."""
    if "highway" not in tags:
        return False
    for key, values in EXCLUDED_VALUES.items():
        if key in tags and tags[key] in values:
            return False
    for key in ACCESS_KEYS:
        if key in tags:
            return tags[key] not in CLOSED_ACCESS
    return True


def segment_frames(
    ways: DrivableWays, coords: NodeCoords
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Node and segment frames (module docstring) of the consecutive node pairs of
    ``ways`` whose two nodes both have coordinates."""
    owner = np.repeat(np.arange(len(ways.node_count)), ways.node_count)
    same_way = owner[:-1] == owner[1:]
    u, v, way = ways.refs[:-1][same_way], ways.refs[1:][same_way], owner[:-1][same_way]
    u_at, v_at = _positions(coords.node_id, u), _positions(coords.node_id, v)
    kept = (u_at >= 0) & (v_at >= 0)
    if not kept.any():
        return _empty_nodes(), _empty_edges()
    u, v, way, u_at, v_at = u[kept], v[kept], way[kept], u_at[kept], v_at[kept]
    lonlat = np.column_stack([coords.lon, coords.lat])
    start, end = lonlat[u_at], lonlat[v_at]
    node_ids = pd.unique(np.column_stack([u, v]).ravel())  # in order of first use
    node_lonlat = lonlat[_positions(coords.node_id, node_ids)]
    nodes = gpd.GeoDataFrame(
        {"id": node_ids, "lon": node_lonlat[:, 0], "lat": node_lonlat[:, 1]},
        geometry=shapely.points(node_lonlat),
        crs=CRS,
    )
    columns = {"id": ways.way_id[way], "u": u, "v": v}
    for tag in KEPT_TAGS:
        columns[tag] = _tag_column(np.array([t.get(tag) for t in ways.tags], dtype=object)[way])
    columns["length"] = segment_length_m(start, end)
    lines = shapely.linestrings(np.stack([start, end], axis=1))
    return nodes, gpd.GeoDataFrame(columns, geometry=lines, crs=CRS)


def _positions(sorted_ids: NDArray[np.int64], ids: NDArray[np.int64]) -> NDArray[np.int64]:
    """Index of each of ``ids`` in ``sorted_ids``, -1 where absent."""
    if len(sorted_ids) == 0:
        return np.full(len(ids), -1, dtype=np.int64)
    at = np.minimum(np.searchsorted(sorted_ids, ids), len(sorted_ids) - 1)
    return np.where(sorted_ids[at] == ids, at, -1)


def _tag_column(values: NDArray[np.object_]) -> NDArray[np.object_]:
    """One tag of every segment: NaN where a segment lacks a tag other segments carry,
    ``None`` throughout when none carries it (as pyrosm's frames were, so that the lists
    of a simplified edge's merged tags stay the same)."""
    missing = pd.isna(values)
    if not missing.all():
        values[missing] = np.nan
    return values


def segment_length_m(
    start: NDArray[np.float64], end: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Haversine length (m, rounded to :data:`LENGTH_DECIMALS`) from each ``(lon, lat)``
    row of ``start`` to that of ``end``, on a sphere of :data:`SEGMENT_EARTH_RADIUS_M`,
    computed in pyrosm's order of operations so that the rounding falls the same way."""
    lat1, lon1, lat2, lon2 = map(np.deg2rad, (start[:, 1], start[:, 0], end[:, 1], end[:, 0]))
    half = np.sin((lat2 - lat1) * 0.5) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin(
        (lon2 - lon1) * 0.5
    ) ** 2
    return np.round(2 * SEGMENT_EARTH_RADIUS_M * np.arcsin(np.sqrt(half)), LENGTH_DECIMALS)


def read_place_nodes(path: Path, place_values: Collection[str]) -> pd.DataFrame:
    """Named ``place=*`` nodes of the OSM file ``path`` whose ``place`` is one of
    ``place_values`` (nodes filtered on ``place`` in C++), in file order.

    Returns
    -------
    pandas.DataFrame
        ``osm_id``, ``name`` (``name:zh`` when present, else ``name``), ``place``,
        ``lon_deg``, ``lat_deg``.

    Raises
    ------
    RoadDataError
        pyosmium cannot read the file (the path is named).
    """
    rows = []
    try:
        processor = osmium.FileProcessor(str(path), osmium.osm.NODE)
        for obj in processor.with_filter(osmium.filter.KeyFilter("place")):
            if not isinstance(obj, osmium.osm.Node):
                continue
            tags, where = obj.tags, obj.location
            name = tags.get("name:zh") or tags.get("name")
            if name and tags.get("place") in place_values and where.valid():
                rows.append((obj.id, name, tags.get("place"), where.lon, where.lat))
    except RuntimeError as exc:
        raise RoadDataError(f"cannot read OSM places: {exc}", path=str(path)) from None
    return pd.DataFrame(rows, columns=["osm_id", "name", "place", "lon_deg", "lat_deg"])


def _empty_nodes() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"id": [], "lon": [], "lat": []}, geometry=[], crs=CRS)


def _empty_edges() -> gpd.GeoDataFrame:
    columns: dict[str, list[Any]] = {name: [] for name in ("id", "u", "v", *KEPT_TAGS)}
    return gpd.GeoDataFrame({**columns, "length": []}, geometry=[], crs=CRS)
