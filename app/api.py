"""JSON / GeoJSON API over the saved plans (read-only).

``GET /api/plans``                                   ``{"plans": [summary, ...]}``
``GET /api/plans/<plan_id>``                         the plan's ``plan.json``
``GET /api/plans/<plan_id>/layers/<layer>.geojson``  a FeatureCollection (EPSG:4326)

Unknown plans or layers are 404 JSON (see ``app.handle_error``), never 500.
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from flask.typing import ResponseReturnValue

from app.plans import current_store

bp = Blueprint("api", __name__, url_prefix="/api")
GEOJSON_MIMETYPE = "application/geo+json"


@bp.get("/plans")
def list_plans() -> ResponseReturnValue:
    """Summaries of every saved plan, newest first."""
    return jsonify(plans=[s.as_dict() for s in current_store().list_plans()])


@bp.get("/plans/<plan_id>")
def get_plan(plan_id: str) -> ResponseReturnValue:
    """The plan's metadata, KPIs, stores, routes and provenance (``plan.json``)."""
    return jsonify(current_store().metadata(plan_id))


@bp.get("/plans/<plan_id>/layers/<layer>.geojson")
def get_layer(plan_id: str, layer: str) -> ResponseReturnValue:
    """One layer (counties, settlements, stores, routes) as GeoJSON."""
    response = current_app.json.response(current_store().layer(plan_id, layer))
    response.mimetype = GEOJSON_MIMETYPE
    return response
