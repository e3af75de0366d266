"""Townships, villages and county hubs of Gansu as point GeoDataFrames (EPSG:4326).

The settlement list is NBS 2023 (1,403 townships, 17,718 village-level units); NBS gives
no coordinates, so every township gets a point from the best source available, in order:

1. ``amap_2016`` -- the township centre of 2016 (Vonng/adcode, Amap points converted to
   WGS84). A 2023 township takes, in this order of preference, the 2016 centre with the
   same code and name; the 2016 centre of the same county with the same name (甘谷县 and a
   few others renumbered their townships between 2016 and 2023, so a code alone would put
   新兴镇 at 磐安镇); the 2016 centre with the same code but another name (a renamed
   township, e.g. 术布乡 / 初布乡). Each 2016 centre is used once, by its best match.
   Names are compared without a trailing 街道 / 办事处 (西大街街道办事处 = 西大街街道).
2. ``osm_2025`` -- the OSM township point (OSMChina coverage report), matched on
   (county name, township name). OSM files 嘉峪关's towns under county ``市辖区``; there the
   prefecture name (嘉峪关市) is taken as the county name.
3. ``county_point`` -- a representative point (inside the polygon) of the county. Mostly
   state farms, industrial parks and development zones, which have no point of their own.
4. ``prefecture_point`` -- the same for the prefecture, for a county without a polygon
   (兰州新区 620171 would need it; its four towns all have OSM points today).

Villages have no coordinates in any source here, so each village is placed at its
township's point (``location_method = 'township_centre'``); distances from a village are
therefore approximate, to within the size of its township.

Code conventions. ``county_code`` is the boundary/census code: NBS 嘉峪关 620201 becomes
620200, so that frames join to polygons and census rows; township and village codes are
NBS codes unchanged (so 嘉峪关 townships start with 620201). 兰州新区 620171 keeps its code
and its rows; it has no polygon (see :mod:`geodata.boundaries`). No row is ever dropped:
every NBS township and village is returned, with ``point_source`` saying how it was placed.
"""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geodata.boundaries import boundary_county_code, load_counties, load_prefectures
from geodata.datasets import (
    Column,
    data_dir,
    load_county_codes,
    load_poverty_counties,
    load_prefecture_codes,
    load_township_codes,
    load_village_codes,
    read_csv_checked,
)
from geodata.errors import DataError

TOWNSHIP_CENTRES_CSV = "settlements/gansu_township_centers_2016_wgs84.csv"
OSM_TOWNSHIPS_CSV = "settlements/gansu_township_osm_coverage_2025.csv"
VILLAGE_URCODES_CSV = "settlements/gansu_villages_2016_urcode.csv"

POINT_SOURCES = ("amap_2016", "osm_2025", "county_point", "prefecture_point")
"""Values of ``point_source``, best first."""

URBAN_NAME_PATTERN = "社区|居委会|居民委员会"
"""A village-level name containing one of these is an urban residents' committee."""

SEAT_SUFFIXES = ("街道", "镇")
"""Township kinds eligible as a county seat: urban sub-districts and towns, not 乡."""

_LOCATED = ("amap_2016", "osm_2025")


# --------------------------------------------------------------------------- townships


def load_townships(root: str | Path | None = None) -> gpd.GeoDataFrame:
    """Load the NBS 2023 townships, each with a point (see the module docstring).

    Parameters
    ----------
    root
        Reference-data directory; ``None`` means :func:`~geodata.datasets.data_dir`.

    Returns
    -------
    geopandas.GeoDataFrame
        1,403 rows, EPSG:4326, columns ``township_code`` (str, 9 digits, NBS),
        ``township_name``, ``county_code`` (str, 6, boundary code), ``county_name``,
        ``prefecture_code`` (str, 4), ``prefecture_name``, ``geometry`` (Point),
        ``point_source`` (one of :data:`POINT_SOURCES`). Use :func:`point_source_counts`
        to report how the points were found.
    """
    base = data_dir(root)
    towns = _township_table(base)
    points = _amap_2016_points(base, towns)
    points = points.combine_first(_osm_2025_points(base, towns))
    points = points.combine_first(_polygon_points(base, towns[~towns.index.isin(points.index)]))
    points = points.reindex(towns.index)
    geometry = gpd.points_from_xy(points["lon_deg"], points["lat_deg"], crs="EPSG:4326")
    return gpd.GeoDataFrame(towns.assign(point_source=points["point_source"]),
                            geometry=geometry)[_TOWNSHIP_COLUMNS]


_TOWNSHIP_COLUMNS = ["township_code", "township_name", "county_code", "county_name",
                     "prefecture_code", "prefecture_name", "geometry", "point_source"]


def point_source_counts(frame: pd.DataFrame) -> dict[str, int]:
    """Count the rows of a township, village or seat frame per ``point_source``.

    Returns
    -------
    dict
        Every value of :data:`POINT_SOURCES` (zero included), in that order.
    """
    counts = frame["point_source"].value_counts()
    return {source: int(counts.get(source, 0)) for source in POINT_SOURCES}


def _township_table(base: Path) -> pd.DataFrame:
    """NBS townships with boundary county codes and county / prefecture names."""
    towns = load_township_codes(base)
    towns["county_code"] = towns["county_code"].map(boundary_county_code)
    counties = load_county_codes(base)[["county_code", "county_name"]]
    counties["county_code"] = counties["county_code"].map(boundary_county_code)
    towns = towns.merge(counties, on="county_code", how="left", validate="many_to_one")
    towns = towns.merge(load_prefecture_codes(base), on="prefecture_code", how="left",
                        validate="many_to_one")
    _require_names(towns, base / "admin_codes")
    return towns


def _require_names(towns: pd.DataFrame, folder: Path) -> None:
    """Raise DataError for a township whose county or prefecture is not in the code lists."""
    missing = towns["county_name"].isna() | towns["prefecture_name"].isna()
    if missing.any():
        code = towns.loc[missing, "township_code"].iloc[0]
        raise DataError("township's county or prefecture is missing from the NBS code lists",
                        path=folder, item=code)


def _name_key(name: str) -> str:
    """Township name without trailing 街道 / 办事处, for matching across sources."""
    return re.sub(r"(街道|办事处)+$", "", name)


def _amap_2016_points(base: Path, towns: pd.DataFrame) -> pd.DataFrame:
    """2016 centres matched to townships; index = ``towns`` index (matched rows only)."""
    centres = _read_2016_centres(base)
    town_keys = pd.DataFrame({"row": towns.index, "township_code": towns["township_code"],
                              "county6": towns["township_code"].str[:6],
                              "key": towns["township_name"].map(_name_key)})
    by_code = town_keys.merge(centres, on="township_code", suffixes=("", "_2016"))
    by_code["rank"] = (by_code["key"] != by_code["key_2016"]).map({False: 1, True: 3})
    by_name = town_keys.merge(centres.drop(columns="township_code"),
                              left_on=["county6", "key"], right_on=["county6", "key_2016"])
    pairs = pd.concat([by_code, by_name.assign(rank=2)]).sort_values(["rank", "township_code"])
    pairs = pairs.drop_duplicates("row").drop_duplicates("centre_code")
    return _point_frame(pairs, "amap_2016")


def _read_2016_centres(base: Path) -> pd.DataFrame:
    """The 2016 township centres: codes, name key and WGS84 point (degrees)."""
    path = base / TOWNSHIP_CENTRES_CSV
    columns = [Column("code12", "code", 12), Column("township"),
               Column("lon_wgs84", "lon"), Column("lat_wgs84", "lat")]
    raw = read_csv_checked(path, columns)
    _require_unique(raw, ["code12"], path)
    return pd.DataFrame({"centre_code": raw["code12"], "township_code": raw["code12"].str[:9],
                         "county6": raw["code12"].str[:6],
                         "key_2016": raw["township"].map(_name_key),
                         "lon_deg": raw["lon_wgs84"], "lat_deg": raw["lat_wgs84"]})


def _osm_2025_points(base: Path, towns: pd.DataFrame) -> pd.DataFrame:
    """OSM township points matched on (county name, township name)."""
    path = base / OSM_TOWNSHIPS_CSV
    columns = [Column("addr_2"), Column("addr_3"), Column("addr_4"),
               Column("lon", "lon"), Column("lat", "lat")]
    osm = read_csv_checked(path, columns)
    osm["county_name"] = osm["addr_3"].where(osm["addr_3"] != "市辖区", osm["addr_2"])
    osm["key"] = osm["addr_4"].map(_name_key)
    _require_unique(osm, ["county_name", "key"], path)
    town_keys = pd.DataFrame({"row": towns.index, "county_name": towns["county_name"],
                              "key": towns["township_name"].map(_name_key)})
    pairs = town_keys.merge(osm.rename(columns={"lon": "lon_deg", "lat": "lat_deg"}),
                            on=["county_name", "key"])
    return _point_frame(pairs, "osm_2025")


def _polygon_points(base: Path, towns: pd.DataFrame) -> pd.DataFrame:
    """Representative points of the township's county polygon, else its prefecture's."""
    counties = _representative_points(load_counties(base), "county_code")
    prefectures = _representative_points(load_prefectures(base), "prefecture_code")
    by_county = towns["county_code"].map(counties)
    by_prefecture = towns["prefecture_code"].map(prefectures)
    point = by_county.where(by_county.notna(), by_prefecture)
    if point.isna().any():
        raise DataError("no polygon for township's county or prefecture",
                        item=towns.loc[point.isna(), "township_code"].iloc[0])
    source = by_county.notna().map({True: "county_point", False: "prefecture_point"})
    return pd.DataFrame({"lon_deg": point.map(lambda p: p.x), "lat_deg": point.map(lambda p: p.y),
                         "point_source": source}, index=towns.index)


def _representative_points(polygons: gpd.GeoDataFrame, code_column: str) -> pd.Series:
    """Map code -> shapely Point guaranteed to lie inside the unit's polygon."""
    return pd.Series(polygons.geometry.representative_point().values,
                     index=polygons[code_column].values)


def _point_frame(pairs: pd.DataFrame, source: str) -> pd.DataFrame:
    """lon_deg / lat_deg / point_source indexed by the matched township rows."""
    frame = pairs.set_index("row")[["lon_deg", "lat_deg"]].assign(point_source=source)
    frame.index.name = None
    return frame


def _require_unique(frame: pd.DataFrame, columns: list[str], path: Path) -> None:
    """Raise DataError naming the first duplicated key (row = 1-based file row)."""
    duplicated = frame.duplicated(columns)
    if duplicated.any():
        i = int(duplicated.to_numpy().argmax())
        key = tuple(frame[columns].iloc[i])
        raise DataError(f"duplicate {columns}", path=path, row=i + 2, item=key)


# --------------------------------------------------------------------------- region filter


def region_prefix(region_code: str | None) -> str:
    """Check a region code and return the code prefix its rows start with.

    ``None`` means the province. 2, 4 or 6 digits select the province, a prefecture or a
    county by boundary code; 6-digit forms of the province and prefectures (``'620000'``,
    ``'622900'``) are accepted, and NBS 620201 for 嘉峪关 620200.
    """
    if region_code is None:
        return "62"
    valid = isinstance(region_code, str) and region_code.isdigit()
    if not valid or len(region_code) not in (2, 4, 6):
        raise DataError("region code must be a 2-, 4- or 6-digit string", item=region_code)
    code = boundary_county_code(region_code)
    if len(code) == 6 and code.endswith("00"):
        return code[:2] if code.endswith("0000") else code[:4]
    return code


def _select_region(frame: pd.DataFrame, region_code: str | None, what: str) -> pd.DataFrame:
    """Rows whose county_code starts with the region prefix; none is an error."""
    prefix = region_prefix(region_code)
    selected = frame[frame["county_code"].str.startswith(prefix)]
    if selected.empty:
        raise DataError(f"no {what} in region", item=region_code)
    return selected.reset_index(drop=True)


# --------------------------------------------------------------------------- villages


def load_villages(root: str | Path | None = None,
                  region_code: str | None = None) -> gpd.GeoDataFrame:
    """Load the NBS 2023 village-level units of a region, placed at their township point.

    Parameters
    ----------
    root
        Reference-data directory; ``None`` means :func:`~geodata.datasets.data_dir`.
    region_code
        ``None`` or ``'62'`` for the province (17,718 units), a 4-digit prefecture
        (``'6229'`` 临夏, 1,197) or a 6-digit county code (boundary code; 620201 = 620200).

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:4326, columns ``village_code`` (str, 12), ``village_name``, ``township_code``
        (str, 9), ``township_name``, ``county_code`` (str, 6), ``county_name``,
        ``prefecture_code`` (str, 4), ``prefecture_name``, ``is_village`` (bool),
        ``ur_code`` (str or None), ``poverty_county`` (bool), ``location_method``
        (always ``'township_centre'``: no source has village coordinates),
        ``point_source`` (how the township point was found), ``geometry`` (Point).

        ``is_village`` is False for an urban unit: a name containing 社区, 居委会 or
        居民委员会, or an NBS 2016 urban-rural code (``ur_code``, matched by village code)
        of class 1 (城镇: 111 主城区 ... 123). Class 2 (210 乡中心区, 220 村庄) and units
        without a 2016 code count as villages. ``poverty_county`` marks the 8 counties
        still poor in 2020 (:func:`~geodata.datasets.load_poverty_counties`).

    Raises
    ------
    DataError
        Bad region code, a region without villages, or a village whose township is not in
        the township list (``item`` = village code).
    """
    base = data_dir(root)
    villages = load_village_codes(base)
    villages["county_code"] = villages["county_code"].map(boundary_county_code)
    villages = _select_region(villages, region_code, "villages")
    towns = load_townships(base).drop(columns=["county_code", "prefecture_code"])
    placed = villages.merge(towns, on="township_code", how="left", validate="many_to_one")
    _require_townships(placed, base / "admin_codes")
    placed["ur_code"] = _ur_codes(base, placed["village_code"])
    placed["is_village"] = _is_village(placed["village_name"], placed["ur_code"])
    poor = set(load_poverty_counties(base)["county_code"])
    placed["poverty_county"] = placed["county_code"].isin(poor)
    placed["location_method"] = "township_centre"
    return gpd.GeoDataFrame(placed[_VILLAGE_COLUMNS], geometry="geometry", crs="EPSG:4326")


_VILLAGE_COLUMNS = ["village_code", "village_name", "township_code", "township_name",
                    "county_code", "county_name", "prefecture_code", "prefecture_name",
                    "is_village", "ur_code", "poverty_county", "location_method",
                    "point_source", "geometry"]


def _require_townships(placed: pd.DataFrame, folder: Path) -> None:
    """Raise DataError for the first village whose township has no row (hence no point)."""
    orphan = placed["point_source"].isna()
    if orphan.any():
        code = placed.loc[orphan, "village_code"].iloc[0]
        raise DataError("village's township is not in the township list", path=folder,
                        item=code)


def _ur_codes(base: Path, village_codes: pd.Series) -> pd.Series:
    """NBS 2016 urban-rural code per village code (str), None where no 2016 row matches."""
    path = base / VILLAGE_URCODES_CSV
    table = read_csv_checked(path, [Column("code12", "code", 12), Column("ur_code", "code", 3)])
    _require_unique(table, ["code12"], path)
    codes = village_codes.map(table.set_index("code12")["ur_code"])
    return codes.astype(object).where(codes.notna(), None)


def _is_village(names: pd.Series, ur_codes: pd.Series) -> pd.Series:
    """True unless the name marks an urban committee or the 2016 ur_code is urban (1xx)."""
    urban_name = names.str.contains(URBAN_NAME_PATTERN)
    urban_code = ur_codes.map(lambda code: code is not None and code.startswith("1"))
    return ~(urban_name | urban_code.astype(bool))


# --------------------------------------------------------------------------- county seats


def county_seats(root: str | Path | None = None,
                 region_code: str | None = None) -> gpd.GeoDataFrame:
    """One hub point per county: the county seat, approximated from township points.

    Rule: among the county's townships named ...街道 or ...镇, take the one with the
    lowest NBS code, preferring one with a real point (``amap_2016`` / ``osm_2025``). NBS
    numbers 街道 001-099 and 镇 100-199 before 乡 200+, and the seat (城关镇, the central
    街道) is usually first. A county without any 街道 or 镇 gets its polygon's
    representative point (``point_source = 'county_point'``, no township).

    Parameters
    ----------
    root
        Reference-data directory; ``None`` means :func:`~geodata.datasets.data_dir`.
    region_code
        As for :func:`load_villages`; ``None`` = province (88 rows incl. 兰州新区).

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:4326, columns ``county_code``, ``county_name``, ``geometry`` (Point),
        ``township_code`` and ``township_name`` (None when no township was used),
        ``point_source``.
    """
    base = data_dir(root)
    towns = _select_region(load_townships(base), region_code, "townships")
    candidates = towns[towns["township_name"].str.endswith(SEAT_SUFFIXES)]
    ranked = candidates.assign(unlocated=~candidates["point_source"].isin(_LOCATED))
    ranked = ranked.sort_values(["unlocated", "township_code"])
    seats = ranked.drop_duplicates("county_code")
    missing = towns[~towns["county_code"].isin(seats["county_code"])]
    seats = pd.concat([seats, _polygon_seats(base, missing)], ignore_index=True)
    seats = seats.sort_values("county_code", ignore_index=True)
    columns = ["county_code", "county_name", "geometry", "township_code", "township_name",
               "point_source"]
    return gpd.GeoDataFrame(seats[columns], geometry="geometry", crs="EPSG:4326")


def _polygon_seats(base: Path, towns: pd.DataFrame) -> gpd.GeoDataFrame:
    """Seat rows at the polygon representative point for counties without 街道 / 镇."""
    counties = towns.drop_duplicates("county_code").reset_index(drop=True)
    points = _polygon_points(base, counties)
    geometry = gpd.points_from_xy(points["lon_deg"], points["lat_deg"], crs="EPSG:4326")
    return gpd.GeoDataFrame(
        {"county_code": counties["county_code"], "county_name": counties["county_name"],
         "township_code": None, "township_name": None,
         "point_source": points["point_source"].values},
        geometry=geometry)
