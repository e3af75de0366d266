"""Cold-chain shelf life per crop: how long stored produce keeps at its storage temperature.

The freshness limits of :data:`optimize.crops.CROPS` bound the ride from harvest to the cold
store (hours); a market run starts from the store, so what bounds it is the storage life
at the cold chain's temperature (PARAMETERS.md §4, "storage life" column). The LOWER end of
each range is used, because the produce has already spent part of its life in the store.
A crop without a storage-life figure in §4 has an assumed value, flagged ``assumption``.
"""

from __future__ import annotations

from dataclasses import dataclass

from optimize.crops import CROPS

#: Seconds in a day.
DAY_S = 86_400


@dataclass(frozen=True)
class ShelfLife:
    """How long a crop keeps in the cold chain (lower end of the §4 range)."""

    crop: str
    days: float
    source: str
    assumption: bool = False

    @property
    def seconds(self) -> float:
        """The shelf life in seconds."""
        return self.days * DAY_S


#: Shelf life per crop of :data:`optimize.crops.CROPS` (PARAMETERS.md §4 storage life).
SHELF_LIFE: dict[str, ShelfLife] = {
    s.crop: s
    for s in (
        ShelfLife("apple", 60, "PARAMETERS.md §4: 2-4 months (Table 20.1), lower end"),
        ShelfLife("cherry", 14, "PARAMETERS.md §4: 2-4 weeks (Table 20.1), lower end"),
        ShelfLife("peach", 14, "PARAMETERS.md §4: 14-28 days, lower end"),
        ShelfLife("grape", 7, "PARAMETERS.md §4: 1-4 weeks (Table 20.1), lower end"),
        ShelfLife("vegetables", 7, "PARAMETERS.md §4: leaf lettuce 1 week (nevegetable.org)"),
        ShelfLife("potato", 56, "PARAMETERS.md §4: 56-140 days (agrimaint), lower end"),
        ShelfLife("sichuan_pepper", 3, "PARAMETERS.md §4: fresh pepper storage life not "
                  "found; 3 days assumed", True),
        ShelfLife("walnut", 4, "PARAMETERS.md §4: green walnuts are hulled after 4-7 days "
                  "of piling; 4 days assumed for fresh nuts", True),
        ShelfLife("herbs", 7, "PARAMETERS.md §4: fresh herb storage life not found; 7 days "
                  "assumed", True),
        ShelfLife("lily", 60, "PARAMETERS.md §4: Lanzhou lily keeps 'to next spring' at "
                  "0 °C; 60 days assumed", True),
        ShelfLife("beef_mutton", 10, "PARAMETERS.md §4: lamb 10-15 days, beef 3-5 weeks; "
                  "lower end"),
    )
}

assert set(SHELF_LIFE) == set(CROPS), "every crop needs a shelf life"


def shelf_life_s(crop: str) -> float:
    """Shelf life of ``crop`` in seconds (``KeyError`` naming the crop if unknown)."""
    return SHELF_LIFE[crop].seconds


def shelf_life_assumptions() -> list[str]:
    """Plain-words list of the shelf lives that are assumptions (for a plan)."""
    return [f"shelf life of {s.crop}: {s.days:g} days ({s.source})"
            for s in SHELF_LIFE.values() if s.assumption]
