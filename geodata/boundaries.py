"""Province, prefecture and county polygons of Gansu (Amap via cnmaps, WGS84).

Three GeoDataFrames in EPSG:4326 with fixed columns, and :func:`region_polygon` to get one
region's outline by code. Codes are strings: province ``'62'``, prefecture 4 digits
(``'6229'`` = 临夏回族自治州), county 6 digits (``'622926'`` = 东乡族自治县).

Two units differ between the boundaries and the NBS 2023 code lists, and are handled here:

- 嘉峪关市 is a prefecture-level city without counties. Boundaries (and the census) give it
  one county-level unit 620200; NBS gives its 市辖区 code 620201. :func:`boundary_county_code`
  maps 620201 to 620200, so NBS rows join to the polygon.
- 兰州新区 620171 is a functional zone with its own NBS code and census row but no polygon
  (it lies inside 永登县 and 皋兰县). :func:`region_polygon` refuses it with a DataError
  that says so, rather than returning some other unit's outline.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
from shapely.geometry.base import BaseGeometry

from geodata.datasets import Column, data_dir, read_geojson_checked
from geodata.errors import DataError

PROVINCE_GEOJSON = "boundaries/gansu_province.geojson"
PREFECTURES_GEOJSON = "boundaries/gansu_prefectures.geojson"
COUNTIES_GEOJSON = "boundaries/gansu_counties.geojson"

PROVINCE_CODE = "62"
"""GB/T 2260 code of Gansu; the only province in the data."""

NBS_TO_BOUNDARY_COUNTY = {"620201": "620200"}
"""NBS 2023 county codes whose polygon carries another code (嘉峪关市辖区 -> 嘉峪关市)."""

COUNTIES_WITHOUT_POLYGON = {
    "620171": "兰州新区 (620171) is a functional zone with no polygon of its own; "
    "it lies inside 永登县 620121 and 皋兰县 620122",
}
"""County-level NBS codes that have no polygon, with the reason."""


def boundary_county_code(code: str) -> str:
    """Return the boundary/census county code for an NBS 2023 county code.

    Only 嘉峪关 differs (NBS 620201 -> 620200); every other code is returned unchanged.
    """
    return NBS_TO_BOUNDARY_COUNTY.get(code, code)


def load_province(root: str | Path | None = None) -> gpd.GeoDataFrame:
    """Load the Gansu province outline.

    Returns
    -------
    geopandas.GeoDataFrame
        One row, columns ``province_name``, ``geometry`` (MultiPolygon), EPSG:4326.
    """
    path = data_dir(root) / PROVINCE_GEOJSON
    columns = [Column("province"), Column("adcode", "code", 6)]
    frame = read_geojson_checked(path, columns, id_column="adcode")
    _check_unique(frame, "adcode", path)
    return frame.rename(columns={"province": "province_name"})[["province_name", "geometry"]]


def load_prefectures(root: str | Path | None = None) -> gpd.GeoDataFrame:
    """Load the 14 prefecture polygons.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``prefecture_code`` (str, 4 digits: the adcode without its trailing
        ``00``), ``prefecture_name``, ``geometry`` (MultiPolygon), EPSG:4326.
    """
    path = data_dir(root) / PREFECTURES_GEOJSON
    frame = read_geojson_checked(path, [Column("city"), Column("adcode", "code", 6)],
                                 id_column="adcode")
    _check_unique(frame, "adcode", path)
    frame["prefecture_code"] = frame["adcode"].str[:4]
    frame = frame.rename(columns={"city": "prefecture_name"})
    return frame[["prefecture_code", "prefecture_name", "geometry"]]


def load_counties(root: str | Path | None = None) -> gpd.GeoDataFrame:
    """Load the 87 county-level polygons (86 counties/districts plus 嘉峪关 620200).

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``county_code`` (str, 6 digits), ``county_name``, ``prefecture_code``
        (str, 4), ``prefecture_name``, ``geometry`` (MultiPolygon), EPSG:4326. Their
        areas sum to the province's (425,511 km², see boundaries/PROVENANCE.md).
    """
    path = data_dir(root) / COUNTIES_GEOJSON
    columns = [Column("district"), Column("city"), Column("adcode", "code", 6)]
    frame = read_geojson_checked(path, columns, id_column="adcode")
    _check_unique(frame, "adcode", path)
    frame["prefecture_code"] = frame["adcode"].str[:4]
    frame = frame.rename(columns={"adcode": "county_code", "district": "county_name",
                                  "city": "prefecture_name"})
    return frame[["county_code", "county_name", "prefecture_code", "prefecture_name",
                  "geometry"]]


def _check_unique(frame: pd.DataFrame, column: str, path: Path) -> None:
    """Raise DataError naming the first duplicated code (row = 1-based feature number)."""
    duplicated = frame[column].duplicated()
    if duplicated.any():
        i = int(duplicated.to_numpy().argmax())
        raise DataError(f"duplicate {column}", path=path, row=i + 1, item=frame[column].iloc[i])


def region_polygon(root: str | Path | None, code: str) -> BaseGeometry:
    """Return the outline of a province, prefecture or county, by code.

    Parameters
    ----------
    root
        Reference-data directory; ``None`` means :func:`~geodata.datasets.data_dir`.
    code
        ``'62'`` (province), a 4-digit prefecture code (``'6229'``) or a 6-digit county
        code (``'622926'``). NBS 620201 is accepted for 嘉峪关 (620200); a 6-digit
        prefecture adcode ending in ``00`` (``'622900'``) means the prefecture.

    Returns
    -------
    shapely.geometry.base.BaseGeometry
        The (Multi)Polygon in EPSG:4326 degrees.

    Raises
    ------
    DataError
        Malformed or unknown code, or 兰州新区 620171, which has no polygon; ``item`` is
        the code.
    """
    if not isinstance(code, str) or len(code) not in (2, 4, 6) or not code.isdigit():
        raise DataError("region code must be a 2-, 4- or 6-digit string", item=code)
    if code in COUNTIES_WITHOUT_POLYGON:
        raise DataError(COUNTIES_WITHOUT_POLYGON[code], item=code)
    geometry = _lookup_polygon(root, code)
    if geometry is None:
        raise DataError("unknown region code", item=code)
    return geometry


def _lookup_polygon(root: str | Path | None, code: str) -> BaseGeometry | None:
    """Return the polygon for a well-formed code, or None if no unit has that code."""
    if code in (PROVINCE_CODE, PROVINCE_CODE + "0000"):
        return load_province(root).geometry.iloc[0]
    if len(code) == 6:
        counties = load_counties(root)
        rows = counties[counties["county_code"] == boundary_county_code(code)]
        if len(rows) == 1 or not code.endswith("00"):
            return rows.geometry.iloc[0] if len(rows) == 1 else None
        code = code[:4]
    prefectures = load_prefectures(root)
    rows = prefectures[prefectures["prefecture_code"] == code]
    return rows.geometry.iloc[0] if len(rows) == 1 else None
