"""MultiDepotProblem: validation names every culprit; the helpers of its fields."""

from __future__ import annotations

import numpy as np
import pytest

from optimize.errors import SpecificationError
from tests.multidepot_cases import ride_case


def test_valid_case_is_frozen_and_numbered_depot_by_depot() -> None:
    p = ride_case(trucks_per_depot=(2, 3), reload_depots=(1,))
    assert p.n_trucks == 5 and p.n_pickups == 5
    assert [p.depot_of(k) for k in range(5)] == [0, 0, 1, 1, 1]
    assert p.reloads_of(0) == (0, 1) and p.reloads_of(1) == (1,)
    assert p.node(0) == 2
    with pytest.raises(ValueError):
        p.time_s[0, 1] = 5


def test_every_culprit_is_named() -> None:
    with pytest.raises(SpecificationError) as err:
        ride_case(trucks_per_depot=(1,), truck_capacity_t=0.0, horizon_s=-1,
                  max_trips_per_truck=0, reload_depots=(2,), engine="vroom",
                  release_s=np.array([0, 0, -5, 0, 0]),
                  time_window_s=np.array([[0, 9]] * 4 + [[10, 3]]),
                  ride_limit_s=np.array([20, 20, 20, 0, 20]))
    text = "\n".join(err.value.reasons)
    for expected in ("trucks_per_depot: expected 2 whole numbers >= 0",
                     "truck_capacity_t: expected tonnes > 0", "horizon_s: expected",
                     "max_trips_per_truck: expected None or >= 1",
                     "reload_depots: expected depots 0..1", "engine: expected one of",
                     "release_s: negative: release_s[2] = -5",
                     "time_window_s[:, 0]: opens after it closes: time_window_s[:, 0][4] = 10",
                     "ride_limit_s: not > 0: ride_limit_s[3] = 0"):
        assert expected in text


def test_shapes_and_loads_are_checked() -> None:
    with pytest.raises(SpecificationError) as err:
        ride_case(service_s=np.zeros(4), pickup_t=np.array([1, 1, 9, 1, 1.0]))
    text = "\n".join(err.value.reasons)
    assert "service_s: expected shape (5,) (2 depots + 5 pickups), got (4,)" in text
    assert "pickup_t: larger than a truck (5 t): pickup_t[2] = 9.0" in text


def test_day_and_windows_default_to_the_horizon() -> None:
    p = ride_case(shift_s=600)
    assert p.day_s == 600 and ride_case().day_s == 1000
    assert p.window_of(3) == (0, 1000) and p.release_of(3) == 0
    assert p.ride_limit_of(3) == 20
