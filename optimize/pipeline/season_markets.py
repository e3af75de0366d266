"""One season's market runs and every trip's cost, added to the season's fleet records.

After a season's collection fleet (:func:`optimize.pipeline.fleet_day.season_fleet`),
:func:`add_market_runs` plans that day's market runs with
:func:`optimize.markets.runs.plan_market_runs`:

- trucks: each truck's time after its last collection trip (back at its base, the
  truck record's ``end_s``) until its shift ends (``shift_start_s + shift_s``);
- stores: each store's daily intake by crop (its self-delivered produce plus what the
  season's collection trips bring it: steady state, a store ships what it takes in);
- travel: the road matrix between stores where the plan has it, and between stores and
  the markets on the plan's network (:func:`market_roads`, when the caller passes it);
  straight-line estimates for the other market legs and for every long-haul leg
  (:func:`optimize.markets.travel.travel_with_markets`).

A day run becomes a plan route (``kind = "market"``) appended to its truck's trips, with a
straight-segment LineString flagged ``approximate_geometry`` and its ``legs`` (from, to,
time, distance, ``travel`` ``"road"`` or ``"straight_line"``). A long-haul leg lasts
several days, so it is not a trip of the season's day (a truck-day spans one shift): it
is the lent truck's ``long_haul`` record (:func:`long_haul_record`) and the truck's day
is its average day on that cycle. :func:`add_costs` then prices every trip and leg
(:func:`optimize.costs.trip_cost`) and the season's day (trips + empty drives; a
long-haul leg of D days counts 1/D a day).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
from shapely.geometry import LineString

from geodata.csr import CsrGraph
from optimize.costs import DEFAULT_COSTS, TripCost, total, trip_cost
from optimize.markets.model import MarketRun, StoreStock, TruckTime
from optimize.markets.runs import MarketFlow, plan_market_runs
from optimize.markets.table import Market, default_markets
from optimize.markets.travel import (
    RoadPlace,
    TravelTable,
    road_travel,
    snap_markets,
    table_from_pairs,
    travel_with_markets,
)
from optimize.markets.user_table import read_markets_table
from optimize.pipeline.trips import StoreDay

#: Tonnes of a market run are written to the gram, like collection trips.
GRAM_DIGITS = 6
MARKET_COLOUR = "#6a3d9a"


@dataclass(frozen=True)
class MarketSetup:
    """What every season's market runs share: markets, travel, stores' places, trucks."""

    markets: tuple[Market, ...]
    travel: TravelTable
    points: Mapping[str, tuple[float, float]]
    store_regions: Mapping[str, str]
    store_names: Mapping[str, str]
    capacity_t: float
    shift_end_s: int


def load_markets(markets_file: str | None, region_code: str,
                 root: str | Path | None = None) -> list[Market]:
    """The user's markets table (checked: one message naming file, row and column), or
    the default markets of the region (:func:`optimize.markets.table.default_markets`)."""
    if markets_file:
        return read_markets_table(markets_file, root)
    return default_markets(root, region_code)


def market_setup(markets: Sequence[Market], store_ids: Sequence[str], drive_s: np.ndarray,
                 drive_m: np.ndarray, points: Mapping[str, tuple[float, float]],
                 store_regions: Mapping[str, str], store_names: Mapping[str, str],
                 capacity_t: float, shift_end_s: int,
                 market_road: TravelTable | None = None) -> MarketSetup:
    """The shared inputs; the road figures between stores (and, with ``market_road``
    from :func:`market_roads`, between stores and markets) win over the estimates."""
    road = table_from_pairs(store_ids, drive_s, drive_m) if len(store_ids) else None
    travel = travel_with_markets(road, points, markets, market_road)
    return MarketSetup(tuple(markets), travel, dict(points), dict(store_regions),
                       dict(store_names), capacity_t, shift_end_s)


def market_roads(graph: nx.MultiDiGraph, csr: CsrGraph, store_ids: Sequence[str],
                 nodes: Sequence[Any], leg_s: Sequence[float], leg_m: Sequence[float],
                 markets: Sequence[Market], max_snap_m: float,
                 detour_factor: float) -> TravelTable:
    """Road figures between the stores and the wholesale markets on ``graph`` (``csr`` its
    export): store ``store_ids[i]`` at node ``nodes[i]`` with its village's legs
    ``leg_s[i]``/``leg_m[i]``; a market joins at its nearest node within ``max_snap_m``
    (:func:`optimize.markets.travel.snap_markets`). A market farther from the network
    and every long-haul outlet are left out (the caller's estimate, flagged)."""
    places = {s: RoadPlace(n, float(a), float(b))
              for s, n, a, b in zip(store_ids, nodes, leg_s, leg_m, strict=True)}
    places.update(snap_markets(graph, markets, max_snap_m, detour_factor))
    return road_travel(csr, places)


def truck_times(trucks: Sequence[Mapping[str, Any]], capacity_t: float,
                shift_end_s: int) -> list[TruckTime]:
    """Each truck's free time: from the end of its day's collection to its shift end."""
    return [TruckTime(t["truck_id"], t["base_id"], float(t["end_s"]),
                      float(max(shift_end_s, t["end_s"])), capacity_t,
                      has_collection=not t["idle"]) for t in trucks]


def split_crops(label: str, tonnes: float, shares: Mapping[str, float]
                ) -> dict[str, float]:
    """A village's load of the season's crops (``"a, b"``, collected together) split by
    the season's crop shares (:class:`optimize.pipeline.trips.SeasonDay`)."""
    crops = [c.strip() for c in str(label).split(",") if c.strip()]
    weights = [shares.get(c, 0.0) for c in crops]
    whole = sum(weights)
    if whole <= 0:
        return {c: tonnes / len(crops) for c in crops}
    return {c: tonnes * w / whole for c, w in zip(crops, weights, strict=True)}


def store_stocks(days: Sequence[StoreDay], routes: Sequence[Mapping[str, Any]],
                 regions: Mapping[str, str], names: Mapping[str, str],
                 shares: Mapping[str, float],
                 store_shares: Mapping[str, Mapping[str, float]] | None = None
                 ) -> list[StoreStock]:
    """Each store's daily intake by crop: self-delivered plus collected (every store of
    ``days``, also one without intake); mixed loads split by the crop ``shares``, or by
    ``store_shares[store_id]`` where given (a province: each prefecture's season has its
    own crop shares)."""
    own_shares = store_shares or {}
    stock: dict[str, dict[str, float]] = {d.store_id: defaultdict(float) for d in days}
    loads = [(d.store_id, c, float(t)) for d in days for c, t in
             zip(d.self_delivered["crop"], d.self_delivered["daily_t"], strict=True)]
    loads += [(r["store_id"], s["crop"], float(s["pickup_t"])) for r in routes
              if r["kind"] == "collection" for s in r["stops"]]
    for store, label, tonnes in loads:
        for crop, part in split_crops(label, tonnes, own_shares.get(store, shares)).items():
            stock[store][crop] += part
    return [StoreStock(sid, {c: t for c, t in crops.items() if t > 0},
                       names.get(sid, sid), regions.get(sid, ""))
            for sid, crops in stock.items()]


def plan_season_markets(records: Any, days: Sequence[StoreDay], setup: MarketSetup,
                        shares: Mapping[str, float],
                        store_shares: Mapping[str, Mapping[str, float]] | None = None
                        ) -> MarketFlow:
    """The season's market runs (``records`` a
    :class:`~optimize.pipeline.fleet_day.SeasonRecords`, before :func:`add_market_runs`;
    ``shares`` the season's crop shares, ``store_shares`` per store where they differ)."""
    trucks = truck_times(records.trucks, setup.capacity_t, setup.shift_end_s)
    stores = store_stocks(days, records.routes, setup.store_regions, setup.store_names,
                          shares, store_shares)
    return plan_market_runs(trucks, stores, list(setup.markets), setup.travel)


def add_market_runs(records: Any, flow: MarketFlow, setup: MarketSetup) -> None:
    """Append the day runs to ``records`` (routes, layer rows, trucks), set each lent
    truck's ``long_haul`` record, and set the season's market KPIs (``market_t``,
    ``left_for_buyers_t``, trucks used and idle)."""
    trucks = {t["truck_id"]: t for t in records.trucks}
    names = {m.market_id: m.name for m in setup.markets}
    for run in sorted(flow.runs, key=lambda r: (r.truck_id, r.start_s)):
        truck = trucks[run.truck_id]
        name = names.get(run.market_id, run.market_id)
        truck["idle"], truck["idle_reason"] = False, None
        if run.kind == "long_haul":
            set_long_haul(truck, long_haul_record(run, records.season, name, setup.travel))
            continue
        route = market_route(run, records.season, len(truck["trips"]) + 1, name)
        route["legs"] = run_legs(run, setup.travel)
        truck["trips"].append(route["route_id"])
        truck["end_s"] = max(int(truck["end_s"]), route["end_s"])
        truck["work_s"] = truck["end_s"] - truck["start_s"]
        truck["distance_m"] = int(truck["distance_m"]) + route["distance_m"]
        truck["market_t"] = round(truck["market_t"] + route["load_t"], GRAM_DIGITS)
        records.routes.append(route)
        records.rows.append({**{k: v for k, v in route.items() if k in ROW_KEYS},
                             "geometry": run_geometry(run, setup)})
    records.left_by_store = {s: round(t, GRAM_DIGITS)
                             for s, t in flow.left_for_buyers_t_by_store.items()}
    k = records.kpis
    used = sum(1 for t in records.trucks if not t["idle"])
    k.update(market_t=round(flow.market_t, 3), left_for_buyers_t=round(
        k["daily_self_delivered_t"] + k["daily_pickup_routed_t"] - flow.market_t, 3),
        trucks_used=used, idle_trucks=k["trucks"] - used,
        distance_km=round(sum(t["distance_m"] for t in records.trucks) / 1000, 3))


def run_legs(run: MarketRun, travel: TravelTable) -> list[dict[str, Any]]:
    """The run's legs in order (base -> stores -> market -> base): ids, road time and
    distance, and ``travel`` = ``"road"`` (on the plan's network) or ``"straight_line"``
    (the estimate of :mod:`optimize.markets.travel`)."""
    places = [run.base_id, *(s.store_id for s in run.stops), run.market_id, run.base_id]
    out = []
    for a, b in zip(places, places[1:], strict=False):
        time_s, distance_m = travel.leg(a, b)
        out.append({"from_id": a, "to_id": b, "time_s": int(round(time_s)),
                    "distance_m": int(round(distance_m)),
                    "travel": "straight_line" if travel.is_approximate(a, b) else "road"})
    return out


def long_haul_record(run: MarketRun, season: str, market_name: str,
                     travel: TravelTable) -> dict[str, Any]:
    """A long-haul leg as the lent truck's ``long_haul`` record: the market-route fields
    (times from midnight of the leg's first day, ``end_s`` past 86,400), ``leg_id``,
    ``legs``, ``nights`` and ``days``; priced later by :func:`add_costs`."""
    leg = market_route(run, season, 1, market_name)
    leg_id = f"{season.replace(' ', '_')}-{run.truck_id}-long_haul"
    for key in ("route_id", "trip", "colour", "approximate_geometry"):
        leg.pop(key, None)
    leg.update(kind="long_haul", leg_id=leg_id, legs=run_legs(run, travel),
               nights=run.days - 1)
    return leg


def set_long_haul(truck: dict[str, Any], leg: Mapping[str, Any]) -> None:
    """The lent truck's day: on its long-haul cycle (no trip of the season's day), its
    average day of the cycle: ``work_s`` the leg's paid time / days from the leg's start,
    ``distance_m`` and ``market_t`` the leg's / days."""
    days = int(leg["days"])
    truck["long_haul"] = dict(leg)
    truck["start_s"] = int(leg["start_s"])
    truck["work_s"] = int(round(leg["paid_s"] / days))
    truck["end_s"] = truck["start_s"] + truck["work_s"]
    truck["distance_m"] = int(round(leg["distance_m"] / days))
    truck["market_t"] = round(leg["load_t"] / days, GRAM_DIGITS)
    truck["empty_legs"] = []


ROW_KEYS = ("route_id", "kind", "season", "truck_id", "base_id", "store_id", "market_id",
            "trip", "stops_count", "load_t", "distance_m", "duration_s", "start_s", "end_s",
            "fuel_l", "co2_kg", "cost_yuan", "colour", "approximate_geometry")


def market_route(run: MarketRun, season: str, rank: int, market_name: str
                 ) -> dict[str, Any]:
    """A run as a plan route (spec17 ``kind = "market"``): times in whole seconds,
    tonnes to the gram, the stores' pickups summing to ``load_t``."""
    route = run.to_route(season, market_name)
    for s in route["stops"]:
        s["arrival_s"] = int(round(s["arrival_s"]))
        s["pickup_t"] = round(s["pickup_t"], GRAM_DIGITS)
        s["load_after_t"] = round(s["load_after_t"], GRAM_DIGITS)
        if "pickup_by_crop" in s:
            s["pickup_by_crop"] = {c: round(t, GRAM_DIGITS) for c, t in
                                   s["pickup_by_crop"].items()}
    load = round(sum(s["pickup_t"] for s in route["stops"][:-1]), GRAM_DIGITS)
    route["stops"][-1]["delivered_t"] = load
    start, end = int(round(run.start_s)), int(round(run.end_s))
    route.update(
        route_id=f"{season.replace(' ', '_')}-{run.truck_id}-{rank}", trip=rank,
        stops_count=len(route["stops"]) - 1, load_t=load, start_s=start, end_s=end,
        duration_s=end - start, distance_m=int(round(run.distance_m)),
        drive_s=int(round(run.drive_s)), paid_s=int(round(run.paid_s)),
        daily_t=round(load / run.days, GRAM_DIGITS), tonne_km=round(run.tonne_km, 3),
        breaks=[{"start_s": int(round(b["start_s"])), "duration_s": int(round(b["duration_s"]))}
                for b in route["breaks"]],
        colour=MARKET_COLOUR, approximate_geometry=True,
        fuel_l=None, co2_kg=None, cost_yuan=None)
    return route


def run_geometry(run: MarketRun, setup: MarketSetup) -> LineString:
    """Straight segments base -> stores -> market -> base (no road geometry kept)."""
    market = next(m for m in setup.markets if m.market_id == run.market_id)
    places = [setup.points[run.base_id], *(setup.points[s.store_id] for s in run.stops),
              (market.lon, market.lat), setup.points[run.base_id]]
    return LineString(places)


# -- costs ---------------------------------------------------------------------------------
def route_cost(route: Mapping[str, Any]) -> TripCost:
    """A trip's cost (:func:`optimize.costs.trip_cost`): paid time is a market run's
    ``paid_s``, a collection trip's duration."""
    paid = route.get("paid_s", route["duration_s"])
    return trip_cost(float(route["distance_m"]), float(paid), float(route["load_t"]),
                     route.get("tonne_km"))


def add_costs(records: Any) -> TripCost:
    """Price every trip of the season (``fuel_l``, ``co2_kg``, ``cost_yuan`` on the route
    and its layer row, and on each truck's ``long_haul`` leg) and return the season's day:
    trips, long-haul legs x 1/days, and the empty drives between stores. Sets the season's
    cost KPIs."""
    rows = {r["route_id"]: r for r in records.rows}
    day: list[TripCost] = []
    for route in records.routes:
        cost = route_cost(route)
        figures = {"fuel_l": round(cost.fuel_l, 3), "co2_kg": round(cost.co2_kg, 3),
                   "cost_yuan": round(cost.cost_yuan, 2)}
        route.update(figures)
        rows[route["route_id"]].update(figures)
        day.append(cost.scaled(1.0 / route.get("days", 1)))
    for truck in records.trucks:
        leg = truck.get("long_haul")
        if leg:
            cost = route_cost(leg)
            leg.update(fuel_l=round(cost.fuel_l, 3), co2_kg=round(cost.co2_kg, 3),
                       cost_yuan=round(cost.cost_yuan, 2))
            day.append(cost.scaled(1.0 / leg["days"]))
    legs = [g for t in records.trucks for g in t.get("empty_legs", [])]
    day.append(trip_cost(float(sum(g["distance_m"] for g in legs)),
                         float(sum(g["drive_s"] for g in legs)), 0.0))
    season = total(day)
    records.kpis.update(fuel_l=round(season.fuel_l, 3), co2_kg=round(season.co2_kg, 3),
                        cost_yuan=round(season.cost_yuan, 2))
    return season


def cost_assumptions() -> list[str]:
    """The cost parameters without a full source (for the plan's assumptions)."""
    return DEFAULT_COSTS.assumptions()
