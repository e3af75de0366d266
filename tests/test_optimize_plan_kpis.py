"""KPIs by hand on a 4-village plan, and Jain's index."""

from __future__ import annotations

import math

import pytest

from optimize.plan.kpis import compute_kpis, jain_index
from tests.test_optimize_plan_io import layers_of_four_villages


def test_kpis_by_hand() -> None:
    layers = layers_of_four_villages()
    k = compute_kpis(layers["settlements"], layers["stores"], layers["routes"], trucks=3,
                     budget_yuan=200_000, daily_pickup_t=5.0)
    assert k["supply_t"] == 100 and k["supply_covered_t"] == 80 and k["coverage_pct"] == 80.0
    assert k["poor_settlements"] == 2 and k["poor_covered_pct"] == 50.0
    # supply-weighted mean of 0, 600, 1200 s with weights 10, 30, 40 = 66000/80 = 825 s
    assert k["access_time_mean_s"] == pytest.approx(825.0)
    assert k["access_time_max_s"] == 1200
    # county shares: c1 40/40 = 1.0, c2 40/60 = 0.667 -> Jain (1.667^2)/(2*(1+0.444)) = 0.9615
    assert k["county_fairness_jain"] == pytest.approx(0.9615, abs=1e-4)
    assert k["trucks_used"] == 1 and k["truck_trips"] == 2 and k["route_distance_m"] == 4000
    assert k["daily_pickup_routed_t"] == 3.5


def test_jain_index_limits() -> None:
    assert jain_index([1.0, 1.0, 1.0]) == pytest.approx(1.0)
    assert jain_index([1.0, 0.0, 0.0, 0.0]) == pytest.approx(0.25)
    assert math.isnan(jain_index([]))
