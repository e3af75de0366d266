"""build_plan(scenario) -> Plan: the one module that calls both geodata and the solvers.

Steps (each reported to ``progress``):

1. region data: villages (NBS 2023, at their township's point), counties, census, poverty;
2. the region's share of the province's stores, trucks and budget (``optimize.apportion``);
3. supply per village: county rural population x kg per rural resident, spread evenly
   over the county's rural villages (an estimate, labelled so);
4. candidate sites: one slot per township (more when stores outnumber townships);
5. road graph: an OSM extract, or the approximate network over township points;
6. sparse travel-time matrix villages x sites within the access limit;
7. siting (``optimize.location``), fleet allocation (``optimize.fleet``),
   per-store routing (``optimize.routing``);
8. the Plan with KPIs, provenance and every approximation named.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
from shapely.geometry import LineString

from geodata import boundaries, datasets, places
from geodata.errors import DataError
from geodata.legs import township_areas_m2, village_leg_m
from geodata.matrix import CsrGraph, graph_to_csr, travel_time_matrix
from geodata.roads import approximate_graph, road_graph_from_osm, route_geometry
from geodata.sites import read_sites_table
from geodata.snap import snap_points
from geodata.speeds import CLASS_SPEED_KPH
from geodata.supply import read_supply_table
from geodata.village_points import place_villages, read_osm_places
from optimize.apportion import largest_remainder, proportional_share
from optimize.errors import SpecificationError
from optimize.fleet import allocate_trucks
from optimize.location import LocationProblem, LocationResult, StoreTier, solve_location
from optimize.plan import SCHEMA, Plan, compute_kpis
from optimize.routing import RoutingProblem, RoutingResult, solve_routing
from optimize.scenario import Scenario

Progress = Callable[[str, float], None]
ENGINE_NAMES = {"cpsat": "CP-SAT, lexicographic stages (optimize.location)",
                "lagrange": "Lagrangian bound + heuristics, weighted sum "
                            "(optimize.location_lagrange)"}
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#637939", "#8c6d31", "#843c39",
           "#7b4173", "#3182bd", "#e6550d", "#31a354", "#756bb1", "#636363")


@dataclass(frozen=True)
class Share:
    """The region's numbers and how they were reached."""

    stores: int
    trucks: int
    budget_yuan: float
    rule: str


def build_plan(
    scenario: Scenario,
    *,
    data_dir: str | Path | None = None,
    osm_path: str | Path | None = None,
    plan_id: str = "plan",
    progress: Progress | None = None,
    villages_hook: Callable[[gpd.GeoDataFrame], gpd.GeoDataFrame] | None = None,
) -> Plan:
    """Run the whole pipeline for one scenario and return the finished plan.

    ``villages_hook`` (benchmarks, e.g. synthetic villages) replaces the region's village
    table by its result before anything else uses it; without it nothing changes.
    """
    if len(scenario.region_code) == 2:
        raise SpecificationError([f"region_code {scenario.region_code!r} is the whole "
                                  "province: it is planned by prefecture with "
                                  "optimize.province.plan_province (`coldchain plan`)"])
    report = progress or (lambda stage, fraction: None)
    root = datasets.data_dir(data_dir)
    report("loading reference data", 0.02)
    region = _load_region(scenario, root)
    if villages_hook is not None:
        region["villages"] = villages_hook(region["villages"])
    share = regional_share(scenario, region["census"])
    villages = region["villages"]
    if osm_path is not None:
        villages = place_villages(villages, read_osm_places(osm_path))
    settlements = _with_legs(_with_supply(villages, region["census"], scenario),
                             region, scenario)
    required, excluded = _site_rules(settlements, scenario)
    sites = candidate_sites(settlements, share.stores, required=required, excluded=excluded)
    report("building the road network", 0.10)
    graph = _road_graph(scenario, region, osm_path)
    report("snapping and travel-time matrix", 0.20)
    net = _network_frames(graph, settlements, sites, scenario)
    report("siting cold stores (OR-Tools CP-SAT)", 0.30)
    siting = _site(scenario, net, sites, share)
    report("allocating trucks and routing (OR-Tools)", 0.55)
    routing = _route_all(scenario, graph, net, sites, siting, share.trucks, report)
    report("assembling the plan", 0.97)
    plan = _assemble(scenario, region, share, graph, net, sites, siting, routing, plan_id)
    report("done", 1.0)
    return plan


# -- 1. region --------------------------------------------------------------------------
def _load_region(scenario: Scenario, root: Path) -> dict[str, Any]:
    code = scenario.region_code
    villages = places.load_villages(root, code)
    if villages.empty:
        raise DataError("no villages in this region", item=code)
    counties = boundaries.load_counties(root)
    counties = counties[counties["county_code"].str.startswith(code)].copy()
    census = datasets.load_census(root)
    return {
        "code": code,
        "name": _region_name(census, code),
        "villages": villages,
        "counties": counties,
        "census": census,
        "townships": places.load_townships(root),
        "seats": places.county_seats(root, code),
        "polygon": boundaries.region_polygon(root, code),
        "attributions": datasets.attributions(root),
    }


def _region_name(census: pd.DataFrame, code: str) -> str:
    match = census.loc[census["adcode"] == code.ljust(6, "0"), "name"]
    return str(match.iloc[0]) if len(match) else code


# -- 2. apportioning --------------------------------------------------------------------
def regional_share(scenario: Scenario, census: pd.DataFrame) -> Share:
    """Stores, trucks and store budget of the region (overrides win over the rule).

    Rule: the region's share of the province's 2020 rural population among all units of
    its level (prefecture-level units, or county-level units), largest remainder.
    """
    code = scenario.region_code
    weights = _rural_weights(census, len(code))
    key = code.ljust(6, "0") if len(code) == 4 else code
    if key not in weights:
        raise DataError("region has no 2020 census row", item=code)
    stores = largest_remainder(weights, scenario.province_stores)[key]
    trucks = largest_remainder(weights, scenario.province_trucks)[key]
    stores = scenario.stores if scenario.stores is not None else stores
    trucks = scenario.trucks if scenario.trucks is not None else trucks
    budget = proportional_share(weights, key, scenario.province_budget_yuan) \
        - trucks * scenario.truck_subsidy_yuan
    budget = scenario.budget_yuan if scenario.budget_yuan is not None else max(budget, 0.0)
    pct = 100 * weights[key] / sum(weights.values())
    rule = (f"{pct:.2f} % of Gansu's 2020 rural population (largest remainder over "
            f"{len(weights)} units): {scenario.province_stores} stores -> {stores}, "
            f"{scenario.province_trucks} trucks -> {trucks}; store budget = share of "
            f"{scenario.province_budget_yuan:,.0f} yuan minus {trucks} truck subsidies")
    return Share(stores, trucks, budget, rule)


def _rural_weights(census: pd.DataFrame, code_len: int) -> dict[str, float]:
    if code_len == 4:
        rows = census[census["level"].isin(["prefecture", "prefecture_and_county"])]
    else:
        rows = census[census["level"].isin(["county", "prefecture_and_county"])]
    return {str(a): float(p) for a, p in zip(rows["adcode"], rows["pop_rural"], strict=True)}


# -- 3. supply --------------------------------------------------------------------------
def _with_supply(villages: gpd.GeoDataFrame, census: pd.DataFrame,
                 scenario: Scenario) -> gpd.GeoDataFrame:
    """Rural villages with ``supply_t``: the user's table, else the census estimate."""
    rural = villages[villages["is_village"].astype(bool)].copy()
    if scenario.supply_file:
        rural["supply_t"] = _supply_from_file(rural, scenario.supply_file)
    else:
        rural["supply_t"] = _estimated_supply(rural, census, scenario)
    rural["poor"] = rural["poverty_county"].astype(bool)
    rural["weight"] = np.where(rural["poor"], scenario.poverty_weight, 1.0)
    return rural.sort_values("village_code").reset_index(drop=True)


def _estimated_supply(rural: gpd.GeoDataFrame, census: pd.DataFrame,
                      scenario: Scenario) -> pd.Series:
    """County rural population x kg per rural resident, spread evenly over its villages."""
    rural_pop = census.set_index("adcode")["pop_rural"]
    missing = sorted(set(rural["county_code"]) - set(rural_pop.index))
    if missing:
        raise DataError("county has villages but no 2020 census row", item=missing)
    per_county = rural.groupby("county_code")["village_code"].transform("count")
    kg = rural["county_code"].map(rural_pop).astype(float) * \
        scenario.stored_produce_kg_per_rural_capita
    return (kg / 1000.0 / per_county).round(3)


def _supply_from_file(rural: gpd.GeoDataFrame, path: str) -> pd.Series:
    """Supply per village from the user's table; villages it does not list have none."""
    table = read_supply_table(path)
    unknown = sorted(set(table["settlement_id"]) - set(rural["village_code"]))
    if unknown:
        raise DataError(f"{len(unknown)} settlement_id(s) are not rural villages of this "
                        f"region, e.g. {unknown[:5]}", path=path)
    return rural["village_code"].map(table.set_index("settlement_id")["supply_t"]) \
        .fillna(0.0).astype(float)


def _with_legs(settlements: gpd.GeoDataFrame, region: dict[str, Any],
               scenario: Scenario) -> gpd.GeoDataFrame:
    """Add ``leg_m`` / ``leg_s``: expected road from the village to its township centre
    (0 for a village placed at its own point, which snaps to the road network itself).

    See ``geodata.legs``; the leg is driven at the village-road (unclassified) speed.
    """
    towns = region["townships"]
    towns = towns[towns["township_code"].str.startswith(region["code"])]
    legs = village_leg_m(township_areas_m2(towns, region["polygon"]), scenario.detour_factor)
    out = settlements.copy()
    out["leg_m"] = out["township_code"].map(legs).fillna(0.0).round(0)
    out.loc[out["location_method"] == "osm_place", "leg_m"] = 0.0  # at its own point
    out["leg_s"] = (out["leg_m"] / (CLASS_SPEED_KPH["unclassified"] / 3.6)).round(0)
    return out


# -- 4. candidate sites -----------------------------------------------------------------
def _site_rules(settlements: gpd.GeoDataFrame,
                scenario: Scenario) -> tuple[frozenset[str], frozenset[str]]:
    """Required and excluded villages from the scenario's site table (empty without one)."""
    if not scenario.sites_file:
        return frozenset(), frozenset()
    table = read_sites_table(scenario.sites_file)
    unknown = sorted(set(table["settlement_id"]) - set(settlements["village_code"]))
    if unknown:
        raise DataError(f"{len(unknown)} settlement_id(s) are not rural villages of this "
                        f"region, e.g. {unknown[:5]}", path=scenario.sites_file)
    status = table.groupby("status")["settlement_id"].agg(frozenset)
    return status.get("required", frozenset()), status.get("excluded", frozenset())


def candidate_sites(settlements: gpd.GeoDataFrame, n_stores: int, *,
                    required: frozenset[str] = frozenset(),
                    excluded: frozenset[str] = frozenset()) -> gpd.GeoDataFrame:
    """Candidate store sites: the first ``slots`` allowed rural villages of every township,
    plus every required village.

    Villages have no points of their own (they sit at their township centre), so one
    candidate per township is enough unless the region needs more stores than it has
    townships; then ``slots = ceil(stores / townships)`` villages per township may host one.
    Excluded villages are never candidates; required ones always are.
    """
    townships = settlements["township_code"].nunique()
    slots = max(1, math.ceil(n_stores / max(townships, 1)))
    allowed = settlements[~settlements["village_code"].isin(excluded)]
    sites = allowed.groupby("township_code", sort=True).head(slots)
    extra = settlements[settlements["village_code"].isin(required)
                        & ~settlements["village_code"].isin(sites["village_code"])]
    sites = pd.concat([sites, extra]).sort_values("village_code").copy()
    sites["site_id"] = sites["village_code"]
    sites["name"] = sites["township_name"] + " · " + sites["village_name"]
    sites["required"] = sites["village_code"].isin(required)
    return sites.reset_index(drop=True)


# -- 5. road graph ----------------------------------------------------------------------
def _road_graph(scenario: Scenario, region: dict[str, Any],
                osm_path: str | Path | None) -> nx.MultiDiGraph:
    if osm_path is not None:
        # Unsimplified: every OSM vertex stays a node, so villages snap to the road itself
        # rather than to the nearest junction, which on rural roads can be kilometres off.
        return road_graph_from_osm(osm_path, clip_polygon=region["polygon"], simplify=False)
    towns = region["villages"].drop_duplicates("township_code")
    seat_keys = {(round(p.x, 6), round(p.y, 6)) for p in region["seats"].geometry}
    points = gpd.GeoDataFrame({
        "node_id": towns["township_code"].to_numpy(),
        "kind": ["county_seat" if (round(p.x, 6), round(p.y, 6)) in seat_keys else "township"
                 for p in towns.geometry],
    }, geometry=list(towns.geometry), crs=4326)
    return approximate_graph(points, detour_factor=scenario.detour_factor)


# -- 6. snapping and matrix -------------------------------------------------------------
@dataclass(frozen=True)
class Network:
    """Settlements and sites on the graph, and the sparse access arcs between them."""

    settlements: gpd.GeoDataFrame
    csr: CsrGraph  # the road graph exported once, reused by every matrix of the plan
    settle_node: np.ndarray
    settle_snap_m: np.ndarray
    off_network: np.ndarray
    site_node: np.ndarray
    arcs: pd.DataFrame  # demand, site, time_s, distance_m


def _network_frames(graph: nx.MultiDiGraph, settlements: gpd.GeoDataFrame,
                    sites: gpd.GeoDataFrame, scenario: Scenario) -> Network:
    s_snap = snap_points(graph, settlements.geometry.x.to_numpy(),
                         settlements.geometry.y.to_numpy(), max_snap_m=scenario.max_snap_m)
    c_snap = snap_points(graph, sites.geometry.x.to_numpy(), sites.geometry.y.to_numpy(),
                         max_snap_m=scenario.max_snap_m)
    csr = graph_to_csr(graph)
    src = pd.unique(s_snap.node[~s_snap.off_network])
    dst = pd.unique(c_snap.node[~c_snap.off_network])
    arcs = pd.DataFrame(columns=["demand", "site", "time_s", "distance_m"], dtype="int64")
    if len(src) and len(dst):
        m = travel_time_matrix(csr, list(src), list(dst), cutoff_s=scenario.access_limit_s)
        pairs = pd.DataFrame({"src": np.asarray(src, dtype=object)[m.source_idx],
                              "dst": np.asarray(dst, dtype=object)[m.target_idx],
                              "time_s": m.time_s, "distance_m": m.distance_m})
        demand = pd.DataFrame({"demand": np.flatnonzero(~s_snap.off_network),
                               "src": s_snap.node[~s_snap.off_network]})
        site = pd.DataFrame({"site": np.flatnonzero(~c_snap.off_network),
                             "dst": c_snap.node[~c_snap.off_network]})
        arcs = demand.merge(pairs, on="src").merge(site, on="dst")
        arcs = _add_legs(arcs, settlements, sites)
        arcs = arcs[arcs["time_s"] <= scenario.access_limit_s]
        arcs = arcs[["demand", "site", "time_s", "distance_m"]].sort_values(["demand", "site"])
    return Network(settlements, csr, s_snap.node, s_snap.snap_m, s_snap.off_network, c_snap.node,
                   arcs.reset_index(drop=True))


def _add_legs(arcs: pd.DataFrame, settlements: gpd.GeoDataFrame,
              sites: gpd.GeoDataFrame) -> pd.DataFrame:
    """Village -> township centre -> ... -> site village: both legs, none if same village."""
    row_of = pd.Series(np.arange(len(settlements)), index=settlements["village_code"])
    site_row = row_of.reindex(sites["village_code"]).to_numpy()[arcs["site"].to_numpy()]
    same = site_row == arcs["demand"].to_numpy()
    for col, leg in (("time_s", "leg_s"), ("distance_m", "leg_m")):
        legs = settlements[leg].to_numpy()
        extra = legs[arcs["demand"].to_numpy()] + legs[site_row]
        arcs[col] = np.where(same, 0, arcs[col].to_numpy() + extra).astype(np.int64)
    return arcs


# -- 7a. siting -------------------------------------------------------------------------
def _site(scenario: Scenario, net: Network, sites: gpd.GeoDataFrame,
          share: Share) -> LocationResult:
    settle_index = {c: i for i, c in enumerate(net.settlements["village_code"])}
    site_demand = np.array([settle_index.get(c, -1) for c in sites["village_code"]])
    problem = LocationProblem(
        supply_t=net.settlements["supply_t"].to_numpy(dtype=float),
        weight=net.settlements["weight"].to_numpy(dtype=float),
        arc_demand=net.arcs["demand"].to_numpy(dtype=np.int64),
        arc_site=net.arcs["site"].to_numpy(dtype=np.int64),
        arc_time_s=net.arcs["time_s"].to_numpy(dtype=np.int64),
        n_sites=len(sites),
        tiers=tuple(StoreTier(t.name, t.capacity_t, t.build_cost_yuan, t.subsidy_yuan)
                    for t in scenario.tiers),
        n_stores=min(share.stores, len(sites)),
        required_sites=tuple(int(i) for i in np.flatnonzero(sites["required"])),
        budget_yuan=share.budget_yuan,
        site_demand=site_demand,
        objective=scenario.objective,
        engine=scenario.siting_engine,
        time_limit_s=scenario.siting_time_limit_s,
        seed=scenario.seed,
        **county_quotas(scenario, net.settlements, sites),
    )
    return solve_location(problem)


def county_quotas(scenario: Scenario, settlements: pd.DataFrame,
                  sites: pd.DataFrame) -> dict[str, Any]:
    """Site groups and limits for ``LocationProblem`` from the scenario's county quotas.

    Every county of the region is a group when any quota is set: its minimum is the larger
    of ``county_min_stores`` and its ``[county_stores]`` minimum; its maximum comes from
    the table. A code in the table that is not a county of the region is an error.
    """
    if not scenario.county_min_stores and not scenario.county_stores:
        return {}
    names = settlements.drop_duplicates("county_code").set_index("county_code")["county_name"]
    codes = sorted(names.index)
    table = {code: (low, high) for code, low, high in scenario.county_stores}
    unknown = sorted(set(table) - set(codes))
    if unknown:
        raise SpecificationError([f"county_stores {code!r}: not a county of region "
                                  f"{scenario.region_code}" for code in unknown])
    position = {code: g for g, code in enumerate(codes)}
    return {
        "site_group": sites["county_code"].map(position).to_numpy(dtype=np.int64),
        "group_names": tuple(f"{names[c]} {c}" for c in codes),
        "group_min": tuple(max(scenario.county_min_stores, table.get(c, (0, None))[0])
                           for c in codes),
        "group_max": tuple(table.get(c, (0, None))[1] for c in codes),
    }


# -- 7b. fleet and routes ---------------------------------------------------------------
@dataclass(frozen=True)
class StoreRoutes:
    """One store's routing input and result."""

    site: int
    pickups: pd.DataFrame  # settlement, pickup_t, node
    result: RoutingResult
    geometries: tuple[LineString, ...]


def _route_all(scenario: Scenario, graph: nx.MultiDiGraph, net: Network,
               sites: gpd.GeoDataFrame, siting: LocationResult, trucks: int,
               report: Progress) -> tuple[np.ndarray, list[StoreRoutes]]:
    daily = net.settlements["supply_t"].to_numpy() / scenario.harvest_peak_days
    load = np.array([daily[siting.assignment == j].sum() for j in siting.open_sites])
    fleet = allocate_trucks(load, trucks, scenario.truck_capacity_t, scenario.trips_per_truck)
    row_of = pd.Series(np.arange(len(net.settlements)), index=net.settlements["village_code"])
    site_rows = row_of.reindex(sites["village_code"]).to_numpy()
    out = []
    for n, (j, k) in enumerate(zip(siting.open_sites, fleet, strict=True)):
        report(f"routing store {n + 1} of {len(fleet)}", 0.55 + 0.4 * n / max(len(fleet), 1))
        members = np.flatnonzero(siting.assignment == j)
        out.append(_route_store(scenario, graph, net, int(j), int(site_rows[j]), members,
                                daily, int(k)))
    return fleet, out


def _route_store(scenario: Scenario, graph: nx.MultiDiGraph, net: Network, site: int,
                 site_row: int, members: np.ndarray, daily_t: np.ndarray,
                 trucks: int) -> StoreRoutes:
    pickups = _split_pickups(members, daily_t, scenario.truck_capacity_t, net)
    depot = net.site_node[site]
    time_s, distance_m = _stop_matrices(net, site_row, pickups)
    problem = RoutingProblem(
        time_s=time_s,
        distance_m=distance_m,
        pickup_t=pickups["pickup_t"].to_numpy(dtype=float),
        service_s=np.full(len(pickups), scenario.service_s, dtype=np.int64),
        n_trucks=trucks,
        trips_per_truck=scenario.trips_per_truck,
        truck_capacity_t=scenario.truck_capacity_t,
        shift_s=scenario.shift_s,
        freshness_limit_s=scenario.freshness_s,
        unload_s=scenario.unload_s,
        time_limit_s=scenario.routing_time_limit_s,
        seed=scenario.seed,
    )
    result = solve_routing(problem)
    geoms = tuple(route_geometry(graph, [depot, *pickups["node"].iloc[list(t.stops)], depot])
                  for t in result.trips)
    return StoreRoutes(site, pickups, result, geoms)


def _stop_matrices(net: Network, site_row: int,
                   pickups: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Time and distance between the store (row 0) and pickups, village legs included."""
    rows = np.array([site_row, *pickups["settlement"]], dtype=np.int64)
    nodes = list(net.settle_node[rows])
    uniq = list(pd.unique(np.asarray(nodes, dtype=object)))
    m = travel_time_matrix(net.csr, uniq, uniq)
    pos = [uniq.index(v) for v in nodes]
    same = rows[:, None] == rows[None, :]
    out = []
    for dense, leg in ((m.dense_time_s(), "leg_s"), (m.dense_distance_m(), "leg_m")):
        legs = net.settlements[leg].to_numpy()[rows]
        full = dense[np.ix_(pos, pos)] + legs[:, None] + legs[None, :]
        out.append(np.where(same, 0, full).astype(np.int64))
    return out[0], out[1]


def _split_pickups(members: np.ndarray, daily_t: np.ndarray, capacity_t: float,
                   net: Network) -> pd.DataFrame:
    """One pickup per village and day, split into truckloads when it exceeds a truck."""
    rows = []
    for i in members:
        if daily_t[i] <= 0:
            continue
        loads = math.ceil(daily_t[i] / capacity_t - 1e-9)
        for part in range(loads):
            rows.append((int(i), min(capacity_t, daily_t[i] - part * capacity_t),
                         net.settle_node[i]))
    return pd.DataFrame(rows, columns=["settlement", "pickup_t", "node"])


# -- 8. assembly ------------------------------------------------------------------------
def _assemble(scenario: Scenario, region: dict[str, Any], share: Share,
              graph: nx.MultiDiGraph, net: Network, sites: gpd.GeoDataFrame,
              siting: LocationResult, routing: tuple[np.ndarray, list[StoreRoutes]],
              plan_id: str) -> Plan:
    settlements = net.settlements
    fleet, store_routes = routing
    stores = _stores_layer(scenario, sites, siting, settlements, fleet)
    settle = _settlements_layer(settlements, net, siting, stores)
    routes, route_meta = _routes_layer(store_routes, sites, settlements, graph,
                                       scenario.freshness_s)
    unserved = _unserved(settle, store_routes, settlements)
    counties = _counties_layer(region["counties"], settle, stores)
    daily_total = float(settle.loc[settle["store_id"].notna(), "supply_t"].sum()) \
        / scenario.harvest_peak_days
    kpis = compute_kpis(settle, stores, routes, trucks=share.trucks,
                        budget_yuan=share.budget_yuan, daily_pickup_t=daily_total)
    meta = {
        "schema": SCHEMA,
        "plan_id": plan_id,
        "name": scenario.name,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "region": {"level": "prefecture" if len(region["code"]) == 4 else "county",
                   "code": region["code"], "name": region["name"],
                   "bbox": [float(v) for v in counties.total_bounds]},
        "scenario": scenario.describe(),
        "apportioning": share.rule,
        "road_network": _road_meta(graph, net),
        "approximations": _approximations(graph, settle, scenario),
        "assumptions": scenario.assumptions(),
        "kpis": kpis,
        "stores": stores.drop(columns="geometry").to_dict("records"),
        "trucks_per_depot": [{"store_id": s, "trucks": int(t)}
                             for s, t in zip(stores["store_id"], stores["trucks"], strict=True)],
        "routes": route_meta,
        "unserved": unserved,
        "solver": {"siting": _siting_meta(siting),
                   "routing": {"status": _routing_status(store_routes),
                               "time_s": round(sum(r.result.time_s for r in store_routes), 2)}},
        "attributions": list(region["attributions"]) + _osm_attribution(graph),
    }
    return Plan(meta, counties, settle, stores, routes)


def _stores_layer(scenario: Scenario, sites: gpd.GeoDataFrame, siting: LocationResult,
                  settlements: gpd.GeoDataFrame, fleet: np.ndarray) -> gpd.GeoDataFrame:
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
    cols = ["store_id", "name", "site_settlement_id", "county_code", "county_name", "tier",
            "capacity_t", "build_cost_yuan", "subsidy_yuan", "load_t", "settlements_served",
            "trucks", "required_site", "colour", "geometry"]
    return gpd.GeoDataFrame(pd.DataFrame(rows, columns=cols), geometry="geometry", crs=4326)


def _settlements_layer(settlements: gpd.GeoDataFrame, net: Network, siting: LocationResult,
                       stores: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    store_of_site = dict(zip(siting.open_sites.tolist(), stores["store_id"], strict=True))
    arc_time = {(d, s): t for d, s, t in
                net.arcs[["demand", "site", "time_s"]].itertuples(index=False)}
    store_ids, times = [], []
    for i, j in enumerate(siting.assignment):
        store_ids.append(store_of_site.get(int(j)) if j >= 0 else None)
        times.append(arc_time.get((i, int(j))) if j >= 0 else None)
    reasons = [None if r is None else _off_network_reason(i, r, net)
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


def _off_network_reason(i: int, reason: str, net: Network) -> str:
    if net.off_network[i]:
        return (f"off the road network: {net.settle_snap_m[i] / 1000:.1f} km from the "
                "nearest road node")
    return reason


def _routes_layer(store_routes: list[StoreRoutes], sites: gpd.GeoDataFrame,
                  settlements: gpd.GeoDataFrame, graph: nx.MultiDiGraph,
                  freshness_s: int) -> tuple[gpd.GeoDataFrame, list[dict[str, Any]]]:
    rows, meta = [], []
    truck_no = 0
    store_ids = {r.site: f"S{n + 1:03d}" for n, r in enumerate(store_routes)}
    for r in store_routes:
        trucks = {t.truck for t in r.result.trips}
        numbering = {t: truck_no + n + 1 for n, t in enumerate(sorted(trucks))}
        truck_no += len(trucks)
        for trip, geom in zip(r.result.trips, r.geometries, strict=True):
            truck_id = f"T{numbering[trip.truck]:03d}"
            row = {
                "route_id": f"{truck_id}-{trip.trip + 1}", "truck_id": truck_id,
                "store_id": store_ids[r.site], "trip": trip.trip + 1,
                "stops_count": len(trip.stops),
                "load_t": round(float(r.pickups["pickup_t"].iloc[list(trip.stops)].sum()), 3),
                "distance_m": int(trip.distance_m), "duration_s": int(trip.end_s - trip.start_s),
                "start_s": int(trip.start_s), "store_arrival_s": int(trip.store_arrival_s),
                "end_s": int(trip.end_s), "max_age_s": int(trip.max_age_s),
                "colour": PALETTE[numbering[trip.truck] % len(PALETTE)],
                "approximate_geometry": bool(graph.graph.get("approximate", False)),
            }
            rows.append({**row, "geometry": geom})
            meta.append({**row, "stops": _stops(trip, r.pickups, settlements),
                         "freshness_limit_s": freshness_s})
    cols = ["route_id", "truck_id", "store_id", "trip", "stops_count", "load_t", "distance_m",
            "duration_s", "start_s", "store_arrival_s", "end_s", "max_age_s", "colour",
            "approximate_geometry", "geometry"]
    frame = gpd.GeoDataFrame(pd.DataFrame(rows, columns=cols), geometry="geometry", crs=4326)
    return frame, meta


def _stops(trip: Any, pickups: pd.DataFrame, settlements: gpd.GeoDataFrame) -> list[dict]:
    out = []
    for stop, arrival, load in zip(trip.stops, trip.arrival_s, trip.load_after_t, strict=True):
        i = int(pickups["settlement"].iloc[stop])
        out.append({"settlement_id": settlements["village_code"].iloc[i],
                    "name": settlements["village_name"].iloc[i], "arrival_s": int(arrival),
                    "pickup_t": round(float(pickups["pickup_t"].iloc[stop]), 3),
                    "load_after_t": round(float(load), 3)})
    return out


def _unserved(settle: gpd.GeoDataFrame, store_routes: list[StoreRoutes],
              settlements: gpd.GeoDataFrame) -> list[dict[str, Any]]:
    out = [{"settlement_id": r.settlement_id, "name": r.name, "county_code": r.county_code,
            "stage": "siting", "reason": r.unserved_reason}
           for r in settle[settle["unserved_reason"].notna()].itertuples()]
    for r in store_routes:
        for pickup, reason in r.result.unserved:
            i = int(r.pickups["settlement"].iloc[pickup])
            out.append({"settlement_id": settlements["village_code"].iloc[i],
                        "name": settlements["village_name"].iloc[i],
                        "county_code": settlements["county_code"].iloc[i],
                        "stage": "routing", "reason": reason})
    return out


def _counties_layer(counties: gpd.GeoDataFrame, settle: gpd.GeoDataFrame,
                    stores: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
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


def _road_meta(graph: nx.MultiDiGraph, net: Network) -> dict[str, Any]:
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


def _approximations(graph: nx.MultiDiGraph, settle: gpd.GeoDataFrame,
                    scenario: Scenario) -> list[str]:
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


def _siting_meta(s: LocationResult) -> dict[str, Any]:
    return {"status": s.status, "objective": float(s.objective), "bound": float(s.bound),
            "gap_pct": float(s.gap_pct), "time_s": round(float(s.time_s), 2),
            "binding": list(s.binding), "engine": ENGINE_NAMES.get(s.engine, s.engine),
            "stages": [{"name": r.name, "objective": float(r.objective),
                        "bound": float(r.bound), "gap_pct": float(r.gap_pct),
                        "status": r.status} for r in s.stages]}


def _routing_status(store_routes: list[StoreRoutes]) -> str:
    statuses = sorted({r.result.status for r in store_routes})
    return ", ".join(statuses) if statuses else "no stores"


def _osm_attribution(graph: nx.MultiDiGraph) -> list[dict[str, str]]:
    if graph.graph.get("approximate", False):
        return []
    return [{"dataset": f"road network ({graph.graph.get('source', 'OSM')})",
             "attribution": "© OpenStreetMap contributors", "license": "ODbL 1.0"}]
