"""One season's day of the shared fleet: the stores' trips packed into truck-days, timed.

:func:`season_fleet` takes every store's :class:`~optimize.pipeline.trips.StoreDay` of
one season (a region's, or all prefectures' for the province), packs their trips into the
fleet with :func:`optimize.fleet.shared.plan_fleet_day`, and returns the plan's records
for that season: timed trips (``routes``), truck-days (``trucks``), the pickups left out
(``unserved``) and the season's ``kpis``. Clock times are seconds from midnight; the
shift starts at :data:`SHIFT_START_S` (an assumption, listed in the plan).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from optimize.fleet.shared import DEFAULT_REACH_S, FleetDay, Job, plan_fleet_day
from optimize.fleet.target import DEFAULT_TARGET_PCT, season_target
from optimize.pipeline.network import Network, leg_matrices
from optimize.pipeline.routing import Depot
from optimize.pipeline.trips import StoreDay

#: The shift starts at 06:00 (seconds from midnight): no source, an assumption.
SHIFT_START_S = 6 * 3600
SHIFT_START_NOTE = ("shift start 06:00 for every truck (trip clock times are seconds from "
                    "midnight): no source, an assumption")
#: Trip and stop tonnes are written to the gram: the census spreads a county's produce
#: evenly over its villages, so rounding every stop to the kilogram rounds hundreds of
#: equal loads the same way (measured: 0.16 t over Linxia's autumn trips).
GRAM_DIGITS = 6
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#637939", "#8c6d31", "#843c39")


@dataclass
class SeasonRecords:
    """One season's part of the plan: trips (meta + layer rows), trucks, unserved, KPIs."""

    season: str
    routes: list[dict[str, Any]] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)
    trucks: list[dict[str, Any]] = field(default_factory=list)
    unserved: list[dict[str, Any]] = field(default_factory=list)
    kpis: dict[str, Any] = field(default_factory=dict)
    left_by_store: dict[str, float] = field(default_factory=dict)


def store_drive_matrices(net: Network, depots: Sequence[Depot]) -> tuple[np.ndarray,
                                                                          np.ndarray]:
    """Empty driving time (s) and distance (m) between every pair of stores."""
    return leg_matrices(net.csr, [d.settlement_id for d in depots], [d.node for d in depots],
                        np.array([d.leg_s for d in depots], dtype=float),
                        np.array([d.leg_m for d in depots], dtype=float))


def season_fleet(days: Sequence[StoreDay], store_ids: Sequence[str], drive_s: np.ndarray,
                 drive_m: np.ndarray, n_trucks: int, shift_s: int, *,
                 approximate: bool = False, reach_s: int = DEFAULT_REACH_S,
                 shift_start_s: int = SHIFT_START_S,
                 target_pct: float = DEFAULT_TARGET_PCT) -> SeasonRecords:
    """The season's records: every store's trips packed into ``n_trucks`` truck-days.

    ``days`` are the stores' days of one season (``StoreDay.store`` indexes ``store_ids``
    and both matrices: the empty drives between stores, across any border).
    ``n_trucks`` 0 means no fleet limit: as many trucks as the trips need, none idle (a
    province's prefecture, re-packed later by :mod:`optimize.pipeline.province_fleet`).
    The kpis say how many trucks would collect ``target_pct`` of the truck-needed produce
    (:func:`optimize.fleet.target.season_target`).
    """
    season = days[0].season if days else ""
    trips = {f"{d.store_id}:{k}": (d, t, g) for d in days
             for k, (t, g) in enumerate(zip(d.result.trips, d.geometries, strict=True))}
    jobs = [Job(jid, d.store, int(t.end_s - t.start_s), _trip_load(d, t))
            for jid, (d, t, _) in trips.items()]
    unlimited = n_trucks <= 0
    packed = plan_fleet_day(jobs, drive_s, len(jobs) if unlimited else n_trucks, shift_s,
                            reach_s=reach_s)
    if unlimited:  # the fleet is what the trips need: no truck idle
        packed = dataclasses.replace(packed, idle=0, idle_reason="")
        n_trucks = len(packed.trucks)
    out = SeasonRecords(season)
    for day in packed.trucks:
        _truck_records(out, day, trips, store_ids, drive_m, approximate, shift_start_s)
    _idle_records(out, packed, days, store_ids, n_trucks, shift_start_s)
    dropped = set(packed.dropped)
    for jid in packed.dropped:
        d, t, _ = trips[jid]
        out.unserved += [_unserved(d, p, packed.dropped_reason) for p in t.stops]
    for d in days:
        out.unserved += [_unserved(d, p, reason) for p, reason in d.unserved]
    unrouted = sum(u["tonnes_t"] for u in out.unserved)
    out.unserved = _merge_unserved(out.unserved)
    out.kpis = season_kpis(out, days, n_trucks, len(dropped), unrouted)
    out.kpis.update(season_target(jobs, drive_s, len(jobs) if unlimited else n_trucks,
                                  shift_s, out.kpis, target_pct=target_pct,
                                  reach_s=reach_s).kpis())
    return out


def _trip_load(d: StoreDay, t: Any) -> float:
    return round(float(d.pickups["pickup_t"].iloc[list(t.stops)].sum()), GRAM_DIGITS)


def _truck_records(out: SeasonRecords, day: Any, trips: dict[str, Any],
                   store_ids: Sequence[str], drive_m: np.ndarray, approximate: bool,
                   shift_start_s: int) -> None:
    """Timed trips of one truck-day and its truck record."""
    truck_id = f"T{day.truck + 1:03d}"
    base_id = store_ids[day.base]
    route_ids, distance, tonnes = [], 0, 0.0
    for rank, (jid, offset) in enumerate(zip(day.jobs, day.starts_s, strict=True), start=1):
        d, t, geom = trips[jid]
        shift = shift_start_s + offset - int(t.start_s)
        route = _trip_record(d, t, shift, truck_id, base_id, rank, out.season, approximate)
        route["colour"] = PALETTE[day.truck % len(PALETTE)]
        route_ids.append(route["route_id"])
        distance += route["distance_m"]
        tonnes += route["load_t"]
        out.routes.append(route)
        out.rows.append({**{k: v for k, v in route.items() if k != "stops"},
                         "geometry": geom})
    out.trucks.append(truck_record(out.season, truck_id, day, store_ids, drive_m, route_ids,
                                   distance, tonnes, shift_start_s))


def truck_record(season: str, truck_id: str, day: Any, store_ids: Sequence[str],
                 drive_m: np.ndarray, route_ids: list[str], trips_m: int, tonnes: float,
                 shift_start_s: int) -> dict[str, Any]:
    """A working truck's ``meta["trucks"]`` entry: its trips (``trips_m`` metres,
    ``tonnes`` collected) and the empty legs of its packed ``day``."""
    legs = [{"from_id": store_ids[a], "to_id": store_ids[b], "drive_s": s,
             "distance_m": int(drive_m[a, b])} for a, b, s in day.legs]
    distance = trips_m + sum(int(drive_m[a, b]) for a, b, _ in day.legs)
    return {"truck_id": truck_id, "season": season, "base_id": store_ids[day.base],
            "trips": route_ids, "start_s": shift_start_s,
            "end_s": shift_start_s + day.work_s, "work_s": day.work_s,
            "distance_m": int(distance), "collection_t": round(tonnes, 3), "market_t": 0.0,
            "idle": False, "idle_reason": None, "empty_legs": legs}


def _trip_record(d: StoreDay, t: Any, shift: int, truck_id: str, base_id: str, rank: int,
                 season: str, approximate: bool) -> dict[str, Any]:
    """One collection trip as a ``meta["routes"]`` item, times shifted by ``shift``."""
    p = d.pickups
    stops = [{"settlement_id": p["settlement_id"].iloc[i], "name": p["name"].iloc[i],
              "crop": p["crop"].iloc[i], "freshness_limit_s": int(p["freshness_s"].iloc[i]),
              "arrival_s": int(a) + shift,
              "pickup_t": round(float(p["pickup_t"].iloc[i]), GRAM_DIGITS),
              "load_after_t": round(float(load), GRAM_DIGITS)}
             for i, a, load in zip(t.stops, t.arrival_s, t.load_after_t, strict=True)]
    return {
        "route_id": f"{season.replace(' ', '_')}-{truck_id}-{rank}", "kind": "collection",
        "season": season, "truck_id": truck_id, "base_id": base_id, "store_id": d.store_id,
        "market_id": None, "trip": rank, "stops_count": len(stops),
        "load_t": round(sum(s["pickup_t"] for s in stops), GRAM_DIGITS),
        "distance_m": int(t.distance_m), "duration_s": int(t.end_s - t.start_s),
        "start_s": int(t.start_s) + shift, "store_arrival_s": int(t.store_arrival_s) + shift,
        "end_s": int(t.end_s) + shift, "max_age_s": int(t.max_age_s),
        "freshness_limit_s": max(s["freshness_limit_s"] for s in stops),
        "colour": "", "approximate_geometry": approximate,
        "fuel_l": None, "co2_kg": None, "cost_yuan": None, "stops": stops}


def _idle_records(out: SeasonRecords, packed: FleetDay, days: Sequence[StoreDay],
                  store_ids: Sequence[str], n_trucks: int, shift_start_s: int) -> None:
    """Idle trucks, based in turn at the stores with the most truck-collected tonnes."""
    if packed.idle <= 0:
        return
    load: dict[int, float] = {}
    for d in days:
        load[d.store] = load.get(d.store, 0.0) + float(d.pickups["pickup_t"].sum())
    order = sorted(range(len(store_ids)), key=lambda s: (-load.get(s, 0.0), s))
    for k in range(n_trucks - packed.idle, n_trucks):
        base = store_ids[order[(k - (n_trucks - packed.idle)) % len(order)]]
        out.trucks.append({
            "truck_id": f"T{k + 1:03d}", "season": out.season, "base_id": base, "trips": [],
            "start_s": shift_start_s, "end_s": shift_start_s, "work_s": 0, "distance_m": 0,
            "collection_t": 0.0, "market_t": 0.0, "idle": True,
            "idle_reason": packed.idle_reason, "empty_legs": []})


def _unserved(d: StoreDay, p: int, reason: str) -> dict[str, Any]:
    pk = d.pickups
    return {"settlement_id": pk["settlement_id"].iloc[p], "name": pk["name"].iloc[p],
            "county_code": pk["county_code"].iloc[p], "stage": "routing", "reason": reason,
            "season": d.season, "tonnes_t": float(pk["pickup_t"].iloc[p])}


def _merge_unserved(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One entry per (village, reason) with its tonnes summed."""
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    for item in items:
        key = (item["settlement_id"], item["reason"])
        if key in merged:
            merged[key]["tonnes_t"] += item["tonnes_t"]
        else:
            merged[key] = dict(item)
    for item in merged.values():
        item["tonnes_t"] = round(item["tonnes_t"], GRAM_DIGITS)
    return list(merged.values())


def season_kpis(out: SeasonRecords, days: Sequence[StoreDay], n_trucks: int,
                dropped: int, unrouted_t: float) -> dict[str, Any]:
    """``seasons.seasons[*].kpis``: who carries what, trucks and kilometres.

    Tonnes are summed unrounded (routed = needed - unrouted), then rounded to 1 kg, so
    the identities hold exactly; the trips' rounded ``load_t`` add up to within grams.
    """
    own = sum(float(d.self_delivered["daily_t"].sum()) for d in days)
    needed = sum(float(d.pickups["pickup_t"].sum()) for d in days)
    routed = needed - unrouted_t
    for d in days:
        own_d = float(d.self_delivered["daily_t"].sum())
        routed_d = sum(r["load_t"] for r in out.routes if r["store_id"] == d.store_id)
        out.left_by_store[d.store_id] = round(own_d + routed_d, 3)
    used = sum(1 for t in out.trucks if not t["idle"])
    return {
        "daily_supply_t": round(own + needed, 3), "daily_self_delivered_t": round(own, 3),
        "daily_truck_needed_t": round(needed, 3), "daily_pickup_routed_t": round(routed, 3),
        "daily_unrouted_t": round(needed - routed, 3), "market_t": 0.0,
        "left_for_buyers_t": round(own + routed, 3), "trucks": n_trucks,
        "trucks_used": used, "idle_trucks": n_trucks - used,
        "dropped_trips": dropped,
        "distance_km": round(sum(t["distance_m"] for t in out.trucks) / 1000, 3),
        "fuel_l": None, "co2_kg": None, "cost_yuan": None}

