"""Checks of a plan's market runs, market flow and costs, from ``plan.json`` alone.

Pure Python on :class:`~optimize.plan.model.PlanMeta`, used by
:func:`optimize.plan.verify.verify_plan` (``docs/PLAN-FORMAT.md``, "Markets, market runs
and costs"):

- :func:`market_run_problems`: per market run, the stores' pickups sum to ``load_t``
  (the market's stop takes it all), the load fits the truck, a day run reaches the
  market within its hours, and no stretch of driving between rests exceeds 4 h (every
  stop counts as a rest of at least 20 min: loading 20 min, unloading 30 min; a stretch
  is measured from the end of one rest to the start of the next, so waiting at a market
  counts as driving: conservative);
- :func:`market_run_problems` also checks each run's ``legs`` (where written): they chain
  base -> stores -> market -> base, their distances sum to ``distance_m``, and
  ``approximate_travel`` is true exactly when a leg is a ``"straight_line"`` estimate;
- :func:`long_haul_problems`: each truck's ``long_haul`` leg (a multi-day leg is not a
  trip of the season's day): the truck has no trip that day, its pickups sum to
  ``load_t`` within the truck's capacity, ``daily_t = load_t / days``, ``end_s`` falls on
  its last day, its legs as above;
- :func:`market_flow_problems`: per season, tonnes delivered to each market = the runs'
  and long-haul legs' ``daily_t`` and within its daily intake; ``market_t`` and
  ``left_for_buyers_t`` agree with the runs and the stores, and add up to the stores'
  daily intake (self-delivered + collected);
- :func:`cost_problems`: every trip's fuel, CO2 and yuan from its distance and paid
  time with the plan's ``costs.parameters``; each season's day (trips, each long-haul
  leg x 1/days, plus the empty drives) and the totals per season and per year.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from optimize.plan.market_records import LongHaulLeg, long_haul_of
from optimize.plan.model import PlanMeta, Route, TruckDay

#: Drivers' rules (PARAMETERS.md §2): 4 h of continuous driving, then a 20 min rest.
MAX_DRIVE_S = 4 * 3600
REST_S = 20 * 60
TOL_T = 0.01
TOL_S = 1


def market_run_problems(meta: PlanMeta) -> list[str]:
    """Every defect of the plan's market runs (empty without any)."""
    markets = {m.market_id: m for m in meta.markets or ()}
    capacity = float(meta.param("truck_capacity_t"))
    out = []
    for r in meta.routes:
        if r.is_market:
            out += _one_run(r, markets, capacity)
            if r.legs is not None:
                out += leg_problems(f"market run {r.route_id}", [g.to_json() for g in r.legs], [
                    r.base_id or "", *(s.store_id or "" for s in r.pickups),
                    r.market_id or "", r.base_id or ""], r.distance_m,
                    bool(r.approximate_travel))
    return out + long_haul_problems(meta)


def leg_problems(name: str, legs: Sequence[Mapping[str, Any]], places: list[str],
                 distance_m: float, approximate: bool) -> list[str]:
    """A run's legs: they chain ``places``, sum to ``distance_m``, flag the estimate."""
    out = []
    chain = [str(g["from_id"]) for g in legs] + [str(legs[-1]["to_id"])] if legs else []
    if chain != places:
        out.append(f"{name}: legs run {'->'.join(chain)}, expected {'->'.join(places)}")
    metres = sum(float(g["distance_m"]) for g in legs)
    if not math.isclose(metres, distance_m, abs_tol=len(legs) + 1):
        out.append(f"{name}: legs sum to {metres:.0f} m, distance_m {distance_m}")
    kinds = {g["travel"] for g in legs}
    if not kinds <= {"road", "straight_line"}:
        out.append(f"{name}: leg travel {sorted(kinds)}, expected road or straight_line")
    if ("straight_line" in kinds) != approximate:
        out.append(f"{name}: approximate_travel {approximate}, legs {sorted(kinds)}")
    return out


def long_haul_legs(meta: PlanMeta) -> list[tuple[TruckDay, LongHaulLeg]]:
    """Every truck-day with a well-formed ``long_haul`` leg, and the leg (typed)."""
    out = []
    for t in meta.trucks or ():
        try:
            leg = long_haul_of(t)
        except (KeyError, TypeError, ValueError):
            continue  # reported by long_haul_problems
        if leg is not None:
            out.append((t, leg))
    return out


def malformed_long_haul(meta: PlanMeta) -> list[str]:
    """Trucks whose ``long_haul`` leg lacks a required key or has a value of a wrong
    kind (:class:`~optimize.plan.market_records.LongHaulLeg`)."""
    out = []
    for t in meta.trucks or ():
        try:
            long_haul_of(t)
        except (KeyError, TypeError, ValueError) as exc:
            out.append(f"truck {t.truck_id} ({t.season}): long_haul leg unreadable: "
                       f"{type(exc).__name__} {exc}")
    return out


def long_haul_problems(meta: PlanMeta) -> list[str]:
    """Every defect of the trucks' long-haul legs (module docstring)."""
    capacity = float(meta.param("truck_capacity_t"))
    out = malformed_long_haul(meta)
    for t, leg in long_haul_legs(meta):
        name = f"long-haul leg {leg.leg_id} of truck {t.truck_id} ({t.season})"
        stores = [s for s in leg.stops if s.store_id]
        picked = sum(s.pickup_t for s in stores)
        load, days = leg.load_t, leg.days
        if t.trips:
            out.append(f"{name}: the truck also has trips {list(t.trips)} that day")
        if not math.isclose(picked, load, abs_tol=TOL_T) or load > capacity + TOL_T:
            out.append(f"{name}: pickups {picked:.3f} t, load_t {load} t, capacity "
                       f"{capacity} t")
        if days < 1 or not math.isclose(leg.daily_t, load / days, abs_tol=TOL_T):
            out.append(f"{name}: daily_t {leg.daily_t}, load_t / days {load / days:.3f}")
        if not (days - 1) * 86_400 <= leg.end_s <= days * 86_400 + TOL_S:
            out.append(f"{name}: ends at {leg.end_s} s, not on its day {days}")
        if leg.legs is not None:
            out += leg_problems(name, [g.to_json() for g in leg.legs], [
                leg.base_id, *(str(s.store_id) for s in stores), leg.market_id,
                leg.base_id], float(leg.distance_m), bool(leg.approximate_travel))
    return out


def _one_run(r: Route, markets: dict, capacity: float) -> list[str]:
    name = f"market run {r.route_id}"
    if not r.stops or r.stops[-1].market_id != r.market_id:
        return [f"{name}: its last stop is not its market {r.market_id}"]
    loads = r.pickups
    out = []
    picked = sum(s.pickup_t for s in loads)
    if not math.isclose(picked, r.load_t, abs_tol=TOL_T) or \
            not math.isclose(r.stops[-1].delivered_t or 0.0, r.load_t, abs_tol=TOL_T) or \
            r.stops[-1].pickup_t != 0:
        out.append(f"{name}: pickups sum to {picked:.3f} t, delivers "
                   f"{r.stops[-1].delivered_t} t, load_t {r.load_t}")
    if r.load_t > capacity + TOL_T:
        out.append(f"{name}: load {r.load_t} t over the truck's {capacity} t")
    if loads and loads[0].store_id != r.store_id:
        out.append(f"{name}: store_id {r.store_id}, first store loaded {loads[0].store_id}")
    market = markets.get(r.market_id)
    if market is None:
        return out + [f"{name}: market {r.market_id} not in the plan's markets"]
    arrival = r.stops[-1].arrival_s
    if (r.days or 1) == 1 and not market.open_s - TOL_S <= arrival <= market.close_s + TOL_S:
        out.append(f"{name}: reaches {r.market_id} at {arrival} s, outside its hours "
                   f"{market.open_s}-{market.close_s} s")
    if (r.days or 1) == 1:
        out += _driving_problems(r, name)
    return out


def _driving_problems(r: Route, name: str) -> list[str]:
    """Stretches between rests (start, each stop, each break, the end) within 4 h."""
    rests = [(s.arrival_s, s.arrival_s + REST_S) for s in r.stops]
    rests += [(b.start_s, b.start_s + b.duration_s) for b in r.breaks or ()]
    rests.sort()
    free_from = r.start_s
    out = []
    for begin, end in [*rests, (r.end_s, r.end_s)]:
        if begin - free_from > MAX_DRIVE_S + TOL_S:
            out.append(f"{name}: drives {begin - free_from} s without a 20 min rest "
                       f"(from {free_from} s to {begin} s), over 4 h")
        free_from = max(free_from, end)
    return out


def market_flow_problems(meta: PlanMeta) -> list[str]:
    """Per season: deliveries per market, market and buyers' tonnes, intake identity."""
    flow, seasons = meta.market_flow, meta.seasons
    if flow is None or seasons is None:
        return []
    intake = {m.market_id: m.daily_intake_t for m in meta.markets or ()
              if m.daily_intake_t is not None}
    out = []
    for s in seasons.seasons:
        entry = (flow.by_season or {}).get(s.name)
        if entry is None or s.kpis is None:
            out.append(f"season {s.name}: no market_flow entry")
            continue
        runs: dict[str, float] = defaultdict(float)
        for r in meta.routes:
            if r.is_market and r.season == s.name:
                runs[r.market_id or ""] += r.daily_t if r.daily_t is not None else r.load_t
        for t, leg in long_haul_legs(meta):
            if t.season == s.name:
                runs[leg.market_id] += leg.daily_t
        delivered = entry.delivered_t_by_market or {}
        for m in sorted(set(runs) | set(delivered)):
            saved = delivered.get(m, 0.0)
            if not math.isclose(saved, runs.get(m, 0.0), abs_tol=TOL_T):
                out.append(f"season {s.name}: {m} delivered {saved} t, runs carry "
                           f"{runs.get(m, 0.0):.3f} t")
            if saved > intake.get(m, math.inf) + TOL_T:
                out.append(f"season {s.name}: {m} gets {saved} t, intake {intake[m]} t")
        k = s.kpis
        left = sum((entry.left_for_buyers_t_by_store or {}).values())
        pairs = [("market_t", k.market_t, sum(runs.values())),
                 ("left_for_buyers_t", k.left_for_buyers_t, left),
                 ("market_t + left_for_buyers_t", k.market_t + k.left_for_buyers_t,
                  k.daily_self_delivered_t + k.daily_pickup_routed_t)]
        out += [f"season {s.name}: {key} {saved:.3f}, recomputed {again:.3f}"
                for key, saved, again in pairs
                if not math.isclose(saved, again, abs_tol=TOL_T * 5)]
    return out


def cost_problems(meta: PlanMeta) -> list[str]:
    """Trip costs, season cost KPIs and ``costs`` totals recomputed from the parameters."""
    costs, seasons = meta.costs, meta.seasons
    if costs is None or seasons is None:
        return []
    p = {k: v.value for k, v in (costs.parameters or {}).items()}
    lacking = [k for k in ("fuel_l_per_100km", "co2_kg_per_l", "diesel_yuan_per_l",
                           "driver_yuan_per_h") if k not in p]
    if lacking:
        return [f"costs.parameters lacks {', '.join(lacking)}"]
    out = []
    day: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0, 0.0, 0.0])
    for r in meta.routes:
        paid = r.paid_s if r.paid_s is not None else r.duration_s
        fuel, co2, cost = _figures(float(r.distance_m), float(paid), p)
        for key, saved, again in (("fuel_l", r.fuel_l, fuel), ("co2_kg", r.co2_kg, co2),
                                  ("cost_yuan", r.cost_yuan, cost)):
            if saved is None or not math.isclose(saved, again, abs_tol=0.01):
                out.append(f"route {r.route_id}: {key} {saved}, recomputed {again:.3f}")
        share = 1.0 / (r.days or 1)
        acc = day[r.season or ""]
        for i, v in enumerate((r.distance_m / 1000, fuel, co2, cost, r.load_t)):
            acc[i] += v * share
    for t, leg in long_haul_legs(meta):
        paid = leg.paid_s if leg.paid_s is not None else leg.duration_s
        fuel, co2, cost = _figures(float(leg.distance_m), float(paid), p)
        out += [f"long-haul leg {leg.leg_id}: {key} {saved}, recomputed {again:.3f}"
                for key, saved, again in (("fuel_l", leg.fuel_l, fuel),
                                          ("co2_kg", leg.co2_kg, co2),
                                          ("cost_yuan", leg.cost_yuan, cost))
                if saved is None or not math.isclose(saved, again, abs_tol=0.01)]
        acc = day[t.season]
        for i, v in enumerate((float(leg.distance_m) / 1000, fuel, co2, cost, leg.load_t)):
            acc[i] += v / leg.days
    for t in meta.trucks or ():
        metres = sum(g.distance_m for g in t.empty_legs or ())
        fuel, co2, cost = _figures(float(metres), float(sum(
            g.drive_s for g in t.empty_legs or ())), p)
        acc = day[t.season]
        for i, v in enumerate((metres / 1000, fuel, co2, cost, 0.0)):
            acc[i] += v
    return out + _season_costs(meta, day)


def _figures(distance_m: float, paid_s: float, p: dict) -> tuple[float, float, float]:
    fuel = distance_m / 1000 * p["fuel_l_per_100km"] / 100
    return (fuel, fuel * p["co2_kg_per_l"],
            fuel * p["diesel_yuan_per_l"] + paid_s / 3600 * p["driver_yuan_per_h"])


def _season_costs(meta: PlanMeta, day: dict[str, list[float]]) -> list[str]:
    assert meta.costs is not None and meta.seasons is not None
    out = []
    year = [0.0] * 5
    for s in meta.seasons.seasons:
        acc = day.get(s.name, [0.0] * 5)
        k = s.kpis
        if k is not None:
            out += [f"season {s.name}: kpi {key} {saved}, recomputed {again:.3f}"
                    for key, saved, again in (("fuel_l", k.fuel_l, acc[1]),
                                              ("co2_kg", k.co2_kg, acc[2]),
                                              ("cost_yuan", k.cost_yuan, acc[3]))
                    if saved is None or not math.isclose(saved, again, rel_tol=1e-4,
                                                         abs_tol=0.05)]
        period = (meta.costs.by_season or {}).get(s.name)
        if period is None:
            out.append(f"season {s.name}: no costs.by_season entry")
            continue
        again = [v * s.days for v in acc]
        year = [a + b for a, b in zip(year, again, strict=True)]
        out += _period(f"costs.by_season.{s.name}", period, again)
    return out + _period("costs.per_year", meta.costs.per_year, year)


def _period(name: str, period: object, again: list[float]) -> list[str]:
    keys = ("distance_km", "fuel_l", "co2_kg", "cost_yuan", "t_moved")
    if period is None:
        return [f"{name}: missing"]
    return [f"{name}: {key} {getattr(period, key)}, recomputed {value:.3f}"
            for key, value in zip(keys, again, strict=True)
            if getattr(period, key) is None
            or not math.isclose(getattr(period, key), value, rel_tol=1e-4, abs_tol=0.5)]
