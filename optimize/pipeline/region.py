"""The region a plan covers, loaded once, and its share of the province's programme.

:class:`Region` is the frozen bundle of reference data every later stage reads (villages,
counties, census, townships, county seats, polygon, attributions); a variant (e.g. the
synthetic villages of ``benchmarks/province.py``) is ``dataclasses.replace(region,
villages=...)``. :func:`regional_share` apportions the province's stores, trucks and
budget to the region.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from geodata import boundaries, datasets, places
from geodata.errors import DataError
from optimize.apportion import largest_remainder, proportional_share
from optimize.scenario import Scenario

#: NBS code of the province (Gansu): a scenario with this ``region_code`` is planned by
#: prefecture (``optimize.pipeline.province``); every other code is one region.
PROVINCE_CODE = "62"


@dataclass(frozen=True)
class Region:
    """A prefecture, county or the province: its reference data, as loaded.

    ``villages`` are all NBS village-level units of the region (``is_village`` marks the
    rural ones), at their township point; ``counties`` the county polygons of the region;
    ``census`` the whole province's 2020 census table; ``townships`` every township point
    of the data; ``seats`` the region's county seats; ``polygon`` its outline.
    """

    code: str
    name: str
    villages: gpd.GeoDataFrame
    counties: gpd.GeoDataFrame
    census: pd.DataFrame
    townships: gpd.GeoDataFrame
    seats: gpd.GeoDataFrame
    polygon: Any  # shapely (Multi)Polygon, EPSG:4326
    attributions: tuple[dict[str, str], ...]


@dataclass(frozen=True)
class Share:
    """The region's numbers and how they were reached."""

    stores: int
    trucks: int
    budget_yuan: float
    rule: str


def load_region(code: str, root: Path) -> Region:
    """The reference data of region ``code`` (NBS prefix) from the data directory ``root``."""
    villages = places.load_villages(root, code)
    if villages.empty:
        raise DataError("no villages in this region", item=code)
    counties = boundaries.load_counties(root)
    counties = counties[counties["county_code"].str.startswith(code)].copy()
    census = datasets.load_census(root)
    return Region(
        code=code,
        name=region_name(census, code),
        villages=villages,
        counties=counties,
        census=census,
        townships=places.load_townships(root),
        seats=places.county_seats(root, code),
        polygon=boundaries.region_polygon(root, code),
        attributions=tuple(datasets.attributions(root)),
    )


def region_name(census: pd.DataFrame, code: str) -> str:
    """The census name of region ``code``, or the code itself when the census lacks it."""
    match = census.loc[census["adcode"] == code.ljust(6, "0"), "name"]
    return str(match.iloc[0]) if len(match) else code


def regional_share(scenario: Scenario, census: pd.DataFrame) -> Share:
    """Stores, trucks and store budget of the region (overrides win over the rule).

    Rule: the region's share of the province's 2020 rural population among all units of
    its level (prefecture-level units, or county-level units), largest remainder.
    """
    code = scenario.region_code
    weights = rural_weights(census, len(code))
    key = code.ljust(6, "0") if len(code) == 4 else code
    if key not in weights:
        raise DataError("region has no 2020 census row", item=code)
    stores = largest_remainder(weights, scenario.province_stores)[key]
    trucks = largest_remainder(weights, scenario.province_trucks)[key]
    stores = scenario.stores if scenario.stores is not None else stores
    trucks = scenario.trucks if scenario.trucks is not None else trucks
    budget = proportional_share(weights, key, scenario.province_budget_yuan) \
        - trucks * scenario.truck_subsidy_yuan
    budget = scenario.budget_yuan if scenario.budget_yuan is not None else max(budget, 0.0)
    pct = 100 * weights[key] / sum(weights.values())
    rule = (f"{pct:.2f} % of Gansu's 2020 rural population (largest remainder over "
            f"{len(weights)} units): {scenario.province_stores} stores -> {stores}, "
            f"{scenario.province_trucks} trucks -> {trucks}; store budget = share of "
            f"{scenario.province_budget_yuan:,.0f} yuan minus {trucks} truck subsidies")
    return Share(stores, trucks, budget, rule)


def rural_weights(census: pd.DataFrame, code_len: int) -> dict[str, float]:
    """2020 rural population by 6-digit adcode of every prefecture-level unit
    (``code_len == 4``) or every county-level unit (otherwise)."""
    if code_len == 4:
        rows = census[census["level"].isin(["prefecture", "prefecture_and_county"])]
    else:
        rows = census[census["level"].isin(["county", "prefecture_and_county"])]
    return {str(a): float(p) for a, p in zip(rows["adcode"], rows["pop_rural"], strict=True)}
