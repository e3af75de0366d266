"""Crops, their freshness limits, and the harvest calendar (seasons and their peaks).

1. **Crops.** :data:`CROPS`: each crop's freshness limit (the longest wait or ride from
   harvest to cold storage), with its source (PARAMETERS.md §4); a limit without a source
   is flagged ``assumption=True``.
2. **Calendar.** A :class:`Season` has a name, its months and its :class:`Peak` s: per
   region, which crops are collected in that season and what share of the region's annual
   stored produce each carries. The *timing* of a peak (which months) follows a row of
   PARAMETERS.md §5 and cites it in ``source``; a peak without such a row is flagged
   ``assumption=True``. The *shares* are always assumptions (no prefecture output by crop
   was found, PARAMETERS.md §6/§8); they are flagged by ``share_assumption=True``.
   A peak whose region is ``"*"`` applies to every region that has no peak of its own in
   that season (the default calendar uses it for plateau vegetables May-Oct, §5, in
   regions without a calendar row). :func:`default_gansu_seasons` is the default;
   :func:`read_seasons` reads the ``[[seasons]]`` tables of a scenario (once, in
   :meth:`optimize.scenario.Scenario.from_mapping`) and :func:`check_calendar` checks a
   calendar; :func:`seasons_from_mapping` does both.

Pure data and checks: this module imports neither the scenario nor the fleet.
"""

from __future__ import annotations

import calendar
import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from optimize.errors import SpecificationError

#: Seconds in an hour.
HOUR_S = 3600
#: A peak's region that stands for "every region without a peak of its own in this season".
ANY_REGION = "*"
#: Shares must add up to 1 per region within this tolerance.
SHARE_TOLERANCE = 1e-6
#: The scenario key the calendar is read from; every calendar reason names it.
SEASONS_KEY = "seasons"

SHARE_NOTE = ("assumption: share of the region's annual stored produce; no prefecture "
              "output by crop was found (PARAMETERS.md §6, §8)")


# --------------------------------------------------------------------------------------
# Crops
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Crop:
    """A crop's freshness limit: the longest wait or ride from harvest to cold storage."""

    name: str
    freshness_limit_s: int
    source: str
    assumption: bool = False


#: Freshness limits by crop, PARAMETERS.md section 4 ("suggested limit" column).
CROPS: dict[str, Crop] = {
    c.name: c
    for c in (
        Crop("apple", 48 * HOUR_S, "docs §4: pre-cool within 48 h (foagr.com)"),
        Crop("cherry", 4 * HOUR_S, "docs §4: cool below 5 °C within 4 h (USDA HB-66, isofruit)"),
        Crop("peach", 4 * HOUR_S, "docs §4: no hour limit found; borrowed from cherry", True),
        Crop("grape", 12 * HOUR_S, "docs §4: Table 20.1, rotundifolia row"),
        Crop("vegetables", 2 * HOUR_S, "docs §4: leafy vegetables, start cooling within 1-2 h"),
        Crop("potato", 72 * HOUR_S, "docs §4: no hour limit found", True),
        Crop("sichuan_pepper", 24 * HOUR_S, "docs §4: fresh pepper limit not found", True),
        Crop("walnut", 72 * HOUR_S, "docs §4: hulling after 4-7 days; hour limit not found", True),
        Crop("herbs", 24 * HOUR_S, "docs §4: fresh herb limit not found", True),
        Crop("lily", 24 * HOUR_S, "docs §4: Lanzhou lily limit not found", True),
        Crop("beef_mutton", 1 * HOUR_S, "docs §4: chilling within 1 h of bleed-out (USDA)"),
    )
}


# --------------------------------------------------------------------------------------
# Calendar
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Peak:
    """One crop collected in one region in one season.

    Attributes
    ----------
    region
        Prefecture code (e.g. ``"6205"``), or ``"*"``: every region that has no peak of its
        own in the season.
    crop
        A key of :data:`CROPS`; sets the freshness limit.
    share
        Share of the region's annual stored produce collected in this season from this
        crop, in (0, 1]. A region's shares over all seasons add up to 1.
    source
        Where the timing comes from (a PARAMETERS.md §5 row), or why it is assumed.
    assumption
        True when the timing has no source row (e.g. vegetables outside Lanzhou/Dingxi).
    share_source, share_assumption
        Where the share comes from; the defaults are assumptions.
    """

    region: str
    crop: str
    share: float
    source: str
    assumption: bool = False
    share_source: str = SHARE_NOTE
    share_assumption: bool = True


@dataclass(frozen=True)
class Season:
    """A harvest season: its months, the days its produce is collected over, its peaks.

    Attributes
    ----------
    name
        Unique name, used in every table and message.
    months
        Calendar months (1-12), ascending, not shared with another season.
    peaks
        The crops collected, per region (:class:`Peak`).
    peak_days
        Days over which the season's produce is collected; ``None`` means the number of
        days in ``months`` (non-leap year).
    source
        Where the season's window comes from.
    """

    name: str
    months: tuple[int, ...]
    peaks: tuple[Peak, ...]
    peak_days: int | None = None
    source: str = ""

    @property
    def days(self) -> int:
        """Days over which the produce is collected (``peak_days`` or the months' days)."""
        if self.peak_days is not None:
            return self.peak_days
        return sum(calendar.monthrange(2021, m)[1] for m in self.months)

    def to_mapping(self) -> dict[str, Any]:
        """The season as a ``[[seasons]]`` table (every key; :func:`read_seasons` reads it)."""
        return {"name": self.name, "months": list(self.months),
                "peaks": [dataclasses.asdict(p) for p in self.peaks],
                "peak_days": self.peak_days, "source": self.source}

    def peaks_for(self, region: str) -> tuple[Peak, ...]:
        """The region's own peaks in this season, else the ``"*"`` peaks (may be empty)."""
        own = tuple(p for p in self.peaks if p.region == region)
        return own or tuple(p for p in self.peaks if p.region == ANY_REGION)


def _row(crop_area: str, window: str) -> str:
    return f"PARAMETERS.md §5 row '{crop_area}': {window}"


_VEG = _row("plateau summer vegetables, Lanzhou / Dingxi", "May-Oct (Lanzhou May-Nov); "
            "Dingxi peak July")
_VEG_ELSEWHERE = ("assumption: no §5 calendar row for this region's vegetables; plateau "
                  "vegetables May-Oct as PARAMETERS.md §5 (Lanzhou/Dingxi row; Hexi row "
                  "'not found', default May-Oct), split evenly by month")
_CHERRY_TS = _row("cherry, Tianshui", "last week of May to mid-July")
_PEPPER_LN = _row("Sichuan pepper, Longnan / Tianshui / Linxia", "Wudu from early-mid July, "
                  "default Jul-Aug (Longnan)")
_PEPPER_TS = _row("Sichuan pepper, Longnan / Tianshui / Linxia", "Gangu picking 21 July")
_PEPPER_LX = _row("Sichuan pepper, Longnan / Tianshui / Linxia", "Jishishan mid-Aug to "
                  "mid-Sept, default Aug-Sep (Linxia); split half/half over Jul-Aug and "
                  "Sep-Nov (assumption)")
_APPLE_TS = _row("apple, Tianshui", "from early Sept, bulk in Oct, default Sep-Oct")
_APPLE_PQ = _row("apple, Qingyang / Pingliang (late Fuji)", "Oct-Nov")
_POTATO_DX = _row("potato, Dingxi", "Sept-Oct, lasting to about Nov")
_HERBS = _row("herbs, Dingxi (岷县) / Longnan (宕昌)", "mid-Oct to freeze-up, default Oct-Nov")
_LILY = _row("Lanzhou lily", "late Sept to early Nov")
_WALNUT = _row("walnut, Longnan (成县)", "picking from ~21 Aug, default late Aug-Sep")


def default_gansu_seasons() -> tuple[Season, ...]:
    """Three Gansu seasons following PARAMETERS.md §5 (timing sourced, shares assumed).

    - **early summer** (May-Jun): Tianshui cherries (late May-mid Jul, counted here) and
      plateau vegetables;
    - **summer** (Jul-Aug): vegetables at their peak (Dingxi peak July), Sichuan pepper in
      Longnan (Wudu) and Tianshui (Gangu), half of Linxia's pepper (Jishishan Aug-Sep);
    - **autumn** (Sep-Nov): apples in Tianshui (Sep-Oct) and Pingliang/Qingyang (late Fuji,
      Oct-Nov), potatoes and herbs in Dingxi, herbs and walnuts in Longnan, lily in Lanzhou,
      the rest of Linxia's pepper, the vegetables' tail (Sep-Oct).

    Regions without a §5 row (the ``"*"`` peaks) collect plateau vegetables May-Oct, one
    third per season (2 of the window's 6 months each): flagged as an assumption. Every
    share is an assumption: apples dominate Tianshui, Pingliang and Qingyang (§6 gives
    1.8 Mt and 2.0 Mt of apples against 50,000 t of Qinzhou cherries), Dingxi is mostly
    potatoes (§6: 1.9 Mt in Anding), Lanzhou mostly vegetables with some lily.
    Beef and mutton (Linxia, Gannan) have no calendar row and are not modelled here.
    """
    third = 1.0 / 3.0
    early = Season("early summer", (5, 6), (
        Peak("6201", "vegetables", 0.25, _VEG),
        Peak("6205", "cherry", 0.10, _CHERRY_TS),
        Peak("6205", "vegetables", 0.15, _VEG_ELSEWHERE, True),
        Peak("6208", "vegetables", 0.15, _VEG_ELSEWHERE, True),
        Peak("6210", "vegetables", 0.15, _VEG_ELSEWHERE, True),
        Peak("6211", "vegetables", 0.15, _VEG),
        Peak("6212", "vegetables", 0.15, _VEG_ELSEWHERE, True),
        Peak("6229", "vegetables", 0.30, _VEG_ELSEWHERE, True),
        Peak(ANY_REGION, "vegetables", third, _VEG_ELSEWHERE, True),
    ), source=_CHERRY_TS + "; " + _VEG)
    summer = Season("summer", (7, 8), (
        Peak("6201", "vegetables", 0.35, _VEG),
        Peak("6205", "sichuan_pepper", 0.05, _PEPPER_TS),
        Peak("6205", "vegetables", 0.15, _VEG_ELSEWHERE, True),
        Peak("6208", "vegetables", 0.15, _VEG_ELSEWHERE, True),
        Peak("6210", "vegetables", 0.15, _VEG_ELSEWHERE, True),
        Peak("6211", "vegetables", 0.25, _VEG),
        Peak("6212", "sichuan_pepper", 0.25, _PEPPER_LN),
        Peak("6212", "vegetables", 0.15, _VEG_ELSEWHERE, True),
        Peak("6229", "sichuan_pepper", 0.10, _PEPPER_LX),
        Peak("6229", "vegetables", 0.25, _VEG_ELSEWHERE, True),
        Peak(ANY_REGION, "vegetables", third, _VEG_ELSEWHERE, True),
    ), source=_VEG + "; " + _PEPPER_LN)
    autumn = Season("autumn", (9, 10, 11), (
        Peak("6201", "lily", 0.20, _LILY),
        Peak("6201", "vegetables", 0.20, _VEG),
        Peak("6205", "apple", 0.55, _APPLE_TS),
        Peak("6208", "apple", 0.70, _APPLE_PQ),
        Peak("6210", "apple", 0.70, _APPLE_PQ),
        Peak("6211", "potato", 0.40, _POTATO_DX),
        Peak("6211", "herbs", 0.10, _HERBS),
        Peak("6211", "vegetables", 0.10, _VEG),
        Peak("6212", "walnut", 0.15, _WALNUT),
        Peak("6212", "herbs", 0.20, _HERBS),
        Peak("6212", "vegetables", 0.10, _VEG_ELSEWHERE, True),
        Peak("6229", "sichuan_pepper", 0.10, _PEPPER_LX),
        Peak("6229", "vegetables", 0.25, _VEG_ELSEWHERE, True),
        Peak(ANY_REGION, "vegetables", third, _VEG_ELSEWHERE, True),
    ), source="; ".join((_APPLE_TS, _APPLE_PQ, _POTATO_DX, _HERBS, _LILY)))
    seasons = (early, summer, autumn)
    check_calendar(seasons)
    return seasons


def check_calendar(seasons: Sequence[Season], regions: Sequence[str] = ()) -> None:
    """Raise :class:`SpecificationError` listing every defect of a calendar.

    Rules: at least one season; unique names; months whole numbers 1-12, ascending, no
    month in two seasons; ``peak_days`` > 0 when given; every peak's crop known, share in
    (0, 1], region a non-empty text, no (region, crop) twice in a season; and for every
    region named in a peak, every region in ``regions`` and a region named nowhere (which
    takes the ``"*"`` peaks), the shares over all seasons add up to 1.
    """
    errors: list[str] = []
    if not seasons:
        errors.append("seasons: at least one season is needed")
    seen_months: dict[int, str] = {}
    names: set[str] = set()
    for i, s in enumerate(seasons, start=1):
        where = f"seasons[{i}] {s.name!r}"
        if not s.name:
            errors.append(f"seasons[{i}] name: must not be empty")
        if s.name in names:
            errors.append(f"{where} name: used by another season")
        names.add(s.name)
        if not s.months or any(isinstance(m, bool) or not isinstance(m, int) or not 1 <= m <= 12
                               for m in s.months):
            errors.append(f"{where} months: expected whole numbers 1-12, got {list(s.months)}")
        else:
            if list(s.months) != sorted(set(s.months)):
                errors.append(f"{where} months: expected ascending, distinct months, got "
                              f"{list(s.months)}")
            for m in s.months:
                if m in seen_months and seen_months[m] != s.name:
                    errors.append(f"{where} months: month {m} is also in season "
                                  f"{seen_months[m]!r}")
                seen_months.setdefault(m, s.name)
        if s.peak_days is not None and not s.peak_days > 0:
            errors.append(f"{where} peak_days: must be > 0, got {s.peak_days}")
        pairs: set[tuple[str, str]] = set()
        for j, p in enumerate(s.peaks, start=1):
            at = f"{where} peaks[{j}]"
            if not p.region:
                errors.append(f"{at} region: must not be empty")
            if p.crop not in CROPS:
                errors.append(f"{at} crop {p.crop!r}: unknown; known crops: {', '.join(CROPS)}")
            if not 0 < p.share <= 1:
                errors.append(f"{at} share {p.share}: must be in (0, 1]")
            if (p.region, p.crop) in pairs:
                errors.append(f"{at}: region {p.region!r} crop {p.crop!r} given twice")
            pairs.add((p.region, p.crop))
    if errors:
        raise SpecificationError(errors, field=SEASONS_KEY)
    named = {p.region for s in seasons for p in s.peaks if p.region != ANY_REGION}
    others = [ANY_REGION] if any(p.region == ANY_REGION for s in seasons for p in s.peaks) \
        else []
    for region in sorted(named | set(regions)) + others:
        total = sum(p.share for s in seasons for p in s.peaks_for(region))
        if abs(total - 1.0) > SHARE_TOLERANCE:
            label = ("regions without peaks of their own ('*')" if region == ANY_REGION
                     else f"region {region!r}")
            parts = ", ".join(f"{s.name!r} {sum(p.share for p in s.peaks_for(region)):g}"
                              for s in seasons)
            errors.append(f"{label}: shares over the seasons add up to {total:.6g}, expected "
                          f"1 ({parts})")
    if errors:
        raise SpecificationError(errors, field=SEASONS_KEY)


def calendar_assumptions(seasons: Sequence[Season]) -> list[str]:
    """Plain-words list of what in the calendar has no source (for a plan's assumptions)."""
    out = []
    for s in seasons:
        for p in s.peaks:
            who = "regions without a calendar row" if p.region == ANY_REGION else p.region
            if p.assumption:
                out.append(f"season {s.name!r}, {who}, {p.crop}: timing {p.source}")
            if p.share_assumption:
                out.append(f"season {s.name!r}, {who}, {p.crop}: share {p.share:.3g} "
                           f"({p.share_source})")
        if s.peak_days is None:
            out.append(f"season {s.name!r}: produce spread evenly over {s.days} days "
                       "(assumption)")
    return out


# -- reading a scenario's [[seasons]] ------------------------------------------------
def seasons_from_mapping(raw: Mapping[str, Any] | Sequence[Any]) -> tuple[Season, ...]:
    """Read and check seasons from a scenario mapping's ``seasons`` key (or the list itself).

    :func:`read_seasons` then :func:`check_calendar`; a mapping without the key is refused.
    """
    items = raw.get(SEASONS_KEY) if isinstance(raw, Mapping) else raw
    if items is None:
        raise SpecificationError(["seasons: key not found (expected [[seasons]] tables)"],
                                 field=SEASONS_KEY)
    seasons = read_seasons(items)
    check_calendar(seasons)
    return seasons


def read_seasons(items: Any) -> tuple[Season, ...]:
    """Read ``[[seasons]]`` tables into :class:`Season` s (types and keys; no calendar rules).

    TOML form::

        [[seasons]]
        name = "early summer"
        months = [5, 6]
        peak_days = 45            # optional; default: days in the months
        source = "..."            # optional
        [[seasons.peaks]]
        region = "6205"           # or "*": regions without peaks of their own
        crop = "cherry"
        share = 0.1
        source = "PARAMETERS.md §5 row 'cherry, Tianshui'"   # optional
        assumption = false        # optional; true when no source is given
        share_source = "..."      # optional; default: scenario file, an assumption
        share_assumption = true   # optional

    Every error names the season (index and name) and the key. A peak without ``source``
    is recorded as an assumption. :func:`check_calendar` checks months, crops and shares.
    """
    if isinstance(items, str | bytes) or not isinstance(items, Sequence) \
            or not all(isinstance(v, Mapping) for v in items):
        raise SpecificationError(["seasons: expected a list of [[seasons]] tables"],
                                 field=SEASONS_KEY)
    errors: list[str] = []
    seasons = []
    for i, item in enumerate(items, start=1):
        season = _season(i, item, errors)
        if season is not None:
            seasons.append(season)
    if errors:
        raise SpecificationError(errors, field=SEASONS_KEY)
    return tuple(seasons)


_SEASON_KEYS = {"name", "months", "peaks", "peak_days", "source"}
_PEAK_KEYS = {"region", "crop", "share", "source", "assumption", "share_source",
              "share_assumption"}


def _season(i: int, item: Mapping[str, Any], errors: list[str]) -> Season | None:
    name = item.get("name")
    where = f"seasons[{i}] {name!r}" if isinstance(name, str) else f"seasons[{i}]"
    start = len(errors)
    errors += [f"{where}: unknown key {k!r}" for k in sorted(set(item) - _SEASON_KEYS)]
    if not isinstance(name, str) or not name:
        errors.append(f"{where} name: expected non-empty text, got {name!r}")
    months = item.get("months")
    if not isinstance(months, list) or not months or not all(
            isinstance(m, int) and not isinstance(m, bool) for m in months):
        errors.append(f"{where} months: expected a list of whole numbers 1-12, got {months!r}")
        months = []
    peak_days = item.get("peak_days")
    if peak_days is not None and (isinstance(peak_days, bool) or not isinstance(peak_days, int)):
        errors.append(f"{where} peak_days: expected a whole number of days, got {peak_days!r}")
    source = item.get("source", "scenario file")
    if not isinstance(source, str):
        errors.append(f"{where} source: expected text, got {source!r}")
    raw_peaks = item.get("peaks")
    if not isinstance(raw_peaks, list) or not raw_peaks or not all(
            isinstance(p, Mapping) for p in raw_peaks):
        errors.append(f"{where} peaks: expected a non-empty list of [[seasons.peaks]] tables")
        raw_peaks = []
    peaks = [_peak(f"{where} peaks[{j}]", p, errors) for j, p in enumerate(raw_peaks, start=1)]
    if len(errors) > start:
        return None
    return Season(str(name), tuple(months), tuple(p for p in peaks if p is not None),
                  peak_days, str(source))


def _peak(at: str, item: Mapping[str, Any], errors: list[str]) -> Peak | None:
    start = len(errors)
    errors += [f"{at}: unknown key {k!r}" for k in sorted(set(item) - _PEAK_KEYS)]
    missing = sorted({"region", "crop", "share"} - set(item))
    if missing:
        errors.append(f"{at}: lacks {', '.join(missing)}")
    region, crop, share = item.get("region", ""), item.get("crop", ""), item.get("share", 0.0)
    if not isinstance(region, str):
        errors.append(f"{at} region: expected text (a code or '*'), got {region!r}")
    if not isinstance(crop, str):
        errors.append(f"{at} crop: expected text, got {crop!r}")
    if isinstance(share, bool) or not isinstance(share, int | float):
        errors.append(f"{at} share: expected a number, got {share!r}")
    texts = {k: item.get(k) for k in ("source", "share_source") if k in item}
    errors += [f"{at} {k}: expected text, got {v!r}" for k, v in texts.items()
               if not isinstance(v, str)]
    flags = {k: item.get(k) for k in ("assumption", "share_assumption") if k in item}
    errors += [f"{at} {k}: expected true or false, got {v!r}" for k, v in flags.items()
               if not isinstance(v, bool)]
    if len(errors) > start:
        return None
    has_source = "source" in item
    return Peak(region, crop, float(share),
                str(item.get("source", "scenario file, no source given")),
                bool(item.get("assumption", not has_source)),
                str(item.get("share_source", "scenario file")),
                bool(item.get("share_assumption", "share_source" not in item)))
