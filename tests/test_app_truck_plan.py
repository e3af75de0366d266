"""The truck plan's pages (issue 17 item 8): season switch and KPI cards, the season's
trucks and markets, truck day sheets, 404s, and older plans rendering as before.

The fixture plan ``trucks`` is the tiny plan of ``tests/conftest.py`` with the spec17 keys
added by :func:`truck_plan_meta` (two seasons, collection and market trips, idle trucks,
one market, market flow and costs), every figure chosen so it can be checked by hand.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from app.headlines import plan_headlines
from app.truck_plan import (
    SeasonNotFound,
    TruckNotFound,
    busiest_season,
    clock,
    idle_groups,
    names_by_id,
    pick_season,
    season_cards,
    season_compare_rows,
    season_kpi_table,
    season_kpis,
    season_names,
    season_plan,
    season_trucks,
    truck_export_rows,
    truck_sheet,
)
from optimize.plan.model import PlanMeta
from tests.browser import chromium_page, live_server, requires_chromium
from tests.conftest import browser_login, login, plan_meta, real_plan, write_plan

AUTUMN = {"dropped_trips": 2, "daily_supply_t": 30.0, "daily_self_delivered_t": 6.0,
          "daily_truck_needed_t": 24.0, "daily_pickup_routed_t": 18.0,
          "daily_unrouted_t": 6.0, "market_t": 4.0, "left_for_buyers_t": 20.0,
          "trucks": 3, "trucks_used": 2, "idle_trucks": 1, "distance_km": 95.0,
          "fuel_l": 13.3, "co2_kg": 35.5, "cost_yuan": 812.0}
SUMMER = {"daily_supply_t": 10.0, "daily_self_delivered_t": 4.0,
          "daily_truck_needed_t": 6.0, "daily_pickup_routed_t": 5.0,
          "daily_unrouted_t": 1.0, "market_t": 0.0, "left_for_buyers_t": 9.0,
          "trucks": 3, "trucks_used": 1, "idle_trucks": 2, "distance_km": 30.0,
          "fuel_l": 4.2, "co2_kg": 11.2, "cost_yuan": 301.0}
IDLE_REASON = "no produce left that it can reach within the freshness limit"
LINE = [[103.10, 35.50], [103.20, 35.60], [103.10, 35.50]]


def _route(rid: str, season: str, truck: str, base: str, kind: str, *, start_s: int,
           stops: list[dict[str, Any]], load_t: float, km: float, cost: float,
           market: str | None = None, store: str | None = None) -> dict[str, Any]:
    """One spec17 trip (and the keys the current Route record needs)."""
    return {"route_id": rid, "truck_id": truck, "store_id": store or base, "trip": 1,
            "stops_count": len(stops), "load_t": load_t, "distance_m": km * 1000,
            "duration_s": 5400, "start_s": start_s, "end_s": start_s + 5400,
            "colour": "#2ca02c", "approximate_geometry": False, "stops": stops,
            "kind": kind, "season": season, "base_id": base, "market_id": market,
            "fuel_l": round(km * 0.14, 2), "co2_kg": round(km * 0.14 * 2.66, 2),
            "cost_yuan": cost,
            **({"freshness_limit_s": 14400, "store_arrival_s": start_s + 5000}
               if kind == "collection" else {"days": 1})}


def _village(sid: str, name: str, arrival_s: int, pickup: float, after: float) -> dict:
    """A collection stop."""
    return {"settlement_id": sid, "name": name, "arrival_s": arrival_s,
            "pickup_t": pickup, "load_after_t": after}


def truck_routes() -> list[dict[str, Any]]:
    """Autumn: T001 collects then runs to market M:LZ; T002 collects for S2. Summer: T001."""
    market_stops = [
        # settlement_id: null only because optimize/plan/model.py's Stop still requires
        # the key (see test_market_stops_as_the_spec_writes_them)
        {"settlement_id": None, "store_id": "S1", "name": "临夏冷库 A", "arrival_s": 36000,
         "pickup_t": 4.0, "load_after_t": 4.0},
        {"settlement_id": None, "market_id": "M:LZ", "name": "兰州高原夏菜中心",
         "arrival_s": 41400, "pickup_t": 0.0, "delivered_t": 4.0, "load_after_t": 0.0}]
    return [
        _route("autumn-T001-1", "autumn", "T001", "S1", "collection", start_s=22200,
               stops=[_village("622921100001", "祁家村", 23400, 3.0, 3.0),
                      _village("622921100002", "后村", 24600, 5.0, 8.0)],
               load_t=8.0, km=30.0, cost=250.0),
        _route("autumn-T001-2", "autumn", "T001", "S1", "market", start_s=35400,
               stops=market_stops, load_t=4.0, km=40.0, cost=330.0, market="M:LZ"),
        _route("autumn-T002-1", "autumn", "T002", "S2", "collection", start_s=21600,
               stops=[_village("622926100002", "王家村", 22800, 10.0, 10.0)],
               load_t=10.0, km=25.0, cost=232.0),
        _route("summer-T001-1", "summer", "T001", "S1", "collection", start_s=21600,
               stops=[_village("622921100002", "后村", 22800, 5.0, 5.0)],
               load_t=5.0, km=30.0, cost=301.0),
    ]


def _truck(tid: str, season: str, base: str, trips: list[str], **figures: Any) -> dict:
    """A ``trucks`` entry; idle when it has no trips."""
    return {"truck_id": tid, "season": season, "base_id": base, "trips": trips,
            "start_s": 21600, "end_s": figures.get("end_s", 21600),
            "work_s": figures.get("end_s", 21600) - 21600,
            "distance_m": figures.get("distance_m", 0.0),
            "collection_t": figures.get("collection_t", 0.0),
            "market_t": figures.get("market_t", 0.0), "idle": not trips,
            "idle_reason": None if trips else IDLE_REASON,
            "empty_legs": [{"from_id": base, "to_id": base, "drive_s": 0,
                            "distance_m": figures.get("empty_m", 0)}] if trips else []}


def truck_plan_meta(plan_id: str = "trucks") -> dict[str, Any]:
    """The tiny plan with the spec17 truck-plan keys (hand-checkable figures)."""
    meta = plan_meta(plan_id, True, "2025-06-03T08:00:00Z")
    meta["name"] = "临夏 truck plan test"
    meta["routes"] = truck_routes()
    meta["kpis"].update(daily_pickup_t=24.0, daily_pickup_routed_t=18.0, trucks=3,
                        trucks_used=2, truck_trips=2, route_distance_m=55_000.0,
                        route_duration_s=10_800)  # the headline (routed) season's
    meta["unserved"] += [
        {"settlement_id": "622926100003", "name": "锁南村", "county_code": "622926",
         "stage": "routing", "season": season, "tonnes_t": tonnes,
         "reason": "fleet capacity reached: all 3 trucks are in use"}
        for season, tonnes in (("autumn", 6.0), ("summer", 1.0))]
    meta["trucks"] = [
        _truck("T001", "autumn", "S1", ["autumn-T001-1", "autumn-T001-2"], end_s=42000,
               distance_m=72_500.0, collection_t=8.0, market_t=4.0, empty_m=2500),
        _truck("T002", "autumn", "S2", ["autumn-T002-1"], end_s=27000,
               distance_m=25_000.0, collection_t=10.0),
        _truck("T003", "autumn", "S2", []),
        _truck("T001", "summer", "S1", ["summer-T001-1"], end_s=27000,
               distance_m=30_000.0, collection_t=5.0),
        _truck("T002", "summer", "S2", []), _truck("T003", "summer", "S2", []),
    ]
    meta["seasons"] = {
        "routed_season": "autumn", "seasons": [
            {"name": "summer", "days": 62, "kpis": SUMMER},
            {"name": "autumn", "days": 91, "kpis": AUTUMN}],
        "load": [], "fleet": [], "trucks_by_season": {"summer": 3, "autumn": 3},
        "moves": [], "repositioning_truck_km": 0.0, "shortfalls": [],
        "rule": "one shared fleet per season", "distances": "road", "annual_t": {},
        "assumptions": []}
    meta["markets"] = [{"market_id": "M:LZ", "name": "兰州高原夏菜中心", "lon": 103.75,
                        "lat": 35.75, "crops": ["potato", "vegetables"],
                        "daily_intake_t": 500.0, "open_s": 14400, "close_s": 43200,
                        "kind": "wholesale", "source": "PARAMETERS.md §7",
                        "approximate_location": True, "assumptions": ["intake"]}]
    meta["market_flow"] = {
        "split_rule": "collection first; market runs use the truck-time left",
        "by_season": {"autumn": {"delivered_t_by_market": {"M:LZ": 4.0},
                                 "left_for_buyers_t_by_store": {"S1": 4.0, "S2": 16.0}},
                      "summer": {"delivered_t_by_market": {},
                                 "left_for_buyers_t_by_store": {"S1": 9.0}}}}
    meta["costs"] = {
        "parameters": {"fuel_l_per_100km": {"value": 14, "unit": "L/100km",
                                            "source": "PARAMETERS.md §2",
                                            "assumption": False}},
        "by_season": {"autumn": {"cost_yuan": 812.0 * 91, "t_moved": 22.0 * 91,
                                 "cost_per_t_yuan": 36.91},
                      "summer": {"cost_yuan": 301.0 * 62, "t_moved": 5.0 * 62,
                                 "cost_per_t_yuan": 60.2}},
        "per_year": {}}
    return meta


def write_truck_plan(root: Path, plan_id: str = "trucks",
                     meta: dict[str, Any] | None = None) -> Path:
    """The tiny plan's files with :func:`truck_plan_meta` and routes.geojson rows for
    every trip (LineStrings with the trips' properties)."""
    plan_dir = write_plan(root, plan_id, approximate=True, created_at="2025-06-03T08:00:00Z")
    meta = meta or truck_plan_meta(plan_id)
    (plan_dir / "plan.json").write_text(json.dumps(meta, ensure_ascii=False),
                                        encoding="utf-8")
    features = [{"type": "Feature", "geometry": {"type": "LineString", "coordinates": LINE},
                 "properties": {k: v for k, v in r.items() if k != "stops"}}
                for r in meta["routes"]]
    (plan_dir / "layers" / "routes.geojson").write_text(json.dumps(
        {"type": "FeatureCollection", "features": features}, ensure_ascii=False),
        encoding="utf-8")
    return plan_dir


@pytest.fixture
def truck_app(tmp_path: Path, stub_vendor_dir: Path) -> Flask:
    """The app over the truck plan and the plain tiny plan."""
    root = tmp_path / "plans"
    write_truck_plan(root)
    write_plan(root, "tiny-linxia", approximate=True, created_at="2025-06-02T08:00:00Z")
    return create_app({"TESTING": True, "PLANS_DIR": str(root),
                       "VENDOR_DIR": str(stub_vendor_dir),
                       "INSTANCE_DIR": str(tmp_path / "instance")})


@pytest.fixture
def viewer(truck_app: Flask) -> FlaskClient:
    """A logged-in viewer of :func:`truck_app`."""
    return login(truck_app.test_client(), "viewer")


def card_values(html: str) -> dict[str, tuple[str, str | None]]:
    """``{card key: (value text, share text or None)}`` of the season cards."""
    cards = re.findall(r'data-key="(\w+)">.*?<span class="value">([^<]*)</span>'
                       r'(?:[^<]*</strong><small class="share">([^<]*)</small>)?', html)
    return {k: (v, s or None) for k, v, s in cards}


def overlay(name: str) -> str:
    """A layer name as the layer control's script writes it (JSON, ASCII-escaped)."""
    return json.dumps(name) + " :"


# ---- the view-model ----------------------------------------------------------------------


def test_seasons_and_the_busiest_default() -> None:
    meta = truck_plan_meta()
    assert season_names(meta) == ["summer", "autumn"]
    assert busiest_season(meta) == "autumn"
    assert pick_season(meta, None) == "autumn" and pick_season(meta, "summer") == "summer"
    with pytest.raises(SeasonNotFound, match="no season 'winter'; seasons are summer, autumn"):
        pick_season(meta, "winter")


def test_an_older_plan_has_no_seasons() -> None:
    meta = plan_meta("old", True, "2025-01-01T00:00:00Z")
    assert season_names(meta) == [] and busiest_season(meta) is None
    assert pick_season(meta, "autumn") is None


def test_cards_are_the_plans_figures_and_shares_add_up() -> None:
    cards = {c["key"]: c for c in season_cards(truck_plan_meta(), "autumn")}
    assert [cards[k]["value"] for k in ("supply", "self", "routed", "unrouted")] == [
        30.0, 6.0, 18.0, 6.0]
    shares = [cards[k]["share"] for k in ("self", "routed", "unrouted")]
    assert shares == pytest.approx([20.0, 60.0, 20.0])
    assert sum(shares) == pytest.approx(100.0)
    assert cards["market"]["value"] == 4.0 and cards["buyers"]["value"] == 20.0
    assert cards["idle"]["value"] == 1 and cards["idle"]["note"].startswith("2 / 3")
    assert cards["cost"]["value"] == 812.0 and cards["cost"]["note"] == "36.91 yuan/t"
    assert cards["co2"]["value"] == 35.5 and cards["km"]["value"] == 95.0


def test_idle_trucks_are_grouped_by_reason() -> None:
    groups = idle_groups(season_trucks(truck_plan_meta(), "summer"))
    assert groups == [{"reason": IDLE_REASON, "count": 2, "truck_ids": ["T002", "T003"]}]


def test_truck_sheet_of_a_collection_and_a_market_trip() -> None:
    sheet = truck_sheet(truck_plan_meta(), "autumn", "T001")
    assert sheet["shift_start"] == "06:00" and sheet["shift_start_assumed"]
    assert [t["route_id"] for t in sheet["trips"]] == ["autumn-T001-1", "autumn-T001-2"]
    collect, market = sheet["trips"]
    # truck-plan trips carry seconds from midnight: 22,200 s is 06:10, not 12:10
    assert (collect["start"], collect["end"]) == ("06:10", "07:40")
    assert [s["arrival"] for s in collect["stops"]] == ["06:30", "06:50"]
    assert (collect["to_id"], collect["to_name"]) == ("S1", "临夏冷库 A")
    assert (market["kind"], market["to_id"], market["to_name"]) == (
        "market", "M:LZ", "兰州高原夏菜中心")
    assert [(s["id"], s["arrival"], s["market"]) for s in market["stops"]] == [
        ("S1", "10:00", False), ("M:LZ", "11:30", True)]
    assert sheet["cost_yuan"] == 580.0 and sheet["fuel_l"] == pytest.approx(9.8)
    assert (sheet["start"], sheet["end"], sheet["work_s"]) == ("06:00", "11:40", 20400)
    assert (sheet["empty_legs"], sheet["empty_distance_m"]) == (1, 2500.0)


def test_truck_sheet_says_where_each_trip_starts() -> None:
    meta = truck_plan_meta()
    # a plan made before start_id: a collection trip leaves its own store, a market run
    # its base
    collect, market = truck_sheet(meta, "autumn", "T001")["trips"]
    assert (collect["from_id"], collect["from_name"]) == ("S1", "临夏冷库 A")
    assert market["from_id"] == "S1"
    for r in meta["routes"]:
        if r["route_id"] == "autumn-T001-1":
            r["start_id"] = "S2"  # the truck came from the other store
    collect, _ = truck_sheet(meta, "autumn", "T001")["trips"]
    assert (collect["from_id"], collect["from_name"], collect["start"]) == (
        "S2", names_by_id(meta)["S2"], "06:10")


def test_truck_sheet_takes_the_scenarios_shift_start() -> None:
    meta = truck_plan_meta()
    meta["scenario"]["shift_start_s"] = {"value": 25200, "unit": "s", "source": "test",
                                         "assumption": False}
    sheet = truck_sheet(meta, "autumn", "T002")
    assert sheet["shift_start"] == "07:00" and not sheet["shift_start_assumed"]
    assert sheet["trips"][0]["start"] == "06:00"  # the plan's own clock, not shifted


def test_unknown_truck() -> None:
    with pytest.raises(TruckNotFound, match="no truck 'T009' in season 'autumn'"):
        truck_sheet(truck_plan_meta(), "autumn", "T009")
    with pytest.raises(TruckNotFound):
        truck_sheet(truck_plan_meta(), "summer", "T004")


def test_export_rows_and_season_table() -> None:
    meta = truck_plan_meta()
    rows = truck_export_rows(meta)
    assert len(rows) == 6 and rows[0][:4] == ["autumn", "T001", "S1", 2]
    assert rows[0][4:6] == ["06:00", "11:40"]
    table = season_kpi_table(meta)
    assert table["autumn"]["daily_pickup_routed_t"] == 18.0
    assert table["summer"]["idle_trucks"] == 2
    assert clock(90000) == "+1 01:00"


def test_season_plan_counts_one_seasons_day() -> None:
    plan = PlanMeta.from_json(truck_plan_meta())
    autumn, summer = season_plan(plan), season_plan(plan, "summer")
    assert [r.route_id for r in autumn.routes] == ["autumn-T001-1", "autumn-T002-1"]
    assert [r.route_id for r in summer.routes] == ["summer-T001-1"]
    assert len(autumn.unserved) == len(summer.unserved) == 2  # 1 siting + 1 routing
    head = plan_headlines(autumn)  # market run and summer trip not added in
    assert (head.daily_collected_t, head.daily_needed_t) == (18.0, 24.0)
    head = plan_headlines(summer)
    assert (head.daily_collected_t, head.daily_needed_t) == (5.0, 6.0)
    assert (summer.kpis.trucks_used, summer.kpis.truck_trips) == (1, 1)
    assert summer.kpis.route_distance_m == 30_000.0
    province = truck_plan_meta("province")  # seasons read into the province report
    province.update(decomposition={"rule": "", "bound_note": "", "wall_clock_caps_fired": []},
                    regions=[], province_totals={"stores": 2, "trucks": 3, "budget_yuan": 1.0},
                    truck_budget={"trucks": 3, "store_budget_yuan": 1.0})
    typed = PlanMeta.from_json(province)
    assert typed.seasons is not None and typed.seasons.routed_season == "autumn"
    assert season_plan(typed, "summer").kpis.daily_pickup_t == 6.0
    old = PlanMeta.from_json(plan_meta("old", True, "2025-01-01T00:00:00Z"))
    assert season_plan(old) is old


# ---- the pages ---------------------------------------------------------------------------


def test_plan_page_shows_the_busiest_season_by_default(viewer: FlaskClient) -> None:
    html = viewer.get("/plans/trucks").get_data(as_text=True)
    assert 'data-season="autumn"' in html
    cards = card_values(html)
    assert cards["supply"] == ("30.0", None)
    assert cards["self"] == ("6.0", "20.0 %")
    assert cards["routed"] == ("18.0", "60.0 %")
    assert cards["unrouted"] == ("6.0", "20.0 %")
    assert cards["market"][0] == "4.0" and cards["buyers"][0] == "20.0"
    assert cards["idle"][0] == "1" and cards["cost"][0] == "812"
    assert cards["co2"][0] == "36" and cards["km"][0] == "95"  # 35.5 -> 36 (0 decimals)
    assert "36.91 yuan/t" in html
    assert IDLE_REASON in html  # the idle truck's reason behind the card's <details>
    assert "2 趟未排 trips no truck could take" in html
    assert "collection first; market runs use the truck-time left" in html
    assert re.search(r'card-collected">.*?<strong>75.0 %</strong><small>18.0 / 24.0',
                     html, re.S)  # the headline card counts autumn's collection trips


def test_season_switch_keeps_the_other_arguments(viewer: FlaskClient) -> None:
    html = viewer.get("/plans/trucks?season=summer&county=622921").get_data(as_text=True)
    cards = card_values(html)
    assert cards["routed"] == ("5.0", "50.0 %") and cards["idle"][0] == "2"
    link = re.search(r'<a href="([^"]+)#season-panel" class="season" data-season="autumn"',
                     html)
    assert link is not None
    assert "county=622921" in link.group(1) and "season=autumn" in link.group(1)
    assert "season=summer" not in link.group(1)


def test_truck_table_links_to_day_sheets(viewer: FlaskClient) -> None:
    html = viewer.get("/plans/trucks?season=autumn").get_data(as_text=True)
    table = html[html.index('id="truck-table"'):html.index("</table>", html.index(
        'id="truck-table"'))]
    assert table.count("<tr data-truck=") == 3
    assert "/plans/trucks/trucks/T001?season=autumn" in table
    assert "闲置 idle" in table


def test_market_table_shows_delivered_tonnes(viewer: FlaskClient) -> None:
    html = viewer.get("/plans/trucks").get_data(as_text=True)
    row = re.search(r'<tr data-market="M:LZ">(.*?)</tr>', html, re.S)
    assert row is not None
    assert "500.0" in row.group(1) and "04:00–12:00" in row.group(1)
    assert '<td class="num delivered">4.0</td>' in row.group(1)


def test_truck_sheet_page(viewer: FlaskClient) -> None:
    response = viewer.get("/plans/trucks/trucks/T001?season=autumn")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "06:10–07:40" in html and "10:00" in html and "11:30" in html
    assert "兰州高原夏菜中心" in html and "580 yuan" in html
    assert "display default" in html  # the 06:00 shift start is flagged
    assert "72.5 km" in html and "1 × · 2.5 km" in html  # the truck's km with empty drives
    assert "出发 Leave 临夏冷库 A</td><td><code>S1</code></td><td>06:10</td>" in html


@pytest.mark.parametrize("url, message", [
    ("/plans/trucks?season=winter", "no season"),
    ("/plans/trucks/trucks/T001?season=winter", "no season"),
    ("/plans/trucks/trucks/T999?season=autumn", "no truck"),
    ("/plans/tiny-linxia/trucks/T1", "no truck plan by season"),
])
def test_unknown_season_or_truck_is_404(viewer: FlaskClient, url: str, message: str) -> None:
    response = viewer.get(url)
    assert response.status_code == 404
    assert message in response.get_data(as_text=True)


def test_older_plan_renders_without_the_season_part(viewer: FlaskClient) -> None:
    response = viewer.get("/plans/tiny-linxia?season=whatever")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "season-panel" not in html and "truck-table" not in html
    assert overlay("线路 Truck routes") in html  # the one routes layer as before


def test_map_has_season_layers_and_markets(viewer: FlaskClient) -> None:
    html = viewer.get("/plans/trucks?season=autumn").get_data(as_text=True)
    for name in ("收集线路 Collection runs", "市场线路 Market runs", "市场 Markets"):
        assert overlay(name) in html
    assert overlay("线路 Truck routes") not in html
    assert "autumn-T001-2" in html and "summer-T001-1" not in html
    tip = json.dumps("<br>".join([  # the market marker's tooltip as the script holds it
        "crops 品种: potato, vegetables", "intake 日收购: 500.0 t",
        "hours 营业: 04:00–12:00", "delivered 日送达: 4.0 t"]))[1:-1]
    assert tip.replace("<", "\\u003c").replace(">", "\\u003e") in html
    summer = viewer.get("/plans/trucks?season=summer").get_data(as_text=True)
    assert "summer-T001-1" in summer and "autumn-T001-2" not in summer


def test_market_stops_as_the_spec_writes_them(tmp_path: Path, stub_vendor_dir: Path) -> None:
    meta = truck_plan_meta("spec")
    for route in meta["routes"]:
        for stop in route["stops"]:
            if stop.get("settlement_id") is None:
                stop.pop("settlement_id", None)
    write_truck_plan(tmp_path / "plans", "spec", copy.deepcopy(meta))
    app = create_app({"TESTING": True, "PLANS_DIR": str(tmp_path / "plans"),
                      "VENDOR_DIR": str(stub_vendor_dir),
                      "INSTANCE_DIR": str(tmp_path / "instance")})
    assert login(app.test_client()).get("/plans/spec").status_code == 200


def test_route_sheets_print_truck_plan_times_once(viewer: FlaskClient) -> None:
    html = viewer.get("/plans/trucks/routes").get_data(as_text=True)
    sheets = re.findall(r'data-truck="(T\d+)" id="[^"]+" data-season="(\w+)"', html)
    assert sheets == [("T001", "autumn"), ("T002", "autumn"), ("T001", "summer")]
    assert "06:10–07:40" in html and "12:10" not in html  # not shifted by 06:00 twice
    assert "/plans/trucks/trucks/T001?season=summer" in html


def test_xlsx_has_trucks_and_seasons_sheets(viewer: FlaskClient) -> None:
    from io import BytesIO

    from openpyxl import load_workbook

    book = load_workbook(BytesIO(viewer.get("/plans/trucks/export/xlsx").data))
    trucks = list(book["Trucks"].values)
    assert trucks[0][:3] == ("season", "truck_id", "base_id") and len(trucks) == 7
    assert trucks[3][:2] == ("autumn", "T003") and trucks[3][10] is True
    seasons = {row[0]: row for row in list(book["Seasons"].values)[1:]}
    assert seasons["autumn"][3] == 18.0 and seasons["summer"][9] == 2
    stops = list(book["Stops"].values)
    assert ("祁家村", "06:30") in [(r[6], r[7]) for r in stops]


def test_older_plan_xlsx_has_no_truck_plan_sheets(viewer: FlaskClient) -> None:
    from io import BytesIO

    from openpyxl import load_workbook

    book = load_workbook(BytesIO(viewer.get("/plans/tiny-linxia/export/xlsx").data))
    assert book.sheetnames == ["Routes", "Stops", "Notes"]


def test_compare_shows_per_season_figures(viewer: FlaskClient) -> None:
    html = viewer.get("/compare?a=tiny-linxia&b=trucks").get_data(as_text=True)
    row = re.search(r'<tr data-season="autumn" data-key="daily_pickup_routed_t">(.*?)</tr>',
                    html, re.S)
    assert row is not None
    cells = re.findall(r'<td class="num[^"]*">([^<]*)</td>', row.group(1))
    assert cells == ["–", "18.0", "–"]  # the older plan has no seasons: no difference
    # 13 figures, the collection target and its fleet, the proven lower fleet and share
    assert html.count('<tr data-season="') == 2 * 17


def test_season_compare_rows_difference() -> None:
    a, b = truck_plan_meta("a"), truck_plan_meta("b")
    b["seasons"]["seasons"][1]["kpis"] = dict(AUTUMN, daily_pickup_routed_t=20.0,
                                              daily_unrouted_t=4.0)
    rows = {(r["season"], r["key"]): r for r in season_compare_rows(a, b)}
    assert rows[("autumn", "daily_pickup_routed_t")]["diff"] == 2.0
    assert rows[("autumn", "daily_unrouted_t")]["diff"] == -2.0
    assert rows[("summer", "daily_pickup_routed_t")]["diff"] == 0.0


# ---- in a browser ------------------------------------------------------------------------


@pytest.mark.browser
@requires_chromium
def test_switch_season_and_open_a_truck_sheet_in_chromium(
        vendor_dir: Path, tmp_path: Path) -> None:
    write_truck_plan(tmp_path / "plans")
    app = create_app({"PLANS_DIR": str(tmp_path / "plans"), "VENDOR_DIR": str(vendor_dir),
                      "INSTANCE_DIR": str(tmp_path / "instance")})
    with live_server(app) as base_url, chromium_page() as page:
        browser_login(page, base_url, app)
        page.goto(f"{base_url}/plans/trucks?county=622921", wait_until="networkidle")
        first = page.locator("#season-panel").get_attribute("data-season")
        autumn_routed = page.locator(".card-routed .value").inner_text()
        overlays = page.locator(".leaflet-control-layers-overlays").inner_text()
        page.click("#season-switch a[data-season=summer]")
        page.wait_for_selector("#season-panel[data-season=summer]")
        summer_url = page.url
        summer_routed = page.locator(".card-routed .value").inner_text()
        summer_share = page.locator(".card-routed .share").inner_text()
        page.click("#truck-table a.truck-sheet-link >> text=T001")
        page.wait_for_selector("#truck-sheet")
        sheet_season = page.locator("#truck-sheet").get_attribute("data-season")
        first_trip = page.locator("h2.trip").first.inner_text()
        arrival = page.locator(
            "#truck-sheet table.data tbody tr:not(.start-stop) td:nth-child(4)").first
        arrival_text = arrival.inner_text()
        leave_text = page.locator("#truck-sheet table.data tr.start-stop").first.inner_text()
    assert (first, autumn_routed) == ("autumn", "18.0")
    for name in ("收集线路 Collection runs", "市场线路 Market runs", "市场 Markets"):
        assert name in overlays
    assert "season=summer" in summer_url and "county=622921" in summer_url
    assert (summer_routed, summer_share) == ("5.0", "50.0 %")
    assert sheet_season == "summer" and "summer-T001-1" in first_trip
    assert "06:00–07:30" in first_trip and arrival_text == "06:20"
    assert "Leave" in leave_text and "S1" in leave_text and "06:00" in leave_text


def test_real_linxia_plan_cards_equal_its_plan_json(tmp_path: Path,
                                                    stub_vendor_dir: Path) -> None:
    """Every season's cards of a saved Linxia truck plan (``$COLDCHAIN_REAL_PLANS_DIR``
    /linxia, from ``coldchain plan scenarios/linxia.toml``) equal its plan.json."""
    source = real_plan("linxia")
    meta = json.loads((source / "plan.json").read_text(encoding="utf-8"))
    if not season_names(meta):
        pytest.skip("the saved Linxia plan predates the truck plan")
    app = create_app({"TESTING": True, "PLANS_DIR": str(source.parent),
                      "VENDOR_DIR": str(stub_vendor_dir),
                      "INSTANCE_DIR": str(tmp_path / "instance")})
    client = login(app.test_client())
    for season in season_names(meta):
        html = client.get(f"/plans/{source.name}", query_string={"season": season}).get_data(
            as_text=True)
        cards, kpis = card_values(html), season_kpis(meta, season)
        supply = kpis["daily_supply_t"]
        for key, field in (("self", "daily_self_delivered_t"),
                           ("routed", "daily_pickup_routed_t"),
                           ("unrouted", "daily_unrouted_t")):
            assert cards[key] == (f"{kpis[field]:,.1f}",
                                  f"{100 * kpis[field] / supply:,.1f} %"), (season, key)
        assert cards["idle"][0] == str(kpis["idle_trucks"])
        assert html.count("<tr data-truck=") == min(50, len(season_trucks(meta, season)))


def test_truck_sheet_needs_a_login_and_escapes_the_asked_id(truck_app: Flask,
                                                            viewer: FlaskClient) -> None:
    anon = truck_app.test_client().get("/plans/trucks/trucks/T001?season=autumn")
    assert anon.status_code in (302, 401)
    response = viewer.get("/plans/trucks/trucks/%3Cscript%3Ex?season=autumn")
    assert response.status_code == 404
    assert "<script>x" not in response.get_data(as_text=True)
