"""The SYNTHETIC province-size road network: a real PBF, deterministic, labelled."""

from __future__ import annotations

import collections
from pathlib import Path

import networkx as nx
import osmium
import pytest

from geodata.roads import road_graph_from_osm
from geodata.synth import GANSU_BBOX, SYNTHETIC_NOTE, grid_shape, write_synthetic_roads


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("synth") / "SYNTHETIC-2000.osm.pbf"
    summary = write_synthetic_roads(path, 2000, seed=5)
    assert summary.nodes == summary.rows * summary.cols >= 2000
    return path


def test_same_seed_same_file_other_seed_other_roads(small: Path, tmp_path: Path) -> None:
    again = write_synthetic_roads(tmp_path / "again.osm.pbf", 2000, seed=5).path
    other = write_synthetic_roads(tmp_path / "other.osm.pbf", 2000, seed=6).path
    assert again.read_bytes() == small.read_bytes()
    assert other.read_bytes() != small.read_bytes()


def test_every_way_and_the_header_say_synthetic(small: Path) -> None:
    reader = osmium.io.Reader(str(small))
    header = reader.header()
    reader.close()
    assert header.get("generator") == f"geodata.synth: {SYNTHETIC_NOTE}"
    names = [(w.tags.get("name"), w.tags.get("note")) for w in osmium.FileProcessor(str(small))
             if w.is_way()]
    assert names and all(n.startswith("SYNTHETIC ") and note == SYNTHETIC_NOTE for n, note in names)


def test_loads_as_a_road_hierarchy_inside_gansu(small: Path) -> None:
    graph = road_graph_from_osm(small, simplify=False)
    assert graph.number_of_nodes() == 2000 and graph.graph["dropped_nodes"] == 0
    assert nx.is_strongly_connected(graph)
    classes = collections.Counter(d["highway"] for _, _, d in graph.edges(data=True))
    assert set(classes) == {"motorway", "trunk", "primary", "secondary", "tertiary",
                            "unclassified"}
    assert classes["unclassified"] > classes["tertiary"] > classes["motorway"]
    west, south, east, north = GANSU_BBOX
    assert all(west <= x <= east and south <= y <= north
               for _, x, y in ((n, d["x"], d["y"]) for n, d in graph.nodes(data=True)))
    speeds = {d["highway"]: d["speed_kph"] for _, _, d in graph.edges(data=True)}
    assert speeds["motorway"] == 85.0 and speeds["unclassified"] == 30.0


def test_one_way_village_links_are_one_way(small: Path) -> None:
    one_way = [(w.nodes[0].ref, w.nodes[1].ref) for w in osmium.FileProcessor(str(small))
               if w.is_way() and w.tags.get("oneway") == "yes"]
    graph = road_graph_from_osm(small, simplify=False)
    assert one_way
    for a, b in one_way:
        assert graph.has_edge(a, b) and not graph.has_edge(b, a)


def test_grid_shape_and_bad_arguments(tmp_path: Path) -> None:
    rows, cols = grid_shape(300_000)
    assert rows * cols >= 300_000 and 1.1 < cols / rows < 1.5  # Gansu's bbox is wider
    with pytest.raises(ValueError, match="at least 4"):
        write_synthetic_roads(tmp_path / "x.osm.pbf", 3)
    with pytest.raises(ValueError, match=".osm.pbf"):
        write_synthetic_roads(tmp_path / "x.osm", 100)
