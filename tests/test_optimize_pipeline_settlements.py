"""Supply, candidate sites, site rules and county quotas, through small real plans."""

from __future__ import annotations

from pathlib import Path

import pytest

from geodata.datasets import load_census
from geodata.errors import DataError
from optimize.errors import SpecificationError
from optimize.pipeline.region import regional_share
from optimize.pipeline.regional import build_plan
from optimize.pipeline.settlements import candidate_sites
from optimize.plan.verify import verify_plan
from optimize.scenario import Scenario


@pytest.fixture
def plan(guanghe_plan):  # type: ignore[no-untyped-def]
    """The 广河县 plan built once per session (``tests/conftest.py``)."""
    return guanghe_plan


@pytest.mark.slow
def test_candidate_slots_grow_when_stores_outnumber_townships(plan) -> None:  # type: ignore[no-untyped-def]
    villages = plan.settlements.rename(columns={"settlement_id": "village_code",
                                                "name": "village_name"})
    villages["township_code"] = villages["township_name"]
    per_town = villages.groupby("township_code").size()
    assert len(candidate_sites(villages, 1)) == len(per_town)  # one slot per township
    # twice as many stores as townships: two slots each, fewer where a township is smaller
    assert len(candidate_sites(villages, 2 * len(per_town))) == int(per_town.clip(upper=2).sum())


@pytest.mark.slow
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


@pytest.mark.slow
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


@pytest.mark.slow
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
