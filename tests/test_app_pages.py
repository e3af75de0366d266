"""HTML pages: the factory, the plan list, the plan page, errors, escaping, offline links."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from app.plans import EXTENSION_KEY
from tests.conftest import login

Scan = Callable[[str], tuple[list[str], set[str]]]
SCRIPT_NAME = "<script>alert(1)</script>"


def test_factory_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("COLDCHAIN_PLANS_DIR", str(tmp_path))
    app = create_app()
    assert app.config["TILES"] == "none"
    assert app.config["VENDOR_DIR"].endswith("static/vendor")
    assert app.extensions[EXTENSION_KEY].plans_dir == tmp_path.resolve()
    monkeypatch.delenv("COLDCHAIN_PLANS_DIR")
    assert create_app().config["PLANS_DIR"] == "plans"


def test_factory_rejects_unknown_tiles() -> None:
    with pytest.raises(ValueError, match="TILES"):
        create_app({"TILES": "google"})
    with pytest.raises(ValueError, match="TIANDITU_KEY"):
        create_app({"TILES": "tianditu"})


def test_plan_page_extras(client: FlaskClient) -> None:
    html = client.get("/plans/tiny-linxia").get_data(as_text=True)
    assert 'id="counties"' in html and "东乡族自治县" in html and "66.7 %" in html
    assert 'id="village-search"' in html and 'class="card card-truck"' in html
    for fmt in ("geojson", "gpkg", "csv", "xlsx"):
        assert f"/plans/tiny-linxia/export/{fmt}" in html
    assert "/plans/tiny-linxia/report" in html and "/plans/tiny-linxia/routes" in html


def test_index_lists_plans(client: FlaskClient) -> None:
    html = client.get("/").get_data(as_text=True)
    assert html.index("tiny-linxia") < html.index("tiny-osm")
    assert "临夏回族自治州" in html and "5 / 6" in html and "近似 approximate" in html
    assert "1 (16.7 %)" in html  # one village left: no store within reach
    assert 'href="/plans/tiny-linxia"' in html


def test_index_without_plans(tmp_path: Path) -> None:
    client = login(create_app({"TESTING": True, "PLANS_DIR": str(tmp_path / "none")}).test_client())
    response = client.get("/")
    assert response.status_code == 200 and "No saved plans" in response.get_data(as_text=True)


def test_plan_page_content(client: FlaskClient) -> None:
    response = client.get("/plans/tiny-linxia")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for text in ("临夏 tiny test plan", "Approximate road network",
                 "travel times from straight-line distance x 1.3 at 40 km/h",
                 "83.3 %", "50.0 / 60.0 t", "2,500 t", "2,500,000 yuan",
                 "750,000 / 3,000,000 yuan", "22.0 / 37.0 / 40.0 min", "2 (2 used)",
                 "50.0 km / 2.0 h", "0.980", "0.00 %", "OPTIMAL", "临夏冷库 A",
                 "no store within 240 min", "Villages without a truck (1)",
                 "© OpenStreetMap contributors", "ODbL-1.0", "truck_capacity_t"):
        assert text in html, text
    assert 'class="folium-map"' in html and "L.map(" in html
    assert "<iframe" not in html


def test_plan_page_escapes_user_text(client: FlaskClient) -> None:
    html = client.get("/plans/tiny-linxia").get_data(as_text=True)
    assert SCRIPT_NAME not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>冷库</b>" not in html and "东乡 &lt;b&gt;冷库&lt;/b&gt; B" in html


def test_non_approximate_plan_has_no_banner(client: FlaskClient) -> None:
    html = client.get("/plans/tiny-osm").get_data(as_text=True)
    assert "Approximate road network" not in html


def test_plan_page_loads_nothing_external(client: FlaskClient, url_scan: Scan) -> None:
    links, absolute = url_scan(client.get("/plans/tiny-linxia").get_data(as_text=True))
    assert absolute == set()
    local = [link for link in links if link != "data:,"]  # the empty favicon
    assert all(link.startswith("/") and not link.startswith("//") for link in local), links
    assert "/vendor/leaflet/leaflet.js" in links and "/static/app.css" in links


def test_osm_tiles_page_links_only_osm(plans_dir: Path, stub_vendor_dir: Path,
                                       url_scan: Scan) -> None:
    app = create_app({"TESTING": True, "PLANS_DIR": str(plans_dir),
                      "VENDOR_DIR": str(stub_vendor_dir), "TILES": "osm"})
    page = login(app.test_client()).get("/plans/tiny-linxia").get_data(as_text=True)
    _, absolute = url_scan(page)
    assert {u.split("/")[2] for u in absolute} == {"tile.openstreetmap.org",
                                                   "www.openstreetmap.org"}


def test_missing_assets_message(plans_dir: Path, tmp_path: Path) -> None:
    app = create_app({"TESTING": True, "PLANS_DIR": str(plans_dir),
                      "VENDOR_DIR": str(tmp_path / "empty")})
    response = login(app.test_client()).get("/plans/tiny-linxia")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "make assets" in html and "leaflet/leaflet.js" in html
    assert "L.map(" not in html and "/vendor/" not in html
    assert "83.3 %" in html  # tables still there


def test_map_is_cached_per_plan_version(app: Flask) -> None:
    client = login(app.test_client())
    first = client.get("/plans/tiny-linxia").get_data(as_text=True)
    second = client.get("/plans/tiny-linxia").get_data(as_text=True)
    assert first == second  # folium names elements randomly: equal means cached


def test_vendor_files_served(client: FlaskClient) -> None:
    with client.get("/vendor/leaflet/leaflet.js") as response:  # closes the served file
        assert response.status_code == 200


@pytest.mark.parametrize("url", [
    "/plans/nope", "/plans/../x", "/plans/..%2F..%2Fetc%2Fpasswd", "/plans/%2e%2e",
    "/plans/Tiny-Linxia", "/plans/secret.txt", "/nothing", "/vendor/../plans.py",
    "/vendor/..%2F..%2Fplans.py", "/vendor/nope.js",
])
def test_unknown_pages_are_html_404(client: FlaskClient, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "404" in response.get_data(as_text=True)


def test_broken_plan_page_is_an_error_page_not_a_crash(
    tmp_path: Path, plan_writer: Callable[..., Path]
) -> None:
    plan_dir = plan_writer(tmp_path, "p1", approximate=True, created_at="t")
    (plan_dir / "plan.json").write_text('{"schema": "coldchain-plan/1"}', encoding="utf-8")
    client = login(create_app({"TESTING": True, "PLANS_DIR": str(tmp_path)}).test_client())
    response = client.get("/plans/p1")
    assert response.status_code == 500
    assert "plan.json lacks" in response.get_data(as_text=True)
    assert "unreadable" in client.get("/").get_data(as_text=True)


def test_plan_page_shows_gap_and_binding_constraints(client: FlaskClient) -> None:
    html = client.get("/plans/tiny-linxia").get_data(as_text=True)
    assert "Siting gap" in html and "0.00 %" in html
    assert "store count (=2); capacity at 1 sites" in html
    assert "CP-SAT, lexicographic stages" in html
    assert "Siting note" not in html  # only province plans carry one


def test_only_admins_see_a_delete_link_on_the_plan_list(app: Flask) -> None:
    link = "/plans/tiny-linxia/delete"
    for role, shown in (("viewer", False), ("planner", False), ("admin", True)):
        html = login(app.test_client(), role).get("/").get_data(as_text=True)
        assert (link in html) is shown, role


def test_language_link_keeps_the_drill_down(client: FlaskClient) -> None:
    html = client.get("/plans/tiny-linxia?county=622921").get_data(as_text=True)
    assert 'class="lang" href="/plans/tiny-linxia?county=622921&amp;lang=en"' in html


BROKEN_PLAN_URLS = ("/plans/p1", "/plans/p1/routes", "/plans/p1/report",
                    "/plans/p1/export/csv", "/plans/p1/export/geojson",
                    "/plans/p1/export/gpkg", "/compare?a=p1&b=good")


@pytest.mark.parametrize("how", ["invalid plan.json", "truncated plan.json", "missing layer",
                                 "truncated layer"])
def test_every_page_of_a_broken_plan_is_a_clear_error(
        tmp_path: Path, plan_writer: Callable[..., Path], how: str) -> None:
    """The list marks the plan unreadable with its file; its pages answer an error page
    naming that file (500: the server's data is at fault), never a traceback or a path."""
    from tests.test_app_plans import break_plan

    plans = tmp_path / "plans"
    plan_writer(plans, "good", approximate=True, created_at="t")
    expected = break_plan(plan_writer(plans, "p1", approximate=True, created_at="t"), how)
    client = login(create_app({"TESTING": True, "PLANS_DIR": str(plans),
                               "INSTANCE_DIR": str(tmp_path / "instance")}).test_client())
    listing = client.get("/").get_data(as_text=True)
    assert f"无法读取 unreadable: {expected}" in listing
    file = expected.split(":")[0]  # e.g. p1/layers/routes.geojson (the reason may differ)
    opened = []
    for url in BROKEN_PLAN_URLS:
        response = client.get(url)
        html = response.get_data(as_text=True)
        assert "Traceback" not in html and str(tmp_path) not in html, url
        if response.status_code == 200:  # pages that do not need the broken file
            opened.append(url)
            continue
        assert response.status_code == 500 and response.mimetype == "text/html", url
        assert "500 方案文件错误 Plan file error" in html and f"<p>{file}: " in html, url
    # the route sheets need plan.json only (townships from the layer are left out)
    assert set(opened) <= {"/plans/p1/routes", "/plans/p1/report"}
    assert "/plans/p1" not in opened and "/plans/p1/export/csv" not in opened
