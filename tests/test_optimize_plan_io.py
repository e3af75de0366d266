"""The save/load round trip of a plan directory, and the typed view of a Plan."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import LineString, Point, box

from optimize.plan.format import SCHEMA
from optimize.plan.io import Plan, load_plan, save_plan
from optimize.plan.kpis import compute_kpis
from tests.test_optimize_plan_model import prefecture_meta


def layers_of_four_villages() -> dict[str, gpd.GeoDataFrame]:
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


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    layers = layers_of_four_villages()
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


def test_info_is_the_typed_meta_parsed_once(tmp_path: Path) -> None:
    meta = prefecture_meta()
    plan = Plan(meta, **layers_of_four_villages())
    assert plan.info is plan.info and plan.info.kpis.coverage_pct == 50.0
    save_plan(plan, tmp_path / "p")
    text = (tmp_path / "p" / "plan.json").read_text(encoding="utf-8")
    assert text == json.dumps(meta, ensure_ascii=False, indent=1)  # meta written as given
    assert load_plan(tmp_path / "p").info.to_json() == meta
