"""One Plan from the regional plans: ids prefixed, layers concatenated, KPIs recomputed.

What the siting gap means here: each region reports its CP-SAT objective (final stage of
the lexicographic objective) and a proven bound. Their sums bound the *decomposed*
problem, the one with the regional quotas fixed and borders closed; they are **not** a
bound for the province-wide problem, in which stores, trucks and budget could move between
prefectures and villages could cross borders. The merged ``meta["solver"]["siting"]``
says so (:data:`BOUND_NOTE`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import pandas as pd

from optimize.errors import SpecificationError
from optimize.pipeline.assemble import counties_layer, plan_meta, store_lists
from optimize.pipeline.province.seasons import SeasonPlan
from optimize.pipeline.province.solve import WALL_SAFETY, RegionResult
from optimize.pipeline.region import PROVINCE_CODE
from optimize.plan.io import Plan
from optimize.plan.kpis import compute_kpis
from optimize.scenario import Scenario

DECOMPOSITION_RULE = (
    "Province decomposed by prefecture: stores, trucks and budget apportioned to the 14 "
    "prefecture-level units by share of the 2020 census rural population (largest "
    "remainder; store budget = share of the province budget minus the subsidy of the "
    "region's trucks); each prefecture sited and routed on its own (build_plan, "
    "dask.distributed), CP-SAT siting budget shared by rural village count; then villages "
    "reassigned across prefecture borders to open stores with spare capacity within the "
    "access limit (province-wide approximate network over township points), and the "
    "affected stores routed again."
)
BOUND_NOTE = (
    "objective and bound are the sums of the regional final-stage objectives and proven "
    "bounds: a bound only for the decomposed problem (regional quotas of stores, trucks and "
    "budget fixed, no village served across a prefecture border), not for the province-wide "
    "problem; the border repair after the solves is not reflected in them."
)
BORDER_NOTE = (
    "The province is planned prefecture by prefecture with fixed quotas (see "
    "decomposition); villages cross prefecture borders only through the border "
    "repair, whose times come from one province-wide approximate network."
)


def merge_plans(scenario: Scenario, results: Sequence[RegionResult], *,
                plan_id: str = "plan", seasons: SeasonPlan | None = None) -> Plan:
    """One Plan from regional plans: ids prefixed by region, layers concatenated, KPIs
    recomputed over the whole, each region's figures and the decomposition in ``meta``.

    Store, truck and route ids become ``"{region}-S001"``, ``"{region}-T001"`` and
    ``"{region}-T001-1"``; settlement ids (NBS codes) must already be unique.
    """
    if not results:
        raise SpecificationError(["no regional plans to merge"])
    parts = [_prefixed(r) for r in results]
    settlements = concat([p.settlements for p in parts])
    duplicated = settlements["settlement_id"][settlements["settlement_id"].duplicated()]
    if len(duplicated):
        raise SpecificationError([f"settlement {s!r} is in more than one regional plan"
                                  for s in sorted(set(duplicated))[:10]])
    stores = concat([p.stores for p in parts])
    counties = concat([p.counties for p in parts])
    metas = [p.meta for p in parts]
    meta = plan_meta(
        scenario, plan_id, stores,
        region={"level": "province", "code": PROVINCE_CODE, "name": "甘肃省",
                "bbox": [float(v) for v in counties.total_bounds],
                "prefectures": [r.code for r in results]},
        kpis={}, **_decomposition_sections(scenario, results, metas, seasons),
        routes=[r for m in metas for r in m["routes"]],
        unserved=[u for m in metas for u in m["unserved"]],
        solver=_merged_solver(metas),
        attributions=_union_dicts([m["attributions"] for m in metas]),
        province_totals={"stores": scenario.province_stores,
                         "trucks": scenario.province_trucks,
                         "budget_yuan": scenario.province_budget_yuan},
        truck_budget={"trucks": sum(r.share.trucks for r in results),
                      "store_budget_yuan": sum(r.share.budget_yuan for r in results)},
    )
    plan = Plan(meta, counties, settlements, stores, concat([p.routes for p in parts]))
    return refresh(plan, scenario)


def _decomposition_sections(scenario: Scenario, results: Sequence[RegionResult],
                            metas: list[dict[str, Any]],
                            seasons: SeasonPlan | None) -> dict[str, Any]:
    """The meta sections a decomposition adds or merges: apportioning, decomposition,
    regions, road network, seasons, approximations and assumptions."""
    shares = "; ".join(f"{r.code} {r.name}: {r.share.stores} stores, {r.share.trucks} trucks"
                       for r in results)
    pairs = list(zip(results, metas, strict=True))
    return {
        "apportioning": (f"{len(results)} prefecture(s) of 14; " + DECOMPOSITION_RULE
                         + " Shares: " + shares),
        "decomposition": {"rule": DECOMPOSITION_RULE, "bound_note": BOUND_NOTE,
                          "wall_clock_caps_fired": [r.code for r, m in pairs
                                                    if _cap_fired(m)]},
        "regions": [_region_meta(r, m) for r, m in pairs],
        "road_network": _merged_network(metas),
        "seasons": None if seasons is None else seasons.describe(),
        "approximations": _union([m["approximations"] for m in metas]) + (
            [] if seasons is None else [seasons.routes_note()]) + [BORDER_NOTE],
        "assumptions": _union([scenario.assumptions()] + [m["assumptions"] for m in metas]
                              + ([] if seasons is None else [[seasons.assumptions]])),
    }


def _merged_solver(metas: list[dict[str, Any]]) -> dict[str, Any]:
    """``meta["solver"]``: summed objectives and bounds (see :data:`BOUND_NOTE`)."""
    objective = sum(float(m["solver"]["siting"]["objective"]) for m in metas)
    bound = sum(float(m["solver"]["siting"]["bound"]) for m in metas)
    return {
        "siting": {"status": _joined_status(m["solver"]["siting"]["status"] for m in metas),
                   "objective": objective, "bound": bound,
                   "gap_pct": _gap_pct(objective, bound),
                   "time_s": round(sum(m["solver"]["siting"]["time_s"] for m in metas), 2),
                   "binding": [f"{m['region']['code']}: {b}" for m in metas
                               for b in m["solver"]["siting"]["binding"]],
                   "note": BOUND_NOTE},
        "routing": {"status": _joined_status(m["solver"]["routing"]["status"] for m in metas),
                    "time_s": round(sum(m["solver"]["routing"]["time_s"] for m in metas), 2)}}


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
    region_days = served["settlement_id"].str[:4].map(days).fillna(scenario.harvest_peak_days)
    daily = float((served["supply_t"] / region_days).sum())
    meta["kpis"] = compute_kpis(settle, stores, plan.routes, trucks=trucks,
                                budget_yuan=budget, daily_pickup_t=daily)
    meta.update(store_lists(stores))
    return Plan(meta, counties, settle, stores, plan.routes)


def _prefixed(result: RegionResult) -> Plan:
    """The regional plan with store, truck and route ids prefixed by the region code."""
    plan, code = result.plan, result.code

    def pre(value: Any) -> Any:
        return None if value is None or (isinstance(value, float) and math.isnan(value)) \
            else f"{code}-{value}"

    settle = plan.settlements.copy()
    settle["store_id"] = settle["store_id"].map(pre, na_action="ignore").astype(object)
    settle["store_id"] = settle["store_id"].where(settle["store_id"].notna(), None)
    stores = plan.stores.copy()
    stores["store_id"] = stores["store_id"].map(pre)
    routes = plan.routes.copy()
    for col in ("route_id", "truck_id", "store_id"):
        routes[col] = routes[col].map(pre)
    meta = dict(plan.meta)
    meta["routes"] = [{**r, "route_id": pre(r["route_id"]), "truck_id": pre(r["truck_id"]),
                       "store_id": pre(r["store_id"])} for r in plan.meta["routes"]]
    meta["unserved"] = [{**u, "region": code} for u in plan.meta["unserved"]]
    return Plan(meta, plan.counties, settle, stores, routes)


def concat(frames: list[gpd.GeoDataFrame]) -> gpd.GeoDataFrame:
    """The frames one under the other (EPSG:4326); frames without columns are skipped."""
    frames = [f for f in frames if len(f.columns)]
    if not frames:
        return gpd.GeoDataFrame(geometry=[], crs=4326)
    out = pd.concat(frames, ignore_index=True)
    return gpd.GeoDataFrame(out, geometry="geometry", crs=4326)


def _region_meta(result: RegionResult, meta: dict[str, Any]) -> dict[str, Any]:
    siting = meta["solver"]["siting"]
    return {"code": result.code, "name": result.name, "villages": result.villages,
            "stores": result.share.stores, "trucks": result.share.trucks,
            "budget_yuan": result.share.budget_yuan, "apportioning": result.share.rule,
            "siting_time_limit_s": meta["scenario"]["siting_time_limit_s"]["value"],
            "siting": {k: siting[k] for k in ("status", "objective", "bound", "gap_pct",
                                              "time_s")},
            "routing_status": meta["solver"]["routing"]["status"],
            "wall_clock_cap": _cap_fired(meta),
            "coverage_pct": meta["kpis"]["coverage_pct"], "time_s": result.time_s,
            "harvest_peak_days": meta["scenario"]["harvest_peak_days"]["value"],
            "crop": meta["scenario"]["crop"]["value"]}


def _cap_fired(meta: dict[str, Any]) -> bool:
    """Whether a wall-clock safety cap (not the deterministic budget) stopped a solver:
    routing says so in its status; CP-SAT siting is taken as capped when its wall time
    reached :data:`WALL_SAFETY` times its deterministic budget (the cap of one stage;
    the whole solve reaching it is a conservative sign)."""
    limit = float(meta["scenario"]["siting_time_limit_s"]["value"])
    siting_capped = float(meta["solver"]["siting"]["time_s"]) >= WALL_SAFETY * limit
    return siting_capped or "not reproducible" in str(meta["solver"]["routing"]["status"])


def _merged_network(metas: list[dict[str, Any]]) -> dict[str, Any]:
    nets = [m["road_network"] for m in metas]
    return {"source": _joined_status(n["source"] for n in nets),
            "approximate": any(n["approximate"] for n in nets),
            "nodes": sum(int(n["nodes"]) for n in nets),
            "edges": sum(int(n["edges"]) for n in nets),
            "dropped_nodes": sum(int(n.get("dropped_nodes", 0)) for n in nets),
            "off_network_settlements": sum(int(n.get("off_network_settlements", 0))
                                           for n in nets),
            "snap_m_max": max(float(n.get("snap_m_max", 0.0)) for n in nets),
            "note": f"one network per prefecture ({len(nets)}): " + nets[0]["note"]}


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


def _gap_pct(value: float, bound: float) -> float:
    scale = max(abs(value), abs(bound))
    return 0.0 if scale == 0 else 100.0 * abs(bound - value) / scale
