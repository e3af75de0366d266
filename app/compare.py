"""Compare two saved plans: KPI differences and both maps side by side."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, render_template, request
from flask.typing import ResponseReturnValue

from app.assets import missing_assets
from app.pages import cached_map
from app.plans import PlanNotFound, current_store
from optimize.plan.model import Kpis

bp = Blueprint("compare", __name__)
KPI_KEYS = ("coverage_pct", "settlements_served", "supply_covered_t", "poor_covered_pct",
            "stores", "storage_capacity_t", "build_cost_yuan", "subsidy_yuan",
            "access_time_mean_s", "access_time_p95_s", "trucks_used", "truck_trips",
            "route_distance_m", "daily_pickup_routed_t", "county_fairness_jain")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


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


@bp.get("/compare")
def compare_page() -> ResponseReturnValue:
    """Pick two plans; with ``?a=&b=`` show their KPI differences and both maps."""
    store = current_store()
    plans = [p for p in store.list_plans() if p.error is None]
    pair = _pair()
    if pair is None:
        return render_template("compare.html", plans=plans, pair=None)
    metas = [store.info(pid) for pid in pair]
    missing = missing_assets(current_app.config["VENDOR_DIR"])
    maps = [None, None] if missing else [cached_map(store, pid) for pid in pair]
    return render_template("compare.html", plans=plans, pair=pair, metas=metas, maps=maps,
                           header=_merged_header(maps),
                           rows=kpi_diff(metas[0].kpis, metas[1].kpis))


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
    metas = [store.info(pid) for pid in pair]
    return jsonify(a=pair[0], b=pair[1], kpis=kpi_diff(metas[0].kpis, metas[1].kpis))
