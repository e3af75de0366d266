"""Settlements and candidate sites of a region: supply, village legs, site rules, quotas.

Supply per village: the user's table, else county rural population x kg per rural
resident, spread evenly over the county's rural villages (an estimate, labelled so).
Candidate sites: one slot per township (more when stores outnumber townships), with the
scenario's required and excluded villages.
"""

from __future__ import annotations

import math
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geodata.errors import DataError
from geodata.legs import township_areas_m2, village_leg_m
from geodata.sites import read_sites_table
from geodata.speeds import CLASS_SPEED_KPH
from geodata.supply import read_supply_table
from optimize.errors import SpecificationError
from optimize.pipeline.region import Region
from optimize.scenario import Scenario


# -- supply -----------------------------------------------------------------------------
def with_supply(villages: gpd.GeoDataFrame, census: pd.DataFrame,
                scenario: Scenario) -> gpd.GeoDataFrame:
    """Rural villages with ``supply_t``: the user's table, else the census estimate."""
    rural = villages[villages["is_village"].astype(bool)].copy()
    if scenario.supply_file:
        rural["supply_t"] = supply_from_file(rural, scenario.supply_file)
    else:
        rural["supply_t"] = estimated_supply(rural, census, scenario)
    rural["poor"] = rural["poverty_county"].astype(bool)
    rural["weight"] = np.where(rural["poor"], scenario.poverty_weight, 1.0)
    return rural.sort_values("village_code").reset_index(drop=True)


def estimated_supply(rural: gpd.GeoDataFrame, census: pd.DataFrame,
                     scenario: Scenario) -> pd.Series:
    """County rural population x kg per rural resident, spread evenly over its villages."""
    rural_pop = census.set_index("adcode")["pop_rural"]
    missing = sorted(set(rural["county_code"]) - set(rural_pop.index))
    if missing:
        raise DataError("county has villages but no 2020 census row", item=missing)
    per_county = rural.groupby("county_code")["village_code"].transform("count")
    kg = rural["county_code"].map(rural_pop).astype(float) * \
        scenario.stored_produce_kg_per_rural_capita
    return (kg / 1000.0 / per_county).round(3)


def supply_from_file(rural: gpd.GeoDataFrame, path: str) -> pd.Series:
    """Supply per village from the user's table; villages it does not list have none."""
    table = read_supply_table(path)
    unknown = sorted(set(table["settlement_id"]) - set(rural["village_code"]))
    if unknown:
        raise DataError(f"{len(unknown)} settlement_id(s) are not rural villages of this "
                        f"region, e.g. {unknown[:5]}", path=path)
    return rural["village_code"].map(table.set_index("settlement_id")["supply_t"]) \
        .fillna(0.0).astype(float)


def with_legs(settlements: gpd.GeoDataFrame, region: Region,
              scenario: Scenario) -> gpd.GeoDataFrame:
    """Add ``leg_m`` / ``leg_s``: expected road from the village to its township centre
    (0 for a village placed at its own point, which snaps to the road network itself).

    See ``geodata.legs``; the leg is driven at the village-road (unclassified) speed.
    """
    towns = region.townships
    towns = towns[towns["township_code"].str.startswith(region.code)]
    legs = village_leg_m(township_areas_m2(towns, region.polygon), scenario.detour_factor)
    out = settlements.copy()
    out["leg_m"] = out["township_code"].map(legs).fillna(0.0).round(0)
    out.loc[out["location_method"] == "osm_place", "leg_m"] = 0.0  # at its own point
    out["leg_s"] = (out["leg_m"] / (CLASS_SPEED_KPH["unclassified"] / 3.6)).round(0)
    return out


# -- candidate sites --------------------------------------------------------------------
def site_rules(settlements: gpd.GeoDataFrame,
               scenario: Scenario) -> tuple[frozenset[str], frozenset[str]]:
    """Required and excluded villages from the scenario's site table (empty without one)."""
    if not scenario.sites_file:
        return frozenset(), frozenset()
    table = read_sites_table(scenario.sites_file)
    unknown = sorted(set(table["settlement_id"]) - set(settlements["village_code"]))
    if unknown:
        raise DataError(f"{len(unknown)} settlement_id(s) are not rural villages of this "
                        f"region, e.g. {unknown[:5]}", path=scenario.sites_file)
    status = table.groupby("status")["settlement_id"].agg(frozenset)
    return status.get("required", frozenset()), status.get("excluded", frozenset())


def candidate_sites(settlements: gpd.GeoDataFrame, n_stores: int, *,
                    required: frozenset[str] = frozenset(),
                    excluded: frozenset[str] = frozenset()) -> gpd.GeoDataFrame:
    """Candidate store sites: the first ``slots`` allowed rural villages of every township,
    plus every required village.

    Villages have no points of their own (they sit at their township centre), so one
    candidate per township is enough unless the region needs more stores than it has
    townships; then ``slots = ceil(stores / townships)`` villages per township may host one.
    Excluded villages are never candidates; required ones always are.
    """
    townships = settlements["township_code"].nunique()
    slots = max(1, math.ceil(n_stores / max(townships, 1)))
    allowed = settlements[~settlements["village_code"].isin(excluded)]
    sites = allowed.groupby("township_code", sort=True).head(slots)
    extra = settlements[settlements["village_code"].isin(required)
                        & ~settlements["village_code"].isin(sites["village_code"])]
    sites = pd.concat([sites, extra]).sort_values("village_code").copy()
    sites["site_id"] = sites["village_code"]
    sites["name"] = sites["township_name"] + " · " + sites["village_name"]
    sites["required"] = sites["village_code"].isin(required)
    return sites.reset_index(drop=True)


def county_quotas(scenario: Scenario, settlements: pd.DataFrame,
                  sites: pd.DataFrame) -> dict[str, Any]:
    """Site groups and limits for ``LocationProblem`` from the scenario's county quotas.

    Every county of the region is a group when any quota is set: its minimum is the larger
    of ``county_min_stores`` and its ``[county_stores]`` minimum; its maximum comes from
    the table. A code in the table that is not a county of the region is an error.
    """
    if not scenario.county_min_stores and not scenario.county_stores:
        return {}
    names = settlements.drop_duplicates("county_code").set_index("county_code")["county_name"]
    codes = sorted(names.index)
    table = {code: (low, high) for code, low, high in scenario.county_stores}
    unknown = sorted(set(table) - set(codes))
    if unknown:
        raise SpecificationError([f"county_stores {code!r}: not a county of region "
                                  f"{scenario.region_code}" for code in unknown])
    position = {code: g for g, code in enumerate(codes)}
    return {
        "site_group": sites["county_code"].map(position).to_numpy(dtype=np.int64),
        "group_names": tuple(f"{names[c]} {c}" for c in codes),
        "group_min": tuple(max(scenario.county_min_stores, table.get(c, (0, None))[0])
                           for c in codes),
        "group_max": tuple(table.get(c, (0, None))[1] for c in codes),
    }
