"""A plan page that scales: merged notes, prefectures first, drill-down, paging, route
sheets from the shift start with townships (app.drilldown, app.pages)."""

from __future__ import annotations

import copy
import dataclasses
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from app.drilldown import merge_notes, page_of, prefecture_rows, selected_code, siting_engines
from app.pages import clock, county_rows, route_sheets, shift_start
from optimize.plan.model import PlanMeta, ScenarioParam
from tests.conftest import counties_layer, login, real_plan

NOTE = ("{} villages have no coordinates of their own (NBS code lists); they are placed "
        "at their township centre, and each trip is 1.3 x the distance.")


def test_repeated_notes_are_merged_with_their_numbers() -> None:
    notes = ["Road network is approximate.", NOTE.format(640), NOTE.format(10),
             "Supply is an estimate.", NOTE.format(116)]
    merged = merge_notes(notes)
    assert [n.count for n in merged] == [1, 3, 1]
    assert merged[0].text == "Road network is approximate." and merged[0].values == ()
    assert merged[1].text == NOTE.format("N") and merged[1].values == ("640", "10", "116")
    assert "1.3" in merged[1].text  # a number all of them share stays


def test_identical_notes_merge_without_values() -> None:
    assert merge_notes(["a 1 b", "a 1 b"]) == [type(merge_notes(["x"])[0])("a 1 b", 2, ())]


def test_selected_code_ignores_junk() -> None:
    assert selected_code("6229", 4) == "6229" and selected_code("622921", 6) == "622921"
    for junk in ("<script>", "62", "62292", "6229x", None, "６２２９", "6229\n"):
        assert selected_code(junk, 4) is None


def test_page_of_clamps() -> None:
    rows = list(range(250))
    assert page_of(rows, 1).rows == list(range(100)) and page_of(rows, 1).pages == 3
    assert page_of(rows, 3).rows == list(range(200, 250))
    assert page_of(rows, 99).number == 3 and page_of(rows, "x").number == 1
    assert page_of([], 5).pages == 1 and page_of([], 5).rows == []


@pytest.fixture
def tiny(tiny_plan: dict[str, Any]) -> PlanMeta:
    """The tiny plan, typed."""
    return PlanMeta.from_json(tiny_plan)


def test_prefecture_rows_of_a_prefecture_plan(tiny: PlanMeta) -> None:
    rows = prefecture_rows(tiny, county_rows(counties_layer(), tiny))
    assert len(rows) == 1
    row = rows[0]
    assert (row["code"], row["name"], row["counties"], row["settlements"]) == (
        "6229", "临夏回族自治州", 2, 6)
    assert row["supply_t"] == 60.0 and row["covered_t"] == 50.0 and row["stores"] == 2


def test_siting_engine_of_a_plan_and_of_a_province(tiny: PlanMeta) -> None:
    assert siting_engines(tiny).startswith("CP-SAT")
    empty = dataclasses.replace(tiny, solver=dataclasses.replace(
        tiny.solver, siting=dataclasses.replace(tiny.solver.siting, engine=None)))
    assert siting_engines(empty) is None  # not a province: nothing to say


def _with_stop(plan: dict[str, Any]) -> dict[str, Any]:
    """The tiny plan whose trip R1 lists two stops (routing time from the shift start)."""
    meta = copy.deepcopy(plan)
    meta["routes"][0]["start_s"] = 0
    meta["routes"][0]["stops"] = [
        {"settlement_id": "622921100001", "name": "祁家村", "arrival_s": 480,
         "pickup_t": 1.0, "load_after_t": 1.0},
        {"settlement_id": "622921100002", "name": "祁家村", "arrival_s": 1500,
         "pickup_t": 1.0, "load_after_t": 2.0}]
    return meta


def test_route_sheet_clock_starts_at_the_shift_start(tiny_plan: dict[str, Any]) -> None:
    plan = PlanMeta.from_json(_with_stop(tiny_plan))
    assert shift_start(plan) == (6 * 3600, True)  # the plan carries none: 06:00, assumed
    sheet = route_sheets(plan, {})[0]
    trip = sheet["trips"][0]
    assert trip["start"] == "06:00" and trip["stops"][0]["arrival"] == "06:08"  # not 00:08
    assert sheet["shift_start"] == "06:00" and sheet["shift_start_assumed"] is True
    given = dataclasses.replace(plan, scenario={**plan.scenario, "shift_start_s": ScenarioParam(
        value=7 * 3600, unit="s", source="test", assumption=False)})
    assert shift_start(given) == (7 * 3600, False)
    assert route_sheets(given, {})[0]["trips"][0]["stops"][0]["arrival"] == "07:08"
    assert clock(20 * 3600, 6 * 3600) == "+1 02:00" and clock(None) == "–"


def test_clock_times_are_read_from_the_plans_shift_start(tiny_plan: dict[str, Any]) -> None:
    """A plan carrying shift_start_s = 07:00 (the scenario records it): times counted from
    the shift start (every plan so far) and times counted from midnight (trips leaving at
    the shift start or later) both show 07:08 for the first stop, on the sheets and in XLSX."""
    import io

    from openpyxl import load_workbook

    from app.exports import manifest_xlsx
    from app.pages import clock_offset_s

    relative = _with_stop(tiny_plan)
    relative["scenario"]["shift_start_s"] = {"value": 7 * 3600, "unit": "s after midnight",
                                             "source": "test", "assumption": True}
    absolute = copy.deepcopy(relative)
    assert absolute["routes"]
    for route in absolute["routes"]:
        route["start_s"] += 7 * 3600
        route["end_s"] += 7 * 3600
        for stop in route["stops"]:
            stop["arrival_s"] += 7 * 3600
    for meta in (relative, absolute):
        plan = PlanMeta.from_json(meta)
        assert shift_start(plan) == (7 * 3600, False)
        trip = route_sheets(plan, {})[0]["trips"][0]
        assert (trip["start"], trip["stops"][0]["arrival"], trip["stops"][1]["arrival"]) == (
            "07:00", "07:08", "07:25")
        book = load_workbook(io.BytesIO(manifest_xlsx(plan)), read_only=True)
        stops = list(book["Stops"].iter_rows(min_row=2, values_only=True))
        assert [row[7] for row in stops] == ["07:08", "07:25"]
        assert list(book["Notes"].iter_rows(values_only=True))[0][:2] == ("shift_start",
                                                                          "07:00")
    assert clock_offset_s(PlanMeta.from_json(relative)) == 7 * 3600
    assert clock_offset_s(PlanMeta.from_json(absolute)) == 0
    # a shared-fleet plan without the scenario's shift start: its note says the times
    # count from midnight, so they are shown as they are (06:00 flagged as the default)
    fleet = copy.deepcopy(absolute)
    del fleet["scenario"]["shift_start_s"]
    fleet["assumptions"].append("shift start 06:00 for every truck (trip clock times are "
                                "seconds from midnight): no source, an assumption")
    plan = PlanMeta.from_json(fleet)
    assert shift_start(plan) == (6 * 3600, True) and clock_offset_s(plan) == 0
    assert route_sheets(plan, {})[0]["trips"][0]["stops"][0]["arrival"] == "07:08"


def test_route_sheet_names_each_villages_township(tiny_plan: dict[str, Any]) -> None:
    plan = PlanMeta.from_json(_with_stop(tiny_plan))
    stops = route_sheets(plan, {"622921100001": "城关镇", "622921100002": "新集镇"}
                         )[0]["trips"][0]["stops"]
    assert [(s["township"], s["name"]) for s in stops] == [("城关镇", "祁家村"),
                                                          ("新集镇", "祁家村")]


def test_routes_page_has_shift_start_and_township_column(client: FlaskClient) -> None:
    html = client.get("/plans/tiny-linxia/routes").get_data(as_text=True)
    assert 'id="shift-start"' in html and "06:00" in html and "assumption" in html
    assert "乡镇 Township" in html and "12:00" in html  # trip R1 starts 6 h into the shift
    one = client.get("/plans/tiny-linxia/routes?store=S2").get_data(as_text=True)
    assert one.count('class="sheet"') == 1 and 'data-truck="T2"' in one


def test_drill_down_to_a_county(client: FlaskClient) -> None:
    html = client.get("/plans/tiny-linxia?county=622921").get_data(as_text=True)
    table = html[html.index('id="county-table"'):html.index('id="stores"')]
    assert "临夏县" in table and "东乡族自治县" not in table
    stores = html[html.index('id="store-table"'):html.index('id="unserved-section"')]
    assert "S1" in stores and "S2" not in stores
    assert 'href="/plans/tiny-linxia/routes?store=S1"' in stores  # store -> its trucks


@pytest.mark.parametrize("query", ["prefecture=%3Cscript%3E", "county=x", "page=-1",
                                   "page=99999999999999999999", "prefecture=9999"])
def test_junk_drill_arguments_are_ignored(client: FlaskClient, query: str) -> None:
    response = client.get(f"/plans/tiny-linxia?{query}")
    assert response.status_code == 200 and "<script>alert" not in response.get_data(
        as_text=True)


@pytest.fixture(scope="module")
def gansu(vendor_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Flask:
    """An app serving a copy of the real Gansu plan (read-only input)."""
    root = tmp_path_factory.mktemp("gansu")
    shutil.copytree(real_plan("gansu"), root / "plans" / "gansu")
    return create_app({"PLANS_DIR": str(root / "plans"), "VENDOR_DIR": str(vendor_dir),
                       "INSTANCE_DIR": str(root / "inst")})


def test_gansu_page_scales(gansu: Flask) -> None:
    client = login(gansu.test_client())
    html = client.get("/plans/gansu").get_data(as_text=True)
    GANSU = real_plan("gansu")  # noqa: N806
    meta = json.loads((GANSU / "plan.json").read_text(encoding="utf-8"))
    banner = html[html.index('class="banner approximate"'):html.index('id="headline"')]
    # the 14 prefectures' notes of one kind are merged into one line with their figures
    assert banner.count("<li>") < len(meta["approximations"]) and "(×14: N = " in banner
    table = html[html.index('id="prefecture-table"'):]
    table = table[:table.index("</table>")]
    assert table.count('class="drill"') == 14 and "兰州市" in table
    # one province-wide solve: no per-prefecture gap, and the row says where it is
    assert "– %)" not in table and "选址报告" in table
    stores = html[html.index('id="store-table"'):]
    assert stores[:stores.index("</table>")].count("<tr>") <= 101  # paged: 100 + header
    # the one province-wide solve records its engine (shown in Chinese, English as title)
    engine = re.search(r'Siting engine</th><td class="num">(.*?)</td>', html)
    assert engine and meta["solver"]["siting"]["engine"] in engine.group(1)
    assert html.index('id="prefectures"') < html.index('id="counties"')
    one = client.get("/plans/gansu?prefecture=6201").get_data(as_text=True)
    counties = one[one.index('id="county-table"'):one.index('id="stores"')]
    assert counties.count('class="drill"') == sum(
        1 for r in json.loads((GANSU / "layers" / "counties.geojson").read_text(
            encoding="utf-8"))["features"] if r["properties"]["county_code"].startswith("6201"))
