"""One season's shared fleet over two prefectures' stores (the province's fleet step).

A synthetic two-region day: store ``6229-S001`` (Linxia) has two trips, store
``6201-S001`` (Lanzhou) one; the stores are 900 s apart by empty drive across the
border. One truck carries all three trips: a truck of one region serves the other's
store. The records are then checked by the plan's own checks (optimize.plan.trucks).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString

from app.catalogue import translate_message
from optimize.fleet.bound import LOWER_NOTE
from optimize.fleet.shared import FAR_S
from optimize.fleet.target import FOUND_NOTE, MET_NOTE
from optimize.pipeline.fleet_day import (
    SHIFT_START_S,
    FirstLegs,
    SeasonRecords,
    first_leg_geometry,
    season_fleet,
)
from optimize.pipeline.routing import Depot
from optimize.pipeline.trips import TRIP_PICKUP_COLUMNS, StoreDay
from optimize.plan.model import PlanMeta
from optimize.plan.target_checks import target_problems
from optimize.plan.trucks import season_kpi_problems, truck_problems
from optimize.plan.verify import collection_leg_problems
from optimize.routing.problem import RoutingResult, Trip
from tests.conftest import plan_meta

DRIVE_S = [[0, 900], [900, 0]]
DRIVE_M = [[0, 15_000], [15_000, 0]]
STORES = ("6229-S001", "6201-S001")


def store_day(store: int, loads: list[float], unreachable: bool = False) -> StoreDay:
    """A store with one trip per load (a 3600 s trip: 1800 s to the village, 600 s
    loading... ending with unloading) and, optionally, one pickup no truck can reach."""
    rows = [(f"{STORES[store]}-V{k}", f"village {k}", "622901", k, "vegetables", 7200, t)
            for k, t in enumerate(loads)]
    trips = [Trip(truck=k, trip=0, stops=(k,), arrival_s=(1200,), load_after_t=(t,),
                  start_s=0, end_s=3600, distance_m=30_000, store_arrival_s=2400,
                  max_age_s=1200) for k, t in enumerate(loads)]
    unserved: tuple[tuple[int, str], ...] = ()
    if unreachable:
        rows.append((f"{STORES[store]}-far", "far village", "622901", len(loads), "vegetables",
                     7200, 0.5))
        unserved = ((len(loads), "freshness: 9000 s alone > 7200 s"),)
    pickups = pd.DataFrame(rows, columns=TRIP_PICKUP_COLUMNS)
    own = pd.DataFrame([(f"{STORES[store]}-V0x", "own", "vegetables", 1.25)],
                       columns=["settlement_id", "name", "crop", "daily_t"])
    result = RoutingResult(tuple(trips), unserved, "success", 0, 0.1, len(trips),
                           30_000 * len(trips), sum(loads))
    geoms = tuple(LineString([(103.0, 35.5), (103.1, 35.6)]) for _ in trips)
    # out 1200 s / 12 km, back 600 s / 18 km (the clock loads 600 s at the village)
    legs = tuple(((1200, 12_000), (600, 18_000)) for _ in trips)
    return StoreDay("summer", STORES[store], store, Depot(STORES[store], store, 0.0, 0.0),
                    pickups, own, result, geoms, legs)


def two_region_day(n_trucks: int, first_legs: FirstLegs | None = None) -> SeasonRecords:
    """Two stores' summer: 6229-S001 with a 2 t and a 1 t trip (and a village no truck
    reaches), 6201-S001 with a 3 t trip; every trip 3600 s and 30 km from its store."""
    days = [store_day(0, [2.0, 1.0], unreachable=True), store_day(1, [3.0])]
    return season_fleet(days, STORES, np.array(DRIVE_S), np.array(DRIVE_M), n_trucks,
                        28_800, first_legs=first_legs)


#: Each store's villages are 1200 s / 12 km from it and 300 s / 5 km from the other store.
VILLAGES = ("6229-S001-V0", "6229-S001-V1", "6201-S001-V0")
CLOSE_LEGS = FirstLegs({v: k for k, v in enumerate(VILLAGES)},
                       np.array([[1200, 1200, 300], [300, 300, 1200]]),
                       np.array([[12_000, 12_000, 5_000], [5_000, 5_000, 12_000]]))


def test_trips_start_where_the_truck_unloaded() -> None:
    # The 3 t Lanzhou trip opens the truck at 6201-S001. Each Linxia trip then goes where
    # it adds least: before it, from the base straight to its village (300 s instead of
    # 900 s to the store and 1200 s out); ties go first. Day: 1 t trip from the base
    # (300 s lead + 2400 s rest), 2 t trip from the Linxia store (its own 3600 s), the
    # 3 t trip from the Linxia store (300 + 2400 s), home at once: 9000 s, not 12600 s.
    rec = two_region_day(1, CLOSE_LEGS)
    (truck,) = rec.trucks
    assert truck["work_s"] == 9000 and truck["base_id"] == STORES[1]
    got = [(r["start_id"], r["store_id"], r["start_s"] - SHIFT_START_S,
            r["stops"][0]["arrival_s"] - SHIFT_START_S, r["end_s"] - SHIFT_START_S,
            r["duration_s"], r["distance_m"], r["load_t"]) for r in rec.routes]
    assert got == [(STORES[1], STORES[0], 0, 300, 2700, 2700, 23_000, 1.0),
                   (STORES[0], STORES[0], 2700, 3900, 6300, 3600, 30_000, 2.0),
                   (STORES[0], STORES[1], 6300, 6600, 9000, 2700, 23_000, 3.0)]
    # freshness unchanged: first pickup to the store is the routed 1200 s
    assert all(r["store_arrival_s"] - r["stops"][0]["arrival_s"] == 1200 for r in rec.routes)
    assert truck["empty_legs"] == [{"from_id": STORES[1], "to_id": STORES[1], "drive_s": 0,
                                    "distance_m": 0}]
    assert truck["distance_m"] == 76_000
    assert truck_problems(as_meta(rec)) == []
    # a village the matrix lacks (or cannot reach) is driven to via its store
    far = FirstLegs(CLOSE_LEGS.columns, np.full((2, 3), FAR_S), CLOSE_LEGS.distance_m)
    assert two_region_day(1, far).trucks[0]["work_s"] == 3 * 3600 + 2 * 900


def test_one_truck_serves_both_regions_chained_with_the_border_drive() -> None:
    rec = two_region_day(1)
    (truck,) = rec.trucks
    served = {r["store_id"] for r in rec.routes}
    assert served == set(STORES)  # the truck crosses the border
    assert truck["work_s"] == 3 * 3600 + 2 * 900  # three trips, out and back over the border
    starts = sorted(r["start_s"] for r in rec.routes)
    assert starts[0] >= SHIFT_START_S
    k = rec.kpis
    assert k["daily_truck_needed_t"] == 6.5 and k["daily_pickup_routed_t"] == 6.0
    assert k["daily_unrouted_t"] == 0.5 and k["daily_self_delivered_t"] == 2.5
    assert k["daily_supply_t"] == 9.0 and k["idle_trucks"] == 0
    (far,) = rec.unserved
    assert far["reason"].startswith("no truck can reach it within its freshness limit even "
                                    "alone") and far["tonnes_t"] == 0.5


def test_spare_trucks_are_listed_idle_with_their_reason() -> None:
    # the three trips and two border drives take 12600 s: one truck's shift holds them
    rec = two_region_day(3)
    assert rec.kpis["trucks"] == 3 and rec.kpis["trucks_used"] == 1
    idle = [t for t in rec.trucks if t["idle"]]
    assert len(idle) == 2 and rec.kpis["dropped_trips"] == 0
    assert all(t["idle_reason"].startswith("no trip left") and t["trips"] == [] for t in idle)


def as_meta(rec: SeasonRecords) -> PlanMeta:
    meta = plan_meta("fleet", False, "2026-01-01T00:00:00+00:00")
    meta["scenario"]["shift_s"] = {"value": 28_800, "unit": "s", "source": "", "assumption": False}
    meta["routes"] = rec.routes
    meta["trucks"] = rec.trucks
    meta["unserved"] = rec.unserved
    meta["seasons"] = {"routed_season": "summer", "seasons": [
        {"name": "summer", "days": 62, "kpis": rec.kpis}], "load": [], "fleet": [],
        "trucks_by_season": {"summer": 1}, "moves": [], "repositioning_truck_km": 0.0,
        "shortfalls": [], "rule": "", "distances": "", "annual_t": {}, "assumptions": []}
    meta["kpis"].update(daily_pickup_t=rec.kpis["daily_truck_needed_t"],
                        daily_pickup_routed_t=rec.kpis["daily_pickup_routed_t"],
                        trucks_used=rec.kpis["trucks_used"])
    return PlanMeta.from_json(meta)


def test_plan_checks_accept_the_records_and_catch_a_broken_chain() -> None:
    rec = two_region_day(1)
    meta = as_meta(rec)
    assert truck_problems(meta) == [] and season_kpi_problems(meta) == []
    second = rec.trucks[0]["trips"][1]
    broken = [dict(r, start_s=r["start_s"] - 60) if r["route_id"] == second else r
              for r in rec.routes]
    rec.routes = broken
    problems = truck_problems(as_meta(rec))
    assert any(p.startswith(f"truck T001 (summer): trip {second} leaves at")
               for p in problems)


def test_plan_checks_catch_a_broken_start_chain() -> None:
    rec = two_region_day(1, CLOSE_LEGS)
    second = rec.routes[1]
    assert second["start_id"] == STORES[0]
    second["start_id"] = STORES[1]  # as if it left from the base, not the first trip's store
    assert truck_problems(as_meta(rec)) == [
        f"truck T001 (summer): trip {second['route_id']} starts at {STORES[1]}, the truck "
        f"is at {STORES[0]} (the previous trip store)"]
    second["start_id"] = "nowhere"
    assert "route summer-T001-2: starts at nowhere, not a store or truck base" in \
        truck_problems(as_meta(rec))
    del second["start_id"]
    assert truck_problems(as_meta(rec)) == [
        "truck T001 (summer): some collection trips lack start_id"]


@pytest.mark.parametrize("key", ["daily_pickup_routed_t", "idle_trucks"])
def test_plan_checks_catch_a_wrong_season_kpi(key: str) -> None:
    rec = two_region_day(1)
    rec.kpis[key] += 1
    assert any(f"kpi {key}" in p for p in season_kpi_problems(as_meta(rec)))


def test_equal_village_loads_add_up_to_the_season_figure() -> None:
    # the census spreads a county's produce evenly: 300 equal 0.2774 t loads rounded to the
    # kilogram would all lose 0.4 kg, 0.12 t in all; written to the gram they add up
    day = store_day(0, [0.2774] * 300)
    rec = season_fleet([day], STORES[:1], np.zeros((1, 1)), np.zeros((1, 1)), 0, 28_800)
    routed = sum(r["load_t"] for r in rec.routes)
    assert rec.kpis["dropped_trips"] == 0 and rec.kpis["trucks"] == 38  # 8 trips a truck
    assert rec.kpis["daily_pickup_routed_t"] == pytest.approx(83.22, abs=1e-9)
    assert routed == pytest.approx(83.22, abs=1e-3)


def short_shift_day(target_pct: float) -> SeasonRecords:
    """The two-region day with a 9000 s shift: one truck drives the 3 t trip and the 2 t
    one over the border (3600 + 900 + 3600 + 900 = 9000 s); the 1 t trip is dropped."""
    days = [store_day(0, [2.0, 1.0], unreachable=True), store_day(1, [3.0])]
    return season_fleet(days, STORES, np.array(DRIVE_S), np.array(DRIVE_M), 1, 9000,
                        target_pct=target_pct)


def test_the_season_says_how_many_trucks_reach_the_target() -> None:
    # 5.0 of the 6.5 t that need a truck (76.9 %); a second truck takes the 1 t trip:
    # 6.0 t, 92.3 %, which reaches 90 % but never 95 % (0.5 t has no trip)
    k = short_shift_day(90.0).kpis
    assert k["daily_pickup_routed_t"] == 5.0 and k["daily_truck_needed_t"] == 6.5
    assert k["target_pct"] == 90.0 and k["trucks_for_target"] == 2
    assert k["trucks_for_target_note"] == FOUND_NOTE
    k = short_shift_day(95.0).kpis
    assert k["target_pct"] == 95.0 and k["trucks_for_target"] is None
    assert k["trucks_for_target_note"].startswith(
        "not reachable by adding trucks: with one truck per trip at most 92.3 per cent")
    k = short_shift_day(75.0).kpis
    assert k["trucks_for_target"] is None and k["trucks_for_target_note"] == MET_NOTE


def test_plan_checks_accept_the_target_figures() -> None:
    for target in (75.0, 90.0, 95.0):
        meta = as_meta(short_shift_day(target))
        assert meta.seasons is not None and meta.seasons.seasons[0].kpis is not None
        assert meta.seasons.seasons[0].kpis.target_pct == target
        assert target_problems(meta) == [] and season_kpi_problems(meta) == []


def test_first_leg_drawn_from_where_the_trip_starts() -> None:
    legs = FirstLegs({"v": 0}, np.zeros((2, 1)), np.zeros((2, 1)),
                     {0: (0.0, 0.0), 1: (5.0, 5.0), "v": (1.0, 0.1)})
    routed = LineString([(0, 0), (1, 0), (2, 0), (3, 0), (0, 0)])  # store 0 -> v ... -> 0
    moved = first_leg_geometry(routed, legs, 1, 0, "v")
    assert list(moved.coords) == [(5, 5), (1, 0), (2, 0), (3, 0), (0, 0)]
    assert first_leg_geometry(routed, legs, 0, 0, "v") is routed  # from its own store
    assert list(first_leg_geometry(moved, legs, 0, 0, "v", drawn_from_store=False).coords) \
        == [(0, 0), (1, 0), (2, 0), (3, 0), (0, 0)]  # a saved trip back at its own store


# -- h17bound: the proven fleet bound in the season kpis and the fleet-capacity reason --
def with_costs(day: StoreDay, cost_s: float) -> StoreDay:
    """``day`` with every pickup's least cost ``cost_s`` (arrival 1200 s)."""
    n = len(day.pickups)
    return dataclasses.replace(day, pickups=day.pickups.assign(arrive_s=[1200.0] * n,
                                                               cost_s=[cost_s] * n))


def bound_day(target_pct: float) -> SeasonRecords:
    """:func:`short_shift_day` (1 truck, 9000 s) with 2400 s a pickup: the 3 t, 2 t and
    1 t pickups take 7200 s of the 9000 s, all 6 t; the 0.5 t one has no trip at all."""
    days = [with_costs(store_day(0, [2.0, 1.0], unreachable=True), 2400.0),
            with_costs(store_day(1, [3.0]), 2400.0)]
    return season_fleet(days, STORES, np.array(DRIVE_S), np.array(DRIVE_M), 1, 9000,
                        target_pct=target_pct)


def test_the_season_states_the_proven_bound() -> None:
    k = bound_day(90.0).kpis
    assert k["daily_pickup_routed_t"] == 5.0 <= k["collectable_upper_t"] == 6.0
    assert k["collectable_upper_pct"] == 92.31  # 6 of 6.5 t
    # 90 % = 5.85 t: 3 t + 2 t (4800 s) + 0.85 of the 1 t (2040 s) = 6840 s -> 1 truck;
    # the packer needs 2: the answer lies in [1, 2]
    assert k["trucks_for_target_lower"] == 1 and k["trucks_for_target"] == 2
    assert k["trucks_for_target_lower_note"] == LOWER_NOTE
    assert sorted(i[1] for i in k["fleet_bound"]["items"]) == [1.0, 2.0, 3.0]
    k = bound_day(95.0).kpis  # 6.175 t > the 6 t any trip can reach
    assert k["trucks_for_target_lower"] is None
    assert k["trucks_for_target_lower_note"].startswith("no fleet reaches the target: at "
                                                        "most 92.3 per cent")


def test_the_fleet_capacity_reason_names_the_bound_in_both_languages() -> None:
    rec = bound_day(90.0)
    full = [u["reason"] for u in rec.unserved if u["reason"].startswith("fleet capacity")]
    assert full
    assert all(r.endswith("; no plan with 1 trucks collects more than 6.0 t/day (proven "
                          "bound)") for r in full)
    zh = translate_message(full[0], "zh")
    assert isinstance(zh, str) and "任何方案用 1 辆车每天最多收集 6.0 吨" in zh
    assert zh.startswith("车队运力已满：1 辆车全部在用")
    meta = as_meta(rec)  # its scenario lists an 8 h shift, the day was packed in 9000 s
    assert target_problems(meta) == ["season summer: fleet_bound shift_s 9000 but the "
                                     "scenario's shift_s is 28800"]
    assert season_kpi_problems(meta) == []


def test_days_without_costs_state_no_bound() -> None:
    assert "collectable_upper_t" not in short_shift_day(90.0).kpis


def test_each_trip_lists_the_legs_it_drives() -> None:
    """Collection trips carry their legs (issue 17, item 7: a checker recomputes every
    trip's metres): from its own store, the routed legs; started at another store, the
    direct drive to its village (300 s, 5 km) or, when the matrix lacks it, the drive to
    its own store first (900 s, 15 km); either way they sum to ``distance_m``."""
    rec = two_region_day(1, CLOSE_LEGS)
    got = [[(g["from_id"], g["to_id"], g["time_s"], g["distance_m"]) for g in r["legs"]]
           for r in rec.routes]
    v = [r["stops"][0]["settlement_id"] for r in rec.routes]
    assert got == [[(STORES[1], v[0], 300, 5_000), (v[0], STORES[0], 600, 18_000)],
                   [(STORES[0], v[1], 1200, 12_000), (v[1], STORES[0], 600, 18_000)],
                   [(STORES[0], v[2], 300, 5_000), (v[2], STORES[1], 600, 18_000)]]
    assert [sum(g[3] for g in legs) for legs in got] == [r["distance_m"] for r in rec.routes]
    assert all("legs" not in row for row in rec.rows)  # plan.json only, not the layer
    meta = as_meta(rec)
    assert [p for r in meta.routes for p in collection_leg_problems(r)] == []
    far = FirstLegs(CLOSE_LEGS.columns, np.full((2, 3), FAR_S), CLOSE_LEGS.distance_m)
    via = [r for r in two_region_day(1, far).routes if r["start_id"] != r["store_id"]]
    assert via and all([(g["from_id"], g["to_id"], g["time_s"], g["distance_m"])
                        for g in r["legs"][:2]] == [
        (r["start_id"], r["store_id"], 900, 15_000),
        (r["store_id"], r["stops"][0]["settlement_id"], 1200, 12_000)] for r in via)
    assert all(r["distance_m"] == 45_000 for r in via)


def test_the_checker_names_a_trip_whose_legs_do_not_add_up() -> None:
    rec = two_region_day(1, CLOSE_LEGS)
    route = rec.routes[0]
    longer = {**route, "legs": [{**route["legs"][0], "distance_m": 6_000},
                                route["legs"][1]]}
    wrong_village = {**route, "legs": [{**route["legs"][0], "to_id": "elsewhere"},
                                       {**route["legs"][1], "from_id": "elsewhere"}]}
    too_fast = {**route, "legs": [{**route["legs"][0], "time_s": 301}, route["legs"][1]]}
    meta = as_meta(dataclasses.replace(rec, routes=[longer, wrong_village, too_fast]))
    problems = [collection_leg_problems(r) for r in meta.routes]
    assert problems[0] == [f"route {route['route_id']}: legs sum to 24000 m, "
                           "distance_m 23000"]
    assert problems[1][0].startswith(f"route {route['route_id']}: legs run "
                                     f"{STORES[1]}->elsewhere->{STORES[0]}, expected")
    assert problems[2] == [f"route {route['route_id']}: reaches "
                           f"{route['stops'][0]['settlement_id']} 300 s after {STORES[1]}, "
                           "its legs drive 301 s"]
