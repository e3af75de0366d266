"""The plan page in headless Chromium: the map draws, offline, without JS errors.

Runs the real app (werkzeug server on 127.0.0.1, a free port) with Leaflet installed from
``node_modules`` and Debian's Chromium driven by Playwright. Every request the page makes
is recorded and must go to 127.0.0.1. A screenshot is left in /tmp/plan_page.png.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import Flask
from playwright.sync_api import expect

from app import create_app
from tests.browser import chromium_page, live_server, requires_chromium
from tests.conftest import browser_login, real_plan

SCREENSHOT = Path("/tmp/plan_page.png")

pytestmark = [pytest.mark.browser, requires_chromium]


@pytest.fixture(scope="module")
def served(plans_dir: Path, vendor_dir: Path,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Flask]]:
    """URL of the app served on 127.0.0.1 in a background thread, and the app."""
    app = create_app({"PLANS_DIR": str(plans_dir), "VENDOR_DIR": str(vendor_dir),
                      "INSTANCE_DIR": str(tmp_path_factory.mktemp("inst"))})
    with live_server(app) as url:
        yield url, app


def test_plan_page_draws_offline(served: tuple[str, Flask]) -> None:
    base_url, app = served
    requests: list[str] = []
    errors: list[str] = []
    dialogs: list[str] = []
    with chromium_page() as page:
        page.on("request", lambda r: requests.append(r.url))
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        browser_login(page, base_url, app)
        response = page.goto(f"{base_url}/plans/tiny-linxia", wait_until="networkidle")
        assert response is not None and response.status == 200
        page.wait_for_selector("path.cc-store", timeout=10_000)
        counts = {cls: page.locator(f".leaflet-overlay-pane path.{cls}").count()
                  for cls in ("cc-county", "cc-settlement", "cc-unserved", "cc-store",
                              "cc-route")}
        legend = page.locator(".cc-legend").inner_text()
        legend_open = page.evaluate("() => document.querySelector('details.cc-legend').open")
        scale = page.locator(".leaflet-control-scale").inner_text()
        page.locator(".leaflet-overlay-pane path.cc-unserved").hover()
        tooltip = page.locator(".leaflet-tooltip").inner_text(timeout=5_000)
        page.screenshot(path=str(SCREENSHOT), full_page=True)

    assert errors == [] and dialogs == []
    assert counts == {"cc-county": 2, "cc-settlement": 6, "cc-unserved": 1, "cc-store": 2,
                      "cc-route": 2}
    assert "图例 Legend" in legend and legend_open  # open on a large map
    assert "临夏冷库 A" not in legend and len(legend.splitlines()) <= 14  # no row per store
    assert scale.strip().endswith(("km", " m")) and "mi" not in scale and "ft" not in scale
    assert "<script>alert(1)</script>" in tooltip and "no store within 240 min" in tooltip
    hosts = {urlsplit(u).hostname for u in requests if not u.startswith("data:")}
    assert hosts == {"127.0.0.1"}, sorted(requests)
    assert any(u.endswith("/vendor/leaflet/leaflet.js") for u in requests)


@pytest.fixture(scope="module")
def flow_app(vendor_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """An app whose plans dir holds the tiny plan; jobs write their plans beside it."""
    from app.jobs import RUNNER_KEY
    from tests.conftest import write_plan

    root = tmp_path_factory.mktemp("flow")
    write_plan(root / "plans", "tiny-linxia", approximate=True, created_at="2025-06-02T08:00Z")
    app = create_app({"PLANS_DIR": str(root / "plans"), "VENDOR_DIR": str(vendor_dir),
                      "INSTANCE_DIR": str(root / "instance")})
    yield app
    app.extensions[RUNNER_KEY].shutdown()


@pytest.mark.slow
def test_whole_flow(flow_app: Flask) -> None:
    """Log in, create a scenario, run it, watch progress, open the map, compare, export."""
    requests: list[str] = []
    errors: list[str] = []
    dialogs: list[str] = []
    with live_server(flow_app) as url, chromium_page(accept_downloads=True) as page:
        page.on("request", lambda r: requests.append(r.url))
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        browser_login(page, url, flow_app, "planner")
        page.goto(f"{url}/scenarios")
        page.click("#new-scenario")
        page.fill("input[name=name]", "广河县 <b>browser</b>")
        page.select_option("select[name=region_code]", "622924")
        page.fill("input[name=siting_time_limit_s]", "5")
        page.fill("input[name=routing_time_limit_s]", "0.2")
        page.click("#save-scenario")
        page.wait_for_selector("#scenarios")
        assert "广河县 <b>browser</b>" in page.locator("#scenarios").inner_text()
        page.click("#scenarios button.run")
        page.wait_for_selector("#job-progress")
        fractions = []
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            fractions.append(page.eval_on_selector("#job-progress", "e => e.value"))
            if page.get_attribute("#job-state", "data-state") not in ("queued", "running"):
                break
            page.wait_for_timeout(150)
        assert page.get_attribute("#job-state", "data-state") == "done", \
            page.locator("#job").inner_text()
        assert any(0 < f < 1 for f in fractions) and fractions[-1] == 1
        page.click("#job-plan-link")
        page.wait_for_selector("path.cc-store", timeout=15_000)
        plan_id = page.url.rsplit("/", 1)[1]
        assert page.locator("#counties tbody tr").count() == 1
        page.fill("#village-search input[name=q]", "村")
        page.click("#village-search button")
        page.wait_for_selector("#search-results li a")
        page.click("#search-results li a >> nth=0")
        page.wait_for_selector(".leaflet-popup-content")
        with page.expect_download() as download:
            page.click("a.export[data-format=xlsx]")
        assert download.value.suggested_filename == f"{plan_id}-routes.xlsx"
        page.goto(f"{url}/compare?a={plan_id}&b=tiny-linxia")
        page.wait_for_selector("#kpi-diff")
        # no wait_for_function: the Content-Security-Policy forbids evaluating strings
        expect(page.locator("path.cc-store").nth(2)).to_be_attached()
        maps = page.locator(".folium-map").count()
        page.goto(f"{url}/plans/{plan_id}/report")
        assert page.locator("section.sheet").count() >= 1
        page.screenshot(path="/tmp/flow_report.png")
    assert errors == [] and dialogs == []
    assert maps == 2
    assert {urlsplit(u).hostname for u in requests if not u.startswith("data:")} == \
        {"127.0.0.1"}


@pytest.mark.slow
def test_synthetic_17718_settlements_page(vendor_dir: Path,
                                          tmp_path_factory: pytest.TempPathFactory) -> None:
    """A plan page with Gansu's 17,718 settlements (SYNTHETIC) clusters and searches them.

    Correctness only: its time to interactive is measured by benchmarks/page_perf.py.
    """
    from tests.synthetic import GANSU_SETTLEMENTS, write_synthetic_plan

    root = tmp_path_factory.mktemp("synthetic")
    write_synthetic_plan(root / "plans")
    app = create_app({"PLANS_DIR": str(root / "plans"), "VENDOR_DIR": str(vendor_dir),
                      "INSTANCE_DIR": str(root / "instance")})
    errors: list[str] = []
    with live_server(app) as url, chromium_page() as page:
        page.on("pageerror", lambda e: errors.append(str(e)))
        browser_login(page, url, app)
        page.goto(f"{url}/plans/synthetic", wait_until="load", timeout=60_000)
        page.wait_for_selector(".marker-cluster")
        total = page.evaluate("() => window.ccClusters[0].getLayers().length")
        page.fill("#village-search input[name=q]", "合成村 17717")
        page.click("#village-search button")
        popup = page.locator(".leaflet-popup-content").inner_text(timeout=10_000)
    assert errors == []
    assert total == GANSU_SETTLEMENTS
    assert "合成村 17717" in popup


def test_legend_collapses_on_a_small_screen_and_scale_is_metric(
        served: tuple[str, Flask]) -> None:
    base_url, app = served
    with chromium_page(viewport={"width": 390, "height": 740}) as page:
        browser_login(page, base_url, app)
        page.goto(f"{base_url}/plans/tiny-linxia", wait_until="networkidle")
        page.wait_for_selector("details.cc-legend", timeout=10_000)
        collapsed = page.evaluate("() => !document.querySelector('details.cc-legend').open")
        scales = page.locator(".leaflet-control-scale-line").all_inner_texts()
        page.click("details.cc-legend summary")
        opened = page.evaluate("() => document.querySelector('details.cc-legend').open")
    assert collapsed and opened
    assert len(scales) == 1 and scales[0].strip().endswith(("km", " m"))


def test_gansu_page_reaches_map_and_prefectures_within_five_screens(
        vendor_dir: Path, tmp_path: Path) -> None:
    import shutil
    shutil.copytree(real_plan("gansu"), tmp_path / "plans" / "gansu")
    app = create_app({"PLANS_DIR": str(tmp_path / "plans"), "VENDOR_DIR": str(vendor_dir),
                      "INSTANCE_DIR": str(tmp_path / "inst")})
    errors: list[str] = []
    with live_server(app) as base_url, chromium_page(
            viewport={"width": 1920, "height": 1080}) as page:
        page.on("pageerror", lambda e: errors.append(str(e)))
        browser_login(page, base_url, app)
        page.goto(f"{base_url}/plans/gansu", wait_until="load", timeout=120_000)
        tops = page.evaluate("""() => ({
            map: document.querySelector('.mapbox').getBoundingClientRect().top + scrollY,
            prefectures: document.getElementById('prefectures').offsetTop,
            rows: document.querySelectorAll('#prefecture-table tbody tr').length,
            body: document.body.scrollHeight})""")
    assert errors == []
    assert tops["map"] < 5 * 1080 and tops["prefectures"] < 5 * 1080, tops
    assert tops["rows"] == 14 and tops["body"] < 20 * 1080, tops
