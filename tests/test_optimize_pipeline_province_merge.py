"""Merging regional plans, on hand-made plans whose sums can be checked by hand."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point, box

from optimize.errors import SpecificationError
from optimize.pipeline.province.merge import layer_objective, merge_plans
from optimize.pipeline.province.solve import RegionResult
from optimize.pipeline.region import Share
from optimize.plan.io import Plan
from optimize.scenario import Scenario


def _scenario(**kw: object) -> Scenario:
    return Scenario.from_mapping({"name": "Gansu test", "region_code": "62",
                                  "siting_time_limit_s": 10.0, "routing_time_limit_s": 0.3,
                                  **kw})


def _region_plan(code: str, villages: list[tuple[str, float, str | None, int | None]],
                 *, objective: float, bound: float) -> RegionResult:
    """A regional plan with one county ``{code}01``, one 300 t store ``S001`` and one trip."""
    county = f"{code}01"
    settle = gpd.GeoDataFrame({
        "settlement_id": [v[0] for v in villages], "name": [v[0] for v in villages],
        "township_name": "t", "county_code": county, "county_name": f"county {code}",
        "poor": False, "supply_t": [v[1] for v in villages],
        "store_id": [v[2] for v in villages],
        "access_time_s": pd.array([v[3] for v in villages], dtype="Int64"),
        "location_method": "township_centre", "snap_m": 0.0,
        "unserved_reason": [None if v[2] else "no store within the access limit"
                            for v in villages],
    }, geometry=[Point(100, 36)] * len(villages), crs=4326)
    stores = gpd.GeoDataFrame({
        "store_id": ["S001"], "name": ["s"], "site_settlement_id": [villages[0][0]],
        "county_code": [county], "county_name": [f"county {code}"], "tier": ["300 t"],
        "capacity_t": [300.0], "build_cost_yuan": [450_000.0], "subsidy_yuan": [315_000.0],
        "load_t": [sum(v[1] for v in villages if v[2])], "settlements_served":
        [sum(1 for v in villages if v[2])], "trucks": [1], "required_site": [False],
        "colour": ["#1f77b4"]}, geometry=[Point(100, 36)], crs=4326)
    route = {"route_id": "T001-1", "truck_id": "T001", "store_id": "S001", "trip": 1,
             "stops_count": 1, "load_t": 1.0, "distance_m": 1000, "duration_s": 600,
             "start_s": 0, "store_arrival_s": 500, "end_s": 600, "max_age_s": 500,
             "colour": "#1f77b4", "approximate_geometry": True}
    routes = gpd.GeoDataFrame([route], geometry=[Point(100, 36).buffer(0.01).exterior],
                              crs=4326)
    counties = gpd.GeoDataFrame({"county_code": [county], "county_name": [f"county {code}"]},
                                geometry=[box(100, 36, 101, 37)], crs=4326)
    scenario = _scenario()
    meta = {
        "scenario": scenario.describe(), "approximations": ["approximate roads"],
        "assumptions": [], "attributions": [{"dataset": "d", "attribution": "a",
                                              "license": "l"}],
        "road_network": {"source": "approximate", "approximate": True, "nodes": 3,
                         "edges": 4, "note": "approx"},
        "region": {"code": code},
        "kpis": {"coverage_pct": 50.0},
        "routes": [{**route, "stops": [{"settlement_id": villages[0][0], "name": "v",
                                        "arrival_s": 100, "pickup_t": 1.0,
                                        "load_after_t": 1.0}]}],
        "unserved": [{"settlement_id": v[0], "name": v[0], "county_code": county,
                      "stage": "siting", "reason": "no store within the access limit"}
                     for v in villages if not v[2]],
        "solver": {"siting": {"status": "OPTIMAL", "objective": objective, "bound": bound,
                              "gap_pct": 0.0, "time_s": 1.0, "binding": ["store count (=1)"]},
                   "routing": {"status": "success", "time_s": 0.5}},
    }
    share = Share(1, 1, 400_000.0, "rule")
    return RegionResult(code, f"pref {code}", len(villages), share,
                        Plan(meta, counties, settle, stores, routes), 2.0)


NETWORK = {"source": "approximate", "approximate": True, "nodes": 5, "edges": 8,
           "note": "one network"}


def _siting(**kw: object) -> dict[str, object]:
    """A province solve's report, as ``compare.siting_meta`` writes it."""
    return {"scope": "province", "status": "FEASIBLE", "objective": 100.0, "bound": 80.0,
            "gap_pct": 20.0, "longest_arc_s": 7000, "coverage_factor": 3.0,
            "regions": {"6202": {"status": "FEASIBLE", "objective": 90.0, "bound": None,
                                 "gap_pct": None, "time_s": None,
                                 "decomposed_time_limit_s": 5.0}}, **kw}


def test_merge_prefixes_ids_and_sums_exactly() -> None:
    a = _region_plan("6202", [("620201001001", 100.0, "S001", 600),
                              ("620201001002", 50.0, None, None)], objective=80.0, bound=60.0)
    b = _region_plan("6203", [("620301001001", 120.0, "S001", 0)], objective=20.0, bound=20.0)
    plan = merge_plans(_scenario(), [a, b], plan_id="m", siting=_siting(),
                       road_network=NETWORK)
    assert list(plan.stores["store_id"]) == ["6202-S001", "6203-S001"]
    assert list(plan.routes["route_id"]) == ["6202-T001-1", "6203-T001-1"]
    assert list(plan.settlements["store_id"]) == ["6202-S001", None, "6203-S001"]
    k = plan.kpis
    assert (k["settlements"], k["settlements_served"], k["stores"]) == (3, 2, 2)
    assert (k["supply_t"], k["supply_covered_t"]) == (270.0, 220.0)
    assert (k["trucks"], k["budget_yuan"], k["subsidy_yuan"]) == (2, 800_000.0, 630_000.0)
    assert k["truck_trips"] == 2 and k["trucks_used"] == 2
    siting = plan.meta["solver"]["siting"]
    assert (siting["objective"], siting["bound"], siting["scope"]) == (100.0, 80.0, "province")
    assert "regions" not in siting and plan.meta["road_network"] == NETWORK
    # 100 t at 600 s served; 50 t unserved with reason "no store within the access
    # limit" (not a charged reason): 100 * 600 = 60,000 t*s
    assert siting["objective_recomputed"] == pytest.approx(60_000.0)
    regions = {r["code"]: r for r in plan.meta["regions"]}
    assert regions["6202"]["siting"]["objective"] == 90.0
    assert regions["6202"]["siting_time_limit_s"] == 5.0
    assert regions["6203"]["siting"]["objective"] is None  # not in the report
    assert plan.meta["unserved"][0]["settlement_id"] == "620201001002"
    assert plan.meta["routes"][1]["store_id"] == "6203-S001"
    assert len(plan.meta["attributions"]) == 1 and len(plan.meta["regions"]) == 2
    assert plan.counties["covered_t"].tolist() == [100.0, 120.0]


def test_merge_rejects_a_village_in_two_regions() -> None:
    a = _region_plan("6202", [("620201001001", 1.0, "S001", 0)], objective=1, bound=1)
    b = _region_plan("6203", [("620201001001", 1.0, "S001", 0)], objective=1, bound=1)
    with pytest.raises(SpecificationError, match="620201001001"):
        merge_plans(_scenario(), [a, b], siting=_siting(), road_network=NETWORK)


def test_layer_objective_charges_only_villages_a_store_could_reach() -> None:
    settle = pd.DataFrame({
        "supply_t": [1.004, 2.0, 3.0, 4.0], "poor": [False, True, True, False],
        "store_id": ["S1", None, None, None],
        "access_time_s": pd.array([100, None, None, None], dtype="Int64"),
        "unserved_reason": [None, "no open store within the longest access time",
                            "store capacity or budget exhausted",
                            "no candidate site within the longest access time"]})
    # 1.01 t (rounded up to 0.01 t) x 100 s; 2 t and 3 t poor (w = 2) x 3 x (T + 1)
    expected = 1.01 * 100 + (2.0 + 3.0) * 2 * 3.0 * (999 + 1)
    assert layer_objective(settle, 2.0, 999, 3.0) == pytest.approx(expected)
