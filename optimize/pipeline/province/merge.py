"""One Plan from the regional plans: ids prefixed, layers concatenated, KPIs recomputed.

The stores were sited for the whole province as one problem
(:mod:`optimize.pipeline.province.siting`); each prefecture then routed its own stores
and the villages they serve. ``meta["solver"]["siting"]`` is the one problem's report
(built by :func:`optimize.pipeline.province.compare.siting_meta`), with its objective
recomputed here from the merged settlements layer (:func:`layer_objective`, the formula
of ``docs/PLAN-FORMAT.md``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from optimize.errors import SpecificationError
from optimize.pipeline.assemble import counties_layer, plan_meta, store_lists
from optimize.pipeline.province.seasons import SeasonPlan
from optimize.pipeline.province.solve import RegionResult
from optimize.pipeline.region import PROVINCE_CODE
from optimize.pipeline.siting import weighted_sum_terms
from optimize.plan.io import Plan
from optimize.plan.kpis import compute_kpis
from optimize.scenario import Scenario
from optimize.siting.problem import REASON_FULL, REASON_NO_STORE

PROVINCE_RULE = (
    "Province sited as ONE problem: every rural village of the chosen prefectures and "
    "their candidate sites, access arcs across prefecture borders on one network, the "
    "province's stores (sum of the prefectures' rural-population shares, largest "
    "remainder) and store budget, the store quota policy of solver.siting.quota; then each "
    "prefecture routed on its own (dask.distributed): its open stores and every village "
    "they serve, wherever it lies, with its trucks of the routed season."
)
BOUND_NOTE = (
    "objective and bound are those of the one province-wide siting problem (scope "
    "'province'): the bound is a proven lower bound of the province problem itself; "
    "solver.siting.decomposed gives the prefecture-by-prefecture figures on the same "
    "instance."
)


def merge_plans(scenario: Scenario, results: Sequence[RegionResult], *,
                siting: dict[str, Any], road_network: dict[str, Any],
                plan_id: str = "plan", seasons: SeasonPlan | None = None) -> Plan:
    """One Plan from regional plans: ids prefixed by region, layers concatenated, KPIs
    recomputed over the whole, each region's figures and the province siting in ``meta``.

    ``siting`` is ``meta["solver"]["siting"]`` of the one province problem, with
    ``regions`` (code -> that prefecture's ``siting`` entry of ``meta["regions"]``) and
    optionally ``decomposed``; ``road_network`` the province network's description.
    Store, truck and route ids become ``"{region}-S001"``, ``"{region}-T001"`` and
    ``"{region}-T001-1"``; settlement ids (NBS codes) must already be unique.
    """
    if not results:
        raise SpecificationError(["no regional plans to merge"])
    parts = [prefixed_plan(r.plan, r.code) for r in results]
    settlements = concat([p.settlements for p in parts])
    duplicated = settlements["settlement_id"][settlements["settlement_id"].duplicated()]
    if len(duplicated):
        raise SpecificationError([f"settlement {s!r} is in more than one regional plan"
                                  for s in sorted(set(duplicated))[:10]])
    settlements = settlements.sort_values("settlement_id").reset_index(drop=True)
    stores = concat([p.stores for p in parts])
    counties = concat([p.counties for p in parts])
    metas = [p.meta for p in parts]
    by_region = dict(siting.get("regions", {}))
    solver_siting = {k: v for k, v in siting.items() if k != "regions"}
    if "longest_arc_s" in solver_siting:
        solver_siting["objective_recomputed"] = layer_objective(
            settlements, scenario.poverty_weight, int(solver_siting["longest_arc_s"]),
            float(solver_siting["coverage_factor"]))
    meta = plan_meta(
        scenario, plan_id, stores,
        region={"level": "province", "code": PROVINCE_CODE, "name": "甘肃省",
                "bbox": [float(v) for v in counties.total_bounds],
                "prefectures": [r.code for r in results]},
        kpis={}, **_province_sections(scenario, results, metas, seasons, by_region),
        road_network=road_network,
        routes=[r for m in metas for r in m["routes"]],
        unserved=[u for m in metas for u in m["unserved"]],
        solver={"siting": solver_siting, "routing": {
            "status": _joined_status(m["solver"]["routing"]["status"] for m in metas),
            "time_s": round(sum(m["solver"]["routing"]["time_s"] for m in metas), 2)}},
        attributions=_union_dicts([m["attributions"] for m in metas]),
        province_totals={"stores": scenario.province_stores,
                         "trucks": scenario.province_trucks,
                         "budget_yuan": scenario.province_budget_yuan},
        truck_budget={"trucks": sum(r.share.trucks for r in results),
                      "store_budget_yuan": sum(r.share.budget_yuan for r in results)},
    )
    plan = Plan(meta, counties, settlements, stores, concat([p.routes for p in parts]))
    return refresh(plan, scenario)


def layer_objective(settlements: pd.DataFrame, poverty_weight: float, longest_arc_s: int,
                    coverage_factor: float) -> float:
    """The siting objective recomputed from a settlements layer (``docs/PLAN-FORMAT.md``):
    weight = ``poverty_weight`` for a poor village, else 1; an unserved village is charged
    when its reason is that no open store (or none with room) was within reach, not when
    it has no candidate site within reach or is off the road network."""
    served = settlements["store_id"].notna().to_numpy()
    times = settlements["access_time_s"].astype("Float64").fillna(-1).to_numpy(dtype=float)
    times = np.where(served, times, -1.0)
    reason = settlements["unserved_reason"]
    charged = reason.isin([REASON_NO_STORE, REASON_FULL]).to_numpy()
    weight = np.where(settlements["poor"].astype(bool), poverty_weight, 1.0)
    return float(weighted_sum_terms(settlements["supply_t"].to_numpy(dtype=float), weight,
                                    times, charged, longest_arc_s=longest_arc_s,
                                    coverage_factor=coverage_factor).sum())


def _province_sections(scenario: Scenario, results: Sequence[RegionResult],
                       metas: list[dict[str, Any]], seasons: SeasonPlan | None,
                       by_region: dict[str, Any]) -> dict[str, Any]:
    """The meta sections a province plan adds or merges: apportioning, decomposition,
    regions, seasons, approximations and assumptions."""
    shares = "; ".join(f"{r.code} {r.name}: {r.share.stores} stores, {r.share.trucks} trucks"
                       for r in results)
    pairs = list(zip(results, metas, strict=True))
    return {
        "apportioning": (f"{len(results)} prefecture(s) of 14; " + PROVINCE_RULE
                         + " Shares: " + shares),
        "decomposition": {"rule": PROVINCE_RULE, "bound_note": BOUND_NOTE,
                          "wall_clock_caps_fired": [r.code for r, m in pairs
                                                    if _cap_fired(m)]},
        "regions": [_region_meta(r, m, by_region.get(r.code)) for r, m in pairs],
        "seasons": None if seasons is None else seasons.describe(),
        "approximations": _union([m["approximations"] for m in metas]) + (
            [] if seasons is None else [seasons.routes_note()]),
        "assumptions": _union([scenario.assumptions()] + [m["assumptions"] for m in metas]
                              + ([] if seasons is None else [[seasons.assumptions]])),
    }


def refresh(plan: Plan, scenario: Scenario) -> Plan:
    """Recompute store loads, the counties layer, the lists in meta and the KPIs."""
    settle, stores = plan.settlements, plan.stores.copy()
    served = settle[settle["store_id"].notna()]
    load = served.groupby("store_id")["supply_t"].sum()
    count = served.groupby("store_id").size()
    if len(stores):
        stores["load_t"] = stores["store_id"].map(load).fillna(0.0).astype(float).round(3)
        stores["settlements_served"] = stores["store_id"].map(count).fillna(0).astype(int)
    counties = counties_layer(plan.counties[["county_code", "county_name", "geometry"]],
                              settle, stores)
    meta = dict(plan.meta)
    trucks = int(meta["truck_budget"]["trucks"])
    budget = float(meta["truck_budget"]["store_budget_yuan"])
    days = {r["code"]: float(r.get("harvest_peak_days", scenario.harvest_peak_days))
            for r in meta.get("regions", [])}
    # a village is picked up on the days of the prefecture that routes its store
    region_days = served["store_id"].str[:4].map(days).fillna(scenario.harvest_peak_days)
    daily = float((served["supply_t"] / region_days).sum())
    meta["kpis"] = compute_kpis(settle, stores, plan.routes, trucks=trucks,
                                budget_yuan=budget, daily_pickup_t=daily)
    meta.update(store_lists(stores))
    return Plan(meta, counties, settle, stores, plan.routes)


#: A route's ids that name a store, truck or route of its region (prefixed when merged;
#: ``start_id`` too, so that a chained trip names the store it left from unambiguously).
ROUTE_ID_KEYS = ("route_id", "truck_id", "store_id", "start_id", "base_id")


def prefixed_plan(plan: Plan, code: str) -> Plan:
    """The regional ``plan`` with store, truck and route ids (:data:`ROUTE_ID_KEYS`, and
    the store ids in a trip's ``legs``) prefixed by the region ``code``, as the province
    merge writes them."""

    def pre(value: Any) -> Any:
        return None if value is None or (isinstance(value, float) and math.isnan(value)) \
            else f"{code}-{value}"

    settle = plan.settlements.copy()
    settle["store_id"] = settle["store_id"].map(pre, na_action="ignore").astype(object)
    settle["store_id"] = settle["store_id"].where(settle["store_id"].notna(), None)
    stores = plan.stores.copy()
    stores["store_id"] = stores["store_id"].map(pre)
    routes = plan.routes.copy()
    for col in ROUTE_ID_KEYS:
        if col in routes:
            routes[col] = routes[col].map(pre, na_action="ignore")
    own = set(plan.stores["store_id"])

    def legs(route: dict[str, Any]) -> dict[str, Any]:
        if not route.get("legs"):
            return {}
        return {"legs": [{**g, **{k: pre(g[k]) for k in ("from_id", "to_id")
                                  if g[k] in own}} for g in route["legs"]]}

    meta = dict(plan.meta)
    meta["routes"] = [{**r, **{k: pre(r[k]) for k in ROUTE_ID_KEYS if k in r}, **legs(r)}
                      for r in plan.meta["routes"]]
    meta["unserved"] = [{**u, "region": code} for u in plan.meta["unserved"]]
    return Plan(meta, plan.counties, settle, stores, routes)


def concat(frames: list[gpd.GeoDataFrame]) -> gpd.GeoDataFrame:
    """The frames one under the other (EPSG:4326); frames without columns are skipped."""
    frames = [f for f in frames if len(f.columns)]
    if not frames:
        return gpd.GeoDataFrame(geometry=[], crs=4326)
    out = pd.concat(frames, ignore_index=True)
    return gpd.GeoDataFrame(out, geometry="geometry", crs=4326)


def _region_meta(result: RegionResult, meta: dict[str, Any],
                 siting: dict[str, Any] | None) -> dict[str, Any]:
    """A prefecture's entry of ``meta["regions"]``; ``siting`` is its part of the province
    siting (status, its villages' share of the objective, no bound of its own)."""
    own = siting or {"status": meta["solver"]["siting"]["status"], "objective": None,
                     "bound": None, "gap_pct": None, "time_s": None}
    return {"code": result.code, "name": result.name, "villages": result.villages,
            "stores": int(len(result.plan.stores)), "store_share": result.share.stores,
            "trucks": result.share.trucks,
            "budget_yuan": result.share.budget_yuan, "apportioning": result.share.rule,
            "siting_time_limit_s": float(own.get("decomposed_time_limit_s", 0.0)),
            "siting": own,
            "routing_status": meta["solver"]["routing"]["status"],
            "wall_clock_cap": _cap_fired(meta),
            "coverage_pct": meta["kpis"]["coverage_pct"], "time_s": result.time_s,
            "harvest_peak_days": meta["scenario"]["harvest_peak_days"]["value"],
            "crop": meta["scenario"]["crop"]["value"]}


def _cap_fired(meta: dict[str, Any]) -> bool:
    """Whether a wall-clock safety cap (not the deterministic budget) stopped a region's
    routing: it says so in its status. (The siting's cap is the province solve's.)"""
    return "not reproducible" in str(meta["solver"]["routing"]["status"])


def _union(lists: Sequence[Sequence[str]]) -> list[str]:
    return list(dict.fromkeys(x for items in lists for x in items))


def _union_dicts(lists: Sequence[Sequence[dict[str, str]]]) -> list[dict[str, str]]:
    seen: dict[tuple[tuple[str, str], ...], dict[str, str]] = {}
    for items in lists:
        for item in items:
            seen.setdefault(tuple(sorted(item.items())), item)
    return list(seen.values())


def _joined_status(statuses: Any) -> str:
    return ", ".join(sorted({s for status in statuses for s in str(status).split(", ")}))
