"""``--set gansu`` (benchmarks.gansu_days): the plan's own store-day problems, re-solved.

A small real store (a township of Linxia on the province's network, as the Gansu plan
routes it): the rebuilt problems give exactly the trips of the pipeline's
:func:`optimize.pipeline.trips.store_days`; a tiny saved plan made of those trips is
recognised trip by trip, and every cost in the JSON is recomputed from its routes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from benchmarks.gansu_days import (
    MARKET_ENGINE,
    PlanStore,
    ProvinceNet,
    plan_figures,
    province_net,
    route_cost_m,
    run_gansu,
    run_parts,
    scaled,
    select_instances,
    store_inputs,
    store_problems,
)
from optimize.errors import SpecificationError
from optimize.pipeline.province.solve import WALL_SAFETY
from optimize.pipeline.trips import StoreDay, store_days
from optimize.scenario import Scenario

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return Scenario.from_toml(REPO / "scenarios" / "gansu.toml")


@pytest.fixture(scope="module")
def pn(scenario: Scenario) -> ProvinceNet:
    return province_net(scenario)


@pytest.fixture(scope="module")
def store(pn: ProvinceNet) -> PlanStore:
    """The first Linxia township (by code) with 5 to 8 rural villages, as one store."""
    s = pn.net.settlements
    linxia = s[s["village_code"].str[:4] == "6229"]
    sizes = linxia.groupby("township_code").size()
    town = sorted(sizes[(sizes >= 5) & (sizes <= 8)].index)[0]
    codes = sorted(linxia.loc[linxia["township_code"] == town, "village_code"].astype(str))
    return PlanStore("6229-S001", "6229", codes[0], tuple(codes))


@pytest.fixture(scope="module")
def days(scenario: Scenario, pn: ProvinceNet, store: PlanStore) -> list[StoreDay]:
    """The pipeline's own days of the store (as a prefecture of the province plan)."""
    sub, depot, villages, seasons = store_inputs(scenario, pn, store)
    return store_days(sub, pn.graph, pn.net, 0, store.store_id, depot, villages, seasons,
                      wall_safety=WALL_SAFETY)


def _stops(day: StoreDay, trip: Any) -> list[str]:
    return [str(day.pickups["settlement_id"].iloc[i]) for i in trip.stops]


def test_rebuilt_problems_give_the_pipelines_trips(scenario: Scenario, pn: ProvinceNet,
                                                  store: PlanStore,
                                                  days: list[StoreDay]) -> None:
    rebuilt = store_problems(scenario, pn, store)
    assert [sp.season.name for sp in rebuilt] == ["early summer", "summer", "autumn"]
    assert [d.season for d in days] == ["early summer", "summer", "autumn"]
    trips = 0
    for sp, day in zip(rebuilt, days, strict=True):
        run = run_parts(sp)
        assert run["engine"] == "ortools"  # the engine the plans run
        assert run["trips"] == len(day.result.trips)
        assert run["cost"] == day.result.distance_m
        assert run["tonnes"] == pytest.approx(day.result.served_t, abs=1e-6)
        assert sorted(r["settlements"] for r in run["routes"]) == sorted(
            _stops(day, t) for t in day.result.trips)
        assert run["violations"] == 0
        trips += run["trips"]
    assert trips > 0  # the store has trips to compare


def test_scaled_multiplies_the_budget(scenario: Scenario, pn: ProvinceNet,
                                      store: PlanStore) -> None:
    problem = next(sp for sp in store_problems(scenario, pn, store) if sp.parts).parts[0][1]
    # the plan's budget: 1 s per store over 3 seasons; wall cap 10 x (province workers)
    assert problem.time_limit_s == pytest.approx(1 / 3)
    assert problem.wall_safety == WALL_SAFETY == 10.0
    long = scaled(problem, 10, "pyvrp")
    assert problem.search_solutions is not None
    assert long.time_limit_s == pytest.approx(10 / 3)
    assert long.search_solutions == problem.search_solutions * 10
    assert (long.engine, problem.engine) == ("pyvrp", "ortools")


def _plan_dir(root: Path, store: PlanStore, days: list[StoreDay]) -> Path:
    """A saved plan with the store, its villages and the pipeline's trips, one market run."""
    routes = [{"kind": "collection", "season": d.season, "store_id": store.store_id,
               "distance_m": int(t.distance_m),
               "load_t": float(d.pickups["pickup_t"].iloc[list(t.stops)].sum()),
               "stops": [{"settlement_id": s} for s in _stops(d, t)]}
              for d in days for t in d.result.trips]
    routes.append({"kind": "market", "season": "autumn", "store_id": store.store_id,
                   "route_id": "autumn-T001-2", "truck_id": "T001", "distance_m": 41000,
                   "load_t": 2.5, "stops": [{"store_id": store.store_id},
                                            {"market_id": "C:622901"}]})
    meta = {"road_network": {"source": "approximate"}, "routes": routes,
            "stores": [{"store_id": store.store_id, "site_settlement_id": store.site_id}]}
    (root / "layers").mkdir(parents=True)
    (root / "plan.json").write_text(json.dumps(meta), encoding="utf-8")
    layer = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": None,
         "properties": {"settlement_id": v, "store_id": store.store_id}}
        for v in store.villages]}
    (root / "layers" / "settlements.geojson").write_text(json.dumps(layer), encoding="utf-8")
    return root


def test_the_json_recognises_the_plan_and_recomputes_every_cost(
        tmp_path: Path, scenario: Scenario, pn: ProvinceNet, store: PlanStore,
        days: list[StoreDay]) -> None:
    out = run_gansu(scenario, _plan_dir(tmp_path / "plan", store, days), time_factor=2,
                    peers=("pyvrp", "multidepot"), pn=pn)
    rows = [r for r in out["results"] if r["kind"] == "collection"]
    assert [r["instance"] for r in rows] == ["6229/early summer/6229-S001",
                                             "6229/summer/6229-S001",
                                             "6229/autumn/6229-S001"]
    for r in rows:
        assert r["matches_plan"] and r["same_as_plan"]
        assert r["plan"]["trips_found_in_rebuilt"] == r["trips"]
        assert r["peers"]["multidepot"]["violations"] == 0  # ride times repaired
        assert r["peers"]["multidepot"]["tonnes"] == pytest.approx(r["tonnes"], abs=1e-6)
        for run in (r, r["long"], *r["peers"].values()):
            assert run["cost"] == route_cost_m(r["parts"], run["routes"])
            assert run["cost"] == sum(x["distance_m"] for x in run["routes"])
        assert r["long"]["budget"]["search_solutions"] == [
            2 * s for s in r["budget"]["search_solutions"]]
        expected = 100 * (r["cost"] - r["long"]["cost"]) / r["long"]["cost"] \
            if r["long"]["cost"] else None
        assert r["gap_to_long_pct"] == (pytest.approx(expected, abs=1e-4)
                                        if expected is not None else None)
        assert r["violations"] == r["long"]["violations"] == 0
    market = [r for r in out["results"] if r["kind"] == "market"]
    assert [(r["season"], r["trips"], r["cost"], r["tonnes"]) for r in market] == [
        ("autumn", 1, 41000, 2.5)]
    assert market[0]["engine"] == MARKET_ENGINE and market[0]["long"] is None
    summary = out["summary"]
    assert summary["collection/autumn"]["instances"] == 1
    assert summary["collection/autumn"]["same_as_plan"] == 1
    assert summary["market/autumn"]["cost_m"] == 41000
    assert summary["left_out"] == {"collection_instances_not_run": 0,
                                   "prefectures_not_run": 0}


def test_an_unknown_prefecture_is_named(tmp_path: Path, scenario: Scenario,
                                        pn: ProvinceNet, store: PlanStore,
                                        days: list[StoreDay]) -> None:
    with pytest.raises(SpecificationError, match="--prefectures 6201: not in the plan"):
        run_gansu(scenario, _plan_dir(tmp_path / "plan", store, days),
                  prefectures=["6201"], pn=pn)


def test_the_sample_is_stratified_by_season_and_reproducible() -> None:
    stores = [PlanStore(f"6229-S{k:03d}", "6229", str(k), ()) for k in range(10)]
    seasons = {"6229": ["autumn", "summer"]}
    picked = select_instances(stores, seasons, 3, seed=7)
    assert len(picked) == 6
    assert sorted(n for _, n in picked) == ["autumn"] * 3 + ["summer"] * 3
    assert picked == select_instances(stores, seasons, 3, seed=7)
    assert len(select_instances(stores, seasons, 0, seed=7)) == 20
    assert len(select_instances(stores, seasons, 50, seed=7)) == 20


def test_the_command_writes_the_json(tmp_path: Path, store: PlanStore,
                                     days: list[StoreDay]) -> None:
    from benchmarks.routing import main

    out = tmp_path / "gansu-days.json"
    main(["--set", "gansu", "--plan", str(_plan_dir(tmp_path / "plan", store, days)),
          "--scenario", str(REPO / "scenarios" / "gansu.toml"), "--prefectures", "6229",
          "--sample", "1", "--seed", "3", "--time-factor", "2", "--out", str(out)])
    data = json.loads(out.read_text(encoding="utf-8"))
    rows = [r for r in data["results"] if r["kind"] == "collection"]
    assert len(rows) == 3  # one store-day per season (the plan has one store)
    assert all(r["peers"] == {} for r in rows)  # no --peers
    assert data["time_factor"] == 2 and data["summary"]["left_out"][
        "collection_instances_not_run"] == 0


def test_a_plan_on_an_osm_network_is_refused(tmp_path: Path, scenario: Scenario,
                                             pn: ProvinceNet, store: PlanStore,
                                             days: list[StoreDay]) -> None:
    root = _plan_dir(tmp_path / "plan", store, days)
    meta = json.loads((root / "plan.json").read_text(encoding="utf-8"))
    meta["road_network"]["source"] = "osm"
    (root / "plan.json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(SpecificationError, match="only plans on the approximate network"):
        run_gansu(scenario, root, pn=pn)


def test_a_missing_plan_file_is_named(tmp_path: Path, scenario: Scenario,
                                      pn: ProvinceNet) -> None:
    (tmp_path / "plan.json").write_text("{}", encoding="utf-8")
    with pytest.raises(SpecificationError, match="settlements.geojson: no such file"):
        run_gansu(scenario, tmp_path, pn=pn)


def test_the_network_covers_the_plans_prefectures_only(scenario: Scenario,
                                                      pn: ProvinceNet) -> None:
    linxia = province_net(scenario, codes=["6229"])
    codes = linxia.net.settlements["village_code"].astype(str)
    assert len(codes) > 0 and codes.str.startswith("6229").all()
    whole = pn.net.settlements["village_code"].astype(str)
    assert len(codes) == int(whole.str.startswith("6229").sum())
    assert len(whole) == 13931  # Gansu's rural villages, as the plan's siting counts them


def test_a_trip_leaving_from_another_store_matches_by_its_stops() -> None:
    # the saved trip 2 left store B (start_id): its metres include the first leg from B
    meta = {"routes": [
        {"kind": "collection", "store_id": "A", "season": "s", "load_t": 1.0,
         "distance_m": 1000, "stops": [{"settlement_id": "v1"}]},
        {"kind": "collection", "store_id": "A", "season": "s", "load_t": 2.0,
         "start_id": "B", "distance_m": 2500, "stops": [{"settlement_id": "v2"}]},
        {"kind": "collection", "store_id": "A", "season": "s", "load_t": 2.0,
         "distance_m": 999, "stops": [{"settlement_id": "v3"}]}]}
    rebuilt = [{"settlements": ["v1"], "distance_m": 1000},
               {"settlements": ["v2"], "distance_m": 1800},
               {"settlements": ["v3"], "distance_m": 900}]  # v3: other metres, own store
    got = plan_figures(meta, "A", "s", rebuilt)
    assert got == {"trips": 3, "cost": 4499, "tonnes": 5.0, "trips_found_in_rebuilt": 2}
