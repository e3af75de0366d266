"""Honest headlines: :func:`app.headlines.plan_headlines` on a hand-made plan whose
figures can be checked on paper, and the pages that show them."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from app import create_app
from app.headlines import (
    NO_STORE,
    NO_TRUCK,
    NOTHING_TO_COLLECT,
    TRUCK,
    TRUCK_UNKNOWN,
    headline_sentence,
    plan_headlines,
    reason_kind,
    settlements_with_state,
)
from optimize.plan.model import PlanMeta
from tests.conftest import login, plan_meta

FLEET_1 = "fleet at this store cannot fit it within shifts (1 truck x 4 trips)"
FLEET_2 = "fleet at this store cannot fit it within shifts (2 trucks x 4 trips)"
NO_BASE = "no truck based at this store"
NO_SITE = "no candidate site within the longest access time"


def _stop(sid: str, pickup_t: float) -> dict[str, Any]:
    return {"settlement_id": sid, "name": sid, "arrival_s": 25_000, "pickup_t": pickup_t,
            "load_after_t": pickup_t}


def _unserved(sid: str, stage: str, reason: str) -> dict[str, Any]:
    return {"settlement_id": sid, "name": sid, "county_code": sid[:6], "stage": stage,
            "reason": reason}


def eight_villages() -> dict[str, Any]:
    """plan.json of 8 villages: v1-v3 on trucks (1.5 + 2.5 and 1.0 t/day), v4 within
    reach with nothing to pick up, v5-v7 within reach but left by routing, v8 with no
    store within reach; 10 t/day to collect, 5 collected."""
    meta = plan_meta("eight", True, "2025-01-01T00:00:00Z")
    v = [f"62292110000{i}" for i in range(1, 9)]
    meta["kpis"].update(settlements=8, settlements_served=7, supply_t=800.0,
                        supply_covered_t=700.0, coverage_pct=87.5, daily_pickup_t=10.0,
                        daily_pickup_routed_t=5.0)
    r1, r2 = meta["routes"]
    r1.update(load_t=4.0, stops=[_stop(v[0], 1.5), _stop(v[1], 2.5)])
    r2.update(load_t=1.0, stops=[_stop(v[2], 1.0)])
    meta["unserved"] = [_unserved(v[4], "routing", FLEET_1),
                        _unserved(v[5], "routing", FLEET_2),
                        _unserved(v[6], "routing", NO_BASE),
                        _unserved(v[7], "siting", NO_SITE)]
    return meta


def test_plan_headlines_on_a_hand_made_plan() -> None:
    h = plan_headlines(PlanMeta.from_json(eight_villages()))
    assert (h.settlements, h.within_reach, h.with_truck, h.nothing_to_collect) == (8, 7, 3, 1)
    assert (h.left, h.left_siting, h.left_routing) == (4, 1, 3)
    assert h.daily_needed_t == 10.0 and h.daily_collected_t == 5.0
    assert h.collected_pct == 50.0 and h.daily_left_t == 5.0
    assert h.with_truck_pct == 37.5 and h.left_pct == 50.0 and h.within_reach_pct == 87.5
    assert h.unreached_supply_t == 100.0
    assert [(r.stage, r.reason, r.count) for r in h.reasons] == [
        ("routing", "fleet at this store cannot fit it within shifts", 2),
        ("routing", NO_BASE, 1), ("siting", NO_SITE, 1)]
    assert h.as_dict()["collected_pct"] == 50.0


def test_sentence_never_claims_full_service() -> None:
    h = plan_headlines(PlanMeta.from_json(eight_villages()))
    en = headline_sentence(h, "en")
    assert en.startswith("7 of 8 villages have a store within reach; 3 get a truck (37.5 %)")
    assert "5.0 of 10.0 t/day of pickup collected (50.0 %)" in en
    assert "4 villages left without a truck (50.0 %)" in en and "×2" in en
    assert "3 个村有车收集（37.5 %）" in headline_sentence(h, "zh")


def test_sentence_in_chinese_from_the_catalogue() -> None:
    """Every part of the Chinese sentence, the reasons and their stages included."""
    h = plan_headlines(PlanMeta.from_json(eight_villages()))
    assert headline_sentence(h, "zh") == (
        "7 / 8 个村有冷库可达；3 个村有车收集（37.5 %）；每日应收 10.0 吨，车辆收集 5.0 吨"
        "（50.0 %）；4 个村无车收集（50.0 %）。原因：线路：该冷库车队在班次内安排不下 ×2；"
        "线路：该冷库没有配备冷藏车 ×1；选址：最长车程内没有候选库址 ×1。")


def test_a_figure_the_plan_lacks_is_not_invented() -> None:
    meta = eight_villages()
    for route in meta["routes"]:
        route["stops"] = []  # an older plan: trips without their stops
    meta["kpis"]["daily_pickup_t"] = None
    h = plan_headlines(PlanMeta.from_json(meta))
    assert h.with_truck is None and h.nothing_to_collect is None
    assert h.daily_needed_t is None and h.collected_pct is None
    assert "not in this plan" in headline_sentence(h, "en")


def test_reason_kind_drops_per_village_detail() -> None:
    assert reason_kind("cannot reach the store within the freshness limit: needs 122 min, "
                       "limit 120 min") == "cannot reach the store within the freshness limit"
    assert reason_kind(FLEET_2) == "fleet at this store cannot fit it within shifts"
    assert reason_kind(NO_BASE) == NO_BASE


def test_each_village_gets_its_state() -> None:
    meta = eight_villages()
    layer = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": None, "properties": {
            "settlement_id": f"62292110000{i}", "store_id": None if i == 8 else "S1",
            "unserved_reason": NO_SITE if i == 8 else None}} for i in range(1, 9)]}
    out = settlements_with_state(PlanMeta.from_json(meta), layer)
    states = [(f["properties"]["state"], f["properties"]["unserved_reason"])
              for f in out["features"]]
    assert states == [(TRUCK, None)] * 3 + [(NOTHING_TO_COLLECT, None), (NO_TRUCK, FLEET_1),
                                            (NO_TRUCK, FLEET_2), (NO_TRUCK, NO_BASE),
                                            (NO_STORE, NO_SITE)]
    assert layer["features"][4]["properties"]["unserved_reason"] is None  # not changed
    meta["routes"][0]["stops"] = meta["routes"][1]["stops"] = []
    out = settlements_with_state(PlanMeta.from_json(meta), layer)
    assert out["features"][0]["properties"]["state"] == TRUCK_UNKNOWN


# ---- the pages -------------------------------------------------------------------------


def routed_plan(root: Path, plan_writer: Callable[..., Path]) -> Path:
    """The tiny plan with stops: R1 visits 622921100001, R2 622926100001 and -002;
    622926100003 is left at routing, 622921100002 has nothing to pick up."""
    plan_dir = plan_writer(root, "routed", approximate=True, created_at="2025-07-01T00:00:00Z")
    meta = json.loads((plan_dir / "plan.json").read_text(encoding="utf-8"))
    r1, r2 = meta["routes"]
    r1.update(load_t=2.0, stops=[_stop("622921100001", 2.0)])
    r2.update(load_t=3.0, stops=[_stop("622926100001", 1.0), _stop("622926100002", 2.0)])
    meta["unserved"].append(_unserved("622926100003", "routing", NO_BASE))
    meta["kpis"].update(daily_pickup_t=6.0, daily_pickup_routed_t=5.0)
    (plan_dir / "plan.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    return plan_dir


def routed_plan_app(tmp_path: Path, plan_writer: Callable[..., Path],
                    vendor_dir: Path) -> Flask:
    """An app over :func:`routed_plan` only, with its own instance folder."""
    routed_plan(tmp_path / "plans", plan_writer)
    return create_app({"TESTING": True, "PLANS_DIR": str(tmp_path / "plans"),
                       "VENDOR_DIR": str(vendor_dir),
                       "INSTANCE_DIR": str(tmp_path / "instance")})


@pytest.fixture
def routed_app(tmp_path: Path, plan_writer: Callable[..., Path],
               stub_vendor_dir: Path) -> Flask:
    """An app over the routed tiny plan only."""
    return routed_plan_app(tmp_path, plan_writer, stub_vendor_dir)


def test_list_cards_and_report_show_the_same_truth(routed_app: Flask) -> None:
    client = login(routed_app.test_client())
    index = client.get("/").get_data(as_text=True)
    assert "5 / 6" in index and "3 (50.0 %)" in index and "83.3 %" in index
    assert "2 (33.3 %)" in index  # left: 1 at siting, 1 at routing
    page = client.get("/plans/routed?lang=en").get_data(as_text=True)
    assert 'class="card card-truck"' in page and "3 / 6" in page
    assert "5 of 6 villages have a store within reach; 3 get a truck (50.0 %)" in page
    assert "5.0 / 6.0 t/day" in page and "Coverage (supply)" not in page
    assert "Villages without a truck (2)" in page
    report = client.get("/plans/routed/report?lang=en").get_data(as_text=True)
    assert "3 get a truck (50.0 %)" in report and "5.0 / 6.0 t/day (83.3 %)" in report


def test_county_rows_count_trucks(routed_app: Flask) -> None:
    client = login(routed_app.test_client())
    html = client.get("/plans/routed").get_data(as_text=True)
    table = html[html.index('id="counties"'):]
    table = table[:table.index("</table>")]
    cells = [row for row in table.split("<tr>") if "<td>" in row]
    assert '<td class="num">1</td><td class="num">0</td>' in cells[0]  # 临夏县
    assert '<td class="num">2</td><td class="num">1</td>' in cells[1]  # 东乡族自治县


def test_map_layer_carries_each_village_state(routed_app: Flask,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    import app.pages as pages
    seen: list[dict[str, Any]] = []
    draw = pages.plan_map

    def spy(plan: PlanMeta, layers: dict[str, Any], **kw: Any) -> Any:
        seen.append(layers)
        return draw(plan, layers, **kw)

    monkeypatch.setattr(pages, "plan_map", spy)
    assert login(routed_app.test_client()).get("/plans/routed").status_code == 200
    props = {f["properties"]["settlement_id"]: f["properties"]
             for f in seen[0]["settlements"]["features"]}
    assert props["622926100003"]["state"] == NO_TRUCK
    assert props["622926100003"]["unserved_reason"] == NO_BASE
    assert props["622921100001"]["state"] == TRUCK
