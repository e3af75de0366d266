"""A truck road graph from road segments: speeds, one-way rules, simplification, and the
largest strongly connected component.

The steps :func:`geodata.roads.road_graph_from_osm` runs on the frames of
:mod:`geodata.osm_reader` (and, for timing and cutting, on osmnx's graphs of
:func:`geodata.roads.road_graph_from_place`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import shapely
from pyrosm.graphs import to_networkx
from shapely.geometry.base import BaseGeometry

from geodata.errors import RoadDataError
from geodata.osm_reader import NETWORK_TYPE, SPEED_TAGS
from geodata.speeds import CLASS_SPEED_KPH, SPEED_TABLE_NAME, truck_speed_kph


def checked_speeds(speeds: Mapping[str, float] | None, path: Path) -> dict[str, float]:
    """``speeds`` merged over the class table, each a positive finite km/h."""
    bad = {k: v for k, v in (speeds or {}).items() if not (math.isfinite(v) and v > 0)}
    if bad:
        raise RoadDataError(f"speed overrides must be positive km/h: {bad}", path=path)
    return {**CLASS_SPEED_KPH, **(speeds or {})}


def speed_profile_name(speeds: Mapping[str, float] | None) -> str:
    """:data:`SPEED_TABLE_NAME`, with the overrides when there are any."""
    if not speeds:
        return SPEED_TABLE_NAME
    overrides = ",".join(f"{key}={value:g}" for key, value in sorted(speeds.items()))
    return f"{SPEED_TABLE_NAME}+overrides({overrides})"


def clipped_segments(
    nodes: pd.DataFrame, edges: pd.DataFrame, polygon: BaseGeometry
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The segments with both end nodes in ``polygon`` (boundary included), and their nodes."""
    inside = nodes["id"][shapely.intersects_xy(polygon, nodes["lon"], nodes["lat"])]
    kept = edges[edges["u"].isin(inside) & edges["v"].isin(inside)]
    used = pd.concat([kept["u"], kept["v"]])
    return nodes[nodes["id"].isin(used)], kept


def with_truck_speeds(edges: pd.DataFrame, class_speed_kph: Mapping[str, float]) -> pd.DataFrame:
    """``edges`` plus ``speed_kph``, the truck speed of each segment (km/h).

    The speed is computed once per distinct combination of speed tags, not per row.
    """
    tags = edges[list(SPEED_TAGS)]
    group = tags.astype(str).groupby(list(SPEED_TAGS), sort=False, dropna=False).ngroup()
    group = group.to_numpy(dtype=np.int64)
    first_rows = tags.iloc[np.unique(group, return_index=True)[1]].to_numpy(dtype=object)
    speed_by_group = np.array([tag_speed_kph(row, class_speed_kph) for row in first_rows])
    return edges.assign(speed_kph=speed_by_group[group])


def tag_speed_kph(values: Sequence[object], class_speed_kph: Mapping[str, float]) -> float:
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


def directed_graph(nodes: pd.DataFrame, edges: pd.DataFrame, *, simplify: bool) -> nx.MultiDiGraph:
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


def largest_strong_component(graph: nx.MultiDiGraph) -> tuple[nx.MultiDiGraph, int, int]:
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
