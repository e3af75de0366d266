"""The province's one siting problem on a SYNTHETIC two-prefecture province.

Layout (latitude 36, 0.1 degree of longitude ~ 9 km; the approximate network drives
township links at 40 km/h x detour 1.3, so 2 h reach ~60 km in a straight line):

- prefecture 6298 (county 629801): townships A1 at 100.00 and A2 at 100.30, two rural
  villages each;
- prefecture 6299 (county 629901): the border township B1 at 100.45 (one village, ~14 km
  from A2) and the far townships B2 at 101.50 and B3 at 101.60 (two villages each), ~95 km
  from B1: more than 2 h.

Every village has 10 t of supply. Each prefecture's share is one store. Alone, 6299's one
store goes where four of its villages are (B2 or B3) and its border village B1 is out of
reach of every site of its own prefecture; as one problem, the store of 6298 at A2 serves
it across the border.
"""

from __future__ import annotations

import dataclasses

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from optimize.errors import SpecificationError
from optimize.pipeline.province.compare import (
    decomposed_siting,
    province_objective,
    siting_meta,
)
from optimize.pipeline.province.siting import ProvinceSiting, region_part, site_province
from optimize.pipeline.province.tasks import RegionTask, province_problems
from optimize.pipeline.region import Region, Share
from optimize.scenario import Scenario

KG_PER_CAPITA = 50.2
TOWNS = {"629801001": (100.00, 2), "629801002": (100.30, 2),
         "629901001": (100.45, 1), "629901002": (101.50, 2), "629901003": (101.60, 2)}
BORDER_VILLAGE = "629901001001"


def two_prefecture_province() -> Region:
    rows, towns = [], []
    for town, (lon, n) in TOWNS.items():
        county = town[:6]
        towns.append({"township_code": town, "township_name": f"t{town}",
                      "county_code": county, "geometry": Point(lon, 36.0)})
        for v in range(1, n + 1):
            rows.append({"village_code": f"{town}{v:03d}", "village_name": f"v{town}{v}",
                         "township_code": town, "township_name": f"t{town}",
                         "county_code": county, "county_name": f"c{county}",
                         "prefecture_code": town[:4], "prefecture_name": f"p{town[:4]}",
                         "is_village": True, "ur_code": "220", "poverty_county": False,
                         "location_method": "township_centre", "point_source": "synthetic",
                         "geometry": Point(lon, 36.0)})
    villages = gpd.GeoDataFrame(rows, geometry="geometry", crs=4326)
    # 10 t per village: rural population = villages x 10 t / 50.2 kg
    census = pd.DataFrame([
        {"adcode": c, "name": f"c{c}", "prefecture": f"p{c[:4]}", "level": "county",
         "pop_total": 0, "pop_urban": 0, "households": 0,
         "pop_rural": round(n * 10_000 / KG_PER_CAPITA)}
        for c, n in (("629801", 4), ("629901", 5))])
    counties = gpd.GeoDataFrame(
        {"county_code": ["629801", "629901"], "county_name": ["c629801", "c629901"],
         "prefecture_code": ["6298", "6299"], "prefecture_name": ["p6298", "p6299"]},
        geometry=[box(99.9, 35.9, 100.38, 36.1), box(100.38, 35.9, 101.7, 36.1)], crs=4326)
    seats = gpd.GeoDataFrame({"county_code": [], "county_name": []},
                             geometry=gpd.GeoSeries([], crs=4326), crs=4326)
    return Region("62", "synthetic province", villages, counties, census,
                  gpd.GeoDataFrame(towns, geometry="geometry", crs=4326), seats,
                  box(99.9, 35.9, 101.7, 36.1), ())


def _scenario(**kw: object) -> Scenario:
    return Scenario.from_mapping({"name": "two prefectures", "region_code": "62",
                                  "siting_time_limit_s": 5.0, **kw})


def two_prefecture_tasks(scenario: Scenario) -> list[RegionTask]:
    return [RegionTask(code, f"p{code}", n, Share(1, 1, 5_000_000.0, "one store each"),
                       dataclasses.replace(scenario, region_code=code))
            for code, n in (("6299", 5), ("6298", 4))]


@pytest.fixture(scope="module", params=["none", "prefecture"])
def sited(request: pytest.FixtureRequest) -> tuple[Scenario, ProvinceSiting]:
    scenario = _scenario(store_quota=request.param, store_quota_tolerance_pct=0.0)
    return scenario, site_province(scenario, two_prefecture_province(),
                                   two_prefecture_tasks(scenario))


def test_supply_and_arcs_are_as_laid_out(sited: tuple[Scenario, ProvinceSiting]) -> None:
    _, ps = sited
    settle = ps.net.settlements
    assert len(settle) == 9
    assert settle["supply_t"].tolist() == pytest.approx([10.0] * 9, abs=0.01)
    assert list(ps.sites["region"]) == ["6298", "6298", "6299", "6299", "6299"]
    border = int(np.flatnonzero(settle["village_code"] == BORDER_VILLAGE)[0])
    arcs = ps.net.arcs[ps.net.arcs["demand"] == border]
    reach = set(ps.sites["region"].iloc[arcs["site"]])
    assert reach == {"6298", "6299"}  # its own site B1 and the sites of 6298
    own = set(ps.sites["township_code"].iloc[arcs["site"]])
    assert not own & {"629901002", "629901003"}  # B2, B3 are out of reach


def test_one_problem_serves_the_border_village_across(
        sited: tuple[Scenario, ProvinceSiting]) -> None:
    _, ps = sited
    r = ps.result
    opened = ps.sites.iloc[r.open_sites]
    assert sorted(opened["region"]) == ["6298", "6299"]
    assert set(opened["township_code"]) & {"629801002"}  # A2, next to the border
    assert (r.assignment >= 0).all()  # every village served
    border = int(np.flatnonzero(ps.net.settlements["village_code"] == BORDER_VILLAGE)[0])
    assert ps.sites["region"].iloc[r.assignment[border]] == "6298"
    mine, theirs = region_part(ps, "6298"), region_part(ps, "6299")
    assert BORDER_VILLAGE in set(mine.net.settlements["village_code"])
    assert BORDER_VILLAGE not in set(theirs.net.settlements["village_code"])
    assert len(mine.net.settlements) + len(theirs.net.settlements) == 9
    k = list(mine.net.settlements["village_code"]).index(BORDER_VILLAGE)
    assert mine.siting.assignment[k] == 0 and len(mine.sites) == 1
    assert (mine.net.arcs["site"] == 0).all() and len(mine.net.arcs) >= 5


def test_alone_the_border_village_is_lost(sited: tuple[Scenario, ProvinceSiting]) -> None:
    scenario, ps = sited
    comparison = decomposed_siting(scenario, ps, two_prefecture_tasks(scenario))
    rows = {row["code"]: row for row in comparison["regions"]}
    assert rows["6299"]["covered_supply_t"] == pytest.approx(40.0, abs=0.01)  # not B1
    assert rows["6298"]["covered_supply_t"] == pytest.approx(40.0, abs=0.01)
    assert comparison["covered_supply_t"] == pytest.approx(80.0, abs=0.02)
    # the lost 10 t cost 3 x (T + 1) s per tonne: far above any trip, so the province
    # plan beats every decomposed plan, proven by the decomposed bound
    assert comparison["province_below_decomposed_bound"] is True
    assert comparison["objective"] > comparison["bound"] - 1e-6
    assert comparison["objective"] - comparison["province_objective"] \
        > 10 * 3 * ps.longest_arc_s - 10 * 7200


def test_objective_recomputes_from_the_plan(sited: tuple[Scenario, ProvinceSiting]) -> None:
    scenario, ps = sited
    r = ps.result
    times = np.where(r.assignment >= 0, r.access_time_s, -1)
    assert float(province_objective(ps, times).sum()) == pytest.approx(r.objective)
    meta = siting_meta(ps, None)
    assert meta["scope"] == "province" and meta["decomposed"] is None
    assert meta["cross_border"]["villages"] == 1
    assert meta["cross_border"]["supply_t"] == pytest.approx(10.0, abs=0.01)
    assert meta["regions"]["6299"]["villages_served_across_border"] == 1
    assert sum(v["objective"] for v in meta["regions"].values()) == pytest.approx(r.objective)
    assert meta["gap_pct"] <= 1.0


def test_prefecture_bands_bind_the_one_problem() -> None:
    scenario = _scenario(store_quota="prefecture", store_quota_tolerance_pct=0.0)
    tasks = [dataclasses.replace(t, share=dataclasses.replace(t.share, stores=2))
             if t.code == "6299" else t for t in two_prefecture_tasks(scenario)]
    ps = site_province(scenario, two_prefecture_province(), tasks)
    assert ps.quota["bands"] == {"6299": {"min": 2, "max": 2}, "6298": {"min": 1, "max": 1}}
    assert sorted(ps.sites.iloc[ps.result.open_sites]["region"]) == ["6298", "6299", "6299"]


def test_quota_keys_are_checked() -> None:
    both = _scenario(store_quota="prefecture", county_min_stores=1)
    assert any("cannot be combined with county quotas" in p for p in province_problems(both))
    with pytest.raises(SpecificationError, match="store_quota_tolerance_pct = 150"):
        _scenario(store_quota_tolerance_pct=150.0)  # the scenario's own range (0-100 %)
