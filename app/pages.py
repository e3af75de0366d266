"""HTML pages: the plan list and one page per saved plan (tables + an embedded map).

Each view parses the request, reads the saved plan through :mod:`app.plans`, and
renders a template; the map is built by :func:`app.maps.plan_map` and cached per plan
file version, so a large plan is drawn once, not on every request.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

from flask import (
    Blueprint,
    abort,
    current_app,
    has_app_context,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask.typing import ResponseReturnValue

from app.assets import missing_assets
from app.drilldown import (
    in_scope,
    merge_notes,
    page_of,
    prefecture_rows,
    selected_code,
    siting_engines,
)
from app.headlines import (
    county_truck_counts,
    headline_cards,
    headline_rows,
    headline_sentence,
    layers_with_state,
    plan_headlines,
)
from app.i18n import current_lang
from app.maps import MapParts, map_parts, plan_map, safe_colour
from app.plans import PlanError, PlanStore, current_store
from app.truck_plan import (
    TRUCKS_PER_PAGE,
    SeasonNotFound,
    TruckNotFound,
    market_rows,
    pick_season,
    season_of,
    season_plan,
    season_view,
    truck_rows,
    truck_sheet,
)
from app.truck_plan_map import season_regroup
from optimize.plan.model import (
    Kpis,
    PlanMeta,
    Route,
    ScenarioParam,
    SeasonsReport,
    SolverReport,
)

bp = Blueprint("pages", __name__)
MAP_CACHE_KEY = "coldchain.maps"
UNSERVED_SHOWN = 200
DASH = "–"


@bp.get("/")
def index() -> ResponseReturnValue:
    """List of saved plans, newest first."""
    store = current_store()
    plans = store.list_plans()
    headlines = {p.plan_id: plan_headlines(season_plan(store.info(p.plan_id)))
                 for p in plans if p.error is None}
    return render_template("index.html", plans=plans, headlines=headlines)


@bp.get("/plans/<plan_id>")
def plan_page(plan_id: str) -> ResponseReturnValue:
    """One plan: warnings, KPIs, map, prefectures, counties, stores, unserved villages,
    sources; ``?prefecture=``, ``?county=`` narrow the tables, ``?page=`` pages stores."""
    store = current_store()
    # -- truck plan (issue 17): ?season= (default the busiest), 404 for an unknown one;
    # the page's trips and unserved villages are that season's (season_plan) --
    season = season_or_404(store.metadata(plan_id), request.args.get("season"))
    plan = season_plan(store.info(plan_id), season)
    missing = missing_assets(current_app.config["VENDOR_DIR"])
    parts = None if missing else cached_map(store, plan_id, season)
    counties = county_rows(store.layer(plan_id, "counties"), plan)
    return render_template("plan.html", plan=plan, view=plan_view(plan),
                           map=parts, missing_assets=missing, cards=kpi_cards(plan),
                           counties=counties, drill=drill_view(plan, counties, parts),
                           season=truck_plan_view(store.metadata(plan_id), season))


# ---- the truck plan (issue 17): season switch, truck table, truck day sheets -------------


def season_or_404(meta: Mapping[str, Any], asked: str | None) -> str | None:
    """The season to show (:func:`app.truck_plan.pick_season`); 404 naming the plan's
    seasons for one it does not have."""
    try:
        return pick_season(meta, asked)
    except SeasonNotFound as exc:
        abort(404, description=str(exc))


def truck_plan_view(meta: Mapping[str, Any], season: str | None) -> dict[str, Any] | None:
    """:func:`app.truck_plan.season_view` plus the page of the truck table
    (``?tpage=``) and the links that keep the other query arguments."""
    view = season_view(meta, season)
    if view is None:
        return None
    view["trucks"] = page_of(truck_rows(meta, str(season)), request.args.get("tpage", 1),
                             TRUCKS_PER_PAGE)
    view["season_links"] = [(name, query_with(season=name, tpage=None))
                            for name in view["names"]]
    view["tpage_links"] = [query_with(tpage=n) for n in range(1, view["trucks"].pages + 1)]
    return view


def query_with(**changes: Any) -> str:
    """The current page's URL with ``changes`` to its query (``None`` drops a key)."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k not in changes]
    args += [(k, str(v)) for k, v in changes.items() if v is not None]
    return f"{request.path}?{urlencode(args)}"


@bp.get("/plans/<plan_id>/trucks/<truck_id>")
def truck_page(plan_id: str, truck_id: str) -> ResponseReturnValue:
    """A truck's printable day sheet in ``?season=`` (default the busiest season)."""
    store = current_store()
    plan = store.info(plan_id)
    meta = store.metadata(plan_id)
    season = season_or_404(meta, request.args.get("season"))
    if season is None:
        abort(404, description=f"plan {plan_id!r} has no truck plan by season")
    try:
        sheet = truck_sheet(meta, season, truck_id)
    except TruckNotFound as exc:
        abort(404, description=str(exc))
    return render_template("truck_sheet.html", plan=plan, sheet=sheet)


def drill_view(plan: PlanMeta, counties: list[dict[str, Any]],
               parts: MapParts | None) -> dict[str, Any]:
    """The page's drill-down (:mod:`app.drilldown`): prefectures, then the selected
    prefecture's or county's counties, stores (paged) and villages without a truck."""
    county = selected_code(request.args.get("county"), 6)
    prefecture = county[:4] if county else selected_code(request.args.get("prefecture"), 4)
    prefectures = prefecture_rows(plan, counties)
    names = {r["code"]: r["name"] for r in prefectures}
    county_names = {str(c.get("county_code")): c.get("county_name") for c in counties}
    stores = [s for s in plan.stores if in_scope(s.county_code, prefecture, county)]
    unserved = [u for u in plan.unserved if in_scope(u.county_code, prefecture, county)]
    colours = dict(parts.colours) if parts is not None else {}
    return {
        "province": len(prefectures) > 1, "prefectures": prefectures,
        "prefecture": prefecture, "prefecture_name": names.get(prefecture or ""),
        "county": county, "county_name": county_names.get(county or ""),
        "counties": [c for c in counties if in_scope(c.get("county_code"), prefecture, county)],
        "stores": page_of(stores, request.args.get("page", 1)),
        "colours": colours, "county_names": county_names,
        "unserved_count": len(unserved), "unserved_shown": unserved[:UNSERVED_SHOWN],
        "collapse": len(prefectures) > 1 and not prefecture,
    }


@bp.get("/vendor/<path:filename>")
def vendor(filename: str) -> ResponseReturnValue:
    """Vendored front-end files (Leaflet, jQuery) from ``VENDOR_DIR``; 404 outside it."""
    return send_from_directory(current_app.config["VENDOR_DIR"], filename, max_age=86400)


class MapCache:
    """Rendered maps (or other derived values) keyed by plan file versions (small LRU)."""

    def __init__(self, max_entries: int = 8) -> None:
        self._entries: OrderedDict[tuple, Any] = OrderedDict()
        self._max_entries = max_entries
        self._lock = threading.Lock()

    def get(self, key: tuple) -> Any:
        """Cached parts for ``key`` or ``None``."""
        with self._lock:
            parts = self._entries.get(key)
            if parts is not None:
                self._entries.move_to_end(key)
            return parts

    def put(self, key: tuple, parts: Any) -> None:
        """Remember ``parts``; drop the least recently used beyond the limit."""
        with self._lock:
            self._entries[key] = parts
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)


def cached_map(store: PlanStore, plan_id: str, season: str | None = None) -> MapParts:
    """The plan's map components, rebuilt only when a plan file changed; with
    ``season`` (truck plan), that season's collection and market runs and the markets."""
    cache: MapCache = current_app.extensions.setdefault(MAP_CACHE_KEY, MapCache())
    tiles = current_app.config["TILES"]
    key = (store.signature(plan_id), tiles, url_for("pages.vendor", filename=""), season)
    parts = cache.get(key)
    if parts is None:
        plan = season_plan(store.info(plan_id), season)
        m = plan_map(plan, layers_with_state(plan, store.layers(plan_id)), tiles=tiles,
                     asset_url=lambda path: url_for("pages.vendor", filename=path),
                     tianditu_key=current_app.config.get("TIANDITU_KEY", ""),
                     regroup=None if season is None else season_regroup(
                         season, market_rows(store.metadata(plan_id), season)))
        parts = map_parts(m)
        cache.put(key, parts)
    return parts


# ---- formatting -------------------------------------------------------------------


def _is_number(value: Any) -> bool:
    """True for int/float but not bool."""
    return isinstance(value, int | float) and not isinstance(value, bool)


@bp.app_template_filter("num")
def num(value: Any, digits: int = 0) -> str:
    """Number with thousands separators and ``digits`` decimals; en dash if missing."""
    return f"{value:,.{digits}f}" if _is_number(value) else DASH


@bp.app_template_filter("minutes")
def minutes(seconds: Any) -> str:
    """Seconds shown as minutes with one decimal."""
    return f"{seconds / 60:,.1f}" if _is_number(seconds) else DASH


@bp.app_template_filter("colour")
def colour(value: Any) -> str:
    """A CSS hex colour from plan data, or a neutral grey (never arbitrary CSS)."""
    return safe_colour(value)


def _km(metres: Any) -> str:
    """Metres shown as kilometres with one decimal."""
    return f"{metres / 1000:,.1f}" if _is_number(metres) else DASH


def _hours(seconds: Any) -> str:
    """Seconds shown as hours with one decimal."""
    return f"{seconds / 3600:,.1f}" if _is_number(seconds) else DASH


# ---- the plan page's tables -------------------------------------------------------------


def kpi_rows(k: Kpis) -> list[tuple[str, str]]:
    """(label, value with unit) rows of the KPI table below the headline rows; the
    coverage figures say what they count: a store within reach (siting), not a truck."""
    return [
        ("选址覆盖率 Supply with a store within reach (siting)", f"{num(k.coverage_pct, 1)} %"),
        ("贫困村有冷库可达 Poor villages with a store within reach",
         f"{num(k.poor_covered_pct, 1)} % of {num(k.poor_settlements)}"),
        ("有冷库可达供应 Yearly supply with a store within reach",
         f"{num(k.supply_covered_t, 1)} / {num(k.supply_t, 1)} t"),
        ("冷库 Stores", num(k.stores)),
        ("库容 Storage capacity", f"{num(k.storage_capacity_t)} t"),
        ("建设成本 Build cost", f"{num(k.build_cost_yuan)} yuan"),
        ("补贴 / 预算 Subsidy / budget", f"{num(k.subsidy_yuan)} / {num(k.budget_yuan)} yuan"),
        ("到达时间 Access time mean / p95 / max",
         f"{minutes(k.access_time_mean_s)} / {minutes(k.access_time_p95_s)} / "
         f"{minutes(k.access_time_max_s)} min"),
        ("车辆 Trucks (used)", f"{num(k.trucks)} ({num(k.trucks_used)} used)"),
        ("趟次 Truck trips", num(k.truck_trips)),
        ("线路 Route distance / duration",
         f"{_km(k.route_distance_m)} km / {_hours(k.route_duration_s)} h"),
        ("公平性 County fairness (Jain, 1 = even)", num(k.county_fairness_jain, 3)),
    ]


def _text_or_dash(value: Any) -> str:
    """``str(value)``, or an en dash for a value the plan does not give."""
    return DASH if value is None else str(value)


def solver_rows(solver: SolverReport, engine: str | None = None) -> list[tuple[str, str]]:
    """(label, value) rows for the siting and routing solvers, including the gap;
    ``engine`` as :func:`app.drilldown.siting_engines` finds it in the plan."""
    siting, routing = solver.siting, solver.routing
    engine = engine or siting.engine
    rows = [
        ("选址 Siting status", _text_or_dash(siting.status)),
        ("选址 Siting engine", _text_or_dash(engine)),
        ("选址 Siting gap", f"{num(siting.gap_pct, 2)} %"),
        ("选址 Siting objective / bound", f"{num(siting.objective, 1)} / {num(siting.bound, 1)}"),
        ("选址 Siting time", f"{num(siting.time_s, 1)} s"),
        ("选址 Binding constraints", "; ".join(str(b) for b in siting.binding or ()) or DASH),
    ]
    if siting.note:  # e.g. what a province plan's combined bound bounds
        rows.append(("选址 Siting note", str(siting.note)))
    return rows + [
        ("路径 Routing status", _text_or_dash(routing.status)),
        ("路径 Routing time", f"{num(routing.time_s, 1)} s"),
    ]


def trucks_rows(plan: PlanMeta) -> list[dict[str, Any]]:
    """Trucks per depot, with the store's name where known."""
    names = {s.store_id: s.name for s in plan.stores}
    return [{"store_id": row.store_id, "name": names.get(row.store_id), "trucks": row.trucks}
            for row in plan.trucks_per_depot]


def plan_view(plan: PlanMeta) -> dict[str, Any]:
    """Everything the plan template shows, computed once per request."""
    unserved = plan.unserved
    headlines = plan_headlines(plan)
    return {
        "approximate": bool(plan.road_network.approximate),
        "sentence": headline_sentence(headlines, current_lang()),
        "kpis": headline_rows(headlines) + kpi_rows(plan.kpis),
        "solver": solver_rows(plan.solver, siting_engines(plan)),
        "notes": merge_notes(plan.approximations),
        "trucks": trucks_rows(plan),
        "unserved_count": len(unserved),
        "unserved_shown": unserved[:UNSERVED_SHOWN],
        "unserved_reasons": [(r.stage, r.reason, r.count) for r in headlines.reasons],
        "scenario": _scenario_rows(plan.scenario),
        "seasons": seasons_view(plan.seasons),
    }


def seasons_view(seasons: SeasonsReport | None) -> dict[str, Any] | None:
    """The shared fleet by season (province plans): one row per region with need and trucks
    per season, the moves between seasons, and which season the routes show."""
    if seasons is None:
        return None
    names = [s.name for s in seasons.seasons]
    regions: dict[str, dict[str, Any]] = {}
    for cell in seasons.fleet:
        row = regions.setdefault(cell.region, {"region": cell.region,
                                               "name": cell.region_name, "cells": {}})
        row["cells"][cell.season] = cell
    return {"names": names, "routed": seasons.routed_season,
            "rows": [regions[k] for k in sorted(regions)],
            "totals": seasons.trucks_by_season, "moves": seasons.moves,
            "truck_km": seasons.repositioning_truck_km,
            "rule": seasons.rule, "distances": seasons.distances,
            "collected": any(c.collected_pct is not None for c in seasons.fleet)}


def _scenario_rows(scenario: Mapping[str, ScenarioParam]) -> list[dict[str, Any]]:
    """Scenario parameters as rows (name, value, unit, source, assumption)."""
    return [{"name": name, "value": p.value, "unit": p.unit, "source": p.source,
             "assumption": bool(p.assumption)} for name, p in scenario.items()]


# ---- per-county table and route sheets (plan page, report, route sheets) ------------------


def county_rows(counties: Mapping[str, Any],
                plan: PlanMeta | None = None) -> list[dict[str, Any]]:
    """One row per county of the counties layer, by county code; with ``plan``, each row
    also counts its villages a truck visits (``truck``) and those left at routing
    (``no_truck``), from ``plan.json``'s routes and unserved list."""
    trucks = county_truck_counts(plan) if plan is not None else {}
    listed = plan is not None and (any(r.stops for r in plan.routes) or not plan.routes)
    rows = []
    for feature in counties.get("features", []):
        row = dict(feature.get("properties") or {})
        if plan is not None:
            row.update(trucks.get(str(row.get("county_code")), {"truck": 0, "no_truck": 0}))
            row["truck"] = row["truck"] if listed else None
        rows.append(row)
    return sorted(rows, key=lambda p: str(p.get("county_code", "")))


#: Shown when a plan carries no shift start (plans before the scenario's
#: ``shift_start_s``): 06:00, the scenario's default, flagged as a display default.
SHIFT_START_DEFAULT_S = 6 * 3600
SHIFT_START_PARAMS = ("shift_start_s", "shift_start")
#: A plan whose assumptions contain this counts its route times from midnight (the
#: shared-fleet pipeline notes "trip clock times are seconds from midnight").
MIDNIGHT_CLOCK = "seconds from midnight"


def shift_start(plan: PlanMeta) -> tuple[int, bool]:
    """(seconds after midnight when the shift starts, whether the plan lacks it): the
    scenario's ``shift_start_s`` if the plan carries it, else
    :data:`SHIFT_START_DEFAULT_S` (flagged)."""
    for name in SHIFT_START_PARAMS:
        param = plan.scenario.get(name)
        if param is not None and _is_number(param.value) and 0 <= param.value < 86400:
            return int(param.value), False
    return SHIFT_START_DEFAULT_S, True


def clock_offset_s(plan: PlanMeta) -> int:
    """Seconds to add to the plan's route times (``start_s``, ``end_s``, a stop's
    ``arrival_s``) for a clock time.

    Plans so far count route times from the shift start: the routing leaves every used
    truck at 0 (no time windows in the pipelines), so some trip starts before the shift
    start and the offset is the shift start. A plan that carries its shift start and
    whose trips all leave at it or later counts from midnight already: 0, so a time is
    never shifted twice; so does a plan whose assumptions say its clock times are
    :data:`MIDNIGHT_CLOCK` (the shared-fleet pipeline's note). Any other plan without a
    shift start (older plans) counts from the shift: the 06:00 default is added. A shift
    starting at midnight reads the same either way."""
    start_s, missing = shift_start(plan)
    if any(MIDNIGHT_CLOCK in str(note) for note in plan.assumptions):
        return 0
    starts = [r.start_s for r in plan.routes if _is_number(r.start_s)]
    return 0 if not missing and starts and min(starts) >= start_s else start_s


def clock(seconds: Any, start_s: int = 0) -> str:
    """``start_s + seconds`` (seconds after midnight) as ``HH:MM``; en dash if missing;
    a time past midnight shows as ``+1 HH:MM``."""
    if not _is_number(seconds):
        return DASH
    total = (start_s + int(seconds)) // 60
    day, minute = divmod(total, 24 * 60)
    text = f"{minute // 60:02d}:{minute % 60:02d}"
    return f"+{day} {text}" if day else text


def _trip(route: Route, start_s: int, townships: Mapping[str, str]) -> dict[str, Any]:
    """One trip of a route sheet with its stops in visit order, clock times (``start_s``
    + the plan's times, :func:`clock_offset_s`) and each village's township (village
    names repeat across townships)."""
    stops = [{"seq": i, "name": s.name, "settlement_id": s.settlement_id,
              "township": townships.get(str(s.settlement_id)),
              "arrival": clock(s.arrival_s, start_s), "pickup_t": s.pickup_t,
              "load_after_t": s.load_after_t}
             for i, s in enumerate(route.stops, start=1)]
    return {"route_id": route.route_id, "trip": route.trip,
            "start": clock(route.start_s, start_s), "end": clock(route.end_s, start_s),
            "distance_km": _km(route.distance_m), "load_t": route.load_t,
            "duration_h": _hours(route.duration_s), "stops": stops}


def routes_in_sheet_order(routes: Sequence[Route]) -> list[Route]:
    """Trips by (season,) truck, then start and trip number (the order of route sheets
    and manifests)."""
    return sorted(routes, key=lambda r: (season_of(r) or "", str(r.truck_id),
                                         r.start_s if season_of(r) else 0, r.trip or 0))


def route_sheets(plan: PlanMeta,
                 townships: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """One sheet per truck: its store, the shift start and its trips in order.

    ``townships`` maps settlement id to township name (:func:`plan_townships` of the
    plan's directory: the id in ``plan.json`` need not be the directory's name)."""
    townships = townships or {}
    start_s, assumed = shift_start(plan)
    offset_s = clock_offset_s(plan)
    names = {s.store_id: s.name for s in plan.stores}
    trucks: dict[str, dict[str, Any]] = {}
    for route in routes_in_sheet_order(plan.routes):
        season = season_of(route)  # truck plan: one sheet per season and truck, clock
        sheet = trucks.setdefault(f"{season or ''}/{route.truck_id}", {  # from midnight
            "truck_id": route.truck_id, "store_id": route.store_id,
            "store_name": names.get(route.store_id), "trips": [], "season": season,
            "shift_start": clock(0, start_s), "shift_start_assumed": assumed})
        sheet["trips"].append(_trip(route, 0 if season else offset_s, townships))
    return list(trucks.values())


def plan_townships(plan_id: str) -> dict[str, str]:
    """``{settlement_id: township_name}`` from the plan's settlements layer, cached per
    plan file version (empty outside a request or for a plan without the layer)."""
    if not has_app_context():
        return {}
    store = current_store()
    cache: MapCache = current_app.extensions.setdefault(MAP_CACHE_KEY, MapCache())
    key = ("townships", store.signature(plan_id))
    found = cache.get(key)
    if found is None:
        try:
            layer = store.layer(plan_id, "settlements")
        except PlanError:  # a plan without its layer: sheets without townships
            return {}
        found = {str((f.get("properties") or {}).get("settlement_id")):
                 str((f.get("properties") or {}).get("township_name") or "")
                 for f in layer.get("features", [])}
        cache.put(key, found)
    return found


def kpi_cards(plan: PlanMeta) -> list[dict[str, str]]:
    """The headline cards above the map: reach, truck, collected, left (from
    :func:`app.headlines.plan_headlines`), then stores, trucks and mean access."""
    k = plan.kpis
    return headline_cards(plan_headlines(plan)) + [
        {"key": "stores", "label": "冷库 Stores", "value": num(k.stores), "note": ""},
        {"key": "trucks", "label": "车辆 Trucks used",
         "value": f"{num(k.trucks_used)} / {num(k.trucks)}", "note": ""},
        {"key": "access", "label": "平均到达 Mean access",
         "value": f"{minutes(k.access_time_mean_s)} min", "note": ""}]


@bp.app_template_global()
def lang_switch_url() -> str:
    """The current page in the other language, its query (e.g. the compared plans
    ``a`` and ``b``) kept: for the language link of ``base.html``."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
    args.append(("lang", "en" if current_lang() == "zh" else "zh"))
    return f"{request.path}?{urlencode(args)}"
