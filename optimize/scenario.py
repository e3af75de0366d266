"""Scenario: every planning parameter with its unit, default and reason.

A scenario is a TOML file of flat keys (plus ``[[tiers]]``, ``[[seasons]]`` and
``[county_stores]`` tables), read by
:meth:`Scenario.from_toml`. Keys not given take the defaults below, each of which names
its source (``docs`` = ``../shared/design/PARAMETERS.md``); a default without a source is
an *assumption* and every plan that uses it lists it as such. The programme's figures
(893 stores, 720 trucks, 500 M yuan) are declared once, in :mod:`optimize.programme`.

Example (``scenarios/linxia.toml``)::

    name = "临夏回族自治州 cold stores and trucks, 2020 programme"
    region_code = "6229"
    crop = "vegetables"
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geodata.errors import Reason
from optimize.crops import CROPS, HOUR_S, SEASONS_KEY, Season, check_calendar, read_seasons
from optimize.errors import SpecificationError
from optimize.programme import (
    DETOUR_FACTOR,
    PROVINCE_BUDGET_YUAN,
    PROVINCE_STORES,
    PROVINCE_TRUCKS,
    TRIPS_PER_TRUCK,
    TRUCK_CAPACITY_T,
)
from optimize.siting.problem import ENGINES, OBJECTIVES, StoreTier


@dataclass(frozen=True)
class Param:
    """How a scenario parameter is documented: unit, source, whether it is assumed, and
    for a number the range it must lie in.

    ``bounds`` is ``(low, high)``, inclusive, in ``unit``: a value outside (1e30, a
    negative count, NaN) is refused on every path (TOML file, CLI, web form, stored
    scenario) with :meth:`refusal`'s message. Every ``int`` / ``float`` field of
    :class:`Scenario` has bounds (``tests/test_optimize_scenario.py`` checks it); a new
    field gets them in its :data:`PARAMS` entry, e.g.
    ``"x_s": Param("s", "source", bounds=(0, DAY_S))``. The ranges are generous for
    Gansu (the programme is 893 stores, 720 trucks, 500 M yuan) and only keep absurd
    values away from the solvers; they are not policy.
    """

    unit: str
    source: str
    assumption: bool = False
    bounds: tuple[float, float] | None = None

    def refusal(self, key: str, value: float) -> str | None:
        """Why ``value`` cannot be ``key`` (``None`` when it is within the bounds)."""
        if self.bounds is None:
            return None
        low, high = self.bounds
        if low <= value <= high:  # False for NaN
            return None
        unit = f" ({self.unit})" if self.unit else ""
        return (f"{key} = {number_words(value)}: must be between {number_words(low)} and "
                f"{number_words(high)}{unit}")


def number_words(value: float) -> str:
    """A number as people write it: ``10,000``, ``0.1``, ``1e+30``, ``nan``."""
    if isinstance(value, int) or (value == value and abs(value) < 1e15
                                  and float(value).is_integer()):
        return f"{int(value):,}"
    return f"{value:.6g}"


DAY_S = 24 * HOUR_S
#: Store quota policies of the province's one siting problem (``store_quota``).
STORE_QUOTA_POLICIES = ("none", "prefecture")
#: Most stores and trucks a scenario may ask for (the programme: 893 and 720).
MAX_STORES, MAX_TRUCKS = 2_000, 5_000


def _tier(capacity_t: float, cost_per_t_yuan: float) -> StoreTier:
    """A tier priced per tonne, with the Gansu 2018 subsidy rule (1,050 yuan/t, <= 370,000)."""
    subsidy = min(1050.0 * capacity_t, 370_000.0)
    return StoreTier(f"{capacity_t:g} t", capacity_t, capacity_t * cost_per_t_yuan, subsidy)


#: Default store tiers (docs §3.2): 100 t at ~2,000 yuan/t, 300/500 t at 1,500, 1,000 t at 1,300.
DEFAULT_TIERS: tuple[StoreTier, ...] = (
    _tier(100, 2000.0),
    _tier(300, 1500.0),
    _tier(500, 1500.0),
    _tier(1000, 1300.0),
)

TIERS_PARAM = Param(
    "t, yuan",
    "docs §3.2: 100/300/500/1,000 t; build cost 2,000/1,500/1,500/1,300 yuan/t (derived from "
    "vendor quotes); subsidy 1,050 yuan/t capped at 370,000 yuan (Gansu 2018 opinion)",
)

#: Documentation of every scalar parameter (the dataclass fields carry the defaults).
PARAMS: dict[str, Param] = {
    "region_code": Param("NBS code", "4-digit prefecture or 6-digit county code; \"62\" = "
                          "all of Gansu (planned by prefecture, optimize.pipeline.province)"),
    "province_stores": Param(
        "stores", f"the Gansu 2020 programme: {PROVINCE_STORES} stores of >= 100 t",
        bounds=(1, MAX_STORES)),
    "province_trucks": Param(
        "trucks", f"the Gansu 2020 programme: {PROVINCE_TRUCKS} refrigerated trucks",
        bounds=(1, MAX_TRUCKS)),
    "province_budget_yuan": Param(
        "yuan", f"the Gansu 2020 programme: {PROVINCE_BUDGET_YUAN / 1e6:g} M yuan of poverty "
        "funds", bounds=(0, 1e10)),
    "stores": Param("stores", "apportioned from province_stores by 2020 rural population",
                    bounds=(0, MAX_STORES)),
    "trucks": Param("trucks", "apportioned from province_trucks by 2020 rural population",
                    bounds=(0, MAX_TRUCKS)),
    "budget_yuan": Param(
        "yuan",
        "public subsidy for stores: the region's rural-population share of "
        "province_budget_yuan minus truck_subsidy_yuan for each of its trucks",
        bounds=(0, 1e10),
    ),
    "stored_produce_kg_per_rural_capita": Param(
        "kg/person",
        "derived: Gansu 2020 batch added 600,000 t of storage (docs §3.1) / 11,952,499 rural "
        "residents (2020 census) = 50.2 kg; spread evenly over a county's villages (estimate)",
        bounds=(0, 10_000),
    ),
    "supply_file": Param(
        "path", "user supply table (CSV/XLSX: settlement_id, supply_t), relative to the "
        "scenario file; empty = the census estimate above"),
    "sites_file": Param(
        "path", "user site table (CSV/XLSX: settlement_id, status = required|excluded), "
        "relative to the scenario file; empty = every township may host a store"),
    # up to 1e9 days: optimize.pipeline.province.seasons gives a region without produce in
    # the routed season 1e9 days (no daily pickup)
    "harvest_peak_days": Param(
        "days", "days over which a store fills at the harvest peak (docs §5: ~2-month windows)",
        True, bounds=(1, 1e9),
    ),
    "crop": Param("crop", "the main crop; sets the freshness limit (docs §4)"),
    "freshness_limit_s": Param("s", "from the crop (docs §4)", bounds=(60, 7 * DAY_S)),
    "max_access_time_s": Param(
        "s", "longest village-to-store time; defaults to the freshness limit",
        bounds=(60, 7 * DAY_S)),
    "poverty_weight": Param(
        "weight", "priority of produce from the 2020 poverty counties (policy choice)", True,
        bounds=(0, 100),
    ),
    "objective": Param("name", "coverage_then_time: most priority produce, then least time"),
    "truck_capacity_t": Param(
        "t", "docs §2: a 4.2 m box truck carries 3 t (upper bound; reefer payload not found)",
        True, bounds=(0.1, 50),
    ),
    "truck_subsidy_yuan": Param("yuan/truck", "docs §2: Gansu 2018, 150,000 per box reefer",
                                bounds=(0, 1e7)),
    "shift_s": Param("s", "docs §2: 8 h working day (Labour Law Art. 36)",
                     bounds=(HOUR_S, DAY_S)),
    "shift_start_s": Param(
        "s after midnight", "the clock time the trucks' shift starts (docs §2 gives the "
        "working day's length, not its start: no source found)",
        True, bounds=(0, 23 * HOUR_S)),
    "trips_per_truck": Param(
        "trips/day", "most collection trips a truck makes in a shift (a model cap; the shift "
        "and freshness limits bind first on most days)", True, bounds=(1, 50)),
    "service_s": Param("s", "loading time at a village pickup", True, bounds=(0, 4 * HOUR_S)),
    "unload_s": Param("s", "unloading time at the store between trips", True,
                      bounds=(0, 4 * HOUR_S)),
    "detour_factor": Param(
        "ratio", "road distance / straight-line distance on the approximate network", True,
        bounds=(1, 5),
    ),
    "max_snap_m": Param("m", "points farther than this from any road are off-network", True,
                        bounds=(100, 100_000)),
    "siting_time_limit_s": Param(
        "s", "solver setting: CP-SAT deterministic-time budget (about seconds; the same "
        "budget gives the same plan on any machine; wall-clock cap 3x); the Lagrangian "
        "engine counts its steps and windows and stops at this wall-clock limit at most",
        bounds=(0.1, DAY_S)),
    "routing_time_limit_s": Param(
        "s", "solver setting per store: a search budget calibrated to about seconds and "
        "counted in solutions, so the same plan every run (wall-clock cap 3x)",
        bounds=(0.1, 600)),
    "seed": Param("", "solver setting; same seed, same plan", bounds=(0, 2**31 - 1)),
    "siting_engine": Param(
        "name", "solver setting: cpsat (exact model), lagrange (Lagrangian bound and "
        "heuristics, province size) or auto (by instance size)"),
    "county_min_stores": Param(
        "stores", "policy choice: every county of the region gets at least this many stores "
        "(0 = no floor)", True, bounds=(0, 100)),
}
#: Bounds of a ``[[tiers]]`` table's numbers (inclusive; t and yuan), as for :class:`Param`:
#: the programme's stores hold at least 100 t.
TIER_BOUNDS: dict[str, tuple[float, float]] = {
    "capacity_t": (100, 100_000), "build_cost_yuan": (0, 1e10), "subsidy_yuan": (0, 1e10)}

#: Self-delivery (issue 17): farmers bring their own produce within this reach.
PARAMS.update({
    "self_delivery_reach_s": Param(
        "s", "farmers bring produce to the store themselves when the road trip by farm "
        "vehicle takes at most this long (no source found: an assumption)", True,
        bounds=(0, 4 * 3600)),
    "farm_vehicle_speed_kmh": Param(
        "km/h", "average road speed of a farm tricycle or tractor with a load (no source "
        "found: an assumption)", True, bounds=(1, 60)),
})

#: Markets (issue 17): the table market runs deliver to, and whether they are planned.
PARAMS.update({
    "markets_file": Param(
        "path", "user markets table (CSV/XLSX: name, point or lon/lat, crops, "
        "daily_intake_t, opening_hours; optimize.markets.user_table), relative to the "
        "scenario file; empty = the default markets of PARAMETERS.md §7 for the region"),
    "market_runs": Param(
        "", "plan market runs with the truck time left after collection (true) or leave "
        "all stored produce for buyers' own trucks (false)"),
})

#: Whole province: the store quota policy of the one siting problem (issue 15).
PARAMS.update({
    "store_quota_tolerance_pct": Param(
        "%", "policy choice: how far a prefecture's store count may stray from its "
        "rural-population share under store_quota = \"prefecture\" (no source)", True,
        bounds=(0, 100)),
})

#: The truck plan's goal (issue 17): the share of the truck-needed produce to collect.
PARAMS.update({
    "collection_target_pct": Param(
        "%", "policy choice: the share of the produce that needs a truck that the planners "
        "aim to collect in every season; below it, each season states how many trucks "
        "would reach it (issue 17's goal; no programme source found)", True,
        bounds=(0, 100)),
})

#: County quotas: ``[county_stores]`` table, county code -> {min, max} (policy, no source).
COUNTY_STORES_PARAM = Param(
    "stores", "policy choice: per-county minimum and maximum store counts ([county_stores] "
    "table, county code -> {min, max})", True)
#: Harvest seasons: ``[[seasons]]`` tables (whole-province plans; read by optimize.crops,
#: used by optimize.fleet.seasons).
SEASONS_PARAM = Param(
    "", "harvest calendar: months from PARAMETERS.md §5 rows; every share of a region's "
    "produce over seasons is an assumption (no output by crop and prefecture was found, §6)",
    True)

_CODE = re.compile(r"^62(\d{2}|\d{4})?$")


@dataclass(frozen=True)
class Scenario:
    """All inputs of one plan. ``None`` means "derive it" (see :data:`PARAMS`)."""

    name: str = "Linxia 2020"
    region_code: str = "6229"
    province_stores: int = PROVINCE_STORES
    province_trucks: int = PROVINCE_TRUCKS
    province_budget_yuan: float = PROVINCE_BUDGET_YUAN
    stores: int | None = None
    trucks: int | None = None
    budget_yuan: float | None = None
    stored_produce_kg_per_rural_capita: float = 50.2
    supply_file: str | None = None
    sites_file: str | None = None
    harvest_peak_days: float = 60.0
    crop: str = "vegetables"
    freshness_limit_s: int | None = None
    max_access_time_s: int | None = None
    poverty_weight: float = 2.0
    objective: str = "coverage_then_time"
    truck_capacity_t: float = TRUCK_CAPACITY_T
    truck_subsidy_yuan: float = 150_000.0
    shift_s: int = 8 * HOUR_S
    shift_start_s: int = 6 * HOUR_S
    trips_per_truck: int = TRIPS_PER_TRUCK
    service_s: int = 900
    unload_s: int = 1200
    detour_factor: float = DETOUR_FACTOR
    max_snap_m: float = 5000.0
    siting_time_limit_s: float = 60.0
    routing_time_limit_s: float = 2.0
    seed: int = 0
    siting_engine: str = "auto"
    county_min_stores: int = 0
    county_stores: tuple[tuple[str, int, int | None], ...] = ()
    seasons: tuple[Season, ...] = ()
    tiers: tuple[StoreTier, ...] = field(default=DEFAULT_TIERS)
    # -- issue 17 (h17fleet): who carries what --
    self_delivery_reach_s: int = 900
    farm_vehicle_speed_kmh: float = 20.0
    # -- issue 17 (h17wire): markets and market runs --
    markets_file: str | None = None
    market_runs: bool = True
    # Whole province only (optimize.pipeline.province.siting): the store quota policy of
    # the one province-wide siting problem, "none" (the optimiser places the stores) or
    # "prefecture" (rural-population shares as bands of +- store_quota_tolerance_pct).
    store_quota: str = "none"
    store_quota_tolerance_pct: float = 10.0
    # -- issue 17 (h17need): the collection target each season's kpis are measured against
    collection_target_pct: float = 95.0

    def __post_init__(self) -> None:
        problems = self.problems()
        if problems:
            raise SpecificationError(problems)

    # -- derived values -------------------------------------------------------------
    @property
    def freshness_s(self) -> int:
        """The freshness limit in force: the explicit one, else the crop's."""
        return self.freshness_limit_s or CROPS[self.crop].freshness_limit_s

    @property
    def access_limit_s(self) -> int:
        """The longest village-to-store travel time in force."""
        return self.max_access_time_s or self.freshness_s

    # -- validation -----------------------------------------------------------------
    def problems(self) -> list[Reason]:
        """Every reason this scenario cannot work, each naming the parameter (its field)."""
        return [*self._scalar_problems(), *self._county_problems(),
                *self._season_problems(), *self._tier_problems()]

    def _scalar_problems(self) -> list[Reason]:
        out = []
        if not _CODE.match(self.region_code):
            out.append(Reason("region_code", f"region_code {self.region_code!r}: expected a "
                              "Gansu prefecture (62xx) or county (62xxxx) code, or 62 for "
                              "the whole province"))
        if self.crop not in CROPS:
            out.append(Reason("crop", f"crop {self.crop!r}: unknown; known crops: "
                              f"{', '.join(CROPS)}"))
        if self.objective not in OBJECTIVES:
            out.append(Reason("objective", f"objective {self.objective!r}: expected one of "
                              f"{', '.join(OBJECTIVES)}"))
        out += _out_of_range(self)
        if self.siting_engine not in ENGINES:
            out.append(Reason("siting_engine", f"siting_engine {self.siting_engine!r}: "
                              f"expected one of {', '.join(ENGINES)}"))
        if self.store_quota not in STORE_QUOTA_POLICIES:
            out.append(Reason("store_quota", f"store_quota {self.store_quota!r}: expected one "
                              f"of {', '.join(STORE_QUOTA_POLICIES)}"))
        return out

    def _county_problems(self) -> list[Reason]:
        out = []
        for code, low, high in self.county_stores:
            if not re.fullmatch(r"62\d{4}", code):
                out.append(f"county_stores {code!r}: expected a 6-digit Gansu county code")
            if low < 0 or (high is not None and high < low) or max(low, high or 0) > MAX_STORES:
                out.append(f"county_stores {code!r}: expected 0 <= min <= max <= "
                           f"{MAX_STORES:,}, got min {low}, max {high}")
        return [Reason("county_stores", m) for m in out]

    def _season_problems(self) -> list[Reason]:
        """The harvest calendar's problems (:func:`optimize.crops.check_calendar`)."""
        if not self.seasons:
            return []
        try:
            check_calendar(self.seasons)
        except SpecificationError as exc:
            return [Reason(SEASONS_KEY, r if r.startswith("season") else f"seasons: {r}")
                    for r in exc.reasons]
        return []

    def _tier_problems(self) -> list[Reason]:
        out = []
        if not self.tiers:
            out.append("tiers: at least one store size tier is needed")
        for i, tier in enumerate(self.tiers, start=1):
            low = TIER_BOUNDS["capacity_t"][0]
            if tier.capacity_t < low:
                out.append(f"tiers[{i}] {tier.name!r}: capacity {tier.capacity_t} t is below "
                           f"the programme's {low:g} t minimum")
            for key, bounds in TIER_BOUNDS.items():
                unit = "t" if key == "capacity_t" else "yuan"
                refused = Param(unit, "", bounds=bounds).refusal(key, getattr(tier, key))
                if refused and not (key == "capacity_t" and tier.capacity_t < low):
                    out.append(f"tiers[{i}] {tier.name!r}: {refused}")
        return [Reason("tiers", m) for m in out]

    # -- description for plans ------------------------------------------------------
    def describe(self) -> dict[str, dict[str, Any]]:
        """Every parameter as used: ``{name: {value, unit, source, assumption}}``."""
        out: dict[str, dict[str, Any]] = {"name": {"value": self.name, "unit": "",
                                                   "source": "scenario file",
                                                   "assumption": False}}
        for key, param in PARAMS.items():
            out[key] = {"value": getattr(self, key), "unit": param.unit,
                        "source": param.source, "assumption": param.assumption}
        crop = CROPS[self.crop]
        if self.freshness_limit_s is None:
            out["freshness_limit_s"].update(value=crop.freshness_limit_s, source=crop.source,
                                            assumption=crop.assumption)
        out["county_stores"] = {
            "value": {code: {"min": low, "max": high} for code, low, high in self.county_stores},
            "unit": COUNTY_STORES_PARAM.unit, "source": COUNTY_STORES_PARAM.source,
            "assumption": bool(self.county_stores)}
        if not self.county_min_stores:
            out["county_min_stores"]["assumption"] = False
        # the default's label keeps its old module name so plan.json stays byte-identical
        out["seasons"] = {
            "value": [s.to_mapping() for s in self.seasons]
            or "default Gansu calendar (optimize.crops)",
            "unit": "", "source": SEASONS_PARAM.source, "assumption": True}
        out["tiers"] = {"value": [dataclasses.asdict(t) for t in self.tiers],
                        "unit": TIERS_PARAM.unit, "source": TIERS_PARAM.source,
                        "assumption": self.tiers != DEFAULT_TIERS}
        return out

    def assumptions(self) -> list[str]:
        """Plain-words list of the parameters in force that have no source."""
        return [f"{k} = {v['value']} {v['unit']}: {v['source']}".strip()
                for k, v in self.describe().items() if v["assumption"]]

    # -- files ----------------------------------------------------------------------
    @classmethod
    def from_toml(cls, path: str | Path) -> Scenario:
        """Read a scenario file; unknown keys and bad values name the key and the file."""
        path = Path(path)
        raw = read_toml(path)
        for key in ("supply_file", "sites_file", "markets_file"):
            if isinstance(raw.get(key), str):
                raw[key] = str((path.parent / raw[key]).resolve())
        try:
            return cls.from_mapping(raw)
        except SpecificationError as exc:
            raise exc.prefixed(str(path)) from None

    @classmethod
    def from_mapping(cls, raw: dict[str, Any]) -> Scenario:
        """Build a scenario from plain values (TOML, a web form), checking every type.

        ``[[seasons]]`` tables are read here, once, into :class:`optimize.crops.Season` s;
        their calendar rules are checked with every other problem of the scenario.
        """
        fields = {f.name: f for f in dataclasses.fields(cls)}
        unknown = sorted(set(raw) - set(fields))
        if unknown:
            raise SpecificationError([Reason(k, f"unknown key {k!r}") for k in unknown])
        values: dict[str, Any] = {}
        errors: list[Reason] = []
        season_errors: list[Reason] = []
        for key, value in raw.items():
            try:
                if key == SEASONS_KEY:
                    values[key] = _seasons(value)
                else:
                    values[key] = _value(key, value, fields[key].type)
            except SpecificationError as exc:  # a ValueError: caught first
                season_errors += exc.details
            except (TypeError, ValueError) as exc:
                errors.append(Reason(key, f"{key}: {exc}"))
        if errors:
            raise SpecificationError(errors)
        if season_errors:
            raise SpecificationError(_with_season_errors(cls, values, season_errors))
        return cls(**values)


def read_toml(path: Path) -> dict[str, Any]:
    """A scenario file's mapping; a missing or malformed file names the file."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SpecificationError([f"{path}: scenario file not found"]) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SpecificationError([f"{path}: not valid TOML: {exc}"]) from None


def _value(key: str, value: Any, type_name: Any) -> Any:
    """One scenario value read from plain data (tables parsed, scalars checked)."""
    if key == "tiers":
        return _tiers(value)
    if key == "county_stores":
        return _county_stores(value)
    return _coerce(key, value, type_name)


def _seasons(value: Any) -> tuple[Season, ...]:
    """``[[seasons]]`` tables as seasons; a value that is no list of tables is a type error."""
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise TypeError("expected a list of [[seasons]] tables")
    return read_seasons(value)


def _with_season_errors(cls: type[Scenario], values: dict[str, Any],
                        season_errors: list[Reason]) -> list[Reason]:
    """Every problem of a scenario whose ``[[seasons]]`` could not be read, in the order
    :meth:`Scenario.problems` lists them (the calendar's before the tiers')."""
    try:
        cls(**{k: v for k, v in values.items() if k != SEASONS_KEY})
    except SpecificationError as exc:
        others = list(exc.details)
    else:
        others = []
    return ([r for r in others if r.field != "tiers"] + season_errors
            + [r for r in others if r.field == "tiers"])


def _coerce(key: str, value: Any, type_name: Any) -> Any:
    """Check one scalar against its declared type (strings in annotations)."""
    kind = str(type_name)
    if value is None and "None" in kind:
        return None
    if kind.startswith("int"):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"expected a whole number, got {value!r}")
        return value
    if kind.startswith("float"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise TypeError(f"expected a number, got {value!r}")
        return float(value)
    if kind.startswith("str") and not isinstance(value, str):
        raise TypeError(f"expected text, got {value!r}")
    return value


def _tiers(value: Any) -> tuple[StoreTier, ...]:
    """Parse ``[[tiers]]`` tables: capacity_t, build_cost_yuan, subsidy_yuan (name optional)."""
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise TypeError("expected a list of [[tiers]] tables")
    out = []
    for i, item in enumerate(value, start=1):
        missing = {"capacity_t", "build_cost_yuan", "subsidy_yuan"} - set(item)
        if missing:
            raise ValueError(f"tier {i} lacks {', '.join(sorted(missing))}")
        numbers = {k: _coerce(k, item[k], "float") for k in
                   ("capacity_t", "build_cost_yuan", "subsidy_yuan")}
        out.append(StoreTier(str(item.get("name", f"{numbers['capacity_t']:g} t")), **numbers))
    return tuple(out)


def _county_stores(value: Any) -> tuple[tuple[str, int, int | None], ...]:
    """Parse ``[county_stores]``: county code -> ``{min = N, max = M}`` (either optional)."""
    if not isinstance(value, dict):
        raise TypeError("expected a table of county code = {min = N, max = M}")
    out = []
    for code, limits in sorted(value.items()):
        if not isinstance(limits, dict) or set(limits) - {"min", "max"}:
            raise ValueError(f"county {code}: expected {{min = N, max = M}}, got {limits!r}")
        low = _coerce("min", limits.get("min", 0), "int")
        high = _coerce("max", limits.get("max"), "int | None")
        out.append((str(code), low, high))
    return tuple(out)


def _out_of_range(s: Scenario) -> list[Reason]:
    """A reason for every number outside its :data:`PARAMS` bounds (``None`` = derived)."""
    out = []
    for key, param in PARAMS.items():
        value = getattr(s, key)
        refused = None if value is None else param.refusal(key, value)
        if refused:
            out.append(Reason(key, refused))
    return out
