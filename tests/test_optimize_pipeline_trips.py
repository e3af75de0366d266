"""Who carries what per store and season (optimize.pipeline.trips), hand-checked."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from optimize.crops import CROPS
from optimize.errors import SpecificationError
from optimize.pipeline.trips import (
    BOUND_COLUMNS,
    TRIP_PICKUP_COLUMNS,
    SeasonDay,
    check_self_delivery,
    crop_by_crop,
    region_seasons,
    season_pickups,
    with_bound_costs,
)
from optimize.scenario import Scenario


def test_linxia_seasons_follow_the_default_calendar() -> None:
    seasons = region_seasons(Scenario(), "622924")  # a county: its prefecture's peaks
    assert [(s.name, s.days) for s in seasons] == [("early summer", 61), ("summer", 62),
                                                   ("autumn", 91)]
    assert seasons[0].crops == (("vegetables", 0.30),)
    assert seasons[1].crops == (("sichuan_pepper", 0.10), ("vegetables", 0.25))


VILLAGES = pd.DataFrame({
    "settlement_id": ["A", "B", "C"], "name": ["a", "b", "c"], "county_code": ["622924"] * 3,
    "supply_t": [62.0, 124.0, 620.0], "member": [True, True, False]})


def test_self_delivered_villages_and_crops_collected_together() -> None:
    summer = SeasonDay("summer", 62, (("sichuan_pepper", 0.10), ("vegetables", 0.25)))
    pickups, own = season_pickups(VILLAGES, np.array([True, False, False]), summer, 3.0)
    # A delivers itself: 62 t x 0.35 / 62 days = 0.35 t/day; C is not the store's village
    assert own[["settlement_id", "daily_t"]].values.tolist() == [["A", pytest.approx(0.35)]]
    assert own["crop"].tolist() == ["sichuan_pepper, vegetables"]
    # B: 124 x 0.35 / 62 = 0.7 t/day in one stop held to the vegetables' 2 h limit
    assert pickups[["settlement_id", "village", "freshness_s"]].values.tolist() == [
        ["B", 1, CROPS["vegetables"].freshness_limit_s]]
    assert pickups["pickup_t"].tolist() == [pytest.approx(0.7)]


def test_a_load_larger_than_a_truck_is_split() -> None:
    big = SeasonDay("autumn", 1, (("potato", 0.05),))
    pickups, _ = season_pickups(VILLAGES, np.zeros(3, dtype=bool), big, 3.0)
    # A 3.1 t -> 3 + 0.1; B 6.2 t -> 3 + 3 + 0.2
    assert pickups["pickup_t"].round(6).tolist() == [3.0, 0.1, 3.0, 3.0, 0.2]


def test_bad_self_delivery_parameters_are_named() -> None:
    # the scenario refuses them on construction (its value bounds) ...
    with pytest.raises(SpecificationError, match="self_delivery_reach_s = -1") as err:
        dataclasses.replace(Scenario(), self_delivery_reach_s=-1, farm_vehicle_speed_kmh=0)
    assert "farm_vehicle_speed_kmh = 0" in str(err.value)
    # ... and the routing stage checks again a scenario that skipped that check
    bad = Scenario()
    object.__setattr__(bad, "self_delivery_reach_s", -1)
    object.__setattr__(bad, "farm_vehicle_speed_kmh", 0)
    with pytest.raises(SpecificationError, match="self_delivery_reach_s -1") as err:
        check_self_delivery(bad)
    assert "farm_vehicle_speed_kmh 0" in str(err.value)


def test_a_village_out_of_reach_even_alone_is_left_with_the_physical_reason() -> None:
    # store + two villages: 1800 s and 9000 s away; 2 h freshness: the far one cannot
    time_s = np.array([[0, 1800, 9000], [1800, 0, 9000], [9000, 9000, 0]])
    pickups = pd.DataFrame({"settlement_id": ["B", "C"], "name": ["b", "c"],
                            "county_code": ["622924"] * 2, "village": [0, 1],
                            "crop": ["vegetables"] * 2, "freshness_s": [7200, 7200],
                            "pickup_t": [1.0, 1.0]})
    result = crop_by_crop(Scenario(), time_s, time_s * 10, pickups, 0.5, 3.0)
    assert [t.stops for t in result.trips] == [(0,)]
    assert [p for p, _ in result.unserved] == [1]
    assert result.status == "success"


# -- h17bound: each pickup's least cost for the proven fleet bound --
def test_pickups_carry_their_least_cost() -> None:
    # store + villages 0-2; the default scenario: 900 s loading, 1200 s unloading, 3 t
    time_s = np.array([[0, 1800, 2400, 3000], [1800, 0, 600, 2000],
                       [2400, 600, 0, 1500], [3000, 2000, 1500, 0]])
    pickups = pd.DataFrame({"settlement_id": ["A", "B", "C"], "name": ["a", "b", "c"],
                            "county_code": ["622924"] * 3, "village": [0, 1, 2],
                            "crop": ["vegetables"] * 3, "freshness_s": [7200] * 3,
                            "pickup_t": [1.0, 0.5, 0.5]})
    # another store is 300 s from A
    out = with_bound_costs(Scenario(), time_s, pickups, np.array([300.0, 5000.0, 5000.0]))
    # arrivals: A from the other store 300 s, B from A 600 s, C from B 1500 s
    assert out["arrive_s"].tolist() == [300, 600, 1500]
    # return 1800 s (A); 900 k + 600 (k - 1) + 1800 <= 7200 -> 4 stops a trip: 3 stops are
    # 0.75 trip, more than 2 t / 3 t: each pickup carries (1200 + 1800) / 4 = 750 s
    assert out["cost_s"].tolist() == [900 + 300 + 750, 900 + 600 + 750, 900 + 1500 + 750]
    assert list(out.columns) == [*TRIP_PICKUP_COLUMNS, *BOUND_COLUMNS]
    assert with_bound_costs(Scenario(), time_s, pickups.iloc[:0], np.zeros(3)).empty
