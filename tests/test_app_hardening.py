"""Response headers (Content-Security-Policy and friends) and private instance files."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from app import create_app


def _mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def _directives(header: str) -> dict[str, str]:
    return {part.split(" ", 1)[0]: part.split(" ", 1)[1] for part in header.split("; ")}


def test_every_page_carries_the_policy_and_headers(client: FlaskClient) -> None:
    for url in ("/", "/plans/tiny-linxia", "/scenarios", "/api/plans", "/no-such-page"):
        response = client.get(url)
        policy = _directives(response.headers["Content-Security-Policy"])
        assert policy["default-src"] == "'self'" and policy["object-src"] == "'none'"
        assert policy["frame-ancestors"] == "'none'" and policy["base-uri"] == "'self'"
        assert policy["img-src"] == "'self' data: blob:"  # offline: no tile host
        assert policy["connect-src"] == "'self'" and policy["form-action"] == "'self'"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"] == "same-origin"


def test_map_page_loads_nothing_the_policy_forbids(client: FlaskClient,
                                                   url_scan: object) -> None:
    html = client.get("/plans/tiny-linxia").get_data(as_text=True)
    links, absolute = url_scan(html)  # type: ignore[operator]
    scripts_and_styles = [u for u in links if u.endswith((".js", ".css"))]
    assert scripts_and_styles and all(u.startswith("/") for u in scripts_and_styles)


def test_tiles_host_is_allowed_only_when_configured(plans_dir: Path, stub_vendor_dir: Path,
                                                    tmp_path: Path) -> None:
    def policy(**config: str) -> dict[str, str]:
        app = create_app({"TESTING": True, "PLANS_DIR": str(plans_dir),
                          "VENDOR_DIR": str(stub_vendor_dir),
                          "INSTANCE_DIR": str(tmp_path / "i"), **config})
        return _directives(app.test_client().get("/login")
                           .headers["Content-Security-Policy"])

    assert policy(TILES="osm")["img-src"] == "'self' data: blob: https://tile.openstreetmap.org"
    tianditu = policy(TILES="tianditu", TIANDITU_KEY="0123abcd")["img-src"]
    assert tianditu == "'self' data: blob: https://*.tianditu.gov.cn"


def test_instance_files_are_private(app: Flask, planner: FlaskClient) -> None:
    instance = Path(app.config["INSTANCE_DIR"])
    database = instance / "coldchain.sqlite3"
    assert _mode(instance) == 0o700
    assert _mode(database) == 0o600 and _mode(instance / "secret_key") == 0o600
    for extra in ("coldchain.sqlite3-wal", "coldchain.sqlite3-shm"):
        if (instance / extra).exists():  # SQLite gives them the database's mode
            assert _mode(instance / extra) == 0o600


def test_an_older_install_is_tightened(plans_dir: Path, stub_vendor_dir: Path,
                                       tmp_path: Path) -> None:
    instance = tmp_path / "old"
    (instance / "uploads").mkdir(parents=True)
    instance.chmod(0o755)
    (instance / "uploads").chmod(0o755)
    sqlite3.connect(instance / "coldchain.sqlite3").close()
    (instance / "coldchain.sqlite3").chmod(0o644)
    (instance / "uploads" / "old.csv").write_text("settlement_id,supply_t\n", "utf-8")
    (instance / "uploads" / "old.csv").chmod(0o644)
    create_app({"TESTING": True, "PLANS_DIR": str(plans_dir),
                "VENDOR_DIR": str(stub_vendor_dir), "INSTANCE_DIR": str(instance)})
    assert _mode(instance) == _mode(instance / "uploads") == 0o700
    assert _mode(instance / "coldchain.sqlite3") == _mode(instance / "uploads" / "old.csv") \
        == 0o600



def _failed_login_address(plans_dir: Path, stub_vendor_dir: Path, instance: Path,
                          behind_proxy: bool) -> str:
    """Fail one login with an X-Forwarded-For header; the address the audit log kept."""
    import re

    app = create_app({"TESTING": True, "PLANS_DIR": str(plans_dir),
                      "VENDOR_DIR": str(stub_vendor_dir), "INSTANCE_DIR": str(instance),
                      "BEHIND_PROXY": behind_proxy})
    client = app.test_client()
    forwarded = {"X-Forwarded-For": "203.0.113.9"}
    page = client.get("/login", headers=forwarded).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token is not None
    client.post("/login", headers=forwarded,
                data={"name": "nobody", "password": "wrong-wrong", "csrf_token": token[1]})
    with sqlite3.connect(instance / "coldchain.sqlite3") as db:
        rows = db.execute("SELECT address FROM audit_log").fetchall()
    assert len(rows) == 1
    return str(rows[0][0])


def test_client_address_is_the_proxys_header_only_behind_a_proxy(
        plans_dir: Path, stub_vendor_dir: Path, tmp_path: Path) -> None:
    assert _failed_login_address(plans_dir, stub_vendor_dir, tmp_path / "a", True) \
        == "203.0.113.9"
    assert _failed_login_address(plans_dir, stub_vendor_dir, tmp_path / "b", False) \
        == "127.0.0.1"  # a directly reachable server never trusts the header
