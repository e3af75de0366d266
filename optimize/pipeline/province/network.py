"""The province-wide network of the border repair and the cross-border access times.

One approximate network over the township points of the chosen prefectures, built as the
regional pipeline builds a region's (:func:`optimize.pipeline.network.township_graph`),
with the villages' legs to their township centre (:func:`with_legs`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import networkx as nx
import numpy as np
import pandas as pd

from geodata.csr import CsrGraph, graph_to_csr
from geodata.matrix import travel_time_matrix
from optimize.pipeline.network import township_graph
from optimize.pipeline.region import Region
from optimize.pipeline.settlements import with_legs
from optimize.scenario import Scenario


@dataclass(frozen=True)
class ProvinceNetwork:
    """Approximate network over the township points of the chosen prefectures.

    ``node`` and ``leg_s``/``leg_m`` are indexed by village code: a village's graph node
    (its township) and the expected road from the village to its township centre.
    """

    graph: nx.MultiDiGraph
    csr: CsrGraph
    node: pd.Series
    leg_s: pd.Series
    leg_m: pd.Series


def province_network(scenario: Scenario, province: Region,
                     codes: Sequence[str]) -> ProvinceNetwork:
    """The approximate network of prefectures ``codes`` of the loaded ``province`` (its
    villages, township points, county seats and polygon), and the villages' legs."""
    villages = province.villages
    villages = villages[villages["village_code"].str[:4].isin(list(codes))]
    graph = township_graph(villages, province.seats, scenario.detour_factor)
    legs = with_legs(villages, dataclasses.replace(province, villages=villages), scenario)
    legs = legs.set_index("village_code")
    return ProvinceNetwork(graph, graph_to_csr(graph), legs["township_code"],
                           legs["leg_s"].astype(float), legs["leg_m"].astype(float))


def cross_times(net: ProvinceNetwork, settlements: pd.DataFrame, stores: pd.DataFrame,
                limit_s: int) -> pd.DataFrame:
    """``settlement_id, store_id, time_s``: every village x open store within ``limit_s``
    on the province network, both village legs included (none when the store is in the
    village itself)."""
    cols = ["settlement_id", "store_id", "time_s"]
    ids = settlements["settlement_id"][settlements["settlement_id"].isin(net.node.index)]
    sites = stores[stores["site_settlement_id"].isin(net.node.index)]
    if ids.empty or sites.empty:
        return pd.DataFrame(columns=cols)
    src = pd.unique(net.node.reindex(ids).to_numpy())
    dst = pd.unique(net.node.reindex(sites["site_settlement_id"]).to_numpy())
    m = travel_time_matrix(net.csr, list(src), list(dst), cutoff_s=limit_s)
    pairs = pd.DataFrame({"src": np.asarray(src, dtype=object)[m.source_idx],
                          "dst": np.asarray(dst, dtype=object)[m.target_idx],
                          "road_s": m.time_s})
    left = pd.DataFrame({"settlement_id": ids.to_numpy(),
                         "src": net.node.reindex(ids).to_numpy()})
    right = pd.DataFrame({"store_id": sites["store_id"].to_numpy(),
                          "site": sites["site_settlement_id"].to_numpy(),
                          "dst": net.node.reindex(sites["site_settlement_id"]).to_numpy()})
    out = left.merge(pairs, on="src").merge(right, on="dst")
    legs = net.leg_s.reindex(out["settlement_id"]).to_numpy() \
        + net.leg_s.reindex(out["site"]).to_numpy()
    same = out["settlement_id"].to_numpy() == out["site"].to_numpy()
    out["time_s"] = np.where(same, 0, out["road_s"].to_numpy() + legs).astype(np.int64)
    out = out[out["time_s"] <= limit_s]
    return out[cols].sort_values(cols).reset_index(drop=True)
