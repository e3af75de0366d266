"""The province's trucks across harvest seasons: load, fleet per season, moves.

The province is planned per prefecture (14 regions). Its 720 refrigerated trucks are one
fleet: as the harvest peak moves (cherries in Tianshui in June, pepper in Longnan in
July-August, apples, potatoes, lily and herbs in September-November), trucks are re-based
from region to region. This module is pure arithmetic on arrays; it knows no geography
beyond a matrix of distances between region seats (:mod:`optimize.fleet.distances`).
The calendar (seasons, peaks, crops) is :mod:`optimize.crops`.

1. **Load.** :func:`seasonal_load` turns each region's annual stored produce (t) into the
   peak daily pickup per (season, region), ``annual_t x share / peak_days`` (the produce is
   taken as spread evenly over the season's days, an assumption), and the freshness limit
   in force: the strictest (shortest) limit of the crops peaking there
   (:data:`optimize.crops.CROPS`).
2. **Fleet.** :func:`share_fleet` bases the trucks per season and region: each region first
   gets its need; trucks left over go by D'Hondt on a weight (workload or load); when the
   need exceeds the fleet, the need itself is shared by D'Hondt, never past a region's need
   (:func:`optimize.fleet.allocation.dhondt`, ties to the region listed first). Between
   consecutive seasons, and from the last season back to the first next year, the trucks
   that change region are routed by a min-cost transportation problem on the inter-region
   distances (OR-Tools ``SimpleMinCostFlow``): surplus regions send, deficit regions
   receive, and the total truck-km of repositioning is the least possible.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from ortools.graph.python import min_cost_flow

from optimize.crops import CROPS, Season, check_calendar
from optimize.errors import SpecificationError
from optimize.fleet.allocation import dhondt, trucks_needed
from optimize.fleet.distances import RegionDistances, read_only
from optimize.programme import (
    GANSU_PREFECTURES,
    PROVINCE_TRUCKS,
    TRIPS_PER_TRUCK,
    TRUCK_CAPACITY_T,
)


# --------------------------------------------------------------------------------------
# Seasonal load
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SeasonalLoad:
    """Peak daily pickup and freshness limit per (season, region); arrays are (S, R).

    Attributes
    ----------
    seasons, regions
        Row and column labels (regions sorted).
    share
        Share of the region's annual stored produce collected in the season.
    daily_pickup_t
        ``annual_t x share / season days``, t/day.
    freshness_limit_s
        Strictest limit of the crops collected there, s; 0 where nothing is collected.
    strictest_crop
        The crop that sets the limit ("" where nothing is collected).
    freshness_assumption
        True where that crop's limit has no source (optimize.crops.CROPS).
    crops
        Crops collected per (season, region), in calendar order.
    season_days
        Days each season's produce is spread over.
    """

    seasons: tuple[str, ...]
    regions: tuple[str, ...]
    share: np.ndarray
    daily_pickup_t: np.ndarray
    freshness_limit_s: np.ndarray
    strictest_crop: tuple[tuple[str, ...], ...]
    freshness_assumption: np.ndarray
    crops: tuple[tuple[tuple[str, ...], ...], ...]
    season_days: tuple[int, ...]

    def rows(self) -> list[dict[str, Any]]:
        """One plain dict per (season, region) with anything collected, for tables."""
        out = []
        for s, season in enumerate(self.seasons):
            for r, region in enumerate(self.regions):
                if not self.crops[s][r]:
                    continue
                out.append({
                    "season": season, "region": region,
                    "region_name": GANSU_PREFECTURES.get(region, region),
                    "crops": ", ".join(self.crops[s][r]),
                    "share": round(float(self.share[s, r]), 6),
                    "daily_pickup_t": round(float(self.daily_pickup_t[s, r]), 3),
                    "freshness_limit_s": int(self.freshness_limit_s[s, r]),
                    "strictest_crop": self.strictest_crop[s][r],
                    "freshness_assumption": bool(self.freshness_assumption[s, r]),
                })
        return out


def seasonal_load(annual_t: Mapping[str, float], seasons: Sequence[Season]) -> SeasonalLoad:
    """Peak daily pickup (t/day) and freshness limit (s) per (season, region).

    Parameters
    ----------
    annual_t
        Each region's annual stored produce, t (e.g. rural population x 50.2 kg).
    seasons
        The calendar (checked: every region's shares add up to 1).

    Rules: a region's produce in a season is ``annual_t x`` the sum of its peaks' shares
    there (its own peaks, else the ``"*"`` peaks), spread evenly over the season's days;
    the freshness limit is the shortest ``CROPS[crop].freshness_limit_s`` among the crops
    collected (ties: the crop listed first). Regions are sorted.
    """
    bad = sorted(k for k, v in annual_t.items() if not (math.isfinite(v) and v >= 0))
    if bad:
        raise SpecificationError([f"annual_t[{k!r}] = {annual_t[k]}: must be finite and >= 0"
                                  for k in bad])
    regions = tuple(sorted(annual_t))
    check_calendar(seasons, regions)
    n_s, n_r = len(seasons), len(regions)
    share = np.zeros((n_s, n_r))
    limit = np.zeros((n_s, n_r), dtype=np.int64)
    assumed = np.zeros((n_s, n_r), dtype=bool)
    strictest: list[tuple[str, ...]] = []
    crops: list[tuple[tuple[str, ...], ...]] = []
    for s, season in enumerate(seasons):
        row_strict, row_crops = [], []
        for r, region in enumerate(regions):
            peaks = season.peaks_for(region)
            share[s, r] = sum(p.share for p in peaks)
            names = tuple(p.crop for p in peaks)
            row_crops.append(names)
            if peaks:
                crop = min(names, key=lambda c: CROPS[c].freshness_limit_s)
                limit[s, r] = CROPS[crop].freshness_limit_s
                assumed[s, r] = CROPS[crop].assumption
                row_strict.append(crop)
            else:
                row_strict.append("")
        strictest.append(tuple(row_strict))
        crops.append(tuple(row_crops))
    days = tuple(s.days for s in seasons)
    annual = np.array([annual_t[r] for r in regions], dtype=float)
    daily = share * annual[None, :] / np.array(days, dtype=float)[:, None]
    return SeasonalLoad(tuple(s.name for s in seasons), regions, read_only(share),
                        read_only(daily), read_only(limit), tuple(strictest), read_only(assumed),
                        tuple(crops), days)


def trucks_needed_by_season(load: SeasonalLoad, capacity_t: float,
                            trips_per_truck: int) -> np.ndarray:
    """Trucks each (season, region) needs for its daily pickup, by tonnage alone.

    ``ceil(daily_pickup_t / (capacity_t x trips_per_truck))`` per cell
    (:func:`optimize.fleet.allocation.trucks_needed`); a lower bound: freshness and driving
    hours may need more (the province run may pass routing-based needs to
    :func:`share_fleet`).
    """
    return np.array([trucks_needed(row, capacity_t, trips_per_truck)
                     for row in load.daily_pickup_t], dtype=np.int64).reshape(
                         load.daily_pickup_t.shape)


# --------------------------------------------------------------------------------------
# Fleet across seasons
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Move:
    """Trucks re-based from one region to another between two seasons."""

    from_season: str
    to_season: str
    origin: str
    destination: str
    trucks: int
    distance_km: float

    @property
    def truck_km(self) -> float:
        """Repositioning kilometres of this move (trucks x distance)."""
        return self.trucks * self.distance_km


@dataclass(frozen=True)
class Transition:
    """All moves from one season to the next; ``wraps_year`` from the last to the first."""

    from_season: str
    to_season: str
    wraps_year: bool
    moves: tuple[Move, ...]

    @property
    def trucks_moved(self) -> int:
        """Trucks that change region."""
        return sum(m.trucks for m in self.moves)

    @property
    def truck_km(self) -> float:
        """Repositioning kilometres of the transition."""
        return sum(m.truck_km for m in self.moves)


@dataclass(frozen=True)
class Shortfall:
    """A (season, region) that got fewer trucks than it needs, and why."""

    season: str
    region: str
    need: int
    got: int
    reason: str


@dataclass(frozen=True)
class SeasonalFleet:
    """Trucks per (season, region), the moves between seasons, and the reasons.

    Attributes
    ----------
    seasons, regions
        Labels of the (S, R) arrays.
    trucks
        Trucks based per (season, region); each season sums to at most ``total_trucks``
        (to exactly the total whenever any season has any need or weight).
    need
        Trucks needed per (season, region) (the input).
    weight
        What spare trucks are shared by (workload or load; the input, else ``need``).
    total_trucks
        The fleet.
    reasons
        (S, R) one sentence per cell with need or trucks ("" otherwise).
    shortfalls
        Every (season, region) with fewer trucks than its need.
    transitions
        Season to next season, in order, then the last back to the first (next year).
    distances_note, distances_approximate
        Provenance of the distances the moves are costed with.
    """

    seasons: tuple[str, ...]
    regions: tuple[str, ...]
    trucks: np.ndarray
    need: np.ndarray
    weight: np.ndarray
    total_trucks: int
    reasons: tuple[tuple[str, ...], ...]
    shortfalls: tuple[Shortfall, ...]
    transitions: tuple[Transition, ...]
    distances_note: str
    distances_approximate: bool
    rule: str = field(default=(
        "per season: each region gets its need, then spare trucks by D'Hondt on weight; "
        "when the need exceeds the fleet, D'Hondt on need, never past it (ties to the "
        "region listed first); moves: min-cost transportation of surplus to deficit "
        "regions on shortest inter-region distances"))

    @property
    def moves(self) -> tuple[Move, ...]:
        """Every move of every transition, in order."""
        return tuple(m for t in self.transitions for m in t.moves)

    @property
    def repositioning_truck_km(self) -> float:
        """Truck-km of repositioning over a whole year (including the wrap-around)."""
        return sum(t.truck_km for t in self.transitions)

    def rows(self) -> list[dict[str, Any]]:
        """One plain dict per (season, region) with need or trucks, for tables."""
        return [{"season": season, "region": region,
                 "region_name": GANSU_PREFECTURES.get(region, region),
                 "need": int(self.need[s, r]), "trucks": int(self.trucks[s, r]),
                 "reason": self.reasons[s][r]}
                for s, season in enumerate(self.seasons)
                for r, region in enumerate(self.regions)
                if self.need[s, r] or self.trucks[s, r]]


def share_fleet(need: Any, total_trucks: int = PROVINCE_TRUCKS,
                distances: RegionDistances | None = None, *, seasons: Sequence[str],
                regions: Sequence[str] | None = None, weight: Any = None) -> SeasonalFleet:
    """Base ``total_trucks`` per season and region, and move them between seasons.

    Parameters
    ----------
    need
        (S, R) whole trucks each region needs in each season (>= 0).
    total_trucks
        The shared fleet (the province's 720).
    distances
        Inter-region distances; their regions label the columns of ``need`` unless
        ``regions`` is given (then the matrix is taken in that order).
    seasons
        Names of the S seasons, in calendar order.
    regions
        Column labels of ``need``; default ``distances.regions``.
    weight
        (S, R) what spare trucks follow (workload in truck-hours, or daily load t);
        default ``need``.

    Rules, per season: if the season's total need fits the fleet, every region gets its
    need and the spare trucks go one at a time by D'Hondt on ``weight`` (next truck to the
    largest ``weight / (trucks + 1)``); a season with no weight anywhere spreads its spares
    by the regions' weight summed over the seasons (else their summed need; with no need
    and no weight anywhere, no truck is placed). If the need exceeds the fleet, the
    fleet is shared by D'Hondt on the need, never past a region's need. Ties go to the
    region listed first. Between consecutive seasons, and from the last back to the first
    (next year), regions with more trucks than in the next season send the difference,
    regions with fewer receive it, by a min-cost transportation problem on the shortest
    inter-region distances (truck-km). A region never both sends and receives, and the
    distances are closed under shortest paths, so no truck-km can be saved by relaying.
    """
    if distances is None:
        raise SpecificationError(["distances: inter-region distances are needed for the moves"])
    labels = tuple(regions) if regions is not None else distances.regions
    dist = distances.subset(labels)
    need_arr = np.array(need, dtype=float)
    weight_arr = need_arr if weight is None else np.array(weight, dtype=float)
    errors = _fleet_input_errors(need_arr, weight_arr, total_trucks, seasons, len(labels))
    if errors:
        raise SpecificationError(errors)
    need_int = need_arr.astype(np.int64)
    total = int(total_trucks)
    trucks, reasons, shortfalls = _base_trucks(need_int, weight_arr, total, seasons, labels)
    transitions = _transitions(seasons, trucks, labels, _shortest_paths(dist.km))
    return SeasonalFleet(tuple(seasons), labels, read_only(trucks), read_only(need_int),
                         read_only(weight_arr), total, reasons, shortfalls,
                         transitions, dist.note, dist.approximate)


def _fleet_input_errors(need: np.ndarray, weight: np.ndarray, total_trucks: int,
                        seasons: Sequence[str], n_r: int) -> list[str]:
    """Every defect of :func:`share_fleet`'s inputs (``need`` and ``weight`` as floats)."""
    n_s = len(seasons)
    errors = []
    if isinstance(total_trucks, bool) or not isinstance(total_trucks, int | np.integer) \
            or total_trucks < 0:
        errors.append(f"total_trucks {total_trucks!r}: expected a whole number >= 0")
    if len(set(seasons)) != n_s:
        errors.append("seasons: names must be distinct")
    if need.shape != (n_s, n_r):
        errors.append(f"need: expected shape ({n_s} seasons, {n_r} regions), got "
                      f"{need.shape}")
    elif not (np.isfinite(need).all() and (need >= 0).all()
              and (need == np.round(need)).all()):
        errors.append("need: expected whole numbers of trucks >= 0")
    if weight.shape != need.shape:
        errors.append(f"weight: expected shape {need.shape}, got {weight.shape}")
    elif not (np.isfinite(weight).all() and (weight >= 0).all()):
        errors.append("weight: every value must be finite and >= 0")
    return errors


def _base_trucks(need: np.ndarray, weight: np.ndarray, total: int, seasons: Sequence[str],
                 labels: tuple[str, ...]
                 ) -> tuple[np.ndarray, tuple[tuple[str, ...], ...], tuple[Shortfall, ...]]:
    """Trucks per (season, region) by the rules of :func:`share_fleet`, with a reason per
    cell and the shortfalls."""
    annual_weight = weight.sum(axis=0)
    annual_need = need.sum(axis=0).astype(float)
    trucks = np.zeros(need.shape, dtype=np.int64)
    reasons: list[tuple[str, ...]] = []
    shortfalls: list[Shortfall] = []
    for s, season in enumerate(seasons):
        spread, spare_by = _spare_weight(weight[s], annual_weight, annual_need)
        trucks[s] = _base_season(need[s], spread, total)
        total_need = int(need[s].sum())
        texts = []
        for r, region in enumerate(labels):
            got, wanted = int(trucks[s, r]), int(need[s, r])
            text = _fleet_reason(season, region, wanted, got, total_need, total, spare_by)
            texts.append(text)
            if got < wanted:
                shortfalls.append(Shortfall(season, region, wanted, got, text))
        reasons.append(tuple(texts))
    return trucks, tuple(reasons), tuple(shortfalls)


def _base_season(need: np.ndarray, spread: np.ndarray, total: int) -> np.ndarray:
    """One season's trucks per region: the need, then spares by D'Hondt on ``spread``; or,
    when the need exceeds the fleet, the fleet by D'Hondt on the need, never past it."""
    row = np.zeros(len(need), dtype=np.int64)
    total_need = int(need.sum())
    if total_need <= total:
        row[:] = need
        dhondt(spread, row, total - total_need, None)
    else:
        dhondt(need.astype(float), row, total, need)
    return row


def _transitions(seasons: Sequence[str], trucks: np.ndarray, labels: tuple[str, ...],
                 km: np.ndarray) -> tuple[Transition, ...]:
    """The moves from each season to the next, and from the last back to the first."""
    n_s = len(seasons)
    return tuple(
        _transition(seasons[s], seasons[(s + 1) % n_s], s + 1 == n_s, trucks[s],
                    trucks[(s + 1) % n_s], labels, km)
        for s in range(n_s) if n_s > 1)


def fleet_for_load(load: SeasonalLoad, distances: RegionDistances,
                   total_trucks: int = PROVINCE_TRUCKS, capacity_t: float = TRUCK_CAPACITY_T,
                   trips_per_truck: int = TRIPS_PER_TRUCK) -> SeasonalFleet:
    """:func:`share_fleet` with the tonnage need of :func:`trucks_needed_by_season` and the
    daily pickup (t/day) as the weight of spare trucks. Defaults as the scenario's
    ``truck_capacity_t`` (3 t, an assumption) and ``trips_per_truck`` (4, an assumption),
    both from :mod:`optimize.programme`."""
    need = trucks_needed_by_season(load, capacity_t, trips_per_truck)
    return share_fleet(need, total_trucks, distances, seasons=load.seasons,
                       regions=load.regions, weight=load.daily_pickup_t)


def _spare_weight(weight: np.ndarray, annual_weight: np.ndarray,
                  annual_need: np.ndarray) -> tuple[np.ndarray, str]:
    """What a season's spare trucks follow, and its name for the reasons."""
    if weight.sum() > 0:
        return weight, "this season's weight"
    if annual_weight.sum() > 0:
        return annual_weight, "the regions' weight over the year (none this season)"
    return annual_need, "the regions' need over the year (no weight given)"


def _fleet_reason(season: str, region: str, need: int, got: int, total_need: int,
                  total: int, spare_by: str) -> str:
    name = GANSU_PREFECTURES.get(region, region)
    label = f"{season}, {region} {name}" if name != region else f"{season}, {region}"
    if need == 0 and got == 0:
        return ""
    text = f"{label}: {got} trucks for a need of {need}"
    if got < need:
        return (text + f"; {need - got} short: the season needs {total_need} trucks in all, "
                f"the fleet has {total}, shared by D'Hondt on need")
    if got > need:
        return text + f"; +{got - need} spare by D'Hondt on {spare_by}"
    return text + "; need met"


def _shortest_paths(km: np.ndarray) -> np.ndarray:
    """Floyd-Warshall closure: a direct move never costs more than a relay."""
    out: np.ndarray = np.array(km, dtype=float)
    for k in range(len(out)):
        out = np.minimum(out, out[:, k:k + 1] + out[k:k + 1, :])
    return out


def _transition(a_name: str, b_name: str, wraps: bool, a: np.ndarray, b: np.ndarray,
                regions: tuple[str, ...], km: np.ndarray) -> Transition:
    """Min-cost transportation of ``a - b`` surpluses to deficits (cost: whole metres)."""
    diff = a.astype(np.int64) - b.astype(np.int64)
    senders = [i for i in range(len(diff)) if diff[i] > 0]
    receivers = [j for j in range(len(diff)) if diff[j] < 0]
    if diff.sum() != 0:  # cannot happen: every season places all trucks or none at all
        raise SpecificationError([f"{a_name} -> {b_name}: {int(a.sum())} trucks based, then "
                                  f"{int(b.sum())}; the fleet must be the same in both"])
    if not senders:
        return Transition(a_name, b_name, wraps, ())
    flow = min_cost_flow.SimpleMinCostFlow()
    n_send = len(senders)
    arcs = []
    for si, i in enumerate(senders):
        for rj, j in enumerate(receivers):
            arc = flow.add_arc_with_capacity_and_unit_cost(
                si, n_send + rj, int(diff[i]), int(round(km[i, j] * 1000)))
            arcs.append((arc, i, j))
    for si, i in enumerate(senders):
        flow.set_node_supply(si, int(diff[i]))
    for rj, j in enumerate(receivers):
        flow.set_node_supply(n_send + rj, int(diff[j]))
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"{a_name} -> {b_name}: min-cost flow ended with status {status}")
    moves = tuple(Move(a_name, b_name, regions[i], regions[j], int(flow.flow(arc)),
                       float(km[i, j]))
                  for arc, i, j in arcs if flow.flow(arc) > 0)
    return Transition(a_name, b_name, wraps, moves)
