"""The scenario form's units: what people write (hours, minutes, km, 万元) against what a
scenario keeps (seconds, metres, yuan).

The form shows and reads each field in its :data:`UNITS` entry's unit; saved scenarios
(the database, TOML files, :class:`optimize.scenario.Scenario`) keep the scenario's own
units, so a form value is multiplied by ``factor`` when saved and divided when shown.
Fields without an entry are shown as the scenario keeps them (counts, tonnes, seconds of
solver time).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Unit:
    """A form unit: ``factor`` scenario units per form unit; labels in both languages;
    ``whole`` when the scenario keeps a whole number (seconds are ``int``)."""

    factor: float
    zh: str
    en: str
    whole: bool = False


HOUR = Unit(3_600, "小时", "h", whole=True)
MINUTE = Unit(60, "分钟", "min", whole=True)
#: Form unit by scenario key.
UNITS: dict[str, Unit] = {
    "budget_yuan": Unit(10_000, "万元", "10,000 yuan"),
    "freshness_limit_s": HOUR,
    "max_access_time_s": MINUTE,
    "shift_s": HOUR,
    "shift_start_s": Unit(3_600, "点钟", "o'clock", whole=True),
    "service_s": MINUTE,
    "unload_s": MINUTE,
    "max_snap_m": Unit(1_000, "公里", "km"),
}
#: Tier costs are written in 万元 too (capacity stays in tonnes).
TIER_COST = UNITS["budget_yuan"]
#: Units of the fields kept as the scenario has them, by field.
PLAIN_UNITS: dict[str, tuple[str, str]] = {
    "stores": ("座", "stores"), "trucks": ("辆", "trucks"), "truck_capacity_t": ("吨", "t"),
    "trips_per_truck": ("趟/天", "trips/day"), "siting_time_limit_s": ("秒", "s"),
    "routing_time_limit_s": ("秒", "s"), "county_min_stores": ("座", "stores"),
    "poverty_weight": ("倍", "×"),
}

def to_scenario(key: str, value: float) -> float | int:
    """A form number in the scenario's unit (seconds rounded to whole seconds)."""
    unit = UNITS.get(key)
    if unit is None:
        return value
    converted = value * unit.factor
    return int(round(converted)) if unit.whole else converted


def to_form(key: str, value: Any) -> Any:
    """A scenario value in the form's unit (``None`` and text unchanged)."""
    unit = UNITS.get(key)
    if unit is None or isinstance(value, bool) or not isinstance(value, (int, float)):
        return value
    return value / unit.factor


def number_text(value: float) -> str:
    """A number as people write it: no ``.0``, at most 4 decimals (``2``, ``0.25``)."""
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


def unit_label(key: str, lang: str) -> str:
    """The unit a field is written in, in ``lang`` (``''`` when it has none)."""
    unit = UNITS.get(key)
    if unit is not None:
        return unit.zh if lang == "zh" else unit.en
    plain = PLAIN_UNITS.get(key)
    return "" if plain is None else plain[0 if lang == "zh" else 1]


def form_bounds(key: str, bounds: tuple[float, float]) -> tuple[float, float]:
    """Scenario-unit bounds in the form's unit."""
    unit = UNITS.get(key)
    if unit is None:
        return bounds
    return bounds[0] / unit.factor, bounds[1] / unit.factor
