"""The truck speed table: class defaults, caps and maxspeed parsing (PARAMETERS.md 1.4)."""

from __future__ import annotations

import math

import pytest

from geodata.speeds import (
    CLASS_SPEED_KPH,
    SPEED_TABLE_NAME,
    TERTIARY_CONSERVATIVE_KPH,
    UNKNOWN_CLASS_SPEED_KPH,
    parse_maxspeed_kph,
    truck_speed_kph,
)


@pytest.mark.parametrize(
    ("highway", "kph"),
    [
        ("motorway", 85.0),  # ORS HGV 85 (goods vehicles <= 100 in CN)
        ("trunk", 70.0),  # ORS 80 capped at 70 (one lane per direction)
        ("primary", 60.0),
        ("secondary", 60.0),
        ("tertiary", 50.0),
        ("unclassified", 30.0),
        ("residential", 30.0),
        ("living_street", 10.0),
        ("service", 20.0),
        ("motorway_link", 50.0),
        ("tertiary_link", 40.0),
        ("track", 15.0),  # no tracktype
    ],
)
def test_class_defaults_follow_the_documented_table(highway: str, kph: float) -> None:
    assert truck_speed_kph(highway) == kph


def test_table_is_named_and_conservative_tertiary_is_40() -> None:
    assert SPEED_TABLE_NAME
    assert TERTIARY_CONSERVATIVE_KPH == 40.0
    assert all(speed > 0 for speed in CLASS_SPEED_KPH.values())


def test_unknown_or_missing_class_falls_back_to_20() -> None:
    assert UNKNOWN_CLASS_SPEED_KPH == 20.0
    assert truck_speed_kph("busway") == 20.0
    assert truck_speed_kph(None) == 20.0


def test_list_of_classes_takes_its_first_documented_value() -> None:
    assert truck_speed_kph(["weird", "primary", "residential"]) == 60.0
    assert truck_speed_kph(["residential", "primary"]) == 30.0
    assert truck_speed_kph(["weird"]) == 20.0


@pytest.mark.parametrize(
    ("tag", "kph"),
    [
        ("60", 60.0),
        (" 45 ", 45.0),
        ("50 km/h", 50.0),
        ("50kmh", 50.0),
        ("30 mph", 30 * 1.609344),
        ("10 knots", 18.52),
        ("60;80", 60.0),  # the strictest of several values
        (["40", "30"], 30.0),  # osmnx-merged list
        (70, 70.0),
        ("CN:urban", None),  # implicit zone: the class default stands
        ("none", None),
        ("signals", None),
        ("walk", None),
        ("0", None),
        ("", None),
        (None, None),
        (math.nan, None),
    ],
)
def test_parse_maxspeed(tag: object, kph: float | None) -> None:
    parsed = parse_maxspeed_kph(tag)
    if kph is None:
        assert parsed is None
    else:
        assert parsed == pytest.approx(kph)


def test_tagged_maxspeed_caps_but_never_raises_the_class_default() -> None:
    assert truck_speed_kph("primary", "40") == 40.0
    assert truck_speed_kph("primary", "120") == 60.0
    assert truck_speed_kph("motorway", "CN:motorway") == 85.0
    assert truck_speed_kph("primary", "80", maxspeed_hgv="50") == 50.0


def test_surface_caps() -> None:
    assert truck_speed_kph("secondary", surface="gravel") == 30.0
    assert truck_speed_kph("secondary", surface="compacted") == 60.0
    assert truck_speed_kph("motorway", surface="compacted") == 60.0
    assert truck_speed_kph("secondary", surface="mud") == 10.0
    assert truck_speed_kph("secondary", surface="asphalt") == 60.0  # paved: no cap
    assert truck_speed_kph("secondary", surface="paved;cobblestone") == 20.0


def test_track_grades_replace_the_track_default_only() -> None:
    assert truck_speed_kph("track", tracktype="grade1") == 40.0
    assert truck_speed_kph("track", tracktype="grade5") == 10.0
    assert truck_speed_kph("track", tracktype="grade1", surface="dirt") == 30.0
    assert truck_speed_kph("primary", tracktype="grade5") == 60.0


def test_design_speed_of_the_chinese_grade_caps() -> None:
    assert truck_speed_kph("secondary", highway_cn="3") == 40.0  # JTG Class III
    assert truck_speed_kph("motorway", highway_cn=0) == 85.0


def test_class_overrides_merge_over_the_table_and_caps_still_apply() -> None:
    overrides = {"tertiary": 40.0}
    assert truck_speed_kph("tertiary", class_speed_kph=overrides) == 40.0
    assert truck_speed_kph("primary", class_speed_kph=overrides) == 60.0
    assert truck_speed_kph("tertiary", "30", class_speed_kph=overrides) == 30.0
