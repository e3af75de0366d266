"""The region picker: Gansu, its 14 prefectures and their counties, by code and Chinese name.

Read once per app from the reference boundaries (:func:`geodata.boundaries.load_prefectures`
and :func:`~geodata.boundaries.load_counties`, the codes the planning pipeline uses) and
kept in ``app.extensions``. When the reference data cannot be read the picker is empty and
the form falls back to a typed code.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app

EXTENSION_KEY = "coldchain.regions"
PROVINCE = ("62", "甘肃省")


@dataclass(frozen=True)
class Prefecture:
    """A prefecture and its counties as ``(code, name)`` pairs, in code order."""

    code: str
    name: str
    counties: tuple[tuple[str, str], ...] = field(default=())


@dataclass(frozen=True)
class Regions:
    """Every region a scenario may name; ``names`` maps each code to its Chinese name."""

    prefectures: tuple[Prefecture, ...]
    names: dict[str, str]


def load_regions(data_dir: str | None) -> Regions:
    """The province, prefectures and counties from the reference boundaries.

    Raises
    ------
    geodata.errors.DataError, geodata.errors.DataDirNotFound
        The boundaries are missing or malformed.
    """
    from geodata.boundaries import load_counties, load_prefectures

    prefectures = load_prefectures(data_dir).sort_values("prefecture_code")
    counties = load_counties(data_dir).sort_values("county_code")
    by_prefecture: dict[str, list[tuple[str, str]]] = {}
    for code, name, parent in counties[["county_code", "county_name",
                                        "prefecture_code"]].itertuples(index=False):
        by_prefecture.setdefault(str(parent), []).append((str(code), str(name)))
    groups = tuple(Prefecture(str(code), str(name), tuple(by_prefecture.get(str(code), [])))
                   for code, name in prefectures[["prefecture_code", "prefecture_name"]]
                   .itertuples(index=False))
    names = {PROVINCE[0]: PROVINCE[1]}
    for group in groups:
        names[group.code] = group.name
        names.update(group.counties)
    return Regions(groups, names)


def current_regions() -> Regions | None:
    """The app's regions, read on first use; ``None`` (logged once) when unreadable."""
    cache = current_app.extensions
    if EXTENSION_KEY not in cache:
        from geodata.errors import DataDirNotFound, DataError

        try:
            cache[EXTENSION_KEY] = load_regions(current_app.config["DATA_DIR"])
        except (DataDirNotFound, DataError, OSError):
            current_app.logger.exception("reference boundaries missing: no region picker")
            cache[EXTENSION_KEY] = None
    regions: Regions | None = cache[EXTENSION_KEY]
    return regions


def region_name(code: str | None) -> str:
    """``'6229 临夏回族自治州'`` for a known code, else the code itself."""
    code = code or ""
    regions = current_regions()
    name = regions.names.get(code) if regions is not None else None
    return f"{code} {name}" if name else code
