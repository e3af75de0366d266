"""The records of a plan's season table (``seasons``): load, fleet cells, moves, shortfalls.

Kept apart from :mod:`optimize.plan.model`, which imports them, as
:mod:`optimize.plan.market_records` is.
"""

from __future__ import annotations

import dataclasses

from optimize.plan.record import Record


@dataclasses.dataclass(frozen=True)
class SeasonLoad(Record):
    """What one prefecture collects in one season."""

    season: str
    region: str
    region_name: str
    crops: str
    share: float
    daily_pickup_t: float
    freshness_limit_s: int
    strictest_crop: str | None
    freshness_assumption: bool | None = None


@dataclasses.dataclass(frozen=True)
class FleetCell(Record):
    """Trucks one prefecture needs and gets in one season, and why."""

    season: str
    region: str
    region_name: str
    need: int
    trucks: int
    reason: str
    #: Province plans (optimize/pipeline/province_spread.py): tonnes a day of the
    #: prefecture's villages collected and needing a truck, and their ratio (per cent).
    collected_t: float | None = None
    needed_t: float | None = None
    collected_pct: float | None = None


@dataclasses.dataclass(frozen=True)
class SeasonMove(Record):
    """Trucks re-based from one prefecture to another between two seasons."""

    from_season: str
    to_season: str
    origin: str
    destination: str
    trucks: int
    distance_km: float
    truck_km: float


@dataclasses.dataclass(frozen=True)
class Shortfall(Record):
    """A (season, prefecture) that got fewer trucks than it needs."""

    season: str
    region: str
    need: int
    got: int
    reason: str
