"""Checks of seasonal trips from plan.json alone (optimize.plan.trucks).

The truck-day checks of a regional plan are exercised in
``test_optimize_pipeline_fleet_day.py`` and ``test_optimize_plan_verify.py``; here a merged
province plan, whose seasonal trips carry no ``trucks`` list, is held to the shift by
``truck_id`` and season.
"""

from __future__ import annotations

from typing import Any

from optimize.plan.model import PlanMeta
from optimize.plan.trucks import truck_span_problems
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
