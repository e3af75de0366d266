"""The whole-province plan end to end: one siting problem, Dask routing, merge, the page.

The real runs use the two smallest prefectures, 6202 嘉峪关市 (10 rural villages, 1 store,
1 truck by the province rule) and 6203 金昌市 (116 rural villages, 8 stores, 6 trucks), on
a real local Dask cluster, with short solver budgets.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from app import create_app
from optimize.pipeline.entry import plan_for
from optimize.pipeline.province.plan import plan_province
from optimize.pipeline.province_spread import SPREAD_RULE
from optimize.plan.io import Plan, load_plan, save_plan
from optimize.plan.verify import verify_plan
from optimize.scenario import Scenario
from tests.conftest import login

SMALL = ["6202", "6203"]


def _scenario(**kw: object) -> Scenario:
    return Scenario.from_mapping({"name": "Gansu test", "region_code": "62",
                                  "siting_time_limit_s": 10.0, "routing_time_limit_s": 0.3,
                                  **kw})


@pytest.fixture(scope="module")
def two_workers() -> Plan:
    return plan_province(_scenario(), regions=SMALL, n_workers=2, plan_id="gansu-small")


@pytest.mark.slow
def test_two_workers_and_one_give_the_same_plan(two_workers: Plan) -> None:
    one = plan_province(_scenario(), regions=SMALL, n_workers=1, plan_id="gansu-small")
    assert one.kpis == two_workers.kpis
    for layer in ("settlements", "stores"):
        a, b = getattr(one, layer), getattr(two_workers, layer)
        pd.testing.assert_frame_equal(a.drop(columns="geometry"), b.drop(columns="geometry"))
    assert [r["route_id"] for r in one.meta["routes"]] == \
        [r["route_id"] for r in two_workers.meta["routes"]]


@pytest.mark.slow
def test_small_province_plan_has_the_apportioned_figures(two_workers: Plan) -> None:
    k = two_workers.kpis
    assert k["settlements"] == 10 + 116 and k["stores"] == 1 + 8 and k["trucks"] == 1 + 6
    regions = {r["code"]: r for r in two_workers.meta["regions"]}
    assert sorted(regions) == SMALL
    assert (regions["6202"]["store_share"], regions["6202"]["trucks"]) == (1, 1)
    assert (regions["6203"]["store_share"], regions["6203"]["trucks"]) == (8, 6)
    assert regions["6202"]["stores"] + regions["6203"]["stores"] == 9  # placed by the solve
    assert k["budget_yuan"] == pytest.approx(regions["6202"]["budget_yuan"]
                                             + regions["6203"]["budget_yuan"])
    stores = two_workers.stores["store_id"]
    assert stores.is_unique and set(stores.str[:4]) == set(SMALL)
    assert two_workers.routes["route_id"].is_unique
    assert verify_plan(two_workers) == []
    siting = two_workers.meta["solver"]["siting"]
    assert siting["scope"] == "province" and siting["quota"]["policy"] == "none"
    assert siting["objective"] == pytest.approx(sum(r["siting"]["objective"]
                                                    for r in regions.values()))
    # the documented formula recomputes the objective from the settlements layer
    assert siting["objective_recomputed"] == pytest.approx(siting["objective"])
    assert siting["bound"] <= siting["objective"] + 1e-6
    decomposed = siting["decomposed"]
    assert [r["code"] for r in decomposed["regions"]] == ["6203", "6202"]
    assert decomposed["objective"] >= siting["bound"] - 1e-6  # a decomposed plan is a plan
    assert "border_repair" not in two_workers.meta
    assert two_workers.meta["decomposition"]["wall_clock_caps_fired"] == []


@pytest.mark.slow
def test_merged_plan_page_renders(two_workers: Plan, tmp_path: Path,
                                  stub_vendor_dir: Path) -> None:
    save_plan(two_workers, tmp_path / "plans" / "gansu-small")
    assert verify_plan(load_plan(tmp_path / "plans" / "gansu-small")) == []
    app = create_app({"TESTING": True, "PLANS_DIR": str(tmp_path / "plans"),
                      "VENDOR_DIR": str(stub_vendor_dir),
                      "INSTANCE_DIR": str(tmp_path / "instance")})
    client = login(app.test_client())
    response = client.get("/plans/gansu-small")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "金川区" in html and "6203-S001" in html
    assert "Seasons and the shared fleet" in html and "season-moves" in html
    # each prefecture's cell says how much of its produce the fleet collects
    assert "收集 collected" in html and html.count('class="collected"') == len(
        two_workers.meta["seasons"]["fleet"])
    assert client.get("/api/plans/gansu-small").status_code == 200


@pytest.mark.slow
def test_existing_scheduler_runs_the_plan() -> None:
    from dask.distributed import LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=1, dashboard_address=":0") as cluster:
        plan = plan_province(_scenario(), regions=["6202"],
                             scheduler=cluster.scheduler_address)
    assert (plan.kpis["settlements"], plan.kpis["stores"], plan.kpis["trucks"]) == (10, 1, 1)
    assert list(plan.stores["store_id"]) == ["6202-S001"]


def _jiayuguan_osm(path: Path) -> Path:
    """A hand-made OSM file for 6202 嘉峪关市 (NOT real OSM data): a chain of secondary
    roads through its real township points and one village mapped as a place node."""
    from geodata.places import load_villages

    villages = load_villages(region_code="6202")
    rural = villages[villages["is_village"]]
    points = sorted({(round(q.x, 6), round(q.y, 6)) for q in
                     villages.drop_duplicates("township_code").geometry})
    nodes = "".join(f'<node id="{i + 1}" lat="{y}" lon="{x}"/>' for i, (x, y) in
                    enumerate(points))
    first = rural.iloc[0]
    nodes += (f'<node id="900" lat="{first.geometry.y + 0.01}" lon="{first.geometry.x}">'
              f'<tag k="place" v="village"/><tag k="name" v="{first.village_name}"/></node>')
    chain = "".join(f'<nd ref="{i + 1}"/>' for i in range(len(points)))
    path.write_text('<?xml version="1.0" encoding="UTF-8"?><osm version="0.6">' + nodes
                    + f'<way id="1">{chain}<tag k="highway" v="secondary"/></way></osm>',
                    encoding="utf-8")
    return path


@pytest.mark.slow
def test_province_regions_read_an_osm_extract(tmp_path: Path) -> None:
    osm = _jiayuguan_osm(tmp_path / "jiayuguan-hand-made.osm")
    plan = plan_province(_scenario(), regions=["6202"], n_workers=1, osm_path=osm)
    assert plan.meta["road_network"]["approximate"] is False
    assert plan.meta["road_network"]["source"].startswith("osm:")
    placed = plan.settlements[plan.settlements["location_method"] == "osm_place"]
    assert len(placed) == 1
    assert verify_plan(plan) == []


@pytest.mark.slow
def test_seasons_share_one_fleet(two_workers: Plan) -> None:
    seasons = two_workers.meta["seasons"]
    names = [s["name"] for s in seasons["seasons"]]
    assert len(names) >= 3 and seasons["routed_season"] in names
    assert set(seasons["trucks_by_season"].values()) == {1 + 6}  # every season, all 7 trucks
    # the fleet of the routed season is where the province's packing based its trucks
    # (across the border if that carries more), adding up to the fleet
    routed = {c["region"]: c["trucks"] for c in seasons["fleet"]
              if c["season"] == seasons["routed_season"]}
    head = [t for t in two_workers.meta["trucks"] if t["season"] == seasons["routed_season"]]
    based = {}
    for t in head:
        based[t["base_id"][:4]] = based.get(t["base_id"][:4], 0) + 1
    assert {r: n for r, n in routed.items() if n} == based and sum(based.values()) == 7
    assert two_workers.kpis["trucks"] == 7
    # moves turn one season's allocation into the next one's (wrapping to the first)
    trucks = {(c["season"], c["region"]): c["trucks"] for c in seasons["fleet"]}
    for a, b in zip(names, names[1:] + names[:1], strict=True):
        for region in ("6202", "6203"):
            net = sum(m["trucks"] for m in seasons["moves"] if m["from_season"] == a
                      and m["to_season"] == b and m["destination"] == region) - sum(
                m["trucks"] for m in seasons["moves"] if m["from_season"] == a
                and m["to_season"] == b and m["origin"] == region)
            assert trucks.get((b, region), 0) - trucks.get((a, region), 0) == net
    assert any("Routes cover every season of the calendar" in a for a in
               two_workers.meta["approximations"])
    # the seasons' assumption is one sentence of the list, not one entry per character
    assumptions = two_workers.meta["assumptions"]
    assert assumptions and all(len(a) > 1 for a in assumptions)


@pytest.mark.slow
def test_plan_for_picks_the_province_by_its_code() -> None:
    plan = plan_for(_scenario(), regions=["6202"], workers=1, plan_id="gansu-6202")
    assert plan.meta["region"]["level"] == "province"
    assert list(plan.stores["store_id"]) == ["6202-S001"]
    assert verify_plan(plan) == []


def test_province_seasons_carry_the_fleet_bound(two_workers: Plan) -> None:
    # every routed season states the proven bound of the province's fleet, recomputable
    # from its items; the plan's own collection stays under it
    seasons = two_workers.meta["seasons"]["seasons"]
    assert seasons
    for s in seasons:
        k = s["kpis"]
        bound = k["fleet_bound"]
        assert bound["items"] and bound["hours_s"] == k["trucks"] * bound["shift_s"]
        assert k["daily_pickup_routed_t"] <= k["collectable_upper_t"] + 1e-6
        assert sum(q for _, q, _, _ in bound["items"]) == pytest.approx(
            k["daily_truck_needed_t"], abs=0.01)
    assert verify_plan(two_workers) == []


def test_season_table_says_what_each_prefecture_collects(two_workers: Plan) -> None:
    """Each (season, prefecture) cell carries the tonnes collected in its villages and those
    needing a truck, adding up to the season's kpis; ``need`` is the proven bound for the
    target there, not the trucks the packing based there ("need met" hid the gap)."""
    seasons = two_workers.meta["seasons"]
    assert seasons["rule"] == SPREAD_RULE
    for s in seasons["seasons"]:
        cells = [c for c in seasons["fleet"] if c["season"] == s["name"]]
        assert cells and all("need met" not in c["reason"] for c in cells)
        k = s["kpis"]
        assert sum(c["collected_t"] for c in cells) == pytest.approx(
            k["daily_pickup_routed_t"], abs=0.01)
        assert sum(c["needed_t"] for c in cells) == pytest.approx(
            k["daily_truck_needed_t"], abs=0.01)
        assert sum(c["trucks"] for c in cells) == k["trucks"]
        # the province's bound needs no more trucks than the prefectures' bounds together
        assert k["trucks_for_target_lower"] <= sum(c["need"] for c in cells)
    assert verify_plan(two_workers) == []
