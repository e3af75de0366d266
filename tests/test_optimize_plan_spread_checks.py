"""The checker of the season table per prefecture (optimize.plan.spread_checks).

The season is the two-store day of tests/test_optimize_pipeline_fleet_day.py packed into
2 trucks (6229-S001: a 2 t and a 1 t trip and a 0.5 t pickup no truck reaches; 6201-S001:
a 3 t trip); the cells are those optimize.pipeline.province_spread writes for it.
"""

from __future__ import annotations

import copy
from typing import Any

from optimize.pipeline.province_spread import spread_cells
from optimize.plan.model import PlanMeta
from optimize.plan.spread_checks import spread_problems
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
