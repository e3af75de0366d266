"""Market runs and costs wired into a season's fleet records (optimize.pipeline.season_markets):
free truck time, store stock by crop, runs appended to trucks, costs per trip and per day;
a bad markets table stops the plan before any solving."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pytest

from geodata.errors import DataError
from optimize.markets.table import Market
from optimize.markets.travel import table_from_pairs
from optimize.pipeline.fleet_day import SeasonRecords
from optimize.pipeline.season_markets import (
    add_costs,
    add_market_runs,
    market_setup,
    plan_season_markets,
    split_crops,
    store_stocks,
    truck_times,
)
from optimize.scenario import Scenario


def test_mixed_loads_split_by_the_seasons_crop_shares() -> None:
    assert split_crops("sichuan_pepper, vegetables", 4.0,
                       {"sichuan_pepper": 0.1, "vegetables": 0.3}) == \
        pytest.approx({"sichuan_pepper": 1.0, "vegetables": 3.0})
    assert split_crops("potato", 2.5, {"potato": 0.4}) == {"potato": 2.5}


def _day(store_id: str, own_t: float) -> Any:
    own = pd.DataFrame({"settlement_id": ["v0"], "name": ["own"],
                        "crop": ["sichuan_pepper, vegetables"], "daily_t": [own_t]})
    return SimpleNamespace(store_id=store_id, self_delivered=own)


def _trip(store_id: str, pickups_t: list[float]) -> dict[str, Any]:
    return {"kind": "collection", "store_id": store_id,
            "stops": [{"crop": "vegetables", "pickup_t": t} for t in pickups_t]}


def test_store_stock_is_self_delivered_plus_collected_by_crop() -> None:
    shares = {"sichuan_pepper": 0.25, "vegetables": 0.75}
    stocks = store_stocks([_day("S1", 2.0), _day("S2", 0.0)], [_trip("S1", [1.0, 0.5])],
                          {"S1": "622924"}, {"S1": "冷库一"}, shares)
    assert [s.store_id for s in stocks] == ["S1", "S2"]
    s1 = stocks[0]
    assert dict(s1.stock_t) == pytest.approx({"sichuan_pepper": 0.5, "vegetables": 3.0})
    assert (s1.name, s1.region_code) == ("冷库一", "622924")
    assert dict(stocks[1].stock_t) == {}


def test_free_time_runs_from_the_last_trip_to_the_shift_end() -> None:
    trucks = [{"truck_id": "T001", "base_id": "S1", "end_s": 40_000, "idle": False},
              {"truck_id": "T002", "base_id": "S2", "end_s": 21_600, "idle": True}]
    a, b = truck_times(trucks, 3.0, 50_400)
    assert (a.free_from_s, a.free_until_s, a.has_collection) == (40_000, 50_400, True)
    assert (b.free_from_s, b.capacity_t, b.has_collection) == (21_600, 3.0, False)


def _records() -> SeasonRecords:
    """One truck at S1 back at 10:00 from a 2 t trip; S1 self-delivers nothing."""
    rec = SeasonRecords("summer")
    trip = {**_trip("S1", [2.0]), "route_id": "summer-T001-1", "truck_id": "T001",
            "season": "summer", "load_t": 2.0, "distance_m": 20_000, "duration_s": 3_600,
            "start_s": 21_600, "end_s": 36_000}
    rec.routes.append(trip)
    rec.rows.append({"route_id": "summer-T001-1", "geometry": None})
    rec.trucks.append({"truck_id": "T001", "season": "summer", "base_id": "S1",
                       "trips": ["summer-T001-1"], "start_s": 21_600, "end_s": 36_000,
                       "work_s": 14_400, "distance_m": 20_000, "collection_t": 2.0,
                       "market_t": 0.0, "idle": False, "idle_reason": None,
                       "empty_legs": [{"from_id": "S1", "to_id": "S1", "drive_s": 0,
                                       "distance_m": 0},
                                      {"from_id": "S1", "to_id": "S1", "drive_s": 0,
                                       "distance_m": 0}]})
    rec.kpis = {"daily_self_delivered_t": 0.0, "daily_pickup_routed_t": 2.0, "trucks": 1,
                "market_t": 0.0, "left_for_buyers_t": 2.0}
    return rec


def test_a_run_is_appended_to_its_truck_and_priced() -> None:
    market = Market("M1", "市场", 103.30, 35.60, ("vegetables",), 100.0)
    setup = market_setup([market], ["S1"], np.zeros((1, 1)), np.zeros((1, 1)),
                         {"S1": (103.20, 35.60)}, {"S1": "622924"}, {"S1": "冷库"}, 3.0,
                         50_400)
    rec = _records()
    flow = plan_season_markets(rec, [_day("S1", 0.0)], setup, {"vegetables": 1.0})
    add_market_runs(rec, flow, setup)
    run = rec.routes[-1]
    assert run["kind"] == "market" and run["route_id"] == "summer-T001-2"
    market_stop = run["stops"][-1]
    assert run["load_t"] == 2.0 and market_stop["pickup_t"] == 0.0
    assert market_stop["delivered_t"] == 2.0
    assert run["start_s"] == 36_000 and run["market_id"] == "M1"
    truck = rec.trucks[0]
    assert truck["trips"] == ["summer-T001-1", "summer-T001-2"]
    assert truck["end_s"] == run["end_s"] <= 50_400
    assert truck["distance_m"] == 20_000 + run["distance_m"] and truck["market_t"] == 2.0
    assert rec.kpis["market_t"] == 2.0 and rec.kpis["left_for_buyers_t"] == 0.0
    assert rec.rows[-1]["geometry"].coords[0] == (103.20, 35.60)
    day = add_costs(rec)
    # 14 L/100 km; 2.68 kg CO2/L; 6 yuan/L + 25 yuan/h of paid time
    assert rec.routes[0]["fuel_l"] == pytest.approx(2.8)
    assert rec.routes[0]["cost_yuan"] == pytest.approx(2.8 * 6 + 25.0)
    km = run["distance_m"] / 1000
    assert run["fuel_l"] == pytest.approx(km * 0.14, abs=1e-3)
    assert run["cost_yuan"] == pytest.approx(km * 0.14 * 6 + run["paid_s"] / 3600 * 25,
                                             abs=0.01)
    assert day.t_moved == pytest.approx(4.0)  # the 2 t collected, then carried to market
    assert rec.kpis["fuel_l"] == pytest.approx(2.8 + km * 0.14, abs=1e-3)


def test_a_bad_markets_table_stops_the_plan_before_any_solving(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from optimize.pipeline import regional

    table = tmp_path / "markets.csv"
    table.write_text("name,lon,lat,crops,daily_intake_t,opening_hours\n"
                     "临夏市场,103.21,35.60,vegetables,50,06:00-20:00\n"
                     "坏市场,103.22,35.61,durian,50,06:00-20:00\n", encoding="utf-8")
    (tmp_path / "s.toml").write_text('region_code = "622924"\nmarkets_file = "markets.csv"\n',
                                     encoding="utf-8")
    scenario = Scenario.from_toml(tmp_path / "s.toml")
    assert scenario.markets_file == str(table.resolve()) and scenario.market_runs

    def no_solving(*args: object, **kwargs: object) -> None:
        raise AssertionError("the road graph was built before the markets table was read")

    monkeypatch.setattr(regional, "road_graph", no_solving)
    with pytest.raises(DataError) as err:
        regional.build_plan(scenario)
    assert str(err.value).startswith(f"{table.resolve()}, row 3: column 'crops'")
    assert "durian" in str(err.value)


def test_market_fields_are_scenario_parameters() -> None:
    s = Scenario()
    assert (s.markets_file, s.market_runs) == (None, True)
    described = s.describe()
    assert described["market_runs"]["value"] is True
    assert "markets table" in described["markets_file"]["source"]


def test_a_store_may_have_its_own_crop_shares() -> None:
    # a province: the same season has other crop shares in another prefecture
    stocks = store_stocks([_day("S1", 2.0), _day("S2", 2.0)], [], {}, {},
                          {"sichuan_pepper": 0.5, "vegetables": 0.5},
                          {"S2": {"sichuan_pepper": 0.0, "vegetables": 1.0}})
    assert dict(stocks[0].stock_t) == pytest.approx({"sichuan_pepper": 1.0, "vegetables": 1.0})
    assert dict(stocks[1].stock_t) == pytest.approx({"vegetables": 2.0})


def test_each_leg_of_a_run_says_road_or_straight_line() -> None:
    market = Market("M1", "市场", 103.30, 35.60, ("vegetables",), 100.0)
    args = ([market], ["S1"], np.zeros((1, 1)), np.zeros((1, 1)), {"S1": (103.20, 35.60)},
            {"S1": "622924"}, {"S1": "冷库"}, 3.0, 50_400)
    travels = []
    for road in (None, table_from_pairs(["S1", "M1"], np.array([[0.0, 900.0], [900.0, 0.0]]),
                                        np.array([[0.0, 12_000.0], [12_000.0, 0.0]]))):
        setup = market_setup(*args, market_road=road)
        rec = _records()
        add_market_runs(rec, plan_season_markets(rec, [_day("S1", 0.0)], setup,
                                                 {"vegetables": 1.0}), setup)
        run = rec.routes[-1]
        assert [(g["from_id"], g["to_id"]) for g in run["legs"]] == [
            ("S1", "S1"), ("S1", "M1"), ("M1", "S1")]
        assert sum(g["distance_m"] for g in run["legs"]) == pytest.approx(
            run["distance_m"], abs=len(run["legs"]))          # each leg to the metre
        travels.append([g["travel"] for g in run["legs"]])
        assert run["approximate_travel"] == ("straight_line" in travels[-1])
    assert travels == [["road", "straight_line", "straight_line"], ["road", "road", "road"]]
    assert run["distance_m"] == 24_000                      # the road figures, both ways


def test_a_long_haul_leg_is_the_lent_trucks_record_not_a_trip_of_the_day() -> None:
    partner = Market("P:tianjin", "天津", 117.20, 39.13, ("vegetables",), 100.0,
                     kind="long_haul")
    setup = market_setup([partner], ["S1"], np.zeros((1, 1)), np.zeros((1, 1)),
                         {"S1": (103.20, 35.60)}, {"S1": "622924"}, {"S1": "冷库"}, 3.0,
                         50_400)
    rec = _records()
    rec.trucks.append({"truck_id": "T002", "season": "summer", "base_id": "S1", "trips": [],
                       "start_s": 21_600, "end_s": 21_600, "work_s": 0, "distance_m": 0,
                       "collection_t": 0.0, "market_t": 0.0, "idle": True,
                       "idle_reason": "no trip left", "empty_legs": []})
    flow = plan_season_markets(rec, [_day("S1", 0.0)], setup, {"vegetables": 1.0})
    add_market_runs(rec, flow, setup)
    assert [r["kind"] for r in rec.routes] == ["collection"]   # no multi-day trip
    truck = rec.trucks[1]
    leg = truck["long_haul"]
    days = leg["days"]
    assert days >= 3 and leg["load_t"] == 3.0 and leg["end_s"] > (days - 1) * 86_400
    assert leg["daily_t"] == pytest.approx(3.0 / days, abs=1e-6)
    assert [g["travel"] for g in leg["legs"]] == ["road", "straight_line", "straight_line"]
    assert leg["approximate_travel"] and leg["nights"] == days - 1
    assert (truck["idle"], truck["trips"]) == (False, [])
    assert truck["work_s"] == round(leg["paid_s"] / days) <= 8 * 3600 + 1
    assert truck["distance_m"] == round(leg["distance_m"] / days)
    assert rec.kpis["market_t"] == pytest.approx(3.0 / days, abs=1e-3)
    assert rec.kpis["trucks_used"] == 2
    add_costs(rec)
    km = leg["distance_m"] / 1000
    assert leg["cost_yuan"] == pytest.approx(km * 0.14 * 6 + leg["paid_s"] / 3600 * 25,
                                             abs=0.01)
    # the season's day: the collection trip (2.8 L, 16.8 + 25 yuan) + the leg / days
    assert rec.kpis["cost_yuan"] == pytest.approx(2.8 * 6 + 25.0 + leg["cost_yuan"] / days,
                                                  abs=0.02)
