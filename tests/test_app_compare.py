"""Compare two plans: KPI differences in JSON and a page with both maps."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from app.compare import KPI_KEYS, compare_rows, kpi_diff
from app.pages import lang_switch_url
from optimize.plan.model import Kpis, PlanMeta
from tests.test_app_headlines import eight_villages


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


def _diff_table(html: str) -> str:
    start = html.index('id="kpi-diff"')
    return html[start:html.index("</table>", start)]


def test_compare_rows_have_labels_units_and_whole_counts() -> None:
    a = PlanMeta.from_json(eight_villages())
    meta = eight_villages()
    meta["kpis"].update(stores=13, access_time_mean_s=1800, route_distance_m=125_500.0,
                        route_duration_s=9000, storage_capacity_t=2500.0)
    rows = {r["key"]: r for r in compare_rows((a, PlanMeta.from_json(meta)), "en")}
    assert rows["stores"] == {"key": "stores", "label": "Stores", "unit": "", "a": "2",
                              "b": "13", "diff": "+11"}
    assert (rows["access_time_mean_s"]["unit"], rows["access_time_mean_s"]["b"]) == ("min",
                                                                                   "30.0")
    assert rows["route_distance_m"]["b"] == "125.5" and rows["route_distance_m"]["unit"] == "km"
    assert rows["route_duration_s"]["b"] == "2.5" and rows["route_duration_s"]["unit"] == "h"
    assert rows["with_truck"]["a"] == "3" and rows["collected_pct"]["a"] == "50.0"
    assert rows["left"]["diff"] == "0"
    zh = {r["key"]: r for r in compare_rows((a, a), "zh")}
    assert zh["stores"]["label"] == "冷库数量" and zh["access_time_mean_s"]["unit"] == "分钟"


def test_compare_page_shows_labels_not_keys(client: FlaskClient) -> None:
    table = _diff_table(client.get("/compare?a=tiny-linxia&b=tiny-osm&lang=en").get_data(
        as_text=True))
    assert "<code>" not in table and "access_time_mean_s</td>" not in table
    assert "Mean access time (min)" in table and "22.0" in table  # 1320 s
    assert "Route distance (km)" in table and "50.0" in table  # 50,000 m
    assert "13.00" not in table and ".00<" not in table  # counts are whole numbers
    assert "Villages a truck visits" in table


def test_language_switch_keeps_the_pair(client: FlaskClient) -> None:
    client.get("/compare?a=tiny-linxia&b=tiny-osm")
    switched = client.get("/compare?lang=en")  # what base.html's language link asks
    assert switched.status_code == 302
    assert switched.headers["Location"] == "/compare?a=tiny-linxia&b=tiny-osm&lang=en"
    html = client.get(switched.headers["Location"]).get_data(as_text=True)
    assert 'id="kpi-diff"' in html and "Villages a truck visits" in html
    assert client.get("/compare").status_code == 200  # the nav link: a fresh choice


def test_lang_switch_url_keeps_the_query(app: Flask) -> None:
    with app.test_request_context("/compare?a=x&b=y&lang=zh"):
        assert lang_switch_url() == "/compare?a=x&b=y&lang=en"
    with app.test_request_context("/compare?a=%3Cb%3E"):
        assert lang_switch_url() == "/compare?a=%3Cb%3E&lang=en"


def test_compare_api_has_headlines(client: FlaskClient) -> None:
    data = client.get("/api/compare?a=tiny-linxia&b=tiny-osm").get_json()
    assert data["headlines"]["a"]["within_reach"] == 5 and data["headlines"]["b"]["left"] == 1
