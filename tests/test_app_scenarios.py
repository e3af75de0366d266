"""Scenario forms: create, validate by field, edit, copy, supply and site uploads with row
errors."""

from __future__ import annotations

import io

import pytest
from flask.testing import FlaskClient
from openpyxl import Workbook

from app.scenarios import FormResult, form_key, parse_form, parse_tiers, validate
from geodata.errors import Reason
from optimize.errors import SpecificationError
from tests.conftest import SCRIPT_NAME, csrf_of

GOOD = {"name": "广河 test", "region_code": "622924", "siting_time_limit_s": "5",
        "routing_time_limit_s": "0.2", "crop": "potato", "stores": "3",
        "tiers": "100, 200000, 105000\n300, 450000, 315000"}
VILLAGE = "622924100001"


def _post(client: FlaskClient, url: str, **fields: object) -> object:
    return client.post(url, data=dict(fields, csrf_token=csrf_of(client)),
                       content_type="multipart/form-data")


def test_parse_form_and_tiers() -> None:
    from werkzeug.datastructures import MultiDict
    result = parse_form(MultiDict(GOOD))
    assert result.errors == {}
    assert result.params["stores"] == 3 and result.params["siting_time_limit_s"] == 5.0
    assert result.params["tiers"][1] == {"capacity_t": 300.0, "build_cost_yuan": 450000.0,
                                         "subsidy_yuan": 315000.0}
    with pytest.raises(ValueError, match="line 2"):
        parse_tiers("100,1,1\n100,x")


def test_reasons_are_filed_by_their_field() -> None:
    result = FormResult("x", {"name": "x", "crop": "durian", "stores": -3,
                              "harvest_peak_days": 0})
    validate(result, None)
    assert sorted(result.errors) == ["_", "crop", "stores"]
    assert result.errors["stores"] == ["stores = -3: must be >= 0"]
    assert result.errors["_"] == ["harvest_peak_days = 0.0: must be > 0"]  # not on the form
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
    assert 'value="622924"' in form and "300, 450000, 315000" in form
    assert _post(planner, f"/scenarios/{sid}/edit", **dict(GOOD, stores="4")).status_code == 302
    assert planner.get(f"/api/scenarios/{sid}").get_json()["params"]["stores"] == 4
    copied = _post(planner, f"/scenarios/{sid}/copy")
    assert copied.status_code == 302 and "/edit" in copied.location
    names = sorted(s["name"] for s in planner.get("/api/scenarios").get_json()["scenarios"])
    assert names == ["广河 test", "广河 test (copy)"]


def test_errors_are_shown_by_field(planner: FlaskClient) -> None:
    response = _post(planner, "/scenarios/new", **dict(
        GOOD, stores="-3", crop="durian", truck_capacity_t="abc", tiers="50, 1, 1"))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "truck_capacity_t" in html and "expected a number" in html
    response = _post(planner, "/scenarios/new", **dict(GOOD, stores="-3", crop="durian",
                                                       tiers="50, 1, 1"))
    html = response.get_data(as_text=True)
    assert 'data-field="stores"' in html and "must be &gt;= 0" in html
    assert 'data-field="crop"' in html and "unknown" in html
    assert 'data-field="tiers"' in html and "100 t minimum" in html
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


@pytest.mark.parametrize(("name", "data", "message"), [
    ("x.exe", b"MZ", "only CSV or XLSX"), ("../../x.txt", b"a", "only CSV or XLSX"),
    ("fake.xlsx", b"not a zip", "not an XLSX workbook"), ("bin.csv", b"\xff\xfe\x00x",
                                                          "UTF-8"),
    ("empty.csv", b"", "empty"),
])
def test_upload_type_is_checked(planner: FlaskClient, name: str, data: bytes,
                                message: str) -> None:
    response = _post(planner, "/scenarios/new", **dict(GOOD, supply_file=(io.BytesIO(data),
                                                                          name)))
    assert response.status_code == 422 and message in response.get_data(as_text=True)


def test_unknown_scenario_is_404(planner: FlaskClient) -> None:
    assert planner.get("/scenarios/42/edit").status_code == 404
    assert planner.get("/api/scenarios/42").status_code == 404
