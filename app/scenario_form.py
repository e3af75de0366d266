"""The scenario form's fields and how they are read: numbers in the form's units
(:mod:`app.form_units`) within the scenario's own ranges, tiers as lines, and every reason
of :meth:`optimize.scenario.Scenario.from_mapping` filed beside the field it names.

A form is turned into the plain mapping ``Scenario.from_mapping`` takes (blank fields are
left out, so the scenario's documented default applies). Numbers outside their range
(:func:`form_field_bounds`: the scenario's ``PARAMS`` bounds, one source of truth for
the form, the TOML files and the CLI; 1e30, a negative count, NaN) are refused beside their
field first, in the form's unit. Messages are Chinese unless the English switch is on.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any

from flask import has_request_context
from flask_babel import gettext
from werkzeug.datastructures import MultiDict

from app.form_units import (
    TIER_COST,
    UNITS,
    form_bounds,
    to_form,
    to_scenario,
    unit_label,
)
from app.regions import current_regions

NAME_MAX = 120
REGION_CODE = re.compile(r"62(\d{2}|\d{4})?")
# form field -> kind; order is the form's order
# (the kind is the scenario's; fields of app.form_units.UNITS are read as decimal numbers
# in the form's unit and converted)
FIELDS: dict[str, str] = {
    "region_code": "str", "stores": "int", "trucks": "int", "budget_yuan": "float",
    "crop": "str", "freshness_limit_s": "int", "max_access_time_s": "int",
    "objective": "str", "poverty_weight": "float", "truck_capacity_t": "float",
    "shift_s": "int", "shift_start_s": "int", "service_s": "int", "unload_s": "int",
    "trips_per_truck": "int", "max_snap_m": "float", "siting_time_limit_s": "float",
    "routing_time_limit_s": "float", "seed": "int", "siting_engine": "str",
    "county_min_stores": "int",
}
# every key a reason may be shown beside (the others go to the form as a whole)
FORM_KEYS = (*FIELDS, "tiers", "name", "supply_file", "sites_file")


@functools.cache
def form_field_bounds() -> dict[str, tuple[float, float]]:
    """Bounds (inclusive, scenario units) of the form's numeric fields: the scenario's own
    ranges (``optimize.scenario.PARAMS[key].bounds``), one source of truth for the form,
    the TOML files and the CLI. A value outside is refused beside its field, in the form's
    unit and words, before the scenario is built. (Read on first use: importing
    :mod:`optimize.scenario` loads numpy.)"""
    from optimize.scenario import PARAMS

    out = {}
    for key in (k for k, kind in FIELDS.items() if kind != "str"):
        bounds = PARAMS[key].bounds
        if bounds is None:
            raise KeyError(f"{key}: a numeric form field without bounds in PARAMS")
        out[key] = bounds
    return out


def tier_bounds() -> dict[str, tuple[float, float]]:
    """Bounds of a store tier's numbers: capacity (t) and either cost (yuan)."""
    from optimize.scenario import TIER_BOUNDS

    return TIER_BOUNDS


@dataclass
class FormResult:
    """A parsed scenario form: the mapping for ``Scenario.from_mapping`` and errors by field."""

    name: str
    params: dict[str, Any]
    errors: dict[str, list[str]] = field(default_factory=dict)

    def add(self, key: str, message: str) -> None:
        """Record an error against a form field (``_`` = the form as a whole)."""
        self.errors.setdefault(key, []).append(message)


def plain_number(value: float) -> str:
    """A bound as people write it: ``10,000,000,000``, ``0.1``."""
    return f"{int(value):,}" if float(value).is_integer() else f"{value:.4g}"


def out_of_bounds(key: str, value: float, bounds: tuple[float, float]) -> str | None:
    """The message for a value outside ``bounds`` (inclusive), or ``None``."""
    low, high = bounds
    if low <= value <= high:
        return None
    low_text, high_text = plain_number(low), plain_number(high)
    return gettext("%(field)s = %(value)s: must be between %(low)s and %(high)s",
                   field=key, value=f"{value:g}", low=low_text, high=high_text)


def _number(kind: str, text: str) -> int | float:
    """A form number: ``int`` for whole-number fields (``1e3`` or ``2.5`` refused)."""
    if kind == "int":
        return int(text)
    value = float(text)
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError("not a finite number")
    return value


def parse_tiers(text: str) -> list[dict[str, float]]:
    """Tiers from lines ``capacity (t), build cost (万元), subsidy (万元)``, in yuan.

    Raises
    ------
    ValueError
        A line without exactly three numbers (the line number is named).
    """
    tiers = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.replace("，", ",").split(",")]
        try:
            cap, cost, subsidy = (_number("float", p) for p in parts)
        except ValueError:
            raise ValueError(gettext("line %(n)s: expected 3 numbers 'capacity (t), build "
                                     "cost (10,000 yuan), subsidy (10,000 yuan)'",
                                     n=number)) from None
        wan = TIER_COST.factor
        tier = {"capacity_t": cap, "build_cost_yuan": cost * wan, "subsidy_yuan": subsidy * wan}
        for key, value in tier.items():
            factor = 1 if key == "capacity_t" else wan
            low, high = tier_bounds()[key]
            refused = out_of_bounds(key, value / factor, (low / factor, high / factor))
            if refused:
                raise ValueError(gettext("line %(n)s: %(msg)s", n=number, msg=refused))
        tiers.append(tier)
    return tiers


def parse_form(form: MultiDict[str, str]) -> FormResult:
    """Read the scenario form into a mapping; type errors are recorded by field."""
    name = form.get("name", "").strip()
    result = FormResult(name=name, params={"name": name})
    if not name or len(name) > NAME_MAX:
        result.add("name", gettext("1 to %(n)s characters", n=NAME_MAX))
    for key, kind in FIELDS.items():
        text = form.get(key, "").strip()
        if text:
            _read_field(result, key, kind, text)
    tiers_text = form.get("tiers", "").strip()
    if tiers_text:
        try:
            result.params["tiers"] = parse_tiers(tiers_text)
        except ValueError as exc:
            result.add("tiers", str(exc))
    return result


def _read_field(result: FormResult, key: str, kind: str, text: str) -> None:
    """One form field into ``result.params``, or its message (not a number, out of range)."""
    if kind == "str":
        if key == "region_code" and not known_region(text):
            result.add(key, gettext("region %(code)s: not a code of Gansu, a prefecture or "
                                    "a county", code=text))
        else:
            result.params[key] = text
        return
    form_kind = "float" if key in UNITS else kind
    try:
        value = _number(form_kind, text)
    except ValueError:
        result.add(key, gettext("%(text)s: expected a whole number", text=repr(text))
                   if form_kind == "int" else
                   gettext("%(text)s: expected a number", text=repr(text)))
        return
    refused = out_of_bounds(field_label(key), value, form_bounds(key, form_field_bounds()[key]))
    if refused:
        result.add(key, refused)
    else:
        result.params[key] = to_scenario(key, value)


def check_stored(result: FormResult) -> None:
    """File a stored value of a numeric form field that is out of its range beside the
    field, in the form's unit and language (as a typed one would be), and leave it out of
    the mapping so :func:`validate` does not report it again in the scenario's words."""
    for key in [k for k, kind in FIELDS.items() if kind != "str" and k in result.params]:
        value = result.params[key]
        if isinstance(value, bool) or not isinstance(value, int | float):
            continue  # a type error: the scenario's check names it
        shown = to_form(key, value)
        refused = out_of_bounds(field_label(key), shown,
                                form_bounds(key, form_field_bounds()[key]))
        if refused:
            result.add(key, refused)
            del result.params[key]


def field_label(key: str) -> str:
    """A field as the form names it, with its unit: ``每班工作时长（小时）`` (outside a
    request, the scenario key with its English unit)."""
    from app.i18n import current_lang

    lang = current_lang() if has_request_context() else "en"
    label = field_text("f", key) if has_request_context() else key
    unit = unit_label(key, lang)
    return gettext("%(label)s (%(unit)s)", label=label, unit=unit) if unit else label


def field_text(kind: str, key: str) -> str:
    """A field's label (``kind`` ``f``) or help (``h``) in the request's language, from
    the interface catalogue (``app.i18n`` ``f_<key>`` / ``h_<key>``)."""
    from app.i18n import t

    return t(f"{kind}_{key}")


def known_region(code: str) -> bool:
    """Whether ``code`` is in the region picker (any code of the right shape when the
    reference boundaries cannot be read: the scenario check then judges it)."""
    regions = current_regions() if has_request_context() else None
    return code in regions.names if regions is not None else True


def validate(result: FormResult, supply_file: str | None,
             sites_file: str | None = None) -> None:
    """Check the mapping with ``Scenario.from_mapping``; file each reason under its key.

    Runs even when some fields were refused already (those are left out of the mapping,
    so they are not reported twice): the form then shows every problem at once.
    """
    from optimize.errors import SpecificationError
    from optimize.scenario import Scenario

    files = {"supply_file": supply_file, "sites_file": sites_file}
    params = dict(result.params, **{k: v for k, v in files.items() if v})
    try:
        Scenario.from_mapping(params)
    except SpecificationError as exc:
        for reason in exc.details:
            result.add(form_key(reason.field), reason.message)


def form_key(field: str | None) -> str:
    """The form field a scenario reason names (``_``, the form as a whole, when it names
    none the form shows)."""
    return field if field is not None and field in FORM_KEYS else "_"
