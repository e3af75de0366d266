"""One season's day of the shared fleet: the stores' trips packed into truck-days, timed.

:func:`season_fleet` takes every store's :class:`~optimize.pipeline.trips.StoreDay` of
one season (a region's, or all prefectures' for the province), packs their trips into the
fleet with :func:`optimize.fleet.shared.plan_fleet_day`, and returns the plan's records
for that season: timed trips (``routes``), truck-days (``trucks``), the pickups left out
(``unserved``) and the season's ``kpis``. Clock times are seconds from midnight; the
shift starts at :data:`SHIFT_START_S` (an assumption, listed in the plan).

A trip starts where its truck last unloaded (``start_id``: the truck's base for its first
trip, the previous trip's store after that) and drives from there to its first village:
:func:`retimed_first_leg` moves the routed trip (store -> villages -> store) to that start,
its first leg's time and metres taken from :class:`FirstLegs` (the drives from every store
to the trips' first villages, :func:`first_legs_from`); stops, store and freshness stay.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from shapely.geometry import LineString

from geodata.matrix import travel_time_matrix
from optimize.fleet.bound import FleetBound, bound_items
from optimize.fleet.priority import pack_with_priority
from optimize.fleet.shared import DEFAULT_REACH_S, FAR_S, FleetDay, Job, first_leg
from optimize.fleet.target import DEFAULT_TARGET_PCT, season_target
from optimize.pipeline.network import Network, leg_matrices
from optimize.pipeline.routing import Depot
from optimize.pipeline.trips import UNREACHABLE, StoreDay

#: The reason prefix of a pickup whose trip the fleet could not fit
#: (:mod:`optimize.fleet.shared`).
FLEET_FULL = "fleet capacity reached"
#: The shift starts at 06:00 (seconds from midnight): no source, an assumption.
SHIFT_START_S = 6 * 3600
SHIFT_START_NOTE = ("shift start 06:00 for every truck (trip clock times are seconds from "
                    "midnight): no source, an assumption")
#: Trip and stop tonnes are written to the gram: the census spreads a county's produce
#: evenly over its villages, so rounding every stop to the kilogram rounds hundreds of
#: equal loads the same way (measured: 0.16 t over Linxia's autumn trips).
GRAM_DIGITS = 6
#: A trip record's list fields, kept out of the routes layer's rows (plan.json only).
LIST_FIELDS = ("stops", "legs")
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


@dataclass(frozen=True)
class FirstLegs:
    """Drives from every store to the trips' first villages: ``time_s`` / ``distance_m``
    ``(S, V)`` (rows index the stores as the drive matrices do, :data:`FAR_S` seconds
    where unknown), ``columns`` the settlement id of each column's village; ``points``
    (lon, lat) of the stores (by row) and the villages (by id), to draw first legs."""

    columns: dict[str, int]
    time_s: np.ndarray
    distance_m: np.ndarray
    points: dict[int | str, tuple[float, float]] = field(default_factory=dict)


def first_legs_from(net: Network, rows: Sequence[int], keys: Sequence[str],
                    nodes: Sequence[Any], legs: tuple[np.ndarray, np.ndarray],
                    n_stores: int, villages: Sequence[str], cutoff_s: float | None
                    ) -> FirstLegs:
    """:class:`FirstLegs` from the stores ``rows`` (settlement ``keys`` at graph ``nodes``
    with village legs ``legs`` (s, m)) to the ``villages`` (settlement ids), on ``net``
    as :func:`~optimize.pipeline.network.leg_matrices` measures: graph drive (searched up
    to ``cutoff_s``) plus both village legs, 0 within one settlement."""
    settle = net.settlements
    at = pd.Series(np.arange(len(settle)), index=settle["village_code"].astype(str))
    vids = sorted(set(map(str, villages)))
    found = at.reindex(vids)
    if found.isna().any():
        missing = list(found[found.isna()].index)[:5]
        raise ValueError(f"first villages not among the network's villages: {missing}")
    cols = found.to_numpy(dtype=int)
    time_s = np.full((n_stores, len(vids)), FAR_S, dtype=np.int64)
    distance_m = np.zeros((n_stores, len(vids)), dtype=np.int64)
    xy = settle.geometry
    points: dict[int | str, tuple[float, float]] = {
        **{v: (float(xy.iloc[c].x), float(xy.iloc[c].y)) for v, c in zip(vids, cols,
                                                                         strict=True)},
        **{int(r): (float(xy.iloc[at[str(k)]].x), float(xy.iloc[at[str(k)]].y))
           for r, k in zip(rows, keys, strict=True) if str(k) in at.index}}
    if not len(rows) or not vids:
        return FirstLegs({v: k for k, v in enumerate(vids)}, time_s, distance_m, points)
    m = travel_time_matrix(net.csr, list(nodes), list(np.asarray(net.settle_node,
                                                                 dtype=object)[cols]),
                           cutoff_s=cutoff_s)
    same = np.asarray(keys, dtype=object)[:, None] == np.asarray(vids, dtype=object)[None, :]
    dense_s = m.dense_time_s()
    reach = (dense_s >= 0) | same
    for out, dense, leg, vleg in ((time_s, dense_s, legs[0], settle["leg_s"]),
                                  (distance_m, m.dense_distance_m(), legs[1],
                                   settle["leg_m"])):
        full = dense + np.asarray(leg, dtype=float)[:, None] \
            + vleg.to_numpy(dtype=float)[cols][None, :]
        full = np.where(same, 0, np.rint(full)).astype(np.int64)
        out[np.asarray(rows)] = np.where(reach, full, out[np.asarray(rows)])
    return FirstLegs({v: k for k, v in enumerate(vids)}, time_s, distance_m, points)


def first_leg_geometry(geom: Any, legs: FirstLegs | None, start: int, store: int,
                       village: str, drawn_from_store: bool = True) -> Any:
    """The trip's line as driven from store ``start``: its part before the first
    ``village`` replaced by a straight line from ``start`` (the road drive is in the
    trip's times and metres; the line only shows where it began). Unchanged when it
    starts at its own ``store`` and ``geom`` is drawn from there, or without the points."""
    if (start == store and drawn_from_store) or legs is None or start not in legs.points \
            or village not in legs.points or geom is None or geom.is_empty:
        return geom
    coords = list(geom.coords)
    vx, vy = legs.points[village]
    half = max(1, len(coords) // 2)
    k = min(range(half), key=lambda i: (coords[i][0] - vx) ** 2 + (coords[i][1] - vy) ** 2)
    return LineString([legs.points[start], *coords[k:]] if k else
                      [legs.points[start], legs.points[village], *coords[1:]])


def trip_first_legs(net: Network, days: Sequence[StoreDay], n_stores: int, *,
                    reach_s: int = DEFAULT_REACH_S) -> FirstLegs:
    """:class:`FirstLegs` of the stores of ``days`` to their trips' first villages; the
    search stops at twice ``reach_s`` plus the longest own first leg (a truck is never
    farther from a trip's store than two reaches, via its base)."""
    depots = {d.store: d.depot for d in days}
    firsts = [str(d.pickups["settlement_id"].iloc[t.stops[0]]) for d in days
              for t in d.result.trips if t.stops]
    own = max([int(t.arrival_s[0] - t.start_s) for d in days for t in d.result.trips
               if t.stops], default=0)
    rows = sorted(depots)
    return first_legs_from(
        net, rows, [depots[r].settlement_id for r in rows], [depots[r].node for r in rows],
        (np.array([depots[r].leg_s for r in rows]), np.array([depots[r].leg_m for r in rows])),
        n_stores, firsts, 2 * reach_s + own)


def retimed_first_leg(a: int, job: Job, legs: FirstLegs | None, drive_s: np.ndarray,
                      drive_m: np.ndarray) -> tuple[int, int, bool]:
    """(time, extra metres, direct) of ``job`` started from store ``a``: its first leg's
    time and whether it drives straight to its first village
    (:func:`optimize.fleet.shared.first_leg`, as packed), and the metres its routed length
    (from its own store) changes by: 0 from its own store, the drive to its store when
    via it, the direct leg less its own otherwise."""
    lead_s = legs.time_s if legs is not None else None
    time_s, direct = first_leg(a, job, drive_s, lead_s)
    if a == job.store:
        return time_s, 0, False
    if not direct:
        return time_s, int(drive_m[a, job.store]), False
    assert legs is not None
    return time_s, int(legs.distance_m[a, job.first]
                       - legs.distance_m[job.store, job.first]), True


def season_fleet(days: Sequence[StoreDay], store_ids: Sequence[str], drive_s: np.ndarray,
                 drive_m: np.ndarray, n_trucks: int, shift_s: int, *,
                 approximate: bool = False, reach_s: int = DEFAULT_REACH_S,
                 shift_start_s: int = SHIFT_START_S,
                 target_pct: float = DEFAULT_TARGET_PCT,
                 first_legs: FirstLegs | None = None,
                 weight_of: Mapping[str, float] | None = None) -> SeasonRecords:
    """The season's records: every store's trips packed into ``n_trucks`` truck-days.

    ``days`` are the stores' days of one season (``StoreDay.store`` indexes ``store_ids``
    and both matrices: the drives between stores, across any border). ``first_legs``
    (:func:`trip_first_legs`) are the drives from every store to the trips' first
    villages; without them a trip starting elsewhere drives via its own store.
    ``n_trucks`` 0 means no fleet limit: as many trucks as the trips need, none idle (a
    province's prefecture, re-packed later by :mod:`optimize.pipeline.province_fleet`).
    The kpis say how many trucks would collect ``target_pct`` of the truck-needed produce
    (:func:`optimize.fleet.target.season_target`). ``weight_of`` (settlement id ->
    weight) makes the packing maximise weighted tonnes (:data:`Job.value`): a poverty
    county's produce first.
    """
    season = days[0].season if days else ""
    trips = {f"{d.store_id}:{k}": (d, t, g) for d in days
             for k, (t, g) in enumerate(zip(d.result.trips, d.geometries, strict=True))}
    jobs = {jid: _job(jid, d, t, first_legs, weight_of) for jid, (d, t, _) in trips.items()}
    unlimited = n_trucks <= 0
    packed, rule = pack_with_priority(
        list(jobs.values()), {jid: trip_priority_t(d, t, weight_of)
                              for jid, (d, t, _) in trips.items()},
        drive_s, len(jobs) if unlimited else n_trucks, shift_s, reach_s=reach_s,
        lead_s=first_legs.time_s if first_legs is not None else None)
    if unlimited:  # the fleet is what the trips need: no truck idle
        packed = dataclasses.replace(packed, idle=0, idle_reason="")
        n_trucks = len(packed.trucks)
    out = SeasonRecords(season)
    moves = Moves(store_ids, drive_s, drive_m, first_legs, shift_start_s)
    legs = {f"{d.store_id}:{k}": own_legs(d, k) for d in days for k in range(len(d.result.trips))}
    for day in packed.trucks:
        _truck_records(out, day, trips, jobs, moves, approximate, legs)
    _idle_records(out, packed, days, store_ids, n_trucks, shift_start_s)
    dropped = set(packed.dropped)
    for jid in packed.dropped:
        d, t, _ = trips[jid]
        out.unserved += [_unserved(d, p, packed.dropped_reason) for p in t.stops]
    for d in days:
        out.unserved += [_unserved(d, p, reason) for p, reason in d.unserved]
    unrouted = sum(u["tonnes_t"] for u in out.unserved)
    out.unserved = _merge_unserved(out.unserved)
    out.kpis = season_kpis(out, days, n_trucks, len(dropped), unrouted, shift_s=shift_s,
                           target_pct=target_pct)
    out.kpis.update(packing=rule, **priority_kpis(out.routes, out.unserved, weight_of))
    out.unserved = with_bound_reason(out.unserved, out.kpis)
    out.kpis.update(season_target(
        plain_jobs(jobs.values()), drive_s, len(jobs) if unlimited else n_trucks, shift_s,
        out.kpis, target_pct=target_pct, reach_s=reach_s,
        lead_s=first_legs.time_s if first_legs is not None else None).kpis())
    return out


def _trip_load(d: StoreDay, t: Any) -> float:
    return round(float(d.pickups["pickup_t"].iloc[list(t.stops)].sum()), GRAM_DIGITS)


def _job(jid: str, d: StoreDay, t: Any, legs: FirstLegs | None,
         weight_of: Mapping[str, float] | None) -> Job:
    """The packer's job of a routed trip: its first village's column and own first leg,
    its tonnes weighted by ``weight_of`` (settlement id -> weight, 1 when absent)."""
    if not t.stops:
        return Job(jid, d.store, int(t.end_s - t.start_s), _trip_load(d, t))
    ids = d.pickups["settlement_id"].iloc[list(t.stops)].astype(str)
    value = weighted_t(ids, d.pickups["pickup_t"].iloc[list(t.stops)], weight_of)
    column = legs.columns.get(ids.iloc[0], -1) if legs is not None else -1
    return Job(jid, d.store, int(t.end_s - t.start_s), _trip_load(d, t), column,
               int(t.arrival_s[0] - t.start_s), value)


def plain_jobs(jobs: Any) -> list[Job]:
    """``jobs`` worth their plain tonnes: the collection-target search counts the trucks
    that collect the target share of the tonnes (:mod:`optimize.fleet.priority`)."""
    return [dataclasses.replace(j, value=None) for j in jobs]


def village_weights(settlements: pd.DataFrame) -> dict[str, float]:
    """Settlement id -> its priority weight (``poverty_weight`` in a poverty county, else
    1: the ``weight`` column of the network's villages, as the siting weighs them)."""
    return dict(zip(settlements["village_code"].astype(str),
                    settlements["weight"].astype(float), strict=True))


def weighted_t(ids: Any, tonnes: Any, weight_of: Mapping[str, float] | None) -> float | None:
    """Tonnes weighted by ``weight_of`` (settlement id -> weight, 1 when absent);
    ``None`` without weights (the packing then counts plain tonnes)."""
    if weight_of is None:
        return None
    return float(sum(float(q) * float(weight_of.get(str(i), 1.0))
                     for i, q in zip(ids, tonnes, strict=True)))


def priority_t(ids: Any, tonnes: Any, weight_of: Mapping[str, float] | None) -> float:
    """Tonnes of the villages weighing more than 1 in ``weight_of`` (poverty counties)."""
    if weight_of is None:
        return 0.0
    return float(sum(float(q) for i, q in zip(ids, tonnes, strict=True)
                     if float(weight_of.get(str(i), 1.0)) > 1.0))


def priority_kpis(routes: Sequence[Mapping[str, Any]], unserved: Sequence[Mapping[str, Any]],
                  weight_of: Mapping[str, float] | None) -> dict[str, Any]:
    """The season's collected share of the truck-needed produce of the priority villages
    (weight > 1: poverty counties) and of the others (``None`` without any), from its
    collection trips and routing ``unserved``."""
    got, need = [0.0, 0.0], [0.0, 0.0]
    weight = weight_of or {}
    for r in routes:
        if r.get("kind", "collection") == "collection":
            for x in r["stops"]:
                k = int(float(weight.get(str(x["settlement_id"]), 1.0)) > 1.0)
                got[k] += float(x["pickup_t"])
                need[k] += float(x["pickup_t"])
    for u in unserved:
        if u.get("stage") == "routing":
            need[int(float(weight.get(str(u["settlement_id"]), 1.0)) > 1.0)] += float(
                u.get("tonnes_t") or 0.0)
    pct = [round(100.0 * g / n, 2) if n > 0 else None for g, n in zip(got, need, strict=True)]
    return {"priority_collected_pct": pct[1], "others_collected_pct": pct[0]}


def trip_priority_t(d: StoreDay, t: Any, weight_of: Mapping[str, float] | None) -> float:
    """:func:`priority_t` of one routed trip of ``d``."""
    rows = d.pickups.iloc[list(t.stops)]
    return priority_t(rows["settlement_id"].astype(str), rows["pickup_t"], weight_of)


@dataclass(frozen=True)
class Moves:
    """What re-times a packed trip: store ids and drives (s, m), first legs, shift start."""

    store_ids: Sequence[str]
    drive_s: np.ndarray
    drive_m: np.ndarray
    first_legs: FirstLegs | None
    shift_start_s: int

    def start(self, day: Any, k: int, job: Job, first_arrival_s: int) -> dict[str, int]:
        """Job ``k`` of the packed ``day``: ``start_id`` index, departure (s from
        midnight), the shift of its routed clock (``first_arrival_s``, its first stop) and
        the metres its length changes by."""
        a = int(day.froms[k]) if day.froms else job.store
        lead_s, extra_m, direct = retimed_first_leg(a, job, self.first_legs, self.drive_s,
                                                    self.drive_m)
        depart = self.shift_start_s + int(day.starts_s[k])
        return {"from": a, "depart_s": depart, "shift_s": depart + lead_s - first_arrival_s,
                "extra_m": extra_m, "lead_s": lead_s, "direct": direct}

    def driven_legs(self, own: list[dict[str, Any]] | None, go: dict[str, Any],
                    store: int) -> list[dict[str, Any]] | None:
        """A trip's legs as driven from ``go["from"]`` (:meth:`start`), given its legs
        from its own store ``store`` (``own``; ``None``: not known): unchanged from its own
        store; else the drive to its own store first, or the direct first leg (its
        metres changed by ``extra_m``, its time the packed lead)."""
        a = go["from"]
        if own is None or not own or a == store:
            return own
        start_id = self.store_ids[a]
        if not go["direct"]:
            return [leg_record(start_id, self.store_ids[store], int(self.drive_s[a, store]),
                               int(self.drive_m[a, store])), *own]
        first = own[0]
        return [{**first, "from_id": start_id, "time_s": int(go["lead_s"]),
                 "distance_m": int(first["distance_m"]) + int(go["extra_m"])}, *own[1:]]


def leg_record(from_id: str, to_id: str, time_s: int, distance_m: int) -> dict[str, Any]:
    """One leg of a collection trip as the plan writes it (on the road network)."""
    return {"from_id": from_id, "to_id": to_id, "time_s": time_s, "distance_m": distance_m,
            "travel": "road"}


def own_legs(d: StoreDay, k: int) -> list[dict[str, Any]] | None:
    """The legs of ``d``'s trip ``k`` from its own store (``None`` without
    ``d.legs``): store -> villages -> store."""
    if not d.legs:
        return None
    t = d.result.trips[k]
    ids = [d.store_id, *(str(d.pickups["settlement_id"].iloc[i]) for i in t.stops),
           d.store_id]
    return [leg_record(ids[n], ids[n + 1], s, m) for n, (s, m) in enumerate(d.legs[k])]


def _truck_records(out: SeasonRecords, day: Any, trips: dict[str, Any],
                   jobs: dict[str, Job], moves: Moves, approximate: bool,
                   legs: dict[str, list[dict[str, Any]] | None]) -> None:
    """Timed trips of one truck-day and its truck record."""
    truck_id = f"T{day.truck + 1:03d}"
    store_ids = moves.store_ids
    base_id = store_ids[day.base]
    route_ids, distance, tonnes = [], 0, 0.0
    for rank, jid in enumerate(day.jobs, start=1):
        d, t, geom = trips[jid]
        first = int(t.arrival_s[0]) if t.stops else int(t.start_s)
        go = moves.start(day, rank - 1, jobs[jid], first)
        route = _trip_record(d, t, go["shift_s"], truck_id, base_id, rank, out.season,
                             approximate)
        route.update(start_id=store_ids[go["from"]], start_s=go["depart_s"],
                     distance_m=route["distance_m"] + go["extra_m"])
        driven = moves.driven_legs(legs[jid], go, d.store)
        if driven is not None:
            route["legs"] = driven
        route["duration_s"] = route["end_s"] - route["start_s"]
        route["colour"] = PALETTE[day.truck % len(PALETTE)]
        if t.stops:
            geom = first_leg_geometry(geom, moves.first_legs, go["from"], d.store,
                                      route["stops"][0]["settlement_id"])
        route_ids.append(route["route_id"])
        distance += route["distance_m"]
        tonnes += route["load_t"]
        out.routes.append(route)
        out.rows.append({**{k: v for k, v in route.items() if k not in LIST_FIELDS},
                         "geometry": geom})
    out.trucks.append(truck_record(out.season, truck_id, day, store_ids, moves.drive_m,
                                   route_ids, distance, tonnes, moves.shift_start_s))


def truck_record(season: str, truck_id: str, day: Any, store_ids: Sequence[str],
                 drive_m: np.ndarray, route_ids: list[str], trips_m: int, tonnes: float,
                 shift_start_s: int) -> dict[str, Any]:
    """A working truck's ``meta["trucks"]`` entry: its trips (``trips_m`` metres, first
    legs included, ``tonnes`` collected) and the empty legs of its packed ``day`` (the
    drive home from the last trip's store)."""
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
        "season": season, "truck_id": truck_id, "base_id": base_id, "start_id": d.store_id,
        "store_id": d.store_id,
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
                dropped: int, unrouted_t: float, *, shift_s: int | None = None,
                target_pct: float = DEFAULT_TARGET_PCT) -> dict[str, Any]:
    """``seasons.seasons[*].kpis``: who carries what, trucks and kilometres.

    Tonnes are summed unrounded (routed = needed - unrouted), then rounded to 1 kg, so
    the identities hold exactly; the trips' rounded ``load_t`` add up to within grams.
    With ``shift_s``, the proven bound of :mod:`optimize.fleet.bound` for ``n_trucks``
    (:func:`season_bound`) is added.
    """
    own = sum(float(d.self_delivered["daily_t"].sum()) for d in days)
    needed = sum(float(d.pickups["pickup_t"].sum()) for d in days)
    routed = needed - unrouted_t
    for d in days:
        own_d = float(d.self_delivered["daily_t"].sum())
        routed_d = sum(r["load_t"] for r in out.routes if r["store_id"] == d.store_id)
        out.left_by_store[d.store_id] = round(own_d + routed_d, 3)
    used = sum(1 for t in out.trucks if not t["idle"])
    bound = None if shift_s is None else season_bound(days, n_trucks, shift_s, needed,
                                                      target_pct)
    return {
        "daily_supply_t": round(own + needed, 3), "daily_self_delivered_t": round(own, 3),
        "daily_truck_needed_t": round(needed, 3), "daily_pickup_routed_t": round(routed, 3),
        "daily_unrouted_t": round(needed - routed, 3), "market_t": 0.0,
        "left_for_buyers_t": round(own + routed, 3), "trucks": n_trucks,
        "trucks_used": used, "idle_trucks": n_trucks - used,
        "dropped_trips": dropped,
        "distance_km": round(sum(t["distance_m"] for t in out.trucks) / 1000, 3),
        "fuel_l": None, "co2_kg": None, "cost_yuan": None,
        **({} if bound is None else bound.kpis())}


def season_bound(days: Sequence[StoreDay], n_trucks: int, shift_s: int, needed_t: float,
                 target_pct: float) -> FleetBound | None:
    """The season's :class:`~optimize.fleet.bound.FleetBound`: every pickup of ``days``
    but those no truck reaches even alone, with its ``cost_s`` and ``arrive_s``
    (:data:`optimize.pipeline.trips.BOUND_COLUMNS`); ``None`` when a store's pickups lack
    them (days not made by :func:`optimize.pipeline.trips.store_season_problems`)."""
    if any(len(d.pickups) and "cost_s" not in d.pickups for d in days):
        return None
    items = []
    for d in days:
        pk = d.pickups
        if not len(pk):
            continue
        out_of_reach = {p for p, reason in d.unserved if reason.startswith(UNREACHABLE)}
        keep = [i for i in range(len(pk)) if i not in out_of_reach]
        items += bound_items(pk["settlement_id"].iloc[keep], pk["pickup_t"].iloc[keep],
                             pk["cost_s"].iloc[keep], pk["arrive_s"].iloc[keep])
    return FleetBound(tuple(items), n_trucks, shift_s, needed_t, target_pct)


#: What the reason of a pickup the fleet could not carry adds from the bound.
BOUND_REASON = ("no plan with %(fleet)s trucks collects more than %(upper)s t/day (proven "
                "bound)")


def with_bound_reason(unserved: list[dict[str, Any]], kpis: dict[str, Any]
                      ) -> list[dict[str, Any]]:
    """``unserved`` with the bound added to every "fleet capacity reached" reason."""
    if kpis.get("collectable_upper_t") is None:
        return unserved
    extra = BOUND_REASON % {"fleet": kpis["trucks"],
                            "upper": f"{kpis['collectable_upper_t']:.1f}"}
    return [{**u, "reason": f"{u['reason']}; {extra}"}
            if str(u["reason"]).startswith(FLEET_FULL) and extra not in u["reason"] else u
            for u in unserved]

