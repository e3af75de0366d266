"""The user stories of issue 16, each walked through in headless Chromium.

1. A planner picks a county from the list, writes durations in hours and minutes, uploads
   a supply table with a wrong row (the message names the row and the file), fixes it and
   saves, runs the scenario, watches the queue and the progress, opens the plan, checks
   that the headline cards match the sections below them, switches language and prints a
   route sheet whose clock starts at the shift start.
2. A viewer sees no button to create, edit, run or delete, and the same requests sent
   directly are refused (403) and change nothing.
3. An admin disables an account; that account's open session stops at its next request.

Jobs run a stand-in builder (:func:`story_build`, the app's ``JOB_BUILDER`` hook) in real
worker processes: it reports a stage, waits until the test releases it (a file named
after the job) and returns the tiny hand-made plan with stops. Nothing waits for a fixed
time; every wait is for a selector or a state.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import expect

from app import create_app
from app.db import EXTENSION_KEY as DB_KEY
from app.db import Database
from app.jobs import RUNNER_KEY
from geodata import datasets
from geodata.errors import DataDirNotFound
from tests.browser import chromium_page, live_server, requires_chromium
from tests.conftest import (
    PASSWORD,
    browser_login,
    csrf_of,
    ensure_user,
    login,
    wait_for_release,
    write_plan,
)

pytestmark = [pytest.mark.browser, requires_chromium]

GATE_ENV = "COLDCHAIN_TEST_STORY_GATE"
VILLAGES = ("622924100201", "622924100202")  # rural villages of 广河县 622924
FILE_NAME = "广河 产量.csv"
TIME = re.compile(r"\b(\d{2}):(\d{2})\b")


def story_build(db: Database, job_id: int, params: dict[str, Any], data_dir: str | None,
                regions: Any = None) -> Any:
    """Worker-side stand-in for ``build_plan``: report a stage, wait for ``release-<id>``,
    then return the tiny plan with stops whose trips start 8 minutes into the shift (as
    real plans do: route times count from the shift start, not from midnight)."""
    from optimize.plan.io import load_plan
    from tests.test_app_headlines import routed_plan

    wait_for_release(db, job_id, GATE_ENV)
    root = Path(tempfile.mkdtemp(prefix="story-"))
    plan_dir = routed_plan(root, write_plan)
    meta = json.loads((plan_dir / "plan.json").read_text(encoding="utf-8"))
    meta["plan_id"] = f"job-{job_id}"
    for route in meta["routes"]:
        route.update(start_s=480, end_s=480 + route["duration_s"])
        for i, stop in enumerate(route["stops"], start=1):
            stop["arrival_s"] = 480 + 900 * i
    meta["scenario"]["shift_s"] = {"value": params.get("shift_s"), "unit": "s",
                                   "source": "form", "assumption": False}
    (plan_dir / "plan.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    return load_plan(plan_dir)


def release(job_id: int) -> None:
    """Let a stand-in job finish."""
    (Path(os.environ[GATE_ENV]) / f"release-{job_id}").touch()


@pytest.fixture(scope="module")
def served(vendor_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[
        tuple[str, Flask]]:
    """The app (tiny plan, stand-in jobs) on 127.0.0.1; workers stopped afterwards."""
    root = tmp_path_factory.mktemp("stories")
    (root / "gates").mkdir()
    write_plan(root / "plans", "tiny-linxia", approximate=True, created_at="2025-06-02T08:00Z")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(GATE_ENV, str(root / "gates"))  # inherited by the workers
        app = create_app({"PLANS_DIR": str(root / "plans"), "VENDOR_DIR": str(vendor_dir),
                          "INSTANCE_DIR": str(root / "instance"),
                          "JOB_BUILDER": f"{__name__}:story_build", "JOB_POLL_S": 0.05,
                          "JOB_HEARTBEAT_S": 0.2})
        try:  # the county list needs the boundaries: $COLDCHAIN_DATA_DIR or ../shared/data
            datasets.data_dir(app.config.get("DATA_DIR"))
        except DataDirNotFound:
            pytest.skip("no reference data directory (the county list needs boundaries)")
        try:
            with live_server(app) as url:
                yield url, app
        finally:
            app.extensions[RUNNER_KEY].shutdown()


def _csv(*rows: tuple[str, str]) -> dict[str, Any]:
    body = "settlement_id,supply_t\n" + "".join(f"{a},{b}\n" for a, b in rows)
    return {"name": FILE_NAME, "mimeType": "text/csv", "buffer": body.encode()}


def _until(check: Any, what: str, timeout_s: float = 60) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def _colleague_job(app: Flask) -> int:
    """A colleague's job, running (waiting at its gate), so the planner's run queues."""
    client = login(app.test_client(), "admin")
    token = csrf_of(client)
    client.post("/scenarios/new", data={"name": "同事 colleague", "region_code": "622924",
                                        "csrf_token": token})
    sid = client.get("/api/scenarios").get_json()["scenarios"][0]["id"]
    job_id = int(client.post(f"/scenarios/{sid}/run", data={"csrf_token": token})
                 .location.rsplit("/", 1)[1])
    _until(lambda: client.get(f"/api/jobs/{job_id}").get_json()["stage"] == "waiting",
           "the colleague's job to run")
    return job_id


def _fill_and_upload_wrong_row(page: Any, base_url: str) -> str:
    """Steps 1-3 of the planner: the form with a county, hours, minutes and a bad file."""
    page.goto(f"{base_url}/scenarios")
    page.click("#new-scenario")
    page.wait_for_selector("#region-picker")
    page.fill("input[name=name]", "广河 故事")
    page.select_option("#region-picker", label="622924 广河县")
    page.fill("input[name=shift_s]", "7.5")
    page.fill("input[name=service_s]", "12")
    page.set_input_files("input[name=supply_file]",
                         files=[_csv((VILLAGES[0], "1.5"), (VILLAGES[1], "-2"))])
    page.click("#save-scenario")
    page.wait_for_selector("#form-errors")
    return str(page.locator("span.error[data-field=supply_file]").inner_text())


def test_planner_story(served: tuple[str, Flask]) -> None:
    base_url, app = served
    errors: list[str] = []
    colleague = _colleague_job(app)
    with chromium_page() as page:
        page.on("pageerror", lambda e: errors.append(str(e)))
        browser_login(page, base_url, app, "planner")
        message = _fill_and_upload_wrong_row(page, base_url)
        assert message == (f"{FILE_NAME} 第 3 行 (row 3)（值 -2.0）："  # the header is row 1
                           "产量 supply_t 不能为负数 (supply_t must be >= 0)")
        assert "/uploads/" not in page.content() and str(app.instance_path) not in message
        # the form kept the county and the durations; the planner fixes the file and saves
        assert page.eval_on_selector("#region-picker", "e => e.value") == "622924"
        assert page.input_value("input[name=shift_s]") == "7.5"
        page.set_input_files("input[name=supply_file]",
                             files=[_csv((VILLAGES[0], "1.5"), (VILLAGES[1], "2"))])
        page.click("#save-scenario")
        page.wait_for_selector(".banner.notice")
        assert "已保存情景「广河 故事」" in page.locator(".banner.notice").inner_text()
        row = page.locator("#scenarios tbody tr", has_text="广河 故事")
        assert "622924 广河县" in row.inner_text() and FILE_NAME in row.inner_text()
        # run: the colleague's job holds the worker, so this one is queued first
        row.locator("button.run").click()
        page.wait_for_selector("#job-state[data-state=queued]")
        assert page.inner_text("#job-queue") == "排队位置：第 1 位"
        job_id = int(page.url.rsplit("/", 1)[1])
        release(colleague)
        page.wait_for_selector("#job-state[data-state=running]", timeout=30_000)
        expect(page.locator("#job-percent")).to_have_text("50 %")  # no eval under the CSP
        assert page.eval_on_selector("#job-progress", "e => e.value") == 0.5
        assert page.is_hidden("#job-queue")
        release(job_id)
        page.wait_for_selector("#job-state[data-state=done]", timeout=30_000)
        page.click("#job-plan-link")
        page.wait_for_selector("#headline")
        assert page.url.endswith(f"/plans/job-{job_id}")
        _headlines_match_sections(page)
        # switching language keeps the plan
        page.click("a.lang")
        page.wait_for_selector("#headline")
        assert f"/plans/job-{job_id}" in page.url
        assert "3 get a truck (50.0 %)" in page.inner_text("#headline")
        _route_sheet_starts_at_shift_start(page)
    assert errors == []


def _headlines_match_sections(page: Any) -> None:
    """Each headline card against the section below it that lists the same thing."""
    card = {k: page.locator(f".card-{k} strong").inner_text().strip()
            for k in ("reach", "truck", "collected", "left")}
    counties = page.locator("#county-table tbody tr")
    column = {n: [float(t.replace(",", "")) for t in counties.locator(
        f"td:nth-child({n})").all_inner_texts()] for n in (3, 7, 8)}
    villages = int(sum(column[3]))
    unserved = page.locator("#unserved tbody tr")
    stages = [t.strip() for t in unserved.locator("td:nth-child(4)").all_inner_texts()]
    left_at_siting = sum(1 for s in stages if s in ("选址", "siting"))
    assert card["truck"] == f"{int(sum(column[7]))} / {villages}" == "3 / 6"
    assert card["left"] == str(unserved.count()) == "2"
    assert int(sum(column[8])) == len(stages) - left_at_siting == 1  # left at routing
    assert card["reach"] == f"{villages - left_at_siting} / {villages}" == "5 / 6", stages
    figures = dict(zip(page.locator("table.kv th").all_inner_texts(),
                       page.locator("table.kv td").all_inner_texts(), strict=False))
    collected = next(v for k, v in figures.items() if k.startswith("日收集"))
    assert card["collected"] in collected and "5.0 / 6.0" in collected, collected


def _route_sheet_starts_at_shift_start(page: Any) -> None:
    """The printable route sheet: clock times from the shift start shown on it."""
    page.click("#routes-link")
    page.wait_for_selector("section.sheet")
    start = page.inner_text("#shift-start strong").strip()
    times = [(int(h), int(m)) for h, m in TIME.findall(
        " ".join(page.locator("section.sheet").all_inner_texts()))]
    shift = tuple(int(x) for x in start.split(":"))
    assert times and min(times) >= shift and times[0] >= shift, (start, times)
    assert times[0][0] != 0, times
    page.emulate_media(media="print")
    assert page.is_hidden("p.crumbs.noprint") and page.is_visible("section.sheet")


#: What a viewer must not do: (path, form fields) of every state-changing POST.
def _forbidden_posts(sid: int, job_id: int, user_id: int) -> list[tuple[str, dict[str, str]]]:
    return [("/scenarios/new", {"name": "viewer's", "region_code": "622924"}),
            (f"/scenarios/{sid}/edit", {"name": "renamed by a viewer", "region_code": "62"}),
            (f"/scenarios/{sid}/copy", {}), (f"/scenarios/{sid}/run", {}),
            (f"/scenarios/{sid}/delete", {}), ("/plans/tiny-linxia/delete", {}),
            (f"/jobs/{job_id}/cancel", {}), (f"/api/jobs/{job_id}/cancel", {}),
            ("/scenarios/templates/linxia/copy", {}),
            (f"/admin/users/{user_id}/disable", {}), (f"/admin/users/{user_id}/delete", {})]


POST_FROM_PAGE = """async ([path, fields]) => {
    const body = new FormData();
    body.append('csrf_token', document.querySelector('input[name=csrf_token]').value);
    for (const [k, v] of Object.entries(fields)) body.append(k, v);
    const r = await fetch(path, {method: 'POST', body, redirect: 'manual'});
    return r.status;
}"""


def _user_id(app: Flask, name: str) -> int:
    row = app.extensions[DB_KEY].one("SELECT id FROM users WHERE name = ?", (name,))
    assert row is not None
    return int(row["id"])


def _state(app: Flask) -> dict[str, Any]:
    db = app.extensions[DB_KEY]
    return {"scenarios": db.all("SELECT id, name, params FROM scenarios ORDER BY id"),
            "jobs": db.all("SELECT id, state FROM jobs ORDER BY id"),
            "users": db.all("SELECT id, name, role, password_hash FROM users ORDER BY id"),
            "disabled": db.all("SELECT user_id FROM disabled_users"),
            "plans": sorted(p.name for p in Path(app.config["PLANS_DIR"]).iterdir())}


def test_viewer_story(served: tuple[str, Flask]) -> None:
    base_url, app = served
    job_id = _colleague_job(app)  # a running job, and a scenario
    sid = app.extensions[DB_KEY].job(job_id)["scenario_id"]
    planner_id = _user_id(app, ensure_user(app, "planner"))
    ensure_user(app, "viewer")
    before = _state(app)
    with chromium_page() as page:
        browser_login(page, base_url, app, "viewer")
        page.goto(f"{base_url}/scenarios")
        page.wait_for_selector("#scenarios")
        shown = {sel: page.locator(sel).count() for sel in (
            "#new-scenario", "button.run", "#scenarios a", "#scenarios form", "a.delete",
            "#scenario-templates", "#plan-files", "#nav-admin")}
        page.goto(f"{base_url}/plans/tiny-linxia")
        page.wait_for_selector("#headline")
        shown["plan page delete"] = page.locator("a[href*='/delete']").count()
        page.goto(f"{base_url}/jobs/{job_id}")
        page.wait_for_selector("#job-state")
        shown["#cancel-job"] = page.locator("#cancel-job").count()
        statuses = {path: page.evaluate(POST_FROM_PAGE, [path, fields])
                    for path, fields in _forbidden_posts(sid, job_id, planner_id)}
    release(job_id)
    assert shown == dict.fromkeys(shown, 0), shown
    assert statuses == dict.fromkeys(statuses, 403), statuses
    assert _state(app) == before


def test_admin_story(served: tuple[str, Flask]) -> None:
    """The planner's session, opened first in its own browser context, ends when an admin
    disables the account: its next page and its next API call both ask for a login."""
    base_url, app = served
    planner = ensure_user(app, "planner")
    with chromium_page() as planner_page:
        admin_page = planner_page.context.browser.new_context().new_page()  # own cookies
        browser_login(planner_page, base_url, app, "planner")
        planner_page.goto(f"{base_url}/scenarios")
        assert planner_page.locator("#new-scenario").count() == 1  # logged in as planner
        browser_login(admin_page, base_url, app, "admin")
        admin_page.click("#nav-admin")
        row = f"#user-{_user_id(app, planner)}"
        admin_page.click(f"{row} a.action-disable")
        admin_page.click("#confirm-form button[type=submit]")
        admin_page.wait_for_selector(f"{row} td.status")
        status = admin_page.inner_text(f"{row} td.status")
        api_status = planner_page.evaluate(
            "async () => (await fetch('/api/scenarios', {redirect: 'manual'})).status")
        planner_page.goto(f"{base_url}/scenarios")
        planner_url, heading = planner_page.url, planner_page.inner_text("h1")
        planner_page.fill("input[name=name]", planner)  # nor can it log in again
        planner_page.fill("input[name=password]", PASSWORD)
        planner_page.click("#login-form button[type=submit]")
        planner_page.wait_for_selector("#login-form")
        again = planner_page.url
        admin_page.click(f"{row} a.action-enable")  # leave the shared app as found
        admin_page.click("#confirm-form button[type=submit]")
        admin_page.wait_for_selector(f"{row} td.status")
    assert status == "已停用"
    assert api_status == 401  # an API call gets a 401, a page the login form
    assert "/login" in planner_url and heading == "登录"
    assert "/login" in again
