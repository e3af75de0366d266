"""Independent check of a plan: recompute its KPIs and every constraint from its layers.

Used by the tests and by anyone who receives a ``plan.json``: it needs only the plan
itself (the scenario as used is stored inside it), never the solvers.
"""

from __future__ import annotations

import math
from typing import Any

from optimize.plan import Plan, compute_kpis


def verify_plan(plan: Plan) -> list[str]:
    """Every violation found in ``plan`` (an empty list means the plan checks out)."""
    return (_store_problems(plan) + _settlement_problems(plan) + _route_problems(plan)
            + _kpi_problems(plan))


def _param(plan: Plan, name: str) -> Any:
    return plan.meta["scenario"][name]["value"]


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
    budget = plan.meta["kpis"]["budget_yuan"]
    if subsidy > budget + 1e-6:
        out.append(f"subsidy {subsidy:,.0f} yuan exceeds the budget {budget:,.0f} yuan")
    unknown = set(settle["store_id"].dropna()) - set(stores["store_id"])
    if unknown:
        out.append(f"settlements name unknown stores: {sorted(unknown)}")
    return out


def _settlement_problems(plan: Plan) -> list[str]:
    out = []
    limit = _param(plan, "max_access_time_s") or _param(plan, "freshness_limit_s")
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
    capacity = _param(plan, "truck_capacity_t")
    shift = _param(plan, "shift_s")
    freshness = _param(plan, "freshness_limit_s")
    store_of = dict(zip(plan.settlements["settlement_id"], plan.settlements["store_id"],
                        strict=True))
    for r in plan.meta["routes"]:
        name = r["route_id"]
        load = sum(s["pickup_t"] for s in r["stops"])
        if load > capacity + 1e-6:
            out.append(f"route {name}: load {load:.3f} t exceeds truck capacity {capacity} t")
        if r["end_s"] > shift:
            out.append(f"route {name}: ends at {r['end_s']} s, after the {shift} s shift")
        age = r["store_arrival_s"] - r["stops"][0]["arrival_s"] if r["stops"] else 0
        limit = r.get("freshness_limit_s", freshness)  # a province route: its season's crop
        if age > limit:
            out.append(f"route {name}: first pickup rides {age} s to the store, "
                       f"limit {limit} s")
        wrong = [s["settlement_id"] for s in r["stops"] if store_of.get(s["settlement_id"])
                 != r["store_id"]]
        if wrong:
            out.append(f"route {name}: picks up at villages of another store: {wrong}")
    return out


def _kpi_problems(plan: Plan) -> list[str]:
    k = plan.meta["kpis"]
    again = compute_kpis(plan.settlements, plan.stores, plan.routes, trucks=k["trucks"],
                         budget_yuan=k["budget_yuan"], daily_pickup_t=k["daily_pickup_t"])
    out = []
    for key, value in again.items():
        saved = k.get(key)
        if isinstance(value, float) and math.isnan(value) and saved is None:
            continue  # NaN is written as null
        if isinstance(value, float) and isinstance(saved, int | float):
            if not (math.isclose(value, saved, rel_tol=1e-6, abs_tol=1e-3)
                    or (math.isnan(value) and math.isnan(saved))):
                out.append(f"kpi {key}: saved {saved}, recomputed {value}")
        elif value != saved and not (value is None and saved is None):
            out.append(f"kpi {key}: saved {saved}, recomputed {value}")
    return out
