"""Compare two plans: KPI differences in JSON and a page with both maps."""

from __future__ import annotations

from flask.testing import FlaskClient

from app.compare import KPI_KEYS, kpi_diff
from optimize.plan.model import Kpis


def test_kpi_diff() -> None:
    rows = {r["key"]: r for r in kpi_diff(Kpis(stores=2, coverage_pct=50.0),
                                          Kpis(stores=5, coverage_pct=None))}
    assert rows["stores"]["diff"] == 3 and rows["coverage_pct"]["diff"] is None


def test_compare_api_and_page(client: FlaskClient) -> None:
    data = client.get("/api/compare?a=tiny-linxia&b=tiny-osm").get_json()
    assert len(data["kpis"]) == len(KPI_KEYS) > 0
    assert data["a"] == "tiny-linxia" and all(r["diff"] in (0, 0.0) for r in data["kpis"])
    html = client.get("/compare?a=tiny-linxia&b=tiny-osm").get_data(as_text=True)
    assert html.count('class="folium-map"') == 2 and 'id="kpi-diff"' in html
    assert html.count('<script src="/vendor/leaflet/leaflet.js">') == 1
    assert client.get("/compare").status_code == 200
    assert client.get("/compare?a=tiny-linxia&b=nope").status_code == 404
    assert client.get("/api/compare?a=tiny-linxia").status_code == 404
