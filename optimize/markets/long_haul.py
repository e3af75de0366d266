"""Long-haul legs to the partner-city outlets: multi-day, full truckload, steady state.

A leg loads one full truckload at one or several stores near the truck's base, drives to
the outlet and back. It works ``rules.work_s_per_day`` a day (8 h, Labour Law) with the
4 h / 20 min rule inside each day, and stands overnight in between
(:class:`optimize.markets.clock.Clock` with ``day_work_s``). A leg that reaches the outlet
outside its receiving hours waits for them (the next day if it is past closing). It
takes ``days`` truck-days: from the first day's start to the day the truck is back.

Who drives them (a choice, documented): only trucks with no trip at all on the season's
day (no collection, no market run) are lent; a lent truck cycles base -> outlet -> base
all season, so in the steady state it moves ``capacity_t / days`` tonnes a day. Its loads
accumulate in the cold store between departures: a store gives ``pickup_t / days`` of its
daily stock and an outlet takes ``load_t / days`` of its daily intake. A crop rides only if
the ride from its store to the outlet is within its cold-chain shelf life; the days it
waits in the store before loading are storage, not transit, and are not counted against
it (assumption). A leg is made only if it fills the truck (full truckload).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from optimize.markets.clock import Clock, DrivingRules
from optimize.markets.model import (
    EPS_T,
    Ledger,
    MarketRun,
    RunStop,
    TruckTime,
    loaded_tonne_km,
)
from optimize.markets.shelf import shelf_life_s
from optimize.markets.table import DAY_S, Market
from optimize.markets.travel import TravelTable


def plan_long_haul(trucks: Sequence[TruckTime], markets: Sequence[Market], ledger: Ledger,
                   travel: TravelTable, rules: DrivingRules, names: Mapping[str, str],
                   candidate_stores: int = 8, max_stops: int = 4) -> list[MarketRun]:
    """One long-haul leg per lent truck (trucks in the given order), committed to ``ledger``.

    A truck tries the stores nearest its base (at most ``candidate_stores`` with stock an
    outlet takes), then the outlets nearest that store; the first full-truckload leg that
    fits is made. Returns the legs; a truck without one is not lent.
    """
    runs = []
    for truck in trucks:
        run = _first_leg(truck, markets, ledger, travel, rules, names, candidate_stores,
                         max_stops)
        if run is None:
            continue
        for stop in run.stops:
            for crop, tonnes in stop.pickup_by_crop.items():
                ledger.take(stop.store_id, crop, tonnes / run.days)
        ledger.deliver(run.market_id, run.load_t / run.days)
        runs.append(run)
    return runs


def _first_leg(truck: TruckTime, markets: Sequence[Market], ledger: Ledger,
               travel: TravelTable, rules: DrivingRules, names: Mapping[str, str],
               candidate_stores: int, max_stops: int) -> MarketRun | None:
    open_markets = [m for m in markets if ledger.intake_left[m.market_id] > EPS_T]
    for first in _nearest(truck.base_id, open_markets, ledger, travel, candidate_stores):
        found = [m for m in open_markets if ledger.eligible(first, m)]
        found.sort(key=lambda m: (travel.leg(first, m.market_id)[0], m.market_id))
        for market in found:
            run = _leg(truck, first, market, ledger, travel, rules, names,
                       candidate_stores, max_stops)
            if run is not None:
                return run
    return None


def _nearest(origin: str, markets: Sequence[Market], ledger: Ledger, travel: TravelTable,
             limit: int, skip: Sequence[str] = ()) -> list[str]:
    live = [s for s in ledger.stock if s not in skip
            and any(ledger.eligible(s, m) for m in markets)]
    if not live:
        return []
    row = travel.time_s[travel.index(origin)]
    times = np.array([row[travel.index(s)] for s in live])
    order = [k for k in np.lexsort((np.array(live), times)) if np.isfinite(times[k])]
    return [live[k] for k in order[:limit]]


def leg_clock(truck: TruckTime, seq: Sequence[str], market: Market, travel: TravelTable,
              rules: DrivingRules) -> tuple[Clock, list[float], float, bool] | None:
    """Drive base -> ``seq`` -> outlet -> base; (clock, store arrivals, outlet arrival,
    approximate) or ``None`` when a leg has no figure."""
    clock = Clock(rules, truck.free_from_s, day_work_s=rules.work_s_per_day)
    here, arrivals, approx = truck.base_id, [], False
    outlet_arrival = 0.0
    n_stores = len(seq)
    for k, stop in enumerate([*seq, market.market_id, truck.base_id]):
        time_s, dist_m = travel.leg(here, stop)
        if not np.isfinite(time_s):
            return None
        approx |= travel.is_approximate(here, stop)
        clock.drive(time_s, dist_m)
        if k < n_stores:
            arrivals.append(clock.t_s)
            clock.stop(rules.load_s_per_stop)
        elif k == n_stores:
            _wait_for_hours(clock, market)
            outlet_arrival = clock.t_s
            clock.stop(rules.unload_s)
        here = stop
    return clock, arrivals, outlet_arrival, approx


def _wait_for_hours(clock: Clock, market: Market) -> None:
    """Wait for the outlet's receiving hours (the next day's opening if past closing)."""
    day_start = math.floor(clock.t_s / DAY_S) * DAY_S
    time_of_day = clock.t_s - day_start
    if time_of_day < market.open_s:
        target = day_start + market.open_s
    elif time_of_day > market.close_s:
        target = day_start + DAY_S + market.open_s
    else:
        return
    clock.wait_until(target)
    clock.worked_s = 0.0            # a wait for the hours is a rest; a new working day
    clock.day_start_s = clock.t_s


def _leg(truck: TruckTime, first: str, market: Market, ledger: Ledger, travel: TravelTable,
         rules: DrivingRules, names: Mapping[str, str], candidate_stores: int,
         max_stops: int) -> MarketRun | None:
    seq: list[str] = []
    picks: list[dict[str, float]] = []
    load = 0.0
    candidates, tried = [first], {first}
    while candidates and len(seq) < max_stops and truck.capacity_t - load > EPS_T:
        store = candidates.pop(0)
        timed = leg_clock(truck, [*seq, store], market, travel, rules)
        if timed is None:
            continue
        clock, arrivals, outlet_s, _ = timed
        days = _days(truck.free_from_s, clock.t_s)
        if not _shelf_ok(picks, arrivals, outlet_s):
            continue
        pick = _pick(ledger, store, market, outlet_s - arrivals[-1], days,
                     min(truck.capacity_t - load,
                         ledger.intake_left[market.market_id] * days - load))
        if sum(pick.values()) > EPS_T:
            seq.append(store)
            picks.append(pick)
            load += sum(pick.values())
        if not candidates:
            candidates = _nearest(store, [market], ledger, travel, candidate_stores,
                                  skip=sorted(tried))
            tried.update(candidates)
    if not seq or truck.capacity_t - load > 1e-6:
        return None
    timed = leg_clock(truck, seq, market, travel, rules)
    assert timed is not None      # the same legs were driven above
    clock, arrivals, outlet_s, approx = timed
    return _as_run(truck, market, seq, picks, arrivals, outlet_s, clock, approx, names)


def _days(start_s: float, end_s: float) -> int:
    """Truck-days from the start day to the day the truck is back (at least 1)."""
    return max(1, int(math.floor((end_s - 1e-9) / DAY_S)) - int(start_s // DAY_S) + 1)


def _shelf_ok(picks: Sequence[Mapping[str, float]], arrivals: Sequence[float],
              outlet_s: float) -> bool:
    return all(shelf_life_s(c) >= outlet_s - arrivals[i]
               for i, pick in enumerate(picks) for c in pick)


def _pick(ledger: Ledger, store: str, market: Market, ride_s: float, days: int,
          room_t: float) -> dict[str, float]:
    """Tonnes by crop for one load: a store gives at most ``days`` x its daily stock."""
    pick: dict[str, float] = {}
    left = room_t
    for crop in ledger.eligible(store, market):
        if left <= EPS_T:
            break
        if shelf_life_s(crop) < ride_s:
            continue
        tonnes = min(ledger.stock[store][crop] * days, left)
        pick[crop] = tonnes
        left -= tonnes
    return pick


def _as_run(truck: TruckTime, market: Market, seq: Sequence[str],
            picks: Sequence[Mapping[str, float]], arrivals: Sequence[float], outlet_s: float,
            clock: Clock, approx: bool, names: Mapping[str, str]) -> MarketRun:
    stops: list[RunStop] = []
    load, by_crop = 0.0, dict[str, float]()
    for store, pick, arrival in zip(seq, picks, arrivals, strict=True):
        load += sum(pick.values())
        for crop, t in pick.items():
            by_crop[crop] = by_crop.get(crop, 0.0) + t
        stops.append(RunStop(store, names.get(store, store), arrival, sum(pick.values()),
                             load, dict(pick)))
    return MarketRun(truck.truck_id, truck.base_id, market.market_id, "long_haul",
                     tuple(stops), outlet_s, truck.free_from_s, clock.t_s, clock.distance_m,
                     clock.drive_s, tuple(clock.breaks), load, by_crop,
                     days=_days(truck.free_from_s, clock.t_s), approximate=approx,
                     tonne_km=loaded_tonne_km(clock.legs_m, stops),
                     paid_s=clock.drive_s + clock.break_s + len(stops) * clock.rules.load_s_per_stop
                     + clock.rules.unload_s)
