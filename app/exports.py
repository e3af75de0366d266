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
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, abort, render_template
from flask.typing import ResponseReturnValue

from app.pages import county_rows, kpi_rows, plan_view, route_sheets
from app.plans import LAYERS, current_store

bp = Blueprint("exports", __name__)
FORMATS = {
    "geojson": ("application/geo+json", "geojson"),
    "gpkg": ("application/geopackage+sqlite3", "gpkg"),
    "csv": ("text/csv; charset=utf-8", "csv"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
}
SETTLEMENT_COLUMNS = ("settlement_id", "name", "township_name", "county_code", "county_name",
                      "poor", "supply_t", "store_id", "access_time_s", "location_method",
                      "unserved_reason")
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


def stop_rows(plan: Mapping[str, Any]) -> list[list[Any]]:
    """One row per truck stop, in truck, trip and visit order."""
    rows = []
    for route in sorted(plan.get("routes") or [], key=lambda r: (str(r.get("truck_id")),
                                                                 r.get("trip") or 0)):
        for seq, stop in enumerate(route.get("stops") or [], start=1):
            rows.append([_cell(route.get("truck_id")), route.get("trip"),
                         _cell(route.get("route_id")), _cell(route.get("store_id")), seq,
                         _cell(stop.get("settlement_id")), _cell(stop.get("name")),
                         _clock(stop.get("arrival_s")), stop.get("pickup_t"),
                         stop.get("load_after_t")])
    return rows


def manifest_xlsx(plan: Mapping[str, Any]) -> bytes:
    """XLSX route manifests: a ``Routes`` summary sheet and a ``Stops`` sheet."""
    from openpyxl import Workbook

    book = Workbook()
    routes = book.active
    routes.title = "Routes"
    routes.append(["route_id", "truck_id", "store_id", "trip", "stops", "load_t",
                   "distance_km", "duration_min", "start", "end"])
    for r in plan.get("routes") or []:
        routes.append([_cell(r.get("route_id")), _cell(r.get("truck_id")),
                       _cell(r.get("store_id")), r.get("trip"), r.get("stops_count"),
                       r.get("load_t"), _div(r.get("distance_m"), 1000),
                       _div(r.get("duration_s"), 60), _clock(r.get("start_s")),
                       _clock(r.get("end_s"))])
    stops = book.create_sheet("Stops")
    stops.append(list(STOP_COLUMNS))
    for row in stop_rows(plan):
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
    plan = store.metadata(plan_id)
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
    plan = store.metadata(plan_id)
    return render_template("report.html", plan=plan, view=plan_view(plan),
                           kpis=kpi_rows(plan.get("kpis") or {}),
                           counties=county_rows(store.layer(plan_id, "counties")),
                           sheets=route_sheets(plan))


@bp.get("/plans/<plan_id>/routes")
def routes_page(plan_id: str) -> ResponseReturnValue:
    """Each truck's route sheet, one printed page per truck."""
    plan = current_store().metadata(plan_id)
    return render_template("routes.html", plan=plan, sheets=route_sheets(plan))
