"""Trip costs: km, hours, diesel, CO2, yuan; truck-days, seasons and the year add up."""

from __future__ import annotations

import pytest

from optimize.costs import (
    DEFAULT_COSTS,
    CostParameters,
    Param,
    costs_mapping,
    per_truck_day,
    season_cost,
    tonne_km,
    total,
    trip_cost,
    year_cost,
)
from optimize.crops import default_gansu_seasons


def test_one_trip_by_hand() -> None:
    # 150 km, 3 h, 4 t delivered; loaded legs: 30 km with 2 t, 60 km with 4 t
    c = trip_cost(150_000, 3 * 3600, 4.0, tonne_km([(30_000, 2.0), (60_000, 4.0)]))
    assert c.distance_km == 150 and c.hours == 3
    assert c.fuel_l == pytest.approx(21.0)                    # 150 km x 14 L/100 km
    assert c.refrigeration_fuel_l == pytest.approx(4.2)       # 20 % of it
    assert c.co2_kg == pytest.approx(21.0 * 2.68)
    assert c.cost_yuan == pytest.approx(21.0 * 6.0 + 3 * 25.0)
    assert c.cost_per_t_yuan == pytest.approx((126 + 75) / 4)
    assert c.tonne_km == 300 and c.freight_equivalent_yuan == pytest.approx(300 * 0.31)


def test_truck_day_season_and_year_add_up() -> None:
    a = trip_cost(100_000, 7200, 3.0, 100.0)
    b = trip_cost(50_000, 3600, 0.0)                          # no tonne-km known
    days = per_truck_day([("T1", a), ("T1", b), ("T2", a)])
    assert days["T1"].distance_km == 150 and days["T1"].trips == 2
    assert days["T1"].freight_equivalent_yuan is None        # unknown for trip b
    assert days["T2"] == a
    day = total(days.values())
    assert day.cost_yuan == pytest.approx(2 * a.cost_yuan + b.cost_yuan)
    autumn = next(s for s in default_gansu_seasons() if s.name == "autumn")
    season = season_cost(day, autumn.days)
    assert autumn.days == 91 and season.fuel_l == pytest.approx(day.fuel_l * 91)
    year = year_cost({"autumn": season, "summer": season_cost(day, 62)})
    assert year.days == 153 and year.co2_kg == pytest.approx(day.co2_kg * 153)
    assert year.cost_per_t_yuan == pytest.approx(day.cost_yuan / day.t_moved)
    assert total([]).cost_yuan == 0 and total([]).cost_per_t_yuan is None


def test_a_long_haul_leg_counts_a_share_per_day() -> None:
    leg = trip_cost(1_600_000, 3 * 8 * 3600, 6.0)
    per_day = leg.scaled(1 / 3)
    assert per_day.distance_km == pytest.approx(1600 / 3)
    assert per_day.t_moved == pytest.approx(2.0)
    assert per_day.cost_per_t_yuan == pytest.approx(leg.cost_per_t_yuan)


def test_parameters_carry_provenance_and_flags() -> None:
    table = DEFAULT_COSTS.to_mapping()
    assert table["fuel_l_per_100km"] == {"value": 14.0, "unit": "L/100 km", "source":
                                         DEFAULT_COSTS.fuel_l_per_100km.source,
                                         "assumption": False}
    assert table["diesel_yuan_per_l"]["assumption"] and table["driver_yuan_per_h"]["assumption"]
    assert not table["freight_yuan_per_t_km"]["assumption"]
    assert len(DEFAULT_COSTS.assumptions()) == 3
    cheap = CostParameters(diesel_yuan_per_l=Param(5.0, "yuan/L", "test", True))
    assert trip_cost(100_000, 0, 1.0, params=cheap).cost_yuan == pytest.approx(70.0)
    out = costs_mapping({"autumn": season_cost(trip_cost(1000, 60, 1.0), 10)})
    assert set(out) == {"parameters", "by_season", "per_year", "not_counted"}
    assert out["per_year"]["distance_km"] == pytest.approx(10.0)
