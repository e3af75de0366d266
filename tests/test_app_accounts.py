"""Accounts: hashed passwords, login/logout, roles, access rules and the users CLI."""

from __future__ import annotations

import argparse
import io
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.accounts import AccountError, add_user, authenticate, register_cli
from app.db import EXTENSION_KEY as DB_KEY
from tests.conftest import PASSWORD, csrf_of, login


def test_passwords_are_hashed(app: Flask) -> None:
    db = app.extensions[DB_KEY]
    add_user(db, "hu", "long-enough-1", "viewer")
    row = db.one("SELECT password_hash FROM users WHERE name = 'hu'")
    assert row["password_hash"] != "long-enough-1" and row["password_hash"].startswith("scrypt")
    assert authenticate(db, "hu", "long-enough-1") is not None
    assert authenticate(db, "hu", "wrong-password") is None
    assert authenticate(db, "nobody", "long-enough-1") is None


@pytest.mark.parametrize(("name", "password", "role"), [
    ("", "long-enough-1", "viewer"), ("x", "short", "viewer"), ("x", "long-enough-1", "god")])
def test_bad_accounts_are_refused(app: Flask, name: str, password: str, role: str) -> None:
    with pytest.raises(AccountError):
        add_user(app.extensions[DB_KEY], name, password, role)


@pytest.mark.parametrize("url", ["/", "/plans/tiny-linxia", "/scenarios", "/jobs", "/compare",
                                 "/plans/tiny-linxia/export/csv"])
def test_pages_need_login(anon_client: FlaskClient, url: str) -> None:
    response = anon_client.get(url)
    assert response.status_code == 302 and response.location.startswith("/login")


@pytest.mark.parametrize("url", ["/api/plans", "/api/jobs", "/api/scenarios",
                                 "/api/plans/tiny-linxia/layers/stores.geojson"])
def test_api_needs_login(anon_client: FlaskClient, url: str) -> None:
    response = anon_client.get(url)
    assert response.status_code == 401 and response.is_json


def test_public_files(anon_client: FlaskClient) -> None:
    for url in ("/login", "/vendor/leaflet/leaflet.js", "/static/app.css", "/api/openapi.json"):
        with anon_client.get(url) as response:  # closes the file a static response holds
            assert response.status_code == 200, url


def test_wrong_password_is_401(anon_client: FlaskClient, app: Flask) -> None:
    login(app.test_client(), "viewer")  # creates the user
    response = anon_client.post("/login", data={"name": "vera", "password": "nope-nope",
                                                "csrf_token": csrf_of(anon_client)})
    assert response.status_code == 401
    assert anon_client.get("/").status_code == 302


def test_login_redirects_only_to_local_paths(anon_client: FlaskClient, app: Flask) -> None:
    login(app.test_client(), "viewer")
    token = csrf_of(anon_client)
    response = anon_client.post("/login?next=//evil.example/x",
                                data={"name": "vera", "password": PASSWORD, "csrf_token": token})
    assert response.location == "/"
    anon_client.post("/logout", data={"csrf_token": csrf_of(anon_client)})
    response = anon_client.post("/login?next=/jobs", data={
        "name": "vera", "password": PASSWORD, "csrf_token": csrf_of(anon_client)})
    assert response.location == "/jobs"


def test_logout(client: FlaskClient) -> None:
    html = client.get("/").get_data(as_text=True)
    token = html.split('name="csrf_token" value="')[1].split('"')[0]
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/").status_code == 302


def test_viewer_cannot_start_or_edit(client: FlaskClient) -> None:
    token = csrf_of(client)
    assert client.get("/scenarios/new").status_code == 403
    assert client.post("/scenarios/1/run", data={"csrf_token": token}).status_code == 403
    assert client.post("/jobs/1/cancel", data={"csrf_token": token}).status_code == 403


def test_users_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    parser = argparse.ArgumentParser()
    register_cli(parser.add_subparsers())
    args = parser.parse_args(["users", "add", "lan", "--role", "planner", "--password-stdin",
                              "--instance", str(tmp_path)])
    monkeypatch.setattr("sys.stdin", io.StringIO("a-good-password\n"))
    assert args.func(args) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert args.func(args) == 2
    from app import create_app
    db = create_app({"INSTANCE_DIR": str(tmp_path)}).extensions[DB_KEY]
    assert authenticate(db, "lan", "a-good-password")["role"] == "planner"


# ---- server-side sessions (Flask-Login): revoked on logout and password reset ----------


def _session_cookie(client: FlaskClient) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def _reuse(app: Flask, cookie: str) -> FlaskClient:
    """A new client that presents an old session cookie."""
    other = app.test_client()
    other.set_cookie("session", cookie)
    return other


def test_old_cookie_is_dead_after_logout(app: Flask) -> None:
    client = login(app.test_client(), "planner")
    cookie = _session_cookie(client)
    assert _reuse(app, cookie).get("/").status_code == 200
    assert client.post("/logout", data={"csrf_token": csrf_of(client)}).status_code == 302
    replay = _reuse(app, cookie)
    response = replay.get("/")
    assert response.status_code == 302 and response.location.startswith("/login")
    assert replay.get("/api/plans").status_code == 401


def test_old_cookie_is_dead_after_password_reset(app: Flask) -> None:
    from app.accounts import find_user, set_password
    client = login(app.test_client(), "viewer")
    cookie = _session_cookie(client)
    db = app.extensions[DB_KEY]
    set_password(db, find_user(db, "vera")["id"], "a-new-password-1")
    assert client.get("/").status_code == 302
    assert _reuse(app, cookie).get("/").status_code == 302
    response = app.test_client().post("/login", data={"name": "vera", "password": PASSWORD,
                                                      "csrf_token": csrf_of(app.test_client())})
    assert response.status_code in (400, 401)
    fresh = app.test_client()
    response = fresh.post("/login", data={"name": "vera", "password": "a-new-password-1",
                                          "csrf_token": csrf_of(fresh)})
    assert response.status_code == 302 and fresh.get("/").status_code == 200


def test_users_add_on_an_existing_name_ends_its_sessions(app: Flask) -> None:
    client = login(app.test_client(), "viewer")
    add_user(app.extensions[DB_KEY], "vera", "another-password", "viewer")
    assert client.get("/").status_code == 302


def test_logout_keeps_other_sessions_of_the_account(app: Flask) -> None:
    laptop, office = login(app.test_client(), "viewer"), login(app.test_client(), "viewer")
    laptop.post("/logout", data={"csrf_token": csrf_of(laptop)})
    assert laptop.get("/").status_code == 302 and office.get("/").status_code == 200


def test_forged_session_id_logs_nobody_in(app: Flask) -> None:
    from flask.sessions import SecureCookieSessionInterface
    login(app.test_client(), "admin")
    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    for user_id in ("1", "3", 1):  # a database id is not a session token
        forged = serializer.dumps({"_user_id": user_id, "_fresh": True})
        assert _reuse(app, forged).get("/").status_code == 302


def test_session_expires_on_the_server(app: Flask) -> None:
    client = login(app.test_client(), "viewer")
    app.extensions[DB_KEY].run("UPDATE login_sessions SET created_at = created_at - 13 * 3600")
    assert client.get("/").status_code == 302


# ---- throttling and lockout ------------------------------------------------------------


def _from(app: Flask, address: str) -> FlaskClient:
    """A client whose requests come from ``address``."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def _try(client: FlaskClient, name: str, password: str) -> tuple[int, str]:
    response = client.post("/login", data={"name": name, "password": password,
                                           "csrf_token": csrf_of(client)})
    return response.status_code, response.get_data(as_text=True)


def test_five_failures_lock_the_account_even_for_the_right_password(app: Flask) -> None:
    login(app.test_client(), "viewer")
    attacker = _from(app, "10.0.0.66")
    statuses = [_try(attacker, "vera", f"guess-{i}")[0] for i in range(5)]
    assert statuses == [401, 401, 401, 401, 429]
    status, html = _try(attacker, "vera", PASSWORD)
    assert status == 429 and "15 分钟后" in html
    owner = _from(app, "10.0.0.7")
    status, html = _try(owner, "vera", PASSWORD)  # the account, from anywhere
    assert status == 429 and "重试" in html
    response = owner.post("/login?lang=en", data={"name": "vera", "password": PASSWORD,
                                                  "csrf_token": csrf_of(owner)})
    assert response.status_code == 429 and "Try again in 15 min" in response.get_data(
        as_text=True) and int(response.headers["Retry-After"]) > 800


def test_five_failures_from_one_address_lock_that_address(app: Flask) -> None:
    login(app.test_client(), "viewer")
    sprayer = _from(app, "10.0.0.99")
    assert [_try(sprayer, f"user{i}", "guess-guess")[0] for i in range(5)][-1] == 429
    assert _try(sprayer, "vera", PASSWORD)[0] == 429
    assert _try(_from(app, "10.0.0.5"), "vera",
                PASSWORD)[0] == 302


def test_lockout_ends_and_success_resets_the_count(app: Flask) -> None:
    from app import throttle
    db, now = app.extensions[DB_KEY], 1_000_000.0
    for i in range(4):
        assert throttle.register_failure(db, "vera", "a", now + i) == []
    throttle.register_success(db, "vera")
    assert throttle.register_failure(db, "vera", "b", now + 5) == []
    assert throttle.register_failure(db, "vera", "c", now + 6 + throttle.WINDOW_S) == []
    for i in range(3):
        throttle.register_failure(db, "vera", "d", now + 10 + throttle.WINDOW_S + i)
    assert throttle.register_failure(db, "vera", "e", now + 20 + throttle.WINDOW_S) \
        == ["user:vera"]
    until = throttle.locked_until(db, "vera", "z", now + 21 + throttle.WINDOW_S)
    assert until == now + 20 + throttle.WINDOW_S + throttle.LOCK_S
    assert throttle.locked_until(db, "vera", "z", until) is None


# ---- the audit log survives a restart --------------------------------------------------


def test_audit_rows_survive_a_new_app_on_the_same_instance(app: Flask) -> None:
    from app import create_app
    from app.audit import recent
    client = login(app.test_client(), "viewer")
    client.post("/logout", data={"csrf_token": csrf_of(client)})
    attacker = _from(app, "10.1.1.1")
    for i in range(5):
        _try(attacker, "vera", f"nope-{i}")
    again = create_app({"TESTING": True, "INSTANCE_DIR": app.config["INSTANCE_DIR"],
                        "PLANS_DIR": app.config["PLANS_DIR"]})
    events = [(e["event"], e["account"]) for e in recent(again.extensions[DB_KEY])]
    assert ("login", "vera") in events and ("logout", "vera") in events
    assert events.count(("login_failed", "vera")) == 5 and ("lockout", "vera") in events
    status, _ = _try(_from(again, "10.1.1.2"), "vera",
                     PASSWORD)
    assert status == 429  # the lockout survives the restart too


# ---- users CLI: disable, enable, delete, reset, list -----------------------------------


def _cli(*argv: str) -> int:
    parser = argparse.ArgumentParser()
    register_cli(parser.add_subparsers())
    args = parser.parse_args(["users", *argv])
    return int(args.func(args))


def test_users_cli_disable_enable_delete_reset(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    from app import create_app
    from app.audit import recent
    inst = str(tmp_path)
    monkeypatch.setattr("sys.stdin", io.StringIO("a-good-password\n"))
    assert _cli("add", "lan", "--role", "planner", "--password-stdin", "--instance", inst) == 0
    app = create_app({"TESTING": True, "INSTANCE_DIR": inst})
    db = app.extensions[DB_KEY]
    session = app.test_client()
    assert session.post("/login", data={"name": "lan", "password": "a-good-password",
                                        "csrf_token": csrf_of(session)}).status_code == 302
    assert _cli("disable", "lan", "--instance", inst) == 0
    assert session.get("/").status_code == 302  # its open session stopped working
    assert _try(app.test_client(), "lan", "a-good-password")[0] == 403
    assert _cli("enable", "lan", "--instance", inst) == 0
    assert _cli("reset", "lan", "--instance", inst) == 0
    new_password = capsys.readouterr().out.split("new password: ")[1].strip()
    assert authenticate(db, "lan", "a-good-password") is None
    assert authenticate(db, "lan", new_password) is not None
    assert _cli("list", "--instance", inst) == 0 and "lan\tplanner\tactive" in \
        capsys.readouterr().out
    assert _cli("delete", "lan", "--yes", "--instance", inst) == 0
    assert db.one("SELECT id FROM users WHERE name = 'lan'") is None
    assert [_cli(a, "nobody", "--instance", inst) for a in ("disable", "enable", "reset")] \
        == [2, 2, 2]
    events = [e["event"] for e in recent(db)]
    assert events[:6] == ["user_deleted", "password_reset", "user_enabled", "login_disabled",
                          "user_disabled", "login"]


def test_users_cli_delete_asks_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("a-good-password\n"))
    assert _cli("add", "lan", "--password-stdin", "--instance", str(tmp_path)) == 0
    monkeypatch.setattr("builtins.input", lambda prompt: "n")
    assert _cli("delete", "lan", "--instance", str(tmp_path)) == 1
    monkeypatch.setattr("builtins.input", lambda prompt: "y")
    assert _cli("delete", "lan", "--instance", str(tmp_path)) == 0


# ---- changing one's own password -------------------------------------------------------


def _change(client: FlaskClient, current: str, new: str, repeat: str | None = None) -> object:
    return client.post("/account/password", data={
        "current_password": current, "new_password": new,
        "repeat_password": new if repeat is None else repeat, "csrf_token": csrf_of(client)})


def test_password_change_ends_the_other_sessions_only(app: Flask) -> None:
    from app.audit import recent
    here, there = login(app.test_client(), "viewer"), login(app.test_client(), "viewer")
    old_cookie = _session_cookie(here)
    assert here.get("/account/password").status_code == 200
    response = _change(here, PASSWORD, "my-own-new-one")
    assert response.status_code == 302
    assert "密码已修改" in here.get(response.location).get_data(as_text=True)
    assert here.get("/").status_code == 200
    assert there.get("/").status_code == 302 and _reuse(app, old_cookie).get("/").status_code \
        == 302
    db = app.extensions[DB_KEY]
    assert authenticate(db, "vera", "my-own-new-one") is not None
    assert recent(db)[0]["event"] == "password_changed"


@pytest.mark.parametrize(("current", "new", "repeat", "text"), [
    ("wrong-one-1", "my-own-new-one", None, "当前密码错误"),
    (PASSWORD, "my-own-new-one", "my-own-new-two", "不一致"),
    (PASSWORD, "short", None, "至少需要 8 个字符"),
    (PASSWORD, PASSWORD, None, "不能与当前密码相同"),
])
def test_password_change_refusals(client: FlaskClient, current: str, new: str,
                                  repeat: str | None, text: str) -> None:
    response = _change(client, current, new, repeat)
    assert response.status_code == 400 and text in response.get_data(as_text=True)
    assert client.get("/").status_code == 200


def test_a_generated_password_must_be_replaced_first(app: Flask) -> None:
    from app.accounts import find_user, set_password
    old_session = login(app.test_client(), "planner")  # creates pete
    db = app.extensions[DB_KEY]
    generated = set_password(db, find_user(db, "pete")["id"])
    assert old_session.get("/").status_code == 302
    client = app.test_client()
    assert client.post("/login", data={"name": "pete", "password": generated,
                                       "csrf_token": csrf_of(client)}).status_code == 302
    response = client.get("/scenarios")
    assert response.status_code == 302 and response.location == "/account/password"
    assert client.get("/api/jobs").status_code == 403
    page = client.get("/account/password").get_data(as_text=True)
    assert "只能使用一次" in page
    assert _change(client, generated, "pete-chose-this").status_code == 302
    assert client.get("/scenarios").status_code == 200
