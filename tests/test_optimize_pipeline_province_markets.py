"""The province's market runs on its one network (optimize.pipeline.province_markets):
a market in another prefecture is reached by road from every store, flagged road; a
partner-city outlet keeps the straight-line estimate, flagged."""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest

from geodata.csr import graph_to_csr
from optimize.markets.model import StoreStock, TruckTime
from optimize.markets.runs import plan_market_runs
from optimize.markets.table import Market
from optimize.pipeline.network import Network
from optimize.pipeline.province_markets import province_market_roads
from optimize.pipeline.season_markets import market_setup, run_legs
from optimize.scenario import Scenario


def _network() -> tuple[nx.MultiDiGraph, Network]:
    """A (104.0, 36.0) in 6201 - B (104.1) - C (104.2) in 6211: A-B 600 s / 10 km,
    B-C 900 s / 12 km; village 621102001 at C (leg 120 s / 2 km), 621102002 at B."""
    g = nx.MultiDiGraph()
    for node, lon in (("A", 104.0), ("B", 104.1), ("C", 104.2)):
        g.add_node(node, x=lon, y=36.0)
    for a, b, t, m in (("A", "B", 600.0, 10_000.0), ("B", "C", 900.0, 12_000.0)):
        g.add_edge(a, b, travel_time=t, length=m)
        g.add_edge(b, a, travel_time=t, length=m)
    settle = gpd.GeoDataFrame({"village_code": ["621102001", "621102002"],
                               "leg_s": [120.0, 0.0], "leg_m": [2_000.0, 0.0]},
                              geometry=gpd.points_from_xy([104.2, 104.1], [36.0, 36.0]),
                              crs=4326)
    net = Network(settle, graph_to_csr(g), np.array(["C", "B"], dtype=object),
                  np.zeros(2), np.zeros(2, dtype=bool), np.array([], dtype=object),
                  pd.DataFrame(columns=["demand", "site", "time_s", "distance_m"]))
    return g, net


MARKETS = [Market("M:lanzhou", "兰州 centre (6201)", 104.0, 36.0, ("vegetables",), 50.0),
           Market("P:tianjin", "天津", 117.20, 39.13, ("vegetables",), 50.0,
                  kind="long_haul")]
STORES = pd.DataFrame({"store_id": ["6211S001", "6211S002"],
                       "site_settlement_id": ["621102001", "621102002"]})


def test_a_market_in_another_prefecture_gets_its_road_time_from_the_province_network(
        ) -> None:
    graph, net = _network()
    road = province_market_roads(graph, net, STORES, MARKETS, Scenario())
    # store at C with its 120 s / 2 km leg; C -> B -> A: 900 + 600 s, 12 + 10 km
    assert road.leg("6211S001", "M:lanzhou") == (1_620.0, 24_000.0)
    assert road.leg("M:lanzhou", "6211S002") == (600.0, 10_000.0)
    assert road.leg("6211S001", "6211S002") == (1_020.0, 14_000.0)
    assert not road.has("P:tianjin")


def test_runs_flag_road_legs_and_keep_the_partner_leg_approximate() -> None:
    graph, net = _network()
    road = province_market_roads(graph, net, STORES, MARKETS, Scenario())
    points = {"6211S001": (104.2, 36.0), "6211S002": (104.1, 36.0)}
    setup = market_setup(MARKETS, ["6211S001", "6211S002"],
                         np.array([[0, 1_020], [1_020, 0]]),
                         np.array([[0, 14_000], [14_000, 0]]), points,
                         {"6211S001": "621102", "6211S002": "621102"}, {}, 3.0, 64_800,
                         market_road=road)
    assert setup.travel.leg("6211S001", "M:lanzhou") == (1_620.0, 24_000.0)
    assert setup.travel.is_approximate("6211S001", "P:tianjin")
    trucks = [TruckTime("T1", "6211S001", 36_000.0, 64_800.0, 3.0),
              TruckTime("T2", "6211S002", 21_600.0, 50_400.0, 3.0, has_collection=False)]
    stocks = [StoreStock("6211S001", {"vegetables": 2.0}),
              StoreStock("6211S002", {"vegetables": 2.0})]
    flow = plan_market_runs(trucks, stocks, MARKETS, setup.travel)
    by_truck = {r.truck_id: r for r in flow.runs}
    day, far = by_truck["T1"], by_truck["T2"]
    assert day.market_id == "M:lanzhou" and not day.approximate
    assert {g["travel"] for g in run_legs(day, setup.travel)} == {"road"}
    assert day.distance_m == pytest.approx(
        sum(g["distance_m"] for g in run_legs(day, setup.travel)), abs=3)
    assert far.market_id == "P:tianjin" and far.kind == "long_haul" and far.approximate
    assert [g["travel"] for g in run_legs(far, setup.travel)] == [
        "road", "straight_line", "straight_line"]
