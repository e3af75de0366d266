"""Checks of a seasonal plan's truck-days and season KPIs, from ``plan.json`` alone.

Pure Python on :class:`~optimize.plan.model.PlanMeta` (no solver, no pandas), used by
:func:`optimize.plan.verify.verify_plan`:

- :func:`stop_freshness_problems`: every stop's ride to the store within its own crop's
  limit (``stops[*].freshness_limit_s``);
- :func:`truck_problems`: each truck-day starts at its base and chains its collection
  trips: trip ``i + 1`` starts (``start_id``) at the store trip ``i`` delivered to, the
  first at the base, and leaves no earlier than trip ``i`` ends (the first leg, start ->
  first village, is part of the trip); one empty leg takes the truck from the last
  trip's store home, and it ends there within the shift; its work, distance and tonnes
  add up; an idle truck has a reason and no idle truck coexists with a trip dropped for
  lack of trucks in the same season. Plans made before ``start_id`` (every trip from its
  own store, an empty leg before each) are checked by that older rule;
- :func:`season_kpi_problems`: per season, supply = self-delivered + truck-needed,
  truck-needed = routed + unrouted, routed = the season's trips, unrouted = the season's
  unserved tonnes, truck counts and kilometres; the headline KPIs = the routed season's.
"""

from __future__ import annotations

import collections
import math
from collections.abc import Iterable

from optimize.plan.model import EmptyLeg, PlanMeta, Route, TruckDay

#: Tolerance of tonnage sums (each figure is rounded to 1 kg in the plan).
TOL_T = 0.01
#: Text that marks a pickup left out because the fleet is full.
FLEET_FULL = "fleet capacity reached"


def stop_freshness_problems(route: Route) -> list[str]:
    """Stops whose ride to the store exceeds their own freshness limit."""
    if route.store_arrival_s is None:
        return []
    return [f"route {route.route_id}: {s.settlement_id} rides "
            f"{route.store_arrival_s - s.arrival_s} s, its limit {s.freshness_limit_s} s"
            for s in route.stops if s.freshness_limit_s is not None
            and route.store_arrival_s - s.arrival_s > s.freshness_limit_s]


def truck_problems(meta: PlanMeta) -> list[str]:
    """Every defect of the plan's truck-days (empty when the plan has no ``trucks``)."""
    if meta.trucks is None:
        return []
    routes = {r.route_id: r for r in meta.routes}
    shift = int(meta.param("shift_s"))
    places = {s.store_id for s in meta.stores} | {t.base_id for t in meta.trucks} \
        | {r.store_id for r in meta.routes if not r.is_market}
    out = [f"route {r.route_id}: starts at {r.start_id}, not a store or truck base"
           for r in meta.routes if r.start_id is not None and r.start_id not in places]
    for t in meta.trucks:
        out += _one_truck(t, routes, shift)
    listed = collections.Counter(x for t in meta.trucks for x in t.trips)
    out += [f"route {r.route_id}: on {listed[r.route_id]} truck-days, expected 1"
            for r in meta.routes if listed[r.route_id] != 1]
    full = {u.season for u in meta.unserved if FLEET_FULL in u.reason}
    out += [f"truck {t.truck_id} ({t.season}): idle while trips of its season were dropped "
            "for fleet capacity" for t in meta.trucks if t.idle and t.season in full]
    return out


def _one_truck(t: TruckDay, routes: dict[str, Route], shift: int) -> list[str]:
    """One truck-day: its collection trips chained by the empty legs (base -> stores ->
    base), then its market runs, each from and back to the base, one after the other."""
    name = f"truck {t.truck_id} ({t.season})"
    if not t.idle and not t.trips and t.extra.get("long_haul"):
        return []  # a lent truck's multi-day leg: optimize.plan.market_checks.long_haul_problems
    if t.idle or not t.trips:
        bad = [] if t.idle and not t.trips else [f"{name}: idle flag disagrees with its trips"]
        return bad + ([f"{name}: idle without a reason"] if t.idle and not t.idle_reason
                      else [])
    missing = [x for x in t.trips if x not in routes]
    if missing:
        return [f"{name}: unknown trips {missing}"]
    trips = [routes[x] for x in t.trips]
    collect = [r for r in trips if not r.is_market]
    runs = [r for r in trips if r.is_market]
    legs = list(t.empty_legs or ())
    chained = any(r.start_id is not None for r in collect)
    if chained and any(r.start_id is None for r in collect):
        return [f"{name}: some collection trips lack start_id"]
    expect = (1 if chained else len(collect) + 1) if collect else 0
    if len(legs) != expect:
        return [f"{name}: {len(legs)} empty legs for {len(collect)} collection trips, "
                f"expected {expect}"]
    out = [f"{name}: trip {r.route_id} belongs to {r.truck_id} / {r.season}"
           for r in trips if r.truck_id != t.truck_id or r.season != t.season]
    if trips != collect + runs:
        out.append(f"{name}: market runs listed before collection trips")
    out += (_start_chain(t, collect, legs, name) if chained
            else _collection_chain(t, collect, legs, name))
    clock = collect[-1].end_s + legs[-1].drive_s if collect else t.start_s
    for r in runs:
        if r.base_id != t.base_id or r.start_s < clock:
            out.append(f"{name}: market run {r.route_id} leaves {r.base_id} at {r.start_s} s, "
                       f"the truck is at {t.base_id} from {clock} s")
        clock = r.end_s
    if t.end_s < clock:
        out.append(f"{name}: ends at {t.end_s} s, before it is back at its base")
    long_haul = any((r.days or 1) > 1 for r in runs)
    if t.end_s - t.start_s > shift and not long_haul:
        out.append(f"{name}: works {t.end_s - t.start_s} s, over the {shift} s shift")
    work = sum(r.end_s - r.start_s for r in trips) + sum(g.drive_s for g in legs)
    if t.work_s != t.end_s - t.start_s or work > t.work_s:
        out.append(f"{name}: work_s {t.work_s} disagrees with its trips and drives ({work} s)")
    distance = sum(r.distance_m for r in trips) + sum(g.distance_m for g in legs)
    if not math.isclose(distance, t.distance_m, abs_tol=1):
        out.append(f"{name}: distance_m {t.distance_m}, trips and legs sum to {distance}")
    for key, part, saved in (("collection_t", collect, t.collection_t),
                             ("market_t", runs, t.market_t)):
        if not math.isclose(sum(r.load_t for r in part), saved, abs_tol=TOL_T):
            out.append(f"{name}: {key} {saved} disagrees with its trips")
    return out


def _collection_chain(t: TruckDay, trips: list[Route], legs: list[EmptyLeg],
                      name: str) -> list[str]:
    """Collection trips: empty legs base -> stores -> base, each trip after the drive."""
    if not trips:
        return []
    out = []
    places = [t.base_id, *(r.store_id for r in trips), t.base_id]
    for k, leg in enumerate(legs):
        if (leg.from_id, leg.to_id) != (places[k], places[k + 1]):
            out.append(f"{name}: empty leg {k + 1} runs {leg.from_id}->{leg.to_id}, "
                       f"expected {places[k]}->{places[k + 1]}")
    clock = t.start_s
    for leg, r in zip(legs, trips, strict=False):
        if r.start_s < clock + leg.drive_s:
            out.append(f"{name}: trip {r.route_id} leaves at {r.start_s} s, before "
                       f"{clock + leg.drive_s} s (previous end + {leg.drive_s} s empty drive)")
        clock = r.end_s
    return out


def _start_chain(t: TruckDay, trips: list[Route], legs: list[EmptyLeg],
                 name: str) -> list[str]:
    """Collection trips started where the truck last unloaded: trip ``i + 1`` starts at
    trip ``i``'s store (the first at the base), no earlier than trip ``i`` ends, reaches
    its first village no earlier than it starts; one empty leg home."""
    if not trips:
        return []
    out = []
    places = [t.base_id, *(r.store_id for r in trips)]
    clock = t.start_s
    for k, r in enumerate(trips):
        if r.start_id != places[k]:
            out.append(f"{name}: trip {r.route_id} starts at {r.start_id}, the truck is at "
                       f"{places[k]} ({'its base' if k == 0 else 'the previous trip store'})")
        if r.start_s < clock:
            out.append(f"{name}: trip {r.route_id} leaves at {r.start_s} s, before {clock} s "
                       f"({'the truck start' if k == 0 else 'the previous trip end'})")
        if r.stops and r.stops[0].arrival_s < r.start_s:
            out.append(f"{name}: trip {r.route_id} reaches its first village at "
                       f"{r.stops[0].arrival_s} s, before it leaves at {r.start_s} s")
        if r.duration_s != r.end_s - r.start_s:
            out.append(f"{name}: trip {r.route_id} duration_s {r.duration_s}, its clock "
                       f"says {r.end_s - r.start_s} s")
        clock = r.end_s
    (leg,) = legs
    if (leg.from_id, leg.to_id) != (places[-1], t.base_id):
        out.append(f"{name}: empty leg runs {leg.from_id}->{leg.to_id}, expected "
                   f"{places[-1]}->{t.base_id}")
    return out


def truck_span_problems(meta: PlanMeta) -> list[str]:
    """Seasonal trips without ``trucks`` (a merged province plan): each truck's trips of
    a season, by ``truck_id``, must not overlap and must span at most the shift."""
    if meta.trucks is not None:
        return []
    shift = int(meta.param("shift_s"))
    days: dict[tuple[str, str], list[Route]] = collections.defaultdict(list)
    for r in meta.routes:
        if r.season is not None:
            days[(r.season, r.truck_id)].append(r)
    out = []
    for (season, truck), trips in sorted(days.items()):
        trips.sort(key=lambda r: r.start_s)
        out += [f"truck {truck} ({season}): trip {b.route_id} starts before {a.route_id} ends"
                for a, b in zip(trips, trips[1:], strict=False) if b.start_s < a.end_s]
        span = trips[-1].end_s - trips[0].start_s
        if span > shift:
            out.append(f"truck {truck} ({season}): trips span {span} s, over the {shift} s "
                       "shift")
    return out


def season_kpi_problems(meta: PlanMeta) -> list[str]:
    """Season KPIs that disagree with the trips, trucks and unserved pickups."""
    seasons = meta.seasons
    if seasons is None or meta.trucks is None:
        return []
    out = []
    for s in seasons.seasons:
        if s.kpis is None:
            out.append(f"season {s.name}: no kpis")
            continue
        k = s.kpis
        routed = _sum(r.load_t for r in meta.routes
                      if r.season == s.name and (r.kind or "collection") == "collection")
        unrouted = _sum(u.tonnes_t or 0.0 for u in meta.unserved
                        if u.season == s.name and u.stage == "routing")
        trucks = [t for t in meta.trucks if t.season == s.name]
        pairs = [("daily_pickup_routed_t", k.daily_pickup_routed_t, routed),
                 ("daily_unrouted_t", k.daily_unrouted_t, unrouted),
                 ("daily_truck_needed_t", k.daily_truck_needed_t,
                  k.daily_pickup_routed_t + k.daily_unrouted_t),
                 ("daily_supply_t", k.daily_supply_t,
                  k.daily_self_delivered_t + k.daily_truck_needed_t),
                 ("trucks", k.trucks, len(trucks)),
                 ("trucks_used", k.trucks_used, sum(1 for t in trucks if not t.idle)),
                 ("idle_trucks", k.idle_trucks, sum(1 for t in trucks if t.idle)),
                 ("distance_km", k.distance_km, _sum(t.distance_m for t in trucks) / 1000)]
        out += [f"season {s.name}: kpi {key} {saved}, recomputed {again:.3f}"
                for key, saved, again in pairs
                if not math.isclose(float(saved), float(again), abs_tol=TOL_T * 5)]
    out += _headline_problems(meta)
    return out


def _headline_problems(meta: PlanMeta) -> list[str]:
    seasons = meta.seasons
    assert seasons is not None
    head = {s.name: s.kpis for s in seasons.seasons}.get(seasons.routed_season)
    if head is None:
        return [f"routed season {seasons.routed_season!r}: not among the seasons with kpis"]
    k = meta.kpis
    collecting = {r.truck_id for r in meta.routes
                  if r.season == seasons.routed_season and not r.is_market}
    pairs = [("daily_pickup_t", k.daily_pickup_t, head.daily_truck_needed_t),
             ("daily_pickup_routed_t", k.daily_pickup_routed_t, head.daily_pickup_routed_t),
             ("trucks_used", k.trucks_used, len(collecting))]
    return [f"kpi {key} {saved} disagrees with season {seasons.routed_season}: {again}"
            for key, saved, again in pairs
            if saved is None or not math.isclose(float(saved), float(again), abs_tol=TOL_T * 5)]


def _sum(values: Iterable[float]) -> float:
    return float(sum(values))
