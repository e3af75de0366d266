"""Travel tables: the straight-line estimate for pairs without a road route, and merging."""

from __future__ import annotations

import math

import numpy as np
import pytest

from geodata.speeds import DEFAULT_DETOUR_FACTOR
from optimize.errors import SpecificationError
from optimize.markets.table import Market
from optimize.markets.travel import (
    LONG_HAUL_SPEED_KMH,
    approximate_travel,
    merged_travel,
    table_from_pairs,
    travel_with_markets,
)

DEG_M = 2 * math.pi * 6_371_009.0 / 360      # one degree of a great circle (osmnx radius)


def test_estimate_is_great_circle_times_detour_at_the_stated_speed() -> None:
    table = approximate_travel({"a": (100.0, 0.0), "b": (101.0, 0.0)}, speed_kmh=60.0)
    t, d = table.leg("a", "b")
    assert d == pytest.approx(DEG_M * DEFAULT_DETOUR_FACTOR, rel=1e-9)
    assert t == pytest.approx(d / (60 / 3.6), rel=1e-9)
    assert table.is_approximate("a", "b") and table.leg("a", "a") == (0.0, 0.0)


def test_road_figures_win_and_gaps_are_filled_and_flagged() -> None:
    road = table_from_pairs(["s1", "s2"], np.array([[0, 100.0], [100.0, 0]]),
                            np.array([[0, 2000.0], [2000.0, 0]]))
    approx = approximate_travel({"s1": (104.0, 36.0), "m": (104.1, 36.0)})
    both = merged_travel(road, approx)
    assert both.leg("s1", "s2") == (100.0, 2000.0) and not both.is_approximate("s1", "s2")
    assert both.leg("s1", "m") == approx.leg("s1", "m") and both.is_approximate("m", "s1")
    assert both.leg("s2", "m") == (math.inf, math.inf)      # no figure either way


def test_unknown_id_and_bad_speed_are_named() -> None:
    table = approximate_travel({"a": (100.0, 30.0)})
    with pytest.raises(SpecificationError, match="no row for id 'zz'"):
        table.leg("a", "zz")
    with pytest.raises(SpecificationError, match="speed 0"):
        approximate_travel({"a": (100.0, 30.0)}, speed_kmh=0)


def test_markets_get_the_local_or_the_long_haul_speed() -> None:
    road = table_from_pairs(["s1", "s2"], np.array([[0, 100.0], [100.0, 0]]),
                            np.array([[0, 2000.0], [2000.0, 0]]))
    markets = [Market("m", "m", 104.0, 36.0, ("apple",), 10.0),
               Market("p", "p", 104.0, 37.0, ("apple",), 10.0, kind="long_haul")]
    table = travel_with_markets(road, {"s1": (104.0, 35.0), "s2": (104.0, 35.1)}, markets)
    assert table.leg("s1", "s2") == (100.0, 2000.0)
    t_m, d_m = table.leg("s1", "m")
    t_p, d_p = table.leg("s1", "p")
    assert d_m == pytest.approx(DEG_M * DEFAULT_DETOUR_FACTOR, rel=1e-6)
    assert t_m == pytest.approx(d_m / (60 / 3.6))
    assert d_p == pytest.approx(2 * DEG_M * DEFAULT_DETOUR_FACTOR, rel=1e-6)
    assert t_p == pytest.approx(d_p / (LONG_HAUL_SPEED_KMH / 3.6))
