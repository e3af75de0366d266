"""A plan page that scales from one county to the whole province.

A province plan has 14 prefectures, ~90 counties, ~900 stores and ~10,000 listed
villages. The page shows the prefectures first (:func:`prefecture_rows`) and goes down
one level per click: ``?prefecture=6201`` narrows the county, store and village tables
to one prefecture, ``?county=620102`` to one county; a store row links to its trucks'
route sheets. Long tables are paged (:func:`page_of`). Notes that repeat once per
prefecture with other numbers are merged (:func:`merge_notes`). Every figure shown is
read from ``plan.json`` or the counties layer, never recomputed differently.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from optimize.plan.model import PlanMeta

STORES_PER_PAGE = 100
_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
_CODE = re.compile(r"[0-9]{4}(?:[0-9]{2})?")


@dataclass(frozen=True)
class Note:
    """One note as shown: its text, and how many notes of the plan it stands for with
    the numbers that differed (``values``; empty for a note that occurs once)."""

    text: str
    count: int = 1
    values: tuple[str, ...] = ()


def merge_notes(notes: Sequence[str]) -> list[Note]:
    """Notes that differ only in their numbers become one note, in first-seen order.

    A number that is the same in all of them stays; one that differs is shown as ``N``
    and its values are listed (``values``, in the notes' order), so no figure is lost
    or invented: "640 villages have no coordinates ..." x 14 becomes "N villages have no
    coordinates ..." with N = 640, 10, 116, ...
    """
    groups: dict[tuple[str, ...], list[str]] = {}
    for note in notes:
        groups.setdefault(tuple(_NUMBER.split(str(note))), []).append(str(note))
    merged = []
    for key, members in groups.items():
        if len(members) == 1:
            merged.append(Note(members[0]))
            continue
        numbers = [_NUMBER.findall(m) for m in members]
        text, values = key[0], ()
        for slot, part in enumerate(key[1:]):
            column = [n[slot] for n in numbers]
            if len(set(column)) == 1:
                text += column[0]
            else:
                text += "N"
                values = values or tuple(column)
            text += part
        merged.append(Note(text, len(members), values))
    return merged


def selected_code(value: Any, length: int) -> str | None:
    """A ``length``-digit region code from a query argument, or ``None`` (junk ignored)."""
    text = str(value or "")
    return text if len(text) == length and _CODE.fullmatch(text) else None


def prefecture_rows(plan: PlanMeta, counties: Sequence[Mapping[str, Any]]
                    ) -> list[dict[str, Any]]:
    """One row per prefecture: the plan's ``regions`` (stores, trucks, coverage, solve)
    joined with its counties' sums (villages, supply, within reach, truck, no truck).

    A plan without ``regions`` (a prefecture or county plan) gets one row per 4-digit
    code of its counties, named when the plan's region is that prefecture.
    """
    sums: dict[str, dict[str, Any]] = {}
    for c in counties:
        code = str(c.get("county_code", ""))[:4]
        row = sums.setdefault(code, {"counties": 0, "settlements": 0, "supply_t": 0.0,
                                     "covered_t": 0.0, "truck": 0, "no_truck": 0})
        row["counties"] += 1
        for key in ("settlements", "supply_t", "covered_t", "no_truck"):
            row[key] += _number(c.get(key))
        row["truck"] = None if c.get("truck") is None or row["truck"] is None \
            else row["truck"] + c["truck"]
    regions = {r.code: r for r in plan.province.regions} if plan.province else {}
    rows = []
    for code in sorted(set(sums) | set(regions)):
        row = {"code": code, "name": _prefecture_name(plan, code, regions), **sums.get(
            code, {"counties": 0, "settlements": 0, "supply_t": 0.0, "covered_t": 0.0,
                   "truck": None, "no_truck": 0})}
        region = regions.get(code)
        row["stores"] = region.stores if region else sum(
            1 for s in plan.stores if str(s.county_code).startswith(code))
        row["trucks"] = region.trucks if region else None
        row["siting"] = region.siting if region else None
        row["coverage_pct"] = (region.coverage_pct if region
                               else _pct(row["covered_t"], row["supply_t"]))
        rows.append(row)
    return rows


def _prefecture_name(plan: PlanMeta, code: str, regions: Mapping[str, Any]) -> str | None:
    """The prefecture's name from ``regions`` or the plan's own region, if known."""
    if code in regions:
        return str(regions[code].name)
    if plan.region.code == code:
        return str(plan.region.name)
    return None


def _number(value: Any) -> float:
    """A number or 0 for a missing value (sums of table columns)."""
    return value if isinstance(value, int | float) and not isinstance(value, bool) else 0


def _pct(part: float, whole: float) -> float | None:
    """``100 * part / whole`` or ``None``."""
    return 100.0 * part / whole if whole else None


def in_scope(code: Any, prefecture: str | None, county: str | None) -> bool:
    """Whether a county code lies in the selected prefecture / county (none: all)."""
    text = str(code or "")
    if county:
        return text == county
    return text.startswith(prefecture) if prefecture else True


@dataclass(frozen=True)
class Page:
    """One page of a long table: its rows, number, count of pages and of all rows."""

    rows: list[Any]
    number: int
    pages: int
    total: int


def page_of(rows: Sequence[Any], number: Any, size: int = STORES_PER_PAGE) -> Page:
    """Page ``number`` (1-based; junk or out of range -> the nearest page) of ``rows``."""
    pages = max(1, -(-len(rows) // size))
    try:
        n = int(str(number))
    except ValueError:
        n = 1
    n = min(max(n, 1), pages)
    return Page(list(rows[(n - 1) * size:n * size]), n, pages, len(rows))


def siting_engines(plan: PlanMeta) -> str | None:
    """The siting engine(s) as the plan records them: the plan's own, else the distinct
    engines of its regional solves with counts, else what the scenario asked for."""
    if plan.solver.siting.engine:
        return str(plan.solver.siting.engine)
    regions = plan.province.regions if plan.province else ()
    engines: dict[str, int] = {}
    for region in regions:
        engine = getattr(region.siting, "engine", None)
        if engine:
            engines[str(engine)] = engines.get(str(engine), 0) + 1
    if engines:
        return "; ".join(f"{name} ({n} 地区 regions)" for name, n in sorted(engines.items()))
    asked = plan.scenario.get("siting_engine")
    if regions and asked is not None:
        return (f"{asked.value} ({len(regions)} 地区 regional solves; 方案未记录各地区所用引擎 "
                "the plan does not record the engine each region used)")
    return None
