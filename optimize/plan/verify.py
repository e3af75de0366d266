"""Independent check of a plan: recompute its KPIs and every constraint from its layers.

Used by the tests and by anyone who receives a ``plan.json``: it needs only the plan
itself (the scenario as used is stored inside it), never the solvers.
"""

from __future__ import annotations

import math

from optimize.plan.io import Plan
from optimize.plan.kpis import compute_kpis
from optimize.plan.market_checks import (
    cost_problems,
    leg_problems,
    market_flow_problems,
    market_run_problems,
)
from optimize.plan.model import Route
from optimize.plan.spread_checks import priority_problems, spread_problems
from optimize.plan.target_checks import target_problems
from optimize.plan.trucks import (
    season_kpi_problems,
    stop_freshness_problems,
    truck_problems,
    truck_span_problems,
)


def verify_plan(plan: Plan) -> list[str]:
    """Every violation found in ``plan`` (an empty list means the plan checks out)."""
    return (_store_problems(plan) + _settlement_problems(plan) + _route_problems(plan)
            + _kpi_problems(plan) + truck_problems(plan.info) + season_kpi_problems(plan.info)
            + truck_span_problems(plan.info) + market_run_problems(plan.info)
            + market_flow_problems(plan.info) + cost_problems(plan.info)
            + target_problems(plan.info) + spread_problems(plan.info)
            + priority_problems(plan))


def _store_problems(plan: Plan) -> list[str]:
    out = []
    stores, settle = plan.stores, plan.settlements
    load = settle[settle["store_id"].notna()].groupby("store_id")["supply_t"].sum()
    for s in stores.itertuples():
        real = float(load.get(s.store_id, 0.0))
        if real > s.capacity_t + 1e-6:
            out.append(f"store {s.store_id}: load {real:.3f} t exceeds capacity {s.capacity_t} t")
        if not math.isclose(real, s.load_t, abs_tol=1e-2):
            out.append(f"store {s.store_id}: load_t {s.load_t} but its villages sum to {real:.3f}")
    subsidy = float(stores["subsidy_yuan"].sum()) if len(stores) else 0.0
    budget = plan.info.kpis.budget_yuan
    if budget is not None and subsidy > budget + 1e-6:
        out.append(f"subsidy {subsidy:,.0f} yuan exceeds the budget {budget:,.0f} yuan")
    unknown = set(settle["store_id"].dropna()) - set(stores["store_id"])
    if unknown:
        out.append(f"settlements name unknown stores: {sorted(unknown)}")
    return out


def _settlement_problems(plan: Plan) -> list[str]:
    out = []
    limit = plan.info.param("max_access_time_s") or plan.info.param("freshness_limit_s")
    settle = plan.settlements
    served = settle[settle["store_id"].notna()]
    late = served[served["access_time_s"].astype(float) > limit]
    out += [f"settlement {r.settlement_id}: access {r.access_time_s} s > limit {limit} s"
            for r in late.itertuples()]
    silent = settle[settle["store_id"].isna() & settle["unserved_reason"].isna()]
    out += [f"settlement {r.settlement_id}: unserved without a reason"
            for r in silent.itertuples()]
    return out


def _route_problems(plan: Plan) -> list[str]:
    out = []
    capacity = plan.info.param("truck_capacity_t")
    shift = plan.info.param("shift_s")
    freshness = plan.info.param("freshness_limit_s")
    store_of = dict(zip(plan.settlements["settlement_id"], plan.settlements["store_id"],
                        strict=True))
    for r in plan.info.routes:
        if r.is_market:
            continue  # optimize.plan.market_checks
        name = r.route_id
        load = sum(s.pickup_t for s in r.stops)
        if load > capacity + 1e-6:
            out.append(f"route {name}: load {load:.3f} t exceeds truck capacity {capacity} t")
        if r.end_s > shift and r.season is None:  # seasonal plans: per truck-day below
            out.append(f"route {name}: ends at {r.end_s} s, after the {shift} s shift")
        age = _first_pickup_age_s(r)
        # a province route: its season's crop
        limit = freshness if r.freshness_limit_s is None else r.freshness_limit_s
        if age > limit:
            out.append(f"route {name}: first pickup rides {age} s to the store, "
                       f"limit {limit} s")
        out += stop_freshness_problems(r)
        wrong = [s.settlement_id for s in r.stops if store_of.get(s.settlement_id)
                 != r.store_id]
        if wrong:
            out.append(f"route {name}: picks up at villages of another store: {wrong}")
        out += collection_leg_problems(r)
    return out


def collection_leg_problems(r: Route) -> list[str]:
    """A collection trip's ``legs`` (where written): they chain its start, its own store
    when it drove there first, its stops and its store; they sum to ``distance_m``; and no
    stop is reached sooner than the legs' drives allow (loading comes on top)."""
    if r.legs is None or not r.stops:
        return []
    legs = [g.to_json() for g in r.legs]
    start = r.start_id or r.store_id or ""
    via = start != r.store_id and legs[0]["to_id"] == r.store_id
    places = [start, *([r.store_id or ""] if via else []),
              *(s.settlement_id or "" for s in r.stops), r.store_id or ""]
    out = leg_problems(f"route {r.route_id}", legs, places, r.distance_m, False)
    if out:
        return out
    lead = 1 + int(via)
    clock = [r.start_s, *(s.arrival_s for s in r.stops),
             r.store_arrival_s if r.store_arrival_s is not None else r.end_s]
    drives = [sum(int(g["time_s"]) for g in legs[:lead]),
              *(int(g["time_s"]) for g in legs[lead:])]
    for k, (a, b, drive) in enumerate(zip(clock[:-1], clock[1:], drives, strict=True)):
        if b - a < drive:
            frm = places[0] if k == 0 else places[k + lead - 1]
            out.append(f"route {r.route_id}: reaches {places[k + lead]} {b - a} s after "
                       f"{frm}, its legs drive {drive} s")
    return out


def _first_pickup_age_s(route: Route) -> int:
    """Ride of the trip's first pickup to the store (0 for a trip without stops)."""
    if not route.stops:
        return 0
    if route.store_arrival_s is None:
        raise KeyError(f"route {route.route_id} lacks store_arrival_s")
    return route.store_arrival_s - route.stops[0].arrival_s


def _kpi_problems(plan: Plan) -> list[str]:
    k = plan.info.kpis
    seasons = plan.info.seasons
    headline = seasons.routed_season if seasons is not None and plan.info.trucks is not None \
        else None
    again = compute_kpis(plan.settlements, plan.stores, plan.routes, trucks=k.trucks or 0,
                         budget_yuan=k.budget_yuan or 0.0,
                         daily_pickup_t=k.daily_pickup_t or 0.0, season=headline)
    out = []
    for key, value in again.items():
        saved = getattr(k, key, None)
        if isinstance(value, float) and math.isnan(value) and saved is None:
            continue  # NaN is written as null
        if isinstance(value, float) and isinstance(saved, int | float):
            if not (math.isclose(value, saved, rel_tol=1e-6, abs_tol=1e-3)
                    or (math.isnan(value) and math.isnan(saved))):
                out.append(f"kpi {key}: saved {saved}, recomputed {value}")
        elif value != saved and not (value is None and saved is None):
            out.append(f"kpi {key}: saved {saved}, recomputed {value}")
    return out
