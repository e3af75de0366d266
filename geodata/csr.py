"""A road graph exported to CSR arrays for matrix work, and lookups into them.

:func:`graph_to_csr` walks every edge once; :mod:`geodata.matrix` and
:mod:`geodata.edge_matrix` then run on the arrays. :func:`edge_keys` and
:func:`sorted_positions` find the stored entry of an edge ``tail -> head`` by binary search.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from typing import NamedTuple

import networkx as nx
import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csr_array

from geodata.errors import RoadDataError


class CsrGraph(NamedTuple):
    """A road graph exported for matrix work; build it once, reuse it for many matrices.

    Attributes
    ----------
    time_s
        (n, n) CSR array: travel time (s) of the fastest edge ``u -> v`` (the least
        ``travel_time`` among parallel edges; explicit zeros are zero-time edges).
    length_m
        (n, n) CSR array with the same structure: the length (m) of that same edge.
    node_index
        Graph node id -> row/column index, in the graph's node order.
    """

    time_s: csr_array
    length_m: csr_array
    node_index: Mapping[Hashable, int]



def graph_to_csr(graph: nx.MultiDiGraph) -> CsrGraph:
    """Export ``graph`` (edge ``travel_time`` s, ``length`` m) to CSR arrays.

    Parallel edges collapse to the fastest (ties: the shorter), keeping its length, so
    distances stay those of the fastest path.

    Raises
    ------
    RoadDataError
        An edge lacks ``travel_time``/``length`` or has a negative or non-finite one.
    """
    node_index = {node: i for i, node in enumerate(graph.nodes)}
    u, v, time_s, length_m = _edge_arrays(graph, node_index)
    order = np.lexsort((length_m, time_s, v, u))
    u, v, time_s, length_m = u[order], v[order], time_s[order], length_m[order]
    first = np.ones(len(u), dtype=bool)
    first[1:] = (u[1:] != u[:-1]) | (v[1:] != v[:-1])
    u, v, time_s, length_m = u[first], v[first], time_s[first], length_m[first]
    n = len(node_index)
    indptr = np.concatenate([[0], np.cumsum(np.bincount(u, minlength=n))])
    shape = (n, n)
    return CsrGraph(
        time_s=csr_array((time_s, v, indptr), shape=shape),
        length_m=csr_array((length_m, v, indptr), shape=shape),
        node_index=node_index,
    )


def _edge_arrays(
    graph: nx.MultiDiGraph, node_index: Mapping[Hashable, int]
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]:
    """Index of both ends, travel time (s) and length (m) of every edge."""
    rows = [
        (node_index[a], node_index[b], data.get("travel_time"), data.get("length"))
        for a, b, data in graph.edges(data=True)
    ]
    if any(time is None or length is None for _, _, time, length in rows):
        raise RoadDataError("road graph edges lack travel_time or length")
    table = np.array(rows, dtype=float).reshape(-1, 4)
    bad = ~np.isfinite(table[:, 2:]).all(axis=1) | (table[:, 2:] < 0).any(axis=1)
    if bad.any():
        raise RoadDataError(f"{int(bad.sum())} edges with negative or non-finite time/length")
    return table[:, 0].astype(np.int64), table[:, 1].astype(np.int64), table[:, 2], table[:, 3]



def reversed_csr(csr: CsrGraph) -> CsrGraph:
    """The CSR export of the reversed graph: edge ``v -> u`` for every ``u -> v``, same
    time and length (explicit zeros kept), columns sorted within each row."""
    n = csr.time_s.shape[0]
    tail = np.repeat(np.arange(n, dtype=np.int64), np.diff(csr.time_s.indptr))
    head = csr.time_s.indices.astype(np.int64)
    order = np.lexsort((tail, head))
    indptr = np.concatenate([[0], np.cumsum(np.bincount(head, minlength=n))])
    return CsrGraph(
        time_s=csr_array((csr.time_s.data[order], tail[order], indptr), shape=(n, n)),
        length_m=csr_array((csr.length_m.data[order], tail[order], indptr), shape=(n, n)),
        node_index=csr.node_index,
    )



def node_positions(
    node_index: Mapping[Hashable, int], nodes: Iterable[Hashable], role: str
) -> NDArray[np.int64]:
    """CSR positions of ``nodes``; :class:`RoadDataError` naming any unknown id."""
    nodes = list(nodes)
    missing = [node for node in nodes if node not in node_index]
    if missing:
        raise RoadDataError(f"{role} nodes not in the road graph", item=missing[:10])
    return np.array([node_index[node] for node in nodes], dtype=np.int64)



def sorted_positions(
    sorted_values: NDArray[np.int64], values: NDArray[np.int64]
) -> NDArray[np.int64]:
    """Index of each of ``values`` in ``sorted_values``, -1 where absent."""
    if len(sorted_values) == 0:
        return np.full(len(values), -1, dtype=np.int64)
    position = np.searchsorted(sorted_values, values)
    clipped = np.minimum(position, len(sorted_values) - 1)
    found = (position < len(sorted_values)) & (sorted_values[clipped] == values)
    return np.where(found, position, -1).astype(np.int64)



def edge_keys(matrix: csr_array) -> NDArray[np.int64]:
    """``row * n + column`` of every stored entry, ascending (CSR rows and columns are
    sorted), to find the entry of an edge ``tail -> head`` by binary search."""
    n = matrix.shape[0]
    entry_row = np.repeat(np.arange(n, dtype=np.int64), np.diff(matrix.indptr))
    return entry_row * n + matrix.indices.astype(np.int64)

