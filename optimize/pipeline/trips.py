"""Who carries what, per store and season: self-delivery, then the store's trips.

For every season of the harvest calendar with produce in the region
(:func:`region_seasons`), each open store's villages are split three ways:

1. **self-delivered**: the store's own village, and every village whose road trip to the
   store by farm vehicle (road distance / ``farm_vehicle_speed_kmh``) takes at most
   ``self_delivery_reach_s`` (scenario parameters, flagged as assumptions);
2. **trips**: the other villages' daily produce (``supply_t x`` the season's crop shares
   ``/`` the season's days; a village's crops are collected together, held to the
   strictest crop's freshness limit: collecting Linxia's pepper on separate trips from its
   vegetables doubled the summer trips and truck-hours), split into truckloads, routed by
   :func:`optimize.routing.solve.solve_routing` with as many single-trip trucks as there
   are pickups. The fleet is large
   enough that only physics leaves a pickup out; which real truck drives each trip is
   decided afterwards for all stores together (:mod:`optimize.pipeline.fleet_day`);
3. **unrouted**: pickups no trip can serve (the screening reason: "no truck can reach it
   within its freshness limit even alone").

The store's village matrix is computed once and reused by every season.
:func:`store_season_problems` returns a store's seasons as the routing problems that
:func:`store_days` solves (one per crop mix), so that ``benchmarks.gansu_days`` re-solves
a plan's very problems at other budgets and with other engines.

The trips are bound by freshness, not by the routing objective: on Linxia's summer day
(830 pickups, 280 trips, 2 h vegetable limit) the 4-stop trips reach a median 6,712 s of
the 7,200 s limit with half a truckload, and minimising truck-time (service, driving and
unloading, via a per-hour ``TruckType`` cost) instead of metres gives the very same 280
trips and 607.9 truck-hours. Where the fleet loses produce is the empty driving between
stores (:mod:`optimize.fleet.shared`).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
from scipy.sparse.csgraph import dijkstra
from shapely.geometry import LineString

from geodata.roads import route_geometry
from optimize.crops import CROPS, default_gansu_seasons
from optimize.errors import SpecificationError
from optimize.fleet.bound import (
    cheapest_arrivals_s,
    max_stops,
    pickup_costs_s,
    shortest_arc_s,
    store_return_s,
)
from optimize.pipeline.network import Network, leg_matrices
from optimize.pipeline.routing import Depot
from optimize.pipeline.siting import DEFAULT_WALL_SAFETY
from optimize.routing.bounds import default_search_solutions
from optimize.routing.problem import RoutingProblem, RoutingResult, Trip
from optimize.routing.solve import solve_routing
from optimize.scenario import Scenario

#: Columns of a store-season's pickups (one per village, crop and truckload).
TRIP_PICKUP_COLUMNS = ["settlement_id", "name", "county_code", "village", "crop",
                       "freshness_s", "pickup_t"]
#: Most solutions a store-crop search accepts. Measured on the 12 largest store-crop
#: problems of 广河县 (9 pickups): 50 solutions gave the same metres as the default
#: budget (411) in a tenth of the time; 100 keeps a margin for larger stores.
TRIP_SEARCH_SOLUTIONS = 100
#: Columns :func:`store_season_problems` adds to a season's pickups for the fleet bound
#: (:mod:`optimize.fleet.bound`): the cheapest arrival at the village (s) and the least
#: truck-seconds any plan spends to collect the pickup.
BOUND_COLUMNS = ["arrive_s", "cost_s"]
#: Reason prefix of a pickup no trip can serve.
UNREACHABLE = "no truck can reach it within its freshness limit even alone"


@dataclass(frozen=True)
class SeasonDay:
    """One season of the calendar in the region: its days and crops (crop, share)."""

    name: str
    days: int
    crops: tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class StoreDay:
    """One store's day in one season: who self-delivers, the trips, what is left out.

    ``pickups`` has :data:`TRIP_PICKUP_COLUMNS` (``village`` indexes the store's
    villages); ``self_delivered`` has settlement_id, name, crop, daily_t; ``unserved``
    is ``(pickup index, reason)``.
    """

    season: str
    store_id: str
    store: int
    depot: Depot
    pickups: pd.DataFrame
    self_delivered: pd.DataFrame
    result: RoutingResult
    geometries: tuple[LineString, ...]
    #: Per trip of ``result.trips``, each leg's ``(drive s, metres)`` (store -> villages
    #: -> store, from the store's village matrix; :func:`trip_legs`). Empty: not known.
    legs: tuple[tuple[tuple[int, int], ...], ...] = ()

    @property
    def unserved(self) -> tuple[tuple[int, str], ...]:
        return tuple((p, _physical(r)) for p, r in self.result.unserved)


def _physical(reason: str) -> str:
    if reason.startswith("fleet at this store"):
        return f"the store's routing search left it out ({reason})"
    return f"{UNREACHABLE} ({reason})"


def region_seasons(scenario: Scenario, region_code: str) -> tuple[SeasonDay, ...]:
    """The calendar's seasons with produce in the region (its prefecture's peaks)."""
    calendar = scenario.seasons or default_gansu_seasons()
    out = []
    for season in calendar:
        peaks = season.peaks_for(region_code[:4])
        crops = tuple((p.crop, float(p.share)) for p in peaks if p.share > 0)
        if crops:
            out.append(SeasonDay(season.name, season.days, crops))
    return tuple(out)


def check_self_delivery(scenario: Scenario) -> None:
    """Raise naming the parameter when the self-delivery parameters cannot be right."""
    bad = []
    if scenario.self_delivery_reach_s < 0:
        bad.append(f"self_delivery_reach_s {scenario.self_delivery_reach_s}: expected >= 0")
    if not scenario.farm_vehicle_speed_kmh > 0:
        bad.append(f"farm_vehicle_speed_kmh {scenario.farm_vehicle_speed_kmh}: expected > 0")
    if bad:
        raise SpecificationError(bad)


def store_villages(net: Network, members: np.ndarray, depot_row: int) -> pd.DataFrame:
    """The store's villages (rows of ``net.settlements``), the store's own village first."""
    rows = [depot_row, *[int(i) for i in members if int(i) != depot_row]]
    s = net.settlements.iloc[rows]
    return pd.DataFrame({"row": rows, "settlement_id": s["village_code"].to_numpy(),
                         "name": s["village_name"].to_numpy(),
                         "county_code": s["county_code"].to_numpy(),
                         "node": net.settle_node[rows], "leg_s": s["leg_s"].to_numpy(),
                         "leg_m": s["leg_m"].to_numpy(),
                         "supply_t": s["supply_t"].to_numpy(dtype=float),
                         "member": [int(i) in set(members.tolist()) for i in rows]})


def season_pickups(villages: pd.DataFrame, self_mask: np.ndarray, season: SeasonDay,
                   capacity_t: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(truck pickups, self-delivered rows) of the store's villages in one season.

    A village's crops of the season are collected together (one stop, one daily load:
    ``supply_t x`` the sum of the crops' shares ``/`` days), held to the strictest
    crop's freshness limit; ``crop`` names the crops, comma-separated.
    """
    crops = ", ".join(c for c, _ in season.crops)
    share = sum(s for _, s in season.crops)
    limit = min(CROPS[c].freshness_limit_s for c, _ in season.crops)
    rows, own = [], []
    for v, village in enumerate(villages.itertuples(index=False)):
        daily = village.supply_t * share / season.days
        if not village.member or daily <= 0:
            continue
        if self_mask[v]:
            own.append((village.settlement_id, village.name, crops, daily))
            continue
        for part in range(math.ceil(daily / capacity_t - 1e-9)):
            rows.append((village.settlement_id, village.name, village.county_code, v,
                         crops, limit, min(capacity_t, daily - part * capacity_t)))
    return (pd.DataFrame(rows, columns=TRIP_PICKUP_COLUMNS),
            pd.DataFrame(own, columns=["settlement_id", "name", "crop", "daily_t"]))


def store_problem(scenario: Scenario, time_s: np.ndarray, distance_m: np.ndarray,
                  pickups: pd.DataFrame, time_limit_s: float,
                  wall_safety: float = DEFAULT_WALL_SAFETY) -> RoutingProblem:
    """The store's day with one single-trip truck per pickup (only physics drops one)."""
    nodes = [0, *(pickups["village"].to_numpy(dtype=int) + 1)]
    fresh = pickups["freshness_s"].to_numpy(dtype=np.int64)
    return RoutingProblem(
        time_s=time_s[np.ix_(nodes, nodes)], distance_m=distance_m[np.ix_(nodes, nodes)],
        pickup_t=pickups["pickup_t"].to_numpy(dtype=float),
        service_s=np.full(len(pickups), scenario.service_s, dtype=np.int64),
        n_trucks=max(len(pickups), 1), trips_per_truck=1,
        truck_capacity_t=scenario.truck_capacity_t, shift_s=scenario.shift_s,
        freshness_limit_s=int(fresh.max()) if len(fresh) else scenario.freshness_s,
        freshness_by_pickup_s=fresh if len(fresh) else None,
        unload_s=scenario.unload_s, time_limit_s=time_limit_s, seed=scenario.seed,
        wall_safety=wall_safety, search_solutions=min(
            TRIP_SEARCH_SOLUTIONS, default_search_solutions(len(pickups), time_limit_s)))


@dataclass(frozen=True)
class SeasonProblems:
    """One store's season as the routing problems the pipeline solves.

    ``parts`` holds one ``(pickup indices, problem)`` per crop mix (:func:`crop_by_crop`):
    the problem's pickup ``i`` is ``pickups`` row ``indices[i]``.
    """

    season: SeasonDay
    pickups: pd.DataFrame
    self_delivered: pd.DataFrame
    parts: tuple[tuple[np.ndarray, RoutingProblem], ...]
    #: The store's village matrices (row/column 0 the store, ``i + 1`` its village ``i``).
    time_s: np.ndarray | None = None
    distance_m: np.ndarray | None = None


def store_season_problems(scenario: Scenario, net: Network, depot: Depot,
                          villages: pd.DataFrame, seasons: tuple[SeasonDay, ...], *,
                          wall_safety: float = DEFAULT_WALL_SAFETY,
                          from_stores_s: np.ndarray | None = None) -> list[SeasonProblems]:
    """Every season's routing problems of one store, as :func:`store_days` solves them
    (``villages`` from :func:`store_villages`); for benchmarks that re-solve the plan's own
    problems at other budgets (``benchmarks.gansu_days``). The pickups carry
    :data:`BOUND_COLUMNS` (:func:`with_bound_costs`); ``from_stores_s`` (per row of
    ``net.settlements``, :func:`drive_from_stores_s`) bounds the drive to a village from
    any store (``None``: 0 s, a weaker bound)."""
    time_s, distance_m = leg_matrices(
        net.csr, [depot.settlement_id, *villages["settlement_id"]],
        [depot.node, *villages["node"]],
        np.array([depot.leg_s, *villages["leg_s"]], dtype=float),
        np.array([depot.leg_m, *villages["leg_m"]], dtype=float))
    arrive_from_stores = np.zeros(len(villages)) if from_stores_s is None \
        else np.asarray(from_stores_s, dtype=float)[villages["row"].to_numpy(dtype=int)]
    speed_m_s = scenario.farm_vehicle_speed_kmh / 3.6
    self_mask = (distance_m[1:, 0] / speed_m_s <= scenario.self_delivery_reach_s) \
        | (villages["settlement_id"].to_numpy() == depot.settlement_id)
    limit_s = scenario.routing_time_limit_s / max(len(seasons), 1)
    out = []
    for season in seasons:
        pickups, own = season_pickups(villages, self_mask, season, scenario.truck_capacity_t)
        pickups = with_bound_costs(scenario, time_s, pickups, arrive_from_stores)
        out.append(SeasonProblems(season, pickups, own, crop_problems(
            scenario, time_s, distance_m, pickups, limit_s, wall_safety), time_s, distance_m))
    return out


def store_days(scenario: Scenario, graph: nx.MultiDiGraph, net: Network, store: int,
               store_id: str, depot: Depot, villages: pd.DataFrame,
               seasons: tuple[SeasonDay, ...], *,
               wall_safety: float = DEFAULT_WALL_SAFETY,
               from_stores_s: np.ndarray | None = None) -> list[StoreDay]:
    """Every season's day of one store (``villages`` from :func:`store_villages`;
    ``from_stores_s`` as :func:`store_season_problems` takes it)."""
    nodes = [depot.node, *villages["node"]]
    out = []
    for sp in store_season_problems(scenario, net, depot, villages, seasons,
                                    wall_safety=wall_safety, from_stores_s=from_stores_s):
        pickups = sp.pickups
        result = solve_parts(pickups, sp.parts)
        geoms = tuple(route_geometry(graph, [nodes[0], *[nodes[int(pickups["village"].iloc[i])
                                                               + 1] for i in t.stops],
                                             nodes[0]]) for t in result.trips)
        out.append(StoreDay(sp.season.name, store_id, store, depot, pickups,
                            sp.self_delivered, result, geoms,
                            tuple(trip_legs(sp, t) for t in result.trips)))
    return out


def trip_legs(sp: SeasonProblems, trip: Trip) -> tuple[tuple[int, int], ...]:
    """Each leg of a routed ``trip`` (stops as ``sp.pickups`` rows) as ``(drive s,
    metres)``: store -> its villages in order -> store, read from the store's matrices."""
    if sp.time_s is None or sp.distance_m is None:
        raise ValueError(f"season {sp.season.name}: the store's matrices are not kept")
    seq = [0, *(int(sp.pickups["village"].iloc[i]) + 1 for i in trip.stops), 0]
    return tuple((int(sp.time_s[a, b]), int(sp.distance_m[a, b]))
                 for a, b in zip(seq[:-1], seq[1:], strict=True))


def crop_problems(scenario: Scenario, time_s: np.ndarray, distance_m: np.ndarray,
                  pickups: pd.DataFrame, limit_s: float, wall_safety: float
                  ) -> tuple[tuple[np.ndarray, RoutingProblem], ...]:
    """One ``(pickup indices, problem)`` per crop mix, in crop order (see
    :func:`crop_by_crop`)."""
    out = []
    for crop in sorted(set(pickups["crop"])):
        index = np.flatnonzero(pickups["crop"].to_numpy() == crop)
        out.append((index, store_problem(scenario, time_s, distance_m, pickups.iloc[index],
                                         limit_s, wall_safety)))
    return tuple(out)


def crop_by_crop(scenario: Scenario, time_s: np.ndarray, distance_m: np.ndarray,
                 pickups: pd.DataFrame, limit_s: float, wall_safety: float) -> RoutingResult:
    """One routing problem per crop mix (each with its own freshness limit), joined.

    The per-pickup limit model (``freshness_by_pickup_s``) found far fewer trips within
    the budget (measured on 广河县 with pepper and vegetables as separate pickups: 85 % of
    summer pickups left out), so pickups of different limits never share a problem.
    """
    return solve_parts(pickups, crop_problems(scenario, time_s, distance_m, pickups,
                                              limit_s, wall_safety))


def solve_parts(pickups: pd.DataFrame,
                parts: tuple[tuple[np.ndarray, RoutingProblem], ...]) -> RoutingResult:
    """Solve each part with :func:`solve_routing` and join the results (trips renumbered
    one truck each, stops as ``pickups`` rows)."""
    trips: list[Trip] = []
    unserved: list[tuple[int, str]] = []
    statuses, seconds, number = [], 0.0, 0
    for index, problem in parts:
        result = solve_routing(problem)
        for t in result.trips:
            trips.append(dataclasses.replace(
                t, truck=number, trip=0, stops=tuple(int(index[i]) for i in t.stops)))
            number += 1
        unserved += [(int(index[i]), r) for i, r in result.unserved]
        statuses.append(result.status)
        seconds += result.time_s
    status = ", ".join(sorted(set(statuses))) or "no pickups"
    return RoutingResult(tuple(trips), tuple(sorted(unserved)), status, 0,
                         seconds, len(trips), sum(t.distance_m for t in trips),
                         float(sum(pickups["pickup_t"].iloc[list(t.stops)].sum()
                                   for t in trips)))


def all_store_days(scenario: Scenario, graph: nx.MultiDiGraph, net: Network,
                   depots: list[Depot], depot_rows: list[int], assignment: np.ndarray,
                   open_sites: np.ndarray, seasons: tuple[SeasonDay, ...],
                   report: Callable[[str, float], None], *,
                   wall_safety: float = DEFAULT_WALL_SAFETY) -> list[list[StoreDay]]:
    """``store_days`` of every open store (``S001`` ... in ``open_sites`` order)."""
    check_self_delivery(scenario)
    from_stores = drive_from_stores_s(net, [d.node for d in depots],
                                      [d.settlement_id for d in depots])
    out = []
    for n, (j, depot, row) in enumerate(zip(open_sites, depots, depot_rows, strict=True)):
        report(f"routing store {n + 1} of {len(depots)}",
               0.55 + 0.35 * n / max(len(depots), 1))
        villages = store_villages(net, np.flatnonzero(assignment == j), row)
        out.append(store_days(scenario, graph, net, n, f"S{n + 1:03d}", depot, villages,
                              seasons, wall_safety=wall_safety, from_stores_s=from_stores))
    return out


def drive_from_stores_s(net: Network, nodes: Sequence[Any],
                        site_ids: Sequence[str]) -> np.ndarray:
    """Per row of ``net.settlements``, a lower bound on the drive to it from any store
    (graph ``nodes``, sites ``site_ids``): the shortest drive on ``net`` from the nearest
    store node plus the village's connector leg, floored, less 1 s for the matrices'
    rounding (0 at a store's own village; ``inf`` where no store reaches it)."""
    index = net.csr.node_index
    starts = sorted({int(index[n]) for n in nodes if n in index})
    rows = len(net.settlements)
    if not starts:
        return np.full(rows, np.inf)
    dist = dijkstra(net.csr.time_s, directed=True, indices=starts, min_only=True)
    at = np.array([index.get(n, -1) for n in net.settle_node], dtype=int)
    graph_s = np.where(at >= 0, dist[np.maximum(at, 0)], np.inf)
    out = np.maximum(np.floor(graph_s + net.settlements["leg_s"].to_numpy(dtype=float))
                     - 1.0, 0.0)
    own = net.settlements["village_code"].astype(str).isin([str(i) for i in site_ids]
                                                           ).to_numpy()
    return np.where(own, 0.0, out)


def with_bound_costs(scenario: Scenario, time_s: np.ndarray, pickups: pd.DataFrame,
                     from_stores_s: np.ndarray) -> pd.DataFrame:
    """``pickups`` with :data:`BOUND_COLUMNS` (see :mod:`optimize.fleet.bound`): the
    cheapest arrival ``in_p`` (``time_s`` the store's matrix, ``from_stores_s`` per store
    village) and ``c_p``, with the store's ``ret_j`` and ``kmax_j``."""
    villages = pickups["village"].to_numpy(dtype=int)
    if not len(pickups):
        return pickups.assign(arrive_s=pd.Series(dtype=float), cost_s=pd.Series(dtype=float))
    ret_s = store_return_s(time_s, villages)
    kmax = max_stops(scenario.service_s, shortest_arc_s(time_s, villages), ret_s,
                     float(pickups["freshness_s"].max()), scenario.shift_s)
    arrive = cheapest_arrivals_s(time_s, villages, from_stores_s)
    cost = pickup_costs_s(pickups["pickup_t"].to_numpy(dtype=float), arrive,
                          service_s=scenario.service_s, unload_s=scenario.unload_s,
                          return_s=ret_s, capacity_t=scenario.truck_capacity_t, kmax=kmax)
    return pickups.assign(arrive_s=arrive, cost_s=cost)
