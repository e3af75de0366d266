"""Travel times between points that lie on road edges, not at nodes.

:func:`edge_travel_time_matrix` adds the partial edges from each point to its road's ends
(points from :func:`geodata.snap.snap_points_to_edges`) to the node-to-node times of
:mod:`geodata.matrix`; its docstring states the model.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import networkx as nx
import numpy as np
import pandas as pd
from numpy.typing import NDArray

from geodata.csr import CsrGraph, edge_keys, graph_to_csr, node_positions, sorted_positions
from geodata.matrix import TravelMatrix, frozen_int32, position_pairs

if TYPE_CHECKING:
    from geodata.snap import EdgeSnapResult


def edge_travel_time_matrix(
    graph: nx.MultiDiGraph | CsrGraph,
    sources: EdgeSnapResult,
    targets: EdgeSnapResult,
    *,
    cutoff_s: float | None = None,
    workers: int | None = None,
) -> TravelMatrix:
    """Fastest travel times between points snapped onto road edges
    (:func:`geodata.snap.snap_points_to_edges`).

    The model, exact within it: a point at ``fraction`` f along edge ``a -> b`` lies on
    the road between ``a`` and ``b``; a truck covers any part of that road at the edge's
    speed, so a share ``s`` of the edge costs ``s`` times the time and length of the
    fastest ``a -> b`` edge, and it may drive only where the graph has an edge (``a -> b``;
    back towards ``a`` only if ``b -> a`` exists). A trip leaves a source by one of its
    road's ends (``b`` at ``(1 - f)`` of ``a -> b``, or ``a`` at ``f`` of ``b -> a``),
    follows the fastest node-to-node path (:func:`travel_time_matrix`, same cutoff), and
    enters the target's road from one of its ends the same way; the fastest combination is
    kept, or the direct drive along the road when both points lie on the same one.
    Off-network points (``off_network``) get no entries. The walk from a point to its
    road (``snap_m``) is not part of the time.

    Parameters
    ----------
    graph
        Road graph or its :func:`graph_to_csr` export.
    sources, targets
        Edge snaps of the source and target points.
    cutoff_s
        Longest travel time kept (s), inclusive; ``None`` for no limit.
    workers
        Processes for the node-to-node matrix (:func:`travel_time_matrix`).

    Returns
    -------
    TravelMatrix
        Indexed by point position in ``sources`` / ``targets``.
    """
    if cutoff_s is not None and not cutoff_s >= 0:
        raise ValueError(f"cutoff_s must be >= 0 or None, got {cutoff_s}")
    csr = graph if isinstance(graph, CsrGraph) else graph_to_csr(graph)
    limit = np.inf if cutoff_s is None else float(cutoff_s)
    keys = edge_keys(csr.time_s)
    exits = _road_ends(csr, keys, sources, leaving=True)
    entries = _road_ends(csr, keys, targets, leaving=False)
    candidates = [
        _via_nodes(csr, exits, entries, limit, workers),
        _along_one_road(csr, keys, sources, targets),
    ]
    best = pd.concat(candidates, ignore_index=True)
    best = best[best["time_s"] <= limit].sort_values(["i", "j", "time_s", "length_m"])
    best = best.drop_duplicates(["i", "j"], keep="first")
    return TravelMatrix(
        source_idx=frozen_int32(best["i"].to_numpy()),
        target_idx=frozen_int32(best["j"].to_numpy()),
        time_s=frozen_int32(np.rint(best["time_s"].to_numpy())),
        distance_m=frozen_int32(np.rint(best["length_m"].to_numpy())),
        n_sources=len(sources.u),
        n_targets=len(targets.u),
        cutoff_s=None if cutoff_s is None else float(cutoff_s),
    )


def _edge_share(
    csr: CsrGraph, keys: NDArray[np.int64], tail: NDArray[np.int64], head: NDArray[np.int64],
    share: NDArray[np.float64],
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Time (s) and length (m) of ``share`` of the fastest edge ``tail -> head``; NaN
    where the graph has no such edge."""
    n = csr.time_s.shape[0]
    position = sorted_positions(keys, tail * n + head)
    found = position >= 0
    time_s = np.where(found, csr.time_s.data[position] * share, np.nan)
    length_m = np.where(found, csr.length_m.data[position] * share, np.nan)
    return time_s, length_m


def _road_ends(
    csr: CsrGraph, keys: NDArray[np.int64], snap: EdgeSnapResult, *, leaving: bool
) -> pd.DataFrame:
    """Per on-network point, the road ends it can leave by (``leaving``) or be reached
    from, with the partial time (s) and length (m): columns point, node, time_s, length_m."""
    point = np.flatnonzero(~np.asarray(snap.off_network))
    a = node_positions(csr.node_index, snap.u[point], "snapped")
    b = node_positions(csr.node_index, snap.v[point], "snapped")
    f = np.asarray(snap.fraction, dtype=float)[point]
    if leaving:  # to b along a -> b, or to a along b -> a
        options = [(b, *_edge_share(csr, keys, a, b, 1 - f)), (a, *_edge_share(csr, keys, b, a, f))]
    else:  # from a along a -> b, or from b along b -> a
        options = [(a, *_edge_share(csr, keys, a, b, f)), (b, *_edge_share(csr, keys, b, a, 1 - f))]
    frame = pd.concat(
        [pd.DataFrame({"point": point, "node": node, "time_s": t, "length_m": m})
         for node, t, m in options],
        ignore_index=True,
    )
    return frame.dropna()


def _via_nodes(
    csr: CsrGraph, exits: pd.DataFrame, entries: pd.DataFrame, limit: float, workers: int | None
) -> pd.DataFrame:
    """Trips exit -> fastest node path -> entry, columns i, j, time_s, length_m."""
    out_nodes = np.unique(exits["node"].to_numpy())
    in_nodes = np.unique(entries["node"].to_numpy())
    si, ti, time_s, length_m = position_pairs(csr, out_nodes, in_nodes, limit, workers, "auto")
    pairs = pd.DataFrame({"node": out_nodes[si], "to": in_nodes[ti], "t": time_s, "m": length_m})
    trips = exits.merge(pairs, on="node").merge(
        entries.rename(columns={"node": "to", "point": "j", "time_s": "t_in", "length_m": "m_in"}),
        on="to",
    )
    return pd.DataFrame({
        "i": trips["point"].to_numpy(), "j": trips["j"].to_numpy(),
        "time_s": (trips["time_s"] + trips["t"] + trips["t_in"]).to_numpy(),
        "length_m": (trips["length_m"] + trips["m"] + trips["m_in"]).to_numpy(),
    })


def _along_one_road(
    csr: CsrGraph, keys: NDArray[np.int64], sources: EdgeSnapResult, targets: EdgeSnapResult
) -> pd.DataFrame:
    """Direct drives between points on the same road (either direction of one edge pair),
    columns i, j, time_s, length_m."""
    src, dst = _road_positions(csr, sources), _road_positions(csr, targets)
    both = src.merge(dst, on=["low", "high"], suffixes=("_i", "_j"))
    low, high = both["low"].to_numpy(), both["high"].to_numpy()
    ahead = (both["at_j"] - both["at_i"]).to_numpy()
    up_s, up_m = _edge_share(csr, keys, low, high, np.abs(ahead))
    down_s, down_m = _edge_share(csr, keys, high, low, np.abs(ahead))
    forward = ahead >= 0
    frame = pd.DataFrame({
        "i": both["point_i"].to_numpy(), "j": both["point_j"].to_numpy(),
        "time_s": np.where(forward, up_s, down_s), "length_m": np.where(forward, up_m, down_m),
    })
    return frame.dropna()


def _road_positions(csr: CsrGraph, snap: EdgeSnapResult) -> pd.DataFrame:
    """On-network points by road: lower and higher end position, and the point's place
    along the road measured from the lower end (0..1)."""
    point = np.flatnonzero(~np.asarray(snap.off_network))
    a = node_positions(csr.node_index, snap.u[point], "snapped")
    b = node_positions(csr.node_index, snap.v[point], "snapped")
    f = np.asarray(snap.fraction, dtype=float)[point]
    return pd.DataFrame({"point": point, "low": np.minimum(a, b), "high": np.maximum(a, b),
                         "at": np.where(a <= b, f, 1 - f)})
