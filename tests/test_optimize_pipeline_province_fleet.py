"""The province's fleet step over merged regional trips (optimize.pipeline.province_fleet).

Two prefectures' stores, 900 s apart across the border; each regional plan was routed
without a fleet limit, one truck per trip. Re-packed into one truck, the Lanzhou store's
trip is driven by the truck based at the Linxia store (or the other way round), chained
with the border drive; with a shorter shift the least productive trip is dropped and its
pickups are listed with the fleet bound.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from geodata import datasets
from optimize.fleet.target import FOUND_NOTE
from optimize.pipeline.fleet_day import SHIFT_START_S, FirstLegs
from optimize.pipeline.network import Network, leg_matrices
from optimize.pipeline.province.merge import prefixed_plan
from optimize.pipeline.province_fleet import (
    own_store_job,
    province_first_legs,
    province_store_drives,
    repack_plan_meta,
    repack_province_plan,
    repack_season,
    season_bound_items,
    started_at_own_store,
    trip_start,
)
from optimize.pipeline.region import load_region, regional_share
from optimize.pipeline.regional import build_plan, site_region
from optimize.plan.io import Plan
from optimize.plan.verify import verify_plan
from tests.conftest import GUANGHE

STORES = ("6201-S001", "6229-S001")
DRIVE_S = np.array([[0, 900], [900, 0]])
DRIVE_M = np.array([[0, 15_000], [15_000, 0]])


def trip(route_id: str, store: str, load_t: float, start_s: int) -> dict[str, Any]:
    """A 3600 s trip (village reached at +1200 s, back at +2400 s, unloaded at +3600 s)."""
    return {"route_id": route_id, "kind": "collection", "season": "summer",
            "truck_id": route_id.split("-")[-2], "base_id": store, "store_id": store,
            "trip": 1, "load_t": load_t, "distance_m": 30_000, "duration_s": 3600,
            "start_s": start_s, "store_arrival_s": start_s + 2400, "end_s": start_s + 3600,
            "stops": [{"settlement_id": f"{store[:4]}01100201", "name": "v",
                       "arrival_s": start_s + 1200, "pickup_t": load_t,
                       "load_after_t": load_t}]}


ROUTES = [trip("summer-6201-T001-1", STORES[0], 3.0, 21_600),
          trip("summer-6229-T001-1", STORES[1], 2.0, 21_600),
          trip("summer-6229-T002-1", STORES[1], 1.0, 21_600)]


def test_one_truck_crosses_the_border() -> None:
    rec = repack_season("summer", ROUTES, [], 4.0, STORES, DRIVE_S, DRIVE_M, 1, 28_800)
    (truck,) = rec.trucks
    assert {r["store_id"] for r in rec.routes} == set(STORES)
    assert truck["base_id"] == STORES[0]  # the 3 t trip is the most productive: it opens
    assert truck["work_s"] == 3 * 3600 + 2 * 900
    # ties of added time go to the earlier position: the 1 t and 2 t Linxia trips are
    # inserted before the 3 t one, so the day runs base -> Linxia, Linxia -> base
    assert [r["store_id"] for r in rec.routes] == [STORES[1], STORES[1], STORES[0]]
    # without first legs a trip starting elsewhere drives via its store: the first one
    # leaves the base at once (900 s to the Linxia store, 1200 s out), the third leaves
    # the Linxia store for Lanzhou; the truck ends at its base (a 0-s empty leg home)
    assert [r["start_id"] for r in rec.routes] == [STORES[0], STORES[1], STORES[1]]
    assert [leg["drive_s"] for leg in truck["empty_legs"]] == [0]
    starts = [r["start_s"] for r in rec.routes]
    assert starts == [SHIFT_START_S, SHIFT_START_S + 4500, SHIFT_START_S + 8100]
    assert rec.routes[0]["stops"][0]["arrival_s"] == SHIFT_START_S + 2100
    assert rec.routes[1]["stops"][0]["arrival_s"] == SHIFT_START_S + 4500 + 1200
    assert [r["distance_m"] for r in rec.routes] == [45_000, 30_000, 45_000]
    assert truck["distance_m"] == 120_000
    assert rec.kpis["daily_pickup_routed_t"] == 6.0 and rec.kpis["daily_supply_t"] == 10.0


#: Each store's village is 1200 s / 12 km from it, 300 s / 5 km from the other store.
CLOSE_LEGS = FirstLegs({"620101100201": 0, "622901100201": 1},
                       np.array([[1200, 300], [300, 1200]]),
                       np.array([[12_000, 5_000], [5_000, 12_000]]))


def test_trips_start_where_the_truck_unloaded_across_the_border() -> None:
    # 3 t Lanzhou trip opens the truck at 6201-S001; the Linxia trips go before it, each
    # from where the truck is straight to its village: 2700 + 3600 + 2700 s, home at once
    rec = repack_season("summer", ROUTES, [], 4.0, STORES, DRIVE_S, DRIVE_M, 1, 28_800,
                        first_legs=CLOSE_LEGS)
    (truck,) = rec.trucks
    assert truck["work_s"] == 9000 and truck["empty_legs"][0]["drive_s"] == 0
    got = [(r["start_id"], r["store_id"], r["start_s"] - SHIFT_START_S,
            r["stops"][0]["arrival_s"] - SHIFT_START_S, r["end_s"] - SHIFT_START_S,
            r["distance_m"], r["load_t"]) for r in rec.routes]
    assert got == [(STORES[0], STORES[1], 0, 300, 2700, 23_000, 1.0),
                   (STORES[1], STORES[1], 2700, 3900, 6300, 30_000, 2.0),
                   (STORES[1], STORES[0], 6300, 6600, 9000, 23_000, 3.0)]
    # the re-packed trips are read back to their own stores the same way
    again = repack_season("summer", rec.routes, [], 4.0, STORES, DRIVE_S, DRIVE_M, 1, 28_800,
                          first_legs=CLOSE_LEGS)
    assert again.trucks[0]["work_s"] == 9000
    assert [r["distance_m"] for r in again.routes] == [23_000, 30_000, 23_000]


def test_saved_trip_read_back_to_its_own_store() -> None:
    index = {s: k for k, s in enumerate(STORES)}
    # driven from Lanzhou straight to the Linxia village: 300 s, 5 km of its 23 km
    direct = {**trip("summer-6229-T001-1", STORES[1], 2.0, 21_600), "start_id": STORES[0],
              "distance_m": 23_000, "end_s": 21_600 + 2700, "store_arrival_s": 21_600 + 1500}
    direct["stops"][0]["arrival_s"] = 21_600 + 300
    job, own_m = own_store_job(direct, index, DRIVE_S, DRIVE_M, CLOSE_LEGS)
    assert (job.store, job.duration_s, job.lead_s, job.first, own_m) == (1, 3600, 1200, 1,
                                                                         30_000)
    # without the matrix, read as driven via its store: 900 s and 15 km less
    via = {**direct, "distance_m": 45_000, "end_s": 21_600 + 4500}
    via["stops"] = [{**direct["stops"][0], "arrival_s": 21_600 + 2100}]
    job, own_m = own_store_job(via, index, DRIVE_S, DRIVE_M, None)
    assert (job.duration_s, job.lead_s, job.first, own_m) == (3600, 1200, -1, 30_000)
    # driven via its store although the table has the direct pair (the saved plan's
    # search stopped short of it): its 2100 s lead says so, the 27 km via are taken off
    job, own_m = own_store_job(via, index, DRIVE_S, DRIVE_M, CLOSE_LEGS)
    assert (job.duration_s, job.lead_s, job.first, own_m) == (3600, 1200, 1, 30_000)


def test_start_of_a_merged_prefecture_trip_is_its_prefixed_start_id() -> None:
    index = {s: k for k, s in enumerate(STORES)}
    merged = {**trip("summer-6229-T001-1", STORES[1], 2.0, 21_600), "start_id": STORES[0]}
    assert trip_start(merged, index) == 0
    assert trip_start({k: v for k, v in merged.items() if k != "start_id"}, index) == 1
    # an id the plan does not have (here: unprefixed, as before the merge prefixed it)
    # is named, not read as the trip's own store
    with pytest.raises(ValueError, match="trip summer-6229-T001-1: start_id 'S001' is not"):
        trip_start({**merged, "start_id": "S001"}, index)
    # its line is drawn from its own store only when it started there
    assert not started_at_own_store(merged)
    assert started_at_own_store({**merged, "start_id": STORES[1]})
    assert started_at_own_store({**merged, "start_id": None})


def test_short_shift_drops_the_least_productive_trip() -> None:
    rec = repack_season("summer", ROUTES, [], 0.0, STORES, DRIVE_S, DRIVE_M, 1, 9000)
    assert rec.kpis["dropped_trips"] == 1 and rec.kpis["daily_unrouted_t"] == 1.0
    (left,) = rec.unserved
    assert left["reason"].startswith("fleet capacity reached: all 1 trucks are in use")
    assert left["tonnes_t"] == 1.0 and left["county_code"] == "622901"


def test_every_season_of_a_merged_plan() -> None:
    meta = {"routes": ROUTES + [dict(trip("autumn-6201-T001-1", STORES[0], 2.5, 21_600),
                                     season="autumn")],
            "unserved": [{"settlement_id": "620101100201", "name": "far", "county_code":
                          "620101", "stage": "routing", "season": "autumn", "tonnes_t": 0.5,
                          "reason": "no truck can reach it within its freshness limit even "
                                    "alone"}],
            "season_kpis": {"autumn": [{"daily_self_delivered_t": 1.0}]}}
    autumn, summer = repack_plan_meta(meta, STORES, DRIVE_S, DRIVE_M, 2, 28_800)
    assert (autumn.season, summer.season) == ("autumn", "summer")
    assert autumn.kpis["daily_truck_needed_t"] == 3.0 and autumn.kpis["idle_trucks"] == 1
    assert autumn.kpis["daily_supply_t"] == 4.0 and len(autumn.unserved) == 1
    assert summer.kpis["trucks_used"] == 1


@pytest.fixture(scope="module")
def unlimited() -> Plan:
    """广河县 planned without a fleet limit, as a province's prefecture is."""
    return build_plan(GUANGHE, plan_id="g0", fleet_trucks=0)


@pytest.mark.slow
def test_prefecture_without_fleet_limit_drops_nothing(unlimited: Plan) -> None:
    seasons = unlimited.meta["seasons"]["seasons"]
    assert seasons
    for s in seasons:
        k = s["kpis"]
        assert k["dropped_trips"] == 0 and k["idle_trucks"] == 0
        assert k["trucks"] == k["trucks_used"] > 0
    assert verify_plan(unlimited) == []


@pytest.fixture(scope="module")
def guanghe_net() -> Network:
    """The network 广河县 is planned on (the province network of a one-county province)."""
    region = load_region(GUANGHE.region_code, datasets.data_dir(None))
    return site_region(GUANGHE, region, regional_share(GUANGHE, region.census),
                       osm_path=None, report=lambda stage, fraction: None).net


def merged_as_province(plan: Plan, code: str) -> Plan:
    """``plan`` with its ids prefixed by ``code`` as the province merge writes them."""
    return prefixed_plan(plan, code)


def trip_matrices(plan: Plan, net: Network, r: dict[str, Any]
                  ) -> tuple[np.ndarray, np.ndarray, bool]:
    """A collection trip's drives (s, m) on ``net`` between start store, own store, its
    stops and its store again, and whether its clock took the drive from its start
    straight to its first village (else via its own store)."""
    settle = net.settlements
    row = {str(v): k for k, v in enumerate(settle["village_code"].astype(str))}
    site = dict(zip(plan.stores["store_id"], plan.stores["site_settlement_id"].astype(str),
                    strict=True))
    seq = [site[r["start_id"]], site[r["store_id"]],
           *(s["settlement_id"] for s in r["stops"]), site[r["store_id"]]]
    rows = [row[str(v)] for v in seq]
    time_s, dist_m = leg_matrices(net.csr, seq, list(net.settle_node[rows]),
                                  settle["leg_s"].to_numpy(float)[rows],
                                  settle["leg_m"].to_numpy(float)[rows])
    return time_s, dist_m, r["stops"][0]["arrival_s"] - r["start_s"] == time_s[0, 2]


def collection_trips(plan: Plan) -> list[dict[str, Any]]:
    return [r for r in plan.meta["routes"] if r["kind"] == "collection" and r["stops"]]


def recomputed_trips(plan: Plan, net: Network) -> list[tuple[Any, ...]]:
    """Each collection trip's (id, distance_m, duration_s) as saved and as recomputed from
    its legs on ``net``: the first leg from ``start_id`` (straight to the first village
    when the trip's clock took that drive, else via its own store), the drives between
    its stops and back to its store, ``service_s`` per stop and ``unload_s``."""
    out = []
    for r in collection_trips(plan):
        time_s, dist_m, direct = trip_matrices(plan, net, r)
        first_s = time_s[0, 2] if direct else time_s[0, 1] + time_s[1, 2]
        first_m = dist_m[0, 2] if direct else dist_m[0, 1] + dist_m[1, 2]
        rest = range(2, len(time_s) - 1)
        again_m = first_m + sum(dist_m[k, k + 1] for k in rest)
        again_s = first_s + sum(time_s[k, k + 1] for k in rest) \
            + len(r["stops"]) * GUANGHE.service_s + GUANGHE.unload_s
        out.append((r["route_id"], r["distance_m"], r["duration_s"], int(again_m),
                    int(again_s)))
    return out


def recomputed_legs(plan: Plan, net: Network) -> list[tuple[str, list[int], list[int]]]:
    """Each collection trip's (id, saved ``legs`` metres, the same legs' metres on
    ``net``): from its own store, none to it; via its store, that drive first."""
    out = []
    for r in collection_trips(plan):
        _, dist_m, direct = trip_matrices(plan, net, r)
        first = [dist_m[0, 1], dist_m[1, 2]] if not direct else [dist_m[0, 2]]
        if r["start_id"] == r["store_id"]:
            first = [dist_m[1, 2]]
        again = [*first, *(dist_m[k, k + 1] for k in range(2, len(dist_m) - 1))]
        out.append((r["route_id"], [int(g["distance_m"]) for g in r["legs"]],
                    [int(m) for m in again]))
    return out


@pytest.mark.slow
def test_repacked_trips_drive_what_their_legs_add_up_to(unlimited: Plan,
                                                        guanghe_net: Network) -> None:
    """Defect of issue 17: merged prefecture trips named their start store unprefixed (the
    merge now prefixes it, :func:`prefixed_plan`); the repack read them as started at
    their own store and kept the prefecture's first leg (from another store) in their
    length when re-based: 91,316 m recorded for 70,202 m of legs on the small province
    (6202 + 6203)."""
    # the prefecture's own trips (chained by its fleet step) already add up
    own = recomputed_trips(unlimited, guanghe_net)
    assert len(own) > 10 and [t for t in own if t[1:3] != t[3:5]] == []
    legs = recomputed_legs(unlimited, guanghe_net)
    assert len(legs) == len(own) and [t for t in legs if t[1] != t[2]] == []
    merged = merged_as_province(unlimited, "6229")
    assert any(r["start_id"] != r["store_id"]
               for r in merged.meta["routes"])  # some prefecture trips were chained
    # the merge prefixes the legs' store ids (a trip starts at one), not the villages'
    starts = {g["from_id"] for r in collection_trips(merged) for g in r["legs"][:1]}
    assert starts and all(s.startswith("6229-S") for s in starts)
    ids, drive_s, drive_m = province_store_drives(guanghe_net, merged.stores)
    for n_trucks in (10, 3):
        plan = repack_province_plan(merged, GUANGHE, ids, drive_s, drive_m, n_trucks,
                                    net=guanghe_net)
        trips = recomputed_trips(plan, guanghe_net)
        assert len(trips) > 10
        wrong = [t for t in trips if t[1:3] != t[3:5]]
        assert wrong == []
        # every repacked trip's legs are the network's drives, leg by leg
        legs = recomputed_legs(plan, guanghe_net)
        assert len(legs) == len(trips) and [t for t in legs if t[1] != t[2]] == []
        assert any(len(t[1]) == len(t[2]) > 2 for t in legs)
        assert verify_plan(plan) == []


@pytest.mark.slow
def test_merged_plan_repacked_on_the_province_network(unlimited: Plan,
                                                      guanghe_net: Network) -> None:
    sited_net = guanghe_net
    ids, drive_s, drive_m = province_store_drives(sited_net, unlimited.stores)
    assert drive_s.shape == (len(ids), len(ids)) and drive_s[0, 1] > 0
    full = repack_province_plan(unlimited, GUANGHE, ids, drive_s, drive_m, 10)
    assert verify_plan(full) == []
    # on the network, trips start straight from where their truck unloaded: no more
    # truck-hours than driving via their stores, and the plan still checks out
    legs = province_first_legs(sited_net, unlimited.stores, unlimited.meta["routes"])
    assert legs.time_s.shape == (len(ids), len(legs.columns)) and legs.columns
    chained = repack_province_plan(unlimited, GUANGHE, ids, drive_s, drive_m, 10,
                                   net=sited_net)
    assert verify_plan(chained) == []
    assert len(chained.meta["routes"]) == len(full.meta["routes"])

    def hours(plan: Plan) -> float:
        return sum(t["work_s"] for t in plan.meta["trucks"]) / 3600

    assert hours(chained) < hours(full)
    moved = [r for r in chained.meta["routes"] if r["start_id"] != r["store_id"]]
    assert moved and all(r["stops"][0]["arrival_s"] > r["start_s"] for r in moved)
    # verify_plan rejects a broken start chain: a moved trip said to leave its own store
    bad = moved[0]
    broken = Plan({**chained.meta, "routes": [dict(r, start_id=r["store_id"]) if r is bad
                                              else r for r in chained.meta["routes"]]},
                  chained.counties, chained.settlements, chained.stores, chained.routes)
    assert [p for p in verify_plan(broken) if "starts at" in p] == [
        f"truck {bad['truck_id']} ({bad['season']}): trip {bad['route_id']} starts at "
        f"{bad['store_id']}, the truck is at {bad['start_id']} "
        f"({'its base' if bad['trip'] == 1 else 'the previous trip store'})"]
    short = repack_province_plan(unlimited, GUANGHE, ids, drive_s, drive_m, 3)
    assert verify_plan(short) == []
    for s in short.meta["seasons"]["seasons"]:
        k = s["kpis"]
        assert k["trucks"] == k["trucks_used"] == 3 and k["dropped_trips"] > 0
        assert k["daily_pickup_routed_t"] < k["daily_truck_needed_t"]
    reasons = {u["reason"].split(":")[0] for u in short.meta["unserved"]}
    assert "fleet capacity reached" in reasons
    assert sum(short.stores["trucks"]) == 3
    assert short.meta["seasons"]["trucks_by_season"] == {
        s["name"]: 3 for s in short.meta["seasons"]["seasons"]}
    assert short.meta["seasons"]["moves"] == []  # one prefecture: nothing to move


def test_moves_follow_the_repacked_bases() -> None:
    import geopandas as gpd
    from shapely.geometry import Point

    from optimize.pipeline.province_fleet import season_moves

    stores = gpd.GeoDataFrame({"store_id": list(STORES)},
                              geometry=[Point(103.8, 36.0), Point(103.2, 35.6)], crs=4326)
    trucks = [{"season": "summer", "base_id": b} for b in (STORES[0], STORES[0], STORES[1])]
    trucks += [{"season": "autumn", "base_id": b} for b in (STORES[0], STORES[1], STORES[1])]
    out = season_moves(["summer", "autumn"], trucks, stores, 3, 1.3)
    assert out["trucks_by_season"] == {"summer": 3, "autumn": 3}
    moves = [(m["from_season"], m["origin"], m["destination"], m["trucks"])
             for m in out["moves"]]
    assert moves == [("summer", "6201", "6229", 1), ("autumn", "6229", "6201", 1)]
    assert out["repositioning_truck_km"] == pytest.approx(2 * out["moves"][0]["distance_km"],
                                                          abs=0.2)


def test_each_repacked_season_says_how_many_trucks_reach_the_target() -> None:
    # shift 9000 s: one truck carries 5 of the 6 t (83.3 %); two trucks carry all 6
    rec = repack_season("summer", ROUTES, [], 0.0, STORES, DRIVE_S, DRIVE_M, 1, 9000)
    k = rec.kpis
    assert k["daily_pickup_routed_t"] == 5.0 and k["daily_truck_needed_t"] == 6.0
    assert k["target_pct"] == 95.0 and k["trucks_for_target"] == 2
    assert k["trucks_for_target_note"] == FOUND_NOTE
    lower = repack_season("summer", ROUTES, [], 0.0, STORES, DRIVE_S, DRIVE_M, 1, 9000,
                          target_pct=80.0)
    assert lower.kpis["trucks_for_target"] is None and lower.kpis["target_pct"] == 80.0


# -- h17bound: each re-packed season states the proven bound for the province's fleet --
@pytest.mark.slow
def test_repacked_seasons_state_the_proven_bound(unlimited: Plan) -> None:
    region = load_region(GUANGHE.region_code, datasets.data_dir(None))
    sited = site_region(GUANGHE, region, regional_share(GUANGHE, region.census),
                        osm_path=None, report=lambda stage, fraction: None)
    ids, drive_s, drive_m = province_store_drives(sited.net, unlimited.stores)
    items = season_bound_items([unlimited.meta])
    assert items and all(items.values())
    short = repack_province_plan(unlimited, GUANGHE, ids, drive_s, drive_m, 3,
                                 net=sited.net, bound_items=items)
    assert verify_plan(short) == []
    seasons = short.meta["seasons"]["seasons"]
    assert seasons
    for s in seasons:
        k = s["kpis"]
        own = {i[0]: i for i in items[s["name"]]}
        # the province network can only lower an arrival (a nearer store), never raise it
        assert len(k["fleet_bound"]["items"]) == len(items[s["name"]])
        assert all(i[2] <= own[i[0]][2] and i[3] <= own[i[0]][3]
                   for i in k["fleet_bound"]["items"])
        assert k["fleet_bound"]["hours_s"] == 3 * GUANGHE.shift_s
        assert k["daily_pickup_routed_t"] <= k["collectable_upper_t"]
        assert k["collectable_upper_t"] < k["daily_truck_needed_t"]  # 3 trucks cannot
        assert 3 < k["trucks_for_target_lower"] <= (k["trucks_for_target"] or 10**9)
        full = [u["reason"] for u in short.meta["unserved"] if u["season"] == s["name"]
                and u["reason"].startswith("fleet capacity reached")]
        assert full and all(r.endswith(f"no plan with 3 trucks collects more than "
                                       f"{k['collectable_upper_t']:.1f} t/day (proven "
                                       "bound)") for r in full)
    # without items (a plan made before the bound) no season states one
    bare = repack_province_plan(unlimited, GUANGHE, ids, drive_s, drive_m, 3, bound_items={})
    assert all("collectable_upper_t" not in s["kpis"] for s in bare.meta["seasons"]["seasons"])
