"""Truck allocation by need, then D'Hondt; hand-checked."""

from __future__ import annotations

import numpy as np

from optimize.fleet.allocation import allocate_trucks, trucks_needed


def test_needs() -> None:
    # 3 t trucks x 3 trips = 9 t per truck-day
    assert trucks_needed(np.array([0.0, 9.0, 9.1, 27.0]), 3.0, 3).tolist() == [0, 1, 2, 3]


def test_enough_trucks_meet_every_need_then_spread() -> None:
    # needs [1, 2, 3] = 6; 7 trucks: the spare goes to max load/(alloc+1):
    # 9/2=4.5, 18/3=6, 27/4=6.75 -> third store
    alloc = allocate_trucks(np.array([9.0, 18.0, 27.0]), 7, 3.0, 3)
    assert alloc.tolist() == [1, 2, 4]


def test_scarce_trucks_follow_dhondt_within_needs() -> None:
    # needs [1, 2, 3]; 3 trucks: D'Hondt on 9, 18, 27 -> 27 (then 13.5), 18 (then 9),
    # tie 13.5 vs 9 vs 9 -> 27's second truck
    alloc = allocate_trucks(np.array([9.0, 18.0, 27.0]), 3, 3.0, 3)
    assert alloc.tolist() == [0, 1, 2]
    assert alloc.sum() == 3


def test_no_load_no_truck() -> None:
    assert allocate_trucks(np.array([0.0, 5.0]), 4, 3.0, 3).tolist() == [0, 4]
