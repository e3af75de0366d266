"""The routing stage: trucks to stores (``optimize.fleet``), then one routing problem per
store (``optimize.routing``).

:func:`route_store` is the one place a store's pickups become a ``RoutingProblem``: the
regional pipeline calls it for every open store, the province's border repair for every
store whose villages changed.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
from shapely.geometry import LineString

from geodata.csr import CsrGraph
from geodata.roads import route_geometry
from optimize.fleet.allocation import allocate_trucks
from optimize.pipeline.network import Network, leg_matrices
from optimize.pipeline.siting import DEFAULT_WALL_SAFETY
from optimize.routing.problem import RoutingProblem, RoutingResult
from optimize.routing.solve import solve_routing
from optimize.scenario import Scenario
from optimize.siting.problem import LocationResult

#: Columns of a store's candidate pickups (before :func:`split_pickups`), one per village.
MEMBER_COLUMNS = ["settlement_id", "name", "county_code", "node", "leg_s", "leg_m", "daily_t"]
#: Columns of the pickups: one per village and day, split into truckloads.
PICKUP_COLUMNS = ["settlement_id", "name", "county_code", "node", "leg_s", "leg_m",
                  "pickup_t"]


@dataclass(frozen=True)
class Depot:
    """A store's site: its village, graph node and the village's legs."""

    settlement_id: str
    node: Any
    leg_s: float
    leg_m: float


@dataclass(frozen=True)
class StoreRoutes:
    """One store's routing input and result."""

    depot: Depot
    pickups: pd.DataFrame  # PICKUP_COLUMNS
    result: RoutingResult
    geometries: tuple[LineString, ...]


def split_pickups(members: pd.DataFrame, capacity_t: float) -> pd.DataFrame:
    """One pickup per village and day, split into truckloads when it exceeds a truck.

    ``members`` has :data:`MEMBER_COLUMNS`; villages without produce have no pickup.
    """
    rows = []
    for m in members.itertuples(index=False):
        if m.daily_t <= 0:
            continue
        loads = math.ceil(m.daily_t / capacity_t - 1e-9)
        for part in range(loads):
            rows.append((m.settlement_id, m.name, m.county_code, m.node, m.leg_s, m.leg_m,
                         min(capacity_t, m.daily_t - part * capacity_t)))
    return pd.DataFrame(rows, columns=PICKUP_COLUMNS)


def route_store(scenario: Scenario, graph: nx.MultiDiGraph, csr: CsrGraph, depot: Depot,
                pickups: pd.DataFrame, trucks: int, *,
                wall_safety: float = DEFAULT_WALL_SAFETY) -> StoreRoutes:
    """Route ``trucks`` trucks of the store at ``depot`` over ``pickups`` (one day).

    Times and distances run on ``csr`` (the graph ``graph``, which also draws the trips),
    village legs included; ``wall_safety`` is the search's wall-clock cap as a multiple
    of its deterministic budget.
    """
    time_s, distance_m = leg_matrices(
        csr, [depot.settlement_id, *pickups["settlement_id"]], [depot.node, *pickups["node"]],
        np.array([depot.leg_s, *pickups["leg_s"]], dtype=float),
        np.array([depot.leg_m, *pickups["leg_m"]], dtype=float))
    problem = RoutingProblem(
        time_s=time_s,
        distance_m=distance_m,
        pickup_t=pickups["pickup_t"].to_numpy(dtype=float),
        service_s=np.full(len(pickups), scenario.service_s, dtype=np.int64),
        n_trucks=trucks,
        trips_per_truck=scenario.trips_per_truck,
        truck_capacity_t=scenario.truck_capacity_t,
        shift_s=scenario.shift_s,
        freshness_limit_s=scenario.freshness_s,
        unload_s=scenario.unload_s,
        time_limit_s=scenario.routing_time_limit_s,
        seed=scenario.seed,
        wall_safety=wall_safety,
    )
    result = solve_routing(problem)
    geoms = tuple(route_geometry(graph, [depot.node, *pickups["node"].iloc[list(t.stops)],
                                         depot.node]) for t in result.trips)
    return StoreRoutes(depot, pickups, result, geoms)


def route_all(scenario: Scenario, graph: nx.MultiDiGraph, net: Network,
              sites: gpd.GeoDataFrame, siting: LocationResult, trucks: int,
              report: Callable[[str, float], None], *,
              wall_safety: float = DEFAULT_WALL_SAFETY) -> tuple[np.ndarray, list[StoreRoutes]]:
    """Share ``trucks`` among the open stores by load, then route every store."""
    settle = net.settlements
    daily = settle["supply_t"].to_numpy() / scenario.harvest_peak_days
    load = np.array([daily[siting.assignment == j].sum() for j in siting.open_sites])
    fleet = allocate_trucks(load, trucks, scenario.truck_capacity_t, scenario.trips_per_truck)
    row_of = pd.Series(np.arange(len(settle)), index=settle["village_code"])
    site_rows = row_of.reindex(sites["village_code"]).to_numpy()
    members = pd.DataFrame({
        "settlement_id": settle["village_code"], "name": settle["village_name"],
        "county_code": settle["county_code"], "node": net.settle_node,
        "leg_s": settle["leg_s"], "leg_m": settle["leg_m"], "daily_t": daily})
    out = []
    for n, (j, k) in enumerate(zip(siting.open_sites, fleet, strict=True)):
        report(f"routing store {n + 1} of {len(fleet)}", 0.55 + 0.4 * n / max(len(fleet), 1))
        row = int(site_rows[j])
        depot = Depot(str(settle["village_code"].iloc[row]), net.settle_node[row],
                      float(settle["leg_s"].iloc[row]), float(settle["leg_m"].iloc[row]))
        pickups = split_pickups(members.iloc[np.flatnonzero(siting.assignment == j)],
                                scenario.truck_capacity_t)
        out.append(route_store(scenario, graph, net.csr, depot, pickups, int(k),
                               wall_safety=wall_safety))
    return fleet, out
