"""Steps of building a road graph, each on a few hand-made rows."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import networkx as nx
import pandas as pd
import pytest
from shapely.geometry import box

from geodata.errors import RoadDataError
from geodata.road_graph import (
    checked_speeds,
    clipped_segments,
    largest_strong_component,
    speed_profile_name,
    with_truck_speeds,
)
from geodata.speeds import CLASS_SPEED_KPH, SPEED_TABLE_NAME


def test_speed_overrides_are_checked_and_named() -> None:
    assert checked_speeds(None, Path("x.osm")) == dict(CLASS_SPEED_KPH)
    assert checked_speeds({"tertiary": 40.0}, Path("x.osm"))["tertiary"] == 40.0
    with pytest.raises(RoadDataError, match="positive km/h"):
        checked_speeds({"tertiary": 0.0}, Path("x.osm"))
    assert speed_profile_name(None) == SPEED_TABLE_NAME
    assert speed_profile_name({"b": 2.0, "a": 1.5}) == f"{SPEED_TABLE_NAME}+overrides(a=1.5,b=2)"


def test_clip_keeps_segments_with_both_ends_inside() -> None:
    nodes = gpd.GeoDataFrame({"id": [1, 2, 3], "lon": [0.5, 0.9, 2.0], "lat": [0.5, 0.5, 0.5]})
    edges = pd.DataFrame({"u": [1, 2], "v": [2, 3]})
    kept_nodes, kept = clipped_segments(nodes, edges, box(0, 0, 1, 1))
    assert kept[["u", "v"]].values.tolist() == [[1, 2]]
    assert kept_nodes["id"].tolist() == [1, 2]


def test_truck_speed_per_segment_from_its_tags() -> None:
    edges = pd.DataFrame({
        "highway": ["primary", "tertiary", "primary"],
        "maxspeed": [None, "30", None],
        "maxspeed:hgv": [None, None, None],
        "surface": [None, None, None],
        "tracktype": [None, None, None],
        "highway:CN": [None, None, None],
    })
    speed = with_truck_speeds(edges, CLASS_SPEED_KPH)["speed_kph"].tolist()
    assert speed[0] == speed[2] == CLASS_SPEED_KPH["primary"] and speed[1] == 30.0


def test_largest_strong_component_counts_what_it_cuts() -> None:
    graph = nx.MultiDiGraph()
    graph.add_edges_from([(1, 2), (2, 1), (2, 3), (3, 1), (3, 4)])  # 4 cannot return
    cut, nodes, edges = largest_strong_component(graph)
    assert sorted(cut.nodes) == [1, 2, 3] and (nodes, edges) == (1, 1)
    assert largest_strong_component(nx.MultiDiGraph())[1:] == (0, 0)
