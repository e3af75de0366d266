"""Many-to-many truck travel times on a road graph: exact, sparse, in integer seconds.

osmnx has no matrix (its ``shortest_path`` is pairwise), so the graph is exported once to
a CSR matrix (:func:`graph_to_csr`) and scipy's multi-source Dijkstra runs on it, a block
of sources at a time with an optional cutoff. A pair slower than the cutoff, or not
reachable at all, is simply absent from the result: memory grows with the pairs kept,
not with sources x targets.

The distance of a pair is the length (m) of its *fastest* path, not the shortest one:
the lengths of the edges of Dijkstra's predecessor tree are summed from the source (by
pointer doubling, in numpy, over the nodes reached only).

Scale: Dijkstra runs once per distinct node of the *smaller* side (villages x sites runs
from the sites on the reversed graph), blocks of sources go to forked worker processes
that inherit the CSR arrays, and the result is the same for any number of workers.
scipy's ``dijkstra`` was not relied on to run threads in parallel: in a quick test two
threads gave no reliable speed-up over one, so processes are used. Measured on a
SYNTHETIC 300,348-node network (``benchmarks/matrix.py``): 17,718 x 1,403 with a 3 h
cutoff in about 13 s on 2 cores.

Points can also lie *on* an edge (:func:`edge_travel_time_matrix`, with
:func:`geodata.snap.snap_points_to_edges`): the partial edge to the road's ends is added
exactly, see that function for the model.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

import networkx as nx
import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.sparse import csr_array
from scipy.sparse.csgraph import dijkstra

from geodata.errors import RoadDataError

if TYPE_CHECKING:
    from geodata.snap import EdgeSnapResult

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

    def sparse_time_s(self) -> csr_array:
        """(n_sources, n_targets) CSR array of travel times (s); absent pairs are not
        stored, a stored 0 is a zero-time pair (memory grows with the pairs kept)."""
        return self._sparse(self.time_s)

    def sparse_distance_m(self) -> csr_array:
        """(n_sources, n_targets) CSR array of fastest-path lengths (m), as
        :meth:`sparse_time_s`."""
        return self._sparse(self.distance_m)

    def _sparse(self, values: NDArray[np.int32]) -> csr_array:
        shape = (self.n_sources, self.n_targets)
        indptr = np.concatenate(
            [[0], np.cumsum(np.bincount(self.source_idx, minlength=self.n_sources))]
        )
        return csr_array((values, self.target_idx, indptr), shape=shape)

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
    workers: int | None = None,
    direction: str = "auto",
) -> TravelMatrix:
    """Fastest travel times (and their path lengths) from each source to each target.

    Exact Dijkstra on the graph's CSR export, once per distinct node of the smaller side:
    from the sources on the graph, or (``direction="auto"`` when there are fewer distinct
    targets, e.g. villages x candidate sites) from the targets on the *reversed* graph,
    whose distance from a target to a source is the forward time from the source to the
    target. Nodes are run in blocks of :data:`BLOCK_ENTRIES` entries; blocks go to
    ``workers`` forked processes that share the CSR arrays copy-on-write, and come back in
    block order, so the result is the same whatever the number of workers.

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
    workers
        Processes to use; ``None`` for ``os.cpu_count()``. ``1``, a single block of work,
        or a call from a thread other than the main one runs in this process.
    direction
        ``"forward"`` (search from the sources), ``"reverse"`` (from the targets on the
        reversed graph) or ``"auto"`` (the side with fewer distinct nodes). Times are the
        same either way (up to float summation order, far below the 1 s rounding); where
        two paths tie on time, the distance reported is that of one of them.

    Returns
    -------
    TravelMatrix

    Raises
    ------
    RoadDataError
        A source or target is not a node of the graph (the ids are in ``item``).
    ValueError
        ``cutoff_s`` is negative or NaN, ``workers`` < 1, or ``direction`` unknown.
    """
    if cutoff_s is not None and not cutoff_s >= 0:
        raise ValueError(f"cutoff_s must be >= 0 or None, got {cutoff_s}")
    if workers is not None and workers < 1:
        raise ValueError(f"workers must be >= 1 or None, got {workers}")
    if direction not in ("auto", "forward", "reverse"):
        raise ValueError(f"direction must be auto, forward or reverse, got {direction!r}")
    csr = graph if isinstance(graph, CsrGraph) else graph_to_csr(graph)
    sources = _node_positions(csr.node_index, source_nodes, "source")
    targets = _node_positions(csr.node_index, target_nodes, "target")
    limit = np.inf if cutoff_s is None else float(cutoff_s)
    source_idx, target_idx, time_s, length_m = _position_pairs(
        csr, sources, targets, limit, workers, direction
    )
    matrix_order = np.lexsort((target_idx, source_idx))
    return TravelMatrix(
        source_idx=_frozen(source_idx[matrix_order]),
        target_idx=_frozen(target_idx[matrix_order]),
        time_s=_frozen(np.rint(time_s[matrix_order])),
        distance_m=_frozen(np.rint(length_m[matrix_order])),
        n_sources=len(sources),
        n_targets=len(targets),
        cutoff_s=None if cutoff_s is None else float(cutoff_s),
    )


_Pairs = tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]


def _position_pairs(
    csr: CsrGraph,
    sources: NDArray[np.int64],
    targets: NDArray[np.int64],
    limit: float,
    workers: int | None,
    direction: str,
) -> _Pairs:
    """Reachable (source position, target position, time s, length m) of CSR node
    positions, searched from the side ``direction`` picks (unsorted, unrounded)."""
    reverse = direction == "reverse" or (
        direction == "auto" and len(np.unique(targets)) < len(np.unique(sources))
    )
    n_workers = (os.cpu_count() or 1) if workers is None else workers
    if reverse:
        backward = _searched_pairs(reversed_csr(csr), targets, sources, limit, n_workers)
        target_idx, source_idx, time_s, length_m = backward
        return source_idx, target_idx, time_s, length_m
    return _searched_pairs(csr, sources, targets, limit, n_workers)


def _searched_pairs(
    csr: CsrGraph,
    origins: NDArray[np.int64],
    others: NDArray[np.int64],
    limit: float,
    workers: int,
) -> _Pairs:
    """Reachable pairs as (origin position, other position, time s, length m), searching
    from each distinct origin; repeated origins get a copy of their pairs."""
    unique_origins, origin_group = np.unique(origins, return_inverse=True)
    row, col, time_s, length_m = _unique_source_pairs(
        csr, unique_origins, others, limit, workers
    )
    origin_idx, expanded = _expand_duplicate_sources(row, origin_group.ravel())
    return origin_idx, col[expanded], time_s[expanded], length_m[expanded]


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
    csr: CsrGraph,
    sources: NDArray[np.int64],
    targets: NDArray[np.int64],
    limit: float,
    workers: int = 1,
) -> _Pairs:
    """Reachable pairs as (row in ``sources``, target position, time s, length m).

    Blocks of sources run in ``workers`` forked processes when there is more than one
    block and this is the main thread (:func:`_may_fork`); the pairs are concatenated in
    block order either way.
    """
    n = csr.time_s.shape[0]
    block = max(1, BLOCK_ENTRIES // max(n, len(targets), 1))
    starts = list(range(0, len(sources), block))
    if not starts:
        empty_i, empty_f = np.empty(0, np.int64), np.empty(0, float)
        return empty_i, empty_i, empty_f, empty_f
    keys = _edge_keys(csr.length_m)
    jobs = [(sources[start : start + block], start) for start in starts]
    if workers <= 1 or len(jobs) == 1 or not _may_fork():
        parts = [_block_pairs(csr, keys, chunk, targets, limit, start) for chunk, start in jobs]
    else:
        parts = _parallel_blocks(csr, keys, jobs, targets, limit, workers)
    return tuple(np.concatenate(arrays) for arrays in zip(*parts, strict=True))  # type: ignore[return-value]


def _may_fork() -> bool:
    """Fork workers only from the main thread: forking from a web server's job thread
    could copy a lock held by another thread; such calls run in-process instead."""
    return threading.current_thread() is threading.main_thread()


_SHARED: dict[str, Any] = {}
"""The CSR export and edge keys of the running :func:`_parallel_blocks` call, set before
the pool forks so that the workers inherit them without pickling (copy-on-write)."""


def _parallel_blocks(
    csr: CsrGraph,
    keys: NDArray[np.int64],
    jobs: list[tuple[NDArray[np.int64], int]],
    targets: NDArray[np.int64],
    limit: float,
    workers: int,
) -> list[_Pairs]:
    """:func:`_block_pairs` of every job in a pool of forked processes, in job order."""
    _SHARED.update(csr=csr, keys=keys, targets=targets, limit=limit)
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=min(workers, len(jobs)), mp_context=context) as pool:
            return list(pool.map(_shared_block_pairs, jobs, chunksize=1))
    finally:
        _SHARED.clear()


def _shared_block_pairs(job: tuple[NDArray[np.int64], int]) -> _Pairs:
    """:func:`_block_pairs` of one job on the inherited :data:`_SHARED` arrays."""
    chunk, start = job
    return _block_pairs(
        _SHARED["csr"], _SHARED["keys"], chunk, _SHARED["targets"], _SHARED["limit"], start
    )


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


# ---------------------------------------------------------------------------------------
# Points snapped onto edges
# ---------------------------------------------------------------------------------------


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
    keys = _edge_keys(csr.time_s)
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
        source_idx=_frozen(best["i"].to_numpy()),
        target_idx=_frozen(best["j"].to_numpy()),
        time_s=_frozen(np.rint(best["time_s"].to_numpy())),
        distance_m=_frozen(np.rint(best["length_m"].to_numpy())),
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
    position = _positions(keys, tail * n + head)
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
    a = _node_positions(csr.node_index, snap.u[point], "snapped")
    b = _node_positions(csr.node_index, snap.v[point], "snapped")
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
    si, ti, time_s, length_m = _position_pairs(csr, out_nodes, in_nodes, limit, workers, "auto")
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
    a = _node_positions(csr.node_index, snap.u[point], "snapped")
    b = _node_positions(csr.node_index, snap.v[point], "snapped")
    f = np.asarray(snap.fraction, dtype=float)[point]
    return pd.DataFrame({"point": point, "low": np.minimum(a, b), "high": np.maximum(a, b),
                         "at": np.where(a <= b, f, 1 - f)})
