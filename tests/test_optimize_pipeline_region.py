"""The region's share of the province: recomputed here from the census."""

from __future__ import annotations

from geodata.datasets import load_census
from optimize.apportion import largest_remainder
from optimize.pipeline.region import regional_share
from tests.conftest import GUANGHE


def test_numbers_follow_the_apportioning_rule() -> None:
    census = load_census()
    counties = census[census["level"].isin(["county", "prefecture_and_county"])]
    weights = dict(zip(counties["adcode"], counties["pop_rural"].astype(float), strict=True))
    share = regional_share(GUANGHE, census)
    assert share.stores == largest_remainder(weights, 893)["622924"]
    assert share.trucks == largest_remainder(weights, 720)["622924"]
    assert share.stores > 0 and "largest remainder" in share.rule
