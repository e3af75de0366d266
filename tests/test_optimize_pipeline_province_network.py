"""The province network of the one siting problem, on the SYNTHETIC two-prefecture
province of ``tests/test_optimize_pipeline_province_siting.py``."""

from __future__ import annotations

import numpy as np

from optimize.pipeline.network import township_graph
from optimize.pipeline.province.network import prefecture, province_graph
from optimize.scenario import Scenario
from tests.test_optimize_pipeline_province_siting import two_prefecture_province


def test_the_province_graph_holds_every_prefecture_network() -> None:
    province = two_prefecture_province()
    scenario = Scenario(region_code="62", detour_factor=1.3)
    graph = province_graph(scenario, province, province.villages, ["6298", "6299"], None)
    assert graph.graph["approximate"] is True
    for code in ("6298", "6299"):
        own = township_graph(prefecture(province, code).villages, province.seats, 1.3)
        edges = list(own.edges(keys=True, data="travel_time"))
        assert edges
        for u, v, k, t in edges:
            assert graph.has_edge(u, v, k) and graph.edges[u, v, k]["travel_time"] == t
    # and the links across the border: A2 (629801002) to B1 (629901001)
    assert graph.has_edge("629801002", "629901001")


def test_a_prefecture_is_cut_from_the_province() -> None:
    province = two_prefecture_province()
    part = prefecture(province, "6299")
    assert part.code == "6299" and len(part.villages) == 5
    assert list(part.counties["county_code"]) == ["629901"]
    bounds = np.round(part.polygon.bounds, 2).tolist()
    assert bounds == [100.38, 35.9, 101.7, 36.1]

