"""The typed plan.json: exact round trips (hand-made and real plans) and typed reads."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from optimize.plan.model import (
    Kpis,
    PlanMeta,
    ProvinceReport,
    Route,
    SitingReport,
    Store,
)
from optimize.plan.record import Record, field_codecs
from tests.conftest import real_plan

REAL_PLANS = ("linxia", "gansu")


def prefecture_meta() -> dict[str, Any]:
    """A small hand-made prefecture plan.json with every key the pipeline writes."""
    stop = {"settlement_id": "622901100201", "name": "村", "arrival_s": 516, "pickup_t": 1.9,
            "load_after_t": 1.9}
    return {
        "schema": "coldchain-plan/1", "plan_id": "p", "name": "临夏 plan",
        "created_at": "2026-01-01T00:00:00+00:00",
        "region": {"level": "prefecture", "code": "6229", "name": "临夏回族自治州",
                   "bbox": [102.6, 35.0, 103.8, 36.0]},
        "scenario": {"crop": {"value": "vegetables", "unit": "crop", "source": "s",
                              "assumption": False},
                     "tiers": {"value": [{"name": "100 t", "capacity_t": 100}], "unit": "t",
                               "source": "s", "assumption": False},
                     "county_stores": {"value": {}, "unit": "stores", "source": "s",
                                       "assumption": False}},
        "apportioning": "11.16 % of Gansu",
        "road_network": {"source": "approximate", "approximate": True, "nodes": 131,
                         "edges": 1078, "dropped_nodes": 0, "off_network_settlements": 0,
                         "snap_m_max": 0.0, "note": "straight lines"},
        "approximations": ["approximate network"], "assumptions": ["harvest_peak_days"],
        "kpis": {"settlements": 2, "coverage_pct": 50.0, "poor_covered_pct": None,
                 "county_fairness_jain": None, "budget_yuan": 1.5e6, "trucks": 1},
        "stores": [{"store_id": "S001", "name": "A", "site_settlement_id": "622901100201",
                    "county_code": "622901", "county_name": "临夏市", "tier": "100 t",
                    "capacity_t": 100, "build_cost_yuan": 200000.0, "subsidy_yuan": 105000.0,
                    "load_t": 1.9, "settlements_served": 1, "trucks": 1,
                    "required_site": False, "colour": "#1f77b4"}],
        "trucks_per_depot": [{"store_id": "S001", "trucks": 1}],
        "routes": [{"route_id": "T001-1", "truck_id": "T001", "store_id": "S001", "trip": 1,
                    "stops_count": 1, "load_t": 1.9, "distance_m": 22476,
                    "duration_s": 5279, "start_s": 0, "store_arrival_s": 4079,
                    "end_s": 5279, "max_age_s": 3563, "colour": "#ff7f0e",
                    "approximate_geometry": True, "stops": [stop],
                    "freshness_limit_s": 7200}],
        "unserved": [{"settlement_id": "622901102201", "name": "高", "county_code": "622901",
                      "stage": "routing", "reason": "fleet"}],
        "solver": {"siting": {"status": "FEASIBLE", "objective": 5.0, "bound": 4.9,
                              "gap_pct": 2.0, "time_s": 1.0, "binding": ["store count (=1)"],
                              "engine": "Lagrangian", "stages": [
                                  {"name": "weighted sum", "objective": 5.0, "bound": 4.9,
                                   "gap_pct": 2.0, "status": "FEASIBLE"}]},
                   "routing": {"status": "success", "time_s": 0.5}},
        "attributions": [{"dataset": "boundaries", "attribution": "© Amap", "license": "MIT"}],
    }


def province_meta() -> dict[str, Any]:
    """A hand-made province plan.json: the prefecture keys plus the province ones."""
    meta = prefecture_meta()
    repair = {"moved": 1, "from_unserved": 1, "closer_store": 0, "moved_supply_t": 1.0,
              "stores_rerouted": 1, "served_before": 1, "served_after": 2, "time_s": 0.1,
              "rule": "closer by 10 min"}
    meta["region"] = {"level": "province", "code": "62", "name": "甘肃省",
                      "bbox": [92.0, 32.0, 109.0, 43.0], "prefectures": ["6229", "6201"]}
    meta["unserved"][0]["region"] = "6229"
    meta["solver"]["siting"]["note"] = "bounds only the decomposed problem"
    meta.update({
        "decomposition": {"rule": "one prefecture each", "bound_note": "summed",
                          "wall_clock_caps_fired": [], "border_repair": dict(repair)},
        "regions": [{"code": "6229", "name": "临夏", "villages": 1004, "stores": 100,
                     "trucks": 80, "budget_yuan": 4.3e7, "apportioning": "11 %",
                     "siting_time_limit_s": 60.0,
                     "siting": {"status": "FEASIBLE", "objective": 5.0, "bound": 4.9,
                                "gap_pct": 2.0, "time_s": 1.0},
                     "routing_status": "success", "wall_clock_cap": False,
                     "coverage_pct": 100.0, "time_s": 30.0, "harvest_peak_days": 60.0,
                     "crop": "vegetables"}],
        "border_repair": {**repair, "moves": [
            {"settlement_id": "622901102201", "from_store": None, "to_store": "6201-S001",
             "time_before_s": None, "time_after_s": 900, "supply_t": 1.0}]},
        "province_totals": {"stores": 893, "trucks": 720, "budget_yuan": 5e8},
        "seasons": {
            "routed_season": "summer", "seasons": [{"name": "summer", "days": 92}],
            "load": [{"season": "summer", "region": "6229", "region_name": "临夏",
                      "crops": "vegetables", "share": 0.5, "daily_pickup_t": 10.0,
                      "freshness_limit_s": 7200, "strictest_crop": "vegetables",
                      "freshness_assumption": False}],
            "fleet": [{"season": "summer", "region": "6229", "region_name": "临夏",
                       "need": 3, "trucks": 2, "reason": "D'Hondt"}],
            "trucks_by_season": {"summer": 2},
            "moves": [{"from_season": "summer", "to_season": "autumn", "origin": "6229",
                       "destination": "6201", "trucks": 1, "distance_km": 150.0,
                       "truck_km": 150.0}],
            "repositioning_truck_km": 150.0,
            "shortfalls": [{"season": "summer", "region": "6229", "need": 3, "got": 2,
                            "reason": "fleet"}],
            "rule": "per season", "distances": "road", "annual_t": {"6229": 1000.0},
            "assumptions": ["calendar"]},
        "truck_budget": {"trucks": 80, "store_budget_yuan": 4.3e7},
    })
    return meta


def minimal_meta() -> dict[str, Any]:
    """Only what the synthetic benchmark plan has: most optional keys absent."""
    meta = prefecture_meta()
    for key in ("apportioning",):
        del meta[key]
    meta["kpis"] = {"settlements": 2, "coverage_pct": 98.0}
    meta["solver"] = {"siting": {"status": "SYNTHETIC", "gap_pct": 0.0}, "routing": {}}
    meta["scenario"] = {}
    for key in ("store_arrival_s", "max_age_s", "freshness_limit_s"):
        del meta["routes"][0][key]
    return meta


@pytest.mark.parametrize("make", [prefecture_meta, province_meta, minimal_meta])
def test_round_trip_is_exact(make: Any) -> None:
    meta = make()
    original = copy.deepcopy(meta)
    info = PlanMeta.from_json(meta)
    assert info.to_json() == original
    assert meta == original  # reading does not modify the input
    assert json.dumps(info.to_json(), sort_keys=True) == json.dumps(original, sort_keys=True)


def test_typed_reads() -> None:
    info = PlanMeta.from_json(prefecture_meta())
    assert info.region.bbox == (102.6, 35.0, 103.8, 36.0)
    assert info.param("crop") == "vegetables"
    assert isinstance(info.kpis, Kpis) and info.kpis.coverage_pct == 50.0
    assert info.kpis.poor_covered_pct is None and info.kpis.stores is None
    assert isinstance(info.stores[0], Store) and info.stores[0].capacity_t == 100
    assert isinstance(info.routes[0], Route) and info.routes[0].stops[0].arrival_s == 516
    assert isinstance(info.solver.siting, SitingReport)
    assert info.solver.siting.stages is not None
    assert info.solver.siting.stages[0].gap_pct == 2.0
    assert info.province is None and info.seasons is None and not info.is_province


def test_province_keys_are_typed_and_written_back_on_top() -> None:
    info = PlanMeta.from_json(province_meta())
    assert info.is_province and isinstance(info.province, ProvinceReport)
    assert info.region.prefectures == ("6229", "6201")
    assert info.province.regions[0].siting.gap_pct == 2.0
    assert info.province.border_repair is not None
    moves = info.province.border_repair.moves
    assert moves is not None and moves[0].from_store is None
    assert info.province.decomposition.border_repair is not None
    assert info.province.decomposition.border_repair.moves is None
    seasons = info.seasons
    assert seasons is not None and seasons.fleet[0].need == 3
    assert seasons.moves[0].truck_km == 150.0 and seasons.trucks_by_season == {"summer": 2}
    assert "province" not in info.to_json() and "seasons" in info.to_json()


def test_province_plan_without_seasons_keeps_null() -> None:
    meta = province_meta()
    meta["seasons"] = None
    assert PlanMeta.from_json(meta).to_json() == meta


def test_missing_keys_and_unknown_keys() -> None:
    meta = prefecture_meta()
    del meta["region"]["code"]
    with pytest.raises(KeyError, match="code"):
        PlanMeta.from_json(meta)
    meta = prefecture_meta()
    meta["stores"][0]["new_column"] = 1
    meta["future_key"] = {"a": 1}
    info = PlanMeta.from_json(meta)
    assert info.stores[0].extra == {"new_column": 1}
    assert info.to_json() == meta


def test_present_null_differs_from_absent() -> None:
    meta = minimal_meta()
    meta["kpis"]["poor_covered_pct"] = None
    back = PlanMeta.from_json(meta).to_json()
    assert back["kpis"] == {"settlements": 2, "coverage_pct": 98.0, "poor_covered_pct": None}


def test_every_model_class_has_a_codec() -> None:
    import optimize.plan.model as model
    classes = [c for c in vars(model).values()
               if isinstance(c, type) and issubclass(c, Record) and c is not Record]
    assert classes
    assert all(field_codecs(c) for c in classes)


@pytest.mark.parametrize("name", REAL_PLANS)
def test_real_plans_round_trip(name: str) -> None:
    path = real_plan(name) / "plan.json"
    meta = json.loads(path.read_text(encoding="utf-8"))
    info = PlanMeta.from_json(meta)
    assert info.to_json() == meta
    assert info.is_province == (meta["region"]["level"] == "province")
    untyped = [f"{type(r).__name__}: {sorted(r.extra)}" for r in records_in(info) if r.extra]
    assert untyped == []  # every key of the real plans is typed


def records_in(value: Any) -> list[Record]:
    """Every Record inside ``value`` (itself included), depth first."""
    if isinstance(value, Record):
        out: list[Record] = [value]
        for fc in field_codecs(type(value)):
            out += records_in(getattr(value, fc.name))
        return out
    if isinstance(value, tuple):
        return [r for v in value for r in records_in(v)]
    if isinstance(value, dict):
        return [r for v in value.values() for r in records_in(v)]
    return []


@pytest.mark.slow
def test_a_plan_the_pipeline_builds_round_trips(guanghe_plan: Any, tmp_path: Path) -> None:
    from optimize.plan.io import save_plan

    save_plan(guanghe_plan, tmp_path / "guanghe")
    meta = json.loads((tmp_path / "guanghe" / "plan.json").read_text(encoding="utf-8"))
    info = PlanMeta.from_json(meta)
    assert info.to_json() == meta
    assert not info.is_province and info.routes and info.stores
