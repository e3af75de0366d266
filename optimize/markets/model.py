"""Records shared by the market-run planners: trucks' free time, stores' stock, runs.

Plain dataclasses (no pipeline imports) so the pipeline can build them from the collection
fleet's result and write the runs into plan.json (spec17 ``routes[*]`` with ``kind =
"market"``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from optimize.markets.clock import Break
from optimize.markets.shelf import SHELF_LIFE
from optimize.markets.table import Market

#: Tonnes below which a quantity counts as zero.
EPS_T = 1e-9


@dataclass(frozen=True)
class TruckTime:
    """A truck's time left after collection on the season's day.

    Attributes
    ----------
    truck_id, base_id
        Fleet-wide id and the store (or hub) where it starts and ends its day.
    free_from_s, free_until_s
        When its collection trips end and when its shift ends (seconds from midnight).
    capacity_t
        Payload.
    has_collection
        Whether it made a collection trip that day. A truck without one (and without a
        day market run) may be lent to a long-haul leg.
    """

    truck_id: str
    base_id: str
    free_from_s: float
    free_until_s: float
    capacity_t: float
    has_collection: bool = True


@dataclass(frozen=True)
class StoreStock:
    """What a store ships on the season's day, by crop.

    Steady state: a store ships what it takes in each day (its collected plus
    self-delivered tonnes), so ``stock_t`` is the store's daily intake by crop.
    """

    store_id: str
    stock_t: Mapping[str, float]
    name: str = ""
    region_code: str = ""


@dataclass(frozen=True)
class RunStop:
    """A store where a market run loads."""

    store_id: str
    name: str
    arrival_s: float
    pickup_t: float
    load_after_t: float
    pickup_by_crop: Mapping[str, float]


@dataclass(frozen=True)
class MarketRun:
    """One market run: load at one or several stores, deliver to one market, go back.

    ``days`` is 1 for a day run; a long-haul leg takes ``days`` truck-days (out and back)
    and moves ``load_t`` once per cycle, i.e. ``daily_t = load_t / days`` a day in the
    steady state. Times are seconds from midnight of the season's day (a long-haul
    ``end_s`` passes 86,400). ``tonne_km`` is the loaded tonne-km (load on each leg x its
    length); ``paid_s`` the driver's working time (a day run: start to end; a long-haul
    leg: driving, rests, loading and unloading, not the nights).
    """

    truck_id: str
    base_id: str
    market_id: str
    kind: str
    stops: tuple[RunStop, ...]
    market_arrival_s: float
    start_s: float
    end_s: float
    distance_m: float
    drive_s: float
    breaks: tuple[Break, ...]
    load_t: float
    load_by_crop: Mapping[str, float]
    days: int = 1
    approximate: bool = False
    tonne_km: float = 0.0
    paid_s: float = 0.0

    @property
    def daily_t(self) -> float:
        """Tonnes a day this run moves in the steady state (``load_t / days``)."""
        return self.load_t / self.days

    @property
    def duration_s(self) -> float:
        """End minus start (overnight rests of a long-haul leg included)."""
        return self.end_s - self.start_s

    def to_route(self, season: str, market_name: str = "") -> dict[str, Any]:
        """The plan.json ``routes[*]`` entry (spec17, kind ``"market"``) without costs."""
        stops: list[dict[str, Any]] = [
            {"store_id": s.store_id, "name": s.name, "arrival_s": s.arrival_s,
             "pickup_t": s.pickup_t, "load_after_t": s.load_after_t,
             "pickup_by_crop": dict(s.pickup_by_crop)} for s in self.stops]
        stops.append({"market_id": self.market_id, "name": market_name,
                      "arrival_s": self.market_arrival_s, "pickup_t": 0.0,
                      "delivered_t": self.load_t, "load_after_t": 0.0})
        return {"kind": "market", "season": season, "truck_id": self.truck_id,
                "base_id": self.base_id, "store_id": self.stops[0].store_id,
                "market_id": self.market_id, "market_kind": self.kind, "stops": stops,
                "start_s": self.start_s, "end_s": self.end_s, "distance_m": self.distance_m,
                "duration_s": self.duration_s, "drive_s": self.drive_s,
                "breaks": [{"start_s": b.start_s, "duration_s": b.duration_s}
                           for b in self.breaks],
                "load_t": self.load_t, "days": self.days, "daily_t": self.daily_t,
                "tonne_km": self.tonne_km, "paid_s": self.paid_s,
                "approximate_travel": self.approximate}


@dataclass
class Ledger:
    """Stock left per store and crop, intake left per market (tonnes a day)."""

    stock: dict[str, dict[str, float]]
    intake_left: dict[str, float]
    regions: dict[str, str] = field(default_factory=dict)

    @classmethod
    def start(cls, stores: Sequence[StoreStock], markets: Sequence[Market]) -> Ledger:
        """A fresh ledger: every store's daily stock, every market's daily intake."""
        return cls({s.store_id: {c: float(t) for c, t in s.stock_t.items() if t > EPS_T}
                    for s in stores},
                   {m.market_id: float(m.daily_intake_t) for m in markets},
                   {s.store_id: s.region_code for s in stores})

    def eligible(self, store_id: str, market: Market) -> list[str]:
        """Crops of the store the market takes, stock left, perishable first."""
        if not market.serves(self.regions.get(store_id, "")):
            return []
        crops = [c for c, t in self.stock.get(store_id, {}).items()
                 if t > EPS_T and market.takes(c)]
        return sorted(crops, key=lambda c: (SHELF_LIFE[c].days, c))

    def left_t(self, store_id: str) -> float:
        """Tonnes the store still has to ship."""
        return sum(self.stock.get(store_id, {}).values())

    def take(self, store_id: str, crop: str, tonnes: float) -> None:
        """Remove ``tonnes`` of ``crop`` from the store's stock."""
        left = self.stock[store_id][crop] - tonnes
        self.stock[store_id][crop] = 0.0 if left < EPS_T else left

    def deliver(self, market_id: str, tonnes: float) -> None:
        """Use ``tonnes`` of the market's daily intake."""
        left = self.intake_left[market_id] - tonnes
        self.intake_left[market_id] = 0.0 if left < EPS_T else left


def loaded_tonne_km(legs_m: Sequence[float], stops: Sequence[RunStop]) -> float:
    """Tonne-km of a run base -> stops -> market -> base: leg ``k`` (``k >= 1``) leaves
    stop ``k`` with that stop's ``load_after_t``; the first and last legs run empty."""
    return sum(stop.load_after_t * legs_m[k + 1] / 1000.0 for k, stop in enumerate(stops))
