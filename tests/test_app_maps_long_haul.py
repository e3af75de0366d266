"""Long-haul legs on the plan map and on the truck's day sheet (issue 17 item 2:
app.maps_long_haul, app.truck_sheet_long_haul).

The truck-plan fixture of ``tests/test_app_truck_plan.py`` with its idle autumn truck
T003 lent instead to a 6-day leg from store S2 (103.50, 35.50) to the Tianjin outlet
(117.20, 39.13): 3 t per leg, 0.5 t a day, 3,336 km by the straight-line estimate.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from app.maps_long_haul import LONG_HAUL_GROUP, long_haul_features, long_haul_tip
from app.truck_sheet_long_haul import day_clock, long_haul_view
from optimize.plan.model import PlanMeta
from tests.browser import chromium_page, live_server, requires_chromium
from tests.conftest import browser_login, login
from tests.test_app_truck_plan import overlay, truck_plan_meta, write_truck_plan
from tests.test_optimize_plan_market_records import LEG

TIANJIN = {"market_id": "P:tianjin", "name": "天津 甘肃农产品专区", "lon": 117.2,
           "lat": 39.13, "crops": ["vegetables"], "daily_intake_t": 100.0,
           "open_s": 21600, "close_s": 79200, "kind": "long_haul",
           "source": "PARAMETERS.md §7", "approximate_location": True, "assumptions": []}


def lent_meta() -> dict[str, Any]:
    """The truck-plan fixture with autumn's T003 on a long-haul leg from S2."""
    meta = truck_plan_meta()
    meta["markets"].append(TIANJIN)
    leg = {**LEG, "season": "autumn", "truck_id": "T003", "base_id": "S2", "store_id": "S2",
           "leg_id": "autumn-T003-long_haul",
           "stops": [{**LEG["stops"][0], "store_id": "S2"}, LEG["stops"][1]],
           "legs": [{**g, "from_id": g["from_id"].replace("S007", "S2"),
                     "to_id": g["to_id"].replace("S007", "S2")} for g in LEG["legs"]]}
    for t in meta["trucks"]:
        if (t["truck_id"], t["season"]) == ("T003", "autumn"):
            t.update(idle=False, idle_reason=None, long_haul=leg, start_s=21600,
                     work_s=25051, end_s=46651, distance_m=556064, market_t=0.5)
    return meta


def test_the_leg_is_a_straight_line_from_the_base_to_the_outlet() -> None:
    plan = PlanMeta.from_json(lent_meta())
    stores = {"S1": (103.1, 35.5), "S2": (103.5, 35.5)}
    (leg,) = long_haul_features(plan, "autumn", stores)
    assert leg["geometry"]["coordinates"] == [[103.5, 35.5], [117.2, 39.13]]
    p = leg["properties"]
    assert (p["truck_id"], p["market_id"], p["load_t"], p["days"], p["daily_t"]) == (
        "T003", "P:tianjin", 3.0, 6, 0.5)
    assert p["distance_km"] == 3336.4 and p["approximate"] is True
    assert long_haul_features(plan, "summer", stores) == []
    assert long_haul_features(plan, "autumn", {"S1": (103.1, 35.5)}) == []  # no base point
    tip = long_haul_tip(p)
    assert "3.0 t every 6 days (0.50 t/day)" in tip and "3,336 km (estimate" in tip
    assert "straight line, approximate" in tip


def test_the_sheet_lists_days_destination_and_tonnes() -> None:
    assert day_clock(212253) == (3, "10:57") and day_clock(None) == (None, "–")
    view = long_haul_view(lent_meta()["trucks"][2]["long_haul"], {"S2": "临夏冷库 B"})
    assert view is not None
    assert (view["days"], view["nights"], view["load_t"], view["daily_t"]) == (6, 5, 3.0, 0.5)
    assert [(s["id"], s["day"], s["clock"], s["tonnes_t"]) for s in view["stops"]] == [
        ("S2", 1, "06:00", 3.0), ("P:tianjin", 3, "10:57", 3.0)]
    assert (view["back_day"], view["back"]) == (6, "07:45") and view["approximate"]
    assert long_haul_view(None, {}) is None


@pytest.fixture
def lent_client(tmp_path: Path, stub_vendor_dir: Path) -> FlaskClient:
    root = tmp_path / "plans"
    write_truck_plan(root, meta=lent_meta())
    app: Flask = create_app({"TESTING": True, "PLANS_DIR": str(root),
                             "VENDOR_DIR": str(stub_vendor_dir),
                             "INSTANCE_DIR": str(tmp_path / "instance")})
    return login(app.test_client(), "viewer")


def test_the_season_map_has_a_long_haul_layer(lent_client: FlaskClient) -> None:
    autumn = lent_client.get("/plans/trucks?season=autumn").get_data(as_text=True)
    assert overlay(LONG_HAUL_GROUP) in autumn
    assert json.dumps("autumn-T003-long_haul")[1:-1] in autumn and "cc-long-haul" in autumn
    summer = lent_client.get("/plans/trucks?season=summer").get_data(as_text=True)
    assert overlay(LONG_HAUL_GROUP) not in summer  # no leg that season: no layer


def test_the_day_sheet_shows_the_leg(lent_client: FlaskClient) -> None:
    response = lent_client.get("/plans/trucks/trucks/T003?season=autumn")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="long-haul"' in html and "天津 甘肃农产品专区" in html
    assert "6 天 days (5 夜 nights away)" in html and "3.00 t per leg = 0.50 t/day" in html
    assert "<td>3</td><td>10:57</td><td>送达 Deliver" in html
    assert "straight-line estimate" in html and "No trips this season" not in html


@pytest.mark.browser
@requires_chromium
def test_the_leg_is_drawn_and_labelled_in_chromium(vendor_dir: Path, tmp_path: Path) -> None:
    write_truck_plan(tmp_path / "plans", meta=lent_meta())
    app = create_app({"PLANS_DIR": str(tmp_path / "plans"), "VENDOR_DIR": str(vendor_dir),
                      "INSTANCE_DIR": str(tmp_path / "instance")})
    errors: list[str] = []
    with live_server(app) as base_url, chromium_page() as page:
        page.on("pageerror", lambda e: errors.append(str(e)))
        browser_login(page, base_url, app)
        page.goto(f"{base_url}/plans/trucks?season=autumn", wait_until="networkidle")
        page.wait_for_selector("path.cc-long-haul", timeout=10_000)
        overlays = page.locator(".leaflet-control-layers-overlays").inner_text()
        drawn = page.locator(".leaflet-overlay-pane path.cc-long-haul").count()
        dashes = page.locator("path.cc-long-haul").get_attribute("stroke-dasharray")
        # the line runs far off the region's view (to Tianjin): point inside the map
        box = page.locator(".leaflet-container").first.bounding_box()
        assert box is not None
        at = {"clientX": box["x"] + box["width"] / 2, "clientY": box["y"] + box["height"] / 2}
        page.dispatch_event("path.cc-long-haul", "mouseover", at)
        page.dispatch_event("path.cc-long-haul", "mousemove", at)
        tooltip = page.locator(".leaflet-tooltip").inner_text(timeout=5_000)
    assert errors == [] and LONG_HAUL_GROUP in overlays and drawn == 1
    assert dashes == "2 8"
    assert "autumn-T003-long_haul" in tooltip and "approximate" in tooltip
