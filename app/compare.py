"""Compare two saved plans: headline figures and KPIs with labels and units, both maps.

The page shows what each plan really does first (:func:`app.headlines.plan_headlines`:
villages a truck visits, daily pickup collected, villages left), then the KPIs, each
with a label in the page language, in minutes, hours, km, t or yuan; counts as whole
numbers. The pair ``a``/``b`` is remembered in a cookie so that the language switch,
which links to ``/compare?lang=..``, comes back to the same two plans.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from app.assets import missing_assets
from app.catalogue import N_, message_in
from app.headlines import Headlines, plan_headlines
from app.i18n import LANGS, current_lang
from app.pages import cached_map
from app.plans import PLAN_ID_RE, PlanNotFound, current_store
from app.truck_plan import busiest_season, season_compare_rows, season_plan
from optimize.plan.model import Kpis, PlanMeta

bp = Blueprint("compare", __name__)
KPI_KEYS = ("coverage_pct", "settlements_served", "supply_covered_t", "poor_covered_pct",
            "stores", "storage_capacity_t", "build_cost_yuan", "subsidy_yuan",
            "access_time_mean_s", "access_time_p95_s", "trucks_used", "truck_trips",
            "route_distance_m", "daily_pickup_routed_t", "county_fairness_jain")


PAIR_COOKIE = "compare_pair"

#: kind -> (scale from the stored unit, decimals, unit: English msgid, "" for none)
KINDS: dict[str, tuple[float, int, str]] = {
    "count": (1, 0, ""),
    "pct": (1, 1, "%"),
    "t": (1, 1, N_("t")),
    "t_day": (1, 1, N_("t/day")),
    "yuan": (1, 0, N_("yuan")),
    "minutes": (1 / 60, 1, N_("min")),
    "hours": (1 / 3600, 1, N_("h")),
    "km": (1 / 1000, 1, N_("km")),
    "ratio": (1, 3, ""),
}
#: (key, where it comes from: headlines or kpis, kind, label: English msgid), in page
#: order; the labels' Chinese is in the zh catalogue.
ROWS: tuple[tuple[str, str, str, str], ...] = (
    ("within_reach", "h", "count", N_("Villages with a store within reach")),
    ("with_truck", "h", "count", N_("Villages a truck visits")),
    ("left", "h", "count", N_("Villages left without a truck")),
    ("collected_pct", "h", "pct", N_("Daily pickup collected")),
    ("daily_collected_t", "h", "t_day", N_("Daily pickup collected by trucks")),
    ("daily_needed_t", "h", "t_day", N_("Daily pickup to collect")),
    ("coverage_pct", "k", "pct", N_("Supply with a store within reach (siting)")),
    ("poor_covered_pct", "k", "pct", N_("Poor villages with a store within reach")),
    ("stores", "k", "count", N_("Stores")),
    ("storage_capacity_t", "k", "t", N_("Storage capacity")),
    ("build_cost_yuan", "k", "yuan", N_("Build cost")),
    ("subsidy_yuan", "k", "yuan", N_("Subsidy")),
    ("access_time_mean_s", "k", "minutes", N_("Mean access time")),
    ("access_time_p95_s", "k", "minutes", N_("Access time p95")),
    ("trucks_used", "k", "count", N_("Trucks used")),
    ("truck_trips", "k", "count", N_("Truck trips")),
    ("route_distance_m", "k", "km", N_("Route distance")),
    ("route_duration_s", "k", "hours", N_("Route duration")),
    ("county_fairness_jain", "k", "ratio", N_("County fairness (Jain, 1 = even)")),
)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def shown(value: Any, kind: str, signed: bool = False) -> str:
    """``value`` (as stored: s, m, t ...) in the unit of ``kind``: counts as whole numbers,
    ``+`` on a positive difference; an en dash if missing."""
    if not _is_number(value):
        return "–"
    scale, digits = KINDS[kind][:2]
    text = f"{value * scale:,.{digits}f}"
    return f"+{text}" if signed and value * scale >= 0.5 * 10 ** -digits else text


def compare_rows(plans: tuple[PlanMeta, PlanMeta], lang: str) -> list[dict[str, str]]:
    """One row per :data:`ROWS` entry: label, unit, both plans' values and B − A."""
    heads = [plan_headlines(p) for p in plans]
    get: dict[str, Callable[[int, str], Any]] = {
        "h": lambda i, key: getattr(heads[i], key),
        "k": lambda i, key: getattr(plans[i].kpis, key)}
    rows = []
    for key, source, kind, label in ROWS:
        a, b = get[source](0, key), get[source](1, key)
        diff = b - a if _is_number(a) and _is_number(b) else None
        unit = KINDS[kind][2] if kind == "pct" else message_in(lang, KINDS[kind][2])
        rows.append({"key": key, "label": message_in(lang, label), "unit": unit,
                     "a": shown(a, kind), "b": shown(b, kind),
                     "diff": shown(diff, kind, signed=True)})
    return rows


def kpi_diff(a: Kpis, b: Kpis) -> list[dict[str, Any]]:
    """``{key, a, b, diff}`` per KPI (:data:`KPI_KEYS`, fields of :class:`Kpis`);
    ``diff`` = b - a, ``None`` if either is missing."""
    rows = []
    for key in KPI_KEYS:
        va: Any = getattr(a, key)
        vb: Any = getattr(b, key)
        diff = vb - va if _is_number(va) and _is_number(vb) else None
        rows.append({"key": key, "a": va, "b": vb, "diff": diff})
    return rows


def _pair() -> tuple[str, str] | None:
    """The ``a`` and ``b`` plan ids of the request, if both are given."""
    a, b = request.args.get("a", ""), request.args.get("b", "")
    return (a, b) if a and b else None


def remembered_pair() -> tuple[str, str] | None:
    """The pair of the last comparison (cookie), if both are valid plan ids."""
    a, _, b = request.cookies.get(PAIR_COOKIE, "").partition(",")
    return (a, b) if PLAN_ID_RE.fullmatch(a) and PLAN_ID_RE.fullmatch(b) else None


@bp.get("/compare")
def compare_page() -> ResponseReturnValue:
    """Pick two plans; with ``?a=&b=`` show their figures side by side and both maps.

    A language switch (``?lang=`` and no pair) returns to the pair compared last."""
    store = current_store()
    pair, last, lang = _pair(), remembered_pair(), request.args.get("lang")
    if pair is None and last is not None and lang in LANGS:
        return redirect(url_for("compare.compare_page", a=last[0], b=last[1], lang=lang))
    plans = [p for p in store.list_plans() if p.error is None]
    if pair is None:
        return render_template("compare.html", plans=plans, pair=None)
    metas = (season_plan(store.info(pair[0])), season_plan(store.info(pair[1])))
    missing = missing_assets(current_app.config["VENDOR_DIR"])
    raw = [store.metadata(pid) for pid in pair]  # truck plan (issue 17): busiest season
    maps = [None, None] if missing else [cached_map(store, pid, busiest_season(m))
                                         for pid, m in zip(pair, raw, strict=True)]
    response = current_app.make_response(render_template(
        "compare.html", plans=plans, pair=pair, metas=metas, maps=maps,
        header=_merged_header(maps), rows=compare_rows(metas, current_lang()),
        season_rows=season_compare_rows(raw[0], raw[1])))
    response.set_cookie(PAIR_COOKIE, ",".join(pair), max_age=30 * 86400, httponly=True,
                        samesite="Lax", path=url_for("compare.compare_page"))
    return response


def _merged_header(maps: list[Any]) -> str:
    """Both maps' ``<head>`` parts with the shared script/link lines kept once."""
    seen: set[str] = set()
    lines = []
    for parts in maps:
        if parts is None:
            continue
        for line in parts.header.splitlines():
            if line.strip().startswith(("<script src", "<link")) and line in seen:
                continue
            seen.add(line)
            lines.append(line)
    return "\n".join(lines)


@bp.get("/api/compare")
def api_compare() -> ResponseReturnValue:
    """KPI differences of plans ``a`` and ``b`` as JSON."""
    pair = _pair()
    if pair is None:
        raise PlanNotFound("give two plans: /api/compare?a=PLAN&b=PLAN")
    store = current_store()
    metas = [season_plan(store.info(pid)) for pid in pair]
    heads: list[Headlines] = [plan_headlines(m) for m in metas]
    return jsonify(a=pair[0], b=pair[1], kpis=kpi_diff(metas[0].kpis, metas[1].kpis),
                   headlines={"a": heads[0].as_dict(), "b": heads[1].as_dict()})
