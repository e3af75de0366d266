"""CSRF, cookie flags, the secret key, headers, upload limits and never-500 requests."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from app.security import load_secret_key
from tests.conftest import csrf_of, login


def test_post_without_csrf_is_refused(planner: FlaskClient) -> None:
    response = planner.post("/scenarios/new", data={"name": "x", "region_code": "622924"})
    assert response.status_code == 400 and "CSRF" in response.get_data(as_text=True)
    assert planner.post("/logout").status_code == 400
    response = planner.post("/scenarios/new", data={"name": "x", "csrf_token": "forged"})
    assert response.status_code == 400


def test_login_itself_needs_csrf(anon_client: FlaskClient) -> None:
    assert anon_client.post("/login", data={"name": "a", "password": "b"}).status_code == 400


def test_api_post_takes_the_header(planner: FlaskClient) -> None:
    assert planner.post("/api/jobs/99/cancel").status_code == 400
    response = planner.post("/api/jobs/99/cancel", headers={"X-CSRF-Token": csrf_of(planner)})
    assert response.status_code == 404 and response.is_json


def test_session_cookie_flags(app: Flask) -> None:
    client = app.test_client()
    client.get("/login")
    response = client.post("/login", data={"name": "x", "password": "y",
                                           "csrf_token": csrf_of(client)})
    cookie = response.headers.get("Set-Cookie", "") or client.get("/login").headers.get(
        "Set-Cookie", "")
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert "HttpOnly" in cookie or cookie == ""


def test_secure_cookie_default_outside_tests(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COLDCHAIN_COOKIE_SECURE")
    app = create_app({"INSTANCE_DIR": str(tmp_path)})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert create_app({"TESTING": True, "INSTANCE_DIR": str(tmp_path)}).config[
        "SESSION_COOKIE_SECURE"] is False


def test_secret_key_generated_once(tmp_path: Path) -> None:
    key = load_secret_key(tmp_path)
    assert len(key) == 64 and load_secret_key(tmp_path) == key
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
    a = create_app({"INSTANCE_DIR": str(tmp_path / "i")}).config["SECRET_KEY"]
    assert a == create_app({"INSTANCE_DIR": str(tmp_path / "i")}).config["SECRET_KEY"]


def test_security_headers(client: FlaskClient) -> None:
    response = client.get("/")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_100_mb_upload_is_refused_clearly(planner: FlaskClient) -> None:
    # The multipart body is written here: werkzeug would spool it to a temporary file
    # that it never closes (a ResourceWarning under filterwarnings = ["error"]).
    token = csrf_of(planner).encode()
    body = (b"--B\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n" + token
            + b"\r\n--B\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nbig"
            + b"\r\n--B\r\nContent-Disposition: form-data; name=\"supply_file\"; "
            + b"filename=\"big.csv\"\r\nContent-Type: text/csv\r\n\r\n"
            + b"0" * (100 * 1024 * 1024) + b"\r\n--B--\r\n")
    response = planner.post("/scenarios/new", data=body,
                            content_type="multipart/form-data; boundary=B")
    assert response.status_code == 413
    assert "upload too large: the limit is 10 MB" in response.get_data(as_text=True)


@pytest.mark.parametrize("url", [
    "/plans/tiny-linxia/export/..%2F..%2Fetc%2Fpasswd", "/plans/..%2Ftiny-linxia/export/csv",
    "/plans/tiny-linxia/export/../../secret.txt", "/plans/../secret.txt/export/csv",
    "/plans/tiny-linxia/export/pdf", "/vendor/..%2F..%2Fapp.py", "/scenarios/abc/edit",
    "/jobs/-1", "/api/jobs/0", "/api/scenarios/x", "/plans/tiny-linxia/report/..",
])
def test_traversal_and_junk_are_404(client: FlaskClient, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 404
    assert "must never be served" not in response.get_data(as_text=True)


@pytest.mark.parametrize(("method", "url", "data"), [
    ("get", "/api/compare?a=tiny-linxia", None), ("get", "/api/plans/tiny-linxia/search?q=" +
                                                  "%00" * 50, None),
    ("get", "/compare?a=tiny-linxia&b=nope", None), ("get", "/?lang=xx", None),
    ("post", "/scenarios/new", {"name": "", "stores": "1e400", "tiers": "a,b"}),
    ("post", "/scenarios/new", {"name": "n", "region_code": "x" * 10000, "seed": "-"}),
    ("get", "/jobs/999999", None), ("post", "/scenarios/999/run", {}),
])
def test_bad_requests_never_500(planner: FlaskClient, method: str, url: str,
                                data: dict | None) -> None:
    if data is not None:
        data = dict(data, csrf_token=csrf_of(planner))
    response = getattr(planner, method)(url, data=data)
    assert response.status_code < 500, response.get_data(as_text=True)[:300]


def test_viewer_login_then_role_checks(app: Flask) -> None:
    viewer = login(app.test_client(), "viewer")
    assert viewer.get("/scenarios").status_code == 200
    assert "new-scenario" not in viewer.get("/scenarios").get_data(as_text=True)


def test_no_route_answers_500_to_junk(app: Flask) -> None:
    """Every registered route with junk in each path argument and query: never a 500."""
    import re
    client = login(app.test_client(), "admin")
    token = csrf_of(client)
    junk = ["99999999999999999999999", "-1", "..%2F..%2Fetc", "a" * 300, "%ff%00", "<b>"]
    bad = []
    for rule in app.url_map.iter_rules():
        if rule.rule in ("/logout", "/login"):
            continue
        for value in junk:
            url = re.sub(r"<[^>]+>", value, rule.rule) + f"?q={value}&a=tiny-linxia&b={value}"
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                data = {"csrf_token": token, "name": value, "stores": value} \
                    if method == "POST" else None
                status = client.open(url, method=method, data=data).status_code
                if status >= 500:
                    bad.append((method, url[:80], status))
    assert bad == []


# ---- after login, only same-site paths (issue 16: tab trick, CR/LF 500) ----------------


@pytest.mark.parametrize("next_url", [
    "/%09/evil.example", "/%09%09/evil.example", "/%0a/evil.example", "/%0d/evil.example",
    "%09//evil.example", "/%5Cevil.example", "%5C%5Cevil.example", "/%5C/evil.example",
    "//evil.example", "///evil.example", "https://evil.example/x", "javascript:alert(1)",
    "http:/evil.example", "evil.example", "/x%0d%0aSet-Cookie:%20a=b", "/%00", "/%7f/x",
])
def test_login_next_never_leaves_the_site(anon_client: FlaskClient, app: Flask,
                                          next_url: str) -> None:
    login(app.test_client(), "viewer")  # creates the user
    response = anon_client.post(f"/login?next={next_url}", data={
        "name": "vera", "password": "correct-horse-9", "csrf_token": csrf_of(anon_client)})
    assert response.status_code == 302
    assert response.location == "/"


@pytest.mark.parametrize("next_url", ["/jobs", "/plans/tiny-linxia?lang=en",
                                      "/scenarios/1/edit", "/%E6%96%B9%E6%A1%88"])
def test_login_next_keeps_local_paths(anon_client: FlaskClient, app: Flask,
                                      next_url: str) -> None:
    from urllib.parse import unquote
    login(app.test_client(), "viewer")
    response = anon_client.post(f"/login?next={next_url}", data={
        "name": "vera", "password": "correct-horse-9", "csrf_token": csrf_of(anon_client)})
    assert response.status_code == 302 and unquote(response.location) == unquote(next_url)


def test_control_characters_in_next_of_a_get_are_no_500(anon_client: FlaskClient) -> None:
    assert anon_client.get("/login?next=/%0d%0a/x").status_code == 200
    assert anon_client.get("/%0d%0ajobs").status_code in (302, 404)


# ---- CSRF is Flask-WTF's ---------------------------------------------------------------


def test_csrf_is_flask_wtf_with_both_headers(planner: FlaskClient) -> None:
    from flask_wtf.csrf import CSRFProtect  # noqa: F401  (the dependency is there)
    token = csrf_of(planner)
    for header in ("X-CSRFToken", "X-CSRF-Token"):
        response = planner.post("/api/jobs/99/cancel", headers={header: token})
        assert response.status_code == 404, header
    assert planner.application.config["WTF_CSRF_TIME_LIMIT"] is None


def test_csrf_error_is_bilingual_json_on_the_api(planner: FlaskClient) -> None:
    response = planner.post("/api/jobs/99/cancel", headers={"X-CSRF-Token": "forged"})
    assert response.status_code == 400 and response.is_json
    assert "CSRF" in response.json["message"] and "刷新" in response.json["message"]


def test_csrf_token_of_another_session_is_refused(app: Flask) -> None:
    one, two = login(app.test_client(), "planner"), login(app.test_client(), "planner")
    response = two.post("/api/jobs/99/cancel", headers={"X-CSRF-Token": csrf_of(one)})
    assert response.status_code == 400
