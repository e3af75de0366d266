"""The whole province in one plan: apportion, solve the prefectures on Dask, merge, repair.

``plan_province(scenario)`` plans all of Gansu (``region_code = "62"``) as a decomposition
of the one big problem into the 14 prefecture-level problems that ``build_plan`` already
solves, and keeps the plan whole in three ways:

1. **Apportioning at the top.** The province's stores, trucks and budget are split over
   the 14 prefectures by the rule every regional plan already uses
   (:func:`optimize.pipeline.regional_share`: share of the 2020 census rural population,
   largest remainder; store budget = the same share of the province budget minus the
   subsidy of the region's trucks). The quotas are therefore the same as those of a
   stand-alone prefecture plan, and they sum to the province's figures.
2. **Regional solves in parallel.** Each prefecture is one ``build_plan`` task on a
   ``dask.distributed`` cluster (a ``LocalCluster`` of single-threaded worker processes,
   or an existing scheduler). A region's CP-SAT siting budget is its share of the
   province's siting budget by rural village count (at least :data:`MIN_REGION_SITING_S`
   deterministic seconds); CP-SAT and the routing search are seeded and budgeted in
   deterministic units, so the plan does not depend on the number of workers, the
   scheduling order or the machine's load (unless a wall-clock safety cap fires, which
   the statuses in ``meta["regions"]`` would show).
3. **Repair across regional borders.** A decomposition cannot let a village use a store
   across its prefecture's border. After the merge, :func:`reassign_across_borders`
   offers every village that is unserved, or much farther from its store than from an
   open store in a *neighbouring* prefecture, to that store if it has spare capacity and
   is within the access limit. Cross-border times come from one province-wide approximate
   network over township points (:func:`geodata.roads.approximate_graph`,
   :func:`geodata.matrix.travel_time_matrix`), village legs included as in the pipeline.
   Stores that lose or gain villages are routed again on that network. No store is opened
   or resized, so the budget and store count hold.

What the siting gap means here: each region reports its CP-SAT objective (final stage of
the lexicographic objective) and a proven bound. Their sums bound the *decomposed*
problem, the one with the regional quotas fixed and borders closed; they are **not** a
bound for the province-wide problem, in which stores, trucks and budget could move between
prefectures and villages could cross borders. The merged ``meta["solver"]["siting"]``
says so, and the border repair only improves the plan (it is not part of that bound).
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

from geodata import boundaries, datasets, places
from geodata.errors import DataError
from geodata.matrix import CsrGraph, graph_to_csr, travel_time_matrix
from geodata.roads import approximate_graph, route_geometry
from optimize.errors import InfeasibleError, SpecificationError
from optimize.pipeline import (
    PALETTE,
    Share,
    _counties_layer,
    _rural_weights,
    _with_legs,
    build_plan,
    regional_share,
)
from optimize.plan import SCHEMA, Plan, compute_kpis
from optimize.routing import RoutingProblem, solve_routing
from optimize.scenario import Scenario
from optimize.seasons import SeasonalFleet, SeasonalLoad

Progress = Callable[[str, float], None]
VillagesHook = Callable[[gpd.GeoDataFrame], gpd.GeoDataFrame]
PROVINCE_CODE = "62"
#: Smallest CP-SAT siting budget of one prefecture, deterministic seconds.
MIN_REGION_SITING_S = 5.0
#: A served village moves across a border only if that saves at least this much time.
MIN_SAVING_S = 600
#: Wall-clock safety cap of the regional solvers, as a multiple of their budgets.
WALL_SAFETY = 10.0
#: How long the client waits for an existing scheduler before giving up, seconds.
CONNECT_TIMEOUT_S = 10

DECOMPOSITION_RULE = (
    "Province decomposed by prefecture: stores, trucks and budget apportioned to the 14 "
    "prefecture-level units by share of the 2020 census rural population (largest "
    "remainder; store budget = share of the province budget minus the subsidy of the "
    "region's trucks); each prefecture sited and routed on its own (build_plan, "
    "dask.distributed), CP-SAT siting budget shared by rural village count; then villages "
    "reassigned across prefecture borders to open stores with spare capacity within the "
    "access limit (province-wide approximate network over township points), and the "
    "affected stores routed again."
)
BOUND_NOTE = (
    "objective and bound are the sums of the regional final-stage objectives and proven "
    "bounds: a bound only for the decomposed problem (regional quotas of stores, trucks and "
    "budget fixed, no village served across a prefecture border), not for the province-wide "
    "problem; the border repair after the solves is not reflected in them."
)


@dataclass(frozen=True)
class RegionTask:
    """One prefecture's share and the scenario its ``build_plan`` runs with."""

    code: str
    name: str
    villages: int  # rural villages (the plan's settlements)
    share: Share
    scenario: Scenario


@dataclass(frozen=True)
class RegionResult:
    """One prefecture's finished plan and its wall-clock solve time on its worker."""

    code: str
    name: str
    villages: int
    share: Share
    plan: Plan
    time_s: float


# -- the entry point --------------------------------------------------------------------
def plan_province(
    scenario: Scenario,
    *,
    data_dir: str | Path | None = None,
    scheduler: str | None = None,
    n_workers: int = 2,
    progress: Progress | None = None,
    regions: Sequence[str] | None = None,
    plan_id: str = "plan",
    villages_hook: VillagesHook | None = None,
    osm_path: str | Path | None = None,
) -> Plan:
    """Plan the whole province (``scenario.region_code == "62"``); see the module docstring.

    ``regions`` restricts the run to some prefectures (4-digit codes), each keeping the
    share it has in the whole province. ``scheduler`` is the address of an existing Dask
    scheduler (``tcp://HOST:PORT``; its workers must see ``data_dir`` at the same path);
    without it a ``LocalCluster`` of ``n_workers`` single-threaded processes is started
    and closed. ``villages_hook`` (benchmarks: :func:`split_villages`) is applied to every
    village table, on the workers and for the border repair. ``osm_path`` is an OSM
    extract every worker can read at that path; each region clips it to its polygon (the
    border repair still uses the approximate network, and the plan says so).
    """
    report = progress or (lambda stage, fraction: None)
    root = datasets.data_dir(data_dir)
    report("apportioning the province to prefectures", 0.01)
    tasks = region_tasks(scenario, root, regions)
    seasons = seasonal_fleet(scenario, root, tasks)
    tasks = [seasons.task_for(t, scenario) for t in tasks]
    report(f"solving {len(tasks)} prefectures on Dask", 0.03)
    results = _solve_on_dask(tasks, root, scheduler, n_workers, report, plan_id,
                             villages_hook, None if osm_path is None else str(osm_path))
    report("merging the regional plans", 0.85)
    merged = merge_plans(scenario, results, plan_id=plan_id, seasons=seasons)
    report("repairing across prefecture borders", 0.90)
    net = province_network(scenario, root, [t.code for t in tasks], villages_hook)
    repaired = repair_borders(merged, scenario, net)
    report("done", 1.0)
    return repaired


def region_tasks(scenario: Scenario, root: Path,
                 regions: Sequence[str] | None = None) -> list[RegionTask]:
    """The prefectures to solve, largest first, each with its share and scenario."""
    problems = _province_problems(scenario)
    if problems:
        raise SpecificationError(problems)
    census = datasets.load_census(root)
    weights = _rural_weights(census, 4)
    codes = sorted(k[:4] for k in weights)
    chosen = codes if regions is None else list(dict.fromkeys(regions))
    unknown = [c for c in chosen if c not in codes]
    if unknown:
        raise SpecificationError([f"region {c!r}: not a Gansu prefecture-level code "
                                  f"(known: {', '.join(codes)})" for c in unknown])
    if not chosen:
        raise SpecificationError(["regions: at least one prefecture is needed"])
    villages = places.load_villages(root, PROVINCE_CODE)
    rural = villages[villages["is_village"].astype(bool)]
    counts = rural["village_code"].str[:4].value_counts()
    total = int(counts.reindex(codes).fillna(0).sum())
    names = census.set_index("adcode")["name"]
    tasks = []
    for code in chosen:
        n = int(counts.get(code, 0))
        siting_s = max(MIN_REGION_SITING_S, scenario.siting_time_limit_s * n / max(total, 1))
        sub = dataclasses.replace(scenario, region_code=code,
                                  name=f"{scenario.name} · {names.get(code + '00', code)}",
                                  siting_time_limit_s=round(siting_s, 1))
        tasks.append(RegionTask(code, str(names.get(code + "00", code)), n,
                                regional_share(sub, census), sub))
    return sorted(tasks, key=lambda t: (-t.villages, t.code))


def _province_problems(scenario: Scenario) -> list[str]:
    out = []
    if scenario.region_code != PROVINCE_CODE:
        out.append(f"region_code {scenario.region_code!r}: plan_province plans the whole "
                   f"province, expected {PROVINCE_CODE!r}")
    for key, instead in (("stores", "province_stores"), ("trucks", "province_trucks"),
                         ("budget_yuan", "province_budget_yuan")):
        if getattr(scenario, key) is not None:
            out.append(f"{key}: not used for the whole province (it is apportioned to the "
                       f"prefectures); set {instead} instead")
    for key in ("supply_file", "sites_file"):
        if getattr(scenario, key):
            out.append(f"{key}: not supported for a whole-province plan yet; plan the "
                       "prefectures one by one with their own tables")
    return out


# -- Dask -------------------------------------------------------------------------------
def solve_region(scenario: Scenario, data_dir: str, plan_id: str,
                 villages_hook: VillagesHook | None = None,
                 osm_path: str | None = None) -> tuple[Plan, float]:
    """One regional ``build_plan`` (runs on a Dask worker); returns the plan and its time.

    ``osm_path``: an OSM extract covering the province (or at least the region), clipped
    to the region by ``build_plan``; villages it maps as named places sit at their points.

    The solvers' wall-clock safety caps are raised to :data:`WALL_SAFETY` times their
    deterministic budgets for the call (see :func:`_wall_safety`).
    """
    started = time.perf_counter()
    with _wall_safety(WALL_SAFETY):
        plan = build_plan(scenario, data_dir=data_dir, plan_id=plan_id,
                          villages_hook=villages_hook, osm_path=osm_path)
    return plan, round(time.perf_counter() - started, 2)


@contextlib.contextmanager
def _wall_safety(factor: float) -> Iterator[None]:
    """Temporarily set the siting and routing wall-clock caps to ``factor`` x budget.

    Both solvers stop by deterministic budgets (so the plan does not depend on the machine
    or its load) and keep a wall-clock cap of 3 x the budget against pathological
    slowdowns. Province workers share the cores with each other and with other jobs:
    measured on 2 busy cores, CP-SAT took 2.9-3.1 s of wall time per deterministic second,
    so the 3 x cap fired in normal runs and made them machine-dependent. The cap is
    module-level in ``optimize.location`` / ``optimize.routing`` (read at each solve), so
    it is raised here, in the worker process only, and restored afterwards.
    """
    from optimize import location, routing

    name = "WALL_SAFETY"
    modules = [m for m in (location, routing) if hasattr(m, name)]
    saved = [float(getattr(m, name)) for m in modules]
    for m, value in zip(modules, saved, strict=True):
        setattr(m, name, max(factor, value))
    try:
        yield
    finally:
        for m, value in zip(modules, saved, strict=True):
            setattr(m, name, value)


def _solve_on_dask(tasks: list[RegionTask], root: Path, scheduler: str | None,
                   n_workers: int, report: Progress, plan_id: str,
                   villages_hook: VillagesHook | None = None,
                   osm_path: str | None = None) -> list[RegionResult]:
    from dask.distributed import Client, LocalCluster, as_completed

    if scheduler is None and n_workers < 1:
        raise SpecificationError([f"workers = {n_workers}: at least one worker is needed"])
    cluster = None
    try:
        if scheduler is None:
            # ":0": the scheduler's HTTP endpoint on a free port (8787 may be taken by
            # another cluster on the machine); no dashboard unless bokeh is installed.
            cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                                   dashboard_address=":0")
            client = Client(cluster)
        else:
            client = _connect(scheduler)
        with client:
            futures = []
            for rank, task in enumerate(tasks):  # largest first, by priority too
                futures.append(client.submit(solve_region, task.scenario, str(root),
                                             f"{plan_id}-{task.code}", villages_hook,
                                             osm_path,
                                             key=f"region-{task.code}-{plan_id}",
                                             priority=len(tasks) - rank, pure=False))
            task_of = {f.key: t for f, t in zip(futures, tasks, strict=True)}
            done: dict[str, RegionResult] = {}
            for n, future in enumerate(as_completed(futures), 1):
                task = task_of[future.key]
                plan, time_s = _result(future, task)
                done[task.code] = RegionResult(task.code, task.name, task.villages,
                                               task.share, plan, time_s)
                report(f"prefecture {task.code} {task.name} done ({n} of {len(tasks)})",
                       0.03 + 0.8 * n / len(tasks))
    finally:
        if cluster is not None:
            cluster.close()
    return [done[c] for c in sorted(done)]


def _connect(address: str) -> Any:
    """A client of an existing scheduler, or a SpecificationError naming the address."""
    from dask.distributed import Client

    try:
        client = Client(address, timeout=f"{CONNECT_TIMEOUT_S}s")
    except (OSError, TimeoutError, ValueError, TypeError) as exc:
        raise SpecificationError([f"--scheduler {address!r}: cannot reach a Dask scheduler "
                                  f"there within {CONNECT_TIMEOUT_S} s ({exc})"]) from None
    try:
        client.wait_for_workers(1, timeout=CONNECT_TIMEOUT_S)
    except (OSError, TimeoutError) as exc:
        client.close()
        raise SpecificationError([f"--scheduler {address!r}: the scheduler has no workers "
                                  f"(none joined within {CONNECT_TIMEOUT_S} s: {exc})"]) from None
    return client


def _result(future: Any, task: RegionTask) -> tuple[Plan, float]:
    """The future's result; regional errors come back naming the prefecture."""
    where = f"prefecture {task.code} ({task.name})"
    try:
        plan, time_s = future.result()
    except (SpecificationError, InfeasibleError) as exc:
        raise type(exc)([f"{where}: {r}" for r in exc.reasons]) from None
    except DataError as exc:
        raise DataError(f"{where}: {exc}") from None
    return plan, float(time_s)


# -- seasons and the shared fleet -------------------------------------------------------
@dataclass(frozen=True)
class SeasonPlan:
    """The harvest calendar applied to the province: load, fleet and moves per season.

    The stores are sited once (for the year's stored produce). The 720 trucks are one
    fleet: :func:`optimize.seasons.fleet_for_load` bases them per season and prefecture
    (tonnage need first, spare trucks by D'Hondt on the day's pickup) and moves them between
    seasons at least truck-km. The plan's routes are those of the **routed season**, the
    season with the largest province-wide daily pickup: each prefecture is routed with its
    trucks, daily pickup and strictest crop of that season, so the routed trucks add up to
    the fleet. For the other seasons the plan gives trucks, need and moves, not routes.
    """

    load: SeasonalLoad
    fleet: SeasonalFleet
    routed: int  # index of the routed season
    annual_t: dict[str, float]
    store_budget_yuan: dict[str, float]
    assumptions: str
    calendar_notes: tuple[str, ...] = ()

    def task_for(self, task: RegionTask, scenario: Scenario) -> RegionTask:
        """The region's task for the routed season: trucks, store budget, daily pickup and
        crop of that season; the siting access limit stays the province's."""
        r = self.load.regions.index(task.code)
        s = self.routed
        trucks = int(self.fleet.trucks[s, r])
        share_s = float(self.load.share[s, r])
        days = self.load.season_days[s] / share_s if share_s > 0 else 1e9
        crop = self.load.strictest_crop[s][r] or scenario.crop
        budget = self.store_budget_yuan[task.code]
        sub = dataclasses.replace(task.scenario, trucks=trucks, budget_yuan=budget,
                                  harvest_peak_days=round(days, 3), crop=crop,
                                  max_access_time_s=scenario.access_limit_s, seasons=())
        rule = (f"{task.share.rule}; trucks: {trucks} of the shared fleet in the routed "
                f"season {self.load.seasons[s]!r} (optimize.seasons); store budget: the "
                "region's rural-population share of the province budget after all trucks")
        share = dataclasses.replace(task.share, trucks=trucks, budget_yuan=budget, rule=rule)
        return dataclasses.replace(task, scenario=sub, share=share)

    def routes_note(self) -> str:
        return (f"Routes are one day of the season {self.load.seasons[self.routed]!r} (the "
                "largest province-wide daily pickup); other seasons have trucks per "
                "prefecture and moves (seasons table) but no routes. Daily pickup is the "
                "season's share of the annual produce spread evenly over its days.")

    def describe(self) -> dict[str, Any]:
        """``meta["seasons"]``: calendar, load, fleet per season and region, moves."""
        fleet = self.fleet
        return {
            "routed_season": self.load.seasons[self.routed],
            "seasons": [{"name": n, "days": d} for n, d in
                        zip(self.load.seasons, self.load.season_days, strict=True)],
            "load": self.load.rows(),
            "fleet": fleet.rows(),
            "trucks_by_season": {season: int(fleet.trucks[s].sum())
                                 for s, season in enumerate(fleet.seasons)},
            "moves": [{**dataclasses.asdict(m), "truck_km": round(m.truck_km, 1)}
                      for m in fleet.moves],
            "repositioning_truck_km": round(fleet.repositioning_truck_km, 1),
            "shortfalls": [dataclasses.asdict(x) for x in fleet.shortfalls],
            "rule": fleet.rule,
            "distances": fleet.distances_note,
            "annual_t": {k: round(v, 1) for k, v in self.annual_t.items()},
            "assumptions": list(self.calendar_notes),
        }


def seasonal_fleet(scenario: Scenario, root: Path, tasks: Sequence[RegionTask]) -> SeasonPlan:
    """Apply the scenario's harvest calendar (default: :func:`default_gansu_seasons`) to the
    chosen prefectures: annual stored produce from the census (as the regional plans
    estimate it), seasonal load, the fleet per season and its moves."""
    from optimize.seasons import (
        calendar_assumptions,
        default_gansu_seasons,
        fleet_for_load,
        region_distances,
        seasonal_load,
        seasons_from_mapping,
    )

    calendar = (seasons_from_mapping(list(scenario.seasons)) if scenario.seasons
                else default_gansu_seasons())
    census = datasets.load_census(root)
    weights = _rural_weights(census, 4)
    pop = {k[:4]: float(v) for k, v in weights.items()}
    codes = sorted(t.code for t in tasks)
    annual_t = {c: pop[c] * scenario.stored_produce_kg_per_rural_capita / 1000 for c in codes}
    load = seasonal_load(annual_t, calendar)
    villages = places.load_villages(root, PROVINCE_CODE)
    villages = villages[villages["village_code"].str[:4].isin(codes)]
    centre = villages.assign(code=villages["village_code"].str[:4], x=villages.geometry.x,
                             y=villages.geometry.y).groupby("code")[["x", "y"]].mean()
    seats = {c: (float(centre.loc[c, "x"]), float(centre.loc[c, "y"])) for c in codes}
    distances = region_distances(seats, scenario.detour_factor)
    total = sum(t.share.trucks for t in tasks)
    fleet = fleet_for_load(load, distances, total, scenario.truck_capacity_t,
                           scenario.trips_per_truck)
    routed = int(np.argmax(load.daily_pickup_t.sum(axis=1)))
    after_trucks = (scenario.province_budget_yuan
                    - scenario.province_trucks * scenario.truck_subsidy_yuan)
    all_pop = sum(pop.values())
    budgets = {c: after_trucks * pop[c] / all_pop for c in codes}
    notes = calendar_assumptions(calendar)
    summary = (f"harvest calendar: {len(notes)} assumed items (shares of produce by season "
               "and crop; even spread over a season's days); see meta.seasons")
    return SeasonPlan(load, fleet, routed, annual_t, budgets, summary, tuple(notes))


# -- merge ------------------------------------------------------------------------------
def merge_plans(scenario: Scenario, results: Sequence[RegionResult], *,
                plan_id: str = "plan", seasons: SeasonPlan | None = None) -> Plan:
    """One Plan from regional plans: ids prefixed by region, layers concatenated, KPIs
    recomputed over the whole, each region's figures and the decomposition in ``meta``.

    Store, truck and route ids become ``"{region}-S001"``, ``"{region}-T001"`` and
    ``"{region}-T001-1"``; settlement ids (NBS codes) must already be unique.
    """
    if not results:
        raise SpecificationError(["no regional plans to merge"])
    parts = [_prefixed(r) for r in results]
    settlements = _concat([p.settlements for p in parts])
    duplicated = settlements["settlement_id"][settlements["settlement_id"].duplicated()]
    if len(duplicated):
        raise SpecificationError([f"settlement {s!r} is in more than one regional plan"
                                  for s in sorted(set(duplicated))[:10]])
    stores = _concat([p.stores for p in parts])
    routes = _concat([p.routes for p in parts])
    counties = _concat([p.counties for p in parts])
    metas = [p.meta for p in parts]
    trucks = sum(r.share.trucks for r in results)
    budget = sum(r.share.budget_yuan for r in results)
    objective = sum(float(m["solver"]["siting"]["objective"]) for m in metas)
    bound = sum(float(m["solver"]["siting"]["bound"]) for m in metas)
    meta: dict[str, Any] = {
        "schema": SCHEMA,
        "plan_id": plan_id,
        "name": scenario.name,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "region": {"level": "province", "code": PROVINCE_CODE, "name": "甘肃省",
                   "bbox": [float(v) for v in counties.total_bounds],
                   "prefectures": [r.code for r in results]},
        "scenario": scenario.describe(),
        "apportioning": (f"{len(results)} prefecture(s) of 14; " + DECOMPOSITION_RULE
                         + " Shares: " + "; ".join(f"{r.code} {r.name}: {r.share.stores} "
                                                   f"stores, {r.share.trucks} trucks"
                                                   for r in results)),
        "decomposition": {"rule": DECOMPOSITION_RULE, "bound_note": BOUND_NOTE,
                          "wall_clock_caps_fired": [r.code for r, m in
                                                    zip(results, metas, strict=True)
                                                    if _cap_fired(m)]},
        "regions": [_region_meta(r, m) for r, m in zip(results, metas, strict=True)],
        "road_network": _merged_network(metas),
        "seasons": None if seasons is None else seasons.describe(),
        "approximations": _union([m["approximations"] for m in metas]) + (
            [] if seasons is None else [seasons.routes_note()]) + [
            "The province is planned prefecture by prefecture with fixed quotas (see "
            "decomposition); villages cross prefecture borders only through the border "
            "repair, whose times come from one province-wide approximate network."],
        "assumptions": _union([scenario.assumptions()] + [m["assumptions"] for m in metas]
                              + ([] if seasons is None else [seasons.assumptions])),
        "kpis": {},
        "stores": [],
        "trucks_per_depot": [],
        "routes": [r for m in metas for r in m["routes"]],
        "unserved": [u for m in metas for u in m["unserved"]],
        "solver": {
            "siting": {"status": _joined_status(m["solver"]["siting"]["status"] for m in metas),
                       "objective": objective, "bound": bound,
                       "gap_pct": _gap_pct(objective, bound),
                       "time_s": round(sum(m["solver"]["siting"]["time_s"] for m in metas), 2),
                       "binding": [f"{m['region']['code']}: {b}" for m in metas
                                   for b in m["solver"]["siting"]["binding"]],
                       "note": BOUND_NOTE},
            "routing": {"status": _joined_status(m["solver"]["routing"]["status"]
                                                 for m in metas),
                        "time_s": round(sum(m["solver"]["routing"]["time_s"] for m in metas),
                                        2)}},
        "attributions": _union_dicts([m["attributions"] for m in metas]),
        "province_totals": {"stores": scenario.province_stores,
                            "trucks": scenario.province_trucks,
                            "budget_yuan": scenario.province_budget_yuan},
        "truck_budget": {"trucks": trucks, "store_budget_yuan": budget},
    }
    plan = Plan(meta, counties, settlements, stores, routes)
    return refresh(plan, scenario)


def refresh(plan: Plan, scenario: Scenario) -> Plan:
    """Recompute store loads, the counties layer, the lists in meta and the KPIs."""
    settle, stores = plan.settlements, plan.stores.copy()
    served = settle[settle["store_id"].notna()]
    load = served.groupby("store_id")["supply_t"].sum()
    count = served.groupby("store_id").size()
    if len(stores):
        stores["load_t"] = stores["store_id"].map(load).fillna(0.0).astype(float).round(3)
        stores["settlements_served"] = stores["store_id"].map(count).fillna(0).astype(int)
    counties = _counties_layer(plan.counties[["county_code", "county_name", "geometry"]],
                               settle, stores)
    meta = dict(plan.meta)
    trucks = int(meta["truck_budget"]["trucks"])
    budget = float(meta["truck_budget"]["store_budget_yuan"])
    days = {r["code"]: float(r.get("harvest_peak_days", scenario.harvest_peak_days))
            for r in meta.get("regions", [])}
    region_days = served["settlement_id"].str[:4].map(days).fillna(scenario.harvest_peak_days)
    daily = float((served["supply_t"] / region_days).sum())
    meta["kpis"] = compute_kpis(settle, stores, plan.routes, trucks=trucks,
                                budget_yuan=budget, daily_pickup_t=daily)
    meta["stores"] = stores.drop(columns="geometry").to_dict("records")
    meta["trucks_per_depot"] = [{"store_id": s, "trucks": int(t)} for s, t in
                                zip(stores["store_id"], stores["trucks"], strict=True)]
    return Plan(meta, counties, settle, stores, plan.routes)


def _prefixed(result: RegionResult) -> Plan:
    """The regional plan with store, truck and route ids prefixed by the region code."""
    plan, code = result.plan, result.code

    def pre(value: Any) -> Any:
        return None if value is None or (isinstance(value, float) and math.isnan(value)) \
            else f"{code}-{value}"

    settle = plan.settlements.copy()
    settle["store_id"] = settle["store_id"].map(pre, na_action="ignore").astype(object)
    settle["store_id"] = settle["store_id"].where(settle["store_id"].notna(), None)
    stores = plan.stores.copy()
    stores["store_id"] = stores["store_id"].map(pre)
    routes = plan.routes.copy()
    for col in ("route_id", "truck_id", "store_id"):
        routes[col] = routes[col].map(pre)
    meta = dict(plan.meta)
    meta["routes"] = [{**r, "route_id": pre(r["route_id"]), "truck_id": pre(r["truck_id"]),
                       "store_id": pre(r["store_id"])} for r in plan.meta["routes"]]
    meta["unserved"] = [{**u, "region": code} for u in plan.meta["unserved"]]
    return Plan(meta, plan.counties, settle, stores, routes)


def _concat(frames: list[gpd.GeoDataFrame]) -> gpd.GeoDataFrame:
    frames = [f for f in frames if len(f.columns)]
    if not frames:
        return gpd.GeoDataFrame(geometry=[], crs=4326)
    out = pd.concat(frames, ignore_index=True)
    return gpd.GeoDataFrame(out, geometry="geometry", crs=4326)


def _region_meta(result: RegionResult, meta: dict[str, Any]) -> dict[str, Any]:
    siting = meta["solver"]["siting"]
    return {"code": result.code, "name": result.name, "villages": result.villages,
            "stores": result.share.stores, "trucks": result.share.trucks,
            "budget_yuan": result.share.budget_yuan, "apportioning": result.share.rule,
            "siting_time_limit_s": meta["scenario"]["siting_time_limit_s"]["value"],
            "siting": {k: siting[k] for k in ("status", "objective", "bound", "gap_pct",
                                              "time_s")},
            "routing_status": meta["solver"]["routing"]["status"],
            "wall_clock_cap": _cap_fired(meta),
            "coverage_pct": meta["kpis"]["coverage_pct"], "time_s": result.time_s,
            "harvest_peak_days": meta["scenario"]["harvest_peak_days"]["value"],
            "crop": meta["scenario"]["crop"]["value"]}


def _cap_fired(meta: dict[str, Any]) -> bool:
    """Whether a wall-clock safety cap (not the deterministic budget) stopped a solver:
    routing says so in its status; CP-SAT siting is taken as capped when its wall time
    reached :data:`WALL_SAFETY` times its deterministic budget (the cap of one stage;
    the whole solve reaching it is a conservative sign)."""
    limit = float(meta["scenario"]["siting_time_limit_s"]["value"])
    siting_capped = float(meta["solver"]["siting"]["time_s"]) >= WALL_SAFETY * limit
    return siting_capped or "not reproducible" in str(meta["solver"]["routing"]["status"])


def _merged_network(metas: list[dict[str, Any]]) -> dict[str, Any]:
    nets = [m["road_network"] for m in metas]
    return {"source": _joined_status(n["source"] for n in nets),
            "approximate": any(n["approximate"] for n in nets),
            "nodes": sum(int(n["nodes"]) for n in nets),
            "edges": sum(int(n["edges"]) for n in nets),
            "dropped_nodes": sum(int(n.get("dropped_nodes", 0)) for n in nets),
            "off_network_settlements": sum(int(n.get("off_network_settlements", 0))
                                           for n in nets),
            "snap_m_max": max(float(n.get("snap_m_max", 0.0)) for n in nets),
            "note": f"one network per prefecture ({len(nets)}): " + nets[0]["note"]}


def _union(lists: Sequence[Sequence[str]]) -> list[str]:
    return list(dict.fromkeys(x for items in lists for x in items))


def _union_dicts(lists: Sequence[Sequence[dict[str, str]]]) -> list[dict[str, str]]:
    seen: dict[tuple[tuple[str, str], ...], dict[str, str]] = {}
    for items in lists:
        for item in items:
            seen.setdefault(tuple(sorted(item.items())), item)
    return list(seen.values())


def _joined_status(statuses: Any) -> str:
    return ", ".join(sorted({s for status in statuses for s in str(status).split(", ")}))


def _gap_pct(value: float, bound: float) -> float:
    scale = max(abs(value), abs(bound))
    return 0.0 if scale == 0 else 100.0 * abs(bound - value) / scale


# -- the province-wide network ----------------------------------------------------------
@dataclass(frozen=True)
class ProvinceNetwork:
    """Approximate network over the township points of the chosen prefectures.

    ``node`` and ``leg_s``/``leg_m`` are indexed by village code: a village's graph node
    (its township) and the expected road from the village to its township centre.
    """

    graph: nx.MultiDiGraph
    csr: CsrGraph
    node: pd.Series
    leg_s: pd.Series
    leg_m: pd.Series


def province_network(scenario: Scenario, root: Path, codes: Sequence[str],
                     villages_hook: VillagesHook | None = None) -> ProvinceNetwork:
    """The approximate network of the chosen prefectures, built as the pipeline builds a
    region's (township points, county seats, detour factor), and the villages' legs."""
    villages = places.load_villages(root, PROVINCE_CODE)
    if villages_hook is not None:
        villages = villages_hook(villages)
    villages = villages[villages["village_code"].str[:4].isin(list(codes))]
    towns = villages.drop_duplicates("township_code")
    seats = places.county_seats(root, PROVINCE_CODE)
    seat_keys = {(round(p.x, 6), round(p.y, 6)) for p in seats.geometry}
    points = gpd.GeoDataFrame({
        "node_id": towns["township_code"].to_numpy(),
        "kind": ["county_seat" if (round(p.x, 6), round(p.y, 6)) in seat_keys else "township"
                 for p in towns.geometry],
    }, geometry=list(towns.geometry), crs=4326)
    graph = approximate_graph(points, detour_factor=scenario.detour_factor)
    region = {"code": PROVINCE_CODE, "townships": places.load_townships(root),
              "polygon": boundaries.region_polygon(root, PROVINCE_CODE)}
    legs = _with_legs(villages, region, scenario).set_index("village_code")
    return ProvinceNetwork(graph, graph_to_csr(graph), legs["township_code"],
                           legs["leg_s"].astype(float), legs["leg_m"].astype(float))


def cross_times(net: ProvinceNetwork, settlements: pd.DataFrame, stores: pd.DataFrame,
                limit_s: int) -> pd.DataFrame:
    """``settlement_id, store_id, time_s``: every village x open store within ``limit_s``
    on the province network, both village legs included (none when the store is in the
    village itself)."""
    cols = ["settlement_id", "store_id", "time_s"]
    ids = settlements["settlement_id"][settlements["settlement_id"].isin(net.node.index)]
    sites = stores[stores["site_settlement_id"].isin(net.node.index)]
    if ids.empty or sites.empty:
        return pd.DataFrame(columns=cols)
    src = pd.unique(net.node.reindex(ids).to_numpy())
    dst = pd.unique(net.node.reindex(sites["site_settlement_id"]).to_numpy())
    m = travel_time_matrix(net.csr, list(src), list(dst), cutoff_s=limit_s)
    pairs = pd.DataFrame({"src": np.asarray(src, dtype=object)[m.source_idx],
                          "dst": np.asarray(dst, dtype=object)[m.target_idx],
                          "road_s": m.time_s})
    left = pd.DataFrame({"settlement_id": ids.to_numpy(),
                         "src": net.node.reindex(ids).to_numpy()})
    right = pd.DataFrame({"store_id": sites["store_id"].to_numpy(),
                          "site": sites["site_settlement_id"].to_numpy(),
                          "dst": net.node.reindex(sites["site_settlement_id"]).to_numpy()})
    out = left.merge(pairs, on="src").merge(right, on="dst")
    legs = net.leg_s.reindex(out["settlement_id"]).to_numpy() \
        + net.leg_s.reindex(out["site"]).to_numpy()
    same = out["settlement_id"].to_numpy() == out["site"].to_numpy()
    out["time_s"] = np.where(same, 0, out["road_s"].to_numpy() + legs).astype(np.int64)
    out = out[out["time_s"] <= limit_s]
    return out[cols].sort_values(cols).reset_index(drop=True)


# -- border repair ----------------------------------------------------------------------
@dataclass(frozen=True)
class Move:
    """One village reassigned across a prefecture border."""

    settlement_id: str
    from_store: str | None
    to_store: str
    time_before_s: int | None
    time_after_s: int
    supply_t: float


def reassign_across_borders(settlements: pd.DataFrame, stores: pd.DataFrame,
                            times: pd.DataFrame, *, limit_s: int,
                            min_saving_s: int = MIN_SAVING_S) -> list[Move]:
    """Villages to move to an open store of another prefecture (greedy, deterministic).

    A village qualifies if it has supply and is either unserved at the siting stage (not
    off the network) or served by a store at least ``min_saving_s`` farther than some
    open store of *another* prefecture (the first four digits of ``county_code``). The
    target must be within ``limit_s`` (``times``: settlement_id, store_id, time_s) and
    have spare capacity (capacity_t - load_t) for the village's whole supply. Unserved
    villages go first (largest supply first), then served ones by largest saving; each
    takes the nearest qualifying store, and loads are updated as villages move. A served
    village's current time is its time on the same network when known, else its plan's
    ``access_time_s``.
    """
    if times.empty or settlements.empty or stores.empty:
        return []
    region_of_store = dict(zip(stores["store_id"], stores["county_code"].str[:4], strict=True))
    spare = dict(zip(stores["store_id"], (stores["capacity_t"] - stores["load_t"]).astype(float),
                     strict=True))
    by_village = {sid: grp for sid, grp in times.groupby("settlement_id", sort=True)}
    now_time = {(s, t): int(v) for s, t, v in times.itertuples(index=False)}
    candidates = []
    for row in settlements.itertuples(index=False):
        sid, supply = row.settlement_id, float(row.supply_t)
        if supply <= 0 or sid not in by_village:
            continue
        current = row.store_id if isinstance(row.store_id, str) else None
        if current is None and (not isinstance(row.unserved_reason, str)
                                or row.unserved_reason.startswith("off the road network")):
            continue  # unserved at routing, not at siting; or not on the network
        region = str(row.county_code)[:4]
        options = by_village[sid]
        options = options[options["store_id"].map(region_of_store) != region]
        options = options.sort_values(["time_s", "store_id"])
        if options.empty:
            continue
        if current is None:
            before = None
        else:
            before = now_time.get((sid, current))
            if before is None:
                before = int(row.access_time_s) if not pd.isna(row.access_time_s) else None
            if before is None or int(options["time_s"].min()) > before - min_saving_s:
                continue
        candidates.append((current is not None, -supply if current is None
                           else int(options["time_s"].min()) - (before or 0),
                           sid, current, before, supply, options))
    moves = []
    for _, _, sid, current, before, supply, options in sorted(candidates, key=lambda c: c[:3]):
        for store, t in zip(options["store_id"], options["time_s"], strict=True):
            if before is not None and t > before - min_saving_s:
                break
            if spare.get(store, 0.0) + 1e-9 >= supply:
                spare[store] -= supply
                if current is not None:
                    spare[current] += supply
                moves.append(Move(sid, current, str(store), before, int(t), supply))
                break
    return moves


def repair_borders(plan: Plan, scenario: Scenario, net: ProvinceNetwork) -> Plan:
    """Apply :func:`reassign_across_borders` to a merged plan and route the stores that
    lost or gained villages again on the province network; the result is in
    ``meta["border_repair"]``."""
    started = time.perf_counter()
    limit = scenario.access_limit_s
    times = cross_times(net, plan.settlements, plan.stores, limit)
    times = times.sort_values(["settlement_id", "time_s", "store_id"]).reset_index(drop=True)
    moves = reassign_across_borders(plan.settlements, plan.stores, times, limit_s=limit)
    settle = plan.settlements.copy()
    if moves:
        idx = pd.Series(np.arange(len(settle)), index=settle["settlement_id"])
        rows = idx.reindex([m.settlement_id for m in moves]).to_numpy()
        col = settle.columns.get_loc
        settle.iloc[rows, col("store_id")] = [m.to_store for m in moves]
        settle["access_time_s"] = settle["access_time_s"].astype("Int64")
        settle.iloc[rows, col("access_time_s")] = [m.time_after_s for m in moves]
        settle.iloc[rows, col("unserved_reason")] = None
    touched = sorted({m.to_store for m in moves} | {m.from_store for m in moves
                                                    if m.from_store is not None})
    moved_ids = {m.settlement_id for m in moves}
    meta = dict(plan.meta)
    unserved = [u for u in meta["unserved"]
                if not (u["stage"] == "siting" and u["settlement_id"] in moved_ids)]
    routes_layer, routes_meta = plan.routes, list(meta["routes"])
    if touched:
        routes_layer, routes_meta, unserved = _reroute(_regional(scenario, meta), net, settle,
                                                       plan.stores,
                                                       touched, routes_layer, routes_meta,
                                                       unserved)
    meta["routes"] = routes_meta
    meta["unserved"] = unserved
    served_before = int(plan.settlements["store_id"].notna().sum())
    meta["border_repair"] = {
        "moved": len(moves),
        "from_unserved": sum(m.from_store is None for m in moves),
        "closer_store": sum(m.from_store is not None for m in moves),
        "moved_supply_t": round(sum(m.supply_t for m in moves), 3),
        "stores_rerouted": len(touched),
        "served_before": served_before,
        "served_after": int(settle["store_id"].notna().sum()),
        "time_s": round(time.perf_counter() - started, 2),
        "rule": (f"villages unserved at siting, or at least {MIN_SAVING_S // 60} min closer "
                 "to an open store of another prefecture, move to the nearest such store "
                 f"within the access limit ({limit} s) that has spare capacity; times on "
                 "the province-wide approximate network"),
        "moves": [dataclasses.asdict(m) for m in moves],
    }
    meta["decomposition"] = {**meta["decomposition"], "border_repair": {
        k: v for k, v in meta["border_repair"].items() if k != "moves"}}
    return refresh(Plan(meta, plan.counties, settle, plan.stores, routes_layer), scenario)


def _regional(scenario: Scenario, meta: dict[str, Any]) -> Callable[[str], Scenario]:
    """The scenario a region's stores are routed with (its season's daily pickup and crop,
    as in ``meta["regions"]``), by region code."""
    by_code = {r["code"]: r for r in meta.get("regions", [])}

    def of(code: str) -> Scenario:
        region = by_code.get(code)
        if region is None or "harvest_peak_days" not in region:
            return scenario
        return dataclasses.replace(scenario, harvest_peak_days=region["harvest_peak_days"],
                                   crop=region["crop"], seasons=())
    return of


def _reroute(scenario: Callable[[str], Scenario], net: ProvinceNetwork, settle: gpd.GeoDataFrame,
             stores: gpd.GeoDataFrame, touched: list[str], routes: gpd.GeoDataFrame,
             routes_meta: list[dict[str, Any]], unserved: list[dict[str, Any]]
             ) -> tuple[gpd.GeoDataFrame, list[dict[str, Any]], list[dict[str, Any]]]:
    """Route each touched store again (its trucks, its villages now) on the province
    network; trucks of a rerouted store are named ``"{store_id}-T1"`` ..."""
    keep = ~routes["store_id"].isin(touched)
    rows = [routes[keep]]
    new_meta = [r for r in routes_meta if r["store_id"] not in touched]
    store_of = dict(zip(settle["settlement_id"], settle["store_id"], strict=True))
    unserved = [u for u in unserved if not (u["stage"] == "routing"
                                             and store_of.get(u["settlement_id"]) in touched)]
    names = dict(zip(settle["settlement_id"], settle["name"], strict=True))
    county = dict(zip(settle["settlement_id"], settle["county_code"], strict=True))
    approx = bool(net.graph.graph.get("approximate", True))
    for store in stores[stores["store_id"].isin(touched)].itertuples(index=False):
        members = settle[settle["store_id"] == store.store_id]
        frame, meta, lost = _route_store(scenario(store.store_id[:4]), net, store, members,
                                         names, approx)
        rows.append(frame)
        new_meta.extend(meta)
        unserved.extend({"settlement_id": s, "name": names[s], "county_code": county[s],
                         "stage": "routing", "reason": reason, "region": store.store_id[:4]}
                        for s, reason in lost)
    return _concat(rows), new_meta, unserved


def _route_store(scenario: Scenario, net: ProvinceNetwork, store: Any,
                 members: pd.DataFrame, names: dict[str, str], approx: bool
                 ) -> tuple[gpd.GeoDataFrame, list[dict[str, Any]], list[tuple[str, str]]]:
    cap = scenario.truck_capacity_t
    pickups = []
    for sid, supply in zip(members["settlement_id"], members["supply_t"], strict=True):
        daily = float(supply) / scenario.harvest_peak_days
        for part in range(math.ceil(daily / cap - 1e-9) if daily > 0 else 0):
            pickups.append((sid, min(cap, daily - part * cap)))
    cols = ["route_id", "truck_id", "store_id", "trip", "stops_count", "load_t", "distance_m",
            "duration_s", "start_s", "store_arrival_s", "end_s", "max_age_s", "colour",
            "approximate_geometry", "geometry"]
    if not pickups or int(store.trucks) < 1:
        lost = [(sid, "no truck at this store") for sid, _ in pickups]
        return gpd.GeoDataFrame(pd.DataFrame(columns=cols), geometry="geometry",
                                crs=4326), [], lost
    ids = [store.site_settlement_id] + [p[0] for p in pickups]
    nodes = list(net.node.reindex(ids))
    uniq = list(pd.unique(np.asarray(nodes, dtype=object)))
    m = travel_time_matrix(net.csr, uniq, uniq)
    pos = [uniq.index(v) for v in nodes]
    same = np.asarray(ids, dtype=object)[:, None] == np.asarray(ids, dtype=object)[None, :]
    mats = []
    for dense, legs in ((m.dense_time_s(), net.leg_s), (m.dense_distance_m(), net.leg_m)):
        leg = legs.reindex(ids).to_numpy()
        full = dense[np.ix_(pos, pos)] + leg[:, None] + leg[None, :]
        mats.append(np.where(same, 0, full).astype(np.int64))
    problem = RoutingProblem(
        time_s=mats[0], distance_m=mats[1],
        pickup_t=np.array([p[1] for p in pickups], dtype=float),
        service_s=np.full(len(pickups), scenario.service_s, dtype=np.int64),
        n_trucks=int(store.trucks), trips_per_truck=scenario.trips_per_truck,
        truck_capacity_t=cap, shift_s=scenario.shift_s,
        freshness_limit_s=scenario.freshness_s, unload_s=scenario.unload_s,
        time_limit_s=scenario.routing_time_limit_s, seed=scenario.seed)
    result = solve_routing(problem)
    trucks = {t: n + 1 for n, t in enumerate(sorted({t.truck for t in result.trips}))}
    rows, meta = [], []
    for trip in result.trips:
        truck_id = f"{store.store_id}-T{trucks[trip.truck]}"
        stop_ids = [pickups[s][0] for s in trip.stops]
        geom = route_geometry(net.graph, [nodes[0], *[net.node[s] for s in stop_ids], nodes[0]])
        row = {"route_id": f"{truck_id}-{trip.trip + 1}", "truck_id": truck_id,
               "store_id": store.store_id, "trip": trip.trip + 1,
               "stops_count": len(trip.stops),
               "load_t": round(sum(pickups[s][1] for s in trip.stops), 3),
               "distance_m": int(trip.distance_m), "duration_s": int(trip.end_s - trip.start_s),
               "start_s": int(trip.start_s), "store_arrival_s": int(trip.store_arrival_s),
               "end_s": int(trip.end_s), "max_age_s": int(trip.max_age_s),
               "colour": PALETTE[trucks[trip.truck] % len(PALETTE)],
               "approximate_geometry": approx}
        rows.append({**row, "geometry": geom})
        stops = [{"settlement_id": pickups[s][0], "name": names[pickups[s][0]],
                  "arrival_s": int(a), "pickup_t": round(pickups[s][1], 3),
                  "load_after_t": round(float(load), 3)}
                 for s, a, load in zip(trip.stops, trip.arrival_s, trip.load_after_t,
                                       strict=True)]
        meta.append({**row, "stops": stops, "freshness_limit_s": scenario.freshness_s})
    lost = [(pickups[p][0], reason) for p, reason in result.unserved]
    frame = gpd.GeoDataFrame(pd.DataFrame(rows, columns=cols), geometry="geometry", crs=4326)
    return frame, meta, lost


# -- synthetic villages (benchmarks) ----------------------------------------------------
def split_villages(villages: gpd.GeoDataFrame, *, total: int, jitter_m: float = 300.0,
                   seed: int = 0) -> gpd.GeoDataFrame:
    """SYNTHETIC: each village split into jittered copies, ``total`` copies in all.

    Copies are spread evenly (in village-code order, the first ones get one more); each
    copy sits within ``jitter_m`` of its village's point, gets the code
    ``{village_code}{k}`` and the name ``{name} #k`` and ``location_method = "synthetic"``.
    The pipeline's supply estimate spreads a county's rural population over its villages,
    so each copy carries its share of the village's supply. Deterministic: the jitter of a
    copy depends only on ``seed`` and the copy's position in the *whole province's* table,
    so a prefecture's copies are the same whichever table they are cut from.
    """
    province = len(villages) if total <= 0 else total
    ordered = villages.sort_values("village_code").reset_index(drop=True)
    base, extra = divmod(province, max(_PROVINCE_VILLAGES, 1))
    rank = ordered["village_code"].map(_province_rank()).to_numpy()
    copies = base + (rank < extra).astype(int)
    rows = ordered.loc[ordered.index.repeat(copies)].reset_index(drop=True)
    k = np.concatenate([np.arange(c) for c in copies]) if len(copies) else np.zeros(0, int)
    key = np.repeat(rank, copies).astype(np.uint64) * np.uint64(64) + k.astype(np.uint64)
    angle = 2 * np.pi * _uniform(key, seed, 1)
    radius = jitter_m * np.sqrt(_uniform(key, seed, 2))
    lat = rows.geometry.y.to_numpy()
    dx = radius * np.cos(angle) / (111_320.0 * np.cos(np.radians(lat)))
    dy = radius * np.sin(angle) / 110_540.0
    rows["village_code"] = rows["village_code"] + pd.Series(k).astype(str)
    rows["village_name"] = rows["village_name"] + " #" + pd.Series(k).astype(str)
    rows["location_method"] = "synthetic"
    return gpd.GeoDataFrame(rows, geometry=gpd.points_from_xy(
        rows.geometry.x.to_numpy() + dx, lat + dy), crs=4326)


def _uniform(key: np.ndarray, seed: int, stream: int) -> np.ndarray:
    """Uniform [0, 1) numbers from integer keys (splitmix64), the same for the same key."""
    with np.errstate(over="ignore"):
        z = key + np.uint64((seed * 1_000_003 + stream) * 0x9E3779B97F4A7C15 % 2**64)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) / float(2**53)


_PROVINCE_VILLAGES = 17_718  # village-level units of Gansu in the NBS 2023 lists
_RANKS: dict[str, int] = {}


def _province_rank() -> dict[str, int]:
    """Position of every Gansu village code in code order (loaded once per process)."""
    if not _RANKS:
        codes = sorted(places.load_villages(datasets.data_dir(None), PROVINCE_CODE)
                       ["village_code"])
        _RANKS.update({c: i for i, c in enumerate(codes)})
    return _RANKS
