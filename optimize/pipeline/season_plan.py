"""The regional truck plan: every season routed, one shared fleet per season.

:func:`route_seasons` is the routing stage of the regional pipeline: every open store's
day in every season of the calendar with produce in the region
(:mod:`optimize.pipeline.trips`), then, per season, the region's whole fleet packed over
all stores' trips (:mod:`optimize.pipeline.fleet_day`). The same trucks serve every
season of a regional plan (no moves: a region plan has one region); the *headline*
season is the one with the largest daily produce (its KPIs are the plan's ``kpis``).

For the province, the lead calls :func:`optimize.pipeline.fleet_day.season_fleet` once
per season over all prefectures' store days with the province's 720 trucks.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

from optimize.costs import TripCost
from optimize.crops import CROPS
from optimize.fleet.shared import DEFAULT_REACH_S
from optimize.markets.runs import MarketFlow
from optimize.markets.table import Market
from optimize.markets.travel import TravelTable
from optimize.pipeline.fleet_day import (
    SHIFT_START_NOTE,
    SeasonRecords,
    season_fleet,
    store_drive_matrices,
    trip_first_legs,
    village_weights,
)
from optimize.pipeline.network import Network
from optimize.pipeline.routing import Depot
from optimize.pipeline.season_markets import (
    MarketSetup,
    add_costs,
    add_market_runs,
    market_roads,
    market_setup,
    plan_season_markets,
)
from optimize.pipeline.siting import DEFAULT_WALL_SAFETY
from optimize.pipeline.trips import SeasonDay, StoreDay, all_store_days, region_seasons
from optimize.programme import GANSU_PREFECTURES
from optimize.scenario import Scenario
from optimize.siting.problem import LocationResult

FLEET_RULE = ("one shared fleet per season: each store's trips are planned with as many "
              "single-trip trucks as it has pickups (only physics leaves a pickup out), then "
              "the region's trucks are packed over all stores' trips by greedy best-fit "
              "decreasing on tonnes per truck-hour (optimize.fleet.shared): a truck-day "
              "starts and ends at its base store and chains trips of stores within "
              f"{DEFAULT_REACH_S // 60} min empty drive of it; bases are where the packing "
              "opens trucks; a trip is dropped only when every truck is in use and none has "
              "room, so no truck is idle while a trip is dropped")


@dataclass(frozen=True)
class SeasonalRouting:
    """The routing stage's result: per season, the stores' days and the fleet's records."""

    seasons: tuple[SeasonDay, ...]
    store_ids: tuple[str, ...]
    days: tuple[tuple[StoreDay, ...], ...]  # [season][store]
    records: tuple[SeasonRecords, ...]
    headline: int
    trucks: int
    time_s: float
    markets: tuple[Market, ...] = ()
    flows: tuple[MarketFlow | None, ...] = ()
    day_costs: tuple[TripCost, ...] = ()

    @property
    def headline_name(self) -> str:
        return self.seasons[self.headline].name if self.seasons else ""

    def trucks_at(self, store_id: str) -> int:
        """Trucks based at a store in the headline season (idle ones included)."""
        if not self.records:
            return 0
        return sum(1 for t in self.records[self.headline].trucks if t["base_id"] == store_id)


def depots_of(net: Network, sites: gpd.GeoDataFrame,
              siting: LocationResult) -> tuple[list[Depot], list[int]]:
    """Each open store's depot and its village's row in ``net.settlements``."""
    settle = net.settlements
    row_of = pd.Series(np.arange(len(settle)), index=settle["village_code"])
    rows = row_of.reindex(sites["village_code"]).to_numpy()
    depots, depot_rows = [], []
    for j in siting.open_sites:
        row = int(rows[j])
        depots.append(Depot(str(settle["village_code"].iloc[row]), net.settle_node[row],
                            float(settle["leg_s"].iloc[row]), float(settle["leg_m"].iloc[row])))
        depot_rows.append(row)
    return depots, depot_rows


def route_seasons(scenario: Scenario, region_code: str, graph: nx.MultiDiGraph,
                  net: Network, sites: gpd.GeoDataFrame, siting: LocationResult,
                  trucks: int, report: Callable[[str, float], None], *,
                  wall_safety: float = DEFAULT_WALL_SAFETY,
                  markets: Sequence[Market] | None = None) -> SeasonalRouting:
    """Every season's trips of every store, and ``trucks`` packed over them per season
    (0: no fleet limit, see :func:`optimize.pipeline.fleet_day.season_fleet`); then, with
    ``markets``, each season's market runs in the trucks' time left
    (:mod:`optimize.pipeline.season_markets`); every trip priced."""
    started = time.perf_counter()
    seasons = region_seasons(scenario, region_code)
    depots, rows = depots_of(net, sites, siting)
    by_store = all_store_days(scenario, graph, net, depots, rows, siting.assignment,
                              siting.open_sites, seasons, report, wall_safety=wall_safety)
    store_ids = tuple(f"S{n + 1:03d}" for n in range(len(depots)))
    drive_s, drive_m = store_drive_matrices(net, depots) if depots else (
        np.zeros((0, 0)), np.zeros((0, 0)))
    approximate = bool(graph.graph.get("approximate", False))
    days = tuple(tuple(s[k] for s in by_store) for k in range(len(seasons)))
    records = tuple(season_fleet(d, store_ids, drive_s, drive_m, trucks, scenario.shift_s,
                                 approximate=approximate,
                                 shift_start_s=scenario.shift_start_s,
                                 target_pct=scenario.collection_target_pct,
                                 first_legs=trip_first_legs(net, d, len(store_ids)),
                                 weight_of=village_weights(net.settlements))
                    for d in days)
    flows: list[MarketFlow | None] = [None] * len(records)
    if markets is not None:
        report("market runs", 0.9)
        road = market_roads(graph, net.csr, store_ids, [d.node for d in depots],
                            [d.leg_s for d in depots], [d.leg_m for d in depots], markets,
                            scenario.max_snap_m, scenario.detour_factor)
        setup = _setup(scenario, markets, store_ids, drive_s, drive_m, sites, siting, road)
        for k, (rec, day) in enumerate(zip(records, days, strict=True)):
            flow = plan_season_markets(rec, day, setup, dict(seasons[k].crops))
            add_market_runs(rec, flow, setup)
            flows[k] = flow
    costs = tuple(add_costs(rec) for rec in records)
    trucks = max([trucks, *(r.kpis["trucks"] for r in records)]) if trucks <= 0 else trucks
    supply = [r.kpis["daily_supply_t"] for r in records]
    headline = int(np.argmax(supply)) if supply else 0
    return SeasonalRouting(seasons, store_ids, days, records, headline, trucks,
                           time.perf_counter() - started, tuple(markets or ()), tuple(flows),
                           costs)


def _setup(scenario: Scenario, markets: Sequence[Market], store_ids: Sequence[str],
           drive_s: np.ndarray, drive_m: np.ndarray, sites: gpd.GeoDataFrame,
           siting: LocationResult, market_road: TravelTable | None = None) -> MarketSetup:
    """The market runs' shared inputs: the stores' points, counties and names, and the
    road figures to the markets on the region's network (``market_road``)."""
    rows = sites.iloc[[int(j) for j in siting.open_sites]]
    points = {s: (float(g.x), float(g.y)) for s, g in zip(store_ids, rows.geometry,
                                                           strict=True)}
    regions = dict(zip(store_ids, rows["county_code"].astype(str), strict=True))
    names = dict(zip(store_ids, rows["name"].astype(str), strict=True))
    return market_setup(markets, store_ids, drive_s, drive_m, points, regions, names,
                        scenario.truck_capacity_t, scenario.shift_start_s + scenario.shift_s,
                        market_road=market_road)


def seasons_meta(routing: SeasonalRouting, region_code: str,
                 annual_t: float) -> dict[str, Any]:
    """``meta["seasons"]`` of a regional plan (the province's format, one region)."""
    code = region_code[:4]
    name = GANSU_PREFECTURES.get(code, code)
    load, fleet = [], []
    for season, rec in zip(routing.seasons, routing.records, strict=True):
        crops = [c for c, _ in season.crops]
        strict = min(crops, key=lambda c: CROPS[c].freshness_limit_s)
        k = rec.kpis
        load.append({"season": season.name, "region": code, "region_name": name,
                     "crops": ", ".join(crops), "share": round(sum(s for _, s in season.crops), 6),
                     "daily_pickup_t": k["daily_supply_t"],
                     "freshness_limit_s": CROPS[strict].freshness_limit_s,
                     "strictest_crop": strict, "freshness_assumption": CROPS[strict].assumption})
        idle = [t for t in rec.trucks if t["idle"]]
        reason = (f"{season.name}, {code} {name}: {k['trucks_used']} trucks drive trips, "
                  f"{len(idle)} idle" + (f" ({idle[0]['idle_reason']})" if idle else ""))
        fleet.append({"season": season.name, "region": code, "region_name": name,
                      "need": k["trucks_used"], "trucks": routing.trucks, "reason": reason})
    return {
        "routed_season": routing.headline_name,
        "seasons": [{"name": s.name, "days": s.days, "kpis": r.kpis}
                    for s, r in zip(routing.seasons, routing.records, strict=True)],
        "load": load, "fleet": fleet,
        "trucks_by_season": {s.name: routing.trucks for s in routing.seasons},
        "moves": [], "repositioning_truck_km": 0.0, "shortfalls": [],
        "rule": FLEET_RULE,
        "distances": "one region: its trucks stay in the region all year (no moves)",
        "annual_t": {code: round(annual_t, 1)},
        "assumptions": [SHIFT_START_NOTE, "daily produce: the season's share of the annual "
                        "produce spread evenly over its days (optimize.crops calendar)"],
    }
