"""The plan page in headless Chromium: the map draws, offline, without JS errors.

Runs the real app (werkzeug server on 127.0.0.1, a free port) with Leaflet installed from
``node_modules`` and Debian's Chromium driven by Playwright. Every request the page makes
is recorded and must go to 127.0.0.1. A screenshot is left in /tmp/plan_page.png.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from app import create_app
from tests.browser import chromium_page, live_server, requires_chromium

SCREENSHOT = Path("/tmp/plan_page.png")

pytestmark = [pytest.mark.browser, requires_chromium]


@pytest.fixture(scope="module")
def base_url(plans_dir: Path, vendor_dir: Path) -> Iterator[str]:
    """URL of the app served on 127.0.0.1 in a background thread."""
    app = create_app({"PLANS_DIR": str(plans_dir), "VENDOR_DIR": str(vendor_dir)})
    with live_server(app) as url:
        yield url


def test_plan_page_draws_offline(base_url: str) -> None:
    requests: list[str] = []
    errors: list[str] = []
    dialogs: list[str] = []
    with chromium_page() as page:
        page.on("request", lambda r: requests.append(r.url))
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        response = page.goto(f"{base_url}/plans/tiny-linxia", wait_until="networkidle")
        assert response is not None and response.status == 200
        page.wait_for_selector("path.cc-store", timeout=10_000)
        counts = {cls: page.locator(f".leaflet-overlay-pane path.{cls}").count()
                  for cls in ("cc-county", "cc-settlement", "cc-unserved", "cc-store",
                              "cc-route")}
        legend = page.locator(".cc-legend").inner_text()
        page.locator(".leaflet-overlay-pane path.cc-unserved").hover()
        tooltip = page.locator(".leaflet-tooltip").inner_text(timeout=5_000)
        page.screenshot(path=str(SCREENSHOT), full_page=True)

    assert errors == [] and dialogs == []
    assert counts == {"cc-county": 2, "cc-settlement": 6, "cc-unserved": 1, "cc-store": 2,
                      "cc-route": 2}
    assert "临夏冷库 A" in legend and "东乡 <b>冷库</b> B" in legend  # shown as text
    assert "<script>alert(1)</script>" in tooltip and "no store within 240 min" in tooltip
    hosts = {urlsplit(u).hostname for u in requests if not u.startswith("data:")}
    assert hosts == {"127.0.0.1"}, sorted(requests)
    assert any(u.endswith("/vendor/leaflet/leaflet.js") for u in requests)
