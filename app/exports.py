"""Exports of a saved plan: GeoJSON, GeoPackage, CSV, XLSX route manifests, print pages.

``GET /plans/<plan_id>/export/<fmt>`` with ``fmt`` one of :data:`FORMATS`; the plan id
goes through :class:`app.plans.PlanStore` (``[a-z0-9_-]+``, a direct child of
``PLANS_DIR``) and the format is a fixed name, so no request can name a file: ``../``
anywhere is a 404. Files are built in memory (or a temporary directory for the
GeoPackage) and never written next to the plan.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, abort, render_template
from flask.typing import ResponseReturnValue

from app.pages import county_rows, kpi_rows, plan_view, route_sheets, routes_in_sheet_order
from app.plans import current_store
from optimize.plan.format import LAYERS, SETTLEMENT_COLUMNS
from optimize.plan.model import PlanMeta, Route

bp = Blueprint("exports", __name__)
FORMATS = {
    "geojson": ("application/geo+json", "geojson"),
    "gpkg": ("application/geopackage+sqlite3", "gpkg"),
    "csv": ("text/csv; charset=utf-8", "csv"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
}
STOP_COLUMNS = ("truck_id", "trip", "route_id", "store_id", "seq", "settlement_id", "name",
                "arrival", "pickup_t", "load_after_t")


def combined_geojson(layers: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """One FeatureCollection of every layer; each feature's ``layer`` property names it."""
    features = []
    for name in LAYERS:
        for feature in layers[name].get("features", []):
            props = dict(feature.get("properties") or {}, layer=name)
            features.append({"type": "Feature", "geometry": feature.get("geometry"),
                             "properties": props})
    return {"type": "FeatureCollection", "features": features}


def settlements_csv(layers: Mapping[str, Mapping[str, Any]]) -> bytes:
    """Settlements with their store and access time, UTF-8 with BOM (opens in Excel)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*SETTLEMENT_COLUMNS, "lon", "lat"])
    for feature in layers["settlements"].get("features", []):
        p = feature.get("properties") or {}
        coords = (feature.get("geometry") or {}).get("coordinates") or [None, None]
        writer.writerow([_cell(p.get(c)) for c in SETTLEMENT_COLUMNS] + list(coords[:2]))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _cell(value: Any) -> Any:
    """A spreadsheet cell; text that a spreadsheet would run as a formula is quoted."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return "" if value is None else value


def _clock(seconds: Any) -> str:
    """Seconds after midnight as ``HH:MM``."""
    if not isinstance(seconds, int | float):
        return ""
    minutes = int(seconds) // 60
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def stop_rows(routes: Sequence[Route]) -> list[list[Any]]:
    """One row per truck stop, in truck, trip and visit order."""
    rows = []
    for route in routes_in_sheet_order(routes):
        for seq, stop in enumerate(route.stops, start=1):
            rows.append([_cell(route.truck_id), route.trip, _cell(route.route_id),
                         _cell(route.store_id), seq, _cell(stop.settlement_id),
                         _cell(stop.name), _clock(stop.arrival_s), stop.pickup_t,
                         stop.load_after_t])
    return rows


def manifest_xlsx(plan: PlanMeta) -> bytes:
    """XLSX route manifests: a ``Routes`` summary sheet and a ``Stops`` sheet."""
    from openpyxl import Workbook

    book = Workbook()
    routes = book.active
    routes.title = "Routes"
    routes.append(["route_id", "truck_id", "store_id", "trip", "stops", "load_t",
                   "distance_km", "duration_min", "start", "end"])
    for r in plan.routes:
        routes.append([_cell(r.route_id), _cell(r.truck_id), _cell(r.store_id), r.trip,
                       r.stops_count, r.load_t, _div(r.distance_m, 1000),
                       _div(r.duration_s, 60), _clock(r.start_s), _clock(r.end_s)])
    stops = book.create_sheet("Stops")
    stops.append(list(STOP_COLUMNS))
    for row in stop_rows(plan.routes):
        stops.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _div(value: Any, by: float) -> float | None:
    """``value / by`` rounded to 0.1, or ``None``."""
    return round(value / by, 1) if isinstance(value, int | float) else None


def geopackage(layers: Mapping[str, Mapping[str, Any]]) -> bytes:
    """A GeoPackage with one table per layer (EPSG:4326), built in a temporary file."""
    import geopandas as gpd

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "plan.gpkg"
        for name in LAYERS:
            features = layers[name].get("features", [])
            if not features:
                continue
            frame = gpd.GeoDataFrame.from_features(features, crs="EPSG:4326")
            frame.to_file(path, layer=name, driver="GPKG", engine="pyogrio")
        return path.read_bytes() if path.exists() else b""


def _download(data: bytes | str, mimetype: str, filename: str) -> Response:
    """A download response (``Content-Disposition: attachment``)."""
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.get("/plans/<plan_id>/export/<fmt>")
def export(plan_id: str, fmt: str) -> ResponseReturnValue:
    """Download the plan as ``geojson``, ``gpkg``, ``csv`` (settlements) or ``xlsx``."""
    if fmt not in FORMATS:
        abort(404, description=f"no export {fmt!r}; exports are {', '.join(FORMATS)}")
    store = current_store()
    plan = store.info(plan_id)
    mimetype, suffix = FORMATS[fmt]
    filename = f"{plan_id}.{suffix}"
    if fmt == "xlsx":
        return _download(manifest_xlsx(plan), mimetype, f"{plan_id}-routes.xlsx")
    layers = store.layers(plan_id)
    if fmt == "geojson":
        import json
        return _download(json.dumps(combined_geojson(layers), ensure_ascii=False),
                         mimetype, filename)
    if fmt == "csv":
        return _download(settlements_csv(layers), mimetype, f"{plan_id}-settlements.csv")
    return _download(geopackage(layers), mimetype, filename)


@bp.get("/plans/<plan_id>/report")
def report(plan_id: str) -> ResponseReturnValue:
    """A printable report: figures, counties, stores, route sheets, unserved list."""
    store = current_store()
    plan = store.info(plan_id)
    return render_template("report.html", plan=plan, view=plan_view(plan),
                           kpis=kpi_rows(plan.kpis),
                           counties=county_rows(store.layer(plan_id, "counties")),
                           sheets=route_sheets(plan))


@bp.get("/plans/<plan_id>/routes")
def routes_page(plan_id: str) -> ResponseReturnValue:
    """Each truck's route sheet, one printed page per truck."""
    plan = current_store().info(plan_id)
    return render_template("routes.html", plan=plan, sheets=route_sheets(plan))
