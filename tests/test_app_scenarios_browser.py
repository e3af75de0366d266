"""A planner fills the scenario form in Chromium: a county from the picker, the shift in
hours and the loading time in minutes; the saved scenario keeps seconds."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from app import create_app
from app.db import EXTENSION_KEY
from tests.browser import chromium_page, live_server, requires_chromium
from tests.conftest import browser_login

pytestmark = [pytest.mark.browser, requires_chromium]


@pytest.fixture
def served(stub_vendor_dir: Path, tmp_path: Path) -> Iterator[tuple[str, Flask]]:
    """The app with no plans, served on 127.0.0.1."""
    app = create_app({"PLANS_DIR": str(tmp_path / "plans"), "VENDOR_DIR": str(stub_vendor_dir),
                      "INSTANCE_DIR": str(tmp_path / "instance")})
    with live_server(app) as url:
        yield url, app


def test_planner_picks_a_county_and_writes_hours_and_minutes(
        served: tuple[str, Flask]) -> None:
    base_url, app = served
    with chromium_page() as page:
        browser_login(page, base_url, app, "planner")
        page.goto(f"{base_url}/scenarios")
        page.click("#new-scenario")
        page.wait_for_selector("#region-picker")
        page.fill("input[name=name]", "广河 八小时班")
        page.select_option("#region-picker", label="622924 广河县")
        page.fill("input[name=shift_s]", "7.5")
        page.fill("input[name=service_s]", "12")
        page.click("#save-scenario")
        page.wait_for_load_state()
        notice = page.locator(".banner.notice").inner_text()
        listed = page.locator("#scenarios tbody tr").first.inner_text()
    assert "已保存情景「广河 八小时班」" in notice
    assert "622924 广河县" in listed
    row = app.extensions[EXTENSION_KEY].scenarios()[0]
    assert row["params"]["region_code"] == "622924"
    assert (row["params"]["shift_s"], row["params"]["service_s"]) == (27_000, 720)
