"""The approximate road network over hand-placed points, checked by hand."""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import pandas as pd
import pytest
from shapely.geometry import Point

from geodata.approximate import approximate_graph
from geodata.errors import RoadDataError
from geodata.speeds import DEFAULT_DETOUR_FACTOR
from tests.test_geodata_roads import haversine_m

# --- approximate network ---------------------------------------------------------------------
#
#            N (county seat)
#   W      C (county seat)      E        C = (104.0, 36.0); N/S +-0.1 deg latitude,
#            S                           E/W +-0.1 deg longitude; townships W, E, S.
#
# Delaunay: the 4 spokes C-N, C-E, C-S, C-W and the 4 rim edges N-E, E-S, S-W, W-N;
# N-S and E-W pass through C and are not edges.


def diamond_points() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "node_id": ["C", "N", "E", "S", "W"],
            "kind": ["county_seat", "county_seat", "township", "township", "township"],
        },
        geometry=[
            Point(104.0, 36.0),
            Point(104.0, 36.1),
            Point(104.1, 36.0),
            Point(104.0, 35.9),
            Point(103.9, 36.0),
        ],
        crs="EPSG:4326",
    )


def test_approximate_graph_links_and_lengths_by_hand() -> None:
    graph = approximate_graph(diamond_points(), detour_factor=1.3, k_neighbours=0)
    pairs = {frozenset((u, v)) for u, v in graph.edges()}
    spokes = {frozenset(("C", x)) for x in "NESW"}
    rim = {frozenset(p) for p in (("N", "E"), ("E", "S"), ("S", "W"), ("W", "N"))}
    assert pairs == spokes | rim
    assert graph.number_of_edges() == 16  # both directions
    # 0.1 deg of latitude = 11119.5 m; x 1.3 = 14455.3 m
    assert graph["C"]["N"][0]["length"] == pytest.approx(11119.5 * 1.3, rel=1e-5)
    # 0.1 deg of longitude at 36 deg N = 11119.5 * cos(36) = 8995.9 m; x 1.3 = 11694.7 m
    assert graph["C"]["E"][0]["length"] == pytest.approx(11694.7, rel=1e-4)
    for u, v, data in graph.edges(data=True):
        x = graph.nodes
        expected = haversine_m(x[u]["x"], x[u]["y"], x[v]["x"], x[v]["y"]) * 1.3
        assert data["length"] == pytest.approx(expected, rel=1e-9)
        assert data["travel_time"] == pytest.approx(data["length"] / (data["speed_kph"] / 3.6))
    assert graph["C"]["N"][0]["highway"] == "secondary" and graph["C"]["N"][0]["speed_kph"] == 60
    assert graph["C"]["E"][0]["highway"] == "tertiary" and graph["C"]["E"][0]["speed_kph"] == 40


def test_approximate_graph_is_flagged_with_its_assumptions() -> None:
    graph = approximate_graph(diamond_points(), detour_factor=1.3)
    assert graph.graph["approximate"] is True and graph.graph["source"] == "approximate"
    assert graph.graph["detour_factor"] == 1.3 and graph.graph["crs"] == "EPSG:4326"
    assert any("detour factor 1.3" in text for text in graph.graph["assumptions"])
    assert nx.is_strongly_connected(graph)
    # with k = 6 every pair of these 5 points is linked
    assert graph.number_of_edges() == 5 * 4


def test_approximate_graph_keeps_duplicates_with_zero_length_links() -> None:
    points = diamond_points()
    extra = gpd.GeoDataFrame(
        {"node_id": ["C2", "N"], "kind": ["village", "county_seat"]},
        geometry=[Point(104.0, 36.0), Point(104.0, 36.1)],  # C2 sits on C; N repeated
        crs="EPSG:4326",
    )
    graph = approximate_graph(pd_concat(points, extra), k_neighbours=0)
    assert graph.number_of_nodes() == 6
    assert graph.number_of_edges() == 16 + 2
    assert graph["C"]["C2"][0]["length"] == 0.0 and graph["C2"]["C"][0]["travel_time"] == 0.0
    assert nx.is_strongly_connected(graph)


def pd_concat(*frames: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs="EPSG:4326")


def test_approximate_graph_small_and_collinear_inputs() -> None:
    one = diamond_points().iloc[:1]
    assert approximate_graph(one).number_of_edges() == 0
    two = diamond_points().iloc[:2]
    assert set(approximate_graph(two).edges()) == {("C", "N"), ("N", "C")}
    line = diamond_points().iloc[[1, 0, 3]]  # N, C, S on one meridian
    graph = approximate_graph(line, k_neighbours=0)
    assert {frozenset(e) for e in graph.edges()} == {frozenset("CN"), frozenset("CS")}


def test_approximate_graph_rejects_conflicting_ids_and_bad_input() -> None:
    clash = pd_concat(
        diamond_points(),
        gpd.GeoDataFrame(
            {"node_id": ["N"], "kind": ["township"]}, geometry=[Point(105, 37)], crs="EPSG:4326"
        ),
    )
    with pytest.raises(RoadDataError, match="'N'"):
        approximate_graph(clash)
    with pytest.raises(RoadDataError, match="kind"):
        approximate_graph(diamond_points().drop(columns="kind"))
    with pytest.raises(ValueError, match="detour_factor"):
        approximate_graph(diamond_points(), detour_factor=0.9)


def test_long_links_are_kept_only_where_needed() -> None:
    far = gpd.GeoDataFrame(
        {"node_id": ["F"], "kind": ["township"]}, geometry=[Point(107.0, 36.0)], crs="EPSG:4326"
    )  # about 270 km east of E
    points = pd_concat(diamond_points(), far)
    graph = approximate_graph(points, k_neighbours=0)
    assert set(graph.successors("F")) == {"E"}  # only the spanning-tree link
    assert graph.graph["max_link_m"] == 100_000.0
    assert any("links over 100 km only where needed" in t for t in graph.graph["assumptions"])
    unlimited = approximate_graph(points, k_neighbours=0, max_link_m=None)
    assert {"E", "N", "S"} <= set(unlimited.successors("F"))


def test_default_detour_factor_is_the_programme_constant() -> None:
    graph = approximate_graph(diamond_points())
    assert DEFAULT_DETOUR_FACTOR == 1.3 and graph.graph["detour_factor"] == DEFAULT_DETOUR_FACTOR
