"""One store's day with its own trucks (``optimize.routing``): the province's border repair.

:func:`route_store` routes a store's pickups with the trucks based there; the province's
border repair calls it for every store whose villages changed. The regional plan routes
every season and shares its trucks over all stores instead
(:mod:`optimize.pipeline.season_plan`); :class:`Depot` is shared by both.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
from shapely.geometry import LineString

from geodata.csr import CsrGraph
from geodata.roads import route_geometry
from optimize.pipeline.network import leg_matrices
from optimize.pipeline.siting import DEFAULT_WALL_SAFETY
from optimize.routing.problem import RoutingProblem, RoutingResult
from optimize.routing.solve import solve_routing
from optimize.scenario import Scenario

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
