"""The typed view of ``plan.json`` (``coldchain-plan/1``, see ``docs/PLAN-FORMAT.md``).

Pure Python: the web app imports this without pandas or geopandas. Every class is a
frozen :class:`~optimize.plan.record.Record`: ``PlanMeta.from_json(meta).to_json() ==
meta`` for every plan written by ``save_plan`` (prefecture, county and whole-province
plans). Fields with a default are keys some plans lack (older plans, synthetic benchmark
plans, or keys only one plan kind writes); ``None`` there means "not in this plan" or a
JSON ``null``.

A whole-province plan (``region.level == "province"``) carries more top-level keys
(``regions``, ``decomposition``, ``border_repair``, ``province_totals``, ``seasons``,
``truck_budget``); they are read into :attr:`PlanMeta.province` (a
:class:`ProvinceReport`) and written back at the top level.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from optimize.plan.bound_records import FleetBoundReport
from optimize.plan.market_records import (
    CostsReport,
    MarketEntry,
    MarketFlowReport,
    RunBreak,
    RunLeg,
)
from optimize.plan.record import Record, decode_record, encode_record
from optimize.plan.season_records import FleetCell, SeasonLoad, SeasonMove, Shortfall

PROVINCE_LEVEL = "province"


@dataclasses.dataclass(frozen=True)
class Region(Record):
    """The planned region: NBS ``code``, ``level`` and WGS-84 ``bbox`` (minlon, minlat,
    maxlon, maxlat); a province plan lists the ``prefectures`` it planned."""

    level: str
    code: str
    name: str
    bbox: tuple[float, ...]
    prefectures: tuple[str, ...] | None = None


@dataclasses.dataclass(frozen=True)
class ScenarioParam(Record):
    """One scenario parameter as used: value, unit, source and whether it is assumed."""

    value: Any
    unit: str = ""
    source: str = ""
    assumption: bool = False


@dataclasses.dataclass(frozen=True)
class RoadNetwork(Record):
    """Where the travel times came from and how big the network was."""

    source: str
    approximate: bool
    nodes: int
    edges: int
    note: str
    dropped_nodes: int | None = None
    off_network_settlements: int | None = None
    snap_m_max: float | None = None


@dataclasses.dataclass(frozen=True)
class Kpis(Record):
    """The plan's key figures (``optimize.plan.kpis.compute_kpis``); ``None`` = not given
    (or NaN, written as ``null``)."""

    settlements: int | None = None
    settlements_served: int | None = None
    supply_t: float | None = None
    supply_covered_t: float | None = None
    coverage_pct: float | None = None
    poor_settlements: int | None = None
    poor_covered_pct: float | None = None
    stores: int | None = None
    storage_capacity_t: float | None = None
    build_cost_yuan: float | None = None
    subsidy_yuan: float | None = None
    budget_yuan: float | None = None
    access_time_mean_s: float | None = None
    access_time_p95_s: float | None = None
    access_time_max_s: float | None = None
    county_fairness_jain: float | None = None
    trucks: int | None = None
    trucks_used: int | None = None
    truck_trips: int | None = None
    route_distance_m: float | None = None
    route_duration_s: float | None = None
    daily_pickup_t: float | None = None
    daily_pickup_routed_t: float | None = None


@dataclasses.dataclass(frozen=True)
class Store(Record):
    """One opened store (the properties of ``stores.geojson``)."""

    store_id: str
    name: str
    site_settlement_id: str
    county_code: str
    tier: str
    capacity_t: float
    build_cost_yuan: float
    subsidy_yuan: float
    load_t: float
    settlements_served: int
    trucks: int
    colour: str
    county_name: str | None = None
    required_site: bool | None = None


@dataclasses.dataclass(frozen=True)
class DepotTrucks(Record):
    """Trucks based at one store."""

    store_id: str
    trucks: int


@dataclasses.dataclass(frozen=True)
class Stop(Record):
    """One stop of a truck trip: a village pickup (``settlement_id``) of a collection
    trip; a store loaded (``store_id``) or the market (``market_id``, ``pickup_t`` 0 and
    ``delivered_t`` the load) of a market run."""

    name: str
    arrival_s: int
    pickup_t: float
    load_after_t: float
    settlement_id: str | None = None
    crop: str | None = None
    freshness_limit_s: int | None = None
    store_id: str | None = None
    market_id: str | None = None
    pickup_by_crop: Mapping[str, float] | None = None
    delivered_t: float | None = None


@dataclasses.dataclass(frozen=True)
class Route(Record):
    """One truck trip (``routes.geojson`` properties) with its stops in visit order and
    the freshness limit it was planned to."""

    route_id: str
    truck_id: str
    store_id: str
    trip: int
    stops_count: int
    load_t: float
    distance_m: float
    duration_s: int
    start_s: int
    end_s: int
    colour: str
    approximate_geometry: bool
    stops: tuple[Stop, ...]
    store_arrival_s: int | None = None
    max_age_s: int | None = None
    freshness_limit_s: int | None = None
    kind: str | None = None
    season: str | None = None
    base_id: str | None = None
    market_id: str | None = None
    fuel_l: float | None = None
    co2_kg: float | None = None
    cost_yuan: float | None = None
    market_kind: str | None = None
    drive_s: int | None = None
    breaks: tuple[RunBreak, ...] | None = None
    days: int | None = None
    daily_t: float | None = None
    tonne_km: float | None = None
    paid_s: int | None = None
    approximate_travel: bool | None = None
    start_id: str | None = None
    legs: tuple[RunLeg, ...] | None = None

    @property
    def is_market(self) -> bool:
        """A market run (``kind == "market"``)."""
        return self.kind == "market"

    @property
    def pickups(self) -> tuple[Stop, ...]:
        """The stops that load (a market run's stores; every stop of a collection trip)."""
        return tuple(s for s in self.stops if s.market_id is None)


@dataclasses.dataclass(frozen=True)
class Unserved(Record):
    """A settlement no store serves, the stage that left it out and why; a province
    plan adds the ``region`` (prefecture) it belongs to."""

    settlement_id: str
    name: str
    county_code: str
    stage: str
    reason: str
    region: str | None = None
    season: str | None = None
    tonnes_t: float | None = None


@dataclasses.dataclass(frozen=True)
class EmptyLeg(Record):
    """An empty drive of a truck-day between two stores (or a store and itself)."""

    from_id: str
    to_id: str
    drive_s: int
    distance_m: int


@dataclasses.dataclass(frozen=True)
class TruckDay(Record):
    """One truck in one season (``trucks``): base, trips in order, times, tonnes."""

    truck_id: str
    season: str
    base_id: str
    trips: tuple[str, ...]
    start_s: int
    end_s: int
    work_s: int
    distance_m: float
    collection_t: float
    market_t: float
    idle: bool
    idle_reason: str | None
    empty_legs: tuple[EmptyLeg, ...] | None = None


@dataclasses.dataclass(frozen=True)
class SeasonKpis(Record):
    """Who carries what in one season, the fleet's figures and bound (``seasons[*].kpis``)."""

    daily_supply_t: float
    daily_self_delivered_t: float
    daily_truck_needed_t: float
    daily_pickup_routed_t: float
    daily_unrouted_t: float
    market_t: float
    left_for_buyers_t: float
    trucks: int
    trucks_used: int
    idle_trucks: int
    distance_km: float
    fuel_l: float | None = None
    co2_kg: float | None = None
    cost_yuan: float | None = None
    dropped_trips: int | None = None
    #: The collection target, per cent of ``daily_truck_needed_t`` (scenario's
    #: ``collection_target_pct``); the smallest fleet this plan's packer needs to reach it
    #: (``None`` when the plan's fleet reaches it or no fleet does) and its label.
    target_pct: float | None = None
    trucks_for_target: int | None = None
    trucks_for_target_note: str | None = None
    collectable_upper_t: float | None = None
    collectable_upper_pct: float | None = None
    trucks_for_target_lower: int | None = None
    trucks_for_target_lower_note: str | None = None
    fleet_bound: FleetBoundReport | None = None
    #: The packing's rule (optimize/fleet/priority.py) and the collected shares of the
    #: poverty counties' truck-needed produce and of the rest (per cent, None: none).
    packing: str | None = None
    priority_collected_pct: float | None = None
    others_collected_pct: float | None = None


@dataclasses.dataclass(frozen=True)
class SitingStage(Record):
    """One lexicographic stage (or the weighted sum) of the siting solve."""

    name: str
    objective: float | None
    bound: float | None
    gap_pct: float | None
    status: str


@dataclasses.dataclass(frozen=True)
class SitingReport(Record):
    """The siting solve: status, objective, bound, gap, time, binding constraints, engine
    and stages. A province plan sited as one problem adds its ``scope`` ("province"), the
    instance (``stores``, ``budget_yuan``, ``demand_points``, ``candidate_sites``, ``arcs``,
    ``build_s``), the objective's terms (``longest_arc_s``, ``coverage_factor``,
    ``objective_formula``, ``objective_recomputed`` from the settlements layer), the
    ``quota`` policy, the villages served ``cross_border`` and the ``decomposed``
    comparison (docs/PLAN-FORMAT.md); an older province plan a ``note``."""

    status: str
    objective: float | None = None
    bound: float | None = None
    gap_pct: float | None = None
    time_s: float | None = None
    binding: tuple[str, ...] | None = None
    engine: str | None = None
    stages: tuple[SitingStage, ...] | None = None
    note: str | None = None
    scope: str | None = None
    build_s: float | None = None
    objective_formula: str | None = None
    objective_recomputed: float | None = None
    longest_arc_s: int | None = None
    coverage_factor: float | None = None
    stores: int | None = None
    budget_yuan: float | None = None
    demand_points: int | None = None
    candidate_sites: int | None = None
    arcs: int | None = None
    quota: Mapping[str, Any] | None = None
    cross_border: Mapping[str, Any] | None = None
    decomposed: Mapping[str, Any] | None = None


@dataclasses.dataclass(frozen=True)
class RoutingReport(Record):
    """The routing solves: joined status and summed time."""

    status: str | None = None
    time_s: float | None = None


@dataclasses.dataclass(frozen=True)
class SolverReport(Record):
    """``solver``: the siting and routing reports."""

    siting: SitingReport
    routing: RoutingReport


@dataclasses.dataclass(frozen=True)
class Attribution(Record):
    """A data source to credit, with its licence."""

    dataset: str
    attribution: str
    license: str | None = None


# -- whole-province plans ------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class RegionSiting(Record):
    """A prefecture's siting result inside a province plan."""

    status: str
    objective: float | None
    bound: float | None
    gap_pct: float | None
    time_s: float | None
    villages_served_across_border: int | None = None
    decomposed_time_limit_s: float | None = None


@dataclasses.dataclass(frozen=True)
class RegionRun(Record):
    """One prefecture of a province plan: its quota, solve and coverage."""

    code: str
    name: str
    villages: int
    stores: int
    trucks: int
    budget_yuan: float
    apportioning: str
    siting_time_limit_s: float
    siting: RegionSiting
    routing_status: str
    wall_clock_cap: bool
    coverage_pct: float
    time_s: float
    harvest_peak_days: float | None = None
    crop: str | None = None
    store_share: int | None = None


@dataclasses.dataclass(frozen=True)
class BorderMove(Record):
    """One village reassigned across a prefecture border."""

    settlement_id: str
    from_store: str | None
    to_store: str
    time_before_s: int | None
    time_after_s: int
    supply_t: float


@dataclasses.dataclass(frozen=True)
class BorderRepair(Record):
    """The border repair of a province plan (``moves`` only in the top-level copy)."""

    moved: int
    from_unserved: int
    closer_store: int
    moved_supply_t: float
    stores_rerouted: int
    served_before: int
    served_after: int
    time_s: float
    rule: str
    moves: tuple[BorderMove, ...] | None = None


@dataclasses.dataclass(frozen=True)
class Decomposition(Record):
    """How the province was split, what the summed bound means, which caps fired."""

    rule: str
    bound_note: str
    wall_clock_caps_fired: tuple[str, ...]
    border_repair: BorderRepair | None = None


@dataclasses.dataclass(frozen=True)
class ProvinceTotals(Record):
    """The province programme's stores, trucks and budget."""

    stores: int
    trucks: int
    budget_yuan: float


@dataclasses.dataclass(frozen=True)
class TruckBudget(Record):
    """Trucks and store budget of the prefectures planned."""

    trucks: int
    store_budget_yuan: float


@dataclasses.dataclass(frozen=True)
class SeasonSpan(Record):
    """A season of the harvest calendar and its length in days."""

    name: str
    days: int
    kpis: SeasonKpis | None = None


@dataclasses.dataclass(frozen=True)
class SeasonsReport(Record):
    """The shared fleet by season (``optimize/seasons.py``) of a province plan."""

    routed_season: str
    seasons: tuple[SeasonSpan, ...]
    load: tuple[SeasonLoad, ...]
    fleet: tuple[FleetCell, ...]
    trucks_by_season: Mapping[str, int]
    moves: tuple[SeasonMove, ...]
    repositioning_truck_km: float
    shortfalls: tuple[Shortfall, ...]
    rule: str
    distances: str
    annual_t: Mapping[str, float]
    assumptions: tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class ProvinceReport(Record):
    """The top-level keys only a whole-province plan has (``seasons`` may be ``null``)."""

    decomposition: Decomposition
    regions: tuple[RegionRun, ...]
    seasons: SeasonsReport | None
    province_totals: ProvinceTotals
    truck_budget: TruckBudget
    border_repair: BorderRepair | None = None


# -- the whole plan.json -------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class PlanMeta(Record):
    """Everything in ``plan.json``, typed (see ``docs/PLAN-FORMAT.md``)."""

    schema: str
    plan_id: str
    name: str
    created_at: str
    region: Region
    scenario: Mapping[str, ScenarioParam]
    road_network: RoadNetwork
    approximations: tuple[str, ...]
    assumptions: tuple[str, ...]
    kpis: Kpis
    stores: tuple[Store, ...]
    trucks_per_depot: tuple[DepotTrucks, ...]
    routes: tuple[Route, ...]
    unserved: tuple[Unserved, ...]
    solver: SolverReport
    attributions: tuple[Attribution, ...]
    apportioning: str | None = None
    trucks: tuple[TruckDay, ...] | None = None
    markets: tuple[MarketEntry, ...] | None = None
    market_flow: MarketFlowReport | None = None
    costs: CostsReport | None = None
    regional_seasons: SeasonsReport | None = None
    province: ProvinceReport | None = None

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> PlanMeta:
        """Read ``plan.json``; a province plan's extra top-level keys go to ``province``."""
        keys = [f.name for f in dataclasses.fields(ProvinceReport)
                if f.name not in ("extra", "absent")]
        if "decomposition" not in d:
            rest = {k: v for k, v in d.items() if k != "seasons"}
            plan = decode_record(cls, rest)
            if "seasons" not in d:
                return plan
            seasons = None if d["seasons"] is None else SeasonsReport.from_json(d["seasons"])
            return dataclasses.replace(plan, regional_seasons=seasons,
                                       absent=plan.absent - {"regional_seasons"})
        rest = {k: v for k, v in d.items() if k not in keys}
        province = decode_record(ProvinceReport, {k: d[k] for k in keys if k in d})
        return dataclasses.replace(decode_record(cls, rest), province=province)

    def to_json(self) -> dict[str, Any]:
        """``plan.json`` as read (province keys at the top level again)."""
        out = encode_record(self)
        out.pop("province", None)
        seasons = out.pop("regional_seasons", None)
        if "regional_seasons" not in self.absent:
            out["seasons"] = seasons
        if self.province is not None:
            out.update(self.province.to_json())
        return out

    @property
    def is_province(self) -> bool:
        """True for a whole-province plan (``optimize/province.py``)."""
        return self.province is not None or self.region.level == PROVINCE_LEVEL

    @property
    def seasons(self) -> SeasonsReport | None:
        """The fleet by season: a province plan's, or a regional plan's (every season
        routed, ``seasons[*].kpis``)."""
        if self.province is not None:
            return self.province.seasons
        return self.regional_seasons

    def param(self, name: str) -> Any:
        """The value of scenario parameter ``name`` as used (``KeyError`` if unknown)."""
        return self.scenario[name].value

