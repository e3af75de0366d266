"""SYNTHETIC province-size road networks, written as real ``.osm.pbf`` files.

No OSM extract of Gansu can be downloaded in this environment (PLANNING-MODEL.md, "Road
data in this environment"), yet loading and matrix speed must be measured at province
size. :func:`write_synthetic_roads` generates a road network of a chosen number of nodes
over Gansu's bounding box and writes it with osmium, so it goes through exactly the same
reader (:func:`geodata.roads.road_graph_from_osm`) as a real extract.

It is **not** a map of Gansu: it exists only to measure. Every way carries
``name="SYNTHETIC ..."`` and ``note=`` :data:`SYNTHETIC_NOTE`, the file header carries the
same note in its ``generator`` field, and node ids start at :data:`FIRST_NODE_ID`.

Shape
-----
A jittered grid of ``rows x cols`` nodes (aspect ratio of the bounding box in km, about
2.3 km spacing at 300,000 nodes). Every grid row is a two-way road; every column whose
index is a multiple of 4 is a two-way road; other columns keep each segment with
probability :data:`VILLAGE_LINK_SHARE` (10 % of those one-way), like village tracks.
The class of a line follows its index: multiples of 64 ``motorway`` (tagged
``oneway=no``: one way per carriageway is not modelled), 32 ``trunk``, 16 ``primary``,
8 ``secondary``, 4 ``tertiary``, otherwise ``unclassified``; so a hierarchy of
expressways about 150 km apart down to village roads. Some secondary roads carry a
``maxspeed`` tag (40 km/h) so that the tag path is measured too. Every row and every
multiple-of-4 column are complete two-way lines, so the network is strongly connected.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import osmium
from numpy.typing import NDArray

GANSU_BBOX = (92.3, 32.6, 108.7, 42.8)
"""Gansu's bounding box (west, south, east, north), degrees EPSG:4326."""

SYNTHETIC_NOTE = "SYNTHETIC road network for benchmarking only; not real roads (coldchain)"
"""Written on every way and in the file header."""

FIRST_NODE_ID = 1
VILLAGE_LINK_SHARE = 0.3
"""Share of grid segments kept on the columns that are not a classified road."""

_KM_PER_DEG_LAT = 111.2
_CLASS_BY_STRIDE = ((64, "motorway"), (32, "trunk"), (16, "primary"), (8, "secondary"),
                    (4, "tertiary"))
_WAY_MAX_NODES = 200  # split long lines into ways of at most this many nodes


@dataclass(frozen=True)
class SyntheticSummary:
    """What :func:`write_synthetic_roads` wrote.

    Attributes
    ----------
    path
        The ``.osm.pbf`` file.
    nodes, ways
        Numbers of OSM nodes and ways written.
    rows, cols
        Grid shape (``rows * cols == nodes``).
    seed
        The generator seed.
    """

    path: Path
    nodes: int
    ways: int
    rows: int
    cols: int
    seed: int


def grid_shape(n_nodes: int, bbox: tuple[float, float, float, float] = GANSU_BBOX
               ) -> tuple[int, int]:
    """Rows and columns of a grid of about ``n_nodes`` with the bbox's km aspect ratio."""
    if n_nodes < 4:
        raise ValueError(f"a synthetic network needs at least 4 nodes, got {n_nodes}")
    west, south, east, north = bbox
    mid_lat = math.radians((south + north) / 2)
    width_km = (east - west) * _KM_PER_DEG_LAT * math.cos(mid_lat)
    height_km = (north - south) * _KM_PER_DEG_LAT
    cols = max(2, round(math.sqrt(n_nodes * width_km / height_km)))
    rows = max(2, math.ceil(n_nodes / cols))
    return rows, cols


def line_class(index: int) -> str:
    """OSM ``highway`` class of grid line ``index`` (see the module docstring)."""
    for stride, road_class in _CLASS_BY_STRIDE:
        if index % stride == 0:
            return road_class
    return "unclassified"


def write_synthetic_roads(
    path: str | Path,
    n_nodes: int,
    *,
    seed: int = 0,
    bbox: tuple[float, float, float, float] = GANSU_BBOX,
    buildings: int = 0,
) -> SyntheticSummary:
    """Write a SYNTHETIC road network of about ``n_nodes`` nodes as ``.osm.pbf``.

    Deterministic: the same ``n_nodes``, ``seed`` and ``bbox`` give the same roads.

    Parameters
    ----------
    path
        Output file; overwritten if it exists. Must end in ``.osm.pbf`` or ``.pbf``.
    n_nodes
        Target number of nodes (rounded up to a whole grid, >= 4).
    seed
        Seed of the jitter and of the village-road choice.
    bbox
        (west, south, east, north) in degrees; Gansu by default.
    buildings
        Number of SYNTHETIC square buildings (4 nodes and a closed ``building=yes`` way
        each, about 10 m across, scattered at random) added as non-road filler, so that a
        file has the size and the mix of a real extract (a real one is mostly buildings and
        other non-road data the reader must skip).

    Returns
    -------
    SyntheticSummary
    """
    path = Path(path)
    if not path.name.endswith(".pbf"):
        raise ValueError(f"the synthetic network is written as .osm.pbf, got {path.name}")
    rows, cols = grid_shape(n_nodes, bbox)
    rng = np.random.default_rng(seed)
    lon, lat = _jittered_grid(rows, cols, bbox, rng)
    ids = np.arange(FIRST_NODE_ID, FIRST_NODE_ID + rows * cols, dtype=np.int64).reshape(rows, cols)
    corners = _building_corners(buildings, np.random.default_rng([seed, 1]), bbox)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    n_ways = 0
    with osmium.SimpleWriter(str(path), header=_header(bbox)) as writer:
        for node_id, x, y in zip(ids.ravel().tolist(), lon.ravel().tolist(),
                                 lat.ravel().tolist(), strict=True):
            writer.add_node(osmium.osm.mutable.Node(id=node_id, location=(x, y), version=1))
        first_building_node = int(ids.max()) + 1
        _write_buildings(writer, corners, first_building_node, None)  # nodes before ways
        way_id = 1
        for node_refs, tags in _ways(ids, rng):
            writer.add_way(osmium.osm.mutable.Way(id=way_id, nodes=node_refs, tags=tags,
                                                  version=1))
            way_id += 1
            n_ways += 1
        _write_buildings(writer, corners, first_building_node, way_id)
        n_ways += buildings
    return SyntheticSummary(path=path, nodes=rows * cols, ways=n_ways, rows=rows, cols=cols,
                            seed=seed)


def _header(bbox: tuple[float, float, float, float]) -> osmium.io.Header:
    """File header naming the file SYNTHETIC."""
    header = osmium.io.Header()
    header.set("generator", f"geodata.synth: {SYNTHETIC_NOTE}")  # the one free text PBF keeps
    header.add_box(osmium.osm.Box(osmium.osm.Location(bbox[0], bbox[1]),
                                  osmium.osm.Location(bbox[2], bbox[3])))
    return header


def _building_corners(count: int, rng: np.random.Generator,
                      bbox: tuple[float, float, float, float]) -> NDArray[np.float64]:
    """Lon/lat (count, 4, 2) of the corners of ``count`` squares of 1e-4 degrees."""
    west, south, east, north = bbox
    corner = np.column_stack([rng.uniform(west, east, count), rng.uniform(south, north, count)])
    offsets = np.array([(0.0, 0.0), (1e-4, 0.0), (1e-4, 1e-4), (0.0, 1e-4)])
    return np.round(corner[:, None, :] + offsets[None, :, :], 7)


def _write_buildings(writer: osmium.SimpleWriter, corners: NDArray[np.float64],
                     first_node: int, first_way: int | None) -> None:
    """Write the buildings' nodes (``first_way`` is None) or their closed ways."""
    tags = {"building": "yes", "note": SYNTHETIC_NOTE}
    for i, square in enumerate(corners.tolist()):
        refs = [first_node + 4 * i + k for k in range(4)]
        if first_way is None:
            for ref, (x, y) in zip(refs, square, strict=True):
                writer.add_node(osmium.osm.mutable.Node(id=ref, location=(x, y), version=1))
        else:
            writer.add_way(osmium.osm.mutable.Way(id=first_way + i, nodes=[*refs, refs[0]],
                                                  tags=tags, version=1))


def _jittered_grid(rows: int, cols: int, bbox: tuple[float, float, float, float],
                   rng: np.random.Generator) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Node lon/lat (rows, cols): a regular grid moved by up to 0.3 cell each way."""
    west, south, east, north = bbox
    dx, dy = (east - west) / cols, (north - south) / rows
    col, row = np.meshgrid(np.arange(cols), np.arange(rows))
    lon = west + (col + 0.5 + rng.uniform(-0.3, 0.3, (rows, cols))) * dx
    lat = south + (row + 0.5 + rng.uniform(-0.3, 0.3, (rows, cols))) * dy
    return np.round(lon, 7), np.round(lat, 7)


def _ways(ids: NDArray[np.int64], rng: np.random.Generator
          ) -> Iterator[tuple[list[int], dict[str, str]]]:
    """(node refs, tags) of every way: full rows, classified columns, village links."""
    rows, cols = ids.shape
    for r in range(rows):
        yield from _line_ways(ids[r, :].tolist(), line_class(r), f"row {r}")
    for c in range(cols):
        column = ids[:, c].tolist()
        if c % 4 == 0:
            yield from _line_ways(column, line_class(c), f"col {c}")
            continue
        keep = rng.random(rows - 1) < VILLAGE_LINK_SHARE
        oneway = rng.random(rows - 1) < 0.1
        for r in np.flatnonzero(keep).tolist():
            tags = _tags("unclassified", f"col {c} link {r}")
            if oneway[r]:
                tags["oneway"] = "yes"
            yield [column[r], column[r + 1]], tags


def _line_ways(refs: list[int], road_class: str, label: str
               ) -> Iterator[tuple[list[int], dict[str, str]]]:
    """One grid line as ways of at most :data:`_WAY_MAX_NODES` nodes, sharing end nodes."""
    step = _WAY_MAX_NODES - 1
    for start in range(0, len(refs) - 1, step):
        yield refs[start : start + _WAY_MAX_NODES], _tags(road_class, f"{label} part {start}")


def _tags(road_class: str, label: str) -> dict[str, str]:
    """Tags of a synthetic way: class, SYNTHETIC name and note, explicit direction."""
    tags = {"highway": road_class, "name": f"SYNTHETIC {road_class} {label}",
            "note": SYNTHETIC_NOTE}
    if road_class == "motorway":
        tags["oneway"] = "no"
    if road_class == "secondary" and label.endswith("part 0"):
        tags["maxspeed"] = "40"
    return tags
