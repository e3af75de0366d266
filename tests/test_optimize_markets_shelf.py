"""Shelf life: every crop has one; the unsourced ones are flagged."""

from __future__ import annotations

from optimize.crops import CROPS
from optimize.markets.shelf import SHELF_LIFE, shelf_life_assumptions, shelf_life_s


def test_every_crop_has_a_shelf_life_and_assumptions_are_listed() -> None:
    assert set(SHELF_LIFE) == set(CROPS)
    assert shelf_life_s("vegetables") == 7 * 86_400
    assert shelf_life_s("apple") == 60 * 86_400
    listed = shelf_life_assumptions()
    assert listed and any("herbs" in a for a in listed)
    assert not any("apple" in a for a in listed)
