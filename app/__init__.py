"""The people's edges: Flask pages, GeoJSON API and the ``coldchain`` CLI.

:func:`create_app` is the Flask application factory (as in the Flask tutorial): nothing
is read at import time; configuration defaults live here, the environment may override
them, and a test passes its own mapping.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.middleware.proxy_fix import ProxyFix

from app.catalogue import N_
from app.plans import EXTENSION_KEY, PlanError, PlanStore


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the web app.

    Parameters
    ----------
    test_config
        Overrides of the configuration below (e.g. ``{"TESTING": True, "PLANS_DIR": d}``).

    Notes
    -----
    Configuration keys:

    PLANS_DIR
        Directory holding one directory per saved plan. Default: ``$COLDCHAIN_PLANS_DIR``
        or ``./plans``.
    VENDOR_DIR
        Vendored Leaflet/jQuery files (``python -m app.assets``), served at ``/vendor/``.
        Default: ``$COLDCHAIN_VENDOR_DIR`` or ``app/static/vendor``.
    TILES
        ``'none'`` (default, offline), ``'osm'`` (OpenStreetMap tiles, needs internet) or
        ``'tianditu'`` (天地图 vector tiles; needs internet and ``TIANDITU_KEY``).
        Default: ``$COLDCHAIN_TILES`` or ``'none'``.
    TIANDITU_KEY
        The Tianditu browser key. Default: ``$COLDCHAIN_TIANDITU_KEY`` or empty.
    INSTANCE_DIR
        Holds the SQLite database (users, scenarios, jobs), the generated secret key and
        uploaded files. Default: ``$COLDCHAIN_INSTANCE_DIR`` or Flask's instance path.
    DATA_DIR
        Reference data for jobs. Default: ``$COLDCHAIN_DATA_DIR``, else
        :func:`geodata.datasets.data_dir`'s default.
    SECRET_KEY
        Signs the session cookie. Default: ``$COLDCHAIN_SECRET_KEY``, else a random key
        generated once and kept in ``INSTANCE_DIR/secret_key`` (mode 0600).
    SESSION_COOKIE_SECURE
        Send the session cookie over HTTPS only. Default: True, unless ``TESTING`` or
        ``$COLDCHAIN_COOKIE_SECURE=0``. Tests serve plain http://127.0.0.1, where a
        Secure cookie would not be sent back; production behind TLS keeps it True.
    MAX_UPLOAD_MB
        Largest request body (uploads) in MB; larger ones are refused with 413. Default 10.
    MAX_RUNNING_JOBS
        Plans solved at the same time (each takes a CPU core). Default 1.
    BEHIND_PROXY
        The app runs behind one reverse proxy (``$COLDCHAIN_BEHIND_PROXY=1``): the client
        address and scheme come from its ``X-Forwarded-For``/``-Proto`` headers, so the
        login lockout counts people, not the proxy. Default False (never trust the
        headers of a directly reachable server).
    CONTENT_SECURITY_POLICY
        The ``Content-Security-Policy`` header of every response. Default:
        :func:`csp_header` for the ``TILES`` setting.

    The instance folder is made 0700 and its files 0600 (:func:`private_instance`).

    Returns
    -------
    Flask
        The app with its blueprints, hooks and one error handler.
    """
    app = Flask(__name__)
    app.config.from_mapping(_defaults(app))
    if test_config is not None:
        app.config.from_mapping(test_config)
    _derived_config(app, test_config or {})
    _check_tiles(app)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.extensions[EXTENSION_KEY] = PlanStore(app.config["PLANS_DIR"])
    _register(app)
    return app


def _defaults(app: Flask) -> dict[str, Any]:
    """Configuration defaults, overridable by the environment."""
    env = os.environ.get
    return {
        "PLANS_DIR": env("COLDCHAIN_PLANS_DIR", "plans"),
        "VENDOR_DIR": env("COLDCHAIN_VENDOR_DIR", str(Path(app.root_path) / "static" / "vendor")),
        "TILES": env("COLDCHAIN_TILES", "none"),
        "TIANDITU_KEY": env("COLDCHAIN_TIANDITU_KEY", ""),
        "INSTANCE_DIR": env("COLDCHAIN_INSTANCE_DIR", app.instance_path),
        "DATA_DIR": env("COLDCHAIN_DATA_DIR") or None,
        "SECRET_KEY": env("COLDCHAIN_SECRET_KEY") or None,
        "MAX_UPLOAD_MB": 10,
        "BEHIND_PROXY": env("COLDCHAIN_BEHIND_PROXY", "0") == "1",
        "MAX_RUNNING_JOBS": 1,
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=12),
    }


def _derived_config(app: Flask, given: dict[str, Any]) -> None:
    """Values that follow from others unless given (cookie flag, body limit)."""
    if "SESSION_COOKIE_SECURE" not in given:
        secure_env = os.environ.get("COLDCHAIN_COOKIE_SECURE", "1") != "0"
        app.config["SESSION_COOKIE_SECURE"] = secure_env and not app.testing
    app.config["MAX_CONTENT_LENGTH"] = int(float(app.config["MAX_UPLOAD_MB"]) * 1024 * 1024)
    if app.config["BEHIND_PROXY"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)  # type: ignore[method-assign]


def _check_tiles(app: Flask) -> None:
    """Refuse an unknown tile setting, or Tianditu without its key."""
    from app.maps import TILES  # here, so `python -m app.assets` imports no map code

    if app.config["TILES"] not in TILES:
        raise ValueError(f"TILES must be one of {TILES}, not {app.config['TILES']!r}")
    if app.config["TILES"] == "tianditu" and not app.config["TIANDITU_KEY"]:
        raise ValueError("TILES='tianditu' needs TIANDITU_KEY (a Tianditu browser key)")


def _register(app: Flask) -> None:
    """Attach the store, job runner, blueprints, hooks and the error handler."""
    from app import api, compare, exports, pages, scenarios
    from app.accounts import init_accounts
    from app.db import EXTENSION_KEY as DB_KEY
    from app.db import Database
    from app.i18n import init_i18n
    from app.jobs import init_jobs
    from app.security import init_security

    instance = Path(app.config["INSTANCE_DIR"])
    app.extensions[DB_KEY] = Database(private_instance(app, instance))
    init_accounts(app)
    init_security(app)
    init_i18n(app)
    init_jobs(app)
    for module in (pages, api, scenarios, exports, compare):
        app.register_blueprint(module.bp)
    app.config.setdefault("CONTENT_SECURITY_POLICY", csp_header(app.config["TILES"]))
    app.after_request(content_security_policy)
    app.register_error_handler(PlanError, handle_error)
    app.register_error_handler(HTTPException, handle_error)
    app.register_error_handler(Exception, handle_error)


# ---- instance files: readable by the server's user only --------------------------------

DATABASE_FILE = "coldchain.sqlite3"
UPLOADS_DIR = "uploads"


def private_instance(app: Flask, instance: Path) -> Path:
    """Make the instance folder 0700 and its database, key and uploads 0600; return the
    database path.

    The database file is created 0600 before SQLite opens it, so its ``-wal`` and ``-shm``
    files (SQLite gives them the database's mode) are private too; files of an older
    install (0644) are tightened here. A folder we may not chmod (owned by another user)
    is logged, not fatal.
    """
    database = instance / DATABASE_FILE
    try:
        instance.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not database.exists():
            os.close(os.open(database, os.O_WRONLY | os.O_CREAT, 0o600))
        for folder in (instance, instance / UPLOADS_DIR):
            _chmod_tree(folder)
    except OSError as exc:
        app.logger.warning("instance files could not be made private: %s", exc)
    return database


def _chmod_tree(folder: Path) -> None:
    """``folder`` 0700 and the files directly in it 0600 (a missing folder is skipped)."""
    if not folder.is_dir():
        return
    folder.chmod(0o700)
    for item in folder.iterdir():
        if item.is_file() and not item.is_symlink():
            item.chmod(0o600)


# ---- Content-Security-Policy -------------------------------------------------------------


def csp_header(tiles: str) -> str:
    """The policy for every response: only this site's scripts, styles, fonts and fetches;
    images also from ``data:``/``blob:`` (Leaflet) and the tile host when tiles are on;
    no plugins, no framing, forms post only here.

    Inline ``<script>`` / ``<style>`` stay allowed ('unsafe-inline'): folium writes its map
    and header as inline code and the plan pages carry style attributes. Nonces would
    need every inline script tag (maps.py, plan.html, compare.html) to carry one.
    """
    from app.maps import OSM_TILES, TIANDITU_TILES

    hosts = {"osm": OSM_TILES, "tianditu": TIANDITU_TILES}
    tile_host = hosts.get(tiles)
    images = "'self' data: blob:"
    if tile_host:
        parts = urlsplit(tile_host)
        labels = ["*" if "{" in label else label for label in parts.netloc.split(".")]
        images += f" {parts.scheme}://{'.'.join(labels)}"  # t{s}.x -> *.x (subdomains)
    return "; ".join((
        "default-src 'self'", "script-src 'self' 'unsafe-inline'",
        "style-src 'self' 'unsafe-inline'", f"img-src {images}", "font-src 'self' data:",
        "connect-src 'self'", "object-src 'none'", "base-uri 'self'", "form-action 'self'",
        "frame-ancestors 'none'"))


def content_security_policy(response: Response) -> Response:
    """``after_request``: the ``CONTENT_SECURITY_POLICY`` setting (:func:`csp_header`)."""
    response.headers.setdefault("Content-Security-Policy",
                                current_app.config["CONTENT_SECURITY_POLICY"])
    return response


def handle_error(exc: Exception) -> ResponseReturnValue:
    """The one place errors become HTTP: JSON under ``/api/``, an HTML page elsewhere."""
    status, title, message = _describe(exc)
    headers = _kept_headers(exc)
    if request.path.startswith("/api/"):
        return jsonify(error=title, message=message, status=status), status, headers
    page = render_template("error.html", status=status, title=page_title(title),
                           message=message)
    return page, status, headers


def _kept_headers(exc: Exception) -> list[tuple[str, str]]:
    """Headers an HTTP error must keep (e.g. ``Allow`` on 405), without its content type."""
    if not isinstance(exc, HTTPException):
        return []
    return [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]


def page_title(title: str) -> str:
    """An error title for the HTML page: its Chinese with the English kept beside it
    (``方案文件错误 Plan file error``) when the catalogue has one, else the English."""
    shown = gettext(title)
    return title if shown == title else f"{shown} {title}"


def _describe(exc: Exception) -> tuple[int, str, str]:
    """HTTP status, short title and message of an error."""
    if isinstance(exc, PlanError):
        title = "Not Found" if exc.http_status == 404 else N_("Plan file error")
        return exc.http_status, title, exc.message
    if isinstance(exc, RequestEntityTooLarge):
        limit = current_app.config["MAX_UPLOAD_MB"]
        return 413, exc.name, (f"upload too large: the limit is {limit} MB "
                               f"(上传文件过大，上限 {limit} MB)")
    if isinstance(exc, HTTPException):
        return exc.code or 500, exc.name, exc.description or exc.name
    current_app.logger.exception("unexpected error", exc_info=exc)
    return 500, "Internal Server Error", "unexpected error"
