"""Repair across prefecture borders after the regional solves.

A decomposition cannot let a village use a store across its prefecture's border. After
the merge, :func:`reassign_across_borders` offers every village that is unserved, or much
farther from its store than from an open store in a *neighbouring* prefecture, to that
store if it has spare capacity and is within the access limit (times on the
:class:`~optimize.pipeline.province.network.ProvinceNetwork`). Stores that lose or gain
villages are routed again on that network (:func:`optimize.pipeline.routing.route_store`).
No store is opened or resized, so the budget and store count hold.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from optimize.pipeline.assemble import routes_frame, routing_unserved, trip_records
from optimize.pipeline.province.merge import concat, refresh
from optimize.pipeline.province.network import ProvinceNetwork, cross_times
from optimize.pipeline.routing import Depot, route_store, split_pickups
from optimize.plan.io import Plan
from optimize.plan.model import BorderMove
from optimize.scenario import Scenario

#: A served village moves across a border only if that saves at least this much time.
MIN_SAVING_S = 600


def reassign_across_borders(settlements: pd.DataFrame, stores: pd.DataFrame,
                            times: pd.DataFrame, *, limit_s: int,
                            min_saving_s: int = MIN_SAVING_S) -> list[BorderMove]:
    """Villages to move to an open store of another prefecture (greedy, deterministic).

    A village qualifies if it has supply and is either unserved at the siting stage (not
    off the network) or served by a store at least ``min_saving_s`` farther than some
    open store of *another* prefecture (the first four digits of ``county_code``). The
    target must be within ``limit_s`` (``times``: settlement_id, store_id, time_s) and
    have spare capacity (capacity_t - load_t) for the village's whole supply. Unserved
    villages go first (largest supply first), then served ones by largest saving; each
    takes the nearest qualifying store, and loads are updated as villages move. A served
    village's current time is its time on the same network when known, else its plan's
    ``access_time_s``.
    """
    if times.empty or settlements.empty or stores.empty:
        return []
    region_of_store = dict(zip(stores["store_id"], stores["county_code"].str[:4], strict=True))
    spare = dict(zip(stores["store_id"], (stores["capacity_t"] - stores["load_t"]).astype(float),
                     strict=True))
    by_village = {sid: grp for sid, grp in times.groupby("settlement_id", sort=True)}
    now_time = {(s, t): int(v) for s, t, v in times.itertuples(index=False)}
    candidates = []
    for row in settlements.itertuples(index=False):
        sid, supply = row.settlement_id, float(row.supply_t)
        if supply <= 0 or sid not in by_village:
            continue
        current = row.store_id if isinstance(row.store_id, str) else None
        if current is None and (not isinstance(row.unserved_reason, str)
                                or row.unserved_reason.startswith("off the road network")):
            continue  # unserved at routing, not at siting; or not on the network
        region = str(row.county_code)[:4]
        options = by_village[sid]
        options = options[options["store_id"].map(region_of_store) != region]
        options = options.sort_values(["time_s", "store_id"])
        if options.empty:
            continue
        if current is None:
            before = None
        else:
            before = now_time.get((sid, current))
            if before is None:
                before = int(row.access_time_s) if not pd.isna(row.access_time_s) else None
            if before is None or int(options["time_s"].min()) > before - min_saving_s:
                continue
        candidates.append((current is not None, -supply if current is None
                           else int(options["time_s"].min()) - (before or 0),
                           sid, current, before, supply, options))
    moves = []
    for _, _, sid, current, before, supply, options in sorted(candidates, key=lambda c: c[:3]):
        for store, t in zip(options["store_id"], options["time_s"], strict=True):
            if before is not None and t > before - min_saving_s:
                break
            if spare.get(store, 0.0) + 1e-9 >= supply:
                spare[store] -= supply
                if current is not None:
                    spare[current] += supply
                moves.append(BorderMove(sid, current, str(store), before, int(t), supply))
                break
    return moves


def repair_borders(plan: Plan, scenario: Scenario, net: ProvinceNetwork) -> Plan:
    """Apply :func:`reassign_across_borders` to a merged plan and route the stores that
    lost or gained villages again on the province network; the result is in
    ``meta["border_repair"]``."""
    started = time.perf_counter()
    limit = scenario.access_limit_s
    times = cross_times(net, plan.settlements, plan.stores, limit)
    times = times.sort_values(["settlement_id", "time_s", "store_id"]).reset_index(drop=True)
    moves = reassign_across_borders(plan.settlements, plan.stores, times, limit_s=limit)
    settle = plan.settlements.copy()
    if moves:
        idx = pd.Series(np.arange(len(settle)), index=settle["settlement_id"])
        rows = idx.reindex([m.settlement_id for m in moves]).to_numpy()
        col = settle.columns.get_loc
        settle.iloc[rows, col("store_id")] = [m.to_store for m in moves]
        settle["access_time_s"] = settle["access_time_s"].astype("Int64")
        settle.iloc[rows, col("access_time_s")] = [m.time_after_s for m in moves]
        settle.iloc[rows, col("unserved_reason")] = None
    touched = sorted({m.to_store for m in moves} | {m.from_store for m in moves
                                                    if m.from_store is not None})
    moved_ids = {m.settlement_id for m in moves}
    meta = dict(plan.meta)
    unserved = [u for u in meta["unserved"]
                if not (u["stage"] == "siting" and u["settlement_id"] in moved_ids)]
    routes_layer, routes_meta = plan.routes, list(meta["routes"])
    if touched:
        routes_layer, routes_meta, unserved = _reroute(_regional(scenario, meta), net, settle,
                                                       plan.stores, touched, routes_layer,
                                                       routes_meta, unserved)
    meta["routes"] = routes_meta
    meta["unserved"] = unserved
    served_before = int(plan.settlements["store_id"].notna().sum())
    meta["border_repair"] = {
        "moved": len(moves),
        "from_unserved": sum(m.from_store is None for m in moves),
        "closer_store": sum(m.from_store is not None for m in moves),
        "moved_supply_t": round(sum(m.supply_t for m in moves), 3),
        "stores_rerouted": len(touched),
        "served_before": served_before,
        "served_after": int(settle["store_id"].notna().sum()),
        "time_s": round(time.perf_counter() - started, 2),
        "rule": (f"villages unserved at siting, or at least {MIN_SAVING_S // 60} min closer "
                 "to an open store of another prefecture, move to the nearest such store "
                 f"within the access limit ({limit} s) that has spare capacity; times on "
                 "the province-wide approximate network"),
        "moves": [m.to_json() for m in moves],
    }
    meta["decomposition"] = {**meta["decomposition"], "border_repair": {
        k: v for k, v in meta["border_repair"].items() if k != "moves"}}
    return refresh(Plan(meta, plan.counties, settle, plan.stores, routes_layer), scenario)


def _regional(scenario: Scenario, meta: dict[str, Any]) -> Callable[[str], Scenario]:
    """The scenario a region's stores are routed with (its season's daily pickup and crop,
    as in ``meta["regions"]``), by region code."""
    by_code = {r["code"]: r for r in meta.get("regions", [])}

    def of(code: str) -> Scenario:
        region = by_code.get(code)
        if region is None or "harvest_peak_days" not in region:
            return scenario
        return dataclasses.replace(scenario, harvest_peak_days=region["harvest_peak_days"],
                                   crop=region["crop"], seasons=())
    return of


def _reroute(scenario: Callable[[str], Scenario], net: ProvinceNetwork,
             settle: gpd.GeoDataFrame, stores: gpd.GeoDataFrame, touched: list[str],
             routes: gpd.GeoDataFrame, routes_meta: list[dict[str, Any]],
             unserved: list[dict[str, Any]]
             ) -> tuple[gpd.GeoDataFrame, list[dict[str, Any]], list[dict[str, Any]]]:
    """Route each touched store again (its trucks, its villages now) on the province
    network; trucks of a rerouted store are named ``"{store_id}-T1"`` ..."""
    keep = ~routes["store_id"].isin(touched)
    rows = [routes[keep]]
    new_meta = [r for r in routes_meta if r["store_id"] not in touched]
    store_of = dict(zip(settle["settlement_id"], settle["store_id"], strict=True))
    unserved = [u for u in unserved if not (u["stage"] == "routing"
                                             and store_of.get(u["settlement_id"]) in touched)]
    for store in stores[stores["store_id"].isin(touched)].itertuples(index=False):
        members = settle[settle["store_id"] == store.store_id]
        frame, meta, lost = _route_again(scenario(store.store_id[:4]), net, store, members)
        rows.append(frame)
        new_meta.extend(meta)
        unserved.extend({**u, "region": store.store_id[:4]} for u in lost)
    return concat(rows), new_meta, unserved


def _route_again(scenario: Scenario, net: ProvinceNetwork, store: Any, members: pd.DataFrame
                 ) -> tuple[gpd.GeoDataFrame, list[dict[str, Any]], list[dict[str, Any]]]:
    """One touched store's routes on the province network, their meta and lost pickups."""
    ids = members["settlement_id"]
    pickups = split_pickups(pd.DataFrame({
        "settlement_id": ids.to_numpy(), "name": members["name"].to_numpy(),
        "county_code": members["county_code"].to_numpy(),
        "node": net.node.reindex(ids).to_numpy(), "leg_s": net.leg_s.reindex(ids).to_numpy(),
        "leg_m": net.leg_m.reindex(ids).to_numpy(),
        "daily_t": members["supply_t"].to_numpy(dtype=float) / scenario.harvest_peak_days}),
        scenario.truck_capacity_t)
    if pickups.empty or int(store.trucks) < 1:
        lost = [{"settlement_id": p.settlement_id, "name": p.name,
                 "county_code": p.county_code, "stage": "routing",
                 "reason": "no truck at this store"} for p in pickups.itertuples()]
        return routes_frame([]), [], lost
    site = store.site_settlement_id
    depot = Depot(site, net.node[site], float(net.leg_s[site]), float(net.leg_m[site]))
    routed = route_store(scenario, net.graph, net.csr, depot, pickups, int(store.trucks))
    numbering = {t: n + 1 for n, t in enumerate(sorted({t.truck for t in routed.result.trips}))}
    rows, meta = trip_records(routed, store.store_id, numbering,
                              lambda n: f"{store.store_id}-T{n}",
                              bool(net.graph.graph.get("approximate", True)),
                              scenario.freshness_s)
    return routes_frame(rows), meta, routing_unserved(routed)
