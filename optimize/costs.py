"""What the trucks' trips cost: km, hours, diesel, CO2 and yuan, per trip, truck-day, tonne.

Every figure comes from :class:`CostParameters`, whose entries carry ``{value, unit,
source, assumption}`` like the scenario's metadata (plan.json ``costs.parameters``):

- diesel use 14 L/100 km for a 4.2 m light reefer, of which about 20 % runs the
  refrigeration unit (PARAMETERS.md §2, 商车邦 2024);
- CO2 per litre of diesel: IPCC 2006 default factor x net calorific value x density
  (the density is typical, not sourced: flagged);
- diesel price and driver wage: no source in PARAMETERS.md (flagged assumptions);
- the cold-chain freight rate 0.31 yuan/t·km (PARAMETERS.md §2) is reported beside the
  own-fleet cost, as what a hired carrier would charge for the same tonne-km.

Not counted (no source, PARAMETERS.md §8): the trucks' purchase price or depreciation,
maintenance, tolls, insurance. ``cost_yuan`` is diesel plus driver time only.

Tonnes moved (``t_moved``) count every trip's load: a tonne collected by truck and later
taken to market counts twice (it is carried twice); ``cost_per_t_yuan`` divides by it.
Season totals are one day's totals x the season's days (:attr:`optimize.crops.Season.days`);
the year is the sum of the seasons.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

HOUR_S = 3600.0


@dataclass(frozen=True)
class Param:
    """One cost parameter with its provenance."""

    value: float
    unit: str
    source: str
    assumption: bool = False


def _p(value: float, unit: str, source: str, assumption: bool = False) -> Any:
    return field(default_factory=lambda: Param(value, unit, source, assumption))


@dataclass(frozen=True)
class CostParameters:
    """The parameters of the cost figures (module docstring); each a :class:`Param`."""

    fuel_l_per_100km: Param = _p(
        14.0, "L/100 km", "PARAMETERS.md §2: 4.2 m light reefer 13-15 L/100 km in summer "
        "(商车邦 2024, http://hpla.cn/news/hangye/2024-02-21/2548.html)")
    refrigeration_share: Param = _p(
        0.20, "share of fuel", "PARAMETERS.md §2: refrigeration about 20 % of fuel in summer "
        "at full load (商车邦 2024)")
    co2_kg_per_l: Param = _p(
        2.68, "kg CO2/L", "IPCC 2006 Guidelines vol. 2 ch. 3 table 3.2.1: diesel 74,100 kg "
        "CO2/TJ x NCV 43.0 TJ/Gg (vol. 2 ch. 1 table 1.2) x density 0.84 kg/L; the density "
        "is a typical value, not sourced", True)
    diesel_yuan_per_l: Param = _p(
        6.0, "yuan/L", "no source in PARAMETERS.md: about the 2020 retail price of 0# "
        "diesel (assumption)", True)
    driver_yuan_per_h: Param = _p(
        25.0, "yuan/h", "no source: about 5,000 yuan a month over 200 working hours "
        "(assumption)", True)
    freight_yuan_per_t_km: Param = _p(
        0.31, "yuan/t·km", "PARAMETERS.md §2: cold-chain freight 0.30-0.32 yuan/t·km "
        "(商车邦 2024); reported for comparison, not added to the cost")

    def to_mapping(self) -> dict[str, dict[str, Any]]:
        """``{name: {value, unit, source, assumption}}`` (plan.json ``costs.parameters``)."""
        return {f.name: asdict(getattr(self, f.name)) for f in fields(self)}

    def assumptions(self) -> list[str]:
        """The parameters without a full source, in plain words."""
        return [f"{f.name} = {getattr(self, f.name).value:g} {getattr(self, f.name).unit}: "
                f"{getattr(self, f.name).source}" for f in fields(self)
                if getattr(self, f.name).assumption]


DEFAULT_COSTS = CostParameters()


@dataclass(frozen=True)
class TripCost:
    """Cost figures of a trip (or of a sum of trips: a truck-day, a season).

    ``freight_equivalent_yuan`` is ``None`` when the trips' tonne-km are not known.
    """

    distance_km: float
    hours: float
    fuel_l: float
    refrigeration_fuel_l: float
    co2_kg: float
    fuel_yuan: float
    driver_yuan: float
    cost_yuan: float
    t_moved: float
    tonne_km: float | None = None
    freight_equivalent_yuan: float | None = None
    trips: float = 1.0

    @property
    def cost_per_t_yuan(self) -> float | None:
        """Cost per tonne moved; ``None`` without a load."""
        return self.cost_yuan / self.t_moved if self.t_moved > 0 else None

    def scaled(self, factor: float) -> TripCost:
        """Every figure x ``factor`` (a long-haul leg of D days counts 1/D a day)."""
        values: dict[str, Any] = {f.name: (None if getattr(self, f.name) is None
                           else getattr(self, f.name) * factor) for f in fields(self)}
        return replace(self, **values)

    def __add__(self, other: TripCost) -> TripCost:
        values: dict[str, Any] = {}
        for f in fields(self):
            a, b = getattr(self, f.name), getattr(other, f.name)
            values[f.name] = None if a is None or b is None else a + b
        return TripCost(**values)

    def to_mapping(self) -> dict[str, Any]:
        """Plain figures (rounded in the plan by the writer, not here)."""
        out = asdict(self)
        out["cost_per_t_yuan"] = self.cost_per_t_yuan
        return out


ZERO = TripCost(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)


def trip_cost(distance_m: float, paid_s: float, load_t: float,
              tonne_km: float | None = None,
              params: CostParameters = DEFAULT_COSTS) -> TripCost:
    """Cost of one trip.

    Parameters
    ----------
    distance_m
        Distance driven (loaded and empty).
    paid_s
        The driver's paid time (the trip's duration; for a multi-day leg the working
        time, not the nights).
    load_t
        Tonnes the trip delivers.
    tonne_km
        Loaded tonne-km (:func:`tonne_km`), for the freight-rate comparison.
    """
    km = distance_m / 1000.0
    fuel = km * params.fuel_l_per_100km.value / 100.0
    fuel_yuan = fuel * params.diesel_yuan_per_l.value
    hours = paid_s / HOUR_S
    driver = hours * params.driver_yuan_per_h.value
    freight = None if tonne_km is None else tonne_km * params.freight_yuan_per_t_km.value
    return TripCost(km, hours, fuel, fuel * params.refrigeration_share.value,
                    fuel * params.co2_kg_per_l.value, fuel_yuan, driver, fuel_yuan + driver,
                    load_t, tonne_km, freight)


def tonne_km(legs: Sequence[tuple[float, float]]) -> float:
    """Loaded tonne-km of a trip from its legs ``(distance_m, load on the leg in t)``."""
    return sum(d / 1000.0 * t for d, t in legs)


def total(costs: Iterable[TripCost]) -> TripCost:
    """Sum of trips (a truck-day, a season's day); the empty sum is :data:`ZERO`."""
    out = ZERO
    for c in costs:
        out = out + c
    return out


def per_truck_day(trips: Iterable[tuple[str, TripCost]]) -> dict[str, TripCost]:
    """Per truck: the sum of its trips of the day (``(truck_id, cost)`` pairs)."""
    out: dict[str, TripCost] = {}
    for truck, cost in trips:
        out[truck] = out.get(truck, ZERO) + cost
    return out


@dataclass(frozen=True)
class PeriodCost:
    """Totals over a season or a year (plan.json ``costs.by_season`` / ``per_year``)."""

    days: float
    distance_km: float
    fuel_l: float
    co2_kg: float
    cost_yuan: float
    t_moved: float

    @property
    def cost_per_t_yuan(self) -> float | None:
        """Cost per tonne moved; ``None`` without a load."""
        return self.cost_yuan / self.t_moved if self.t_moved > 0 else None

    def to_mapping(self) -> dict[str, Any]:
        """The plan.json figures of spec17, plus ``days``."""
        out = asdict(self)
        out["cost_per_t_yuan"] = self.cost_per_t_yuan
        return out


def season_cost(day: TripCost, days: float) -> PeriodCost:
    """A season's totals: one day's totals x its days (steady state)."""
    return PeriodCost(days, day.distance_km * days, day.fuel_l * days, day.co2_kg * days,
                      day.cost_yuan * days, day.t_moved * days)


def year_cost(seasons: Mapping[str, PeriodCost]) -> PeriodCost:
    """The year: the sum of its seasons."""
    parts = list(seasons.values())
    return PeriodCost(*(sum(getattr(p, f.name) for p in parts) for f in fields(PeriodCost)))


def costs_mapping(seasons: Mapping[str, PeriodCost],
                  params: CostParameters = DEFAULT_COSTS) -> dict[str, Any]:
    """plan.json ``costs``: parameters, by season and per year."""
    return {"parameters": params.to_mapping(),
            "by_season": {name: s.to_mapping() for name, s in seasons.items()},
            "per_year": year_cost(seasons).to_mapping(),
            "not_counted": "truck purchase or depreciation, maintenance, tolls, insurance "
                           "(no source, PARAMETERS.md §8)"}
