"""Request safety: the secret key, CSRF tokens, session cookie flags, response headers.

CSRF: every state-changing request (POST, PUT, PATCH, DELETE) must carry the session's
token, as the form field ``csrf_token`` or the header ``X-CSRF-Token`` (for the page's
own ``fetch`` calls). The token is random per session and compared in constant time; a
missing or wrong token is a 400 with a clear message, before any view runs. This is the
synchroniser-token pattern (as Flask-WTF's ``CSRFProtect``) in a few lines, so the app
needs no extra dependency.
"""

from __future__ import annotations

import hmac
import os
import secrets
from pathlib import Path

from flask import Flask, Response, request, session
from werkzeug.exceptions import BadRequest

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
SECRET_FILE = "secret_key"


class CSRFError(BadRequest):
    """A state-changing request without the session's CSRF token."""

    description = ("CSRF token missing or wrong: reload the page and submit the form again "
                   "(表单已过期，请刷新页面后重新提交)")


def load_secret_key(instance_dir: Path) -> str:
    """The instance's secret key, generated (256 bits, mode 0600) on first use."""
    path = instance_dir / SECRET_FILE
    if path.is_file():
        return path.read_text(encoding="ascii").strip()
    instance_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(key)
    return key


def csrf_token() -> str:
    """The session's CSRF token (made on first use); templates call ``csrf_token()``."""
    token = session.get(CSRF_FIELD)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session[CSRF_FIELD] = token
    return token


def check_csrf() -> None:
    """``before_request`` hook: refuse a state-changing request without a valid token."""
    if request.method in SAFE_METHODS or request.routing_exception is not None:
        return  # an unknown URL or method gets its own 404 / 405
    expected = session.get(CSRF_FIELD)
    sent = request.headers.get(CSRF_HEADER) or request.form.get(CSRF_FIELD)
    if not (isinstance(expected, str) and isinstance(sent, str)
            and hmac.compare_digest(expected, sent)):
        raise CSRFError()


def security_headers(response: Response) -> Response:
    """``after_request`` hook: no sniffing, no framing, no referrer leaks."""
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


def init_security(app: Flask) -> None:
    """Install the secret key, cookie flags and the CSRF / header hooks on ``app``."""
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = load_secret_key(Path(app.config["INSTANCE_DIR"]))
    app.config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.before_request(check_csrf)
    app.after_request(security_headers)
    app.jinja_env.globals["csrf_token"] = csrf_token
