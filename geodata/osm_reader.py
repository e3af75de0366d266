"""Drivable road segments of an OSM extract, as two frames the graph is built from.

One reader for every format: pyosmium streams ``.osm.pbf``, ``.osm``, ``.osm.bz2`` and
``.osm.gz`` alike. Node locations are kept in pyosmium's C++ index while the file streams
(nodes come before ways in an OSM file), so Python holds only the drivable ways: a
province extract full of buildings costs little more than its roads.

:func:`read_road_segments` returns ``(nodes, segments)``: nodes ``id``, ``lon``, ``lat``
(EPSG:4326) with point geometry, and one segment per consecutive node pair of a drivable
way: ``id`` (the way), ``u``, ``v``, the tags of :data:`KEPT_TAGS` (``None`` where absent),
``length`` (great-circle metres) and a two-point LineString. Segments with a node missing
from the file (a clipped extract) are dropped; repeated consecutive nodes count once.
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import groupby, pairwise
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

Segment = tuple[int, int, int, dict[str, str]]
"""``(way id, u, v, tags)`` of one segment."""


def read_road_segments(path: Path) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Nodes and drivable segments of the OSM file ``path`` (see the module docstring).

    Raises
    ------
    RoadDataError
        Unknown extension, or a file pyosmium cannot read (the path is named).
    """
    check_suffix(path)
    try:
        coords, rows = _drivable_segments(path)
    except (RuntimeError, ValueError, OSError) as exc:
        raise RoadDataError(f"cannot read the OSM file: {exc}", path=path) from exc
    if not rows:
        return _empty_nodes(), _empty_edges()
    return segment_frames(coords, rows)


def check_suffix(path: Path) -> None:
    """Raise :class:`RoadDataError` unless ``path`` ends in one of :data:`SUFFIXES`."""
    if not path.name.lower().endswith(SUFFIXES):
        raise RoadDataError(
            "unknown road file type; expected .osm.pbf, .osm, .osm.bz2 or .osm.gz", path=path
        )


def _drivable_segments(path: Path) -> tuple[dict[int, tuple[float, float]], list[Segment]]:
    """Coordinates ``{node id: (lon, lat)}`` of the nodes of drivable ways, and their
    segments, in file order."""
    coords: dict[int, tuple[float, float]] = {}
    rows: list[Segment] = []
    processor = osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
    ways = processor.with_locations().with_filter(osmium.filter.KeyFilter("highway"))
    for way in ways:
        if not isinstance(way, osmium.osm.Way) or not is_drivable(way.tags):
            continue
        tags = {key: way.tags[key] for key in KEPT_TAGS if key in way.tags}
        refs = [ref for ref, _ in groupby(node.ref for node in way.nodes)]
        located = _located_nodes(way)
        coords.update(located)
        rows.extend(
            (way.id, u, v, tags) for u, v in pairwise(refs) if u in located and v in located
        )
    return coords, rows


def _located_nodes(way: osmium.osm.Way) -> dict[int, tuple[float, float]]:
    """``{node id: (lon, lat)}`` of the nodes of ``way`` present in the file."""
    located = {}
    for node in way.nodes:
        location = node.location
        if location.valid():
            located[node.ref] = (location.lon, location.lat)
    return located


def is_drivable(tags: Any) -> bool:
    """Whether a way with ``tags`` (a mapping or pyosmium's tag list) is a public road a
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
    coords: Mapping[int, tuple[float, float]], rows: list[Segment]
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Node and segment frames of the segments ``rows`` = ``(way id, u, v, tags)``."""
    u = np.array([row[1] for row in rows], dtype=np.int64)
    v = np.array([row[2] for row in rows], dtype=np.int64)
    node_ids = pd.unique(np.column_stack([u, v]).ravel())  # in order of first use
    lonlat = np.array([coords[node] for node in node_ids.tolist()], dtype=float)
    position = pd.Series(np.arange(len(node_ids)), index=node_ids)
    start, end = lonlat[position[u].to_numpy()], lonlat[position[v].to_numpy()]
    nodes = gpd.GeoDataFrame(
        {"id": node_ids, "lon": lonlat[:, 0], "lat": lonlat[:, 1]},
        geometry=shapely.points(lonlat),
        crs=CRS,
    )
    frame = pd.DataFrame({"id": [row[0] for row in rows], "u": u, "v": v})
    for tag in KEPT_TAGS:
        frame[tag] = _tag_column([row[3].get(tag) for row in rows])
    frame["length"] = segment_length_m(start, end)
    lines = shapely.linestrings(np.stack([start, end], axis=1))
    return nodes, gpd.GeoDataFrame(frame, geometry=lines, crs=CRS)


def _tag_column(values: list[str | None]) -> pd.Series:
    """One tag of every segment: NaN where a segment lacks a tag other segments carry,
    ``None`` throughout when none carries it (as pyrosm's frames were, so that the lists
    of a simplified edge's merged tags stay the same)."""
    column = pd.Series(values, dtype=object)
    if column.isna().all():
        return column
    return column.where(column.notna(), np.nan)


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


def _empty_nodes() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"id": [], "lon": [], "lat": []}, geometry=[], crs=CRS)


def _empty_edges() -> gpd.GeoDataFrame:
    columns: dict[str, list[Any]] = {name: [] for name in ("id", "u", "v", *KEPT_TAGS)}
    return gpd.GeoDataFrame({**columns, "length": []}, geometry=[], crs=CRS)
