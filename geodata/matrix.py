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

Points can also lie *on* an edge (:func:`geodata.edge_matrix.edge_travel_time_matrix`,
with :func:`geodata.snap.snap_points_to_edges`): the partial edge to the road's ends is added
exactly, see that function for the model.
"""


from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csr_array
from scipy.sparse.csgraph import dijkstra

from geodata.csr import (
    CsrGraph,
    edge_keys,
    graph_to_csr,
    node_positions,
    reversed_csr,
    sorted_positions,
)

BLOCK_ENTRIES = 1 << 21
"""Dijkstra works on blocks of sources x all nodes of about this many entries (some 100 MB
of work arrays), so a province graph with a cutoff runs in bounded memory."""

_NO_PREDECESSOR = -9999  # scipy.sparse.csgraph's marker


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
    sources = node_positions(csr.node_index, source_nodes, "source")
    targets = node_positions(csr.node_index, target_nodes, "target")
    limit = np.inf if cutoff_s is None else float(cutoff_s)
    source_idx, target_idx, time_s, length_m = position_pairs(
        csr, sources, targets, limit, workers, direction
    )
    matrix_order = np.lexsort((target_idx, source_idx))
    return TravelMatrix(
        source_idx=frozen_int32(source_idx[matrix_order]),
        target_idx=frozen_int32(target_idx[matrix_order]),
        time_s=frozen_int32(np.rint(time_s[matrix_order])),
        distance_m=frozen_int32(np.rint(length_m[matrix_order])),
        n_sources=len(sources),
        n_targets=len(targets),
        cutoff_s=None if cutoff_s is None else float(cutoff_s),
    )


PositionPairs = tuple[
    NDArray[np.int64], NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]
]
"""(source position, target position, time s, length m) arrays of reachable pairs."""


def position_pairs(
    csr: CsrGraph,
    sources: NDArray[np.int64],
    targets: NDArray[np.int64],
    limit: float,
    workers: int | None,
    direction: str,
) -> PositionPairs:
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
) -> PositionPairs:
    """Reachable pairs as (origin position, other position, time s, length m), searching
    from each distinct origin; repeated origins get a copy of their pairs."""
    unique_origins, origin_group = np.unique(origins, return_inverse=True)
    row, col, time_s, length_m = _unique_source_pairs(
        csr, unique_origins, others, limit, workers
    )
    origin_idx, expanded = _expand_duplicate_sources(row, origin_group.ravel())
    return origin_idx, col[expanded], time_s[expanded], length_m[expanded]



def _unique_source_pairs(
    csr: CsrGraph,
    sources: NDArray[np.int64],
    targets: NDArray[np.int64],
    limit: float,
    workers: int = 1,
) -> PositionPairs:
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
    keys = edge_keys(csr.length_m)
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
) -> list[PositionPairs]:
    """:func:`_block_pairs` of every job in a pool of forked processes, in job order."""
    _SHARED.update(csr=csr, keys=keys, targets=targets, limit=limit)
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=min(workers, len(jobs)), mp_context=context) as pool:
            return list(pool.map(_shared_block_pairs, jobs, chunksize=1))
    finally:
        _SHARED.clear()


def _shared_block_pairs(job: tuple[NDArray[np.int64], int]) -> PositionPairs:
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
    ancestor = sorted_positions(reached, reached - head + tail)
    active = np.flatnonzero(ancestor >= 0)
    while len(active):
        above = ancestor[active]
        length[active] += length[above]
        ancestor[active] = ancestor[above]
        active = active[ancestor[active] >= 0]

    def lookup(flat: NDArray[np.int64]) -> NDArray[np.float64]:
        position = sorted_positions(reached, flat)
        padded = np.append(length, 0.0)  # position -1 (a source itself) reads the 0 at the end
        return padded[position]

    return lookup



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


def frozen_int32(values: NDArray[Any]) -> NDArray[np.int32]:
    """``values`` (whole numbers) as a read-only int32 array; never silently wrapped."""
    if len(values) and values.max() > _INT32_MAX:
        raise OverflowError(f"{values.max():.0f} does not fit the int32 matrix")
    array = np.ascontiguousarray(values, dtype=np.int32)
    array.flags.writeable = False
    return array
