"""Seasons and the shared fleet of a whole-province plan.

The harvest calendar (``optimize.crops``) applied to the chosen prefectures: seasonal
load, the fleet per season and prefecture, its moves between seasons, and the routed
season whose trucks, daily pickup and crop each regional solve runs with.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from geodata import datasets, places
from optimize.crops import calendar_assumptions, default_gansu_seasons
from optimize.fleet.distances import region_distances
from optimize.fleet.seasons import SeasonalFleet, SeasonalLoad, fleet_for_load, seasonal_load
from optimize.pipeline.province.tasks import RegionTask, region_tasks
from optimize.pipeline.region import PROVINCE_CODE, rural_weights
from optimize.scenario import Scenario


@dataclass(frozen=True)
class SeasonPlan:
    """The harvest calendar applied to the province: load, fleet and moves per season.

    The stores are sited once (for the year's stored produce). The 720 trucks are one
    fleet: :func:`optimize.fleet.seasons.fleet_for_load` bases them per season and prefecture
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
        crop of that season; the siting access limit stays the province's; the calendar
        is the province's, so the regional plan routes the same seasons."""
        r = self.load.regions.index(task.code)
        s = self.routed
        trucks = int(self.fleet.trucks[s, r])
        share_s = float(self.load.share[s, r])
        days = self.load.season_days[s] / share_s if share_s > 0 else 1e9
        crop = self.load.strictest_crop[s][r] or scenario.crop
        budget = self.store_budget_yuan[task.code]
        sub = dataclasses.replace(task.scenario, trucks=trucks, budget_yuan=budget,
                                  harvest_peak_days=round(days, 3), crop=crop,
                                  max_access_time_s=scenario.access_limit_s,
                                  seasons=scenario.seasons)
        rule = (f"{task.share.rule}; trucks: {trucks} of the shared fleet in the routed "
                f"season {self.load.seasons[s]!r} (optimize.fleet.seasons); store budget: the "
                "region's rural-population share of the province budget after all trucks")
        share = dataclasses.replace(task.share, trucks=trucks, budget_yuan=budget, rule=rule)
        return dataclasses.replace(task, scenario=sub, share=share)

    def routes_note(self) -> str:
        return ("Routes cover every season of the calendar with produce: each prefecture "
                "builds every season's trips of its stores (optimize.pipeline.season_plan), "
                "and the province's trucks are packed over all prefectures' trips per "
                "season, across borders (optimize.pipeline.province_fleet). Daily pickup is "
                "the season's share of the annual produce spread evenly over its days.")

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
    calendar = scenario.seasons or default_gansu_seasons()
    census = datasets.load_census(root)
    weights = rural_weights(census, 4)
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


def seasonal_tasks(scenario: Scenario, root: Path, regions: Sequence[str] | None = None
                   ) -> tuple[list[RegionTask], SeasonPlan]:
    """The chosen prefectures' tasks (:func:`~optimize.pipeline.province.tasks.region_tasks`)
    with the routed season's trucks, pickup and crop (:meth:`SeasonPlan.task_for`), and
    the season plan: what ``coldchain plan`` sites and routes for a province scenario."""
    tasks = region_tasks(scenario, root, regions)
    seasons = seasonal_fleet(scenario, root, tasks)
    return [seasons.task_for(t, scenario) for t in tasks], seasons
