"""The whole pipeline on a real county (广河县, 622924): real data, short solver limits.

The plan is checked independently by ``verify_plan``; the apportioned numbers are
recomputed here from the census.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from geodata.datasets import load_census
from geodata.errors import DataError
from optimize.apportion import largest_remainder
from optimize.errors import SpecificationError
from optimize.pipeline import build_plan, candidate_sites, regional_share
from optimize.plan import load_plan, save_plan
from optimize.scenario import Scenario
from optimize.verify import verify_plan

GUANGHE = Scenario(name="广河县 test", region_code="622924", siting_time_limit_s=10.0,
                   routing_time_limit_s=0.5)


@pytest.fixture(scope="module")
def plan():  # type: ignore[no-untyped-def]
    stages: list[tuple[str, float]] = []
    p = build_plan(GUANGHE, plan_id="guanghe", progress=lambda s, f: stages.append((s, f)))
    fractions = [f for _, f in stages]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    return p


def test_numbers_follow_the_apportioning_rule() -> None:
    census = load_census()
    counties = census[census["level"].isin(["county", "prefecture_and_county"])]
    weights = dict(zip(counties["adcode"], counties["pop_rural"].astype(float), strict=True))
    share = regional_share(GUANGHE, census)
    assert share.stores == largest_remainder(weights, 893)["622924"]
    assert share.trucks == largest_remainder(weights, 720)["622924"]
    assert share.stores > 0 and "largest remainder" in share.rule


def test_plan_checks_out_independently(plan) -> None:  # type: ignore[no-untyped-def]
    assert verify_plan(plan) == []
    k = plan.kpis
    assert k["stores"] == regional_share(GUANGHE, load_census()).stores
    assert k["settlements"] == len(plan.settlements) > 50
    assert 0 < k["coverage_pct"] <= 100
    assert k["subsidy_yuan"] <= k["budget_yuan"]
    assert k["access_time_max_s"] <= GUANGHE.access_limit_s
    assert k["trucks_used"] <= k["trucks"]
    assert plan.meta["solver"]["siting"]["gap_pct"] >= 0


def test_approximations_are_flagged(plan) -> None:  # type: ignore[no-untyped-def]
    assert plan.meta["road_network"]["approximate"] is True
    text = " ".join(plan.meta["approximations"])
    assert "approximate" in text and "township centre" in text and "estimate" in text
    assert all(plan.routes["approximate_geometry"])
    assert any("truck_capacity_t" in a for a in plan.meta["assumptions"])


def test_unserved_items_carry_reasons(plan) -> None:  # type: ignore[no-untyped-def]
    assert all(u["reason"] for u in plan.meta["unserved"])
    settle = plan.settlements
    siting_unserved = {u["settlement_id"] for u in plan.meta["unserved"]
                       if u["stage"] == "siting"}
    assert siting_unserved == set(settle.loc[settle["store_id"].isna(), "settlement_id"])
    # every served village with produce is either on a truck's route or listed with why not
    routed = {s["settlement_id"] for r in plan.meta["routes"] for s in r["stops"]}
    routing_unserved = {u["settlement_id"] for u in plan.meta["unserved"]
                        if u["stage"] == "routing"}
    served = settle[settle["store_id"].notna() & (settle["supply_t"] > 0)]
    assert routed | routing_unserved == set(served["settlement_id"])
    assert routing_unserved  # 广河's trucks cannot collect everything: the list is not empty


def test_layers_round_trip(plan, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    save_plan(plan, tmp_path / "p")
    back = load_plan(tmp_path / "p")
    assert verify_plan(back) == []
    assert len(back.counties) == 1 and back.counties["county_code"].iloc[0] == "622924"
    assert len(back.stores) == plan.kpis["stores"]


def test_same_scenario_same_plan(plan) -> None:  # type: ignore[no-untyped-def]
    again = build_plan(GUANGHE, plan_id="guanghe")
    assert list(again.stores["site_settlement_id"]) == list(plan.stores["site_settlement_id"])
    assert list(again.settlements["store_id"]) == list(plan.settlements["store_id"])
    assert again.kpis["route_distance_m"] == plan.kpis["route_distance_m"]


def test_candidate_slots_grow_when_stores_outnumber_townships(plan) -> None:  # type: ignore[no-untyped-def]
    villages = plan.settlements.rename(columns={"settlement_id": "village_code",
                                                "name": "village_name"})
    villages["township_code"] = villages["township_name"]
    per_town = villages.groupby("township_code").size()
    assert len(candidate_sites(villages, 1)) == len(per_town)  # one slot per township
    # twice as many stores as townships: two slots each, fewer where a township is smaller
    assert len(candidate_sites(villages, 2 * len(per_town))) == int(per_town.clip(upper=2).sum())


def test_unknown_region_is_named() -> None:
    with pytest.raises(DataError, match="629999"):
        build_plan(Scenario(region_code="629999"))


def _hand_made_osm(path: Path) -> Path:
    """A hand-made OSM XML road network for 广河县 (NOT real OSM data): a chain of
    secondary roads through the county's real township points, west to east, plus one
    footway that must be ignored, and two village place nodes 0.01 deg north of their
    township points. It exercises the OSM path of the pipeline."""
    from geodata.places import load_villages

    villages = load_villages(region_code="622924")
    towns = villages.drop_duplicates("township_code")
    points = sorted({(round(p.x, 6), round(p.y, 6)) for p in towns.geometry})
    nodes = "".join(f'<node id="{i + 1}" lat="{y}" lon="{x}"/>' for i, (x, y) in
                    enumerate(points))
    for k, name in enumerate(("石那奴村委会", "马家村委会")):
        at = villages.geometry[villages["village_name"] == name].iloc[0]
        nodes += (f'<node id="{900 + k}" lat="{at.y + 0.01}" lon="{at.x}">'
                  f'<tag k="place" v="village"/><tag k="name" v="{name[:-3]}村"/></node>')
    chain = "".join(f'<nd ref="{i + 1}"/>' for i in range(len(points)))
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?><osm version="0.6">' + nodes
        + f'<way id="1">{chain}<tag k="highway" v="secondary"/></way>'
        + '<way id="2"><nd ref="1"/><nd ref="2"/><tag k="highway" v="footway"/></way>'
        + "</osm>", encoding="utf-8")
    return path


def test_plan_on_an_osm_file(tmp_path: Path) -> None:
    osm = _hand_made_osm(tmp_path / "guanghe-hand-made.osm")
    p = build_plan(GUANGHE, osm_path=osm, plan_id="guanghe-osm")
    assert verify_plan(p) == []
    road = p.meta["road_network"]
    assert road["approximate"] is False and road["source"].startswith("osm:")
    assert road["off_network_settlements"] == 0  # within 5 km of a road node
    placed = p.settlements[p.settlements["location_method"] == "osm_place"]
    assert sorted(placed["name"]) == ["石那奴村委会", "马家村委会"]
    assert any(a.startswith("2 villages are at their OSM place node") for a in
               p.meta["approximations"])
    assert not any("Road network is approximate" in a for a in p.meta["approximations"])
    assert any(a["attribution"] == "© OpenStreetMap contributors" for a in p.meta["attributions"])
    assert not any(p.routes["approximate_geometry"])
    # on a chain of 60 km/h roads times differ from the 40 km/h approximate network
    assert p.kpis["access_time_mean_s"] > 0


def test_supply_from_a_user_table(tmp_path: Path) -> None:
    from geodata.places import load_villages

    villages = load_villages(region_code="622924")
    rural = sorted(villages.loc[villages["is_village"], "village_code"])
    (tmp_path / "supply.csv").write_text(
        "settlement_id,supply_t\n" + f"{rural[0]},120.5\n{rural[1]},30\n", encoding="utf-8")
    (tmp_path / "s.toml").write_text(
        'region_code = "622924"\nsupply_file = "supply.csv"\nsiting_time_limit_s = 5.0\n'
        "routing_time_limit_s = 0.2\n", encoding="utf-8")
    p = build_plan(Scenario.from_toml(tmp_path / "s.toml"))
    assert verify_plan(p) == []
    assert p.kpis["supply_t"] == pytest.approx(150.5)
    assert not any(a.startswith("Supply is an estimate") for a in p.meta["approximations"])
    (tmp_path / "supply.csv").write_text("settlement_id,supply_t\n620102001001,1\n",
                                         encoding="utf-8")
    with pytest.raises(DataError, match="620102001001"):
        build_plan(Scenario.from_toml(tmp_path / "s.toml"))


def test_required_and_excluded_sites_from_a_table(plan, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    opened = list(plan.stores["site_settlement_id"])
    rural = sorted(plan.settlements["settlement_id"])
    must = next(v for v in rural if v not in opened)  # a village the plain plan skipped
    (tmp_path / "sites.csv").write_text(
        f"settlement_id,status\n{must},required\n{opened[0]},excluded\n", encoding="utf-8")
    (tmp_path / "s.toml").write_text(
        'region_code = "622924"\nsites_file = "sites.csv"\nsiting_time_limit_s = 10.0\n'
        "routing_time_limit_s = 0.5\n", encoding="utf-8")
    p = build_plan(Scenario.from_toml(tmp_path / "s.toml"))
    assert verify_plan(p) == []
    sites = list(p.stores["site_settlement_id"])
    assert must in sites and opened[0] not in sites
    assert p.stores.loc[p.stores["site_settlement_id"] == must, "required_site"].item()
    assert len(sites) == len(opened)


def test_county_quotas_hold_in_a_real_prefecture() -> None:
    # 酒泉市 (6209), 7 counties: a plain plan leaves 阿克塞 (620924) without a store and puts
    # 7 in 肃州区 (620902); a floor of one store per county and a cap of 5 there change both
    quota = Scenario(region_code="6209", siting_time_limit_s=5.0, routing_time_limit_s=0.2,
                     siting_engine="cpsat", county_min_stores=1,
                     county_stores=(("620902", 0, 5),))
    plan = build_plan(quota)
    per_county = plan.stores["county_code"].value_counts()
    assert set(per_county.index) == set(plan.settlements["county_code"])  # all 7 counties
    assert per_county["620902"] <= 5
    assert len(plan.stores) == regional_share(quota, load_census()).stores
    binding = " ".join(plan.meta["solver"]["siting"]["binding"])
    assert "阿克塞哈萨克族自治县 620924" in binding
    assert verify_plan(plan) == []
    with pytest.raises(SpecificationError, match="'620102': not a county of region 6209"):
        build_plan(Scenario(region_code="6209", county_stores=(("620102", 1, None),)))
