"""A planner reads honest headlines in Chromium: the cards match the sections below,
and the compare page keeps its two plans when the language switches."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask

from app import create_app
from tests.browser import chromium_page, live_server, requires_chromium
from tests.conftest import browser_login, write_plan
from tests.test_app_headlines import routed_plan

pytestmark = [pytest.mark.browser, requires_chromium]


@pytest.fixture(scope="module")
def served(vendor_dir: Path, tmp_path_factory: pytest.TempPathFactory,
           plan_writer: Callable[..., Path]) -> Iterator[tuple[str, Flask]]:
    """The routed tiny plan and the plain tiny plan, served on 127.0.0.1."""
    root = tmp_path_factory.mktemp("headlines")
    routed_plan(root / "plans", plan_writer)
    write_plan(root / "plans", "tiny-linxia", approximate=True, created_at="2025-06-02T08:00Z")
    app = create_app({"PLANS_DIR": str(root / "plans"), "VENDOR_DIR": str(vendor_dir),
                      "INSTANCE_DIR": str(root / "instance")})
    with live_server(app) as url:
        yield url, app


def test_headlines_match_the_sections_below(served: tuple[str, Flask]) -> None:
    base_url, app = served
    with chromium_page() as page:
        browser_login(page, base_url, app)
        page.goto(f"{base_url}/plans/routed", wait_until="networkidle")
        truck_card = page.locator(".card-truck strong").inner_text()
        left_card = page.locator(".card-left strong").inner_text()
        headline = page.locator("#headline").inner_text()
        unserved_rows = page.locator("#unserved tbody tr").count()
        county_trucks = [int(t) for t in page.locator("#counties tbody tr td:nth-child(7)")
                         .all_inner_texts()]
        page.click("a.lang")
        page.wait_for_load_state()
        english = page.locator("#headline").inner_text()
        page.goto(f"{base_url}/compare?a=routed&b=tiny-linxia", wait_until="networkidle")
        page.click("a.lang")  # English was chosen above: this switches back to Chinese
        page.wait_for_selector("#kpi-diff")
        compare_url = page.url
        compare_rows = page.locator("#kpi-diff tbody tr").all_inner_texts()
    assert truck_card == f"{sum(county_trucks)} / 6" == "3 / 6"
    assert left_card == str(unserved_rows) == "2"
    assert "3 个村有车收集（50.0 %）" in headline
    assert "3 get a truck (50.0 %)" in english
    assert "a=routed" in compare_url and "b=tiny-linxia" in compare_url
    assert any(re.match(r"有车收集的村\s+3\s+", r) for r in compare_rows)
