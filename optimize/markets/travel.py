"""Travel times and distances between ids (stores, truck bases, markets).

A :class:`TravelTable` holds square matrices over a list of ids; ``nan`` means "no figure".
The plan's road network gives store-to-store figures; markets outside the region's
network (another prefecture's hubs in a regional plan, partner cities) have no road
route in the plan, so :func:`approximate_travel` estimates them: great-circle distance x
a detour factor at a stated speed. Wholesale legs off the network use
:data:`OFF_NETWORK_DETOUR_FACTOR` at :data:`OFF_NETWORK_SPEED_KMH`, the medians measured
on the province plan's own road legs (an assumption, flagged in the plan); long-haul legs
the project's detour factor at :data:`LONG_HAUL_SPEED_KMH`. :func:`merged_travel` fills
the road table's gaps with the estimate and marks those pairs ``approximate``, so every
run built on them is flagged.

Markets on the plan's network get road figures: :func:`snap_markets` joins each wholesale
market within ``max_snap_m`` of a graph node to that node (its short access leg is the
straight line x detour factor at :data:`APPROX_SPEED_KMH`, like a village's leg to its
township centre), and :func:`road_travel` times every pair of stores and markets on the
graph (exact Dijkstra, :func:`geodata.matrix.travel_time_matrix`). Long-haul outlets
(partner cities outside Gansu) always keep the straight-line estimate.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

import networkx as nx
import numpy as np
from numpy.typing import NDArray

from geodata.csr import CsrGraph
from geodata.geometry import great_circle_m
from geodata.matrix import travel_time_matrix
from geodata.snap import snap_points
from geodata.speeds import DEFAULT_DETOUR_FACTOR
from optimize.errors import SpecificationError
from optimize.markets.table import Market

#: Speed (km/h) of a straight-line estimate within Gansu: the class default of 省道/县道
#: (primary/secondary, ORS heavy-vehicle default, PARAMETERS.md §1.4). Applying it to a
#: straight line x detour factor is an ASSUMPTION.
APPROX_SPEED_KMH = 60.0
#: Off-network wholesale legs (a market outside the region's network, e.g. Lanzhou's hubs
#: in a Linxia plan): great circle x :data:`OFF_NETWORK_DETOUR_FACTOR` at
#: :data:`OFF_NETWORK_SPEED_KMH`. Both are the medians of the 291 road legs of at least
#: 10 km great circle of the market runs of the province plan (``coldchain plan
#: scenarios/gansu.toml``, session 4, its ``routes[*].legs`` with ``travel = "road"``):
#: road metres / great circle 1.68 (quartiles 1.60-1.80), road km/h 37.4 (36.7-37.9).
#: The former estimate (x 1.3 at 60 km/h) took 2.08x less time than the road on those
#: legs (the lead's reading over 1,233 legs: 2.13). That network is itself the
#: approximate township graph (straight lines x 1.3 at class speeds), so the figures are
#: an ASSUMPTION calibrated on it, listed in every plan with market runs.
OFF_NETWORK_DETOUR_FACTOR = 1.68
OFF_NETWORK_SPEED_KMH = 37.4
#: Number of road legs the off-network figures are the medians of.
OFF_NETWORK_LEGS = 291
#: Speed (km/h) of a straight-line estimate for long-haul legs to partner cities: the
#: expressway class default (motorway, ORS heavy-vehicle, PARAMETERS.md §1.4). ASSUMPTION:
#: the whole leg on expressways.
LONG_HAUL_SPEED_KMH = 85.0


@dataclass(frozen=True)
class TravelTable:
    """Travel time (s) and distance (m) between ids; ``nan`` = no figure.

    Attributes
    ----------
    ids
        Row/column ids, unique.
    time_s, distance_m
        ``(n, n)`` float arrays, row = from, column = to.
    approximate
        ``(n, n)`` bool: the pair's figure is a straight-line estimate.
    """

    ids: tuple[str, ...]
    time_s: NDArray[np.float64]
    distance_m: NDArray[np.float64]
    approximate: NDArray[np.bool_]

    def __post_init__(self) -> None:
        n = len(self.ids)
        if len(set(self.ids)) != n:
            raise SpecificationError("travel table: ids must be unique", field="travel")
        for name in ("time_s", "distance_m", "approximate"):
            if getattr(self, name).shape != (n, n):
                raise SpecificationError(f"travel table: {name} must be {n} x {n}",
                                         field="travel")
        object.__setattr__(self, "_index", {k: i for i, k in enumerate(self.ids)})

    def index(self, item_id: str) -> int:
        """Row of ``item_id``; :class:`SpecificationError` naming it when unknown."""
        found: dict[str, int] = self.__dict__["_index"]
        if item_id not in found:
            raise SpecificationError(f"travel table: no row for id {item_id!r}",
                                     field="travel")
        return found[item_id]

    def has(self, item_id: str) -> bool:
        """Whether the table has a row for ``item_id``."""
        return item_id in self.__dict__["_index"]

    def leg(self, a: str, b: str) -> tuple[float, float]:
        """``(time_s, distance_m)`` from ``a`` to ``b``; ``(inf, inf)`` without a figure."""
        i, j = self.index(a), self.index(b)
        t, d = float(self.time_s[i, j]), float(self.distance_m[i, j])
        if np.isnan(t) or np.isnan(d):
            return float("inf"), float("inf")
        return t, d

    def is_approximate(self, a: str, b: str) -> bool:
        """Whether the leg ``a`` -> ``b`` is a straight-line estimate."""
        return bool(self.approximate[self.index(a), self.index(b)])


def approximate_travel(points: Mapping[str, tuple[float, float]],
                       speed_kmh: float = APPROX_SPEED_KMH,
                       detour_factor: float = DEFAULT_DETOUR_FACTOR) -> TravelTable:
    """Straight-line estimate between every pair of ``points`` (id -> (lon, lat) degrees).

    distance = great circle x ``detour_factor``; time = distance / ``speed_kmh``. Every pair
    is flagged approximate.
    """
    if speed_kmh <= 0 or detour_factor < 1:
        raise SpecificationError(f"approximate travel: speed {speed_kmh} km/h must be > 0 and "
                                 f"detour factor {detour_factor} >= 1", field="travel")
    ids = tuple(points)
    lonlat = np.array([points[k] for k in ids], dtype=float).reshape(len(ids), 2)
    lon, lat = lonlat[:, 0], lonlat[:, 1]
    a, b = np.meshgrid(np.arange(len(ids)), np.arange(len(ids)), indexing="ij")
    gc = great_circle_m(lon[a.ravel()], lat[a.ravel()], lon[b.ravel()], lat[b.ravel()]) \
        if len(ids) else np.zeros(0)
    distance = gc.reshape(len(ids), len(ids)) * detour_factor
    time = distance / (speed_kmh / 3.6)
    return TravelTable(ids, time, distance, np.ones((len(ids), len(ids)), dtype=bool))


def merged_travel(road: TravelTable, fallback: TravelTable) -> TravelTable:
    """Ids of both; the road figure where it exists, else the fallback's (flagged)."""
    ids = tuple(dict.fromkeys(road.ids + fallback.ids))
    n = len(ids)
    time = np.full((n, n), np.nan)
    dist = np.full((n, n), np.nan)
    approx = np.zeros((n, n), dtype=bool)
    for table in (fallback, road):   # road last: it wins where it has a figure
        rows = np.array([ids.index(k) for k in table.ids], dtype=int)
        r, c = rows[:, None], rows[None, :]
        known = ~(np.isnan(table.time_s) | np.isnan(table.distance_m))
        time[r, c] = np.where(known, table.time_s, time[r, c])
        dist[r, c] = np.where(known, table.distance_m, dist[r, c])
        approx[r, c] = np.where(known, table.approximate, approx[r, c])
    return TravelTable(ids, time, dist, approx)


def travel_with_markets(road: TravelTable | None,
                        points: Mapping[str, tuple[float, float]],
                        markets: Sequence[Market],
                        market_road: TravelTable | None = None) -> TravelTable:
    """One table over stores/bases and markets for :func:`optimize.markets.runs.
    plan_market_runs`.

    ``road`` (may be ``None``) gives the plan's road figures between its ids; ``points``
    (id -> (lon, lat)) places every store and base; ``market_road`` (may be ``None``,
    :func:`road_travel`) the road figures between stores and the markets on the network
    (it wins over ``road`` where both have a figure: the same graph, markets added).
    Pairs without a road figure are estimated (:func:`approximate_travel`): great circle
    x :data:`OFF_NETWORK_DETOUR_FACTOR` at :data:`OFF_NETWORK_SPEED_KMH` among stores and
    wholesale markets, x the project's detour factor at :data:`LONG_HAUL_SPEED_KMH` to
    and from long-haul outlets.
    """
    local = {**points, **{m.market_id: (m.lon, m.lat) for m in markets
                          if m.kind != "long_haul"}}
    far = {**points, **{m.market_id: (m.lon, m.lat) for m in markets
                        if m.kind == "long_haul"}}
    table = approximate_travel(local, OFF_NETWORK_SPEED_KMH, OFF_NETWORK_DETOUR_FACTOR)
    for known in (road, market_road):
        if known is not None:
            table = merged_travel(known, table)
    return merged_travel(table, approximate_travel(far, LONG_HAUL_SPEED_KMH))


@dataclass(frozen=True)
class RoadPlace:
    """Where an id joins the road graph: a node, and its leg to it (s, m)."""

    node: Hashable
    leg_s: float
    leg_m: float


def road_travel(csr: CsrGraph, places: Mapping[str, RoadPlace]) -> TravelTable:
    """Road time and distance between every pair of ``places`` on the graph ``csr``:
    the fastest path between their nodes plus both legs; 0 from an id to itself, ``nan``
    where no path joins them. Nothing is flagged approximate."""
    ids = tuple(places)
    n = len(ids)
    if n == 0:
        return table_from_pairs(ids, np.zeros((0, 0)), np.zeros((0, 0)))
    nodes = [places[k].node for k in ids]
    uniq = list(dict.fromkeys(nodes))
    where = {v: k for k, v in enumerate(uniq)}
    pos = np.array([where[v] for v in nodes], dtype=int)
    matrix = travel_time_matrix(csr, uniq, uniq)
    out = []
    for dense, key in ((matrix.dense_time_s(), "leg_s"), (matrix.dense_distance_m(), "leg_m")):
        legs = np.array([getattr(places[k], key) for k in ids], dtype=float)
        part = dense[np.ix_(pos, pos)].astype(float)
        full = np.where(part < 0, np.nan, part + legs[:, None] + legs[None, :])
        np.fill_diagonal(full, 0.0)
        out.append(full)
    return table_from_pairs(ids, out[0], out[1])


def snap_markets(graph: nx.MultiDiGraph, markets: Sequence[Market], max_snap_m: float,
                 detour_factor: float = DEFAULT_DETOUR_FACTOR,
                 speed_kmh: float = APPROX_SPEED_KMH) -> dict[str, RoadPlace]:
    """The wholesale markets within ``max_snap_m`` of a node of ``graph``, each at its
    nearest node with a leg of great circle x ``detour_factor`` at ``speed_kmh`` (module
    docstring). Long-haul outlets and markets farther from the network are left out:
    they keep the straight-line estimate."""
    local = [m for m in markets if m.kind != "long_haul"]
    if not local or graph.number_of_nodes() == 0:
        return {}
    snap = snap_points(graph, [m.lon for m in local], [m.lat for m in local],
                       max_snap_m=max_snap_m)
    out = {}
    for m, node, snap_m, off in zip(local, snap.node, snap.snap_m, snap.off_network,
                                    strict=True):
        if not off:
            leg_m = float(snap_m) * detour_factor
            out[m.market_id] = RoadPlace(node, leg_m / (speed_kmh / 3.6), leg_m)
    return out


def table_from_pairs(ids: Sequence[str], time_s: NDArray[np.float64],
                     distance_m: NDArray[np.float64]) -> TravelTable:
    """A road table (nothing approximate) from square matrices over ``ids``."""
    n = len(ids)
    return TravelTable(tuple(ids), np.asarray(time_s, dtype=float),
                       np.asarray(distance_m, dtype=float), np.zeros((n, n), dtype=bool))


def travel_assumptions(speed_kmh: float = APPROX_SPEED_KMH,
                       detour_factor: float = DEFAULT_DETOUR_FACTOR) -> list[str]:
    """The straight-line estimate and the markets' access legs in plain words (for a
    plan's assumptions)."""
    return [f"market legs without a road route in the plan: great circle x "
            f"{OFF_NETWORK_DETOUR_FACTOR:g} at {OFF_NETWORK_SPEED_KMH:g} km/h, the medians "
            f"of {OFF_NETWORK_LEGS} road legs of the province plan's market runs (road "
            "metres / great circle, road speed) on its approximate network (assumption)",
            f"long-haul legs: great circle x {DEFAULT_DETOUR_FACTOR:g} at "
            f"{LONG_HAUL_SPEED_KMH:g} km/h (expressway class default, assumption)",
            f"a wholesale market near the plan's road network joins it at the nearest node; "
            f"its access leg is the great circle x {detour_factor:g} at {speed_kmh:g} km/h "
            "(assumption, like a village's leg); each market run's legs say road or "
            "straight_line"]
