"""Checks of seasonal trips from plan.json alone (optimize.plan.trucks).

The truck-day checks of a regional plan are exercised in
``test_optimize_pipeline_fleet_day.py`` and ``test_optimize_plan_verify.py``; here a merged
province plan, whose seasonal trips carry no ``trucks`` list, is held to the shift by
``truck_id`` and season.
"""

from __future__ import annotations

from typing import Any

from optimize.plan.model import PlanMeta
from optimize.plan.trucks import truck_problems, truck_span_problems
from tests.conftest import plan_meta


def seasonal(route_id: str, truck: str, season: str, start_s: int, end_s: int) -> dict[str, Any]:
    return {"route_id": route_id, "truck_id": truck, "store_id": "S1", "trip": 1,
            "stops_count": 0, "load_t": 0.0, "distance_m": 0, "duration_s": end_s - start_s,
            "start_s": start_s, "end_s": end_s, "colour": "#000", "approximate_geometry": True,
            "stops": [], "season": season, "kind": "collection"}


def meta_with(routes: list[dict[str, Any]]) -> PlanMeta:
    meta = plan_meta("span", False, "2026-01-01T00:00:00+00:00")
    meta["scenario"]["shift_s"] = {"value": 28_800, "unit": "s", "source": "", "assumption": False}
    meta["routes"] = routes
    return PlanMeta.from_json(meta)


def test_a_truck_within_its_shift_in_each_season_passes() -> None:
    # the same truck id in two seasons is two truck-days: 06:00-13:00 each
    routes = [seasonal("a", "T001", "summer", 21_600, 30_000),
              seasonal("b", "T001", "summer", 30_000, 46_800),
              seasonal("c", "T001", "autumn", 21_600, 46_800)]
    assert truck_span_problems(meta_with(routes)) == []


def test_overlap_and_overlong_day_are_named() -> None:
    routes = [seasonal("a", "T001", "summer", 21_600, 30_000),
              seasonal("b", "T001", "summer", 29_000, 50_401)]
    assert truck_span_problems(meta_with(routes)) == [
        "truck T001 (summer): trip b starts before a ends",
        "truck T001 (summer): trips span 28801 s, over the 28800 s shift"]


def _truck(trips: list[str], end_s: int, distance_m: int, collection_t: float,
           market_t: float, legs: list[dict[str, Any]]) -> dict[str, Any]:
    return {"truck_id": "T001", "season": "summer", "base_id": "S1", "trips": trips,
            "start_s": 21_600, "end_s": end_s, "work_s": end_s - 21_600,
            "distance_m": distance_m, "collection_t": collection_t, "market_t": market_t,
            "idle": False, "idle_reason": None, "empty_legs": legs}


def _market_run(route_id: str, start_s: int, end_s: int, days: int = 1) -> dict[str, Any]:
    run = seasonal(route_id, "T001", "summer", start_s, end_s)
    run.update(kind="market", base_id="S1", market_id="M1", load_t=2.0, distance_m=40_000,
               days=days, stops=[
                   {"store_id": "S1", "name": "s", "arrival_s": start_s, "pickup_t": 2.0,
                    "load_after_t": 2.0},
                   {"market_id": "M1", "name": "m", "arrival_s": end_s - 600,
                    "pickup_t": 0.0, "delivered_t": 2.0, "load_after_t": 0.0}])
    return run


def truck_meta(routes: list[dict[str, Any]], truck: dict[str, Any]) -> PlanMeta:
    meta = plan_meta("market", False, "2026-01-01T00:00:00+00:00")
    meta["scenario"]["shift_s"] = {"value": 28_800, "unit": "s", "source": "", "assumption": False}
    meta["routes"] = routes
    meta["trucks"] = [truck]
    return PlanMeta.from_json(meta)


LEGS = [{"from_id": "S1", "to_id": "S1", "drive_s": 0, "distance_m": 0},
        {"from_id": "S1", "to_id": "S1", "drive_s": 600, "distance_m": 5_000}]


def test_a_market_run_follows_the_collection_back_at_the_base() -> None:
    collect = seasonal("c", "T001", "summer", 21_600, 30_000)
    collect.update(distance_m=10_000, load_t=2.0, base_id="S1")
    ok = truck_meta([collect, _market_run("m", 30_600, 40_000)],
                    _truck(["c", "m"], 40_000, 55_000, 2.0, 2.0, LEGS))
    assert truck_problems(ok) == []
    early = truck_meta([collect, _market_run("m", 30_300, 40_000)],
                       _truck(["c", "m"], 40_000, 55_000, 2.0, 2.0, LEGS))
    assert truck_problems(early) == [
        "truck T001 (summer): market run m leaves S1 at 30300 s, the truck is at S1 from "
        "30600 s",
        "truck T001 (summer): work_s 18400 disagrees with its trips and drives (18700 s)"]


def test_only_a_long_haul_leg_may_pass_the_shift() -> None:
    far = truck_meta([_market_run("m", 21_600, 200_000, days=3)],
                     _truck(["m"], 200_000, 40_000, 0.0, 2.0, []))
    assert truck_problems(far) == []
    day = truck_meta([_market_run("m", 21_600, 60_000)],
                     _truck(["m"], 60_000, 40_000, 0.0, 2.0, []))
    assert truck_problems(day) == ["truck T001 (summer): works 38400 s, over the 28800 s shift"]
