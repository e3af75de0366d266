"""The whole-province plan: Dask solves, merge, border repair, CLI errors, the page.

The real runs use the two smallest prefectures, 6202 嘉峪关市 (10 rural villages, 1 store,
1 truck by the province rule) and 6203 金昌市 (116 rural villages, 8 stores, 6 trucks), on
a real local Dask cluster, with short solver budgets.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point, box

from app import create_app
from app.cli import main
from optimize.errors import SpecificationError
from optimize.pipeline import Share
from optimize.plan import Plan, load_plan, save_plan
from optimize.province import (
    RegionResult,
    merge_plans,
    plan_province,
    reassign_across_borders,
    region_tasks,
)
from optimize.scenario import Scenario
from optimize.verify import verify_plan
from tests.conftest import login

SMALL = ["6202", "6203"]


def _scenario(**kw: object) -> Scenario:
    return Scenario.from_mapping({"name": "Gansu test", "region_code": "62",
                                  "siting_time_limit_s": 10.0, "routing_time_limit_s": 0.3,
                                  **kw})


@pytest.fixture(scope="module")
def two_workers() -> Plan:
    return plan_province(_scenario(), regions=SMALL, n_workers=2, plan_id="gansu-small")


def test_two_workers_and_one_give_the_same_plan(two_workers: Plan) -> None:
    one = plan_province(_scenario(), regions=SMALL, n_workers=1, plan_id="gansu-small")
    assert one.kpis == two_workers.kpis
    for layer in ("settlements", "stores"):
        a, b = getattr(one, layer), getattr(two_workers, layer)
        pd.testing.assert_frame_equal(a.drop(columns="geometry"), b.drop(columns="geometry"))
    assert [r["route_id"] for r in one.meta["routes"]] == \
        [r["route_id"] for r in two_workers.meta["routes"]]


def test_small_province_plan_has_the_apportioned_figures(two_workers: Plan) -> None:
    k = two_workers.kpis
    assert k["settlements"] == 10 + 116 and k["stores"] == 1 + 8 and k["trucks"] == 1 + 6
    regions = {r["code"]: r for r in two_workers.meta["regions"]}
    assert sorted(regions) == SMALL
    assert (regions["6202"]["stores"], regions["6202"]["trucks"]) == (1, 1)
    assert (regions["6203"]["stores"], regions["6203"]["trucks"]) == (8, 6)
    assert k["budget_yuan"] == pytest.approx(regions["6202"]["budget_yuan"]
                                             + regions["6203"]["budget_yuan"])
    stores = two_workers.stores["store_id"]
    assert stores.is_unique and set(stores.str[:4]) == set(SMALL)
    assert two_workers.routes["route_id"].is_unique
    assert verify_plan(two_workers) == []
    siting = two_workers.meta["solver"]["siting"]
    assert siting["objective"] == pytest.approx(sum(r["siting"]["objective"]
                                                    for r in regions.values()))
    assert "decomposed problem" in siting["note"]
    assert two_workers.meta["border_repair"]["moved"] == 0  # the two do not touch
    assert two_workers.meta["decomposition"]["wall_clock_caps_fired"] == []


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
    assert client.get("/api/plans/gansu-small").status_code == 200


# -- merge on hand-made plans -----------------------------------------------------------
def _region_plan(code: str, villages: list[tuple[str, float, str | None, int | None]],
                 *, objective: float, bound: float) -> RegionResult:
    """A regional plan with one county ``{code}01``, one 300 t store ``S001`` and one trip."""
    county = f"{code}01"
    settle = gpd.GeoDataFrame({
        "settlement_id": [v[0] for v in villages], "name": [v[0] for v in villages],
        "township_name": "t", "county_code": county, "county_name": f"county {code}",
        "poor": False, "supply_t": [v[1] for v in villages],
        "store_id": [v[2] for v in villages],
        "access_time_s": pd.array([v[3] for v in villages], dtype="Int64"),
        "location_method": "township_centre", "snap_m": 0.0,
        "unserved_reason": [None if v[2] else "no store within the access limit"
                            for v in villages],
    }, geometry=[Point(100, 36)] * len(villages), crs=4326)
    stores = gpd.GeoDataFrame({
        "store_id": ["S001"], "name": ["s"], "site_settlement_id": [villages[0][0]],
        "county_code": [county], "county_name": [f"county {code}"], "tier": ["300 t"],
        "capacity_t": [300.0], "build_cost_yuan": [450_000.0], "subsidy_yuan": [315_000.0],
        "load_t": [sum(v[1] for v in villages if v[2])], "settlements_served":
        [sum(1 for v in villages if v[2])], "trucks": [1], "required_site": [False],
        "colour": ["#1f77b4"]}, geometry=[Point(100, 36)], crs=4326)
    route = {"route_id": "T001-1", "truck_id": "T001", "store_id": "S001", "trip": 1,
             "stops_count": 1, "load_t": 1.0, "distance_m": 1000, "duration_s": 600,
             "start_s": 0, "store_arrival_s": 500, "end_s": 600, "max_age_s": 500,
             "colour": "#1f77b4", "approximate_geometry": True}
    routes = gpd.GeoDataFrame([route], geometry=[Point(100, 36).buffer(0.01).exterior],
                              crs=4326)
    counties = gpd.GeoDataFrame({"county_code": [county], "county_name": [f"county {code}"]},
                                geometry=[box(100, 36, 101, 37)], crs=4326)
    scenario = _scenario()
    meta = {
        "scenario": scenario.describe(), "approximations": ["approximate roads"],
        "assumptions": [], "attributions": [{"dataset": "d", "attribution": "a",
                                              "license": "l"}],
        "road_network": {"source": "approximate", "approximate": True, "nodes": 3,
                         "edges": 4, "note": "approx"},
        "region": {"code": code},
        "kpis": {"coverage_pct": 50.0},
        "routes": [{**route, "stops": [{"settlement_id": villages[0][0], "name": "v",
                                        "arrival_s": 100, "pickup_t": 1.0,
                                        "load_after_t": 1.0}]}],
        "unserved": [{"settlement_id": v[0], "name": v[0], "county_code": county,
                      "stage": "siting", "reason": "no store within the access limit"}
                     for v in villages if not v[2]],
        "solver": {"siting": {"status": "OPTIMAL", "objective": objective, "bound": bound,
                              "gap_pct": 0.0, "time_s": 1.0, "binding": ["store count (=1)"]},
                   "routing": {"status": "success", "time_s": 0.5}},
    }
    share = Share(1, 1, 400_000.0, "rule")
    return RegionResult(code, f"pref {code}", len(villages), share,
                        Plan(meta, counties, settle, stores, routes), 2.0)


def test_merge_prefixes_ids_and_sums_exactly() -> None:
    a = _region_plan("6202", [("620201001001", 100.0, "S001", 600),
                              ("620201001002", 50.0, None, None)], objective=80.0, bound=60.0)
    b = _region_plan("6203", [("620301001001", 120.0, "S001", 0)], objective=20.0, bound=20.0)
    plan = merge_plans(_scenario(), [a, b], plan_id="m")
    assert list(plan.stores["store_id"]) == ["6202-S001", "6203-S001"]
    assert list(plan.routes["route_id"]) == ["6202-T001-1", "6203-T001-1"]
    assert list(plan.settlements["store_id"]) == ["6202-S001", None, "6203-S001"]
    k = plan.kpis
    assert (k["settlements"], k["settlements_served"], k["stores"]) == (3, 2, 2)
    assert (k["supply_t"], k["supply_covered_t"]) == (270.0, 220.0)
    assert (k["trucks"], k["budget_yuan"], k["subsidy_yuan"]) == (2, 800_000.0, 630_000.0)
    assert k["truck_trips"] == 2 and k["trucks_used"] == 2
    siting = plan.meta["solver"]["siting"]
    assert (siting["objective"], siting["bound"]) == (100.0, 80.0)
    assert siting["gap_pct"] == pytest.approx(20.0)
    assert plan.meta["unserved"][0]["settlement_id"] == "620201001002"
    assert plan.meta["routes"][1]["store_id"] == "6203-S001"
    assert len(plan.meta["attributions"]) == 1 and len(plan.meta["regions"]) == 2
    assert plan.counties["covered_t"].tolist() == [100.0, 120.0]


def test_merge_rejects_a_village_in_two_regions() -> None:
    a = _region_plan("6202", [("620201001001", 1.0, "S001", 0)], objective=1, bound=1)
    b = _region_plan("6203", [("620201001001", 1.0, "S001", 0)], objective=1, bound=1)
    with pytest.raises(SpecificationError, match="620201001001"):
        merge_plans(_scenario(), [a, b])


# -- border repair on a hand-checkable case ---------------------------------------------
def test_border_repair_moves_only_what_qualifies() -> None:
    unserved = "no store within the access limit"
    settle = pd.DataFrame({
        "settlement_id": list("ABCDEFGH"),
        "county_code": ["620201"] * 8,
        "supply_t": [40.0, 30.0, 10.0, 60.0, 5.0, 20.0, 10.0, 5.0],
        "store_id": [None, "6202-S001", "6202-S001", None, None, None, None, "6202-S001"],
        "access_time_s": pd.array([None, 5000, 5000, None, None, None, None, 6000],
                                  dtype="Int64"),
        "unserved_reason": [unserved, None, None, unserved,
                            "off the road network: 9.0 km from the nearest road node",
                            unserved, unserved, None],
    })
    stores = pd.DataFrame({"store_id": ["6202-S001", "6203-S001", "6203-S002"],
                           "county_code": ["620201", "620301", "620302"],
                           "capacity_t": [300.0, 200.0, 100.0],
                           "load_t": [240.0, 70.0, 70.0]})  # spare 60, 130, 30 t
    times = pd.DataFrame([
        ("A", "6203-S001", 3000), ("B", "6202-S001", 5000), ("B", "6203-S001", 4000),
        ("C", "6202-S001", 5000), ("C", "6203-S001", 4700), ("D", "6203-S001", 3500),
        ("E", "6203-S001", 100), ("F", "6202-S001", 1000), ("F", "6203-S002", 2000),
        ("G", "6203-S001", 6000), ("H", "6203-S002", 3000)],
        columns=["settlement_id", "store_id", "time_s"])
    moves = reassign_across_borders(settle, stores, times, limit_s=7200)
    got = [(m.settlement_id, m.from_store, m.to_store, m.time_after_s) for m in moves]
    # Unserved first, largest supply first: D (60 t) and A (40 t) fill 6203-S001 from 130 to
    # 30 t spare; F skips its own prefecture's store for 6203-S002 (30 -> 10 t); G takes
    # 10 t more of 6203-S001 (-> 20 t). Then served villages by saving: H saves 3,000 s
    # and fits 6203-S002; B saves 1,000 s but 30 t no longer fit; C saves only 300 s
    # (< 600); E is off the network.
    assert got == [("D", None, "6203-S001", 3500), ("A", None, "6203-S001", 3000),
                   ("F", None, "6203-S002", 2000), ("G", None, "6203-S001", 6000),
                   ("H", "6202-S001", "6203-S002", 3000)]
    assert reassign_across_borders(settle, stores, times, limit_s=7200,
                                   min_saving_s=1000)[-1].settlement_id == "H"


# -- errors and configuration -----------------------------------------------------------
def test_province_scenario_checks(tmp_path: Path) -> None:
    from geodata import datasets

    root = datasets.data_dir(None)
    with pytest.raises(SpecificationError, match="set province_stores instead"):
        region_tasks(_scenario(stores=10), root)
    with pytest.raises(SpecificationError, match="'6299'"):
        region_tasks(_scenario(), root, ["6202", "6299"])
    tasks = region_tasks(_scenario(siting_time_limit_s=360.0), root)
    assert len(tasks) == 14 and tasks[0].code == "6212"  # largest first
    assert sum(t.share.stores for t in tasks) == 893
    assert sum(t.share.trucks for t in tasks) == 720
    linxia = next(t for t in tasks if t.code == "6229")
    assert (linxia.share.stores, linxia.share.trucks, linxia.villages) == (100, 80, 1004)
    assert linxia.scenario.siting_time_limit_s == pytest.approx(25.9)
    assert next(t for t in tasks if t.code == "6202").scenario.siting_time_limit_s == 5.0


def test_bad_scheduler_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("optimize.province.CONNECT_TIMEOUT_S", 2)
    scenario = tmp_path / "gansu.toml"
    scenario.write_text('region_code = "62"\n', encoding="utf-8")
    code = main(["plan", str(scenario), "--out", str(tmp_path / "out"), "--quiet",
                 "--regions", "6202", "--scheduler", "tcp://127.0.0.1:9"])
    err = capsys.readouterr().err
    assert code == 2
    assert "--scheduler 'tcp://127.0.0.1:9': cannot reach a Dask scheduler" in err
    assert "Traceback" not in err and not (tmp_path / "out").exists()


def test_cli_names_bad_province_options(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    scenario = tmp_path / "gansu.toml"
    scenario.write_text('region_code = "62"\n', encoding="utf-8")
    out = str(tmp_path / "out")
    assert main(["plan", str(scenario), "--out", out, "--quiet", "--workers", "0"]) == 2
    assert "--workers 0: at least one worker is needed" in capsys.readouterr().err
    assert main(["plan", str(scenario), "--out", out, "--quiet", "--regions", "6299"]) == 2
    assert "region '6299': not a Gansu prefecture-level code" in capsys.readouterr().err
    linxia = tmp_path / "linxia.toml"
    linxia.write_text('region_code = "6229"\n', encoding="utf-8")
    assert main(["plan", str(linxia), "--out", out, "--quiet", "--regions", "6229"]) == 2
    assert "only for the whole province" in capsys.readouterr().err


def test_wall_safety_is_raised_only_inside_a_regional_solve() -> None:
    from optimize import location, routing
    from optimize.province import _wall_safety

    before = (location.WALL_SAFETY, routing.WALL_SAFETY)
    with _wall_safety(10.0):
        assert (location.WALL_SAFETY, routing.WALL_SAFETY) == (10.0, 10.0)
    assert before == (3.0, 3.0)
    assert (location.WALL_SAFETY, routing.WALL_SAFETY) == (3.0, 3.0)


def test_scheduler_without_workers_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from dask.distributed import LocalCluster

    monkeypatch.setattr("optimize.province.CONNECT_TIMEOUT_S", 1)
    with LocalCluster(n_workers=0, dashboard_address=":0") as cluster, \
            pytest.raises(SpecificationError, match="the scheduler has no workers"):
        plan_province(_scenario(), regions=["6202"], scheduler=cluster.scheduler_address)


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


def test_province_regions_read_an_osm_extract(tmp_path: Path) -> None:
    osm = _jiayuguan_osm(tmp_path / "jiayuguan-hand-made.osm")
    plan = plan_province(_scenario(), regions=["6202"], n_workers=1, osm_path=osm)
    assert plan.meta["road_network"]["approximate"] is False
    assert plan.meta["road_network"]["source"].startswith("osm:")
    placed = plan.settlements[plan.settlements["location_method"] == "osm_place"]
    assert len(placed) == 1
    assert verify_plan(plan) == []


def test_build_plan_refuses_the_whole_province() -> None:
    from optimize.pipeline import build_plan

    with pytest.raises(SpecificationError, match="'62' is the whole province"):
        build_plan(_scenario())


def test_synthetic_split_is_labelled_and_consistent() -> None:
    from geodata import datasets, places
    from optimize.province import split_villages

    root = datasets.data_dir(None)
    whole = split_villages(places.load_villages(root, "62"), total=100_000)
    part = split_villages(places.load_villages(root, "6203"), total=100_000)
    assert len(whole) == 100_000 and whole["village_code"].is_unique
    assert set(whole["location_method"]) == {"synthetic"}
    same = whole.set_index("village_code").geometry.reindex(part["village_code"])
    assert list(same.x) == list(part.geometry.x)  # a copy sits at the same point in both


# -- seasons and the shared fleet -------------------------------------------------------
def test_seasons_share_one_fleet(two_workers: Plan) -> None:
    seasons = two_workers.meta["seasons"]
    names = [s["name"] for s in seasons["seasons"]]
    assert len(names) >= 3 and seasons["routed_season"] in names
    assert set(seasons["trucks_by_season"].values()) == {1 + 6}  # every season, all 7 trucks
    # the regions are routed with their trucks of the routed season, adding up to the fleet
    routed = {c["region"]: c["trucks"] for c in seasons["fleet"]
              if c["season"] == seasons["routed_season"]}
    assert {r["code"]: r["trucks"] for r in two_workers.meta["regions"]} == routed
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
    assert any("Routes are one day of the season" in a for a in
               two_workers.meta["approximations"])


def test_a_scenario_calendar_sets_the_routed_season(tmp_path: Path) -> None:
    from geodata.datasets import data_dir
    from optimize.province import seasonal_fleet

    calendar = [
        {"name": "summer", "months": [6, 7],
         "peaks": [{"region": "*", "crop": "vegetables", "share": 0.5}]},
        {"name": "september", "months": [9],
         "peaks": [{"region": "6203", "crop": "cherry", "share": 0.5},
                   {"region": "*", "crop": "vegetables", "share": 0.5}]},
    ]
    scenario = _scenario(seasons=calendar)
    tasks = region_tasks(scenario, data_dir(), SMALL)
    plan = seasonal_fleet(scenario, data_dir(), tasks)
    assert plan.load.seasons[plan.routed] == "september"  # 30 days against 61
    by_code = {t.code: plan.task_for(t, scenario) for t in tasks}
    assert by_code["6203"].scenario.crop == "cherry"
    assert by_code["6203"].scenario.harvest_peak_days == pytest.approx(60.0)  # 30 d / 0.5
    assert by_code["6202"].scenario.crop == "vegetables"
    assert sum(t.share.trucks for t in by_code.values()) == 7
    assert by_code["6203"].scenario.max_access_time_s == scenario.access_limit_s
    with pytest.raises(SpecificationError, match="season"):
        _scenario(seasons=[{"name": "x", "months": [13], "peaks": []}])
