"""Exports of a saved plan: GeoJSON, GeoPackage, CSV, XLSX route manifests, print pages.

``GET /plans/<plan_id>/export/<fmt>`` with ``fmt`` one of :data:`FORMATS`; the plan id
goes through :class:`app.plans.PlanStore` (``[a-z0-9_-]+``, a direct child of
``PLANS_DIR``) and the format is a fixed name, so no request can name a file: ``../``
anywhere is a 404. Files are built in memory and never written next to the plan; the
GeoPackage (seconds to build for a prefecture) is kept under ``INSTANCE_DIR/exports``,
one file per plan file version (see :func:`cached_export`), written atomically.

Every export carries what the plan really does: settlements carry ``state`` (see
:data:`app.headlines.STATES`) and the ``unserved_reason`` of ``plan.json`` (routing
reasons too); the GeoJSON carries the plan's headline figures as a ``headlines`` member.

The settlements CSV is UTF-8 with a BOM (Excel then reads Chinese names), and every code
made of digits only (12-digit village codes, 6-digit county codes) is written as
``="620103101201"``: Excel, WPS and LibreOffice show that as the text
``620103101201`` instead of ``6.20103E+11``. A program reading the CSV strips the
``="`` and ``"`` around such a code.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, abort, current_app, render_template, send_file
from flask.typing import ResponseReturnValue

from app.headlines import layers_with_state, plan_headlines
from app.pages import (
    clock,
    clock_offset_s,
    county_rows,
    plan_townships,
    plan_view,
    route_sheets,
    routes_in_sheet_order,
    shift_start,
)
from app.plans import PlanStore, current_store
from app.truck_plan import (
    SEASON_KPI_KEYS,
    TRUCK_COLUMNS,
    season_kpi_table,
    season_of,
    season_plan,
    truck_export_rows,
)
from optimize.plan.format import LAYERS, PLAN_FILE, SETTLEMENT_COLUMNS, layer_path
from optimize.plan.model import PlanMeta, Route

bp = Blueprint("exports", __name__)
FORMATS = {
    "geojson": ("application/geo+json", "geojson"),
    "gpkg": ("application/geopackage+sqlite3", "gpkg"),
    "csv": ("text/csv; charset=utf-8", "csv"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
}
#: Bump when what an export holds changes: cached files of older versions are not served.
EXPORT_VERSION = "2"
CACHE_DIR = "exports"
CSV_COLUMNS = (*SETTLEMENT_COLUMNS, "state", "lon", "lat")
_DIGITS = re.compile(r"[0-9]+")
STOP_COLUMNS = ("truck_id", "trip", "route_id", "store_id", "seq", "settlement_id", "name",
                "arrival", "pickup_t", "load_after_t")


def combined_geojson(layers: Mapping[str, Mapping[str, Any]],
                     headlines: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """One FeatureCollection of every layer; each feature's ``layer`` property names it;
    ``headlines`` (the plan's figures) travel as a foreign member of that name."""
    features = []
    for name in LAYERS:
        for feature in layers[name].get("features", []):
            props = dict(feature.get("properties") or {}, layer=name)
            features.append({"type": "Feature", "geometry": feature.get("geometry"),
                             "properties": props})
    out: dict[str, Any] = {"type": "FeatureCollection", "features": features}
    if headlines is not None:
        out["headlines"] = dict(headlines)
    return out


def settlements_csv(layers: Mapping[str, Mapping[str, Any]]) -> bytes:
    """Settlements with their store, access time and state: UTF-8 with BOM, codes as
    Excel text (``="..."``, see the module docstring)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for feature in layers["settlements"].get("features", []):
        p = feature.get("properties") or {}
        coords = (feature.get("geometry") or {}).get("coordinates") or [None, None]
        writer.writerow([_code_cell(p.get(c)) for c in CSV_COLUMNS[:-2]]
                        + list(coords[:2]))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _code_cell(value: Any) -> Any:
    """A CSV cell: a code of digits only as ``="digits"`` (Excel text), else :func:`_cell`."""
    if isinstance(value, str) and _DIGITS.fullmatch(value):
        return f'="{value}"'
    return _cell(value)


def _cell(value: Any) -> Any:
    """A spreadsheet cell; text that a spreadsheet would run as a formula is quoted."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return "" if value is None else value


def stop_rows(routes: Sequence[Route], start_s: int = 0) -> list[list[Any]]:
    """One row per truck stop, in truck, trip and visit order; arrival as the clock time
    ``start_s`` (the shift start, seconds after midnight) + the plan's seconds."""
    rows = []
    for route in routes_in_sheet_order(routes):
        for seq, stop in enumerate(route.stops, start=1):
            rows.append([_cell(route.truck_id), route.trip, _cell(route.route_id),
                         _cell(route.store_id), seq, _cell(stop.settlement_id),
                         _cell(stop.name),  # truck-plan trips: seconds from midnight
                         clock(stop.arrival_s, 0 if season_of(route) else start_s),
                         stop.pickup_t,
                         stop.load_after_t])
    return rows


def manifest_xlsx(plan: PlanMeta) -> bytes:
    """XLSX route manifests: a ``Routes`` summary sheet and a ``Stops`` sheet; clock
    times from the plan's times and shift start (:func:`app.pages.clock_offset_s`), as on
    the route sheets."""
    from openpyxl import Workbook

    start_s, assumed = shift_start(plan)
    offset_s = clock_offset_s(plan)

    book = Workbook()
    routes = book.active
    routes.title = "Routes"
    routes.append(["route_id", "truck_id", "store_id", "trip", "stops", "load_t",
                   "distance_km", "duration_min", "start", "end"])
    for r in plan.routes:
        trip_offset_s = 0 if season_of(r) else offset_s  # truck plan: from midnight
        routes.append([_cell(r.route_id), _cell(r.truck_id), _cell(r.store_id), r.trip,
                       r.stops_count, r.load_t, _div(r.distance_m, 1000),
                       _div(r.duration_s, 60), clock(r.start_s, trip_offset_s),
                       clock(r.end_s, trip_offset_s)])
    stops = book.create_sheet("Stops")
    stops.append(list(STOP_COLUMNS))
    for row in stop_rows(plan.routes, offset_s):
        stops.append(row)
    truck_plan_sheets(book, plan)
    notes = book.create_sheet("Notes")
    notes.append(["shift_start", clock(0, start_s),
                  "assumed: the plan carries no shift start" if assumed else "from the plan"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def truck_plan_sheets(book: Any, plan: PlanMeta) -> None:
    """Truck plan (issue 17): a ``Trucks`` sheet (every truck and season, as ``trucks``)
    and a ``Seasons`` sheet (each season's ``kpis``); nothing for an older plan."""
    meta = plan.to_json()
    trucks = truck_export_rows(meta)
    if trucks:
        sheet = book.create_sheet("Trucks")
        sheet.append(list(TRUCK_COLUMNS))
        for row in trucks:
            sheet.append([_cell(v) for v in row])
    table = season_kpi_table(meta)
    if table:
        sheet = book.create_sheet("Seasons")
        sheet.append(["season", *(k for k, _ in SEASON_KPI_KEYS)])
        for season, kpis in table.items():
            sheet.append([_cell(season), *(kpis[k] for k, _ in SEASON_KPI_KEYS)])


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


def plan_version(store: PlanStore, plan_id: str) -> str:
    """A short hash of the plan files' names, sizes and mtimes and of
    :data:`EXPORT_VERSION`: it changes whenever a plan file or the export code does."""
    root = store.plan_dir(plan_id)
    parts = [EXPORT_VERSION]
    for f in (root / PLAN_FILE, *(root / layer_path(n) for n in LAYERS)):
        st = f.stat() if f.is_file() else None
        parts.append(f"{f.name}:{st.st_size}:{st.st_mtime_ns}" if st else f"{f.name}:-")
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:20]


def cached_export(folder: Path, plan_id: str, version: str, suffix: str,
                  build: Callable[[], bytes]) -> Path:
    """``folder/<plan_id>.<version>.<suffix>``, built by ``build()`` only if missing.

    Written to a temporary file in the same folder (mode 0600) and renamed into place,
    so a reader never sees half a file; older versions of the plan's export are removed.
    Plan ids hold no dot, so ``<plan_id>.*`` names only this plan's files.
    """
    path = folder / f"{plan_id}.{version}.{suffix}"
    if path.is_file():
        return path
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    data = build()
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{plan_id}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    for old in folder.glob(f"{plan_id}.*.{suffix}"):
        if old != path:
            old.unlink(missing_ok=True)
    return path


@bp.get("/plans/<plan_id>/export/<fmt>")
def export(plan_id: str, fmt: str) -> ResponseReturnValue:
    """Download the plan as ``geojson``, ``gpkg``, ``csv`` (settlements) or ``xlsx``."""
    if fmt not in FORMATS:
        abort(404, description=f"no export {fmt!r}; exports are {', '.join(FORMATS)}")
    store = current_store()
    plan = store.info(plan_id)
    mimetype, suffix = FORMATS[fmt]
    day = season_plan(plan)  # truck plan: villages' states and headlines of one season
    filename = f"{plan_id}.{suffix}"
    if fmt == "xlsx":
        return _download(manifest_xlsx(plan), mimetype, f"{plan_id}-routes.xlsx")
    if fmt == "gpkg":
        folder = Path(current_app.config["INSTANCE_DIR"]) / CACHE_DIR
        path = cached_export(folder, plan_id, plan_version(store, plan_id), suffix,
                             lambda: geopackage(layers_with_state(day,
                                                                  store.layers(plan_id))))
        return send_file(path, mimetype=mimetype, as_attachment=True,
                         download_name=filename, max_age=0)
    layers = layers_with_state(day, store.layers(plan_id))
    if fmt == "geojson":
        body = combined_geojson(layers, plan_headlines(day).as_dict())
        return _download(json.dumps(body, ensure_ascii=False), mimetype, filename)
    return _download(settlements_csv(layers), mimetype, f"{plan_id}-settlements.csv")


@bp.get("/plans/<plan_id>/report")
def report(plan_id: str) -> ResponseReturnValue:
    """A printable report: figures, counties, stores, route sheets, unserved list."""
    store = current_store()
    plan = store.info(plan_id)
    day = season_plan(plan)  # truck plan: the headline season's figures, every sheet
    return render_template("report.html", plan=plan, view=plan_view(day),
                           counties=county_rows(store.layer(plan_id, "counties"), day),
                           sheets=route_sheets(plan, plan_townships(plan_id)))


@bp.get("/plans/<plan_id>/routes")
def routes_page(plan_id: str) -> ResponseReturnValue:
    """Each truck's route sheet, one printed page per truck."""
    plan = current_store().info(plan_id)
    return render_template("routes.html", plan=plan,
                           sheets=route_sheets(plan, plan_townships(plan_id)))
