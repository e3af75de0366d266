"""The season table per prefecture of a province plan (optimize.pipeline.province_spread).

Hand-made season: prefecture 6201 collects 3 of its 4 t/day (a 1 t pickup left out),
6212 has 2 t/day needing a truck, none collected, and no truck based there. Bound items
(settlement, t, truck-seconds): 6201's four 1 t pickups at 3,600 s each, 6212's two at
14,400 s each; shift 28,800 s, target 95 %.
"""

from __future__ import annotations

from typing import Any

import pytest

from optimize.pipeline.province_spread import collected_by_region, region_need, spread_cells

SHIFT_S = 28_800
ITEMS = [["620101", 1.0, 3600, 600], ["620102", 1.0, 3600, 600], ["620103", 1.0, 3600, 600],
         ["620104", 1.0, 3600, 600], ["621201", 1.0, 14_400, 7200],
         ["621202", 1.0, 14_400, 7200]]


def route(stops: list[tuple[str, float]], kind: str = "collection") -> dict[str, Any]:
    return {"season": "autumn", "kind": kind,
            "stops": [{"settlement_id": s, "pickup_t": t} for s, t in stops]}


ROUTES = [route([("620101", 1.0), ("620102", 1.0)]), route([("620103", 1.0)]),
          route([("620101", 5.0)], kind="market")]  # a market run's stores do not count
UNSERVED = [{"season": "autumn", "stage": "routing", "settlement_id": "620104",
             "tonnes_t": 1.0},
            {"season": "autumn", "stage": "routing", "settlement_id": "621201", "tonnes_t": 1.0},
            {"season": "autumn", "stage": "routing", "settlement_id": "621202", "tonnes_t": 1.0},
            {"season": "summer", "stage": "routing", "settlement_id": "621202", "tonnes_t": 9.0},
            {"season": None, "stage": "siting", "settlement_id": "621203", "tonnes_t": 4.0}]
SEASONS = [{"name": "autumn", "kpis": {"target_pct": 95.0, "fleet_bound": {
    "shift_s": SHIFT_S, "hours_s": 2 * SHIFT_S, "items": ITEMS}}}]
FLEET = [{"season": "autumn", "region": "6201", "region_name": "兰州市", "need": 2,
          "trucks": 2, "reason": "autumn, 6201 兰州市: 2 trucks for a need of 2; need met"}]


def test_tonnes_by_the_villages_prefecture() -> None:
    assert collected_by_region("autumn", ROUTES, UNSERVED) == {"6201": (3.0, 1.0),
                                                               "6212": (0.0, 2.0)}


def test_need_is_the_bound_for_the_target_in_the_prefecture() -> None:
    # 95 % of 4 t = 3.8 t: 3.8 x 3,600 s = 13,680 s -> 1 truck; 95 % of 2 t = 1.9 t:
    # 1.9 x 14,400 s = 27,360 s -> 1 truck; all of it (2 t, 28,800 s) -> still 1
    assert region_need(ITEMS, "6201", 4.0, 95.0, SHIFT_S) == 1
    assert region_need(ITEMS, "6212", 2.0, 95.0, SHIFT_S) == 1
    assert region_need(ITEMS, "6212", 2.0, 100.0, SHIFT_S) == 1
    # a goal beyond what the items hold is capped at them: 6212 with 10 t needed
    assert region_need(ITEMS, "6212", 10.0, 95.0, 14_000) == 3


def test_cells_say_what_is_collected_not_need_met() -> None:
    cells = spread_cells(FLEET, SEASONS, ROUTES, UNSERVED, 95.0)
    got = [(c["region"], c["trucks"], c["need"], c["collected_t"], c["needed_t"],
            c["collected_pct"]) for c in cells]
    assert got == [("6201", 2, 1, 3.0, 4.0, 75.0), ("6212", 0, 1, 0.0, 2.0, 0.0)]
    assert cells[1]["region_name"] == "陇南市"
    assert cells[1]["reason"] == (
        "autumn, 6212 陇南市: 0 trucks based here; the shared fleet collects 0.0 of 2.0 "
        "t/day needing a truck in its villages (0.0 %); at least 1 trucks (proven bound) "
        "to collect 95 %")
    assert all("need met" not in c["reason"] for c in cells)


@pytest.mark.parametrize("seasons", [[{"name": "autumn", "kpis": {}}],
                                     [{"name": "autumn", "kpis": None}]])
def test_a_season_without_its_bound_states_no_need(seasons: list[dict[str, Any]]) -> None:
    cells = spread_cells(FLEET, seasons, ROUTES, UNSERVED, 95.0)
    assert [(c["region"], c["need"], c["collected_pct"]) for c in cells] == [
        ("6201", 0, 75.0), ("6212", 0, 0.0)]
    assert cells[0]["reason"].endswith("in its villages (75.0 %)")
