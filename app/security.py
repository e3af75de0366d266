"""Request safety: the secret key, CSRF protection, session cookie flags, response headers.

CSRF is Flask-WTF's :class:`~flask_wtf.csrf.CSRFProtect`: every state-changing request
(POST, PUT, PATCH, DELETE) must carry a token of the session, as the form field
``csrf_token`` (templates call ``csrf_token()``) or the header ``X-CSRFToken`` /
``X-CSRF-Token`` (the page's own ``fetch`` calls). A missing or wrong token is a 400 with
a clear bilingual message, before any view runs. Tokens stay valid for the whole session
(``WTF_CSRF_TIME_LIMIT = None``): a form left open for an afternoon still submits.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask, Response
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError as WTFCSRFError
from flask_wtf.csrf import CSRFProtect
from werkzeug.exceptions import BadRequest

SECRET_FILE = "secret_key"
CSRF_HEADERS = ["X-CSRFToken", "X-CSRF-Token"]


class CSRFError(BadRequest):
    """A state-changing request without a valid CSRF token of the session."""

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


def csrf_failed(exc: WTFCSRFError) -> ResponseReturnValue:
    """Flask-WTF's CSRF error, answered by the app's one error handler in both languages."""
    from app import handle_error

    return handle_error(CSRFError())


def security_headers(response: Response) -> Response:
    """``after_request`` hook: no sniffing, no framing, no referrer leaks."""
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


def init_security(app: Flask) -> None:
    """Install the secret key, cookie flags, CSRF protection and the header hook."""
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = load_secret_key(Path(app.config["INSTANCE_DIR"]))
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    app.config.setdefault("WTF_CSRF_HEADERS", CSRF_HEADERS)
    CSRFProtect(app)
    app.register_error_handler(WTFCSRFError, csrf_failed)
    app.after_request(security_headers)
