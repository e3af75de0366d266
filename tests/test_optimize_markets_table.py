"""Default markets: §7's hubs at the places their sources name, county seats, partners."""

from __future__ import annotations

import pytest
from shapely.geometry import Point

from geodata.boundaries import load_province
from optimize.crops import CROPS
from optimize.markets.table import (
    NAMED_MARKETS,
    PARTNERS,
    Market,
    default_markets,
    markets_geojson,
)


@pytest.fixture(scope="module")
def markets() -> list[Market]:
    return default_markets()


def test_named_county_and_partner_markets(markets: list[Market]) -> None:
    ids = [m.market_id for m in markets]
    assert len(ids) == len(set(ids)) == len(NAMED_MARKETS) + 88 + len(PARTNERS)
    by_id = {m.market_id: m for m in markets}
    # the plateau-vegetable centre sits at 榆中县定远镇's township point (amap 2016)
    centre = by_id["M:lanzhou_plateau_veg"]
    assert (centre.lon, centre.lat) == (104.005306, 35.963024)
    assert "定远镇" in centre.assumptions[-1] and "xinxilanzhou" in centre.source
    # 伯阳镇 (麦积区) at its township, 岷县's market at the county seat 岷阳镇
    assert (by_id["M:maiji_boyang"].lon, by_id["M:maiji_boyang"].lat) == (106.054354, 34.53042)
    assert "岷阳镇" in by_id["M:minxian_herbs"].assumptions[-1]
    assert by_id["C:622901"].crops == tuple(CROPS)
    assert by_id["P:qingdao"].kind == "long_haul" and by_id["P:qingdao"].serves("621202")
    assert not by_id["P:qingdao"].serves("622901")


def test_every_market_is_flagged_and_wholesale_ones_lie_in_gansu(markets: list[Market]) -> None:
    gansu = load_province().geometry.iloc[0]
    wholesale = [m for m in markets if m.kind == "wholesale"]
    assert wholesale
    assert all(gansu.covers(Point(m.lon, m.lat)) for m in wholesale)
    assert all(m.approximate_location and m.assumptions for m in markets)
    assert all(set(m.crops) <= set(CROPS) for m in markets)
    partners = [m for m in markets if m.kind == "long_haul"]
    assert len(partners) == 4
    assert not any(gansu.covers(Point(m.lon, m.lat)) for m in partners)


def test_a_region_keeps_its_county_markets_and_every_hub(markets: list[Market]) -> None:
    linxia = default_markets(region_code="6229")
    counties = [m for m in linxia if m.market_id.startswith("C:")]
    assert len(counties) == 8 and all(m.market_id.startswith("C:6229") for m in counties)
    assert len(linxia) == len(NAMED_MARKETS) + 8 + len(PARTNERS)
    assert linxia[0].to_mapping()["kind"] == "wholesale"


def test_markets_layer_has_one_point_per_market(markets: list[Market]) -> None:
    layer = markets_geojson(markets)
    assert len(layer["features"]) == len(markets)
    first = layer["features"][0]
    assert first["geometry"]["coordinates"] == [markets[0].lon, markets[0].lat]
    assert first["properties"]["market_id"] == markets[0].market_id
    assert first["properties"]["approximate_location"] is True
