"""Travel times between points snapped onto road edges, on a three-node line by hand."""

from __future__ import annotations

import networkx as nx
import numpy as np

from geodata.edge_matrix import edge_travel_time_matrix
from geodata.snap import snap_points_to_edges


def line_graph() -> nx.MultiDiGraph:
    """a - b two ways (100 s, 1000 m, 0.01 degrees of longitude); b -> c one way (50 s)."""
    graph = nx.MultiDiGraph()
    for name, lon in (("a", 100.00), ("b", 100.01), ("c", 100.02)):
        graph.add_node(name, x=lon, y=0.0)
    graph.add_edge("a", "b", length=1000.0, travel_time=100.0)
    graph.add_edge("b", "a", length=1000.0, travel_time=100.0)
    graph.add_edge("b", "c", length=500.0, travel_time=50.0)
    return graph


def test_edge_snapped_points_are_timed_along_their_roads() -> None:
    graph = line_graph()
    # P at 30 % of a-b, Q at 80 % of a-b, R at 40 % of b -> c (one way)
    points = snap_points_to_edges(graph, [100.003, 100.008, 100.014], [0.001, -0.001, 0.0])
    assert np.allclose(points.lon, [100.003, 100.008, 100.014]) and np.allclose(points.lat, 0)
    matrix = edge_travel_time_matrix(graph, points, points)
    time_s = matrix.dense_time_s()
    assert time_s[0].tolist() == [0, 50, 90]  # P->Q along a->b; P->R via b (70) + 20
    assert time_s[1].tolist() == [50, 0, 40]  # Q->P back along b->a
    assert time_s[2].tolist() == [-1, -1, 0]  # R cannot leave towards a: c is a dead end
    assert matrix.dense_distance_m()[0].tolist() == [0, 500, 900]
    cut = edge_travel_time_matrix(graph, points, points, cutoff_s=50)
    assert set(zip(cut.source_idx.tolist(), cut.target_idx.tolist(), strict=True)) == {
        (0, 0), (0, 1), (1, 0), (1, 1), (1, 2), (2, 2)}


def test_edge_matrix_leaves_off_network_points_out() -> None:
    graph = line_graph()
    points = snap_points_to_edges(graph, [100.003, 100.005], [0.0, 0.5], max_snap_m=1000)
    assert points.off_network.tolist() == [False, True]
    matrix = edge_travel_time_matrix(graph, points, points)
    assert matrix.dense_time_s().tolist() == [[0, -1], [-1, -1]]
