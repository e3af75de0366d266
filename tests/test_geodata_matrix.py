"""Travel-time matrices on the Helsinki graph checked against networkx's Dijkstra."""

from __future__ import annotations

import random

import networkx as nx
import numpy as np
import pyrosm
import pytest

from geodata.csr import CsrGraph, graph_to_csr
from geodata.errors import RoadDataError
from geodata.matrix import TravelMatrix, travel_time_matrix
from geodata.roads import road_graph_from_osm


@pytest.fixture(scope="module")
def helsinki() -> nx.MultiDiGraph:
    return road_graph_from_osm(pyrosm.get_data("helsinki_pbf"))


def fastest(graph: nx.MultiDiGraph, a: object, b: object) -> tuple[float, float]:
    """(time s, length m of that path) by networkx, parallel edges taken at their fastest."""
    time_s, path = nx.single_source_dijkstra(graph, a, b, weight="travel_time")
    length_m = sum(
        min(graph[u][v].values(), key=lambda d: (d["travel_time"], d["length"]))["length"]
        for u, v in zip(path, path[1:], strict=False)
    )
    return time_s, length_m


def test_matrix_equals_networkx_dijkstra(helsinki: nx.MultiDiGraph) -> None:
    nodes = list(helsinki.nodes)
    rng = random.Random(7)
    sources, targets = rng.sample(nodes, 40), rng.sample(nodes, 40)
    matrix = travel_time_matrix(helsinki, sources, targets)
    time_s, distance_m = matrix.dense_time_s(), matrix.dense_distance_m()
    assert (time_s >= 0).all()  # strongly connected: every pair present
    assert len(matrix.time_s) == 40 * 40
    for i, j in [(rng.randrange(40), rng.randrange(40)) for _ in range(150)]:
        expected_s, expected_m = fastest(helsinki, sources[i], targets[j])
        assert time_s[i, j] == round(expected_s)
        assert abs(distance_m[i, j] - expected_m) <= 0.5 + 1e-6


def test_distance_is_along_the_fastest_not_the_shortest_path() -> None:
    graph = nx.MultiDiGraph()
    graph.add_nodes_from([(n, {"x": 0.0, "y": 0.0}) for n in "abc"])
    graph.add_edge("a", "c", length=1000.0, travel_time=100.0)  # short and slow
    graph.add_edge("a", "b", length=800.0, travel_time=30.0)
    graph.add_edge("b", "c", length=700.0, travel_time=30.0)
    graph.add_edge("a", "c", length=5000.0, travel_time=200.0)  # parallel, slower
    matrix = travel_time_matrix(graph, ["a"], ["c"])
    assert matrix.time_s.tolist() == [60] and matrix.distance_m.tolist() == [1500]


def test_cutoff_is_honoured(helsinki: nx.MultiDiGraph) -> None:
    nodes = list(helsinki.nodes)[:60]
    cut = travel_time_matrix(helsinki, nodes, nodes, cutoff_s=60)
    assert cut.cutoff_s == 60.0
    expected = set()
    for i, node in enumerate(nodes):
        reach = nx.single_source_dijkstra_path_length(helsinki, node, 60, weight="travel_time")
        expected |= {(i, j) for j, other in enumerate(nodes) if other in reach}
    got = set(zip(cut.source_idx.tolist(), cut.target_idx.tolist(), strict=True))
    assert got == expected
    assert 60 < len(got) < 60 * 60
    full = travel_time_matrix(helsinki, nodes, nodes).dense_time_s()
    dense = cut.dense_time_s()
    assert (dense[dense >= 0] == full[dense >= 0]).all()


def test_blocks_of_sources_give_the_same_matrix(
    helsinki: nx.MultiDiGraph, monkeypatch: pytest.MonkeyPatch
) -> None:
    nodes = list(helsinki.nodes)
    sources = nodes[:30] + nodes[5:12]  # repeats across blocks
    whole = travel_time_matrix(helsinki, sources, nodes[::3], cutoff_s=90)
    monkeypatch.setattr("geodata.matrix.BLOCK_ENTRIES", 3 * len(nodes))  # 3 sources a block
    blocked = travel_time_matrix(helsinki, sources, nodes[::3], cutoff_s=90)
    for name in ("source_idx", "target_idx", "time_s", "distance_m"):
        assert (getattr(whole, name) == getattr(blocked, name)).all()
    assert len(whole.time_s) > 100


def test_cutoff_zero_keeps_only_zero_time_pairs(helsinki: nx.MultiDiGraph) -> None:
    nodes = list(helsinki.nodes)[:10]
    matrix = travel_time_matrix(helsinki, nodes, nodes, cutoff_s=0)
    assert matrix.source_idx.tolist() == list(range(10))
    assert matrix.target_idx.tolist() == list(range(10))
    assert not matrix.time_s.any() and not matrix.distance_m.any()


def test_unreachable_pairs_are_absent() -> None:
    graph = nx.MultiDiGraph()
    graph.add_nodes_from([(n, {"x": 0.0, "y": 0.0}) for n in range(4)])
    graph.add_edge(0, 1, length=100.0, travel_time=10.0)  # one way only
    graph.add_edge(2, 3, length=50.0, travel_time=5.0)
    graph.add_edge(3, 2, length=50.0, travel_time=0.0)  # a zero-time edge counts
    matrix = travel_time_matrix(graph, [0, 1, 3], [1, 0, 2])
    assert matrix.dense_time_s().tolist() == [[10, 0, -1], [0, -1, -1], [-1, -1, 0]]
    assert matrix.dense_distance_m().tolist() == [[100, 0, -1], [0, -1, -1], [-1, -1, 50]]
    zero = travel_time_matrix(graph, [3], [2], cutoff_s=0)
    assert zero.time_s.tolist() == [0] and zero.distance_m.tolist() == [50]


def test_duplicate_sources_and_targets_are_kept(helsinki: nx.MultiDiGraph) -> None:
    a, b, c = list(helsinki.nodes)[:3]
    matrix = travel_time_matrix(helsinki, [a, b, a, a], [c, a, c])
    single = travel_time_matrix(helsinki, [a, b], [c, a])
    dense, ref = matrix.dense_time_s(), single.dense_time_s()
    assert matrix.n_sources == 4 and matrix.n_targets == 3
    for i, src in enumerate([0, 1, 0, 0]):
        assert dense[i].tolist() == [ref[src, 0], ref[src, 1], ref[src, 0]]
    order = np.lexsort((matrix.target_idx, matrix.source_idx))
    assert (order == np.arange(len(order))).all()  # sorted by source, then target


def test_prebuilt_csr_is_reused_and_matches(helsinki: nx.MultiDiGraph) -> None:
    csr = graph_to_csr(helsinki)
    csr_time, csr_length, node_index = csr
    assert isinstance(csr, CsrGraph) and csr_time.shape == (len(node_index),) * 2
    assert csr_time.nnz == csr_length.nnz <= helsinki.number_of_edges()
    nodes = list(helsinki.nodes)[:15]
    direct = travel_time_matrix(helsinki, nodes, nodes)
    reused = travel_time_matrix(csr, nodes, nodes)
    assert isinstance(reused, TravelMatrix)
    assert (direct.dense_time_s() == reused.dense_time_s()).all()
    assert (direct.dense_distance_m() == reused.dense_distance_m()).all()
    with pytest.raises(ValueError):
        reused.time_s[0] = 1  # read-only


def test_unknown_nodes_and_bad_cutoff_raise(helsinki: nx.MultiDiGraph) -> None:
    node = next(iter(helsinki.nodes))
    with pytest.raises(RoadDataError, match="'ghost'"):
        travel_time_matrix(helsinki, [node, "ghost"], [node])
    with pytest.raises(ValueError):
        travel_time_matrix(helsinki, [node], [node], cutoff_s=-1)


def test_empty_inputs_give_an_empty_matrix(helsinki: nx.MultiDiGraph) -> None:
    matrix = travel_time_matrix(helsinki, [], list(helsinki.nodes)[:3])
    assert len(matrix.time_s) == 0 and matrix.dense_time_s().shape == (0, 3)


def test_workers_and_direction_do_not_change_the_matrix(
    helsinki: nx.MultiDiGraph, monkeypatch: pytest.MonkeyPatch
) -> None:
    nodes = list(helsinki.nodes)
    sources, targets = nodes[:40] + nodes[3:6], nodes[::7]
    monkeypatch.setattr("geodata.matrix.BLOCK_ENTRIES", 4 * len(nodes))  # many blocks
    runs = [
        travel_time_matrix(helsinki, sources, targets, cutoff_s=120, workers=w, direction=d)
        for w in (1, 2) for d in ("forward", "reverse", "auto")
    ]
    for other in runs[1:]:
        for name in ("source_idx", "target_idx", "time_s"):
            assert (getattr(runs[0], name) == getattr(other, name)).all(), name
        assert np.abs(runs[0].distance_m.astype(int) - other.distance_m).max() <= 1
    assert len(runs[0].time_s) > 100


def test_reverse_search_is_exact_on_one_way_streets() -> None:
    graph = nx.MultiDiGraph()
    graph.add_nodes_from([(n, {"x": 0.0, "y": 0.0}) for n in "abcd"])
    graph.add_edge("a", "b", length=100.0, travel_time=10.0)  # one way a -> b -> c
    graph.add_edge("b", "c", length=100.0, travel_time=10.0)
    graph.add_edge("c", "a", length=900.0, travel_time=90.0)
    graph.add_edge("d", "a", length=50.0, travel_time=5.0)
    reverse = travel_time_matrix(graph, ["a", "b", "c", "d"], ["c"], direction="reverse")
    assert reverse.dense_time_s().ravel().tolist() == [20, 10, 0, 25]
    assert reverse.dense_distance_m().ravel().tolist() == [200, 100, 0, 250]


def test_sparse_view_holds_only_the_reachable_pairs() -> None:
    graph = nx.MultiDiGraph()
    graph.add_nodes_from([(n, {"x": 0.0, "y": 0.0}) for n in range(3)])
    graph.add_edge(0, 1, length=10.0, travel_time=4.0)
    matrix = travel_time_matrix(graph, [0, 1, 2], [1, 2])
    sparse = matrix.sparse_time_s()
    assert sparse.shape == (3, 2) and sparse.nnz == 3  # 0->1 = 4 s, 1->1 and 2->2 = 0 s
    assert sparse.toarray().tolist() == [[4, 0], [0, 0], [0, 0]]
    assert matrix.sparse_distance_m().toarray()[0, 0] == 10


def test_bad_workers_and_direction_raise(helsinki: nx.MultiDiGraph) -> None:
    node = next(iter(helsinki.nodes))
    with pytest.raises(ValueError, match="workers"):
        travel_time_matrix(helsinki, [node], [node], workers=0)
    with pytest.raises(ValueError, match="direction"):
        travel_time_matrix(helsinki, [node], [node], direction="sideways")


def test_a_call_from_another_thread_runs_in_process(
    helsinki: nx.MultiDiGraph, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    def no_pool(*args: object, **kwargs: object) -> None:
        raise AssertionError("forked from a non-main thread")

    nodes = list(helsinki.nodes)
    monkeypatch.setattr("geodata.matrix.BLOCK_ENTRIES", 4 * len(nodes))
    monkeypatch.setattr("geodata.matrix._parallel_blocks", no_pool)
    results: list[TravelMatrix] = []
    thread = threading.Thread(
        target=lambda: results.append(travel_time_matrix(helsinki, nodes[:20], nodes[:9],
                                                         workers=2, direction="forward")))
    thread.start()
    thread.join()
    serial = travel_time_matrix(helsinki, nodes[:20], nodes[:9], workers=1)
    assert len(results) == 1 and (results[0].time_s == serial.time_s).all()
