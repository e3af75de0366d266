"""Largest-remainder apportioning, checked by hand and on the real 2020 census."""

from __future__ import annotations

import pytest

from geodata.datasets import load_census
from optimize.apportion import largest_remainder, proportional_share


def test_hand_example() -> None:
    # quotas 10*5/10=5.0, 10*3/10=3.0 ... exact: no remainders
    assert largest_remainder({"a": 5, "b": 3, "c": 2}, 10) == {"a": 5, "b": 3, "c": 2}
    # 7 items by 1:1:1 -> quotas 2.33 each; one leftover goes to the first key by name
    assert largest_remainder({"b": 1, "a": 1, "c": 1}, 7) == {"a": 3, "b": 2, "c": 2}
    # quotas 4.6, 2.3, 0.1 (total 7): floors 4, 2, 0 -> leftover 1 to the .6 remainder
    assert largest_remainder({"x": 46, "y": 23, "z": 1}, 7) == {"x": 5, "y": 2, "z": 0}


def test_bad_weights_are_named() -> None:
    with pytest.raises(ValueError, match="'q'"):
        largest_remainder({"p": 1, "q": -1}, 3)
    with pytest.raises(ValueError, match="> 0"):
        largest_remainder({"p": 0}, 3)


def test_gansu_prefectures_sum_to_province_totals() -> None:
    census = load_census()
    rows = census[census["level"].isin(["prefecture", "prefecture_and_county"])]
    weights = dict(zip(rows["adcode"], rows["pop_rural"].astype(float), strict=True))
    assert len(weights) == 14
    stores = largest_remainder(weights, 893)
    trucks = largest_remainder(weights, 720)
    assert sum(stores.values()) == 893 and sum(trucks.values()) == 720
    # Linxia: 1,334,379 of 11,952,499 rural residents = 11.164 %: 99.69 stores, 80.38 trucks
    assert stores["622900"] == 100
    assert trucks["622900"] == 80
    assert proportional_share(weights, "622900", 500e6) == pytest.approx(55.82e6, rel=1e-3)
