"""The CSR export of a road graph and its lookups, on graphs small enough to check by hand."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from geodata.csr import (
    edge_keys,
    graph_to_csr,
    node_positions,
    reversed_csr,
    sorted_positions,
)
from geodata.errors import RoadDataError


def triangle() -> nx.MultiDiGraph:
    """a -> b twice (the 10 s edge wins over the 20 s one), b -> c, c -> a."""
    graph = nx.MultiDiGraph()
    graph.add_nodes_from("abc")
    graph.add_edge("a", "b", travel_time=20.0, length=100.0)
    graph.add_edge("a", "b", travel_time=10.0, length=300.0)
    graph.add_edge("b", "c", travel_time=5.0, length=50.0)
    graph.add_edge("c", "a", travel_time=0.0, length=0.0)
    return graph


def test_parallel_edges_collapse_to_the_fastest_with_its_length() -> None:
    csr = graph_to_csr(triangle())
    assert dict(csr.node_index) == {"a": 0, "b": 1, "c": 2}
    assert csr.time_s.toarray().tolist() == [[0, 10, 0], [0, 0, 5], [0, 0, 0]]
    assert csr.length_m.toarray().tolist() == [[0, 300, 0], [0, 0, 50], [0, 0, 0]]
    assert csr.time_s.nnz == 3  # the zero-time edge c -> a is stored explicitly


def test_reversed_csr_swaps_every_edge() -> None:
    csr = graph_to_csr(triangle())
    back = reversed_csr(csr)
    assert (back.time_s.toarray() == csr.time_s.toarray().T).all()
    assert (back.length_m.toarray() == csr.length_m.toarray().T).all()
    assert back.time_s.nnz == 3


def test_lookups_find_edges_and_nodes() -> None:
    csr = graph_to_csr(triangle())
    keys = edge_keys(csr.time_s)
    assert keys.tolist() == [0 * 3 + 1, 1 * 3 + 2, 2 * 3 + 0]
    assert sorted_positions(keys, np.array([5, 1, 4])).tolist() == [1, 0, -1]
    assert sorted_positions(np.empty(0, np.int64), np.array([1])).tolist() == [-1]
    assert node_positions(csr.node_index, ["c", "a"], "source").tolist() == [2, 0]
    with pytest.raises(RoadDataError, match="source nodes not in the road graph"):
        node_positions(csr.node_index, ["z"], "source")


def test_edges_without_time_or_with_negative_length_raise() -> None:
    graph = triangle()
    graph.add_edge("c", "b", length=1.0)
    with pytest.raises(RoadDataError, match="lack travel_time"):
        graph_to_csr(graph)
    bad = triangle()
    bad.add_edge("c", "b", travel_time=1.0, length=-1.0)
    with pytest.raises(RoadDataError, match="negative or non-finite"):
        graph_to_csr(bad)
