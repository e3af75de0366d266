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
    assert anon_client.get("/login").status_code == 200
    assert anon_client.get("/vendor/leaflet/leaflet.js").status_code == 200
    assert anon_client.get("/static/app.css").status_code == 200
    assert anon_client.get("/api/openapi.json").status_code == 200


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
