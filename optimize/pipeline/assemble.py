"""The plan's layers and metadata from the stages' results.

:func:`plan_meta` is the one builder of ``plan.json``'s dict (key order fixed by
:data:`META_KEYS`); the regional pipeline and the province's merge both use it.
:func:`assemble_plan` builds the regional plan's layers and metadata from the stages'
results (every season's trips and trucks from :mod:`optimize.pipeline.season_plan`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

from optimize.costs import DEFAULT_COSTS, costs_mapping, season_cost
from optimize.markets.runs import DEFAULT_RULES, SPLIT_RULE
from optimize.markets.shelf import shelf_life_assumptions
from optimize.markets.travel import travel_assumptions
from optimize.pipeline.fleet_day import SHIFT_START_NOTE
from optimize.pipeline.network import Network
from optimize.pipeline.region import Region, Share
from optimize.pipeline.season_plan import SeasonalRouting, seasons_meta
from optimize.plan.format import SCHEMA
from optimize.plan.io import Plan
from optimize.plan.kpis import compute_kpis
from optimize.scenario import Scenario
from optimize.siting.problem import LocationResult

ENGINE_NAMES = {"cpsat": "CP-SAT, lexicographic stages (optimize.siting.cpsat)",
                "lagrange": "Lagrangian bound + heuristics, weighted sum "
                            "(optimize.siting.lagrange)",
                "median": "Lagrangian bound on nearest lists + fast interchange, "
                          "uncapacitated (optimize.siting.median)"}
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#637939", "#8c6d31", "#843c39",
           "#7b4173", "#3182bd", "#e6550d", "#31a354", "#756bb1", "#636363")
STORE_COLUMNS = ["store_id", "name", "site_settlement_id", "county_code", "county_name",
                 "tier", "capacity_t", "build_cost_yuan", "subsidy_yuan", "load_t",
                 "settlements_served", "trucks", "required_site", "colour", "geometry"]
#: The keys of ``plan.json`` in their order; a plan has the ones it needs.
META_KEYS = ("schema", "plan_id", "name", "created_at", "region", "scenario", "apportioning",
             "decomposition", "regions", "road_network", "seasons", "approximations",
             "assumptions", "kpis", "stores", "trucks_per_depot", "routes", "trucks",
             "markets", "market_flow", "costs", "unserved", "solver", "attributions",
             "province_totals", "truck_budget")
#: Columns of the routes layer of a seasonal plan (one row per trip of any season).
SEASON_ROUTE_COLUMNS = ["route_id", "kind", "season", "truck_id", "base_id", "start_id",
                        "store_id",
                        "market_id", "trip", "stops_count", "load_t", "distance_m",
                        "duration_s", "start_s", "store_arrival_s", "end_s", "max_age_s",
                        "freshness_limit_s", "fuel_l", "co2_kg", "cost_yuan", "colour",
                        "approximate_geometry", "geometry"]
#: ``market_flow`` until market runs are planned (optimize.markets).
NO_MARKET_RUNS = ("market runs not planned: no truck takes stored produce to a market in "
                  "this plan; all of it is left for buyers' own trucks")


# -- plan.json --------------------------------------------------------------------------
def plan_meta(scenario: Scenario, plan_id: str, stores: gpd.GeoDataFrame,
              **sections: Any) -> dict[str, Any]:
    """``plan.json``'s dict: header (schema, id, name, time, scenario), the store lists
    from ``stores``, and ``sections`` (any other :data:`META_KEYS`), in key order."""
    unknown = sorted(set(sections) - set(META_KEYS))
    if unknown:
        raise ValueError(f"not plan.json keys: {unknown}")
    meta = {"schema": SCHEMA, "plan_id": plan_id, "name": scenario.name,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "scenario": scenario.describe(), **store_lists(stores), **sections}
    return {k: meta[k] for k in META_KEYS if k in meta}


def store_lists(stores: gpd.GeoDataFrame) -> dict[str, Any]:
    """``meta["stores"]`` and ``meta["trucks_per_depot"]`` from the stores layer."""
    return {"stores": stores.drop(columns="geometry").to_dict("records"),
            "trucks_per_depot": [{"store_id": s, "trucks": int(t)} for s, t in
                                 zip(stores["store_id"], stores["trucks"], strict=True)]}


def road_meta(graph: nx.MultiDiGraph, net: Network) -> dict[str, Any]:
    """``meta["road_network"]``: source, size, snapping of the region's graph."""
    approx = bool(graph.graph.get("approximate", False))
    off = int(net.off_network.sum())
    note = ("approximate network over township centres: straight lines x detour factor, "
            "speeds by class" if approx else "OpenStreetMap roads, truck speeds by class")
    return {"source": graph.graph.get("source", "unknown"), "approximate": approx,
            "nodes": graph.number_of_nodes(), "edges": graph.number_of_edges(),
            "dropped_nodes": int(graph.graph.get("dropped_nodes", 0)),
            "off_network_settlements": off,
            "snap_m_max": float(np.max(net.settle_snap_m)) if len(net.settle_snap_m) else 0.0,
            "note": note}


def approximations(graph: nx.MultiDiGraph, settle: gpd.GeoDataFrame,
                   scenario: Scenario) -> list[str]:
    """``meta["approximations"]``: every estimate the plan rests on, in words."""
    out = []
    if graph.graph.get("approximate", False):
        out.append(f"Road network is approximate: no OSM extract was loaded; travel times use "
                   f"straight-line distance x {scenario.detour_factor} (detour factor, an "
                   "assumption) at class speeds between township centres.")
    at_township = int((settle["location_method"] == "township_centre").sum())
    if at_township:
        out.append(f"{at_township} villages have no coordinates of their own (NBS code lists); "
                   "they are placed at their township centre, and each trip between a village "
                   "and the centre is the expected distance over the township's area (its "
                   "Voronoi cell, x the detour factor) at village-road speed.")
    at_osm = int((settle["location_method"] == "osm_place").sum())
    if at_osm:
        out.append(f"{at_osm} villages are at their OSM place node, matched by name within "
                   "15 km of their township (geodata.village_points); a namesake match "
                   "cannot be ruled out.")
    if not scenario.supply_file:
        out.append(f"Supply is an estimate: 2020 county rural population x "
                   f"{scenario.stored_produce_kg_per_rural_capita} kg per rural resident, "
                   "spread evenly over each county's villages; no crop production data by "
                   "village.")
    return out


def solver_meta(siting: LocationResult, store_routes: Sequence[Any]) -> dict[str, Any]:
    """``meta["solver"]``: siting status, objective, bound and stages; routing status."""
    s = siting
    statuses = sorted({r.result.status for r in store_routes})
    return {"siting": {"status": s.status, "objective": float(s.objective),
                       "bound": float(s.bound), "gap_pct": float(s.gap_pct),
                       "time_s": round(float(s.time_s), 2), "binding": list(s.binding),
                       "engine": ENGINE_NAMES.get(s.engine, s.engine),
                       "stages": [{"name": r.name, "objective": float(r.objective),
                                   "bound": float(r.bound), "gap_pct": float(r.gap_pct),
                                   "status": r.status} for r in s.stages]},
            "routing": {"status": ", ".join(statuses) if statuses else "no stores",
                        "time_s": round(sum(r.result.time_s for r in store_routes), 2)}}


def osm_attribution(graph: nx.MultiDiGraph) -> list[dict[str, str]]:
    """The OSM attribution when the graph is OSM data."""
    if graph.graph.get("approximate", False):
        return []
    return [{"dataset": f"road network ({graph.graph.get('source', 'OSM')})",
             "attribution": "© OpenStreetMap contributors", "license": "ODbL 1.0"}]


# -- layers -----------------------------------------------------------------------------
def stores_layer(scenario: Scenario, sites: gpd.GeoDataFrame, siting: LocationResult,
                 settlements: gpd.GeoDataFrame, fleet: np.ndarray) -> gpd.GeoDataFrame:
    """One row per open store: site, tier, load, trucks, colour."""
    rows = []
    for n, (j, k) in enumerate(zip(siting.open_sites, siting.site_tier, strict=True)):
        tier = scenario.tiers[int(k)]
        members = siting.assignment == j
        site = sites.iloc[int(j)]
        rows.append({
            "store_id": f"S{n + 1:03d}", "name": site["name"],
            "site_settlement_id": site["village_code"], "county_code": site["county_code"],
            "county_name": site["county_name"], "tier": tier.name,
            "capacity_t": tier.capacity_t, "build_cost_yuan": tier.build_cost_yuan,
            "subsidy_yuan": tier.subsidy_yuan,
            "load_t": round(float(settlements.loc[members, "supply_t"].sum()), 3),
            "settlements_served": int(members.sum()), "trucks": int(fleet[n]),
            "required_site": bool(site["required"]),
            "colour": PALETTE[n % len(PALETTE)], "geometry": site.geometry,
        })
    return gpd.GeoDataFrame(pd.DataFrame(rows, columns=STORE_COLUMNS), geometry="geometry",
                            crs=4326)


def settlements_layer(settlements: gpd.GeoDataFrame, net: Network, siting: LocationResult,
                      stores: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """One row per rural village: its store, access time, placement and why unserved."""
    store_of_site = dict(zip(siting.open_sites.tolist(), stores["store_id"], strict=True))
    arc_time = {(d, s): t for d, s, t in
                net.arcs[["demand", "site", "time_s"]].itertuples(index=False)}
    store_ids, times = [], []
    for i, j in enumerate(siting.assignment):
        store_ids.append(store_of_site.get(int(j)) if j >= 0 else None)
        times.append(arc_time.get((i, int(j))) if j >= 0 else None)
    reasons = [None if r is None else off_network_reason(i, r, net)
               for i, r in enumerate(siting.unserved_reason)]
    return gpd.GeoDataFrame({
        "settlement_id": settlements["village_code"], "name": settlements["village_name"],
        "township_name": settlements["township_name"],
        "county_code": settlements["county_code"], "county_name": settlements["county_name"],
        "poor": settlements["poor"], "supply_t": settlements["supply_t"],
        "store_id": store_ids, "access_time_s": pd.array(times, dtype="Int64"),
        "location_method": settlements["location_method"], "snap_m": net.settle_snap_m.round(1),
        "unserved_reason": reasons,
    }, geometry=list(settlements.geometry), crs=4326)


def off_network_reason(i: int, reason: str, net: Network) -> str:
    """Settlement ``i``'s reason for being unserved, naming its snap distance if off-road."""
    if net.off_network[i]:
        return (f"off the road network: {net.settle_snap_m[i] / 1000:.1f} km from the "
                "nearest road node")
    return reason


def siting_unserved(settle: gpd.GeoDataFrame) -> list[dict[str, Any]]:
    """``meta["unserved"]`` of the siting: villages no open store serves, with the reason
    (the routing's pickups left out follow, per season, from the fleet step)."""
    return [{"settlement_id": r.settlement_id, "name": r.name, "county_code": r.county_code,
             "stage": "siting", "reason": r.unserved_reason}
            for r in settle[settle["unserved_reason"].notna()].itertuples()]


def counties_layer(counties: gpd.GeoDataFrame, settle: gpd.GeoDataFrame,
                   stores: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """County polygons with settlements, supply, coverage, stores and mean access time."""
    served = settle["store_id"].notna()
    grouped = settle.assign(covered=settle["supply_t"].where(served, 0.0),
                            t=settle["access_time_s"].astype("Float64"))
    stats = grouped.groupby("county_code").agg(
        poverty_county=("poor", "any"), settlements=("settlement_id", "count"),
        supply_t=("supply_t", "sum"), covered_t=("covered", "sum"),
        access_time_mean_s=("t", "mean"))
    stats["stores"] = stores.groupby("county_code").size()
    out = counties.merge(stats, left_on="county_code", right_index=True, how="left")
    out["stores"] = out["stores"].fillna(0).astype(int)
    out["settlements"] = out["settlements"].fillna(0).astype(int)
    out["poverty_county"] = out["poverty_county"].fillna(False).astype(bool)
    for col in ("supply_t", "covered_t"):
        out[col] = out[col].fillna(0.0).astype(float).round(3)
    out["coverage_pct"] = np.where(out["supply_t"] > 0,
                                   (100 * out["covered_t"] / out["supply_t"]).round(2), 0.0)
    out["access_time_mean_s"] = out["access_time_mean_s"].astype(float).round(0)
    keep = ["county_code", "county_name", "poverty_county", "settlements", "supply_t",
            "covered_t", "coverage_pct", "stores", "access_time_mean_s", "geometry"]
    return gpd.GeoDataFrame(out[keep], geometry="geometry", crs=4326)


# -- markets and costs ------------------------------------------------------------------
def market_flow_meta(routing: SeasonalRouting) -> dict[str, Any]:
    """``meta["market_flow"]``: the split rule and each season's flow (spec17)."""
    by_season = {}
    for rec, flow in zip(routing.records, routing.flows or [None] * len(routing.records),
                         strict=True):
        if flow is None:
            left = dict(rec.left_by_store)
            by_season[rec.season] = {
                "delivered_t_by_market": {}, "left_for_buyers_t_by_store": left,
                "market_t": 0.0, "left_for_buyers_t": round(sum(left.values()), 3),
                "lent_truck_ids": [], "long_haul_truck_days": 0}
        else:
            by_season[rec.season] = rounded_flow(flow.to_mapping())
    planned = any(f is not None for f in routing.flows)
    return {"split_rule": SPLIT_RULE if planned else NO_MARKET_RUNS, "by_season": by_season}


def rounded_flow(flow: dict[str, Any]) -> dict[str, Any]:
    """A season's flow with tonnes to the gram (the plan's rounding of trip loads)."""
    out = dict(flow)
    for key in ("delivered_t_by_market", "left_for_buyers_t_by_store"):
        out[key] = {k: round(v, 6) for k, v in flow[key].items()}
    out["market_t"] = round(flow["market_t"], 3)
    out["left_for_buyers_t"] = round(flow["left_for_buyers_t"], 3)
    return out


def costs_meta(routing: SeasonalRouting) -> dict[str, Any]:
    """``meta["costs"]``: parameters, each season (its day x its days) and the year."""
    seasons = {s.name: season_cost(day, s.days)
               for s, day in zip(routing.seasons, routing.day_costs, strict=True)}
    return costs_mapping(seasons)


def market_assumptions(routing: SeasonalRouting) -> list[str]:
    """The assumptions of market runs (travel estimates, drivers' rules, shelf lives)
    and of the cost figures, in plain words."""
    out = []
    if routing.markets:
        out += travel_assumptions() + DEFAULT_RULES.assumptions() + shelf_life_assumptions()
    return out + DEFAULT_COSTS.assumptions()


# -- the regional plan ------------------------------------------------------------------
def assemble_plan(scenario: Scenario, region: Region, share: Share, graph: nx.MultiDiGraph,
                  net: Network, sites: gpd.GeoDataFrame, siting: LocationResult,
                  routing: SeasonalRouting, plan_id: str) -> Plan:
    """The regional Plan: layers, KPIs and metadata from the stages' results.

    Routes, trucks and unserved pickups of every season; the headline ``kpis`` are the
    busiest season's (``seasons.routed_season``) and agree with its ``seasons`` KPIs.
    """
    settlements = net.settlements
    fleet = np.array([routing.trucks_at(s) for s in routing.store_ids], dtype=int)
    stores = stores_layer(scenario, sites, siting, settlements, fleet)
    settle = settlements_layer(settlements, net, siting, stores)
    own = {v for days in routing.days for d in days for v in d.self_delivered["settlement_id"]}
    settle.insert(settle.columns.get_loc("unserved_reason"), "self_delivered",
                  settle["settlement_id"].isin(own))
    records = routing.records
    routes = gpd.GeoDataFrame(
        pd.DataFrame([row for r in records for row in r.rows], columns=SEASON_ROUTE_COLUMNS),
        geometry="geometry", crs=4326)
    unserved = siting_unserved(settle) + [u for r in records for u in r.unserved]
    counties = counties_layer(region.counties, settle, stores)
    head = records[routing.headline].kpis if records else {}
    kpis = compute_kpis(settle, stores, routes, trucks=share.trucks,
                        budget_yuan=share.budget_yuan,
                        daily_pickup_t=head.get("daily_truck_needed_t", 0.0),
                        season=routing.headline_name)
    all_days = [d for days in routing.days for d in days]
    meta = plan_meta(
        scenario, plan_id, stores,
        region={"level": "prefecture" if len(region.code) == 4 else "county",
                "code": region.code, "name": region.name,
                "bbox": [float(v) for v in counties.total_bounds]},
        apportioning=share.rule,
        road_network=road_meta(graph, net),
        seasons=seasons_meta(routing, region.code, float(settle["supply_t"].sum())),
        approximations=approximations(graph, settle, scenario),
        assumptions=scenario.assumptions() + [SHIFT_START_NOTE] + market_assumptions(routing),
        kpis=kpis,
        routes=[x for r in records for x in r.routes],
        trucks=[x for r in records for x in r.trucks],
        markets=[m.to_mapping() for m in routing.markets],
        market_flow=market_flow_meta(routing),
        costs=costs_meta(routing),
        unserved=unserved,
        solver=solver_meta(siting, all_days),
        attributions=list(region.attributions) + osm_attribution(graph),
    )
    return Plan(meta, counties, settle, stores, routes)
