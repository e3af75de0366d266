"""A user's markets table (CSV or XLSX) that replaces the default markets.

Columns (header row; names as below, other columns ignored):

===================  ========  ==============================================================
column               required  value
===================  ========  ==============================================================
``name``             yes       the market's name
``lon``, ``lat``     either    WGS84 degrees ...
``point``            or        ... or one cell ``"lon,lat"`` / ``"lon lat"`` / ``POINT(lon lat)``
``crops``            yes       crop keys of :data:`optimize.crops.CROPS` or their Chinese
                               names (苹果, 马铃薯, ...), separated by ``;`` ``,`` ``、`` or spaces
``daily_intake_t``   yes       tonnes a day, >= 0
``opening_hours``    either    ``"06:00-22:00"`` (``"20:00-04:00"``: overnight, ``24:00`` allowed)
``open``, ``close``  or        ``"06:00"`` and ``"22:00"``
``kind``             no        ``wholesale`` (default) or ``long_haul``
``market_id``        no        unique id; default ``"U:<row>"``
``source``           no        where the row comes from; default "user table"
===================  ========  ==============================================================

A wholesale market must lie in Gansu (inside the province outline, within
:data:`BORDER_TOLERANCE_DEG`); a ``long_haul`` row (a partner-city outlet) may lie anywhere
in China's plausible range. The first defect found raises ONE
:class:`~geodata.errors.DataError` naming the file, the row (header = row 1) and the column.
The table is read within the bounds of :class:`geodata.supply.Limits` (XLSX read-only,
unpacked size checked before any cell is read).
"""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any

import pandas as pd
from shapely.geometry import Point

from geodata.boundaries import load_province
from geodata.datasets import LAT_RANGE_DEG, LON_RANGE_DEG, Column
from geodata.errors import DataError
from geodata.supply import LIMITS, SUFFIXES, Limits, check_unpacked_size, read_user_table
from optimize.crops import CROPS
from optimize.markets.table import DAY_S, HOUR_S, KINDS, Market

#: How far (degrees, ~2 km) outside the Gansu outline a wholesale market may lie.
BORDER_TOLERANCE_DEG = 0.02
#: Chinese names accepted for the crop keys.
CROP_ALIASES = {"苹果": "apple", "樱桃": "cherry", "桃": "peach", "葡萄": "grape",
                "蔬菜": "vegetables", "高原夏菜": "vegetables", "马铃薯": "potato",
                "土豆": "potato", "花椒": "sichuan_pepper", "核桃": "walnut",
                "中药材": "herbs", "药材": "herbs", "百合": "lily", "牛羊肉": "beef_mutton"}
OPTIONAL = ("kind", "market_id", "source")
WHAT = "markets table"


def read_markets_table(path: str | Path, root: str | Path | None = None,
                       limits: Limits = LIMITS) -> list[Market]:
    """Read and check a user's markets table (module docstring).

    Parameters
    ----------
    path
        The ``.csv`` or ``.xlsx`` file.
    root
        Reference-data directory for the Gansu outline (``None``: the default).
    limits
        Reading bounds (rows, columns, unpacked size, time).

    Raises
    ------
    DataError
        The first defect, naming file, row and column.
    """
    file = Path(path)
    header = _header(file, limits)
    names = _columns_to_read(file, header)
    frame = read_user_table(file, tuple(Column(n, "text", nullable=True) for n in names),
                            WHAT, limits)
    gansu = load_province(root).geometry.iloc[0]
    markets = [_market(file, i + 2, row, gansu) for i, row in
               enumerate(frame.to_dict("records"))]
    if not markets:
        raise DataError(f"{WHAT} has no data rows", path=file)
    seen: dict[str, int] = {}
    for i, m in enumerate(markets, start=2):
        if m.market_id in seen:
            raise DataError(f"column 'market_id': {m.market_id!r} is also on row "
                            f"{seen[m.market_id]}", path=file, row=i)
        seen[m.market_id] = i
    return markets


def _header(file: Path, limits: Limits) -> list[str]:
    """The header row's names (the file is not read further here)."""
    suffix = file.suffix.lower()
    if suffix not in SUFFIXES:
        raise DataError(f"{WHAT} must be {' or '.join(SUFFIXES)}", path=file)
    if not file.is_file():
        raise DataError(f"{WHAT} not found", path=file)
    if suffix == ".csv":
        try:
            with file.open(encoding="utf-8-sig", newline="") as handle:
                first = next(csv.reader(handle), [])
        except (OSError, UnicodeDecodeError) as exc:
            raise DataError(f"cannot read CSV: {exc}", path=file) from None
        return [c.strip() for c in first]
    return _xlsx_header(file, limits)


def _xlsx_header(file: Path, limits: Limits) -> list[str]:
    from openpyxl import load_workbook

    check_unpacked_size(file, limits)
    try:
        book = load_workbook(file, read_only=True, data_only=True)
        try:
            rows = book.worksheets[0].iter_rows(max_row=1, max_col=limits.columns,
                                                values_only=True)
            first = next(rows, ())
        finally:
            book.close()
    except Exception as exc:  # openpyxl raises many kinds for a non-workbook
        raise DataError(f"not a readable XLSX workbook ({type(exc).__name__})",
                        path=file) from None
    return [str(v).strip() for v in first if v is not None]


def _columns_to_read(file: Path, header: list[str]) -> list[str]:
    """Required columns (one of each alternative) plus the optional ones present."""
    have = set(header)
    missing = [c for c in ("name", "crops", "daily_intake_t") if c not in have]
    if not ({"lon", "lat"} <= have or "point" in have):
        missing.append("lon and lat (or point)")
    if not ("opening_hours" in have or {"open", "close"} <= have):
        missing.append("opening_hours (or open and close)")
    if missing:
        raise DataError(f"{WHAT}: missing column(s) {', '.join(missing)}; found {header}",
                        path=file, row=1)
    where = ["lon", "lat"] if {"lon", "lat"} <= have else ["point"]
    hours = ["opening_hours"] if "opening_hours" in have else ["open", "close"]
    return ["name", *where, "crops", "daily_intake_t", *hours,
            *[c for c in OPTIONAL if c in have]]


def _market(file: Path, row: int, cells: dict[str, Any], gansu: Any) -> Market:
    def fail(column: str, problem: str) -> DataError:
        return DataError(f"column {column!r}: {problem}", path=file, row=row)

    text = {k: ("" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v).strip())
            for k, v in cells.items()}
    if not text["name"]:
        raise fail("name", "empty; every market needs a name")
    kind = text.get("kind") or "wholesale"
    if kind not in KINDS:
        raise fail("kind", f"{kind!r}: expected one of {', '.join(KINDS)}")
    lon, lat, column = _point(text, fail)
    if kind == "wholesale" and not _in_gansu(gansu, lon, lat):
        raise fail(column, f"point ({lon:g}, {lat:g}) is outside Gansu; only long_haul rows "
                           "(partner-city outlets) may lie outside the province")
    crops = _crops(text["crops"], fail)
    intake = _number(text["daily_intake_t"], "daily_intake_t", fail)
    if intake < 0:
        raise fail("daily_intake_t", f"{intake:g} t: must be >= 0")
    open_s, close_s = _hours(text, fail)
    return Market(text.get("market_id") or f"U:{row}", text["name"], lon, lat, crops, intake,
                  open_s, close_s, kind,  # type: ignore[arg-type]
                  source=text.get("source") or f"user table {file.name}, row {row}",
                  approximate_location=False,
                  assumptions=(f"from the user's table {file.name}, row {row}",))


def _point(text: dict[str, str], fail: Any) -> tuple[float, float, str]:
    if "point" in text:
        value = text["point"]
        parts = re.findall(r"[-+]?\d+(?:\.\d+)?", value)
        if len(parts) != 2:
            raise fail("point", f"{value!r}: expected 'lon,lat' in degrees")
        lon, lat, column = float(parts[0]), float(parts[1]), "point"
    else:
        lon = _number(text["lon"], "lon", fail)
        lat = _number(text["lat"], "lat", fail)
        column = "lon/lat"
    if not (LON_RANGE_DEG[0] <= lon <= LON_RANGE_DEG[1]
            and LAT_RANGE_DEG[0] <= lat <= LAT_RANGE_DEG[1]):
        raise fail(column, f"({lon:g}, {lat:g}) is not a point in China (lon "
                           f"{LON_RANGE_DEG}, lat {LAT_RANGE_DEG} degrees; swapped?)")
    return lon, lat, column


def _in_gansu(gansu: Any, lon: float, lat: float) -> bool:
    point = Point(lon, lat)
    return bool(gansu.covers(point) or gansu.distance(point) <= BORDER_TOLERANCE_DEG)


def _number(value: str, column: str, fail: Any) -> float:
    if not value:
        raise fail(column, "empty; a number is needed")
    try:
        return float(value)
    except ValueError:
        raise fail(column, f"{value!r}: expected a number") from None


def _crops(value: str, fail: Any) -> tuple[str, ...]:
    names = [c for c in re.split(r"[;,、，；|\s]+", value) if c]
    if not names:
        raise fail("crops", "empty; name at least one crop")
    out = []
    for name in names:
        key = CROP_ALIASES.get(name, name.lower())
        if key not in CROPS:
            raise fail("crops", f"unknown crop {name!r}; known crops: {', '.join(CROPS)}")
        if key not in out:
            out.append(key)
    return tuple(out)


_CLOCK = re.compile(r"(\d{1,2}):(\d{2})(?::00)?")


def _hours(text: dict[str, str], fail: Any) -> tuple[int, int]:
    if "opening_hours" in text:
        column, value = "opening_hours", text["opening_hours"]
        if not value:
            raise fail(column, "missing opening hours; expected e.g. '06:00-22:00'")
        found = _CLOCK.findall(value)
        if len(found) != 2:
            raise fail(column, f"{value!r}: expected 'HH:MM-HH:MM'")
    else:
        found = []
        for column in ("open", "close"):
            hit = _CLOCK.fullmatch(text[column])
            if not hit:
                raise fail(column, f"{text[column]!r}: missing or not 'HH:MM'")
            found.append(hit.groups())
        column = "open/close"
    open_s, close_s = (int(h) * HOUR_S + int(m) * 60 for h, m in found)
    if any(int(h) > 24 or int(m) > 59 for h, m in found) or open_s > DAY_S or close_s > DAY_S:
        raise fail(column, f"{found}: hours must be 00:00-24:00")
    if close_s == open_s:
        raise fail(column, "opening and closing times are equal")
    if close_s < open_s:   # overnight
        close_s += DAY_S
    return open_s, close_s
