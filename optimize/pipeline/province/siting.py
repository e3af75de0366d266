"""The province's stores sited as ONE problem, and each prefecture's part of the result.

:func:`site_province` builds one ``LocationProblem`` over every rural village of the chosen
prefectures and their candidate sites, on one network across prefecture borders (a
village may use a store of a neighbouring prefecture), and solves it with
:func:`optimize.siting.solve.solve_location` (the Lagrangian engine at this size). The
store quota policy (scenario key ``store_quota``):

- ``"none"`` (default): only the province's store count, budget and the county quotas
  bind; the optimiser places the stores. The seed (PLANNING-MODEL.md) sets the programme
  for the province as a whole and lets poor villages run stores jointly across regions;
  the rural-population apportioning is the documented rule for planning *one*
  prefecture or county alone, not a constraint of the province's programme.
- ``"prefecture"``: each prefecture opens between ``floor(s (1 - tol))`` and
  ``ceil(s (1 + tol))`` stores, ``s`` its rural-population share and ``tol =
  store_quota_tolerance_pct / 100`` (site groups of the one problem).

:func:`region_part` hands a prefecture its open stores and the villages they serve
(wherever those live) for routing. The candidate sites of a prefecture are those its
stand-alone plan would have (:func:`optimize.pipeline.settlements.candidate_sites` with
its largest possible store count), so the decomposed comparison
(:mod:`optimize.pipeline.province.compare`) solves the very problems of the old path.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

from optimize.errors import SpecificationError
from optimize.pipeline.network import Network
from optimize.pipeline.province.network import province_frames
from optimize.pipeline.province.tasks import RegionTask, quota_problems
from optimize.pipeline.region import Region
from optimize.pipeline.settlements import county_quotas
from optimize.pipeline.siting import SitedRegion, location_problem, quota_bands
from optimize.scenario import Scenario
from optimize.siting.problem import DEFAULT_WALL_SAFETY, LocationProblem, LocationResult
from optimize.siting.solve import solve_location


@dataclass(frozen=True, eq=False)
class ProvinceProblem:
    """The one problem of the province and what it was built from.

    ``net.settlements`` are the rural villages of the chosen prefectures (sorted by code),
    ``sites`` the candidate sites with their prefecture in ``region``; ``quota`` describes
    the store quota policy in force; ``build_s`` is wall seconds.
    """

    graph: nx.MultiDiGraph
    net: Network
    sites: gpd.GeoDataFrame
    problem: LocationProblem
    quota: dict[str, Any]
    build_s: float

    @property
    def longest_arc_s(self) -> int:
        """``T`` of the objective: the longest arc time (a village's own site at 0 s)."""
        own = self.problem.site_demand[self.problem.arc_site] == self.problem.arc_demand \
            if self.problem.site_demand is not None else np.zeros(0, bool)
        times = np.where(own, 0, self.problem.arc_time_s)
        return int(times.max(initial=0))


@dataclass(frozen=True, eq=False)
class ProvinceSiting(ProvinceProblem):
    """The one problem solved: ``result`` and its wall seconds ``solve_s``."""

    result: LocationResult
    solve_s: float


def site_province(scenario: Scenario, province: Region, tasks: Sequence[RegionTask], *,
                  osm_path: str | Path | None = None,
                  wall_safety: float = DEFAULT_WALL_SAFETY) -> ProvinceSiting:
    """Site the stores of the prefectures of ``tasks`` as one problem (module docstring):
    :func:`build_province`, then :func:`solve_province`."""
    return solve_province(build_province(scenario, province, tasks, osm_path=osm_path,
                                         wall_safety=wall_safety))


def build_province(scenario: Scenario, province: Region, tasks: Sequence[RegionTask], *,
                   osm_path: str | Path | None = None,
                   wall_safety: float = DEFAULT_WALL_SAFETY) -> ProvinceProblem:
    """The one problem of the prefectures of ``tasks``. Stores: the sum of the tasks'
    shares, exactly; budget: the sum of their store budgets; siting budget:
    ``scenario.siting_time_limit_s``; engine: :func:`province_engine`."""
    problems = quota_problems(scenario)
    if problems:
        raise SpecificationError(problems)
    started = time.perf_counter()
    graph, net, sites = province_frames(scenario, province, tasks, osm_path,
                                        most_stores)
    groups, quota = quota_groups(scenario, net.settlements, sites, tasks)
    problem = location_problem(scenario, net, sites,
                               stores=sum(t.share.stores for t in tasks),
                               budget_yuan=sum(t.share.budget_yuan for t in tasks),
                               groups=groups, wall_safety=wall_safety)
    problem = dataclasses.replace(problem, engine=province_engine(scenario))
    return ProvinceProblem(graph, net, sites, problem, quota,
                           round(time.perf_counter() - started, 2))


def solve_province(pp: ProvinceProblem) -> ProvinceSiting:
    """Solve the one problem (:func:`optimize.siting.solve.solve_location`)."""
    started = time.perf_counter()
    result = solve_location(pp.problem)
    return ProvinceSiting(pp.graph, pp.net, pp.sites, pp.problem, pp.quota, pp.build_s,
                          result, round(time.perf_counter() - started, 2))


def province_engine(scenario: Scenario) -> str:
    """The engine of the one problem: the scenario's, ``'auto'`` read as the Lagrangian
    engine at every size (its one weighted-sum objective is the plan's, recomputable from
    the settlements layer, and the decomposed comparison uses the same one), except for
    objective ``'cost'``, which only CP-SAT solves."""
    if scenario.siting_engine != "auto":
        return scenario.siting_engine
    return "cpsat" if scenario.objective == "cost" else "lagrange"


def most_stores(scenario: Scenario, task: RegionTask) -> int:
    """The most stores the prefecture may get: its band's top under ``"prefecture"``,
    else its share (one candidate per township is then plenty: 1,223 townships with rural
    villages for 893 stores in Gansu)."""
    if scenario.store_quota == "prefecture":
        return quota_bands({task.code: task.share.stores},
                           scenario.store_quota_tolerance_pct)[task.code][1]
    return task.share.stores


def quota_groups(scenario: Scenario, settlements: pd.DataFrame, sites: pd.DataFrame,
                 tasks: Sequence[RegionTask]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The site groups of the store quota policy, and its description for the plan."""
    shares = {t.code: t.share.stores for t in tasks}
    if scenario.store_quota != "prefecture":
        return county_quotas(scenario, settlements, sites), {
            "policy": "none", "shares": shares,
            "rule": "no prefecture quota: the province's store count and budget (and any "
                    "county quotas) bind; villages may use a store in another prefecture"}
    tol = scenario.store_quota_tolerance_pct
    bands = quota_bands(shares, tol)
    order = [t.code for t in tasks]
    position = {c: g for g, c in enumerate(order)}
    groups = {"site_group": sites["region"].map(position).to_numpy(dtype=np.int64),
              "group_min": tuple(bands[c][0] for c in order),
              "group_max": tuple(bands[c][1] for c in order),
              "group_names": tuple(f"{t.name} {t.code}" for t in tasks)}
    return groups, {
        "policy": "prefecture", "tolerance_pct": tol, "shares": shares,
        "bands": {c: {"min": lo, "max": hi} for c, (lo, hi) in bands.items()},
        "rule": f"each prefecture opens floor(s x (1 - {tol:g} %)) to ceil(s x (1 + "
                f"{tol:g} %)) stores, s its rural-population share; villages may use a "
                "store in another prefecture"}


def region_part(ps: ProvinceSiting, code: str) -> SitedRegion:
    """Prefecture ``code``'s part: its open stores and every village they serve (also
    across its border), plus its own villages that no store serves.

    A village served by another prefecture's store belongs to that prefecture's part,
    so every village is in exactly one part.
    """
    result, net = ps.result, ps.net
    in_region = (ps.sites["region"] == code).to_numpy()
    here = np.flatnonzero(in_region[result.open_sites])
    opened = result.open_sites[here]
    assign = np.asarray(result.assignment)
    served_here = np.isin(assign, opened)
    home = (net.settlements["village_code"].str[:4] == code).to_numpy()
    rows = np.flatnonzero(served_here | (home & (assign < 0)))
    local = {int(j): n for n, j in enumerate(opened)}
    arcs = net.arcs[net.arcs["site"].isin(opened) & net.arcs["demand"].isin(rows)].copy()
    row_pos = pd.Series(np.arange(len(rows)), index=rows)
    arcs["demand"] = row_pos.reindex(arcs["demand"]).to_numpy()
    arcs["site"] = arcs["site"].map(local)
    part = Network(net.settlements.iloc[rows].reset_index(drop=True), net.csr,
                   net.settle_node[rows], net.settle_snap_m[rows], net.off_network[rows],
                   net.site_node[opened], arcs.reset_index(drop=True))
    assignment = np.array([local.get(int(assign[r]), -1) for r in rows], dtype=np.int64)
    supply = part.settlements["supply_t"].to_numpy(dtype=float)
    times = np.asarray(result.access_time_s)[rows] if len(result.access_time_s) \
        else np.full(len(rows), -1)
    siting = dataclasses.replace(
        result, open_sites=np.arange(len(opened)), site_tier=result.site_tier[here],
        assignment=assignment,
        unserved_reason=tuple(result.unserved_reason[r] for r in rows),
        covered_supply_t=float(supply[assignment >= 0].sum()),
        weighted_time=float((supply * np.maximum(times, 0))[assignment >= 0].sum()),
        access_time_s=times,
        load_t=result.load_t[here] if len(result.load_t) else np.zeros(len(opened)))
    sites = ps.sites.iloc[opened].drop(columns="region").reset_index(drop=True)
    return SitedRegion(ps.graph, part, sites, siting)
