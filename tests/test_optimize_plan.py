"""KPIs by hand on a 4-village plan, Jain's index, and the save/load round trip."""

from __future__ import annotations

import json
import math
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import LineString, Point, box

from optimize.plan import SCHEMA, Plan, compute_kpis, jain_index, load_plan, save_plan


def _layers() -> dict[str, gpd.GeoDataFrame]:
    settle = gpd.GeoDataFrame({
        "settlement_id": ["v1", "v2", "v3", "v4"], "county_code": ["c1", "c1", "c2", "c2"],
        "poor": [True, False, True, False], "supply_t": [10.0, 30.0, 20.0, 40.0],
        "store_id": ["S1", "S1", None, "S1"], "access_time_s": [0, 600, None, 1200],
        "unserved_reason": [None, None, "no candidate site within the longest access time",
                            None],
    }, geometry=[Point(0, 0), Point(0.01, 0), Point(1, 1), Point(0.02, 0)], crs=4326)
    stores = gpd.GeoDataFrame({"store_id": ["S1"], "capacity_t": [100.0],
                               "build_cost_yuan": [150_000.0], "subsidy_yuan": [105_000.0]},
                              geometry=[Point(0, 0)], crs=4326)
    routes = gpd.GeoDataFrame({"truck_id": ["T1", "T1"], "distance_m": [1000, 3000],
                               "duration_s": [600, 900], "load_t": [1.0, 2.5]},
                              geometry=[LineString([(0, 0), (0.01, 0)])] * 2, crs=4326)
    counties = gpd.GeoDataFrame({"county_code": ["c1"]}, geometry=[box(0, 0, 1, 1)], crs=4326)
    return {"settlements": settle, "stores": stores, "routes": routes, "counties": counties}


def test_kpis_by_hand() -> None:
    layers = _layers()
    k = compute_kpis(layers["settlements"], layers["stores"], layers["routes"], trucks=3,
                     budget_yuan=200_000, daily_pickup_t=5.0)
    assert k["supply_t"] == 100 and k["supply_covered_t"] == 80 and k["coverage_pct"] == 80.0
    assert k["poor_settlements"] == 2 and k["poor_covered_pct"] == 50.0
    # supply-weighted mean of 0, 600, 1200 s with weights 10, 30, 40 = 66000/80 = 825 s
    assert k["access_time_mean_s"] == pytest.approx(825.0)
    assert k["access_time_max_s"] == 1200
    # county shares: c1 40/40 = 1.0, c2 40/60 = 0.667 -> Jain (1.667^2)/(2*(1+0.444)) = 0.9615
    assert k["county_fairness_jain"] == pytest.approx(0.9615, abs=1e-4)
    assert k["trucks_used"] == 1 and k["truck_trips"] == 2 and k["route_distance_m"] == 4000
    assert k["daily_pickup_routed_t"] == 3.5


def test_jain_index_limits() -> None:
    assert jain_index([1.0, 1.0, 1.0]) == pytest.approx(1.0)
    assert jain_index([1.0, 0.0, 0.0, 0.0]) == pytest.approx(0.25)
    assert math.isnan(jain_index([]))


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    layers = _layers()
    k = compute_kpis(layers["settlements"], layers["stores"], layers["routes"], trucks=3,
                     budget_yuan=200_000, daily_pickup_t=5.0)
    meta = {"schema": SCHEMA, "plan_id": "t", "kpis": {**k, "nan": float("nan")}}
    save_plan(Plan(meta, **layers), tmp_path / "p")
    text = (tmp_path / "p" / "plan.json").read_text(encoding="utf-8")
    assert json.loads(text)["kpis"]["nan"] is None  # NaN is written as null, never NaN
    back = load_plan(tmp_path / "p")
    assert back.meta["kpis"]["coverage_pct"] == 80.0
    assert list(back.settlements["settlement_id"]) == ["v1", "v2", "v3", "v4"]
    assert back.settlements.crs.to_epsg() == 4326
    assert back.settlements["store_id"].isna().sum() == 1


def test_load_rejects_other_schema(tmp_path: Path) -> None:
    (tmp_path / "plan.json").write_text('{"schema": "other/9"}', encoding="utf-8")
    with pytest.raises(ValueError, match="schema"):
        load_plan(tmp_path)
