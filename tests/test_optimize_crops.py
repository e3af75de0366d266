"""Crops and the harvest calendar (optimize.crops); every figure checked by hand."""

from __future__ import annotations

import tomllib

import pytest

from optimize.crops import (
    ANY_REGION,
    CROPS,
    calendar_assumptions,
    check_calendar,
    default_gansu_seasons,
    seasons_from_mapping,
)
from optimize.errors import SpecificationError
from optimize.programme import GANSU_PREFECTURES


# -- default calendar ----------------------------------------------------------------------
def test_default_calendar_follows_parameters_section_5() -> None:
    seasons = default_gansu_seasons()
    assert 3 <= len(seasons) <= 4
    by_name = {s.name: s for s in seasons}
    for s in seasons:
        for p in s.peaks:
            assert p.crop in CROPS
            assert p.share_assumption  # the split over seasons is always assumed
            if not p.assumption:
                assert "PARAMETERS.md §5 row" in p.source
            else:
                assert "assumption" in p.source
    cherry = [s.name for s in seasons for p in s.peaks if p.crop == "cherry"]
    assert cherry == ["early summer"] and 6 in by_name["early summer"].months
    apple_ts = [s for s in seasons for p in s.peaks if p.crop == "apple" and p.region == "6205"]
    assert {9, 10} <= set(apple_ts[0].months)
    assert any(p.region == "6212" and p.crop == "sichuan_pepper" for p in by_name["summer"].peaks)
    autumn = {(p.region, p.crop) for p in by_name["autumn"].peaks}
    assert {("6211", "potato"), ("6201", "lily"), ("6208", "apple"), ("6210", "apple"),
            ("6211", "herbs"), ("6212", "herbs")} <= autumn
    # regions with no calendar row: plateau vegetables, flagged
    for s in seasons:
        (veg,) = [p for p in s.peaks if p.region == ANY_REGION]
        assert veg.crop == "vegetables" and veg.assumption
    check_calendar(seasons, list(GANSU_PREFECTURES))  # every region's shares add up to 1
    assert any("share" in a for a in calendar_assumptions(seasons))


# -- reading seasons -----------------------------------------------------------------------
GOOD = """
[[seasons]]
name = "cherries"
months = [5, 6]
[[seasons.peaks]]
region = "6205"
crop = "cherry"
share = 0.4
source = "PARAMETERS.md §5 row 'cherry, Tianshui'"
[[seasons.peaks]]
region = "*"
crop = "vegetables"
share = 0.5

[[seasons]]
name = "apples"
months = [9, 10]
peak_days = 45
[[seasons.peaks]]
region = "6205"
crop = "apple"
share = 0.6
[[seasons.peaks]]
region = "*"
crop = "vegetables"
share = 0.5
"""


def test_reads_seasons_from_toml_mapping() -> None:
    seasons = seasons_from_mapping(tomllib.loads(GOOD))
    assert [s.name for s in seasons] == ["cherries", "apples"]
    assert seasons[1].days == 45 and seasons[0].days == 61
    cherry, veg = seasons[0].peaks
    assert not cherry.assumption and veg.assumption  # no source given -> assumption
    assert cherry.share_assumption


@pytest.mark.parametrize(("edit", "message"), [
    (('crop = "cherry"', 'crop = "mango"'), "seasons[1] 'cherries' peaks[1] crop 'mango'"),
    (("months = [9, 10]", "months = [9, 13]"), "seasons[2] 'apples' months"),
    (("months = [9, 10]", "months = [6, 9]"), "month 6 is also in season 'cherries'"),
    (("share = 0.6", 'share = "lots"'), "seasons[2] 'apples' peaks[1] share"),
    (("share = 0.6", "share = 0.7"), "region '6205': shares over the seasons add up to 1.1"),
    (("peak_days = 45", "peak_days = 0"), "seasons[2] 'apples' peak_days"),
    (("peak_days = 45", "peak_dayz = 45"), "seasons[2] 'apples': unknown key 'peak_dayz'"),
    (('region = "6205"\ncrop = "apple"', 'crop = "apple"'), "seasons[2] 'apples' peaks[1]: "
                                                            "lacks region"),
])
def test_bad_season_spec_names_season_and_key(edit: tuple[str, str], message: str) -> None:
    assert GOOD.count(edit[0]) == 1
    raw = tomllib.loads(GOOD.replace(*edit))
    with pytest.raises(SpecificationError) as info:
        seasons_from_mapping(raw)
    assert any(message in r for r in info.value.reasons), info.value.reasons


def test_seasons_key_missing_or_not_tables() -> None:
    with pytest.raises(SpecificationError, match="seasons: key not found"):
        seasons_from_mapping({"name": "x"})
    with pytest.raises(SpecificationError, match="list of \\[\\[seasons\\]\\] tables"):
        seasons_from_mapping({"seasons": "summer"})
