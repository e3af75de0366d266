"""The checker of the season table per prefecture (optimize.plan.spread_checks).

The season is the two-store day of tests/test_optimize_pipeline_fleet_day.py packed into
2 trucks (6229-S001: a 2 t and a 1 t trip and a 0.5 t pickup no truck reaches; 6201-S001:
a 3 t trip); the cells are those optimize.pipeline.province_spread writes for it.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from optimize.pipeline.province_spread import spread_cells
from optimize.plan.io import Plan
from optimize.plan.model import PlanMeta
from optimize.plan.spread_checks import priority_problems, spread_problems
from tests.test_optimize_pipeline_fleet_day import as_meta, two_region_day


def season_json() -> dict[str, Any]:
    meta = as_meta(two_region_day(2)).to_json()
    seasons = meta["seasons"]
    fleet = [{"season": "summer", "region": r, "region_name": r, "need": 0,
              "trucks": sum(1 for t in meta["trucks"] if t["base_id"].startswith(r)),
              "reason": ""} for r in ("6201", "6229")]
    seasons["fleet"] = spread_cells(fleet, seasons["seasons"], meta["routes"],
                                    meta["unserved"], 95.0)
    return meta


def test_the_cells_agree_with_the_trips() -> None:
    meta = season_json()
    cells = meta["seasons"]["fleet"]
    # the villages' ids start with their store's prefecture: 6229 collects 3 of 3.5 t
    assert [(c["region"], c["collected_t"], c["needed_t"]) for c in cells] == [
        ("6201", 3.0, 3.0), ("6229", 3.0, 3.5)]
    assert spread_problems(PlanMeta.from_json(meta)) == []


def test_a_cell_that_hides_a_gap_is_named() -> None:
    meta = season_json()
    bad = copy.deepcopy(meta)
    bad["seasons"]["fleet"][1].update(collected_t=3.5, collected_pct=100.0)
    bad["seasons"]["fleet"][0]["trucks"] += 1
    assert spread_problems(PlanMeta.from_json(bad)) == [
        "season summer, region 6201: trucks 2.0, recomputed 1.000",
        "season summer, region 6229: collected_t 3.5, recomputed 3.000"]


def test_the_poverty_shares_are_recomputed_from_the_settlements(guanghe_plan: Plan) -> None:
    # 广河县 has no poverty county: every truck-needed tonne is "others"
    seasons = guanghe_plan.meta["seasons"]["seasons"]
    assert seasons and all(s["kpis"]["priority_collected_pct"] is None for s in seasons)
    k = seasons[0]["kpis"]
    assert k["others_collected_pct"] == pytest.approx(
        100.0 * k["daily_pickup_routed_t"] / k["daily_truck_needed_t"], abs=0.01)
    assert priority_problems(guanghe_plan) == []
    # a share that does not follow from the trips, or poor villages it ignores, is named
    bad = copy.deepcopy(guanghe_plan.meta)
    bad["seasons"]["seasons"][0]["kpis"]["others_collected_pct"] = 90.0
    name = seasons[0]["name"]
    tampered = Plan(bad, guanghe_plan.counties, guanghe_plan.settlements,
                    guanghe_plan.stores, guanghe_plan.routes)
    assert [p.split(", recomputed")[0] for p in priority_problems(tampered)] == [
        f"season {name}: kpi others_collected_pct 90.0"]
    poor = guanghe_plan.settlements.assign(poor=True)
    made_poor = Plan(guanghe_plan.meta, guanghe_plan.counties, poor, guanghe_plan.stores,
                     guanghe_plan.routes)
    assert len(priority_problems(made_poor)) == 2 * len(seasons)
