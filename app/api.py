"""JSON / GeoJSON API over the saved plans (read-only).

``GET /api/plans``                                   ``{"plans": [summary, ...]}``
``GET /api/plans/<plan_id>``                         the plan's ``plan.json``
``GET /api/plans/<plan_id>/layers/<layer>.geojson``  a FeatureCollection (EPSG:4326)
``GET /api/plans/<plan_id>/counties``                the per-county table
``GET /api/plans/<plan_id>/routes``                  route sheets, one per truck
``GET /api/plans/<plan_id>/search?q=``              settlements whose name holds ``q``
``GET /api/openapi.json``                            the OpenAPI 3 description of the API

Unknown plans or layers are 404 JSON (see ``app.handle_error``), never 500.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from flask.typing import ResponseReturnValue

from app.headlines import settlements_with_state
from app.pages import MapCache, county_rows, plan_townships, route_sheets
from app.plans import current_store
from app.truck_plan import season_plan

OPENAPI_FILE = Path(__file__).resolve().parent / "openapi.json"
SEARCH_LIMIT = 20

bp = Blueprint("api", __name__, url_prefix="/api")
GEOJSON_MIMETYPE = "application/geo+json"
JSON_CACHE_KEY = "coldchain.api_json"


def cached_json(kind: str, plan_id: str, build: Callable[[], Any],
                mimetype: str = "application/json") -> Response:
    """A JSON response of ``build()``, serialised once per plan file version.

    Plan files change only when a plan is rewritten, so the serialised bytes are kept
    (keyed by the files' ``(path, mtime)``): a busy API re-serialises nothing.
    """
    cache: MapCache = current_app.extensions.setdefault(JSON_CACHE_KEY, MapCache(64))
    key = (kind, current_store().signature(plan_id))
    body = cache.get(key)
    if body is None:
        body = json.dumps(build(), ensure_ascii=False, separators=(",", ":")).encode()
        cache.put(key, body)
    return Response(body, mimetype=mimetype)


@bp.get("/plans")
def list_plans() -> ResponseReturnValue:
    """Summaries of every saved plan, newest first."""
    return jsonify(plans=[s.as_dict() for s in current_store().list_plans()])


@bp.get("/plans/<plan_id>")
def get_plan(plan_id: str) -> ResponseReturnValue:
    """The plan's metadata, KPIs, stores, routes and provenance (``plan.json``)."""
    return cached_json("plan", plan_id, lambda: current_store().metadata(plan_id))


@bp.get("/plans/<plan_id>/layers/<layer>.geojson")
def get_layer(plan_id: str, layer: str) -> ResponseReturnValue:
    """One layer (counties, settlements, stores, routes) as GeoJSON."""
    current_store().layer(plan_id, layer)  # 404 for an unknown layer before caching
    return cached_json(f"layer:{layer}", plan_id, lambda: _layer(plan_id, layer),
                       GEOJSON_MIMETYPE)


def _layer(plan_id: str, layer: str) -> dict[str, Any]:
    """A layer as served: settlements carry each village's real state (app.headlines)."""
    store = current_store()
    data = store.layer(plan_id, layer)
    # a truck plan's village states are those of its headline season (the map's default)
    return settlements_with_state(season_plan(store.info(plan_id)), data) \
        if layer == "settlements" else data


@bp.get("/plans/<plan_id>/counties")
def get_counties(plan_id: str) -> ResponseReturnValue:
    """The per-county table of the plan page."""
    return cached_json("counties", plan_id, lambda: {
        "counties": county_rows(current_store().layer(plan_id, "counties"))})


@bp.get("/plans/<plan_id>/routes")
def get_routes(plan_id: str) -> ResponseReturnValue:
    """Each truck's route sheet (trips and stops in order)."""
    return cached_json("routes", plan_id, lambda: {
        "trucks": route_sheets(current_store().info(plan_id), plan_townships(plan_id))})


def search_settlements(layer: dict[str, Any], query: str,
                       limit: int = SEARCH_LIMIT) -> list[dict[str, Any]]:
    """Settlements whose name or code contains ``query`` (case-folded), with lon/lat."""
    needle = query.strip().casefold()
    if not needle:
        return []
    hits = []
    for feature in layer.get("features", []):
        p = feature["properties"]
        if needle in str(p.get("name", "")).casefold() or needle in str(
                p.get("settlement_id", "")):
            lon, lat = (feature["geometry"].get("coordinates") or [None, None])[:2]
            hits.append({"settlement_id": p.get("settlement_id"), "name": p.get("name"),
                         "county_name": p.get("county_name"), "store_id": p.get("store_id"),
                         "state": p.get("state"), "unserved_reason": p.get("unserved_reason"),
                         "lon": lon, "lat": lat})
            if len(hits) >= limit:
                break
    return hits


@bp.get("/plans/<plan_id>/search")
def search(plan_id: str) -> ResponseReturnValue:
    """Find settlements by name (``?q=``; at most 20)."""
    layer = _layer(plan_id, "settlements")
    return jsonify(results=search_settlements(layer, request.args.get("q", "")[:100]))


@bp.get("/openapi.json")
def openapi() -> ResponseReturnValue:
    """The hand-written OpenAPI document of every ``/api`` route."""
    text = OPENAPI_FILE.read_text(encoding="utf-8")
    json.loads(text)  # a broken file is a bug: fail here, loudly, in tests
    return Response(text, mimetype="application/json")
