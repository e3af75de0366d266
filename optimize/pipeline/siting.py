"""The siting stage: the LocationProblem of a region, or of the whole province, solved.

:func:`site` sites one region (its share of the stores and budget, its county quotas).
:func:`location_problem` is the one builder of a plan's ``LocationProblem`` from the
network's arcs; the province's one problem (:mod:`optimize.pipeline.province.siting`)
uses it too, with the prefecture quota bands of :func:`quota_bands` as site groups.
:func:`weighted_sum_terms` recomputes the Lagrangian engine's objective of a plan from
what the plan's settlements layer holds (``docs/PLAN-FORMAT.md``, ``solver.siting``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np

from optimize.pipeline.network import Network
from optimize.pipeline.region import Share
from optimize.pipeline.settlements import county_quotas
from optimize.scenario import Scenario
from optimize.siting.lagrange import COVERAGE_FACTOR
from optimize.siting.problem import (
    DEFAULT_WALL_SAFETY,
    LocationProblem,
    LocationResult,
    StoreTier,
)
from optimize.siting.solve import solve_location

#: Supply is counted in 0.01 t, rounded up, by both siting engines (``prepared``).
SUPPLY_UNITS_PER_T = 100


def site(scenario: Scenario, net: Network, sites: gpd.GeoDataFrame, share: Share, *,
         wall_safety: float = DEFAULT_WALL_SAFETY) -> LocationResult:
    """Open ``share.stores`` stores among ``sites`` and assign the settlements.

    ``wall_safety``: the wall-clock cap of each CP-SAT stage, as a multiple of its
    deterministic budget (the province raises it on busy workers).
    """
    problem = location_problem(scenario, net, sites, stores=share.stores,
                               budget_yuan=share.budget_yuan, wall_safety=wall_safety,
                               groups=county_quotas(scenario, net.settlements, sites))
    return solve_location(problem)


def location_problem(scenario: Scenario, net: Network, sites: gpd.GeoDataFrame, *,
                     stores: int, budget_yuan: float, groups: Mapping[str, Any],
                     wall_safety: float = DEFAULT_WALL_SAFETY,
                     time_limit_s: float | None = None) -> LocationProblem:
    """The ``LocationProblem`` of ``net``'s settlements and arcs over ``sites``.

    ``stores`` (at most the number of sites) open exactly; ``budget_yuan`` limits their
    subsidy; ``groups`` holds ``site_group``, ``group_min``, ``group_max`` and
    ``group_names`` (empty: no groups); ``time_limit_s`` defaults to the scenario's.
    """
    settle_index = {c: i for i, c in enumerate(net.settlements["village_code"])}
    site_demand = np.array([settle_index.get(c, -1) for c in sites["village_code"]],
                           dtype=np.int64)
    return LocationProblem(
        supply_t=net.settlements["supply_t"].to_numpy(dtype=float),
        weight=net.settlements["weight"].to_numpy(dtype=float),
        arc_demand=net.arcs["demand"].to_numpy(dtype=np.int64),
        arc_site=net.arcs["site"].to_numpy(dtype=np.int64),
        arc_time_s=net.arcs["time_s"].to_numpy(dtype=np.int64),
        n_sites=len(sites),
        tiers=tuple(StoreTier(t.name, t.capacity_t, t.build_cost_yuan, t.subsidy_yuan)
                    for t in scenario.tiers),
        n_stores=min(stores, len(sites)),
        required_sites=tuple(int(i) for i in np.flatnonzero(sites["required"])),
        budget_yuan=budget_yuan,
        site_demand=site_demand,
        objective=scenario.objective,
        engine=scenario.siting_engine,
        time_limit_s=scenario.siting_time_limit_s if time_limit_s is None else time_limit_s,
        seed=scenario.seed,
        wall_safety=wall_safety,
        **groups,
    )


def quota_bands(stores: Mapping[str, int],
                tolerance_pct: float) -> dict[str, tuple[int, int]]:
    """Per key (prefecture), the band ``floor(s (1 - tol)), ceil(s (1 + tol))`` around its
    apportioned store count ``s``, ``tol = tolerance_pct / 100`` (never below 0)."""
    tol = tolerance_pct / 100.0
    return {k: (max(0, math.floor(s * (1 - tol) + 1e-9)), math.ceil(s * (1 + tol) - 1e-9))
            for k, s in stores.items()}


def weighted_sum_terms(supply_t: np.ndarray, weight: np.ndarray,
                       access_time_s: np.ndarray, charged: np.ndarray, *,
                       longest_arc_s: int,
                       coverage_factor: float = COVERAGE_FACTOR) -> np.ndarray:
    """Each village's term of the Lagrangian engine's objective, t*s
    (``optimize.siting.lagrange``); their sum is the objective of the plan.

    ``ceil(100 q_i) / 100 * t_i`` for a served village (``access_time_s >= 0``; at its own
    store 0 s); ``ceil(100 q_i) / 100 * F * w_i * (T + 1)`` for an unserved village that
    is ``charged`` (it had an arc to some candidate site), ``w_i`` its weight (read as 1
    when 0), ``T`` the problem's longest arc time and ``F`` the coverage factor; else 0.
    """
    q = np.ceil(np.asarray(supply_t, dtype=float) * SUPPLY_UNITS_PER_T - 1e-9) \
        / SUPPLY_UNITS_PER_T
    t = np.asarray(access_time_s, dtype=float)
    w = np.asarray(weight, dtype=float)
    penalty = q * np.where(w > 0, w, 1.0) * coverage_factor * (longest_arc_s + 1)
    unserved = np.asarray(charged, dtype=bool) & (t < 0)
    return np.where(t >= 0, q * np.maximum(t, 0), np.where(unserved, penalty, 0.0))


@dataclass(frozen=True, eq=False)
class SitedRegion:
    """A region's siting decided elsewhere (the province's one problem), in the form the
    regional stages take it: the graph to route on, the region's settlements and arcs
    (``net``), its open stores as ``sites`` (all open: ``siting.open_sites`` is
    ``0..len(sites)-1``) and the siting result restricted to them."""

    graph: nx.MultiDiGraph
    net: Network
    sites: gpd.GeoDataFrame
    siting: LocationResult
