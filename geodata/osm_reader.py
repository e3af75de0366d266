"""Drivable road segments of an OSM extract, as two frames the graph is built from.

:func:`reader_for` picks the reader of a file by its extension; every reader returns
``(nodes, segments)``: nodes ``id``, ``lon``, ``lat`` (EPSG:4326) with point geometry, and
one segment per consecutive node pair of a drivable way: ``id`` (the way), ``u``, ``v``,
the tags of :data:`KEPT_TAGS` (``None`` where absent), ``length`` (great-circle metres)
and a two-point LineString.
"""

from __future__ import annotations

import bz2
import gzip
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from itertools import groupby, pairwise
from pathlib import Path
from typing import IO, Any, cast

import geopandas as gpd
import numpy as np
import pandas as pd
import pyrosm
import shapely
from pyrosm.config.osm_filters import get_osm_filter
from pyrosm.exceptions import PBFException
from shapely.geometry.base import BaseGeometry

from geodata.errors import RoadDataError
from geodata.geometry import CRS, great_circle_m

NETWORK_TYPE = "driving"
"""pyrosm's network filter (osmnx's 'drive'): public drivable roads; ``service`` and
``track`` ways and ways closed to motor vehicles are left out, for PBF and XML alike."""

SPEED_TAGS = ("highway", "maxspeed", "maxspeed:hgv", "surface", "tracktype", "highway:CN")
"""OSM tags the truck speed is computed from (:func:`geodata.speeds.truck_speed_kph`)."""

DIRECTION_TAGS = ("oneway", "junction")
"""OSM tags the direction of travel is read from (one-way ways, roundabouts)."""

KEPT_TAGS = (*SPEED_TAGS, *DIRECTION_TAGS, "name", "ref")
"""Every way tag a segment keeps."""

_XML_SUFFIXES = (".osm", ".osm.bz2", ".osm.gz")

RoadReader = Callable[[Path, BaseGeometry | None], tuple[pd.DataFrame, pd.DataFrame]]


def reader_for(path: Path) -> RoadReader:
    """The reader of ``path`` by its extension; :class:`RoadDataError` for any other."""
    name = path.name.lower()
    if name.endswith(".osm.pbf") or name.endswith(".pbf"):
        return _read_pbf
    if name.endswith(_XML_SUFFIXES):
        return _read_osm_xml
    raise RoadDataError(
        "unknown road file type; expected .osm.pbf, .osm, .osm.bz2 or .osm.gz", path=path
    )


def _read_pbf(path: Path, clip_polygon: BaseGeometry | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Drivable road segments of a PBF as pyrosm frames (one row per node pair, ``length``
    in metres); the bounding box only narrows the read, the graph builder clips."""
    try:
        osm = pyrosm.OSM(str(path), bounding_box=clip_polygon, progress=False)
        nodes, edges = osm.get_network(
            nodes=True, network_type=NETWORK_TYPE, tags_to_keep=list(KEPT_TAGS)
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
    for tag in KEPT_TAGS:
        frame[tag] = edges[tag].astype(object) if tag in edges.columns else None
    frame["length"] = edges["length"].to_numpy(dtype=float)
    return gpd.GeoDataFrame(frame, geometry=edges.geometry.values, crs=CRS)


def _empty_nodes() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"id": [], "lon": [], "lat": []}, geometry=[], crs=CRS)


def _empty_edges() -> gpd.GeoDataFrame:
    columns: dict[str, list[Any]] = {name: [] for name in ("id", "u", "v", *KEPT_TAGS)}
    return gpd.GeoDataFrame({**columns, "length": []}, geometry=[], crs=CRS)


# --- OSM XML ------------------------------------------------------------------------------

_DRIVING_FILTER = get_osm_filter(NETWORK_TYPE)


def _read_osm_xml(
    path: Path, clip_polygon: BaseGeometry | None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Drivable road segments of an OSM XML file, in the same frames as :func:`_read_pbf`.

    Ways are kept by pyrosm's own driving filter, so XML and PBF select the same roads.
    Segments with a node missing from the file (a clipped extract) are dropped. The
    whole file is read; ``clip_polygon`` is applied afterwards by the graph builder.
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
    for tag in KEPT_TAGS:
        frame[tag] = pd.Series([row[3].get(tag) for row in rows], dtype=object)
    frame["length"] = great_circle_m(start[:, 0], start[:, 1], end[:, 0], end[:, 1])
    lines = shapely.linestrings(np.stack([start, end], axis=1))
    return nodes, gpd.GeoDataFrame(frame, geometry=lines, crs=CRS)
