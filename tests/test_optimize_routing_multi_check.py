"""check_multidepot recomputes a plan from the matrices and names what it breaks."""

from __future__ import annotations

import dataclasses

import numpy as np

from optimize.routing.multi_check import check_multidepot
from optimize.routing.multi_schedule import Leg, multi_result, schedule_truck
from tests.multidepot_cases import ride_case


def _plan(problem, legs):  # type: ignore[no-untyped-def]
    trips = [t for k, v in legs.items() for t in schedule_truck(problem, k, v)]
    return multi_result(trips, {}, "success", 0.0)


def test_a_valid_plan_passes() -> None:
    p = ride_case()
    plan = _plan(p, {0: [Leg((0, 1), 0, "x"), Leg((2,), 0, "x")], 1: [Leg((3, 4), 1, "x")]})
    assert check_multidepot(p, plan) == []
    assert plan.distance_m == 72


def test_ride_coverage_and_depot_errors_are_named() -> None:
    p = ride_case(reload_depots=())
    plan = _plan(p, {0: [Leg((0, 1, 2), 1, "x")], 1: [Leg((3,), 1, "x")]})
    found = "\n".join(check_multidepot(p, plan))
    assert "truck 0 trip 0: pickup 0 rides 112 s to depot 1, limit 20 s" in found
    assert "truck 0 trip 0: unloads at depot 1, not one of (0,)" in found
    assert "truck 0: ends the day at depot 1, not at home depot 0" in found
    assert "pickup 4 is neither served nor listed as unserved" in found


def test_tampered_times_release_capacity_and_totals_are_caught() -> None:
    p = ride_case(release_s=np.array([0, 0, 0, 30, 0]), truck_capacity_t=1.5)
    plan = _plan(p, {1: [Leg((3, 4), 1, "x")], 0: [Leg((0,), 0, "x"), Leg((1,), 0, "x"),
                                                   Leg((2,), 0, "x")]})
    assert len(check_multidepot(p, plan)) == 2   # 2 t on B's trip; 3 trips, at most 2
    early = dataclasses.replace(plan.trips[-1], start_s=0)
    tampered = dataclasses.replace(plan, trips=plan.trips[:-1] + (early,), distance_m=1)
    found = "\n".join(check_multidepot(p, tampered))
    assert "truck 1 trip 0: leaves at 0 s, pickup 3 is released at 30 s" in found
    assert "truck 1 trip 0: carries 2 t, capacity 1.5 t" in found
    assert "truck 0: 3 trips, at most 2" in found
    assert "total distance 1, trips add up to 86" in found
    assert "recomputed" in found
