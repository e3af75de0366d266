"""The road network of a plan: graph, snapping, access arcs and leg-inclusive matrices.

The graph is an OSM extract clipped to the region, or the approximate network over the
township points (:func:`township_graph`, also the province-wide network of the border
repair). Travel times between villages always include both villages' legs to their
township centre (``leg_s`` / ``leg_m``, see :func:`optimize.pipeline.settlements.with_legs`),
and none between a village and itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

from geodata.csr import CsrGraph, graph_to_csr
from geodata.matrix import travel_time_matrix
from geodata.roads import approximate_graph, road_graph_from_osm
from geodata.snap import snap_points
from optimize.pipeline.region import Region
from optimize.scenario import Scenario


# -- road graph -------------------------------------------------------------------------
def road_graph(scenario: Scenario, region: Region,
               osm_path: str | Path | None) -> nx.MultiDiGraph:
    """The region's road graph: the OSM extract clipped to it, else the approximate one."""
    if osm_path is not None:
        # Unsimplified: every OSM vertex stays a node, so villages snap to the road itself
        # rather than to the nearest junction, which on rural roads can be kilometres off.
        return road_graph_from_osm(osm_path, clip_polygon=region.polygon, simplify=False)
    return township_graph(region.villages, region.seats, scenario.detour_factor)


def township_graph(villages: gpd.GeoDataFrame, seats: gpd.GeoDataFrame,
                   detour_factor: float) -> nx.MultiDiGraph:
    """The approximate network over the township points of ``villages`` (county seats
    marked as such): straight lines x ``detour_factor`` at class speeds."""
    towns = villages.drop_duplicates("township_code")
    seat_keys = {(round(p.x, 6), round(p.y, 6)) for p in seats.geometry}
    points = gpd.GeoDataFrame({
        "node_id": towns["township_code"].to_numpy(),
        "kind": ["county_seat" if (round(p.x, 6), round(p.y, 6)) in seat_keys else "township"
                 for p in towns.geometry],
    }, geometry=list(towns.geometry), crs=4326)
    return approximate_graph(points, detour_factor=detour_factor)


# -- snapping and access arcs -----------------------------------------------------------
@dataclass(frozen=True)
class Network:
    """Settlements and sites on the graph, and the sparse access arcs between them."""

    settlements: gpd.GeoDataFrame
    csr: CsrGraph  # the road graph exported once, reused by every matrix of the plan
    settle_node: np.ndarray
    settle_snap_m: np.ndarray
    off_network: np.ndarray
    site_node: np.ndarray
    arcs: pd.DataFrame  # demand, site, time_s, distance_m


def network_frames(graph: nx.MultiDiGraph, settlements: gpd.GeoDataFrame,
                   sites: gpd.GeoDataFrame, scenario: Scenario) -> Network:
    """Snap settlements and sites to ``graph``; access arcs within the access limit."""
    s_snap = snap_points(graph, settlements.geometry.x.to_numpy(),
                         settlements.geometry.y.to_numpy(), max_snap_m=scenario.max_snap_m)
    c_snap = snap_points(graph, sites.geometry.x.to_numpy(), sites.geometry.y.to_numpy(),
                         max_snap_m=scenario.max_snap_m)
    csr = graph_to_csr(graph)
    src = pd.unique(s_snap.node[~s_snap.off_network])
    dst = pd.unique(c_snap.node[~c_snap.off_network])
    arcs = pd.DataFrame(columns=["demand", "site", "time_s", "distance_m"], dtype="int64")
    if len(src) and len(dst):
        m = travel_time_matrix(csr, list(src), list(dst), cutoff_s=scenario.access_limit_s)
        pairs = pd.DataFrame({"src": np.asarray(src, dtype=object)[m.source_idx],
                              "dst": np.asarray(dst, dtype=object)[m.target_idx],
                              "time_s": m.time_s, "distance_m": m.distance_m})
        demand = pd.DataFrame({"demand": np.flatnonzero(~s_snap.off_network),
                               "src": s_snap.node[~s_snap.off_network]})
        site = pd.DataFrame({"site": np.flatnonzero(~c_snap.off_network),
                             "dst": c_snap.node[~c_snap.off_network]})
        arcs = demand.merge(pairs, on="src").merge(site, on="dst")
        arcs = add_legs(arcs, settlements, sites)
        arcs = arcs[arcs["time_s"] <= scenario.access_limit_s]
        arcs = arcs[["demand", "site", "time_s", "distance_m"]].sort_values(["demand", "site"])
    return Network(settlements, csr, s_snap.node, s_snap.snap_m, s_snap.off_network, c_snap.node,
                   arcs.reset_index(drop=True))


def add_legs(arcs: pd.DataFrame, settlements: gpd.GeoDataFrame,
             sites: gpd.GeoDataFrame) -> pd.DataFrame:
    """Village -> township centre -> ... -> site village: both legs, none if same village."""
    row_of = pd.Series(np.arange(len(settlements)), index=settlements["village_code"])
    site_row = row_of.reindex(sites["village_code"]).to_numpy()[arcs["site"].to_numpy()]
    same = site_row == arcs["demand"].to_numpy()
    for col, leg in (("time_s", "leg_s"), ("distance_m", "leg_m")):
        legs = settlements[leg].to_numpy()
        extra = legs[arcs["demand"].to_numpy()] + legs[site_row]
        arcs[col] = np.where(same, 0, arcs[col].to_numpy() + extra).astype(np.int64)
    return arcs


# -- stop matrices ----------------------------------------------------------------------
def leg_matrices(csr: CsrGraph, keys: Sequence[Any], nodes: Sequence[Any],
                 leg_s: np.ndarray, leg_m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Time (s) and distance (m) between every pair of stops, village legs included.

    Stop ``i`` is settlement ``keys[i]`` at graph node ``nodes[i]`` with legs ``leg_s[i]``
    and ``leg_m[i]``; two stops of the same settlement are 0 apart.
    """
    uniq = list(pd.unique(np.asarray(nodes, dtype=object)))
    m = travel_time_matrix(csr, uniq, uniq)
    pos = [uniq.index(v) for v in nodes]
    ids = np.asarray(keys, dtype=object)
    same = ids[:, None] == ids[None, :]
    out = []
    for dense, legs in ((m.dense_time_s(), leg_s), (m.dense_distance_m(), leg_m)):
        full = dense[np.ix_(pos, pos)] + legs[:, None] + legs[None, :]
        out.append(np.where(same, 0, full).astype(np.int64))
    return out[0], out[1]


def site_places(net: Network, site_ids: pd.Series
                ) -> tuple[list[Any], np.ndarray, np.ndarray]:
    """Where each site village of ``site_ids`` (village codes) joins the network: its node,
    and its leg time (s) and length (m); ``ValueError`` naming up to five ids ``net`` lacks."""
    settle = net.settlements
    row = pd.Series(np.arange(len(settle)), index=settle["village_code"].astype(str))
    sites = site_ids.astype(str)
    rows = row.reindex(sites)
    if rows.isna().any():
        missing = list(sites[rows.isna().to_numpy()])[:5]
        raise ValueError(f"store sites not among the province's villages: {missing}")
    at = rows.to_numpy(dtype=int)
    return (list(np.asarray(net.settle_node, dtype=object)[at]),
            settle["leg_s"].to_numpy(dtype=float)[at], settle["leg_m"].to_numpy(dtype=float)[at])
