"""The people's edges: Flask pages, GeoJSON API and the ``coldchain`` CLI.

:func:`create_app` is the Flask application factory (as in the Flask tutorial): nothing
is read at import time; configuration defaults live here, the environment may override
them, and a test passes its own mapping.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

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
        ``'none'`` (default, offline) or ``'osm'`` (OpenStreetMap tiles, needs internet).
        Default: ``$COLDCHAIN_TILES`` or ``'none'``.

    Returns
    -------
    Flask
        The app with the ``pages`` and ``api`` blueprints and one error handler.
    """
    app = Flask(__name__)
    app.config.from_mapping(
        PLANS_DIR=os.environ.get("COLDCHAIN_PLANS_DIR", "plans"),
        VENDOR_DIR=os.environ.get("COLDCHAIN_VENDOR_DIR",
                                  str(Path(app.root_path) / "static" / "vendor")),
        TILES=os.environ.get("COLDCHAIN_TILES", "none"),
    )
    if test_config is not None:
        app.config.from_mapping(test_config)
    from app.maps import TILES  # here, so `python -m app.assets` imports no map code

    if app.config["TILES"] not in TILES:
        raise ValueError(f"TILES must be one of {TILES}, not {app.config['TILES']!r}")
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.extensions[EXTENSION_KEY] = PlanStore(app.config["PLANS_DIR"])
    _register(app)
    return app


def _register(app: Flask) -> None:
    """Attach blueprints and the error handler."""
    from app import api, pages

    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp)
    app.register_error_handler(PlanError, handle_error)
    app.register_error_handler(HTTPException, handle_error)


def handle_error(exc: Exception) -> ResponseReturnValue:
    """The one place errors become HTTP: JSON under ``/api/``, an HTML page elsewhere."""
    status, title, message = _describe(exc)
    headers = _kept_headers(exc)
    if request.path.startswith("/api/"):
        return jsonify(error=title, message=message, status=status), status, headers
    page = render_template("error.html", status=status, title=title, message=message)
    return page, status, headers


def _kept_headers(exc: Exception) -> list[tuple[str, str]]:
    """Headers an HTTP error must keep (e.g. ``Allow`` on 405), without its content type."""
    if not isinstance(exc, HTTPException):
        return []
    return [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]


def _describe(exc: Exception) -> tuple[int, str, str]:
    """HTTP status, short title and message of an error."""
    if isinstance(exc, PlanError):
        title = "Not Found" if exc.http_status == 404 else "Plan file error"
        return exc.http_status, title, exc.message
    if isinstance(exc, HTTPException):
        return exc.code or 500, exc.name, exc.description or exc.name
    return 500, "Internal Server Error", "unexpected error"
