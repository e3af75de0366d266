"""The typed ``markets``, ``market_flow`` and ``costs`` of ``plan.json`` (issue 17).

Pure Python, like :mod:`optimize.plan.model` (which uses them in
:class:`~optimize.plan.model.PlanMeta`); ``docs/PLAN-FORMAT.md`` section "Markets,
market runs and costs" documents every key.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from optimize.plan.record import Record


@dataclasses.dataclass(frozen=True)
class MarketEntry(Record):
    """One market or outlet (``markets``; ``optimize.markets.table.Market``)."""

    market_id: str
    name: str
    lon: float | None = None
    lat: float | None = None
    crops: tuple[str, ...] | None = None
    daily_intake_t: float | None = None
    open_s: int | None = None
    close_s: int | None = None
    kind: str | None = None
    source: str | None = None
    approximate_location: bool | None = None
    assumptions: tuple[str, ...] | None = None
    serves_regions: tuple[str, ...] | None = None


@dataclasses.dataclass(frozen=True)
class SeasonFlow(Record):
    """One season's market flow (tonnes a day)."""

    delivered_t_by_market: Mapping[str, float] | None = None
    left_for_buyers_t_by_store: Mapping[str, float] | None = None
    market_t: float | None = None
    left_for_buyers_t: float | None = None
    lent_truck_ids: tuple[str, ...] | None = None
    long_haul_truck_days: int | None = None


@dataclasses.dataclass(frozen=True)
class MarketFlowReport(Record):
    """``market_flow``: the rule that splits the fleet's time, and each season's flow."""

    split_rule: str | None = None
    by_season: Mapping[str, SeasonFlow] | None = None


@dataclasses.dataclass(frozen=True)
class CostParam(Record):
    """One cost parameter with its provenance."""

    value: float
    unit: str | None = None
    source: str | None = None
    assumption: bool | None = None


@dataclasses.dataclass(frozen=True)
class PeriodCosts(Record):
    """A season's or the year's cost totals."""

    days: float | None = None
    distance_km: float | None = None
    fuel_l: float | None = None
    co2_kg: float | None = None
    cost_yuan: float | None = None
    t_moved: float | None = None
    cost_per_t_yuan: float | None = None


@dataclasses.dataclass(frozen=True)
class CostsReport(Record):
    """``costs``: parameters, each season, the year, what is not counted."""

    parameters: Mapping[str, CostParam] | None = None
    by_season: Mapping[str, PeriodCosts] | None = None
    per_year: PeriodCosts | None = None
    not_counted: str | None = None


@dataclasses.dataclass(frozen=True)
class RunBreak(Record):
    """A driver's rest of a market run (20 min after 4 h of driving)."""

    start_s: int
    duration_s: int


@dataclasses.dataclass(frozen=True)
class RunLeg(Record):
    """One leg of a market run: from, to, time, metres, and whether the figures are by road
    (``travel = "road"``) or the straight-line estimate (``"straight_line"``)."""

    from_id: str
    to_id: str
    time_s: float
    distance_m: float
    travel: str


@dataclasses.dataclass(frozen=True)
class LongHaulStop(Record):
    """A stop of a long-haul leg: a store loaded (``store_id``, ``pickup_t``) or the
    partner-city outlet (``market_id``, ``delivered_t`` the load)."""

    name: str
    arrival_s: int
    pickup_t: float
    load_after_t: float
    store_id: str | None = None
    market_id: str | None = None
    pickup_by_crop: Mapping[str, float] | None = None
    delivered_t: float | None = None


@dataclasses.dataclass(frozen=True)
class LongHaulLeg(Record):
    """A lent truck's multi-day, full-truckload leg to a partner-city outlet
    (``trucks[*].long_haul``; :func:`optimize.pipeline.season_markets.long_haul_record`):
    the market-run fields with clock times from midnight of the leg's first day
    (``end_s`` past 86,400 s), ``days`` of the cycle and its ``nights`` away, ``daily_t``
    = ``load_t / days``, and ``legs`` base -> stores -> outlet -> base (the long legs are
    the straight-line estimate, ``travel = "straight_line"``)."""

    leg_id: str
    kind: str
    season: str
    truck_id: str
    base_id: str
    store_id: str
    market_id: str
    stops: tuple[LongHaulStop, ...]
    start_s: int
    end_s: int
    distance_m: float
    duration_s: int
    load_t: float
    days: int
    daily_t: float
    market_kind: str | None = None
    drive_s: int | None = None
    breaks: tuple[RunBreak, ...] | None = None
    tonne_km: float | None = None
    paid_s: int | None = None
    approximate_travel: bool | None = None
    stops_count: int | None = None
    nights: int | None = None
    fuel_l: float | None = None
    co2_kg: float | None = None
    cost_yuan: float | None = None
    legs: tuple[RunLeg, ...] | None = None


def long_haul_of(truck: Record) -> LongHaulLeg | None:
    """The typed ``long_haul`` leg of a truck record (:class:`optimize.plan.model.TruckDay`
    keeps it among its ``extra`` keys), ``None`` without one; ``KeyError`` naming a
    required key the leg lacks."""
    leg: Any = truck.extra.get("long_haul")
    return LongHaulLeg.from_json(leg) if leg else None
