"""Exports: GeoJSON, GeoPackage, CSV, XLSX manifests, report and route sheets."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from flask.testing import FlaskClient
from openpyxl import load_workbook

from app.exports import stop_rows
from optimize.plan.model import Route, Stop
from tests.conftest import SCRIPT_NAME


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
    assert book.sheetnames == ["Routes", "Stops"]
    assert book["Routes"].max_row == 3


def test_stop_rows_and_formula_quoting() -> None:
    stop = Stop(settlement_id="1", name="=HYPERLINK(1)", arrival_s=25_260, pickup_t=1.0,
                load_after_t=1.0)
    route = Route(route_id="R", truck_id="T1", store_id="S", trip=1, stops_count=1,
                  load_t=1.0, distance_m=0.0, duration_s=0, start_s=0, end_s=0,
                  colour="#000", approximate_geometry=False, stops=(stop,))
    row = stop_rows([route])[0]
    assert row[6] == "'=HYPERLINK(1)" and row[7] == "07:01"


def test_report_and_route_sheets(client: FlaskClient) -> None:
    html = client.get("/plans/tiny-linxia/report").get_data(as_text=True)
    assert "@media print" not in html and "Truck T1" in html and "临夏县" in html
    assert SCRIPT_NAME not in html
    sheets = client.get("/plans/tiny-linxia/routes").get_data(as_text=True)
    assert sheets.count('class="sheet"') == 2


def test_unknown_export_is_404(client: FlaskClient) -> None:
    assert client.get("/plans/tiny-linxia/export/shp").status_code == 404
    assert client.get("/plans/nope/export/csv").status_code == 404
