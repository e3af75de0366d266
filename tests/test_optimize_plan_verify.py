"""verify_plan finds injected violations in a real plan (广河县) and passes the real one."""

from __future__ import annotations

import copy
import dataclasses

import pytest

from optimize.pipeline.regional import build_plan
from optimize.plan.io import Plan
from optimize.plan.verify import verify_plan
from optimize.scenario import Scenario


@pytest.fixture(scope="module")
def plan() -> Plan:
    return build_plan(Scenario(region_code="622924", siting_time_limit_s=10.0,
                               routing_time_limit_s=0.5), plan_id="v")


def _with(plan: Plan, **changes: object) -> Plan:
    return dataclasses.replace(plan, **changes)


def test_real_plan_passes(plan: Plan) -> None:
    assert verify_plan(plan) == []


def test_overfull_store_and_silent_unserved(plan: Plan) -> None:
    stores = plan.stores.copy()
    stores.loc[0, "capacity_t"] = 1.0
    settle = plan.settlements.copy()
    settle.loc[0, ["store_id", "unserved_reason"]] = [None, None]
    problems = verify_plan(_with(plan, stores=stores, settlements=settle))
    assert any(p.startswith(f"store {stores.loc[0, 'store_id']}: load") for p in problems)
    assert f"settlement {settle.loc[0, 'settlement_id']}: unserved without a reason" in problems


def test_late_route_and_tampered_kpi(plan: Plan) -> None:
    meta = copy.deepcopy(plan.meta)
    route = meta["routes"][0]
    route["store_arrival_s"] = route["stops"][0]["arrival_s"] + 3 * 3600  # 3 h > 2 h limit
    meta["kpis"]["coverage_pct"] = 99.999
    problems = verify_plan(_with(plan, meta=meta))
    assert any(p.startswith(f"route {route['route_id']}: first pickup rides 10800 s")
               for p in problems)
    assert any(p.startswith("kpi coverage_pct: saved 99.999") for p in problems)


def test_a_route_is_held_to_its_own_freshness_limit(plan: Plan) -> None:
    meta = copy.deepcopy(plan.meta)
    route = meta["routes"][0]
    assert route["freshness_limit_s"] == 7200  # vegetables, the scenario's crop
    route["store_arrival_s"] = route["stops"][0]["arrival_s"] + 3 * 3600
    route["freshness_limit_s"] = 4 * 3600  # e.g. cherries in a province plan's season
    for stop in route["stops"]:
        stop["freshness_limit_s"] = 4 * 3600
    assert verify_plan(_with(plan, meta=meta)) == []
    route["freshness_limit_s"] = 2 * 3600 + 1
    assert f"route {route['route_id']}: first pickup rides 10800 s to the store, limit " \
        "7201 s" in verify_plan(_with(plan, meta=meta))


def test_each_stop_is_held_to_its_own_crop_limit(plan: Plan) -> None:
    meta = copy.deepcopy(plan.meta)
    route = meta["routes"][0]
    stop = route["stops"][-1]
    ride = route["store_arrival_s"] - stop["arrival_s"]
    stop["freshness_limit_s"] = ride - 1
    assert f"route {route['route_id']}: {stop['settlement_id']} rides {ride} s, its limit " \
        f"{ride - 1} s" in verify_plan(_with(plan, meta=meta))


def test_a_truck_over_its_shift_or_out_of_chain_is_named(plan: Plan) -> None:
    meta = copy.deepcopy(plan.meta)
    truck = next(t for t in meta["trucks"] if len(t["trips"]) >= 2)
    name = f"truck {truck['truck_id']} ({truck['season']})"
    second = next(r for r in meta["routes"] if r["route_id"] == truck["trips"][1])
    second["start_s"] -= 60
    truck["end_s"] = truck["start_s"] + 8 * 3600 + 1
    problems = verify_plan(_with(plan, meta=meta))
    assert any(p.startswith(f"{name}: trip {second['route_id']} leaves at") for p in problems)
    assert f"{name}: works {8 * 3600 + 1} s, over the 28800 s shift" in problems


def test_season_kpis_must_add_up(plan: Plan) -> None:
    meta = copy.deepcopy(plan.meta)
    season = meta["seasons"]["seasons"][0]
    season["kpis"]["daily_self_delivered_t"] += 1.0
    problems = verify_plan(_with(plan, meta=meta))
    assert any(p.startswith(f"season {season['name']}: kpi daily_supply_t") for p in problems)
