"""The province's market runs and costs, after its fleet is packed over all prefectures.

The prefectures are routed without market runs (their trucks are re-packed into the
province's fleet afterwards, :mod:`optimize.pipeline.province_fleet`). Here each season's
packed trucks use the time left after collection for market runs
(:func:`optimize.markets.runs.plan_market_runs`, the same planner and split rule as a
regional plan), over the markets of the whole province (``markets_file`` or the defaults:
every county seat, the named hubs and the partner-city outlets). A store's stock is what
it takes in that season: its self-delivered villages' produce (settlements layer, each
prefecture's crop shares of the season) plus the collection trips' stops. Every trip is
then priced (:func:`optimize.pipeline.season_markets.add_costs`).

Travel: the store-to-store figures are the province network's (across prefecture
borders); with ``market_road`` (:func:`province_market_roads`, on the same network) every
wholesale market inside it (the Lanzhou centre, 毅和 in 榆中, 定西, 天水, 岷县, 陇南 and
the county seats) is reached by road from every store, whatever its prefecture; only the
partner-city outlets outside Gansu (and a user's market off the network) keep the
straight-line estimate, flagged on each run's legs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from optimize.costs import TripCost, costs_mapping, season_cost
from optimize.markets.model import StoreStock
from optimize.markets.runs import SPLIT_RULE, MarketFlow, plan_market_runs
from optimize.markets.table import Market
from optimize.markets.travel import TravelTable
from optimize.pipeline.assemble import rounded_flow
from optimize.pipeline.fleet_day import SeasonRecords
from optimize.pipeline.network import Network, site_places
from optimize.pipeline.season_markets import (
    MarketSetup,
    add_costs,
    add_market_runs,
    market_roads,
    market_setup,
    split_crops,
    truck_times,
)
from optimize.pipeline.trips import region_seasons
from optimize.plan.io import Plan
from optimize.scenario import Scenario


@dataclass(frozen=True)
class ProvinceMarkets:
    """The province's markets, each season's flow (``None``: not planned) and day cost."""

    markets: tuple[Market, ...]
    flows: dict[str, MarketFlow | None]
    day_costs: dict[str, TripCost]
    days: dict[str, int]
    stock_t: dict[str, dict[str, float]]

    def meta(self, no_runs_rule: str) -> dict[str, Any]:
        """``markets``, ``market_flow`` and ``costs`` of plan.json."""
        by_season: dict[str, Any] = {}
        for season, flow in self.flows.items():
            if flow is not None:
                by_season[season] = rounded_flow(flow.to_mapping())
            else:
                left = {s: round(t, 6) for s, t in self.stock_t[season].items()}
                by_season[season] = {
                    "delivered_t_by_market": {}, "left_for_buyers_t_by_store": left,
                    "market_t": 0.0, "left_for_buyers_t": round(sum(left.values()), 3),
                    "lent_truck_ids": [], "long_haul_truck_days": 0}
        planned = any(f is not None for f in self.flows.values())
        return {"markets": [m.to_mapping() for m in self.markets],
                "market_flow": {"split_rule": SPLIT_RULE if planned else no_runs_rule,
                                "by_season": by_season},
                "costs": costs_mapping({s: season_cost(d, self.days[s])
                                        for s, d in self.day_costs.items()})}


def season_shares(scenario: Scenario, codes: Sequence[str]
                  ) -> dict[str, dict[str, dict[str, float]]]:
    """``{season: {prefecture: {crop: share}}}`` and the season's days per prefecture."""
    out: dict[str, dict[str, dict[str, float]]] = defaultdict(dict)
    for code in codes:
        for season in region_seasons(scenario, code):
            out[season.name][code] = dict(season.crops)
    return out


def province_stocks(plan: Plan, scenario: Scenario, season: str,
                    routes: Sequence[Mapping[str, Any]],
                    shares: Mapping[str, Mapping[str, float]]) -> list[StoreStock]:
    """Each store's daily intake by crop in ``season``: self-delivered + collected."""
    stores = plan.stores
    prefecture = dict(zip(stores["store_id"], stores["county_code"].astype(str).str[:4],
                          strict=True))
    days = {s.name: s.days for c in shares for s in region_seasons(scenario, c)}
    stock: dict[str, dict[str, float]] = {s: defaultdict(float) for s in stores["store_id"]}
    settle = plan.settlements
    if "self_delivered" in settle:
        own = settle[settle["self_delivered"].fillna(False).astype(bool)
                     & settle["store_id"].notna()]
        for store, supply in zip(own["store_id"], own["supply_t"], strict=True):
            crops = shares.get(prefecture.get(store, ""), {})
            for crop, share in crops.items():
                stock[store][crop] += float(supply) * share / days[season]
    for r in routes:
        if r.get("kind", "collection") != "collection":
            continue
        crops = shares.get(prefecture.get(r["store_id"], ""), {})
        for s in r["stops"]:
            label = s.get("crop") or ", ".join(crops)
            for crop, part in split_crops(label, float(s["pickup_t"]), crops).items():
                stock[r["store_id"]][crop] += part
    names = dict(zip(stores["store_id"], stores["name"].astype(str), strict=True))
    counties = dict(zip(stores["store_id"], stores["county_code"].astype(str), strict=True))
    return [StoreStock(sid, {c: t for c, t in crops.items() if t > 0}, names[sid],
                       counties[sid]) for sid, crops in stock.items()]


def province_market_roads(graph: nx.MultiDiGraph, net: Network, stores: pd.DataFrame,
                          markets: Sequence[Market], scenario: Scenario) -> TravelTable:
    """Road figures between the province's stores (``stores`` needs store_id,
    site_settlement_id: each at its site village's node with its legs, as
    :func:`optimize.pipeline.province_fleet.province_store_drives`) and every wholesale
    market within ``scenario.max_snap_m`` of the network ``graph`` (``net`` its frames)."""
    nodes, leg_s, leg_m = site_places(net, stores["site_settlement_id"])
    return market_roads(graph, net.csr, list(stores["store_id"].astype(str)), nodes,
                        list(leg_s), list(leg_m), markets, scenario.max_snap_m,
                        scenario.detour_factor)


def province_setup(plan: Plan, scenario: Scenario, markets: Sequence[Market],
                   store_ids: Sequence[str], drive_s: np.ndarray,
                   drive_m: np.ndarray, market_road: TravelTable | None = None
                   ) -> MarketSetup:
    """Market-run inputs over the province's stores (points, counties, names)."""
    stores = plan.stores.set_index("store_id").loc[list(store_ids)]
    points = {s: (float(g.x), float(g.y)) for s, g in zip(store_ids, stores.geometry,
                                                           strict=True)}
    return market_setup(markets, store_ids, drive_s, drive_m, points,
                        dict(zip(store_ids, stores["county_code"].astype(str), strict=True)),
                        dict(zip(store_ids, stores["name"].astype(str), strict=True)),
                        scenario.truck_capacity_t, scenario.shift_start_s + scenario.shift_s,
                        market_road)


def plan_province_markets(records: Sequence[SeasonRecords], plan: Plan, scenario: Scenario,
                          markets: Sequence[Market] | None, store_ids: Sequence[str],
                          drive_s: np.ndarray, drive_m: np.ndarray,
                          market_road: TravelTable | None = None) -> ProvinceMarkets:
    """Market runs (when ``markets`` is given) and costs of every packed season, in place
    on ``records``; returns what plan.json needs. ``market_road``
    (:func:`province_market_roads`): road figures to the markets on the province network;
    without it every market leg is the straight-line estimate."""
    codes = sorted({str(c)[:4] for c in plan.stores["county_code"]})
    shares = season_shares(scenario, codes)
    days = {s.name: s.days for c in codes for s in region_seasons(scenario, c)}
    setup = province_setup(plan, scenario, markets, store_ids, drive_s, drive_m,
                           market_road) if markets else None
    flows: dict[str, MarketFlow | None] = {}
    costs: dict[str, TripCost] = {}
    stocks: dict[str, dict[str, float]] = {}
    for rec in records:
        flow = None
        stock = province_stocks(plan, scenario, rec.season, rec.routes,
                                shares.get(rec.season, {}))
        stocks[rec.season] = {s.store_id: sum(s.stock_t.values()) for s in stock}
        if setup is not None:
            trucks = truck_times(rec.trucks, setup.capacity_t, setup.shift_end_s)
            flow = plan_market_runs(trucks, stock, list(setup.markets), setup.travel)
            add_market_runs(rec, flow, setup)
        flows[rec.season] = flow
        costs[rec.season] = add_costs(rec)
    return ProvinceMarkets(tuple(markets or ()), flows, costs, days, stocks)
