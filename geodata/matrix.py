"""Many-to-many truck travel times on a road graph: exact, sparse, in integer seconds.

osmnx has no matrix (its ``shortest_path`` is pairwise), so the graph is exported once to
a CSR matrix (:func:`graph_to_csr`) and scipy's multi-source Dijkstra runs on it, a block
of sources at a time with an optional cutoff. A pair slower than the cutoff, or not
reachable at all, is simply absent from the result: memory grows with the pairs kept,
not with sources x targets.

The distance of a pair is the length (m) of its *fastest* path, not the shortest one:
the lengths of the edges of Dijkstra's predecessor tree are summed from the source (by
pointer doubling, in numpy, over the nodes reached only).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import networkx as nx
import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csr_array
from scipy.sparse.csgraph import dijkstra

from geodata.errors import RoadDataError

BLOCK_ENTRIES = 1 << 21
"""Dijkstra works on blocks of sources x all nodes of about this many entries (some 100 MB
of work arrays), so a province graph with a cutoff runs in bounded memory."""

_NO_PREDECESSOR = -9999  # scipy.sparse.csgraph's marker


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


@dataclass(frozen=True, eq=False)
class TravelMatrix:
    """Travel times and distances of the reachable (source, target) pairs, in long form.

    Pairs not reachable, or slower than ``cutoff_s``, are absent. Entries are sorted by
    source then target index; the arrays are read-only.

    Attributes
    ----------
    source_idx, target_idx
        int32 positions in the ``source_nodes`` / ``target_nodes`` given.
    time_s
        int32 travel time (s, rounded to the nearest second).
    distance_m
        int32 length (m, rounded) of the fastest path.
    n_sources, n_targets
        Numbers of sources and targets given (duplicates counted).
    cutoff_s
        The cutoff used (s), or ``None``.
    """

    source_idx: NDArray[np.int32]
    target_idx: NDArray[np.int32]
    time_s: NDArray[np.int32]
    distance_m: NDArray[np.int32]
    n_sources: int
    n_targets: int
    cutoff_s: float | None

    def dense_time_s(self, fill: int = -1) -> NDArray[np.int64]:
        """(n_sources, n_targets) travel times (s), ``fill`` where a pair is absent."""
        return self._dense(self.time_s, fill)

    def dense_distance_m(self, fill: int = -1) -> NDArray[np.int64]:
        """(n_sources, n_targets) fastest-path lengths (m), ``fill`` where a pair is absent."""
        return self._dense(self.distance_m, fill)

    def _dense(self, values: NDArray[np.int32], fill: int) -> NDArray[np.int64]:
        dense = np.full((self.n_sources, self.n_targets), fill, dtype=np.int64)
        dense[self.source_idx, self.target_idx] = values
        return dense


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


def travel_time_matrix(
    graph: nx.MultiDiGraph | CsrGraph,
    source_nodes: Sequence[Hashable],
    target_nodes: Sequence[Hashable],
    *,
    cutoff_s: float | None = None,
) -> TravelMatrix:
    """Fastest travel times (and their path lengths) from each source to each target.

    Exact multi-source Dijkstra on the graph's CSR export; sources are run once per
    distinct node, in blocks of :data:`BLOCK_ENTRIES`.

    Parameters
    ----------
    graph
        A road graph, or its :func:`graph_to_csr` export (pass that when computing several
        matrices on one graph: the export walks every edge in Python).
    source_nodes, target_nodes
        Graph node ids; repeats are allowed and kept (each position gets its entries).
    cutoff_s
        Longest travel time kept (s), inclusive; ``None`` for no limit. ``0`` keeps only
        zero-time pairs (a node to itself, or across zero-time edges).

    Returns
    -------
    TravelMatrix

    Raises
    ------
    RoadDataError
        A source or target is not a node of the graph (the ids are in ``item``).
    ValueError
        ``cutoff_s`` is negative or NaN.
    """
    if cutoff_s is not None and not cutoff_s >= 0:
        raise ValueError(f"cutoff_s must be >= 0 or None, got {cutoff_s}")
    csr = graph if isinstance(graph, CsrGraph) else graph_to_csr(graph)
    sources = _node_positions(csr.node_index, source_nodes, "source")
    targets = _node_positions(csr.node_index, target_nodes, "target")
    unique_sources, source_group = np.unique(sources, return_inverse=True)
    limit = np.inf if cutoff_s is None else float(cutoff_s)
    row, col, time_s, length_m = _unique_source_pairs(csr, unique_sources, targets, limit)
    source_idx, expanded = _expand_duplicate_sources(row, source_group.ravel())
    matrix_order = np.lexsort((col[expanded], source_idx))
    return TravelMatrix(
        source_idx=_frozen(source_idx[matrix_order]),
        target_idx=_frozen(col[expanded][matrix_order]),
        time_s=_frozen(np.rint(time_s[expanded][matrix_order])),
        distance_m=_frozen(np.rint(length_m[expanded][matrix_order])),
        n_sources=len(sources),
        n_targets=len(targets),
        cutoff_s=None if cutoff_s is None else float(cutoff_s),
    )


def _node_positions(
    node_index: Mapping[Hashable, int], nodes: Iterable[Hashable], role: str
) -> NDArray[np.int64]:
    """CSR positions of ``nodes``; :class:`RoadDataError` naming any unknown id."""
    nodes = list(nodes)
    missing = [node for node in nodes if node not in node_index]
    if missing:
        raise RoadDataError(f"{role} nodes not in the road graph", item=missing[:10])
    return np.array([node_index[node] for node in nodes], dtype=np.int64)


def _unique_source_pairs(
    csr: CsrGraph, sources: NDArray[np.int64], targets: NDArray[np.int64], limit: float
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]:
    """Reachable pairs as (row in ``sources``, target position, time s, length m)."""
    n = csr.time_s.shape[0]
    block = max(1, BLOCK_ENTRIES // max(n, len(targets), 1))
    keys = _edge_keys(csr.length_m)
    parts = [
        _block_pairs(csr, keys, sources[start : start + block], targets, limit, start)
        for start in range(0, len(sources), block)
    ]
    if not parts:
        empty_i, empty_f = np.empty(0, np.int64), np.empty(0, float)
        return empty_i, empty_i, empty_f, empty_f
    return tuple(np.concatenate(arrays) for arrays in zip(*parts, strict=True))  # type: ignore[return-value]


def _block_pairs(
    csr: CsrGraph,
    keys: NDArray[np.int64],
    sources: NDArray[np.int64],
    targets: NDArray[np.int64],
    limit: float,
    first: int,
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]:
    """:func:`_unique_source_pairs` of one block of sources starting at row ``first``."""
    time_s, predecessor = dijkstra(
        csr.time_s, directed=True, indices=sources, limit=limit, return_predecessors=True
    )
    at_targets = time_s[:, targets]
    row, col = np.nonzero(np.isfinite(at_targets))
    n = time_s.shape[1]
    length_m = _tree_lengths_m(csr.length_m.data, keys, predecessor.ravel(), n)
    wanted = row * n + targets[col]
    return row + first, col, at_targets[row, col], length_m(wanted)


def _tree_lengths_m(
    edge_length_m: NDArray[np.float64],
    keys: NDArray[np.int64],
    predecessor: NDArray[np.int32],
    n: int,
) -> Callable[[NDArray[np.int64]], NDArray[np.float64]]:
    """Path lengths (m) in the predecessor trees of a block of sources.

    ``predecessor`` is the flattened (sources, n) array of Dijkstra. Only the nodes a
    source reached take part (few under a cutoff). Pointer doubling: ``length[k]`` holds
    the length from ``ancestor[k]`` to node ``k``; each round adds the ancestor's own and
    jumps to the ancestor's ancestor, so a path of d edges is summed in log2(d) + 1
    vectorised rounds. Returns a lookup: flat (row * n + node) indices -> lengths; a source
    itself (no predecessor) has length 0.
    """
    reached = np.flatnonzero(predecessor != _NO_PREDECESSOR)
    tail = predecessor[reached].astype(np.int64)
    head = reached % n
    length = edge_length_m[np.searchsorted(keys, tail * n + head)].astype(float)
    ancestor = _positions(reached, reached - head + tail)
    active = np.flatnonzero(ancestor >= 0)
    while len(active):
        above = ancestor[active]
        length[active] += length[above]
        ancestor[active] = ancestor[above]
        active = active[ancestor[active] >= 0]

    def lookup(flat: NDArray[np.int64]) -> NDArray[np.float64]:
        position = _positions(reached, flat)
        padded = np.append(length, 0.0)  # position -1 (a source itself) reads the 0 at the end
        return padded[position]

    return lookup


def _positions(sorted_values: NDArray[np.int64], values: NDArray[np.int64]) -> NDArray[np.int64]:
    """Index of each of ``values`` in ``sorted_values``, -1 where absent."""
    if len(sorted_values) == 0:
        return np.full(len(values), -1, dtype=np.int64)
    position = np.searchsorted(sorted_values, values)
    clipped = np.minimum(position, len(sorted_values) - 1)
    found = (position < len(sorted_values)) & (sorted_values[clipped] == values)
    return np.where(found, position, -1).astype(np.int64)


def _edge_keys(matrix: csr_array) -> NDArray[np.int64]:
    """``row * n + column`` of every stored entry, ascending (CSR rows and columns are
    sorted), to find the entry of an edge ``tail -> head`` by binary search."""
    n = matrix.shape[0]
    entry_row = np.repeat(np.arange(n, dtype=np.int64), np.diff(matrix.indptr))
    return entry_row * n + matrix.indices.astype(np.int64)


def _expand_duplicate_sources(
    row: NDArray[np.int64], source_group: NDArray[np.int64]
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Each pair of a distinct source repeated for every position holding that source.

    Returns the source positions and, per output entry, the index of its pair in ``row``.
    """
    holders = np.argsort(source_group, kind="stable")
    count = np.bincount(source_group, minlength=int(row.max(initial=-1)) + 1)
    start = np.concatenate([[0], np.cumsum(count)[:-1]])
    repeats = count[row]
    expanded = np.repeat(np.arange(len(row)), repeats)
    offset = np.arange(len(expanded)) - np.repeat(np.cumsum(repeats) - repeats, repeats)
    return holders[start[row[expanded]] + offset], expanded


_INT32_MAX = np.iinfo(np.int32).max


def _frozen(values: NDArray[Any]) -> NDArray[np.int32]:
    """``values`` (whole numbers) as a read-only int32 array; never silently wrapped."""
    if len(values) and values.max() > _INT32_MAX:
        raise OverflowError(f"{values.max():.0f} does not fit the int32 matrix")
    array = np.ascontiguousarray(values, dtype=np.int32)
    array.flags.writeable = False
    return array
