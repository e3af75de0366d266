"""Checks of a seasonal plan's truck-days and season KPIs, from ``plan.json`` alone.

Pure Python on :class:`~optimize.plan.model.PlanMeta` (no solver, no pandas), used by
:func:`optimize.plan.verify.verify_plan`:

- :func:`stop_freshness_problems`: every stop's ride to the store within its own crop's
  limit (``stops[*].freshness_limit_s``);
- :func:`truck_problems`: each truck-day starts at its base, chains its trips with the
  empty drives between stores (trip ``i + 1`` leaves no earlier than trip ``i`` ends plus
  the drive), ends at its base within the shift; its work, distance and tonnes add up;
  an idle truck has a reason and no idle truck coexists with a trip dropped for lack of
  trucks in the same season;
- :func:`season_kpi_problems`: per season, supply = self-delivered + truck-needed,
  truck-needed = routed + unrouted, routed = the season's trips, unrouted = the season's
  unserved tonnes, truck counts and kilometres; the headline KPIs = the routed season's.
"""

from __future__ import annotations

import collections
import math
from collections.abc import Iterable

from optimize.plan.model import PlanMeta, Route, TruckDay

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
    out = []
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
    name = f"truck {t.truck_id} ({t.season})"
    if t.idle or not t.trips:
        bad = [] if t.idle and not t.trips else [f"{name}: idle flag disagrees with its trips"]
        return bad + ([f"{name}: idle without a reason"] if t.idle and not t.idle_reason
                      else [])
    missing = [x for x in t.trips if x not in routes]
    if missing:
        return [f"{name}: unknown trips {missing}"]
    trips = [routes[x] for x in t.trips]
    legs = list(t.empty_legs or ())
    if len(legs) != len(trips) + 1:
        return [f"{name}: {len(legs)} empty legs for {len(trips)} trips"]
    out = [f"{name}: trip {r.route_id} belongs to {r.truck_id} / {r.season}"
           for r in trips if r.truck_id != t.truck_id or r.season != t.season]
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
    if t.end_s < clock + legs[-1].drive_s:
        out.append(f"{name}: ends at {t.end_s} s, before it is back at its base")
    if t.end_s - t.start_s > shift:
        out.append(f"{name}: works {t.end_s - t.start_s} s, over the {shift} s shift")
    work = sum(r.end_s - r.start_s for r in trips) + sum(g.drive_s for g in legs)
    if t.work_s != t.end_s - t.start_s or work > t.work_s:
        out.append(f"{name}: work_s {t.work_s} disagrees with its trips and drives ({work} s)")
    distance = sum(r.distance_m for r in trips) + sum(g.distance_m for g in legs)
    if not math.isclose(distance, t.distance_m, abs_tol=1):
        out.append(f"{name}: distance_m {t.distance_m}, trips and legs sum to {distance}")
    if not math.isclose(sum(r.load_t for r in trips), t.collection_t, abs_tol=TOL_T):
        out.append(f"{name}: collection_t {t.collection_t} disagrees with its trips")
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
    pairs = [("daily_pickup_t", k.daily_pickup_t, head.daily_truck_needed_t),
             ("daily_pickup_routed_t", k.daily_pickup_routed_t, head.daily_pickup_routed_t),
             ("trucks_used", k.trucks_used, head.trucks_used)]
    return [f"kpi {key} {saved} disagrees with season {seasons.routed_season}: {again}"
            for key, saved, again in pairs
            if saved is None or not math.isclose(float(saved), float(again), abs_tol=TOL_T * 5)]


def _sum(values: Iterable[float]) -> float:
    return float(sum(values))
