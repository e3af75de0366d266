"""Market runs on one season's day: the fleet's truck time left after collection.

Split rule (:data:`SPLIT_RULE`, reported in plan.json ``market_flow.split_rule``):
collection comes first (it has the freshness clock); a truck's market runs use the time
between the end of its collection trips (``free_from_s``, the truck back at its base) and
the end of its shift (``free_until_s``). What no truck carries stays in the store and is
listed per store as left for buyers' own trucks.

Algorithm (deterministic greedy, nearest stock first):

1. The truck free earliest (``free_from_s``, then the end of its last run; ties by
   ``truck_id``) makes the next run; a truck that no run fits any more drops out.
2. A run starts at the store nearest (travel time) to the truck's base among the stores
   with stock a wholesale market still takes (at most ``candidate_stores`` tried); its
   market is the nearest such market (at most ``candidate_markets`` tried) that the truck
   can reach within its opening hours (waiting if early) and come back from before its
   shift ends, the drivers' rules applied (:mod:`optimize.markets.clock`).
3. While the truck has room and the market intake left, the run adds the store nearest
   to its last stop that has stock for that market, if the whole run still fits (hours,
   shift, shelf life of what is on board); at most ``max_stops`` stores.
4. At each store the truck loads the crops the market takes, most perishable first
   (shortest shelf life), up to its capacity and the market's daily intake left; a crop
   rides only if the ride from that store to the market is within its cold-chain shelf
   life (:mod:`optimize.markets.shelf`). A run below ``min_load_t`` is not made.
5. Long-haul legs (:mod:`optimize.markets.long_haul`) are driven by trucks that have no
   collection trip that day, if ``lend_idle_to_long_haul``. By default
   (``long_haul_first``) they are lent BEFORE the day runs: a truck with collection work
   cannot leave for days, so the idle trucks are the only ones that can serve the partner
   outlets, and when the day runs come first the idle trucks (free from the shift start)
   take the nearest stock and the outlets get nothing (measured on a synthetic
   province-size case: 0 legs). Trucks lent get no day run; with ``long_haul_first =
   False`` only idle trucks left without a day run are lent.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from optimize.errors import SpecificationError
from optimize.markets.clock import Break, Clock, DrivingRules
from optimize.markets.long_haul import plan_long_haul
from optimize.markets.model import (
    EPS_T,
    Ledger,
    MarketRun,
    RunStop,
    StoreStock,
    TruckTime,
    loaded_tonne_km,
)
from optimize.markets.shelf import shelf_life_s
from optimize.markets.table import Market
from optimize.markets.travel import TravelTable

SPLIT_RULE = (
    "collection first: trucks collect within the freshness limits, then use the time left "
    "in their shift for market runs (nearest stock first, nearest open market that takes "
    "the crop); trucks without a collection trip are first lent to full-truckload "
    "long-haul legs to the partner cities (a leg of D days moves one load per D days); "
    "what no truck carries is left for buyers' own trucks at the store")


@dataclass(frozen=True)
class RunOptions:
    """Bounds of the greedy search (see the module docstring)."""

    candidate_stores: int = 8
    candidate_markets: int = 3
    max_stops: int = 4
    min_load_t: float = 0.5
    lend_idle_to_long_haul: bool = True
    long_haul_first: bool = True


DEFAULT_RULES = DrivingRules()
DEFAULT_OPTIONS = RunOptions()


@dataclass
class MarketFlow:
    """What the market runs of one season's day carry, and what is left.

    ``delivered_t_by_market`` and ``left_for_buyers_t_by_store`` are tonnes a day (a
    long-haul leg counts ``load_t / days``); their sum equals the stores' stock.
    """

    runs: list[MarketRun]
    delivered_t_by_market: dict[str, float]
    left_for_buyers_t_by_store: dict[str, float]
    left_for_buyers_by_crop: dict[str, dict[str, float]]
    lent_truck_ids: list[str]
    long_haul_truck_days: int
    split_rule: str = SPLIT_RULE
    notes: list[str] = field(default_factory=list)

    @property
    def market_t(self) -> float:
        """Tonnes a day delivered to markets (all runs)."""
        return sum(self.delivered_t_by_market.values())

    @property
    def left_for_buyers_t(self) -> float:
        """Tonnes a day left at the stores for buyers' own trucks."""
        return sum(self.left_for_buyers_t_by_store.values())

    def to_mapping(self) -> dict[str, Any]:
        """The season's entry of plan.json ``market_flow.by_season``."""
        return {"delivered_t_by_market": dict(self.delivered_t_by_market),
                "left_for_buyers_t_by_store": dict(self.left_for_buyers_t_by_store),
                "market_t": self.market_t, "left_for_buyers_t": self.left_for_buyers_t,
                "lent_truck_ids": list(self.lent_truck_ids),
                "long_haul_truck_days": self.long_haul_truck_days}


def plan_market_runs(trucks: Sequence[TruckTime], stores: Sequence[StoreStock],
                     markets: Sequence[Market], travel: TravelTable,
                     rules: DrivingRules = DEFAULT_RULES,
                     options: RunOptions = DEFAULT_OPTIONS) -> MarketFlow:
    """Plan one season's day of market runs (module docstring).

    Parameters
    ----------
    trucks
        Every truck's free time after collection, base and capacity.
    stores
        Every store's stock to ship that day by crop (steady state: its daily intake).
    markets
        Wholesale markets (day runs) and long-haul outlets.
    travel
        Time and distance between every base, store and market id.
    rules, options
        Drivers' rules and service times; search bounds.

    Raises
    ------
    SpecificationError
        An id missing from ``travel``, a store or market given twice, a bad truck window
        or capacity, an unknown crop; each names the item.
    """
    check_inputs(trucks, stores, markets, travel)
    ledger = Ledger.start(stores, markets)
    names = {s.store_id: s.name or s.store_id for s in stores}
    runs: list[MarketRun] = []
    if options.long_haul_first:
        runs += _lend(trucks, set(), markets, ledger, travel, rules, names, options)
    lent = {r.truck_id for r in runs}
    day = _DayPlanner(travel, rules, options, ledger, names,
                      [m for m in markets if m.kind == "wholesale"])
    runs += day.all_runs([t for t in trucks if t.truck_id not in lent])
    if not options.long_haul_first:
        runs += _lend(trucks, {r.truck_id for r in runs}, markets, ledger, travel, rules,
                      names, options)
    delivered = {m.market_id: 0.0 for m in markets}
    for r in runs:
        delivered[r.market_id] += r.daily_t
    left = {s.store_id: ledger.left_t(s.store_id) for s in stores}
    by_crop = {s.store_id: {c: t for c, t in ledger.stock[s.store_id].items() if t > EPS_T}
               for s in stores}
    far = [r for r in runs if r.kind == "long_haul"]
    return MarketFlow(runs, delivered, left, by_crop, [r.truck_id for r in far],
                      sum(r.days for r in far))


def _lend(trucks: Sequence[TruckTime], used: set[str], markets: Sequence[Market],
          ledger: Ledger, travel: TravelTable, rules: DrivingRules, names: Mapping[str, str],
          options: RunOptions) -> list[MarketRun]:
    """Long-haul legs for the trucks without collection (and not in ``used``)."""
    if not options.lend_idle_to_long_haul:
        return []
    idle = [t for t in sorted(trucks, key=lambda t: t.truck_id)
            if not t.has_collection and t.truck_id not in used]
    return plan_long_haul(idle, [m for m in markets if m.kind == "long_haul"], ledger, travel,
                          rules, names, options.candidate_stores, options.max_stops)


def check_inputs(trucks: Sequence[TruckTime], stores: Sequence[StoreStock],
                 markets: Sequence[Market], travel: TravelTable) -> None:
    """Raise one :class:`SpecificationError` listing every bad item (ids named)."""
    errors: list[str] = []
    for kind, ids in (("store", [s.store_id for s in stores]),
                      ("market", [m.market_id for m in markets]),
                      ("truck", [t.truck_id for t in trucks])):
        dup = sorted({i for i in ids if ids.count(i) > 1})
        errors += [f"{kind} {i!r}: given twice" for i in dup]
    for t in trucks:
        if not t.capacity_t > 0:
            errors.append(f"truck {t.truck_id!r}: capacity_t {t.capacity_t} must be > 0")
        if t.free_until_s < t.free_from_s:
            errors.append(f"truck {t.truck_id!r}: free_until_s {t.free_until_s} before "
                          f"free_from_s {t.free_from_s}")
    for s in stores:
        errors += [f"store {s.store_id!r}: stock of {c!r} {v} t (unknown crop or < 0)"
                   for c, v in s.stock_t.items() if not _known(c) or v < 0]
    needed = [("truck base", t.base_id) for t in trucks] + \
        [("store", s.store_id) for s in stores] + [("market", m.market_id) for m in markets]
    errors += [f"{kind} {i!r}: no row in the travel table" for kind, i in needed
               if not travel.has(i)]
    if errors:
        raise SpecificationError(errors, field="markets")


def _known(crop: str) -> bool:
    try:
        shelf_life_s(crop)
    except KeyError:
        return False
    return True


@dataclass(frozen=True)
class Timeline:
    """When a run's truck reaches each store and the market, and when it is back."""

    arrivals_s: tuple[float, ...]
    market_arrival_s: float
    end_s: float
    distance_m: float
    drive_s: float
    breaks: tuple[Break, ...]
    approximate: bool
    legs_m: tuple[float, ...] = ()


def day_timeline(truck: TruckTime, start_s: float, seq: Sequence[str], market: Market,
                 travel: TravelTable, rules: DrivingRules) -> Timeline | None:
    """The run base -> stores ``seq`` -> market -> base, or ``None`` if it does not fit.

    It does not fit when a leg has no figure, the truck reaches the market after it
    closes, or it is back at its base after ``truck.free_until_s``.
    """
    clock = Clock(rules, start_s)
    here, approx, arrivals = truck.base_id, False, []
    for stop in seq:
        time_s, dist_m = travel.leg(here, stop)
        if not np.isfinite(time_s):
            return None
        approx |= travel.is_approximate(here, stop)
        clock.drive(time_s, dist_m)
        arrivals.append(clock.t_s)
        clock.stop(rules.load_s_per_stop)
        here = stop
    for a, b in ((here, market.market_id), (market.market_id, truck.base_id)):
        time_s, dist_m = travel.leg(a, b)
        if not np.isfinite(time_s):
            return None
        approx |= travel.is_approximate(a, b)
        clock.drive(time_s, dist_m)
        if b == market.market_id:
            if clock.t_s > market.close_s:
                return None
            clock.wait_until(market.open_s)
            arrival = clock.t_s
            clock.stop(rules.unload_s)
    if clock.t_s > truck.free_until_s:
        return None
    return Timeline(tuple(arrivals), arrival, clock.t_s, clock.distance_m, clock.drive_s,
                    tuple(clock.breaks), approx, tuple(clock.legs_m))


@dataclass
class _DayPlanner:
    travel: TravelTable
    rules: DrivingRules
    options: RunOptions
    ledger: Ledger
    names: Mapping[str, str]
    markets: list[Market]

    def __post_init__(self) -> None:
        self.store_ids = list(self.ledger.stock)
        self.store_rows = np.array([self.travel.index(s) for s in self.store_ids], dtype=int)
        self.position = {s: k for k, s in enumerate(self.store_ids)}
        self.left_t = np.array([self.ledger.left_t(s) for s in self.store_ids])
        self.market_rows = np.array([self.travel.index(m.market_id) for m in self.markets],
                                    dtype=int)
        self.order: dict[str, list[Market]] = {}

    def all_runs(self, trucks: Sequence[TruckTime]) -> list[MarketRun]:
        """Runs of every truck: the truck free earliest makes the next run (ties: id)."""
        queue = [(t.free_from_s, t.truck_id, k) for k, t in enumerate(trucks)]
        heapq.heapify(queue)
        runs: list[MarketRun] = []
        while queue:
            start, _, k = heapq.heappop(queue)
            run = self._next_run(trucks[k], start)
            if run is None:
                continue                     # nothing fits this truck's time any more
            self._commit(run)
            runs.append(run)
            heapq.heappush(queue, (run.end_s, trucks[k].truck_id, k))
        return runs

    def _commit(self, run: MarketRun) -> None:
        for stop in run.stops:
            for crop, tonnes in stop.pickup_by_crop.items():
                self.ledger.take(stop.store_id, crop, tonnes)
            self.left_t[self.position[stop.store_id]] = self.ledger.left_t(stop.store_id)
        self.ledger.deliver(run.market_id, run.load_t)

    def _markets_by_time(self, store_id: str) -> list[Market]:
        """Wholesale markets reachable from the store, nearest first (cached)."""
        if store_id not in self.order:
            times = self.travel.time_s[self.travel.index(store_id), self.market_rows]
            ids = np.array([m.market_id for m in self.markets])
            ranked = np.lexsort((ids, times)) if len(ids) else np.zeros(0, dtype=int)
            self.order[store_id] = [self.markets[k] for k in ranked if np.isfinite(times[k])]
        return self.order[store_id]

    def _open_markets(self, store_id: str, limit: int) -> list[Market]:
        """Up to ``limit`` markets, nearest first, with intake left for the store's stock."""
        found: list[Market] = []
        for m in self._markets_by_time(store_id):
            if self.ledger.intake_left[m.market_id] >= self.options.min_load_t \
                    and self.ledger.eligible(store_id, m):
                found.append(m)
                if len(found) >= limit:
                    break
        return found

    def nearest_stores(self, origin: str, market: Market | None, skip: Sequence[str] = ()
                       ) -> list[str]:
        """Stores with stock (for ``market``, or for any open market), nearest first."""
        times = self.travel.time_s[self.travel.index(origin), self.store_rows]
        ok = (self.left_t > EPS_T) & np.isfinite(times)
        for s in skip:
            ok[self.position[s]] = False
        live = np.flatnonzero(ok)
        ranked = live[np.lexsort((np.array(self.store_ids)[live], times[live]))]
        out: list[str] = []
        for k in ranked:
            store = self.store_ids[k]
            if (self.ledger.eligible(store, market) if market is not None
                    else self._open_markets(store, 1)):
                out.append(store)
                if len(out) >= self.options.candidate_stores:
                    break
        return out

    def _next_run(self, truck: TruckTime, start_s: float) -> MarketRun | None:
        for first in self.nearest_stores(truck.base_id, None):
            for market in self._open_markets(first, self.options.candidate_markets):
                run = self._build(truck, start_s, first, market)
                if run is not None and run.load_t >= self.options.min_load_t:
                    return run
        return None

    def _build(self, truck: TruckTime, start_s: float, first: str,
               market: Market) -> MarketRun | None:
        timeline = day_timeline(truck, start_s, [first], market, self.travel, self.rules)
        if timeline is None:
            return None
        seq, picks = [first], [self._pick(first, market, timeline, 0, truck.capacity_t,
                                          self.ledger.intake_left[market.market_id])]
        while len(seq) < self.options.max_stops:
            room = min(truck.capacity_t, self.ledger.intake_left[market.market_id]) - \
                sum(sum(p.values()) for p in picks)
            if room < self.options.min_load_t:
                break
            added = self._add_stop(truck, start_s, seq, picks, market, room)
            if added is None:
                break
            seq.append(added[0])
            picks.append(added[1])
            timeline = added[2]
        return _run(truck, market, seq, picks, timeline, self.names, start_s)

    def _add_stop(self, truck: TruckTime, start_s: float, seq: list[str],
                  picks: list[dict[str, float]], market: Market, room: float
                  ) -> tuple[str, dict[str, float], Timeline] | None:
        for store in self.nearest_stores(seq[-1], market, skip=seq):
            timeline = day_timeline(truck, start_s, [*seq, store], market, self.travel,
                                    self.rules)
            if timeline is None or not _shelf_ok(seq, picks, timeline):
                continue
            pick = self._pick(store, market, timeline, len(seq), room, room)
            if sum(pick.values()) >= EPS_T:
                return store, pick, timeline
        return None

    def _pick(self, store: str, market: Market, timeline: Timeline, position: int,
              room_t: float, intake_t: float) -> dict[str, float]:
        """Tonnes by crop loaded at the store (perishable first, shelf life kept)."""
        ride_s = timeline.market_arrival_s - timeline.arrivals_s[position]
        left = min(room_t, intake_t)
        pick: dict[str, float] = {}
        for crop in self.ledger.eligible(store, market):
            if left < EPS_T:
                break
            if shelf_life_s(crop) < ride_s:
                continue
            tonnes = min(self.ledger.stock[store][crop], left)
            pick[crop] = tonnes
            left -= tonnes
        return pick


def _shelf_ok(seq: Sequence[str], picks: Sequence[Mapping[str, float]],
              timeline: Timeline) -> bool:
    """Whether everything already loaded still reaches the market within its shelf life."""
    for position, pick in enumerate(picks[:len(seq)]):
        ride_s = timeline.market_arrival_s - timeline.arrivals_s[position]
        if any(shelf_life_s(c) < ride_s for c in pick):
            return False
    return True


def _run(truck: TruckTime, market: Market, seq: Sequence[str],
         picks: Sequence[Mapping[str, float]], timeline: Timeline, names: Mapping[str, str],
         start_s: float) -> MarketRun:
    stops: list[RunStop] = []
    load, by_crop = 0.0, dict[str, float]()
    for store, pick, arrival in zip(seq, picks, timeline.arrivals_s, strict=True):
        tonnes = sum(pick.values())
        load += tonnes
        for crop, t in pick.items():
            by_crop[crop] = by_crop.get(crop, 0.0) + t
        stops.append(RunStop(store, names.get(store, store), arrival, tonnes, load,
                             dict(pick)))
    return MarketRun(truck.truck_id, truck.base_id, market.market_id, market.kind,
                     tuple(stops), timeline.market_arrival_s, start_s, timeline.end_s,
                     timeline.distance_m, timeline.drive_s, timeline.breaks, load, by_crop,
                     approximate=timeline.approximate,
                     tonne_km=loaded_tonne_km(timeline.legs_m, stops),
                     paid_s=timeline.end_s - start_s)
