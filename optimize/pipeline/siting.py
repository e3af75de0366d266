"""The siting stage: the region's LocationProblem from the network, solved."""

from __future__ import annotations

import geopandas as gpd
import numpy as np

from optimize.pipeline.network import Network
from optimize.pipeline.region import Share
from optimize.pipeline.settlements import county_quotas
from optimize.scenario import Scenario
from optimize.siting.problem import (
    DEFAULT_WALL_SAFETY,
    LocationProblem,
    LocationResult,
    StoreTier,
)
from optimize.siting.solve import solve_location


def site(scenario: Scenario, net: Network, sites: gpd.GeoDataFrame, share: Share, *,
         wall_safety: float = DEFAULT_WALL_SAFETY) -> LocationResult:
    """Open ``share.stores`` stores among ``sites`` and assign the settlements.

    ``wall_safety``: the wall-clock cap of each CP-SAT stage, as a multiple of its
    deterministic budget (the province raises it on busy workers).
    """
    settle_index = {c: i for i, c in enumerate(net.settlements["village_code"])}
    site_demand = np.array([settle_index.get(c, -1) for c in sites["village_code"]])
    problem = LocationProblem(
        supply_t=net.settlements["supply_t"].to_numpy(dtype=float),
        weight=net.settlements["weight"].to_numpy(dtype=float),
        arc_demand=net.arcs["demand"].to_numpy(dtype=np.int64),
        arc_site=net.arcs["site"].to_numpy(dtype=np.int64),
        arc_time_s=net.arcs["time_s"].to_numpy(dtype=np.int64),
        n_sites=len(sites),
        tiers=tuple(StoreTier(t.name, t.capacity_t, t.build_cost_yuan, t.subsidy_yuan)
                    for t in scenario.tiers),
        n_stores=min(share.stores, len(sites)),
        required_sites=tuple(int(i) for i in np.flatnonzero(sites["required"])),
        budget_yuan=share.budget_yuan,
        site_demand=site_demand,
        objective=scenario.objective,
        engine=scenario.siting_engine,
        time_limit_s=scenario.siting_time_limit_s,
        seed=scenario.seed,
        wall_safety=wall_safety,
        **county_quotas(scenario, net.settlements, sites),
    )
    return solve_location(problem)
