"""The province's shared fleet: every prefecture's trips of a season packed into 720 trucks.

The province is planned by prefecture; each regional plan routes every season
(:mod:`optimize.pipeline.season_plan`). Run with ``fleet_trucks=0`` (no fleet limit: one
truck per truck-day its trips need, none dropped), the merged plan then holds **every**
trip the stores need. :func:`repack_season` re-packs one season's trips of all
prefectures into the province's fleet with :func:`optimize.fleet.shared.plan_fleet_day`
(trucks cross prefecture borders: a truck based at a Linxia store may collect for a
Lanzhou store within reach) and returns the season's new trips, trucks, dropped pickups
and KPIs. :func:`repack_plan_meta` applies it to every season of a merged ``plan.json``,
:func:`repack_province_plan` to a merged :class:`~optimize.plan.io.Plan` (layers
included), with the store-to-store drives of :func:`province_store_drives` and, given
the province network, the drives from every store to the trips' first villages
(:func:`province_first_legs`): a re-packed trip starts where its new truck last unloaded
(``start_id``) and drives from there to its first village, as in
:mod:`optimize.pipeline.fleet_day`. A saved trip is first read back to its own store: its
rest (first village -> store, unloaded) is kept to the second, its own first leg is the
matrix's (without the matrix, a trip that started elsewhere is read as driven via its
store, as :func:`optimize.fleet.shared.first_leg` drives it then). A saved first leg is
read as direct only when its time is the matrix's direct drive (else it was driven via
the store: a pair beyond the saved plan's search, or no faster); ``start_id`` carries the
prefecture prefix like ``store_id`` (the merge's
:func:`~optimize.pipeline.province.merge.prefixed_plan`).
"""

from __future__ import annotations

import collections
import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from optimize.costs import DEFAULT_COSTS
from optimize.fleet.bound import FleetBound, bound_items
from optimize.fleet.distances import region_distances
from optimize.fleet.priority import pack_with_priority
from optimize.fleet.seasons import share_fleet
from optimize.fleet.shared import DEFAULT_REACH_S, FAR_S, Job, TruckDay
from optimize.fleet.target import DEFAULT_TARGET_PCT, season_target
from optimize.markets.runs import DEFAULT_RULES
from optimize.markets.shelf import shelf_life_assumptions
from optimize.markets.table import Market
from optimize.markets.travel import TravelTable, travel_assumptions
from optimize.pipeline.assemble import (
    META_KEYS,
    NO_MARKET_RUNS,
    SEASON_ROUTE_COLUMNS,
    store_lists,
)
from optimize.pipeline.fleet_day import (
    LIST_FIELDS,
    PALETTE,
    SHIFT_START_S,
    FirstLegs,
    Moves,
    SeasonRecords,
    first_leg_geometry,
    first_legs_from,
    plain_jobs,
    priority_kpis,
    priority_t,
    truck_record,
    weighted_t,
    with_bound_reason,
)
from optimize.pipeline.network import Network, leg_matrices, site_places
from optimize.pipeline.province_markets import ProvinceMarkets, plan_province_markets
from optimize.pipeline.province_spread import SPREAD_RULE, spread_cells
from optimize.pipeline.trips import drive_from_stores_s, region_seasons
from optimize.plan.io import Plan
from optimize.plan.kpis import compute_kpis
from optimize.scenario import Scenario

#: Trip fields shifted with the trip when it is re-timed.
TIME_FIELDS = ("start_s", "store_arrival_s", "end_s")


def repack_season(season: str, routes: Sequence[Mapping[str, Any]],
                  unserved: Sequence[Mapping[str, Any]], self_delivered_t: float,
                  store_ids: Sequence[str], drive_s: np.ndarray, drive_m: np.ndarray,
                  n_trucks: int, shift_s: int, *, reach_s: int = DEFAULT_REACH_S,
                  shift_start_s: int = SHIFT_START_S,
                  target_pct: float = DEFAULT_TARGET_PCT,
                  first_legs: FirstLegs | None = None,
                  weight_of: Mapping[str, float] | None = None) -> SeasonRecords:
    """One season's collection ``routes`` (any prefecture) packed into ``n_trucks``.

    ``unserved`` are the season's routing pickups left out before the fleet step (kept);
    ``store_ids`` index ``drive_s`` / ``drive_m`` (drives between stores, s and m) and the
    rows of ``first_legs`` (drives to the trips' first villages, see the module).
    Idle trucks are parked in turn at the stores with the most routed tonnes. Returns the
    season's records (``rows`` carry ``old_route_id`` for the routes layer); the kpis say
    how many trucks would collect ``target_pct`` of the truck-needed produce
    (:func:`optimize.fleet.target.season_target`); ``weight_of`` (settlement id ->
    weight) makes the packing maximise weighted tonnes (a poverty county's produce first).
    """
    index = {s: k for k, s in enumerate(store_ids)}
    by_id = {r["route_id"]: r for r in routes}
    own: dict[str, tuple[Job, int]] = {}
    prio: dict[str, float] = {}
    for r in routes:  # each trip read back to its own store, worth its weighted tonnes
        job, own_m = own_store_job(r, index, drive_s, drive_m, first_legs)
        ids, loads = [s["settlement_id"] for s in r["stops"]], [s["pickup_t"] for s in r["stops"]]
        own[r["route_id"]] = (dataclasses.replace(job, value=weighted_t(ids, loads, weight_of)),
                              own_m)
        prio[r["route_id"]] = priority_t(ids, loads, weight_of)
    packed, rule = pack_with_priority(
        [j for j, _ in own.values()], prio, drive_s, n_trucks, shift_s, reach_s=reach_s,
        lead_s=first_legs.time_s if first_legs is not None else None)
    out = SeasonRecords(season, unserved=[dict(u) for u in unserved])
    moves = Moves(store_ids, drive_s, drive_m, first_legs, shift_start_s)
    for day in packed.trucks:
        _retime(out, day, by_id, own, moves)
    tonnes: dict[str, float] = collections.defaultdict(float)
    for r in routes:
        tonnes[r["store_id"]] += float(r["load_t"])
    parks = sorted(store_ids, key=lambda s: (-tonnes[s], s)) or [""]
    for k in range(len(packed.trucks), n_trucks):
        out.trucks.append({"truck_id": f"T{k + 1:03d}", "season": season,
                           "base_id": parks[(k - len(packed.trucks)) % len(parks)],
                           "trips": [], "start_s": shift_start_s,
                           "end_s": shift_start_s, "work_s": 0, "distance_m": 0,
                           "collection_t": 0.0, "market_t": 0.0, "idle": True,
                           "idle_reason": packed.idle_reason, "empty_legs": []})
    for jid in packed.dropped:
        r = by_id[jid]
        out.unserved += [{"settlement_id": s["settlement_id"], "name": s["name"],
                          "county_code": str(s["settlement_id"])[:6], "stage": "routing",
                          "reason": packed.dropped_reason, "season": season,
                          "tonnes_t": s["pickup_t"]} for s in r["stops"]]
    needed = sum(float(r["load_t"]) for r in routes) + sum(
        float(u.get("tonnes_t") or 0.0) for u in unserved)
    routed = sum(float(r["load_t"]) for r in out.routes)
    used = len(packed.trucks)
    out.kpis = {
        "daily_supply_t": round(self_delivered_t + needed, 3),
        "daily_self_delivered_t": round(self_delivered_t, 3),
        "daily_truck_needed_t": round(needed, 3), "daily_pickup_routed_t": round(routed, 3),
        "daily_unrouted_t": round(needed - routed, 3), "market_t": 0.0,
        "left_for_buyers_t": round(self_delivered_t + routed, 3), "trucks": n_trucks,
        "trucks_used": used, "idle_trucks": n_trucks - used,
        "dropped_trips": len(packed.dropped),
        "distance_km": round(sum(t["distance_m"] for t in out.trucks) / 1000, 3),
        "fuel_l": None, "co2_kg": None, "cost_yuan": None, "packing": rule,
        **priority_kpis(out.routes, out.unserved, weight_of)}
    out.kpis.update(season_target(
        plain_jobs(j for j, _ in own.values()), drive_s, n_trucks, shift_s, out.kpis,
        target_pct=target_pct, reach_s=reach_s,
        lead_s=first_legs.time_s if first_legs is not None else None).kpis())
    return out


def own_store_job(route: Mapping[str, Any], index: Mapping[str, int], drive_s: np.ndarray,
                  drive_m: np.ndarray, legs: FirstLegs | None) -> tuple[Job, int]:
    """A saved collection trip read back to its own store: (the packer's job, its length
    in metres from its own store). See the module for the rule."""
    store = index[route["store_id"]]
    start = trip_start(route, index)
    stops = route["stops"]
    if not stops:
        return Job(route["route_id"], store, int(route["end_s"] - route["start_s"]),
                   float(route["load_t"])), int(route["distance_m"])
    lead_s = int(stops[0]["arrival_s"] - route["start_s"])
    rest_s = int(route["end_s"] - stops[0]["arrival_s"])
    column = legs.columns.get(str(stops[0]["settlement_id"]), -1) if legs is not None else -1
    if column >= 0 and legs is not None and legs.time_s[store, column] >= FAR_S:
        column = -1  # its own first leg is not in the table: it never starts direct
    if start == store:
        own_s, own_m = lead_s, int(route["distance_m"])
    elif column >= 0 and legs is not None:
        # the saved first leg was direct when its time is the direct drive's
        took_m = legs.distance_m[start, column] if lead_s == legs.time_s[start, column] \
            else drive_m[start, store] + legs.distance_m[store, column]
        own_s = int(legs.time_s[store, column])
        own_m = int(route["distance_m"] - took_m + legs.distance_m[store, column])
    else:
        own_s = max(0, lead_s - int(drive_s[start, store]))
        own_m = int(route["distance_m"] - drive_m[start, store])
    return Job(route["route_id"], store, own_s + rest_s, float(route["load_t"]), column,
               own_s), own_m


def poverty_weights(settlements: pd.DataFrame, poverty_weight: float) -> dict[str, float]:
    """Settlement id -> ``poverty_weight`` for a village of a poverty county (the plan's
    ``poor`` column), 1 otherwise: the siting's weights, for the packing."""
    poor = settlements["poor"].fillna(False).astype(bool)
    return dict(zip(settlements["settlement_id"].astype(str),
                    np.where(poor, float(poverty_weight), 1.0), strict=True))


def own_store_legs(route: Mapping[str, Any], job: Job, own_m: int
                   ) -> list[dict[str, Any]] | None:
    """A saved trip's legs read back to its own store, as :func:`own_store_job` reads
    its length (``own_m``) and its first leg's time (``job.lead_s``): the drive to its own
    store (when it went via it) is dropped, and the first leg runs from its own store,
    its metres what ``own_m`` leaves after the other legs. ``None`` without saved legs."""
    legs = route.get("legs")
    if not legs or not route["stops"]:
        return None
    rest = list(legs[1:])
    if route.get("start_id") not in (None, route["store_id"]) and len(legs) > 1 \
            and legs[0]["to_id"] == route["store_id"]:
        rest = list(legs[2:])  # went via its own store: that drive and its own first leg
        first = legs[1]
    else:
        first = legs[0]
    first_m = own_m - sum(int(g["distance_m"]) for g in rest)
    return [{**first, "from_id": route["store_id"], "time_s": int(job.lead_s),
             "distance_m": int(first_m)}, *rest]


def trip_start(route: Mapping[str, Any], index: Mapping[str, int]) -> int:
    """Row in ``index`` of the store a saved trip started from (``start_id``, its own
    store without one); ``ValueError`` naming the trip when that is not a store."""
    start_id = str(route.get("start_id") or route["store_id"])
    if start_id not in index:
        raise ValueError(f"trip {route['route_id']}: start_id {start_id!r} is not a store "
                         "of the plan")
    return int(index[start_id])


def started_at_own_store(route: Mapping[str, Any]) -> bool:
    """Whether a saved trip started at its own store (so its line is drawn from there)."""
    return route.get("start_id") in (None, route["store_id"])


def _retime(out: SeasonRecords, day: TruckDay, by_id: Mapping[str, Mapping[str, Any]],
            own: Mapping[str, tuple[Job, int]], moves: Moves) -> None:
    """The truck-day's trips with new truck, base, start, rank and clock; its truck
    record."""
    truck_id = f"T{day.truck + 1:03d}"
    base_id = moves.store_ids[day.base]
    ids, distance, tonnes = [], 0, 0.0
    for rank, jid in enumerate(day.jobs, start=1):
        old = by_id[jid]
        job, own_m = own[jid]
        first = int(old["stops"][0]["arrival_s"]) if old["stops"] else int(old["start_s"])
        go = moves.start(day, rank - 1, job, first)
        shift = go["shift_s"]
        route = {**old, **{k: int(old[k]) + shift for k in TIME_FIELDS if k in old},
                 "route_id": f"{out.season.replace(' ', '_')}-{truck_id}-{rank}",
                 "truck_id": truck_id, "base_id": base_id, "trip": rank,
                 "start_id": moves.store_ids[go["from"]], "start_s": go["depart_s"],
                 "distance_m": own_m + go["extra_m"],
                 "colour": PALETTE[day.truck % len(PALETTE)],
                 "stops": [{**s, "arrival_s": int(s["arrival_s"]) + shift}
                           for s in old["stops"]]}
        route.pop("legs", None)
        driven = moves.driven_legs(own_store_legs(old, job, own_m), go, job.store)
        if driven is not None:
            route["legs"] = driven
        route["duration_s"] = route["end_s"] - route["start_s"]
        ids.append(route["route_id"])
        distance += int(route["distance_m"])
        tonnes += float(route["load_t"])
        out.routes.append(route)
        out.rows.append({**{k: v for k, v in route.items() if k not in LIST_FIELDS},
                         "old_route_id": jid, "first_leg": (
                             go["from"], job.store,
                             str(old["stops"][0]["settlement_id"]) if old["stops"] else "",
                             started_at_own_store(old))})
    out.trucks.append(truck_record(out.season, truck_id, day, moves.store_ids, moves.drive_m,
                                   ids, distance, tonnes, moves.shift_start_s))


def repack_plan_meta(meta: Mapping[str, Any], store_ids: Sequence[str], drive_s: np.ndarray,
                     drive_m: np.ndarray, n_trucks: int, shift_s: int,
                     *, reach_s: int = DEFAULT_REACH_S,
                     target_pct: float = DEFAULT_TARGET_PCT,
                     first_legs: FirstLegs | None = None,
                     weight_of: Mapping[str, float] | None = None) -> list[SeasonRecords]:
    """:func:`repack_season` for every season of a merged plan's ``routes``.

    Self-delivered tonnes per season are the sum of the regional ``seasons[*].kpis``
    (passed in ``meta["season_kpis"]`` as ``{season: [kpis, ...]}``); unserved routing
    pickups of a season other than "fleet capacity reached" ones are kept.
    """
    seasons = sorted({r["season"] for r in meta["routes"] if r.get("season")}
                     | set(meta.get("season_kpis", {})))
    out = []
    for season in seasons:
        routes = [r for r in meta["routes"] if r.get("season") == season
                  and r.get("kind", "collection") == "collection"]
        left = [u for u in meta["unserved"] if u.get("season") == season
                and u.get("stage") == "routing" and "fleet capacity" not in u["reason"]]
        own = sum(float(k["daily_self_delivered_t"])
                  for k in meta.get("season_kpis", {}).get(season, []))
        out.append(repack_season(season, routes, left, own, store_ids, drive_s, drive_m,
                                 n_trucks, shift_s, reach_s=reach_s,
                                 target_pct=target_pct, first_legs=first_legs,
                                 weight_of=weight_of))
    return out


def province_store_drives(net: Network, stores: pd.DataFrame
                          ) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Store ids and the empty drive (s, m) between every pair of stores on the province
    network (``stores`` needs store_id, site_settlement_id), across prefecture borders."""
    sites = stores["site_settlement_id"].astype(str)
    nodes, leg_s, leg_m = site_places(net, sites)
    time_s, distance_m = leg_matrices(net.csr, list(sites), nodes, leg_s, leg_m)
    return list(stores["store_id"]), time_s, distance_m


def province_first_legs(net: Network, stores: pd.DataFrame,
                        routes: Sequence[Mapping[str, Any]], *,
                        reach_s: int = DEFAULT_REACH_S) -> FirstLegs:
    """The drives from every store (rows in ``stores`` order, as
    :func:`province_store_drives`) to the first villages of the collection ``routes``, on
    the province network across prefecture borders; the search stops at twice ``reach_s``
    plus the longest first leg of the routes (farther pairs drive via the trip's store)."""
    settle = net.settlements
    row = pd.Series(np.arange(len(settle)), index=settle["village_code"].astype(str))
    sites = stores["site_settlement_id"].astype(str)
    at = row.reindex(sites)
    if at.isna().any():
        raise ValueError(f"store sites not among the province's villages: "
                         f"{list(sites[at.isna().to_numpy()])[:5]}")
    rows = at.to_numpy(dtype=int)
    collect = [r for r in routes if r.get("kind", "collection") == "collection" and r["stops"]]
    lead = max([int(r["stops"][0]["arrival_s"] - r["start_s"]) for r in collect], default=0)
    return first_legs_from(
        net, list(range(len(stores))), list(sites),
        list(np.asarray(net.settle_node, dtype=object)[rows]),
        (settle["leg_s"].to_numpy(dtype=float)[rows], settle["leg_m"].to_numpy(dtype=float)[rows]),
        len(stores), [str(r["stops"][0]["settlement_id"]) for r in collect],
        2 * reach_s + lead)


def self_delivered_by_season(plan: Plan, scenario: Scenario) -> dict[str, float]:
    """Daily self-delivered tonnes per season: villages marked ``self_delivered`` in the
    settlements layer, each with its prefecture's crop shares of the season."""
    settle = plan.settlements
    own = settle[settle["self_delivered"].fillna(False).astype(bool)
                 & settle["store_id"].notna()] if "self_delivered" in settle else settle[:0]
    out: dict[str, float] = {}
    for code, group in own.groupby(own["settlement_id"].str[:4]):
        supply = float(group["supply_t"].sum())
        for season in region_seasons(scenario, str(code)):
            share = sum(s for _, s in season.crops)
            out[season.name] = out.get(season.name, 0.0) + supply * share / season.days
    return out


def repack_province_plan(plan: Plan, scenario: Scenario, store_ids: Sequence[str],
                         drive_s: np.ndarray, drive_m: np.ndarray, n_trucks: int,
                         *, reach_s: int = DEFAULT_REACH_S,
                         markets: Sequence[Market] | None = None,
                         net: Network | None = None,
                         market_road: TravelTable | None = None,
                         bound_items: Mapping[str, Sequence[Sequence[Any]]] | None = None
                         ) -> Plan:
    """The merged province plan with every season's trips packed into ``n_trucks``.

    ``plan`` is the merge of regional plans run with ``fleet_trucks=0`` (every trip the
    stores need); its routes, trucks, unserved routing pickups, season KPIs, headline KPIs
    and trucks per store are replaced; ``meta["seasons"]["seasons"][*]`` gain ``kpis``.
    With ``markets``, each season's trucks then run to market in the time left
    (:mod:`optimize.pipeline.province_markets`), by road to every market on the province
    network where ``market_road`` is given; every trip is priced. With the province
    network ``net`` a trip drives straight from where its truck last unloaded to its
    first village (:func:`province_first_legs`); without it, via its own store.
    ``bound_items`` (season -> the prefectures' fleet-bound items,
    :func:`season_bound_items`; default: the plan's own seasons') give each season's
    proven bound for ``n_trucks`` (:func:`province_bounds`).
    """
    meta = dict(plan.meta)
    if list(plan.stores["store_id"]) != list(store_ids):
        raise ValueError("store_ids must list the plan's stores in order "
                         "(province_store_drives(net, plan.stores))")
    legs = province_first_legs(net, plan.stores, meta["routes"], reach_s=reach_s) \
        if net is not None else None
    own = self_delivered_by_season(plan, scenario)
    records = repack_plan_meta({**meta, "season_kpis": {
        s: [{"daily_self_delivered_t": t}] for s, t in own.items()}}, store_ids, drive_s,
        drive_m, n_trucks, scenario.shift_s, reach_s=reach_s,
        target_pct=scenario.collection_target_pct, first_legs=legs,
        weight_of=poverty_weights(plan.settlements, scenario.poverty_weight))
    province_bounds(records, season_bound_items([meta]) if bound_items is None
                    else bound_items, n_trucks, scenario, net, plan.stores)
    extra = plan_province_markets(records, plan, scenario, markets, store_ids, drive_s,
                                  drive_m, market_road)
    old = plan.routes.set_index("route_id")
    rows = [{**{k: v for k, v in r.items() if k not in ("old_route_id", "first_leg")},
             "geometry": r["geometry"] if "old_route_id" not in r
             else first_leg_geometry(old.loc[r["old_route_id"], "geometry"], legs,
                                     *r["first_leg"])} for rec in records
            for r in rec.rows]
    routes = gpd.GeoDataFrame(pd.DataFrame(rows, columns=[*SEASON_ROUTE_COLUMNS]),
                              geometry="geometry", crs=4326)
    kept = [u for u in meta["unserved"] if u.get("stage") != "routing"]
    meta.update(extra.meta(NO_MARKET_RUNS))
    meta["assumptions"] = list(dict.fromkeys(
        [*meta.get("assumptions", []), *province_market_assumptions(extra)]))
    meta.update(routes=[r for rec in records for r in rec.routes],
                trucks=[t for rec in records for t in rec.trucks],
                unserved=kept + [u for rec in records for u in rec.unserved])
    by_name = {rec.season: rec.kpis for rec in records}
    seasons = dict(meta.get("seasons") or {})
    seasons["seasons"] = [{**s, "kpis": by_name[s["name"]]}
                          for s in seasons.get("seasons", []) if s["name"] in by_name]
    head = seasons.get("routed_season") or max(by_name, key=lambda s:
                                               by_name[s]["daily_supply_t"])
    seasons["routed_season"] = head
    seasons.update(season_moves([r.season for r in records], meta["trucks"], plan.stores,
                                n_trucks, scenario.detour_factor))
    seasons["fleet"] = spread_cells(seasons["fleet"], seasons["seasons"], meta["routes"],
                                    meta["unserved"], scenario.collection_target_pct)
    seasons["rule"] = SPREAD_RULE
    meta["seasons"] = seasons
    base = collections.Counter(t["base_id"] for t in meta["trucks"] if t["season"] == head)
    stores = plan.stores.assign(trucks=[base.get(s, 0) for s in plan.stores["store_id"]])
    meta.update(store_lists(stores))
    k = meta["kpis"]
    meta["kpis"] = compute_kpis(plan.settlements, stores, routes, trucks=n_trucks,
                                budget_yuan=k.get("budget_yuan") or 0.0,
                                daily_pickup_t=by_name[head]["daily_truck_needed_t"],
                                season=head)
    meta = {key: meta[key] for key in META_KEYS if key in meta}
    return Plan(meta, plan.counties, plan.settlements, stores, routes)


def season_bound_items(metas: Sequence[Mapping[str, Any]]
                       ) -> dict[str, list[Sequence[Any]]]:
    """Season -> the fleet-bound items of every plan of ``metas`` (``plan.json`` metas of
    the prefectures, their ``seasons.seasons[*].kpis.fleet_bound.items``)."""
    out: dict[str, list[Sequence[Any]]] = {}
    for m in metas:
        for s in (m.get("seasons") or {}).get("seasons", []):
            bound = (s.get("kpis") or {}).get("fleet_bound")
            if bound:
                out.setdefault(s["name"], []).extend(bound["items"])
    return out


def province_bounds(records: Sequence[SeasonRecords],
                    items: Mapping[str, Sequence[Sequence[Any]]], n_trucks: int,
                    scenario: Scenario, net: Network | None, stores: pd.DataFrame) -> None:
    """Add each season's proven bound (:mod:`optimize.fleet.bound`) for the province's
    ``n_trucks`` to its kpis and fleet-capacity reasons, in place. A prefecture's item
    arrives at its village no faster than from its own stores; on the province network
    ``net`` a store of another prefecture may be nearer, so the arrival (and the cost)
    is lowered to the drive from the nearest store of the province
    (:func:`~optimize.pipeline.trips.drive_from_stores_s`). Seasons without items
    (plans made before the bound) get none."""
    nearest: dict[str, float] = {}
    if net is not None and len(stores):
        sites = stores["site_settlement_id"].astype(str)
        nodes, _, _ = site_places(net, sites)
        drive = drive_from_stores_s(net, nodes, list(sites))
        nearest = dict(zip(net.settlements["village_code"].astype(str), drive, strict=True))
    for rec in records:
        raw = items.get(rec.season)
        if not raw:
            continue
        own = [(str(i[0]), float(i[1]), float(i[2]), float(i[3])) for i in raw]
        arrive = [min(a, nearest.get(sid, a)) for sid, _, _, a in own]
        low = bound_items([i[0] for i in own], [i[1] for i in own],
                          [c - a + b for (_, _, c, a), b in zip(own, arrive, strict=True)],
                          arrive)
        bound = FleetBound(tuple(low), n_trucks, scenario.shift_s,
                           float(rec.kpis["daily_truck_needed_t"]),
                           float(rec.kpis.get("target_pct", scenario.collection_target_pct)))
        rec.kpis.update(bound.kpis())
        rec.unserved = with_bound_reason(rec.unserved, rec.kpis)


def season_moves(seasons: Sequence[str], trucks: Sequence[Mapping[str, Any]],
                 stores: gpd.GeoDataFrame, n_trucks: int,
                 detour_factor: float) -> dict[str, Any]:
    """``seasons`` keys recomputed from the re-packed bases: trucks per season and
    prefecture (a base's prefecture: its store id's 4-digit prefix), and the least
    truck-km moves between seasons (:func:`optimize.fleet.seasons.share_fleet` with these
    counts as the need, so it keeps them; distances between the prefectures' store
    centres x ``detour_factor``)."""
    regions = sorted({str(s)[:4] for s in stores["store_id"]})
    count = np.zeros((len(seasons), len(regions)), dtype=np.int64)
    for t in trucks:
        count[seasons.index(t["season"]), regions.index(str(t["base_id"])[:4])] += 1
    pts = stores.assign(code=stores["store_id"].str[:4], x=stores.geometry.x,
                        y=stores.geometry.y).groupby("code")[["x", "y"]].mean()
    seats = {c: (float(pts.loc[c, "x"]), float(pts.loc[c, "y"])) for c in regions}
    fleet = share_fleet(count, n_trucks, region_distances(seats, detour_factor),
                        seasons=seasons, regions=regions)
    return {"fleet": fleet.rows(),
            "trucks_by_season": {s: int(count[k].sum()) for k, s in enumerate(seasons)},
            "moves": [{**dataclasses.asdict(m), "truck_km": round(m.truck_km, 1)}
                      for m in fleet.moves],
            "repositioning_truck_km": round(fleet.repositioning_truck_km, 1),
            "shortfalls": [], "distances": fleet.distances_note}


def province_market_assumptions(extra: ProvinceMarkets) -> list[str]:
    """Assumptions of the province's market runs and cost figures, in plain words."""
    out = []
    if extra.markets:
        out += travel_assumptions() + DEFAULT_RULES.assumptions() + shelf_life_assumptions()
    return out + DEFAULT_COSTS.assumptions()
