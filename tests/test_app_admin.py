"""The account administration page: admin only, confirmed actions, CSRF, sessions end."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from app.accounts import authenticate, find_user
from app.audit import recent
from app.db import EXTENSION_KEY as DB_KEY
from tests.browser import chromium_page, live_server, requires_chromium
from tests.conftest import PASSWORD, browser_login, csrf_of, ensure_user, login


@pytest.fixture
def admin(app: Flask) -> FlaskClient:
    """A test client logged in as the admin."""
    return login(app.test_client(), "admin")


def _id(app: Flask, name: str) -> int:
    return int(find_user(app.extensions[DB_KEY], name)["id"])


def _act(client: FlaskClient, user_id: int, action: str) -> object:
    """Confirm page, then the POST it carries (with its own CSRF token)."""
    page = client.get(f"/admin/users/{user_id}/{action}")
    assert page.status_code == 200
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True))
    assert token is not None
    return client.post(f"/admin/users/{user_id}/{action}", data={"csrf_token": token[1]})


def test_admin_lists_accounts_and_the_audit_log(admin: FlaskClient, app: Flask) -> None:
    login(app.test_client(), "viewer")
    html = admin.get("/admin/users").get_data(as_text=True)
    assert "vera" in html and "ada" in html and "账户管理" in html
    assert "登录" in html  # the audit log's login events, translated
    assert 'id="nav-admin"' in admin.get("/").get_data(as_text=True)
    english = admin.get("/admin/users?lang=en").get_data(as_text=True)
    assert "Accounts" in english and "Disable" in english


@pytest.mark.parametrize("role", ["viewer", "planner"])
def test_others_get_403(app: Flask, role: str) -> None:
    client = login(app.test_client(), role)
    target = _id(app, ensure_user(app, "admin"))
    assert client.get("/admin/users").status_code == 403
    assert client.get(f"/admin/users/{target}/disable").status_code == 403
    response = client.post(f"/admin/users/{target}/delete", data={"csrf_token": csrf_of(client)})
    assert response.status_code == 403
    assert find_user(app.extensions[DB_KEY], "ada") is not None
    assert 'id="nav-admin"' not in client.get("/").get_data(as_text=True)


def test_anonymous_is_sent_to_login(anon_client: FlaskClient) -> None:
    response = anon_client.get("/admin/users")
    assert response.status_code == 302 and response.location.startswith("/login")


def test_disable_ends_the_open_session_and_enable_lets_back_in(admin: FlaskClient,
                                                               app: Flask) -> None:
    planner = login(app.test_client(), "planner")
    pete = _id(app, "pete")
    assert planner.get("/scenarios").status_code == 200
    response = _act(admin, pete, "disable")
    assert response.status_code == 302
    assert "账户 pete 已停用" in admin.get(response.location).get_data(as_text=True)
    assert planner.get("/scenarios").status_code == 302  # at its next request
    assert planner.get("/api/jobs").status_code == 401
    fresh = app.test_client()
    refused = fresh.post("/login", data={"name": "pete", "password": PASSWORD,
                                         "csrf_token": csrf_of(fresh)})
    assert refused.status_code == 403 and "已停用" in refused.get_data(as_text=True)
    assert _act(admin, pete, "enable").status_code == 302
    login(app.test_client(), "planner")


def test_reset_shows_a_one_time_password_and_ends_sessions(admin: FlaskClient,
                                                           app: Flask) -> None:
    viewer = login(app.test_client(), "viewer")
    response = _act(admin, _id(app, "vera"), "reset")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    password = re.search(r'id="new-password">([^<]+)<', response.get_data(as_text=True))[1]
    assert len(password) >= 12 and password != PASSWORD
    db = app.extensions[DB_KEY]
    assert authenticate(db, "vera", password) is not None
    assert authenticate(db, "vera", PASSWORD) is None
    assert viewer.get("/").status_code == 302
    assert ("password_reset", "vera", "ada") in [(e["event"], e["account"], e["actor"])
                                                 for e in recent(db)]


def test_delete_removes_the_account(admin: FlaskClient, app: Flask) -> None:
    viewer = login(app.test_client(), "viewer")
    assert _act(admin, _id(app, "vera"), "delete").status_code == 302
    assert find_user(app.extensions[DB_KEY], "vera") is None
    assert viewer.get("/").status_code == 302


def test_actions_need_csrf_and_a_real_target(admin: FlaskClient, app: Flask) -> None:
    vera = _id(app, ensure_user(app, "viewer"))
    assert admin.post(f"/admin/users/{vera}/delete").status_code == 400
    assert admin.post(f"/admin/users/{vera}/delete", data={"csrf_token": "x"}).status_code == 400
    token = csrf_of(admin)
    assert admin.post(f"/admin/users/{vera}/explode", data={"csrf_token": token}).status_code \
        == 404
    assert admin.post("/admin/users/99999/delete", data={"csrf_token": token}).status_code == 404
    assert admin.get("/admin/users/99999999999999999999999/reset").status_code == 404
    own = admin.post(f"/admin/users/{_id(app, 'ada')}/disable", data={"csrf_token": token})
    assert own.status_code == 400 and find_user(app.extensions[DB_KEY], "vera") is not None


def test_names_are_escaped(admin: FlaskClient, app: Flask) -> None:
    from app.accounts import add_user
    add_user(app.extensions[DB_KEY], "<b>x</b>", "long-enough-1", "viewer")
    html = admin.get("/admin/users").get_data(as_text=True)
    assert "<b>x</b>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html
    user_id = _id(app, "<b>x</b>")
    assert "<b>x</b>" not in admin.get(f"/admin/users/{user_id}/delete").get_data(as_text=True)


# ---- the user story in a browser -------------------------------------------------------


@pytest.fixture
def served(plans_dir: Path, stub_vendor_dir: Path,
           tmp_path: Path) -> Iterator[tuple[str, Flask]]:
    """The app on 127.0.0.1 (a free port) and the app."""
    app = create_app({"PLANS_DIR": str(plans_dir), "VENDOR_DIR": str(stub_vendor_dir),
                      "INSTANCE_DIR": str(tmp_path / "inst")})
    with live_server(app) as url:
        yield url, app


@pytest.mark.browser
@requires_chromium
def test_admin_disables_an_account_and_its_open_session_stops(
        served: tuple[str, Flask]) -> None:
    base_url, app = served
    with chromium_page() as planner_page:
        admin_page = planner_page.context.browser.new_context().new_page()  # own cookies
        browser_login(planner_page, base_url, app, "planner")
        planner_page.goto(f"{base_url}/scenarios")
        assert planner_page.url.endswith("/scenarios")
        browser_login(admin_page, base_url, app, "admin")
        admin_page.click("#nav-admin")
        admin_page.click(f"#user-{_id(app, 'pete')} a.action-disable")
        admin_page.click("#confirm-form button[type=submit]")
        admin_page.wait_for_load_state()
        status = admin_page.locator(f"#user-{_id(app, 'pete')} td.status").inner_text()
        planner_page.goto(f"{base_url}/scenarios")
        planner_url = planner_page.url
        heading = planner_page.locator("h1").inner_text()
    assert status == "已停用"
    assert "/login" in planner_url and heading == "登录"
