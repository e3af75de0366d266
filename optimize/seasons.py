"""Several harvest seasons in one plan, with the province's trucks moving between regions.

The province is planned per prefecture (14 regions). Its 720 refrigerated trucks are one
fleet: as the harvest peak moves (cherries in Tianshui in June, pepper in Longnan in
July-August, apples, potatoes, lily and herbs in September-November), trucks are re-based
from region to region. This module is pure arithmetic on arrays; it knows no geography
beyond a matrix of distances between region seats.

1. **Calendar.** A :class:`Season` has a name, its months and its :class:`Peak` s: per
   region, which crops are collected in that season and what share of the region's annual
   stored produce each carries. The *timing* of a peak (which months) follows a row of
   PARAMETERS.md §5 and cites it in ``source``; a peak without such a row is flagged
   ``assumption=True``. The *shares* are always assumptions (no prefecture output by crop
   was found, PARAMETERS.md §6/§8); they are flagged by ``share_assumption=True``.
   A peak whose region is ``"*"`` applies to every region that has no peak of its own in
   that season (the default calendar uses it for plateau vegetables May-Oct, §5, in
   regions without a calendar row). :func:`default_gansu_seasons` is the default;
   :func:`seasons_from_mapping` reads ``[[seasons]]`` tables of a scenario.
2. **Load.** :func:`seasonal_load` turns each region's annual stored produce (t) into the
   peak daily pickup per (season, region), ``annual_t x share / peak_days`` (the produce is
   taken as spread evenly over the season's days, an assumption), and the freshness limit
   in force: the strictest (shortest) limit of the crops peaking there
   (:data:`optimize.scenario.CROPS`).
3. **Fleet.** :func:`share_fleet` bases the trucks per season and region: each region first
   gets its need; trucks left over go by D'Hondt on a weight (workload or load); when the
   need exceeds the fleet, the need itself is shared by D'Hondt, never past a region's need
   (:func:`optimize.fleet.dhondt`, ties to the region listed first). Between consecutive
   seasons, and from the last season back to the first next year, the trucks that change
   region are routed by a min-cost transportation problem on the inter-region distances
   (OR-Tools ``SimpleMinCostFlow``): surplus regions send, deficit regions receive, and the
   total truck-km of repositioning is the least possible.
4. **Distances.** :func:`region_distances` gives great-circle distance x a detour factor
   between region seats: an approximation, labelled as such.
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from ortools.graph.python import min_cost_flow

from optimize.errors import SpecificationError
from optimize.fleet import dhondt, trucks_needed
from optimize.scenario import CROPS

#: The Gansu 2020 programme's fleet (optimize.scenario.PARAMS["province_trucks"]).
PROVINCE_TRUCKS = 720
#: A peak's region that stands for "every region without a peak of its own in this season".
ANY_REGION = "*"
#: Mean Earth radius, km (IUGG), for great-circle distances.
EARTH_RADIUS_KM = 6371.0088
#: Road / straight-line distance; same assumption as ``Scenario.detour_factor``.
DEFAULT_DETOUR_FACTOR = 1.3
#: Shares must add up to 1 per region within this tolerance.
SHARE_TOLERANCE = 1e-6

#: Gansu's 14 prefecture-level regions (NBS 2023 codes; names as in the 2020 census file,
#: ``../shared/data/census``, see :func:`geodata.datasets.load_census`).
GANSU_PREFECTURES: dict[str, str] = {
    "6201": "兰州市", "6202": "嘉峪关市", "6203": "金昌市", "6204": "白银市",
    "6205": "天水市", "6206": "武威市", "6207": "张掖市", "6208": "平凉市",
    "6209": "酒泉市", "6210": "庆阳市", "6211": "定西市", "6212": "陇南市",
    "6229": "临夏回族自治州", "6230": "甘南藏族自治州",
}

SHARE_NOTE = ("assumption: share of the region's annual stored produce; no prefecture "
              "output by crop was found (PARAMETERS.md §6, §8)")


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
        A key of :data:`optimize.scenario.CROPS`; sets the freshness limit.
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
        raise SpecificationError(errors)
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
        raise SpecificationError(errors)


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


# -- reading a scenario ----------------------------------------------------------------
def seasons_from_mapping(raw: Mapping[str, Any] | Sequence[Any]) -> tuple[Season, ...]:
    """Read seasons from a scenario mapping's ``seasons`` key (or the list itself).

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
    is recorded as an assumption.
    """
    items = raw.get("seasons") if isinstance(raw, Mapping) else raw
    if items is None:
        raise SpecificationError(["seasons: key not found (expected [[seasons]] tables)"])
    if isinstance(items, str | bytes) or not isinstance(items, Sequence) \
            or not all(isinstance(v, Mapping) for v in items):
        raise SpecificationError(["seasons: expected a list of [[seasons]] tables"])
    errors: list[str] = []
    seasons = []
    for i, item in enumerate(items, start=1):
        season = _season(i, item, errors)
        if season is not None:
            seasons.append(season)
    if errors:
        raise SpecificationError(errors)
    check_calendar(seasons)
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


# --------------------------------------------------------------------------------------
# Seasonal load
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SeasonalLoad:
    """Peak daily pickup and freshness limit per (season, region); arrays are (S, R).

    Attributes
    ----------
    seasons, regions
        Row and column labels (regions sorted).
    share
        Share of the region's annual stored produce collected in the season.
    daily_pickup_t
        ``annual_t x share / season days``, t/day.
    freshness_limit_s
        Strictest limit of the crops collected there, s; 0 where nothing is collected.
    strictest_crop
        The crop that sets the limit ("" where nothing is collected).
    freshness_assumption
        True where that crop's limit has no source (optimize.scenario.CROPS).
    crops
        Crops collected per (season, region), in calendar order.
    season_days
        Days each season's produce is spread over.
    """

    seasons: tuple[str, ...]
    regions: tuple[str, ...]
    share: np.ndarray
    daily_pickup_t: np.ndarray
    freshness_limit_s: np.ndarray
    strictest_crop: tuple[tuple[str, ...], ...]
    freshness_assumption: np.ndarray
    crops: tuple[tuple[tuple[str, ...], ...], ...]
    season_days: tuple[int, ...]

    def rows(self) -> list[dict[str, Any]]:
        """One plain dict per (season, region) with anything collected, for tables."""
        out = []
        for s, season in enumerate(self.seasons):
            for r, region in enumerate(self.regions):
                if not self.crops[s][r]:
                    continue
                out.append({
                    "season": season, "region": region,
                    "region_name": GANSU_PREFECTURES.get(region, region),
                    "crops": ", ".join(self.crops[s][r]),
                    "share": round(float(self.share[s, r]), 6),
                    "daily_pickup_t": round(float(self.daily_pickup_t[s, r]), 3),
                    "freshness_limit_s": int(self.freshness_limit_s[s, r]),
                    "strictest_crop": self.strictest_crop[s][r],
                    "freshness_assumption": bool(self.freshness_assumption[s, r]),
                })
        return out


def seasonal_load(annual_t: Mapping[str, float], seasons: Sequence[Season]) -> SeasonalLoad:
    """Peak daily pickup (t/day) and freshness limit (s) per (season, region).

    Parameters
    ----------
    annual_t
        Each region's annual stored produce, t (e.g. rural population x 50.2 kg).
    seasons
        The calendar (checked: every region's shares add up to 1).

    Rules: a region's produce in a season is ``annual_t x`` the sum of its peaks' shares
    there (its own peaks, else the ``"*"`` peaks), spread evenly over the season's days;
    the freshness limit is the shortest ``CROPS[crop].freshness_limit_s`` among the crops
    collected (ties: the crop listed first). Regions are sorted.
    """
    bad = sorted(k for k, v in annual_t.items() if not (math.isfinite(v) and v >= 0))
    if bad:
        raise SpecificationError([f"annual_t[{k!r}] = {annual_t[k]}: must be finite and >= 0"
                                  for k in bad])
    regions = tuple(sorted(annual_t))
    check_calendar(seasons, regions)
    n_s, n_r = len(seasons), len(regions)
    share = np.zeros((n_s, n_r))
    limit = np.zeros((n_s, n_r), dtype=np.int64)
    assumed = np.zeros((n_s, n_r), dtype=bool)
    strictest: list[tuple[str, ...]] = []
    crops: list[tuple[tuple[str, ...], ...]] = []
    for s, season in enumerate(seasons):
        row_strict, row_crops = [], []
        for r, region in enumerate(regions):
            peaks = season.peaks_for(region)
            share[s, r] = sum(p.share for p in peaks)
            names = tuple(p.crop for p in peaks)
            row_crops.append(names)
            if peaks:
                crop = min(names, key=lambda c: CROPS[c].freshness_limit_s)
                limit[s, r] = CROPS[crop].freshness_limit_s
                assumed[s, r] = CROPS[crop].assumption
                row_strict.append(crop)
            else:
                row_strict.append("")
        strictest.append(tuple(row_strict))
        crops.append(tuple(row_crops))
    days = tuple(s.days for s in seasons)
    annual = np.array([annual_t[r] for r in regions], dtype=float)
    daily = share * annual[None, :] / np.array(days, dtype=float)[:, None]
    return SeasonalLoad(tuple(s.name for s in seasons), regions, _frozen(share),
                        _frozen(daily), _frozen(limit), tuple(strictest), _frozen(assumed),
                        tuple(crops), days)


def trucks_needed_by_season(load: SeasonalLoad, capacity_t: float,
                            trips_per_truck: int) -> np.ndarray:
    """Trucks each (season, region) needs for its daily pickup, by tonnage alone.

    ``ceil(daily_pickup_t / (capacity_t x trips_per_truck))`` per cell
    (:func:`optimize.fleet.trucks_needed`); a lower bound: freshness and driving hours may
    need more (the province run may pass routing-based needs to :func:`share_fleet`).
    """
    return np.array([trucks_needed(row, capacity_t, trips_per_truck)
                     for row in load.daily_pickup_t], dtype=np.int64).reshape(
                         load.daily_pickup_t.shape)


# --------------------------------------------------------------------------------------
# Distances
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RegionDistances:
    """Distances between region seats, km; ``km[i, j]`` from ``regions[i]`` to ``regions[j]``.

    Attributes
    ----------
    regions
        Labels of rows and columns.
    km
        (R, R) non-negative distances, zero diagonal.
    approximate
        True unless measured on a road network.
    note
        How the distances were made, for a plan's provenance.
    """

    regions: tuple[str, ...]
    km: np.ndarray
    approximate: bool = True
    note: str = ""

    @classmethod
    def from_matrix(cls, regions: Sequence[str], km: Any, *, approximate: bool = True,
                    note: str = "given matrix") -> RegionDistances:
        """Check and wrap a given matrix (square, finite, >= 0, zero diagonal)."""
        arr = np.array(km, dtype=float)
        n = len(regions)
        errors = []
        if len(set(regions)) != n:
            errors.append("distances: region labels must be distinct")
        if arr.shape != (n, n):
            errors.append(f"distances: expected a {n} x {n} matrix, got shape {arr.shape}")
        elif not (np.isfinite(arr).all() and (arr >= 0).all()):
            errors.append("distances: every distance must be finite and >= 0")
        elif np.any(np.diag(arr) != 0):
            errors.append("distances: the diagonal (a region to itself) must be 0")
        if errors:
            raise SpecificationError(errors)
        return cls(tuple(regions), _frozen(arr), approximate, note)

    def subset(self, regions: Sequence[str]) -> RegionDistances:
        """The matrix for ``regions`` in that order (each must be present)."""
        index = {r: i for i, r in enumerate(self.regions)}
        missing = [r for r in regions if r not in index]
        if missing:
            raise SpecificationError([f"distances: no seat for region {r!r}" for r in missing])
        idx = [index[r] for r in regions]
        return RegionDistances(tuple(regions), _frozen(self.km[np.ix_(idx, idx)]),
                               self.approximate, self.note)


def region_distances(seats: Mapping[str, tuple[float, float]],
                     detour_factor: float = DEFAULT_DETOUR_FACTOR) -> RegionDistances:
    """Great-circle distance x ``detour_factor`` between region seats (approximate).

    Parameters
    ----------
    seats
        Region -> (lon, lat) of its seat, WGS-84 degrees. Regions are sorted.
    detour_factor
        Road / straight-line distance (>= 1); default 1.3, the scenario's assumption.
    """
    errors = []
    if not detour_factor >= 1:
        errors.append(f"detour_factor {detour_factor}: expected >= 1")
    for region, point in sorted(seats.items()):
        lon_deg, lat_deg = point
        if not (-180 <= lon_deg <= 180 and -90 <= lat_deg <= 90):
            errors.append(f"seats[{region!r}] = {point}: expected (lon, lat) in degrees")
    if errors:
        raise SpecificationError(errors)
    regions = tuple(sorted(seats))
    lon = np.radians([seats[r][0] for r in regions])
    lat = np.radians([seats[r][1] for r in regions])
    dlat = lat[:, None] - lat[None, :]
    dlon = lon[:, None] - lon[None, :]
    h = np.sin(dlat / 2) ** 2 + np.cos(lat)[:, None] * np.cos(lat)[None, :] * np.sin(dlon / 2) ** 2
    km = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0))) * detour_factor
    np.fill_diagonal(km, 0.0)
    note = (f"approximate: great-circle distance between region seats x detour factor "
            f"{detour_factor:g} (assumption), not road distance")
    return RegionDistances(regions, _frozen(km), True, note)


# --------------------------------------------------------------------------------------
# Fleet across seasons
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Move:
    """Trucks re-based from one region to another between two seasons."""

    from_season: str
    to_season: str
    origin: str
    destination: str
    trucks: int
    distance_km: float

    @property
    def truck_km(self) -> float:
        """Repositioning kilometres of this move (trucks x distance)."""
        return self.trucks * self.distance_km


@dataclass(frozen=True)
class Transition:
    """All moves from one season to the next; ``wraps_year`` from the last to the first."""

    from_season: str
    to_season: str
    wraps_year: bool
    moves: tuple[Move, ...]

    @property
    def trucks_moved(self) -> int:
        """Trucks that change region."""
        return sum(m.trucks for m in self.moves)

    @property
    def truck_km(self) -> float:
        """Repositioning kilometres of the transition."""
        return sum(m.truck_km for m in self.moves)


@dataclass(frozen=True)
class Shortfall:
    """A (season, region) that got fewer trucks than it needs, and why."""

    season: str
    region: str
    need: int
    got: int
    reason: str


@dataclass(frozen=True)
class SeasonalFleet:
    """Trucks per (season, region), the moves between seasons, and the reasons.

    Attributes
    ----------
    seasons, regions
        Labels of the (S, R) arrays.
    trucks
        Trucks based per (season, region); each season sums to at most ``total_trucks``
        (to exactly the total whenever any season has any need or weight).
    need
        Trucks needed per (season, region) (the input).
    weight
        What spare trucks are shared by (workload or load; the input, else ``need``).
    total_trucks
        The fleet.
    reasons
        (S, R) one sentence per cell with need or trucks ("" otherwise).
    shortfalls
        Every (season, region) with fewer trucks than its need.
    transitions
        Season to next season, in order, then the last back to the first (next year).
    distances_note, distances_approximate
        Provenance of the distances the moves are costed with.
    """

    seasons: tuple[str, ...]
    regions: tuple[str, ...]
    trucks: np.ndarray
    need: np.ndarray
    weight: np.ndarray
    total_trucks: int
    reasons: tuple[tuple[str, ...], ...]
    shortfalls: tuple[Shortfall, ...]
    transitions: tuple[Transition, ...]
    distances_note: str
    distances_approximate: bool
    rule: str = field(default=(
        "per season: each region gets its need, then spare trucks by D'Hondt on weight; "
        "when the need exceeds the fleet, D'Hondt on need, never past it (ties to the "
        "region listed first); moves: min-cost transportation of surplus to deficit "
        "regions on shortest inter-region distances"))

    @property
    def moves(self) -> tuple[Move, ...]:
        """Every move of every transition, in order."""
        return tuple(m for t in self.transitions for m in t.moves)

    @property
    def repositioning_truck_km(self) -> float:
        """Truck-km of repositioning over a whole year (including the wrap-around)."""
        return sum(t.truck_km for t in self.transitions)

    def rows(self) -> list[dict[str, Any]]:
        """One plain dict per (season, region) with need or trucks, for tables."""
        return [{"season": season, "region": region,
                 "region_name": GANSU_PREFECTURES.get(region, region),
                 "need": int(self.need[s, r]), "trucks": int(self.trucks[s, r]),
                 "reason": self.reasons[s][r]}
                for s, season in enumerate(self.seasons)
                for r, region in enumerate(self.regions)
                if self.need[s, r] or self.trucks[s, r]]


def share_fleet(need: Any, total_trucks: int = PROVINCE_TRUCKS,
                distances: RegionDistances | None = None, *, seasons: Sequence[str],
                regions: Sequence[str] | None = None, weight: Any = None) -> SeasonalFleet:
    """Base ``total_trucks`` per season and region, and move them between seasons.

    Parameters
    ----------
    need
        (S, R) whole trucks each region needs in each season (>= 0).
    total_trucks
        The shared fleet (the province's 720).
    distances
        Inter-region distances; their regions label the columns of ``need`` unless
        ``regions`` is given (then the matrix is taken in that order).
    seasons
        Names of the S seasons, in calendar order.
    regions
        Column labels of ``need``; default ``distances.regions``.
    weight
        (S, R) what spare trucks follow (workload in truck-hours, or daily load t);
        default ``need``.

    Rules, per season: if the season's total need fits the fleet, every region gets its
    need and the spare trucks go one at a time by D'Hondt on ``weight`` (next truck to the
    largest ``weight / (trucks + 1)``); a season with no weight anywhere spreads its spares
    by the regions' weight summed over the seasons (else their summed need; with no need
    and no weight anywhere, no truck is placed). If the need exceeds the fleet, the
    fleet is shared by D'Hondt on the need, never past a region's need. Ties go to the
    region listed first. Between consecutive seasons, and from the last back to the first
    (next year), regions with more trucks than in the next season send the difference,
    regions with fewer receive it, by a min-cost transportation problem on the shortest
    inter-region distances (truck-km). A region never both sends and receives, and the
    distances are closed under shortest paths, so no truck-km can be saved by relaying.
    """
    if distances is None:
        raise SpecificationError(["distances: inter-region distances are needed for the moves"])
    labels = tuple(regions) if regions is not None else distances.regions
    dist = distances.subset(labels)
    need_arr = np.array(need, dtype=float)
    n_s, n_r = len(seasons), len(labels)
    errors = []
    if isinstance(total_trucks, bool) or not isinstance(total_trucks, int | np.integer) \
            or total_trucks < 0:
        errors.append(f"total_trucks {total_trucks!r}: expected a whole number >= 0")
    if len(set(seasons)) != n_s:
        errors.append("seasons: names must be distinct")
    if need_arr.shape != (n_s, n_r):
        errors.append(f"need: expected shape ({n_s} seasons, {n_r} regions), got "
                      f"{need_arr.shape}")
    elif not (np.isfinite(need_arr).all() and (need_arr >= 0).all()
              and (need_arr == np.round(need_arr)).all()):
        errors.append("need: expected whole numbers of trucks >= 0")
    weight_arr = need_arr if weight is None else np.array(weight, dtype=float)
    if weight_arr.shape != need_arr.shape:
        errors.append(f"weight: expected shape {need_arr.shape}, got {weight_arr.shape}")
    elif not (np.isfinite(weight_arr).all() and (weight_arr >= 0).all()):
        errors.append("weight: every value must be finite and >= 0")
    if errors:
        raise SpecificationError(errors)
    need_int = need_arr.astype(np.int64)
    total = int(total_trucks)
    annual_weight = weight_arr.sum(axis=0)
    annual_need = need_int.sum(axis=0).astype(float)
    trucks = np.zeros((n_s, n_r), dtype=np.int64)
    reasons: list[tuple[str, ...]] = []
    shortfalls: list[Shortfall] = []
    for s, season in enumerate(seasons):
        row = np.zeros(n_r, dtype=np.int64)
        total_need = int(need_int[s].sum())
        if total_need <= total:
            row[:] = need_int[s]
            spread, _ = _spare_weight(weight_arr[s], annual_weight, annual_need)
            dhondt(spread, row, total - total_need, None)
        else:
            dhondt(need_int[s].astype(float), row, total, need_int[s])
        trucks[s] = row
        texts = []
        for r, region in enumerate(labels):
            text = _fleet_reason(season, region, int(need_int[s, r]), int(row[r]),
                                 total_need, total,
                                 _spare_weight(weight_arr[s], annual_weight, annual_need)[1])
            texts.append(text)
            if row[r] < need_int[s, r]:
                shortfalls.append(Shortfall(season, region, int(need_int[s, r]), int(row[r]),
                                            text))
        reasons.append(tuple(texts))
    closed = _shortest_paths(dist.km)
    transitions = tuple(
        _transition(seasons[s], seasons[(s + 1) % n_s], s + 1 == n_s, trucks[s],
                    trucks[(s + 1) % n_s], labels, closed)
        for s in range(n_s) if n_s > 1)
    return SeasonalFleet(tuple(seasons), labels, _frozen(trucks), _frozen(need_int),
                         _frozen(weight_arr), total, tuple(reasons), tuple(shortfalls),
                         transitions, dist.note, dist.approximate)


def fleet_for_load(load: SeasonalLoad, distances: RegionDistances,
                   total_trucks: int = PROVINCE_TRUCKS, capacity_t: float = 3.0,
                   trips_per_truck: int = 4) -> SeasonalFleet:
    """:func:`share_fleet` with the tonnage need of :func:`trucks_needed_by_season` and the
    daily pickup (t/day) as the weight of spare trucks. Defaults as the scenario's
    ``truck_capacity_t`` (3 t, an assumption) and ``trips_per_truck`` (4, an assumption)."""
    need = trucks_needed_by_season(load, capacity_t, trips_per_truck)
    return share_fleet(need, total_trucks, distances, seasons=load.seasons,
                       regions=load.regions, weight=load.daily_pickup_t)


def _spare_weight(weight: np.ndarray, annual_weight: np.ndarray,
                  annual_need: np.ndarray) -> tuple[np.ndarray, str]:
    """What a season's spare trucks follow, and its name for the reasons."""
    if weight.sum() > 0:
        return weight, "this season's weight"
    if annual_weight.sum() > 0:
        return annual_weight, "the regions' weight over the year (none this season)"
    return annual_need, "the regions' need over the year (no weight given)"


def _fleet_reason(season: str, region: str, need: int, got: int, total_need: int,
                  total: int, spare_by: str) -> str:
    name = GANSU_PREFECTURES.get(region, region)
    label = f"{season}, {region} {name}" if name != region else f"{season}, {region}"
    if need == 0 and got == 0:
        return ""
    text = f"{label}: {got} trucks for a need of {need}"
    if got < need:
        return (text + f"; {need - got} short: the season needs {total_need} trucks in all, "
                f"the fleet has {total}, shared by D'Hondt on need")
    if got > need:
        return text + f"; +{got - need} spare by D'Hondt on {spare_by}"
    return text + "; need met"


def _shortest_paths(km: np.ndarray) -> np.ndarray:
    """Floyd-Warshall closure: a direct move never costs more than a relay."""
    out: np.ndarray = np.array(km, dtype=float)
    for k in range(len(out)):
        out = np.minimum(out, out[:, k:k + 1] + out[k:k + 1, :])
    return out


def _transition(a_name: str, b_name: str, wraps: bool, a: np.ndarray, b: np.ndarray,
                regions: tuple[str, ...], km: np.ndarray) -> Transition:
    """Min-cost transportation of ``a - b`` surpluses to deficits (cost: whole metres)."""
    diff = a.astype(np.int64) - b.astype(np.int64)
    senders = [i for i in range(len(diff)) if diff[i] > 0]
    receivers = [j for j in range(len(diff)) if diff[j] < 0]
    if diff.sum() != 0:  # cannot happen: every season places all trucks or none at all
        raise SpecificationError([f"{a_name} -> {b_name}: {int(a.sum())} trucks based, then "
                                  f"{int(b.sum())}; the fleet must be the same in both"])
    if not senders:
        return Transition(a_name, b_name, wraps, ())
    flow = min_cost_flow.SimpleMinCostFlow()
    n_send = len(senders)
    arcs = []
    for si, i in enumerate(senders):
        for rj, j in enumerate(receivers):
            arc = flow.add_arc_with_capacity_and_unit_cost(
                si, n_send + rj, int(diff[i]), int(round(km[i, j] * 1000)))
            arcs.append((arc, i, j))
    for si, i in enumerate(senders):
        flow.set_node_supply(si, int(diff[i]))
    for rj, j in enumerate(receivers):
        flow.set_node_supply(n_send + rj, int(diff[j]))
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"{a_name} -> {b_name}: min-cost flow ended with status {status}")
    moves = tuple(Move(a_name, b_name, regions[i], regions[j], int(flow.flow(arc)),
                       float(km[i, j]))
                  for arc, i, j in arcs if flow.flow(arc) > 0)
    return Transition(a_name, b_name, wraps, moves)


def _frozen(arr: np.ndarray) -> np.ndarray:
    """A read-only copy, so the frozen dataclasses really are immutable."""
    out = np.array(arr)
    out.setflags(write=False)
    return out
