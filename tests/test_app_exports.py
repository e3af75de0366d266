"""Exports: GeoJSON, GeoPackage, CSV, XLSX manifests, report and route sheets."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook

from app.exports import cached_export, stop_rows
from optimize.plan.model import Route, Stop
from tests.conftest import SCRIPT_NAME, login
from tests.test_app_headlines import routed_plan_app


def test_geojson_has_every_layer(client: FlaskClient) -> None:
    response = client.get("/plans/tiny-linxia/export/geojson")
    assert response.status_code == 200 and "attachment" in response.headers[
        "Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    layers = [f["properties"]["layer"] for f in data["features"]]
    assert {n: layers.count(n) for n in set(layers)} == {
        "counties": 2, "settlements": 6, "stores": 2, "routes": 2}


def test_geopackage_layers(client: FlaskClient, tmp_path: Path) -> None:
    import pyogrio
    response = client.get("/plans/tiny-linxia/export/gpkg")
    assert response.status_code == 200
    path = tmp_path / "p.gpkg"
    path.write_bytes(response.get_data())
    names = sorted(str(n) for n, _ in pyogrio.list_layers(path))
    assert names == ["counties", "routes", "settlements", "stores"]
    assert len(pyogrio.read_dataframe(path, layer="settlements")) == 6


def test_csv_of_settlements(client: FlaskClient) -> None:
    text = client.get("/plans/tiny-linxia/export/csv").get_data().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 6 and rows[2]["name"] == SCRIPT_NAME
    assert rows[2]["unserved_reason"] == "no store within 240 min"


def test_xlsx_manifest(client: FlaskClient) -> None:
    response = client.get("/plans/tiny-linxia/export/xlsx")
    book = load_workbook(io.BytesIO(response.get_data()))
    assert book.sheetnames == ["Routes", "Stops", "Notes"]
    assert book["Routes"].max_row == 3
    shift = [c.value for c in book["Notes"][1]]
    assert shift[:2] == ["shift_start", "06:00"] and shift[2].startswith("assumed")


def test_stop_rows_and_formula_quoting() -> None:
    stop = Stop(settlement_id="1", name="=HYPERLINK(1)", arrival_s=25_260, pickup_t=1.0,
                load_after_t=1.0)
    route = Route(route_id="R", truck_id="T1", store_id="S", trip=1, stops_count=1,
                  load_t=1.0, distance_m=0.0, duration_s=0, start_s=0, end_s=0,
                  colour="#000", approximate_geometry=False, stops=(stop,))
    row = stop_rows([route])[0]
    assert row[6] == "'=HYPERLINK(1)" and row[7] == "07:01"
    assert stop_rows([route], start_s=6 * 3600)[0][7] == "13:01"  # from a 06:00 shift start


def test_report_and_route_sheets(client: FlaskClient) -> None:
    html = client.get("/plans/tiny-linxia/report").get_data(as_text=True)
    assert "@media print" not in html and "Truck T1" in html and "临夏县" in html
    assert SCRIPT_NAME not in html
    sheets = client.get("/plans/tiny-linxia/routes").get_data(as_text=True)
    assert sheets.count('class="sheet"') == 2


def test_unknown_export_is_404(client: FlaskClient) -> None:
    assert client.get("/plans/tiny-linxia/export/shp").status_code == 404
    assert client.get("/plans/nope/export/csv").status_code == 404


# ---- each village's real state, codes as text, the cached GeoPackage ---------------------

ROUTED_STATES = {  # settlement_id -> (state, unserved_reason) of the routed tiny plan
    "622921100001": ("store_within_reach+truck", ""),
    "622921100002": ("store_within_reach_nothing_to_collect", ""),
    "622921100003": ("no_store_within_reach", "no store within 240 min"),
    "622926100001": ("store_within_reach+truck", ""),
    "622926100002": ("store_within_reach+truck", ""),
    "622926100003": ("store_within_reach_no_truck", "no truck based at this store"),
}


@pytest.fixture
def routed_app(tmp_path: Path, plan_writer: Callable[..., Path],
               stub_vendor_dir: Path) -> Flask:
    """An app over the tiny plan with stops and a routing reason in plan.json."""
    return routed_plan_app(tmp_path, plan_writer, stub_vendor_dir)


@pytest.fixture
def routed(routed_app: Flask) -> FlaskClient:
    """A viewer of the routed tiny plan (stops and a routing reason in plan.json)."""
    return login(routed_app.test_client())


def _code(cell: str) -> str:
    """A CSV code cell without its Excel text wrapper ``="..."``."""
    assert cell.startswith('="') and cell.endswith('"'), cell
    return cell[2:-1]


def test_csv_carries_state_and_routing_reasons(routed: FlaskClient) -> None:
    text = routed.get("/plans/routed/export/csv").get_data().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    got = {_code(r["settlement_id"]): (r["state"], r["unserved_reason"]) for r in rows}
    assert got == ROUTED_STATES


def test_csv_codes_are_excel_text(routed: FlaskClient) -> None:
    data = routed.get("/plans/routed/export/csv").get_data()
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel reads the Chinese names
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("settlement_id,name,township_name,county_code,")
    assert lines[1].startswith('"=""622921100001""",祁家村,城关镇,"=""622921""",临夏县,')
    assert b"6.2E+11" not in data and b",622921100001," not in data


def test_geojson_carries_state_and_headlines(routed: FlaskClient) -> None:
    data = json.loads(routed.get("/plans/routed/export/geojson").get_data(as_text=True))
    got = {f["properties"]["settlement_id"]: (f["properties"]["state"],
                                               f["properties"]["unserved_reason"] or "")
           for f in data["features"] if f["properties"]["layer"] == "settlements"}
    assert got == ROUTED_STATES
    h = data["headlines"]
    assert (h["within_reach"], h["with_truck"], h["left"], h["collected_pct"]) == (
        5, 3, 2, 83.333)


def test_geopackage_carries_state(routed: FlaskClient, tmp_path: Path) -> None:
    import pyogrio
    path = tmp_path / "p.gpkg"
    path.write_bytes(routed.get("/plans/routed/export/gpkg").get_data())
    frame = pyogrio.read_dataframe(path, layer="settlements")
    got = dict(zip(frame["settlement_id"], frame["state"], strict=True))
    assert got == {k: v[0] for k, v in ROUTED_STATES.items()}
    assert frame.set_index("settlement_id").loc["622926100003", "unserved_reason"] == (
        "no truck based at this store")


def test_geopackage_is_cached_per_plan_version(routed_app: Flask, routed: FlaskClient,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    import app.exports as exports
    calls: list[int] = []
    build = exports.geopackage

    def counting(layers: Any) -> bytes:
        calls.append(1)
        return build(layers)

    monkeypatch.setattr(exports, "geopackage", counting)
    first = routed.get("/plans/routed/export/gpkg")
    second = routed.get("/plans/routed/export/gpkg")
    assert first.status_code == second.status_code == 200 and len(calls) == 1
    assert first.get_data() == second.get_data()
    assert "attachment" in second.headers["Content-Disposition"]
    cache = Path(routed_app.config["INSTANCE_DIR"]) / "exports"
    assert len(list(cache.glob("routed.*.gpkg"))) == 1
    plan_json = Path(routed_app.config["PLANS_DIR"]) / "routed" / "plan.json"
    plan_json.write_text(plan_json.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert routed.get("/plans/routed/export/gpkg").status_code == 200 and len(calls) == 2
    assert len(list(cache.glob("routed.*.gpkg"))) == 1  # the old version is gone
    assert not list(cache.glob(".*.part"))


def test_cached_export_writes_atomically(tmp_path: Path) -> None:
    def broken() -> bytes:
        raise RuntimeError("build failed")

    with pytest.raises(RuntimeError):
        cached_export(tmp_path / "c", "p1", "v1", "gpkg", broken)
    assert not (tmp_path / "c" / "p1.v1.gpkg").exists()
    path = cached_export(tmp_path / "c", "p1", "v1", "gpkg", lambda: b"x")
    assert path.read_bytes() == b"x" and (path.stat().st_mode & 0o077) == 0
    assert cached_export(tmp_path / "c", "p1", "v1", "gpkg", broken) == path  # not rebuilt


def test_a_renamed_plan_directory_still_serves_its_route_sheets(
        plans_dir: Path, stub_vendor_dir: Path, tmp_path: Path) -> None:
    # plan.json keeps the id the plan was built with; the directory is what the URL names
    import shutil

    from app import create_app

    root = tmp_path / "plans"
    shutil.copytree(plans_dir / "tiny-linxia", root / "renamed")
    app = create_app({"TESTING": True, "PLANS_DIR": str(root),
                      "VENDOR_DIR": str(stub_vendor_dir), "INSTANCE_DIR": str(tmp_path / "i")})
    client = login(app.test_client(), "viewer")
    for url in ("/api/plans/renamed/routes", "/plans/renamed/routes",
                "/plans/renamed/report"):
        assert client.get(url).status_code == 200, url
    trucks = client.get("/api/plans/renamed/routes").get_json()["trucks"]
    assert [t["truck_id"] for t in trucks] == ["T1", "T2"]
