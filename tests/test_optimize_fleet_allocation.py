"""Tonnage need and D'Hondt shares; hand-checked."""

from __future__ import annotations

import numpy as np

from optimize.fleet.allocation import dhondt, trucks_needed


def test_needs() -> None:
    # 3 t trucks x 3 trips = 9 t per truck-day
    assert trucks_needed(np.array([0.0, 9.0, 9.1, 27.0]), 3.0, 3).tolist() == [0, 1, 2, 3]


def test_dhondt_within_caps_then_spare() -> None:
    # caps (needs) [1, 2, 3]; 3 trucks: D'Hondt on 9, 18, 27 -> 27 (then 13.5), 18 (then 9),
    # 13.5 -> 27's second truck
    alloc = np.zeros(3, dtype=int)
    assert dhondt(np.array([9.0, 18.0, 27.0]), alloc, 3, np.array([1, 2, 3])) == 0
    assert alloc.tolist() == [0, 1, 2]
    # 4 more without caps: 9/1=9, 18/2=9, 27/3=9 -> ties to the lower index: 9 (then 4.5),
    # 18 (then 6), 27 (then 6.75), then 27 again
    assert dhondt(np.array([9.0, 18.0, 27.0]), alloc, 4, None) == 0
    assert alloc.tolist() == [1, 2, 4]


def test_no_load_no_truck_and_leftovers_returned() -> None:
    alloc = np.zeros(2, dtype=int)
    assert dhondt(np.array([0.0, 5.0]), alloc, 4, np.array([0, 2])) == 2
    assert alloc.tolist() == [0, 2]
