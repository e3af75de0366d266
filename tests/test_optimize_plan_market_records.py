"""The typed market records of plan.json (optimize.plan.market_records): a lent truck's
``long_haul`` leg is read field by field, nothing left untyped, and written back exactly."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from optimize.plan.market_records import LongHaulLeg, long_haul_of
from optimize.plan.model import TruckDay

#: A 6-day leg of truck T005 from store S007 to the Tianjin outlet (shape of the 广河县
#: plan with 30 trucks): 3 t loaded, 1,668 km each way by the straight-line estimate.
LEG: dict[str, Any] = {
    "kind": "long_haul", "season": "early summer", "truck_id": "T005", "base_id": "S007",
    "store_id": "S007", "market_id": "P:tianjin", "market_kind": "long_haul",
    "stops": [{"store_id": "S007", "name": "对康村委会", "arrival_s": 21600, "pickup_t": 3.0,
               "load_after_t": 3.0, "pickup_by_crop": {"vegetables": 3.0}},
              {"market_id": "P:tianjin", "name": "天津", "arrival_s": 212253,
               "pickup_t": 0.0, "delivered_t": 3.0, "load_after_t": 0.0}],
    "start_s": 21600, "end_s": 459906, "distance_m": 3336381, "duration_s": 438306,
    "drive_s": 141306, "breaks": [{"start_s": 37200, "duration_s": 1200}],
    "load_t": 3.0, "days": 6, "daily_t": 0.5, "tonne_km": 5004.572, "paid_s": 150306,
    "approximate_travel": True, "stops_count": 1, "fuel_l": 467.093, "co2_kg": 1251.81,
    "cost_yuan": 3846.35, "leg_id": "early_summer-T005-long_haul",
    "legs": [{"from_id": "S007", "to_id": "S007", "time_s": 0, "distance_m": 0,
              "travel": "road"},
             {"from_id": "S007", "to_id": "P:tianjin", "time_s": 70653,
              "distance_m": 1668191, "travel": "straight_line"},
             {"from_id": "P:tianjin", "to_id": "S007", "time_s": 70653,
              "distance_m": 1668191, "travel": "straight_line"}],
    "nights": 5}

TRUCK: dict[str, Any] = {
    "truck_id": "T005", "season": "early summer", "base_id": "S007", "trips": [],
    "start_s": 21600, "end_s": 46651, "work_s": 25051, "distance_m": 556064,
    "collection_t": 0.0, "market_t": 0.5, "idle": False, "idle_reason": None,
    "empty_legs": [], "long_haul": LEG}


def test_a_long_haul_leg_is_typed_field_by_field() -> None:
    leg = LongHaulLeg.from_json(LEG)
    assert leg.extra == {}  # every key of the record is declared
    assert (leg.leg_id, leg.market_id, leg.days, leg.nights) == (
        "early_summer-T005-long_haul", "P:tianjin", 6, 5)
    assert [s.store_id for s in leg.stops] == ["S007", None]
    assert leg.stops[1].delivered_t == 3.0 and leg.daily_t * leg.days == leg.load_t
    assert leg.legs is not None
    assert [g.travel for g in leg.legs] == ["road", "straight_line", "straight_line"]
    # each leg is rounded to the metre on its own: they add up to within a metre a leg
    assert abs(sum(g.distance_m for g in leg.legs) - leg.distance_m) <= len(leg.legs)
    assert leg.to_json() == LEG


def test_a_lent_truck_carries_its_leg_typed() -> None:
    truck = TruckDay.from_json(copy.deepcopy(TRUCK))
    leg = long_haul_of(truck)
    assert isinstance(leg, LongHaulLeg) and leg.extra == {}
    assert leg.base_id == truck.base_id and not truck.trips
    assert truck.to_json() == TRUCK  # the plan is written back as read
    plain = TruckDay.from_json({k: v for k, v in TRUCK.items() if k != "long_haul"})
    assert long_haul_of(plain) is None


def test_a_leg_without_its_days_is_named() -> None:
    broken = copy.deepcopy(TRUCK)
    del broken["long_haul"]["days"]
    with pytest.raises(KeyError, match="days"):
        long_haul_of(TruckDay.from_json(broken))
