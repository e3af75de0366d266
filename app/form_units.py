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

from app.catalogue import N_, message_in


@dataclass(frozen=True)
class Unit:
    """A form unit: ``factor`` scenario units per form unit; its label as an English
    msgid (Chinese in the zh catalogue); ``whole`` when the scenario keeps a whole number
    (seconds are ``int``)."""

    factor: float
    label: str
    whole: bool = False


HOUR = Unit(3_600, N_("h"), whole=True)
MINUTE = Unit(60, N_("min"), whole=True)
#: Form unit by scenario key.
UNITS: dict[str, Unit] = {
    "budget_yuan": Unit(10_000, N_("10,000 yuan")),
    "freshness_limit_s": HOUR,
    "max_access_time_s": MINUTE,
    "shift_s": HOUR,
    # TRANSLATORS: the unit of a clock hour typed as a number (6 = 06:00).
    "shift_start_s": Unit(3_600, N_("o'clock"), whole=True),
    "service_s": MINUTE,
    "unload_s": MINUTE,
    "max_snap_m": Unit(1_000, N_("km")),
}
#: Tier costs are written in 万元 too (capacity stays in tonnes).
TIER_COST = UNITS["budget_yuan"]
#: Units (English msgids) of the fields kept as the scenario has them, by field.
PLAIN_UNITS: dict[str, str] = {
    # TRANSLATORS: a count of stores (the unit after a number).
    "stores": N_("stores"),
    # TRANSLATORS: a count of trucks (the unit after a number).
    "trucks": N_("trucks"),
    "truck_capacity_t": N_("t"),
    "trips_per_truck": N_("trips/day"),
    "siting_time_limit_s": N_("s"),
    "routing_time_limit_s": N_("s"),
    "county_min_stores": N_("stores"),
    # TRANSLATORS: the unit of a weight factor (2 × = twice the priority).
    "poverty_weight": N_("×"),
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
    return message_in(lang, unit.label if unit is not None else PLAIN_UNITS.get(key, ""))


def form_bounds(key: str, bounds: tuple[float, float]) -> tuple[float, float]:
    """Scenario-unit bounds in the form's unit."""
    unit = UNITS.get(key)
    if unit is None:
        return bounds
    return bounds[0] / unit.factor, bounds[1] / unit.factor
