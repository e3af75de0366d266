"""Scenario forms: create, validate by field, edit, copy, supply and site uploads with row
errors."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import Workbook
from werkzeug.test import TestResponse

from app.scenario_form import FormResult, form_key, parse_form, parse_tiers, validate
from geodata.errors import Reason
from optimize.errors import SpecificationError
from tests.conftest import SCRIPT_NAME, csrf_of

GOOD = {"name": "广河 test", "region_code": "622924", "siting_time_limit_s": "5",
        "routing_time_limit_s": "0.2", "crop": "potato", "stores": "3",
        "tiers": "100, 20, 10.5\n300, 45, 31.5"}
VILLAGE = "622924100201"  # a rural village of 广河县 622924


def _post(client: FlaskClient, url: str, **fields: object) -> TestResponse:
    return client.post(url, data=dict(fields, csrf_token=csrf_of(client)),
                       content_type="multipart/form-data")


def test_parse_form_and_tiers(app: Flask) -> None:
    from werkzeug.datastructures import MultiDict
    result = parse_form(MultiDict(GOOD))
    assert result.errors == {}
    assert result.params["stores"] == 3 and result.params["siting_time_limit_s"] == 5.0
    assert result.params["tiers"][1] == {"capacity_t": 300.0, "build_cost_yuan": 450000.0,
                                         "subsidy_yuan": 315000.0}
    with pytest.raises(ValueError, match="line 2: expected 3 numbers"):  # no request: English
        parse_tiers("100,1,1\n100,x")
    with app.test_request_context("/"), pytest.raises(ValueError, match="第 2 行：应为 3 个数"):
        parse_tiers("100,1,1\n100,x")
    with app.test_request_context("/"), pytest.raises(ValueError, match="第 1 行：capacity_t"):
        parse_tiers("1,1,1")


def test_reasons_are_filed_by_their_field() -> None:
    result = FormResult("x", {"name": "x", "crop": "durian", "stores": -3,
                              "harvest_peak_days": 0})
    validate(result, None)
    assert sorted(result.errors) == ["_", "crop", "stores"]
    assert result.errors["stores"] == ["stores = -3: must be between 0 and 2,000 (stores)"]
    assert result.errors["_"] == [  # not on the form
        "harvest_peak_days = 0: must be between 1 and 1,000,000,000 (days)"]
    unknown = FormResult("x", {"name": "x", "colour": 3})
    validate(unknown, None)
    assert unknown.errors == {"_": ["unknown key 'colour'"]}
    assert (form_key("tiers"), form_key("seasons"), form_key(None)) == ("tiers", "_", "_")


def test_reason_field_not_its_text_picks_the_form_field(monkeypatch: pytest.MonkeyPatch) -> None:
    from optimize.scenario import Scenario

    def refuse(raw: object) -> None:
        raise SpecificationError([Reason("crop", "不认识的作物 (unknown crop)"),
                                  Reason(None, "crop: no field named")])

    monkeypatch.setattr(Scenario, "from_mapping", staticmethod(refuse))
    result = FormResult("x", {"name": "x"})
    validate(result, None)
    assert result.errors == {"crop": ["不认识的作物 (unknown crop)"],
                             "_": ["crop: no field named"]}


def test_create_list_edit_copy(planner: FlaskClient) -> None:
    response = _post(planner, "/scenarios/new", **GOOD)
    assert response.status_code == 302
    listed = planner.get("/api/scenarios").get_json()["scenarios"]
    assert [s["name"] for s in listed] == ["广河 test"]
    sid = listed[0]["id"]
    form = planner.get(f"/scenarios/{sid}/edit").get_data(as_text=True)
    assert 'value="622924"' in form and "300, 45, 31.5" in form
    assert _post(planner, f"/scenarios/{sid}/edit", **dict(GOOD, stores="4")).status_code == 302
    assert planner.get(f"/api/scenarios/{sid}").get_json()["params"]["stores"] == 4
    copied = _post(planner, f"/scenarios/{sid}/copy")
    assert copied.status_code == 302 and "/edit" in copied.location
    assert "已复制为「广河 test (copy)」" in planner.get(copied.location).get_data(as_text=True)
    names = sorted(s["name"] for s in planner.get("/api/scenarios").get_json()["scenarios"])
    assert names == ["广河 test", "广河 test (copy)"]


def test_errors_are_shown_by_field(planner: FlaskClient) -> None:
    response = _post(planner, "/scenarios/new", **dict(
        GOOD, stores="-3", crop="durian", truck_capacity_t="abc", tiers="50, 1, 1"))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'data-field="truck_capacity_t"' in html and "应为数字" in html  # Chinese first
    response = _post(planner, "/scenarios/new?lang=en", **dict(
        GOOD, stores="-3", crop="durian", tiers="50, 1, 1"))
    html = response.get_data(as_text=True)
    assert 'data-field="stores"' in html and "must be between 0 and 2,000" in html
    assert 'data-field="crop"' in html and "unknown" in html
    assert 'data-field="tiers"' in html and "capacity_t = 50: must be between 100 and" in html
    assert planner.get("/api/scenarios").get_json()["scenarios"] == []


def test_user_text_escaped(planner: FlaskClient) -> None:
    _post(planner, "/scenarios/new", **dict(GOOD, name=SCRIPT_NAME))
    html = planner.get("/scenarios").get_data(as_text=True)
    assert SCRIPT_NAME not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_supply_csv_upload(planner: FlaskClient) -> None:
    csv = f"settlement_id,supply_t\n{VILLAGE},12.5\n".encode()
    response = _post(planner, "/scenarios/new", **dict(
        GOOD, supply_file=(io.BytesIO(csv), "supply.csv")))
    assert response.status_code == 302
    row = planner.get("/api/scenarios").get_json()["scenarios"][0]
    assert row["supply_name"] == "supply.csv" and "supply_file" not in row["params"]


def test_site_table_upload_and_row_error(planner: FlaskClient) -> None:
    good = f"settlement_id,status\n{VILLAGE},required\n".encode()
    response = _post(planner, "/scenarios/new", **dict(
        GOOD, sites_file=(io.BytesIO(good), "sites.csv")))
    assert response.status_code == 302
    row = planner.get("/api/scenarios").get_json()["scenarios"][0]
    assert row["sites_name"] == "sites.csv" and "sites_file" not in row["params"]
    bad = f"settlement_id,status\n{VILLAGE},required\n622924100002,perhaps\n".encode()
    response = _post(planner, "/scenarios/new", **dict(
        GOOD, sites_file=(io.BytesIO(bad), "my sites.csv")))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "my sites.csv" in html and "row 3" in html and "perhaps" in html
    assert "/uploads/" not in html


def test_supply_row_error_names_the_row(planner: FlaskClient) -> None:
    csv = f"settlement_id,supply_t\n{VILLAGE},1\n{VILLAGE},-2\n".encode()
    response = _post(planner, "/scenarios/new", **dict(
        GOOD, supply_file=(io.BytesIO(csv), "my supply.csv")))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "my supply.csv" in html and "row 3" in html and "supply_t must be &gt;= 0" in html
    assert "/uploads/" not in html  # no server path


def test_supply_xlsx_upload_row_error(planner: FlaskClient) -> None:
    book = Workbook()
    book.active.append(["settlement_id", "supply_t"])
    book.active.append(["12345", 3])
    out = io.BytesIO()
    book.save(out)
    response = _post(planner, "/scenarios/new", **dict(
        GOOD, supply_file=(io.BytesIO(out.getvalue()), "s.xlsx")))
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "s.xlsx" in html and "row 2" in html


@pytest.mark.parametrize(("name", "data", "message", "chinese"), [
    ("x.exe", b"MZ", "x.exe: only CSV or XLSX", "x.exe：仅接受 CSV 或 XLSX 文件"),
    ("../../x.txt", b"a", "x.txt: only CSV or XLSX", "x.txt：仅接受 CSV 或 XLSX 文件"),
    ("fake.xlsx", b"not a zip", "fake.xlsx: not an XLSX workbook",
     "fake.xlsx：不是 XLSX 工作簿"),
    ("bin.csv", b"\xff\xfe\x00x", "bin.csv: a CSV file must be UTF-8 text",
     "bin.csv：CSV 文件须为 UTF-8 编码的文本"),
    ("empty.csv", b"", "empty.csv: the file is empty", "empty.csv：文件是空的"),
])
def test_upload_type_is_checked(planner: FlaskClient, name: str, data: bytes,
                                message: str, chinese: str) -> None:
    for lang, expected in (("en", message), ("zh", chinese)):
        response = _post(planner, f"/scenarios/new?lang={lang}", **dict(
            GOOD, supply_file=(io.BytesIO(data), name)))
        assert response.status_code == 422 and expected in response.get_data(as_text=True)


def test_unknown_scenario_is_404(planner: FlaskClient) -> None:
    assert planner.get("/scenarios/42/edit").status_code == 404
    assert planner.get("/api/scenarios/42").status_code == 404


# ---- absurd values, the region at upload time, refused uploads removed ------------------


def _uploads(planner: FlaskClient) -> list[Path]:
    folder = Path(planner.application.config["INSTANCE_DIR"]) / "uploads"
    return sorted(folder.iterdir()) if folder.is_dir() else []


@pytest.mark.parametrize(("key", "value"), [
    ("truck_capacity_t", "1e30"), ("budget_yuan", "1e30"), ("shift_s", "-1"),
    ("shift_s", "1e30"), ("stores", "100000000000000000000"), ("trucks", "-2"),
    ("siting_time_limit_s", "nan"), ("routing_time_limit_s", "inf"),
    ("trips_per_truck", "0"), ("seed", "-1"), ("poverty_weight", "-0.5"),
    ("max_access_time_s", "999999999"), ("tiers", "1e30, 1, 1"),
])
def test_absurd_values_are_refused_beside_the_field(planner: FlaskClient, key: str,
                                                    value: str) -> None:
    response = _post(planner, "/scenarios/new", **dict(GOOD, **{key: value}))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f'<span class="error" data-field="{key}">' in html
    assert "Traceback" not in html and "Error" not in html
    assert planner.get("/api/scenarios").get_json()["scenarios"] == []


def test_range_message_in_both_languages(planner: FlaskClient) -> None:
    zh = _post(planner, "/scenarios/new", **dict(GOOD, truck_capacity_t="1e30"))
    assert "冷藏车载重（吨） = 1e+30：须在 0.1 到 50 之间" in zh.get_data(as_text=True)
    en = _post(planner, "/scenarios/new?lang=en", **dict(GOOD, truck_capacity_t="1e30"))
    assert "Truck load (t) = 1e+30: must be between 0.1 and 50" in en.get_data(as_text=True)


def test_supply_outside_the_region_is_refused_on_upload(planner: FlaskClient) -> None:
    csv = (f"settlement_id,supply_t\n{VILLAGE},1\n622921100201,2\n622924999999,3\n"
           ).encode()
    response = _post(planner, "/scenarios/new", **dict(
        GOOD, supply_file=(io.BytesIO(csv), "我的 supply.csv")))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert '<span class="error" data-field="supply_file">我的 supply.csv: 2 settlement_id' in html
    assert "622924 广河县" in html and "rows 3 (622921100201), 4 (622924999999)" in html
    instance = planner.application.config["INSTANCE_DIR"]
    assert "/uploads/" not in html and instance not in html
    assert _uploads(planner) == []
    assert planner.get("/api/scenarios").get_json()["scenarios"] == []


@pytest.mark.parametrize(("name", "data"), [
    ("空表 supply.csv", b"settlement_id,supply_t\n"),
    ("blank.csv", b"settlement_id,supply_t\n,\n,\n"),
    ("blank.xlsx", "xlsx"),
])
def test_an_empty_supply_table_is_refused_on_upload(planner: FlaskClient, name: str,
                                                    data: bytes | str) -> None:
    if data == "xlsx":
        book = Workbook()
        book.active.append(["settlement_id", "supply_t"])
        book.active.append([None, None])
        out = io.BytesIO()
        book.save(out)
        data = out.getvalue()
    assert isinstance(data, bytes)
    response = _post(planner, "/scenarios/new", **dict(
        GOOD, supply_file=(io.BytesIO(data), name)))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert (f'<span class="error" data-field="supply_file">{name}: the supply table has no '
            "data rows: only a header, or every row blank (表中没有数据行)") in html
    assert "/uploads/" not in html and planner.application.config["INSTANCE_DIR"] not in html
    assert _uploads(planner) == []
    assert planner.get("/api/scenarios").get_json()["scenarios"] == []


def test_sites_outside_the_region_are_refused_on_upload(planner: FlaskClient) -> None:
    csv = b"settlement_id,status\n622921100201,required\n"
    response = _post(planner, "/scenarios/new", **dict(
        GOOD, sites_file=(io.BytesIO(csv), "sites.csv")))
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and 'data-field="sites_file">sites.csv: 1 settle' in html
    assert _uploads(planner) == []


def test_kept_table_is_checked_when_the_region_changes(planner: FlaskClient) -> None:
    csv = f"settlement_id,supply_t\n{VILLAGE},1\n".encode()
    assert _post(planner, "/scenarios/new", **dict(
        GOOD, supply_file=(io.BytesIO(csv), "s.csv"))).status_code == 302
    sid = planner.get("/api/scenarios").get_json()["scenarios"][0]["id"]
    response = _post(planner, f"/scenarios/{sid}/edit", **dict(GOOD, region_code="622921"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "s.csv: 1 settlement_id" in html
    assert "622921 临夏县" in html and "rows 2 (622924100201)" in html
    assert len(_uploads(planner)) == 1  # the scenario's own file stays


def test_refused_form_removes_the_files_it_uploaded(planner: FlaskClient) -> None:
    good = f"settlement_id,supply_t\n{VILLAGE},1\n".encode()
    sites = f"settlement_id,status\n{VILLAGE},excluded\n".encode()
    response = _post(planner, "/scenarios/new", **dict(
        GOOD, stores="abc", supply_file=(io.BytesIO(good), "s.csv"),
        sites_file=(io.BytesIO(sites), "t.csv")))
    assert response.status_code == 422 and _uploads(planner) == []
    bad = f"settlement_id,supply_t\n{VILLAGE},-1\n".encode()
    response = _post(planner, "/scenarios/new", **dict(
        GOOD, supply_file=(io.BytesIO(bad), "s.csv")))
    assert response.status_code == 422 and _uploads(planner) == []


def test_xlsx_bomb_upload_is_refused_and_removed(planner: FlaskClient, tmp_path: Path) -> None:
    from tests.test_geodata_supply import xlsx_bomb

    bomb = xlsx_bomb(tmp_path / "b.xlsx", dimension="A1:B1048576", rows=30_000)
    response = _post(planner, "/scenarios/new", **dict(
        GOOD, supply_file=(io.BytesIO(bomb.read_bytes()), "产量.xlsx")))
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "产量.xlsx: the sheet declares 1,048,576 rows" in html
    assert _uploads(planner) == []


def test_kept_upload_is_private(planner: FlaskClient) -> None:
    csv = f"settlement_id,supply_t\n{VILLAGE},1\n".encode()
    assert _post(planner, "/scenarios/new", **dict(
        GOOD, supply_file=(io.BytesIO(csv), "s.csv"))).status_code == 302
    (kept,) = _uploads(planner)
    assert kept.stat().st_mode & 0o777 == 0o600
    assert kept.parent.stat().st_mode & 0o777 == 0o700


def test_form_shows_each_range(planner: FlaskClient) -> None:
    html = planner.get("/scenarios/new").get_data(as_text=True)
    assert '<span class="range" data-range="truck_capacity_t">范围 0.1–50</span>' in html
    # in the form's units: 万元 and hours (the bounds are kept in yuan and seconds)
    assert '<span class="range" data-range="budget_yuan">范围 0–1,000,000</span>' in html
    assert '<span class="range" data-range="shift_s">范围 1–24</span>' in html


# ---- the form for people: units, region picker, delete, templates -----------------------


def test_units_convert_both_ways() -> None:
    from werkzeug.datastructures import MultiDict

    from app.form_units import to_form, to_scenario
    from app.scenarios import form_values

    assert (to_scenario("shift_s", 7.5), to_scenario("service_s", 15),
            to_scenario("budget_yuan", 500), to_scenario("max_snap_m", 2.5)) \
        == (27_000, 900, 5_000_000, 2_500)
    assert isinstance(to_scenario("shift_s", 7.5), int) and to_scenario("stores", 3) == 3
    assert (to_form("shift_s", 28_800), to_form("unload_s", 1_200), to_form("crop", "x")) \
        == (8, 20, "x")
    result = parse_form(MultiDict(dict(GOOD, shift_s="8", service_s="15", unload_s="20",
                                       budget_yuan="500", freshness_limit_s="2.5",
                                       max_access_time_s="90", max_snap_m="5")))
    assert result.errors == {}
    assert {k: result.params[k] for k in ("shift_s", "service_s", "unload_s", "budget_yuan",
                                          "freshness_limit_s", "max_access_time_s",
                                          "max_snap_m")} \
        == {"shift_s": 28_800, "service_s": 900, "unload_s": 1_200, "budget_yuan": 5e6,
            "freshness_limit_s": 9_000, "max_access_time_s": 5_400, "max_snap_m": 5_000}
    shown = form_values(dict(result.params))
    assert (shown["shift_s"], shown["service_s"], shown["budget_yuan"],
            shown["freshness_limit_s"], shown["max_snap_m"]) == ("8", "15", "500", "2.5", "5")
    assert shown["tiers"] == "100, 20, 10.5\n300, 45, 31.5"


def test_a_shift_in_seconds_is_refused_in_hours(planner: FlaskClient) -> None:
    """28800 typed as hours is out of range, named in hours beside its field."""
    html = _post(planner, "/scenarios/new", **dict(GOOD, shift_s="28800")).get_data(
        as_text=True)
    assert "每班工作时长（小时） = 28800：须在 1 到 24 之间" in html


def test_saved_scenario_keeps_seconds_and_shows_hours(planner: FlaskClient) -> None:
    response = _post(planner, "/scenarios/new", **dict(GOOD, shift_s="10", service_s="12"))
    assert response.status_code == 302
    listed = planner.get(response.location).get_data(as_text=True)
    assert "已保存情景「广河 test」" in listed  # the confirmation after saving
    sid = planner.get("/api/scenarios").get_json()["scenarios"][0]["id"]
    params = planner.get(f"/api/scenarios/{sid}").get_json()["params"]
    assert (params["shift_s"], params["service_s"]) == (36_000, 720)
    form = planner.get(f"/scenarios/{sid}/edit").get_data(as_text=True)
    assert 'name="shift_s" value="10"' in form and 'name="service_s" value="12"' in form
    assert '<label data-field-row="shift_s">每班工作时长 <span class="unit">(小时)</span>' in form


def test_region_picker_lists_prefectures_and_their_counties(planner: FlaskClient) -> None:
    from app.regions import current_regions

    with planner.application.app_context():
        regions = current_regions()
    assert regions is not None and len(regions.prefectures) == 14
    linxia = next(p for p in regions.prefectures if p.code == "6229")
    assert linxia.name == "临夏回族自治州" and ("622924", "广河县") in linxia.counties
    assert all(code.startswith(p.code) for p in regions.prefectures for code, _ in p.counties)
    html = planner.get("/scenarios/new").get_data(as_text=True)
    group = html.split('<optgroup label="6229 临夏回族自治州"')[1].split("</optgroup>")[0]
    assert '<option value="622924">' in group and "广河县" in group
    assert 'value="622924" selected' not in html  # no county is chosen for the planner
    refused = _post(planner, "/scenarios/new", **dict(GOOD, region_code="629999"))
    assert refused.status_code == 422
    assert 'data-field="region_code">地区 629999：不是' in refused.get_data(as_text=True)


def _scenario_of(app: object, owner: str) -> int:
    from app.db import EXTENSION_KEY

    db = app.extensions[EXTENSION_KEY]  # type: ignore[attr-defined]
    return int(db.save_scenario(None, f"{owner}'s", {"name": f"{owner}'s"}, (None, None),
                                owner, (None, None)))


def test_planner_deletes_own_scenarios_only(planner: FlaskClient, client: FlaskClient) -> None:
    app = planner.application
    mine, theirs = _scenario_of(app, "pete"), _scenario_of(app, "someone")
    assert planner.get(f"/scenarios/{theirs}/delete").status_code == 403
    assert _post(planner, f"/scenarios/{theirs}/delete").status_code == 403
    assert client.get(f"/scenarios/{mine}/delete").status_code == 403  # a viewer
    assert _post(client, f"/scenarios/{mine}/delete").status_code == 403
    listing = planner.get("/scenarios").get_data(as_text=True)
    assert f"/scenarios/{mine}/delete" in listing and f"/scenarios/{theirs}/delete" not in listing
    ask = planner.get(f"/scenarios/{mine}/delete").get_data(as_text=True)
    assert "删除情景「pete&#39;s」？" in ask and 'id="confirm-delete"' in ask
    assert planner.post(f"/scenarios/{mine}/delete").status_code == 400  # no CSRF token
    done = _post(planner, f"/scenarios/{mine}/delete")
    assert done.status_code == 302
    assert "已删除情景「pete&#39;s」" in planner.get(done.location).get_data(as_text=True)
    ids = [s["id"] for s in planner.get("/api/scenarios").get_json()["scenarios"]]
    assert ids == [theirs]


def test_admin_deletes_any_scenario_and_plans(app: object, tmp_path: Path,
                                              plan_writer: object) -> None:
    from app import create_app
    from tests.conftest import login

    plans = tmp_path / "plans"
    for plan_id in ("doomed", "kept"):
        plan_writer(plans, plan_id, approximate=True,  # type: ignore[operator]
                    created_at="2025-06-02T08:00:00Z")
    (tmp_path / "outside").mkdir()
    (plans / "link").symlink_to(tmp_path / "outside")
    own = create_app({"TESTING": True, "PLANS_DIR": str(plans),
                      "INSTANCE_DIR": str(tmp_path / "inst")})
    admin, planner = login(own.test_client(), "admin"), login(own.test_client(), "planner")
    theirs = _scenario_of(own, "someone")
    assert _post(admin, f"/scenarios/{theirs}/delete").status_code == 302
    assert planner.get("/plans/doomed/delete").status_code == 403
    assert _post(planner, "/plans/doomed/delete").status_code == 403
    assert admin.get("/scenarios").get_data(as_text=True).count("/plans/doomed/delete") == 1
    assert "永久删除方案 doomed" in admin.get("/plans/doomed/delete").get_data(as_text=True)
    for bad in ("link", "..", "nope", "Doomed", "%2e%2e%2fplans"):
        assert _post(admin, f"/plans/{bad}/delete").status_code == 404, bad
    assert (tmp_path / "outside").is_dir()
    done = _post(admin, "/plans/doomed/delete")
    assert done.status_code == 302
    assert sorted(p.name for p in plans.iterdir()) == ["kept", "link"]
    assert "已删除方案 doomed" in admin.get(done.location).get_data(as_text=True)


def test_plan_a_job_is_writing_is_not_deleted(app: object, tmp_path: Path,
                                              plan_writer: object) -> None:
    from app import create_app
    from app.db import EXTENSION_KEY
    from tests.conftest import login

    plans = tmp_path / "plans"
    plan_writer(plans, "busy", approximate=True,  # type: ignore[operator]
                created_at="2025-06-02T08:00:00Z")
    own = create_app({"TESTING": True, "PLANS_DIR": str(plans),
                      "INSTANCE_DIR": str(tmp_path / "inst")})
    admin = login(own.test_client(), "admin")  # serving has started: lost jobs marked
    own.extensions[EXTENSION_KEY].run(
        "INSERT INTO jobs (scenario_id, scenario_name, plan_id, state, created_by, created_at,"
        " updated_at, heartbeat_at) VALUES (1, 'x', 'busy', 'running', 'ada', 0, 0, ?)",
        (time.time() + 3_600,))  # a live worker's heartbeat
    assert _post(admin, "/plans/busy/delete").status_code == 409
    assert (plans / "busy" / "plan.json").is_file()


def test_repository_scenarios_are_templates(planner: FlaskClient) -> None:
    listing = planner.get("/scenarios").get_data(as_text=True)
    assert "scenarios/linxia.toml" in listing and "scenarios/gansu.toml" in listing
    assert "6229 临夏回族自治州" in listing and "62 甘肃省" in listing
    made = _post(planner, "/scenarios/templates/gansu/copy")
    assert made.status_code == 302 and made.location.endswith("/edit")
    form = planner.get(made.location).get_data(as_text=True)
    assert "已从模板 gansu.toml 新建情景" in form
    assert '<option value="62" selected>' in form and "province_stores" in form
    sid = int(made.location.split("/")[-2])
    params = planner.get(f"/api/scenarios/{sid}").get_json()["params"]
    assert params["region_code"] == "62" and params["province_stores"] == 893
    # saving the form keeps what the form does not show
    values = {k: v for k, v in _form_fields(form).items() if k != "csrf_token"}
    assert _post(planner, f"/scenarios/{sid}/edit", **values).status_code == 302
    again = planner.get(f"/api/scenarios/{sid}").get_json()["params"]
    assert again["province_stores"] == 893 and again["siting_time_limit_s"] == 90
    assert _post(planner, "/scenarios/templates/..%2fx/copy").status_code == 404
    assert _post(planner, "/scenarios/templates/nope/copy").status_code == 404


def test_templates_folder_is_configurable(tmp_path: Path, app: object) -> None:
    from app import create_app
    from tests.conftest import login

    folder = tmp_path / "tpl"
    folder.mkdir()
    (folder / "mine.toml").write_text('name = "我的模板"\nregion_code = "622924"\n'
                                      'supply_file = "/etc/passwd"\n', encoding="utf-8")
    (folder / "broken.toml").write_text('crop = "durian"\n', encoding="utf-8")
    own = create_app({"TESTING": True, "PLANS_DIR": str(tmp_path),
                      "INSTANCE_DIR": str(tmp_path / "inst"),
                      "SCENARIO_TEMPLATES_DIR": str(folder)})
    planner = login(own.test_client(), "planner")
    listing = planner.get("/scenarios").get_data(as_text=True)
    assert "scenarios/mine.toml" in listing and "broken" not in listing
    assert "linxia.toml" not in listing
    made = _post(planner, "/scenarios/templates/mine/copy")
    sid = int(made.location.split("/")[-2])
    assert "supply_file" not in planner.get(f"/api/scenarios/{sid}").get_json()["params"]


def _form_fields(html: str) -> dict[str, str]:
    """The values a browser would send for the scenario form (inputs, selects, textarea)."""
    import re

    form = html.split('id="scenario-form"')[1].split("</form>")[0]
    values = dict(re.findall(r'<input name="([^"]+)" value="([^"]*)"', form))
    values.update(re.findall(r'<select name="([^"]+)"[^>]*>(?:(?!</select>).)*?'
                             r'<option value="([^"]*)" selected', form, re.S))
    tiers = re.search(r'<textarea name="tiers"[^>]*>([^<]*)</textarea>', form)
    values["tiers"] = tiers.group(1) if tiers else ""
    return values


def test_every_field_is_labelled_in_both_languages(planner: FlaskClient) -> None:
    import re

    from app.i18n import LABELS
    from app.scenario_form import FIELDS

    assert FIELDS and all(f"{p}_{k}" in LABELS for k in FIELDS for p in ("f", "h"))
    zh = planner.get("/scenarios/new").get_data(as_text=True)
    en = planner.get("/scenarios/new?lang=en").get_data(as_text=True)
    assert not re.search(r">\s*[fh]_[a-z_]+", zh + en)  # no label shown as its key
    assert "服务时间" not in en and "Working shift <span class=\"unit\">(h)</span>" in en
    assert "每村装货时间 <span class=\"unit\">(分钟)</span>" in zh and "(万元)" in zh
    assert ">班次开始时间 <span class=\"unit\">(点钟)</span>" in zh
    assert "卡车几点开始出车" in zh and "6 = 06:00, 6.5 = 06:30" in en


def test_form_ranges_are_the_scenarios_own(planner: FlaskClient) -> None:
    """One source of truth: the form's ranges are optimize.scenario.PARAMS' bounds."""
    from app.scenario_form import FIELDS, form_field_bounds
    from optimize.scenario import PARAMS

    numbers = [k for k, kind in FIELDS.items() if kind != "str"]
    assert "shift_start_s" in numbers and "truck_capacity_t" in numbers
    assert form_field_bounds() == {k: PARAMS[k].bounds for k in numbers}
    html = planner.get("/scenarios/new").get_data(as_text=True)
    assert 'data-range="shift_s">范围 1–24</span>' in html  # hours, from 3,600-86,400 s
    assert 'data-range="truck_capacity_t">范围 0.1–50</span>' in html


def test_shift_start_is_asked_in_hours_and_kept_in_seconds(planner: FlaskClient) -> None:
    zh = planner.get("/scenarios/new").get_data(as_text=True)
    assert ('<label data-field-row="shift_start_s">班次开始时间 <span class="unit">(点钟)</span>'
            in zh)
    en = planner.get("/scenarios/new?lang=en").get_data(as_text=True)
    assert '<label data-field-row="shift_start_s">Shift start' in en
    refused = _post(planner, "/scenarios/new?lang=zh", **dict(GOOD, shift_start_s="24"))
    assert refused.status_code == 422
    assert "班次开始时间（点钟） = 24：须在 0 到 23 之间" in refused.get_data(as_text=True)
    saved = _post(planner, "/scenarios/new", **dict(GOOD, shift_start_s="6.5"))
    assert saved.status_code == 302
    sid = planner.get("/api/scenarios").get_json()["scenarios"][0]["id"]
    assert planner.get(f"/api/scenarios/{sid}").get_json()["params"]["shift_start_s"] == 23_400
    form = planner.get(f"/scenarios/{sid}/edit").get_data(as_text=True)
    assert 'name="shift_start_s" value="6.5"' in form


def test_a_stored_scenario_out_of_range_is_refused_at_run(planner: FlaskClient) -> None:
    """A scenario saved before the ranges (1e30 t trucks) is shown with its reason, not run."""
    from app.db import EXTENSION_KEY

    db = planner.application.extensions[EXTENSION_KEY]
    sid = db.save_scenario(None, "old", {"name": "old", "region_code": "622924",
                                         "truck_capacity_t": 1e30, "shift_s": 90_000,
                                         "harvest_peak_days": 0.5}, (None, None), "pete",
                           (None, None))
    response = planner.post(f"/scenarios/{sid}/run?lang=zh",
                            data={"csrf_token": csrf_of(planner)})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    # in the form's unit and language, beside the field; one message each
    assert html.count('data-field="truck_capacity_t">') == 1
    assert 'data-field="truck_capacity_t">冷藏车载重（吨） = 1e+30：须在 0.1 到 50 之间' in html
    assert 'data-field="shift_s">每班工作时长（小时） = 25：须在 1 到 24 之间' in html
    # a value the form does not show: the scenario's own words, for the form as a whole
    assert ('data-field="_">harvest_peak_days = 0.5: must be between 1 and 1,000,000,000 '
            '(days)') in html
    assert f'action="/scenarios/{sid}/edit"' in html  # the form saves edits, never runs
    assert db.jobs() == []
