"""Refrigerated-truck routing for one cold store: collect produce before it spoils.

One call plans one store's day. Trucks based at the store (the depot, node 0) drive out,
load produce at villages (pickups, nodes 1..n) and bring it into cold storage. A truck may
make several trips in its shift; each trip starts and ends at the store, and unloading
there takes ``unload_s``. This module sees integer matrices and returns frozen
dataclasses; it imports neither geopandas nor osmnx (ARCHITECTURE.md, principle 1).

Formulation (OR-Tools routing, CamelCase ``pywrapcp`` API)
----------------------------------------------------------
Vehicles are truck-trip *slots*: ``n_trucks * trips_per_truck`` of them, slot
``v = truck * trips_per_truck + trip``, all starting and ending at node 0. An unused slot
is an empty route (start -> end, cost 0).

Objective
    minimise  sum of arc distances (metres)  +  sum of drop penalties.
    Distance, not time, is the arc cost: fuel (about 14 L/100 km for a 4.2 m reefer) and
    the cold-chain freight rate (yuan per t km) are per kilometre (PARAMETERS.md §2), while
    time is already bounded by the shift and the freshness limit. The default drop penalty
    exceeds the length of any complete solution, so serving one more pickup always beats
    any saving in distance: the solver serves as many pickups as it can, then drives as
    little as it can.

Load dimension
    transit = tonnes at the pickup, in whole kilograms (``RegisterUnaryTransitVector``);
    capacity = truck capacity in kilograms. Pickups are rounded up and the capacity down,
    so rounding never lets an overloaded trip through.

Time dimension
    transit(i -> j) = loading time at i (0 at the store) + travel(i, j), plus ``unload_s``
    when a pickup ``i`` returns to the store ``j = 0``; an empty slot (store -> store)
    costs 0. Cumul at a pickup = arrival time there (seconds from shift start); cumul at a
    slot's end = when the truck has unloaded and is free again. Capacity ``shift_s``
    bounds every trip's end, so all trips including the last unloading fit in the shift.
    Slack is 0: a truck never idles *inside* a trip, because produce on board would age
    without the freshness dimension seeing it. Waiting *between* trips is free: the start
    cumul of each slot is a variable in ``[0, shift_s]``.

Freshness dimension
    transit(store -> j) = 0; transit(i -> j) = loading time at i + travel(i, j) for a
    pickup i (to another pickup or to the store; no unloading). Start cumul fixed to 0,
    slack 0, capacity ``freshness_limit_s``. The cumul is therefore 0 on arrival at the
    first pickup and grows with the trip's clock from there, so at the slot's end it is
    *the age of the first, and oldest, pickup on board when it reaches the store* (age
    counted from the truck's arrival at the pickup, as loading starts). Every later pickup
    is younger, and cumuls only grow along a route, so bounding the end cumul by the limit
    bounds the age of every pickup on the trip.

Freshness by crop (optional ``freshness_by_pickup_s``)
    Pickup ``i`` may have its own, tighter limit ``L_i`` (its crop's). Then, besides the
    dimension capacity (the store-wide limit), ``F(end of i's slot) <= F(i) + L_i`` with
    ``F`` the freshness cumul: the end cumul is picked by an ``Element`` on the slot
    variable of ``i`` (index shifted by one, so a dropped pickup, slot -1, reads 0).

Trip chaining
    For each truck and trip k: ``time.End(slot k) <= time.Start(slot k + 1)`` (a
    ``solver.Add`` on the cumul variables): the next trip leaves only after this one has
    unloaded. An unused slot has start = end and imposes nothing.

Mixed fleet (optional ``trucks``)
    One :class:`TruckType` per truck replaces ``n_trucks`` identical trucks; each truck
    still has ``trips_per_truck`` slots, and each slot gets its truck's capacity (load
    dimension) and shift (time dimension) via ``AddDimensionWithVehicleCapacity``. The
    objective becomes money in whole yuan-cents: each slot's arc cost is
    ``cost_per_km x km + cost_per_h x h`` (``SetArcCostEvaluatorOfVehicle``, hours = the
    time transit: loading, driving, unloading; waiting at the store is free) and the
    truck's fixed cost sits on its first slot (``SetFixedCostOfVehicle``), with
    ``active(slot k + 1) <= active(slot k)`` so a used truck always uses its first slot
    and pays the fixed cost exactly once. Screening tests loads against the largest
    truck and round trips against the longest shift. Without ``trucks`` the model is
    exactly the one above (objective in metres).

Time windows (optional ``time_window_s``)
    The time cumul at pickup ``i`` (arrival = start of loading) is restricted to its
    window with ``CumulVar(...).SetRange``. Slack stays 0, so a truck never waits *inside*
    a trip: waiting there would age the produce already on board unseen by the freshness
    dimension. A truck waits for a window only at the store, by leaving later (each
    slot's start cumul is free); this is the same as slack before the first pickup,
    where the freshness clock has not started. Cost of that choice: a trip whose later
    stop opens after its earlier stop closes is split into two trips even when waiting
    would have kept the produce fresh enough. The reported schedule
    (:func:`_earliest_departure`) leaves each trip as early as its windows allow.

Deliveries (optional ``delivery_t``)
    Tonnes carried from the store to a stop are loaded at the start: the ``load``
    dimension has transit ``pickup - delivery`` (kg, each rounded up) and a free start
    cumul, and a second dimension ``delivered`` (transit = delivery, start 0) sums the
    route's deliveries; ``load.Start(v) == delivered.End(v)`` makes the truck leave with
    all of them. The load cumul is then the load on board at every point of the trip
    (leaving, between stops, arriving back), and the capacity bound on every cumul
    holds the capacity everywhere.

Optional pickups
    Every pickup is a one-node disjunction with the drop penalty (``AddDisjunction``), so
    the solver always returns a plan; a pickup left out is reported with a reason.

Screening
    Before solving, pickups that no truck could serve are removed with a precise reason
    instead of being handed to the solver: no truck at the store, load over the truck's
    capacity, store -> pickup -> store longer than the shift, or loading plus the drive to
    the store longer than the freshness limit (see :func:`screen_pickups`).

Search and reproducibility
    ``PATH_CHEAPEST_ARC`` builds the first solution, then ``GUIDED_LOCAL_SEARCH`` improves
    it. Routing local search has no random component, so the only source of
    non-determinism is *where it stops*: a wall-clock limit stops it after however many
    moves the machine managed. The search is therefore stopped by ``solution_limit``, a
    count of solutions the local search accepts, which is a fixed amount of work: the same
    problem gives the same plan on any load and any machine with the same OR-Tools build.
    The budget is computed from ``time_limit_s`` and the number of pickups by a fixed,
    measured cost model (:func:`default_search_solutions`), so the time limit still says
    roughly how hard to search, but through arithmetic, not a clock. A second counter,
    search-tree branches (also derived from ``time_limit_s``), stops the degenerate case
    where the local search has no move to accept (one pickup) and would otherwise run
    until the clock stops it. ``WALL_SAFETY x time_limit_s + 1 s`` stays on as a wall-clock
    safety cap; when it fires before the budget is spent, the status says so (``"time limit (not
    reproducible)"``). ``lns_time_limit`` only bounds the CP-based LNS operators, which
    are off by default, so it plays no part.

Engines and the modules behind this one
    ``RoutingProblem.engine`` picks the engine for a store: ``"ortools"`` (default, the
    model above), ``"auto"`` (PyVRP first, its plan checked by :func:`check_trips`, this
    model when PyVRP's plan breaks a limit or drops a pickup; every :class:`Trip` records
    its ``engine``), ``"pyvrp"`` (unchecked, for measurement); see
    :mod:`optimize.routing_pyvrp`. Related modules:

    - :mod:`optimize.routing_engines`: one-depot CVRP/VRPTW (no freshness, no chained
      trips) on PyVRP or OR-Tools, with an independent cost and feasibility check; what
      the CVRPLIB/Solomon benchmarks measure (``benchmarks/routing.py``).
    - :mod:`optimize.routing_decompose`: many depots: fleet shares with reasons, a
      parallel solve under one wall-clock budget, and a pass across depot borders.
    - :mod:`optimize.routing_province`: a seeded synthetic province case for scale tests.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from optimize.errors import SpecificationError

KG_PER_T = 1000
#: Tolerance for comparing tonnages that were summed in floating point, in tonnes.
LOAD_TOL_T = 1e-6
#: Largest matrix or service entry accepted, so that sums of them stay far inside int64.
MAX_ENTRY = 2**31 - 1
#: Assumed search cost per accepted solution per squared pickup count, seconds
#: (measured 1.7e-6 to 2.9e-6; see :func:`default_search_solutions`).
SEARCH_S_PER_PICKUP2 = 5e-6
SEARCH_MIN_SOLUTIONS = 50
SEARCH_MAX_SOLUTIONS = 5_000
#: Search-tree branches allowed per second of ``time_limit_s`` (see :func:`_branch_budget`).
SEARCH_BRANCHES_PER_S = 100_000
#: Branch-budget multiplier when ``trucks``, ``time_window_s`` or ``delivery_t`` is set
#: (see :func:`_branch_budget`).
SEARCH_BRANCH_FACTOR_OPTIONAL = 20
WALL_SAFETY = 3.0  # wall-clock cap as a multiple of time_limit_s (see "Search")
#: Engines a store's problem may ask for (see ``RoutingProblem.engine``).
STORE_ENGINES = ("ortools", "auto", "pyvrp")

_STATUS = routing_enums_pb2.RoutingSearchStatus
_ROUTING_STATUS = {
    _STATUS.ROUTING_NOT_SOLVED: "not solved",
    _STATUS.ROUTING_SUCCESS: "success",
    _STATUS.ROUTING_PARTIAL_SUCCESS_LOCAL_OPTIMUM_NOT_REACHED: "success",
    _STATUS.ROUTING_FAIL: "fail",
    _STATUS.ROUTING_FAIL_TIMEOUT: "fail: time limit before a first solution",
    _STATUS.ROUTING_INVALID: "invalid model",
    _STATUS.ROUTING_INFEASIBLE: "infeasible",
    _STATUS.ROUTING_OPTIMAL: "optimal",
}


# --------------------------------------------------------------------------------------
# Problem and result
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TruckType:
    """One truck of a mixed fleet (``RoutingProblem.trucks`` holds one entry per truck).

    Attributes
    ----------
    name
        Type name, reported on every :class:`Trip` (e.g. ``"4.2 m reefer"``). Entries that
        share a name must be identical: the name stands for the type in :func:`check_trips`.
    capacity_t
        Payload, tonnes (> 0).
    fixed_cost_yuan
        Cost of using this truck at all on the day (driver, depreciation), yuan; charged
        once per used truck, however many trips it makes.
    cost_per_km_yuan
        Running cost per kilometre driven (fuel, tolls, wear), yuan/km.
    cost_per_h_yuan
        Cost per hour of working time (driver wage, reefer unit): charged on loading,
        driving and unloading, not on waiting at the store between trips, yuan/h.
    shift_s
        This truck's working day, seconds (> 0); ``None`` uses ``RoutingProblem.shift_s``.
    """

    name: str
    capacity_t: float
    fixed_cost_yuan: float = 0.0
    cost_per_km_yuan: float = 0.0
    cost_per_h_yuan: float = 0.0
    shift_s: int | None = None


@dataclass(frozen=True, eq=False)
class RoutingProblem:
    """One cold store's pickups, trucks and limits for one day.

    The arrays are copied to read-only ``int64`` / ``float64`` arrays on construction and
    every input is checked; a problem that cannot be right raises
    :class:`~optimize.errors.SpecificationError` listing every culprit.

    Attributes
    ----------
    time_s
        ``(n+1, n+1)`` whole seconds of driving; node 0 is the store, node ``i + 1`` is
        pickup ``i``. Need not be symmetric. Encode an unreachable pair as a large finite
        value (at most :data:`MAX_ENTRY`); screening and the time dimension then keep
        trucks off it.
    distance_m
        ``(n+1, n+1)`` whole metres, same nodes; the arc cost.
    pickup_t
        ``(n,)`` tonnes to collect at each pickup, already split so that each fits a truck
        (a larger one is reported, not split, since splitting is the caller's choice).
    service_s
        ``(n,)`` loading time at each pickup, seconds.
    n_trucks
        Trucks based at this store (>= 0; 0 leaves every pickup unserved with a reason).
    trips_per_truck
        Trips a truck may make in its shift, each from the store back to the store (>= 1).
    truck_capacity_t
        Payload of one truck, tonnes (> 0).
    shift_s
        A truck's working day in seconds, all trips and unloading included (> 0).
    freshness_limit_s
        Longest time from a truck's arrival at a pickup to its arrival at the store, s.
    unload_s
        Time to unload at the store after each non-empty trip, seconds.
    drop_penalty
        Objective cost of leaving one pickup unserved; ``None`` derives one larger than
        any complete solution's distance (see :func:`default_drop_penalty`).
    time_limit_s
        Search effort in seconds: converted to a reproducible solution budget (see
        ``search_solutions``) and also kept as a wall-clock safety cap.
    seed
        Recorded for the pipeline's provenance. OR-Tools routing local search has no
        random component at these settings, so the plan does not depend on it.
    search_solutions
        Local-search budget: how many solutions the search may accept (OR-Tools
        ``solution_limit``); ``None`` derives it from ``time_limit_s`` with
        :func:`default_search_solutions`.
    freshness_by_pickup_s
        ``(n,)`` optional per-pickup freshness limits in whole seconds (by crop,
        PARAMETERS.md §4); pickup ``i``'s limit is the smaller of this and
        ``freshness_limit_s``. ``None``: the store-wide limit for all.
    engine
        ``"ortools"`` (default: the model above), ``"auto"`` (PyVRP first, its plan checked
        with :func:`check_trips`; OR-Tools when that plan breaks freshness or any other
        limit) or ``"pyvrp"`` (PyVRP only, unchecked: PyVRP has no freshness cap, so
        its plan may break the limit; for measurement). See :mod:`optimize.routing_pyvrp`.
        With ``trucks``, ``time_window_s`` or ``delivery_t`` set, ``"auto"`` and
        ``"pyvrp"`` solve with OR-Tools (the PyVRP path does not model them) and the
        status says so.
    trucks
        Optional mixed fleet, one :class:`TruckType` per truck. When given it replaces
        ``n_trucks``, ``truck_capacity_t`` and ``shift_s`` (each truck still makes up to
        ``trips_per_truck`` trips), and the objective becomes money in yuan-cents:
        per-km and per-hour costs on every arc plus each used truck's fixed cost (see
        "Mixed fleet" in the module docstring); ``drop_penalty`` is then in yuan-cents
        too. ``None`` (default): ``n_trucks`` identical trucks, objective in metres.
    time_window_s
        Optional ``(n, 2)`` whole seconds from shift start: pickup ``i`` must be reached
        (loading starts on arrival) no earlier than ``[i, 0]`` and no later than
        ``[i, 1]``, e.g. harvest ready at 06:00. A truck waits for a window only at the
        store, before the trip leaves, never inside a trip (see "Time windows").
        ``None``: no windows.
    delivery_t
        Optional ``(n,)`` tonnes carried *from* the store *to* stop ``i`` (crates,
        inputs), dropped there before the pickup is loaded. A trip leaves loaded with all
        its deliveries; capacity holds at every point (see "Deliveries"). ``None``: none.
    """

    time_s: np.ndarray
    distance_m: np.ndarray
    pickup_t: np.ndarray
    service_s: np.ndarray
    n_trucks: int
    trips_per_truck: int
    truck_capacity_t: float
    shift_s: int
    freshness_limit_s: int
    unload_s: int = 0
    drop_penalty: int | None = None
    time_limit_s: float = 5.0
    seed: int = 0
    search_solutions: int | None = None
    engine: str = "ortools"
    freshness_by_pickup_s: np.ndarray | None = None
    trucks: tuple[TruckType, ...] | None = None
    time_window_s: np.ndarray | None = None
    delivery_t: np.ndarray | None = None

    def __post_init__(self) -> None:
        reasons = (_array_problems(self) + _scalar_problems(self) + _crop_problems(self)
                   + _truck_problems(self) + _window_problems(self)
                   + _delivery_problems(self))
        if reasons:
            raise SpecificationError(reasons)
        for name, dtype in (("freshness_by_pickup_s", np.int64), ("time_window_s", np.int64),
                            ("delivery_t", np.float64)):
            if getattr(self, name) is not None:
                object.__setattr__(self, name, _frozen(getattr(self, name), dtype))
        if self.trucks is not None:
            object.__setattr__(self, "trucks", tuple(self.trucks))
        for name in ("time_s", "distance_m", "service_s"):
            object.__setattr__(self, name, _frozen(getattr(self, name), np.int64))
        object.__setattr__(self, "pickup_t", _frozen(self.pickup_t, np.float64))

    @property
    def n_pickups(self) -> int:
        """Number of pickups ``n`` (nodes 1..n)."""
        return int(self.pickup_t.shape[0])

    @property
    def fleet(self) -> tuple[TruckType, ...]:
        """One :class:`TruckType` per truck: ``trucks``, or ``n_trucks`` unnamed copies of
        the store-wide truck (``truck_capacity_t``, ``shift_s``, no money costs)."""
        if self.trucks is not None:
            return self.trucks
        return (TruckType("", self.truck_capacity_t, shift_s=self.shift_s),) * self.n_trucks

    def shift_of(self, truck: TruckType) -> int:
        """``truck``'s shift in seconds (its own, else the store-wide ``shift_s``)."""
        return self.shift_s if truck.shift_s is None else int(truck.shift_s)

    @property
    def largest_capacity_t(self) -> float:
        """Payload of the biggest truck, tonnes: what screening tests a load against."""
        caps = [t.capacity_t for t in self.fleet]
        return max(caps) if caps else self.truck_capacity_t

    @property
    def longest_shift_s(self) -> int:
        """Longest shift of any truck, seconds: what screening tests a round trip against."""
        shifts = [self.shift_of(t) for t in self.fleet]
        return max(shifts) if shifts else self.shift_s

    def delivery_of(self, pickup: int) -> float:
        """Tonnes delivered from the store to ``pickup`` (0 without ``delivery_t``)."""
        return 0.0 if self.delivery_t is None else float(self.delivery_t[pickup])

    def window_of(self, pickup: int) -> tuple[int, int] | None:
        """``(earliest, latest)`` arrival at ``pickup``, seconds, or ``None``."""
        if self.time_window_s is None:
            return None
        return int(self.time_window_s[pickup, 0]), int(self.time_window_s[pickup, 1])

    def freshness_s(self, pickup: int) -> int:
        """Freshness limit of ``pickup``: its crop's if given, capped by the store's, s."""
        if self.freshness_by_pickup_s is None:
            return self.freshness_limit_s
        return min(self.freshness_limit_s, int(self.freshness_by_pickup_s[pickup]))


@dataclass(frozen=True)
class Trip:
    """One trip of one truck: store -> pickups -> store.

    Attributes
    ----------
    truck, trip
        Truck number at this store (0-based, used trucks numbered first) and the trip's
        rank in that truck's day (0-based, in time order).
    stops
        Pickup indices ``0..n-1`` (not node indices) in visiting order.
    arrival_s
        Arrival time at each stop, seconds from shift start; loading starts on arrival.
    load_after_t
        Tonnes on board after loading at each stop.
    start_s
        Departure from the store, seconds from shift start.
    end_s
        When unloading at the store is finished and the truck is free again
        (``store_arrival_s + unload_s``).
    distance_m
        Length of the trip, metres.
    store_arrival_s
        Arrival back at the store with the load, seconds from shift start.
    max_age_s
        Age of the oldest produce on arrival at the store (first stop to store), seconds.
    engine
        The engine whose search produced this trip: ``"ortools"`` or ``"pyvrp"``.
    truck_type
        :attr:`TruckType.name` of the truck (``""`` without ``RoutingProblem.trucks``).
    start_load_t
        Tonnes on board leaving the store: the trip's deliveries (0 without
        ``RoutingProblem.delivery_t``). ``load_after_t`` is then after delivering and
        loading at each stop.
    """

    truck: int
    trip: int
    stops: tuple[int, ...]
    arrival_s: tuple[int, ...]
    load_after_t: tuple[float, ...]
    start_s: int
    end_s: int
    distance_m: int
    store_arrival_s: int = 0
    max_age_s: int = 0
    engine: str = "ortools"
    truck_type: str = ""
    start_load_t: float = 0.0


@dataclass(frozen=True)
class RoutingResult:
    """A store's day plan: the trips and every pickup left out with its reason.

    Attributes
    ----------
    trips
        Non-empty trips, sorted by ``(truck, trip)``.
    unserved
        ``(pickup index, reason)`` for every pickup not on a trip, sorted by index.
    status
        ``"success"`` (search stopped at its reproducible budget), ``"time limit (not
        reproducible)"``, ``"no pickups"``, ``"nothing to route"`` (all screened out) or
        an OR-Tools failure.
    objective
        OR-Tools objective: metres driven plus drop penalties of the pickups the solver
        left out (screened pickups are not in the model); with ``trucks`` given,
        yuan-cents (running and fixed costs) plus drop penalties.
    time_s
        Wall-clock time spent building and solving, seconds.
    trucks_used
        Trucks with at least one trip.
    distance_m
        Total metres over all trips.
    served_t
        Tonnes collected over all trips.
    """

    trips: tuple[Trip, ...]
    unserved: tuple[tuple[int, str], ...]
    status: str
    objective: int
    time_s: float
    trucks_used: int
    distance_m: int
    served_t: float = 0.0


# --------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------
def _frozen(values: np.ndarray, dtype: type) -> np.ndarray:
    """A read-only copy, so a problem cannot change after it was checked."""
    out: np.ndarray = np.array(values, dtype=dtype, copy=True)
    out.setflags(write=False)
    return out


def _first_bad(values: np.ndarray, bad: np.ndarray, name: str, what: str) -> list[str]:
    """One reason naming up to three offending entries of ``name``."""
    where = np.argwhere(bad)
    if where.size == 0:
        return []
    shown = ", ".join(
        f"{name}[{', '.join(str(int(i)) for i in idx)}] = {values[tuple(idx)]}"
        for idx in where[:3]
    )
    more = f" and {len(where) - 3} more" if len(where) > 3 else ""
    return [f"{name}: {what}: {shown}{more}"]


def _numeric_problems(values: np.ndarray, name: str, *, whole: bool) -> list[str]:
    """Non-numeric, non-finite, negative or (for seconds and metres) fractional or huge."""
    if values.dtype.kind not in "iuf":
        return [f"{name}: expected numbers, got dtype {values.dtype}"]
    as_float = values.astype(np.float64)
    finite = np.isfinite(as_float)
    out = _first_bad(values, ~finite, name, "not finite")
    out += _first_bad(values, finite & (as_float < 0), name, "negative")
    if whole:
        frac = finite & (as_float != np.round(as_float))
        out += _first_bad(values, frac, name, "not a whole number")
        huge = finite & (as_float > MAX_ENTRY)
        out += _first_bad(values, huge, name, f"over {MAX_ENTRY} (encode 'unreachable' "
                          "as a large finite value no higher than that)")
    return out


def _array_problems(p: RoutingProblem) -> list[str]:
    """Shapes and values of the four arrays, each reason naming the array and entry."""
    arrays = {k: np.asarray(getattr(p, k)) for k in ("time_s", "distance_m", "pickup_t",
                                                      "service_s")}
    pickup = arrays["pickup_t"]
    if pickup.ndim != 1:
        return [f"pickup_t: expected a 1-D array of tonnes, got shape {pickup.shape}"]
    n = pickup.shape[0]
    out = []
    for name, want in (("time_s", (n + 1, n + 1)), ("distance_m", (n + 1, n + 1)),
                       ("service_s", (n,))):
        if arrays[name].shape != want:
            out.append(f"{name}: expected shape {want} for {n} pickups (node 0 = store), "
                       f"got {arrays[name].shape}")
    for name, values in arrays.items():
        if values.shape == (n + 1, n + 1) or values.ndim == 1:
            out += _numeric_problems(values, name, whole=name != "pickup_t")
    return out


def _scalar_problems(p: RoutingProblem) -> list[str]:
    """Counts, capacity, limits and search settings."""
    checks = [
        ("n_trucks", p.n_trucks, _is_int(p.n_trucks) and p.n_trucks >= 0, "a whole number >= 0"),
        ("trips_per_truck", p.trips_per_truck,
         _is_int(p.trips_per_truck) and p.trips_per_truck >= 1, "a whole number >= 1"),
        ("truck_capacity_t", p.truck_capacity_t, _positive(p.truck_capacity_t), "tonnes > 0"),
        ("shift_s", p.shift_s, _is_int(p.shift_s) and p.shift_s > 0, "whole seconds > 0"),
        ("freshness_limit_s", p.freshness_limit_s,
         _is_int(p.freshness_limit_s) and p.freshness_limit_s > 0, "whole seconds > 0"),
        ("unload_s", p.unload_s, _is_int(p.unload_s) and p.unload_s >= 0, "whole seconds >= 0"),
        ("drop_penalty", p.drop_penalty,
         p.drop_penalty is None or (_is_int(p.drop_penalty) and p.drop_penalty >= 0),
         "None or a whole number >= 0"),
        ("time_limit_s", p.time_limit_s, _positive(p.time_limit_s), "seconds > 0"),
        ("seed", p.seed, _is_int(p.seed), "a whole number"),
        ("search_solutions", p.search_solutions,
         p.search_solutions is None or (_is_int(p.search_solutions) and p.search_solutions > 0),
         "None or a whole number > 0"),
        ("engine", p.engine, p.engine in STORE_ENGINES, f"one of {STORE_ENGINES}"),
    ]
    return [f"{name}: expected {want}, got {value!r}" for name, value, ok, want in checks
            if not ok]


def _crop_problems(p: RoutingProblem) -> list[str]:
    """Shape and values of the optional per-pickup freshness limits."""
    if p.freshness_by_pickup_s is None:
        return []
    values = np.asarray(p.freshness_by_pickup_s)
    name = "freshness_by_pickup_s"
    if values.shape != (np.asarray(p.pickup_t).shape[0],):
        return [f"{name}: expected shape ({np.asarray(p.pickup_t).shape[0]},), "
                f"got {values.shape}"]
    out = _numeric_problems(values, name, whole=True)
    return out or _first_bad(values, values <= 0, name, "not > 0")


def _truck_problems(p: RoutingProblem) -> list[str]:
    """Each optional :class:`TruckType`: positive capacity, costs >= 0, one spec a name."""
    if p.trucks is None:
        return []
    if not isinstance(p.trucks, tuple | list) or not all(isinstance(t, TruckType)
                                                         for t in p.trucks):
        return [f"trucks: expected None or a tuple of TruckType, got {p.trucks!r}"]
    out: list[str] = []
    by_name: dict[str, TruckType] = {}
    for k, t in enumerate(p.trucks):
        checks = [
            ("name", isinstance(t.name, str) and t.name != "", "a non-empty str"),
            ("capacity_t", _positive(t.capacity_t), "tonnes > 0"),
            ("fixed_cost_yuan", _non_negative(t.fixed_cost_yuan), "yuan >= 0"),
            ("cost_per_km_yuan", _non_negative(t.cost_per_km_yuan), "yuan/km >= 0"),
            ("cost_per_h_yuan", _non_negative(t.cost_per_h_yuan), "yuan/h >= 0"),
            ("shift_s", t.shift_s is None or (_is_int(t.shift_s) and t.shift_s > 0),
             "None or whole seconds > 0"),
        ]
        out += [f"trucks[{k}].{field}: expected {want}, got {getattr(t, field)!r}"
                for field, ok, want in checks if not ok]
        if by_name.setdefault(t.name, t) != t:
            out.append(f"trucks[{k}]: name {t.name!r} is used for two different trucks")
    return out


def _window_problems(p: RoutingProblem) -> list[str]:
    """Shape ``(n, 2)``, whole seconds >= 0, and opening no later than closing."""
    if p.time_window_s is None:
        return []
    values, n = np.asarray(p.time_window_s), np.asarray(p.pickup_t).shape[0]
    if values.shape != (n, 2):
        return [f"time_window_s: expected shape ({n}, 2), got {values.shape}"]
    out = _numeric_problems(values, "time_window_s", whole=True)
    if out:
        return out
    return _first_bad(values[:, 0], values[:, 0] > values[:, 1], "time_window_s[:, 0]",
                      "opens after it closes")


def _delivery_problems(p: RoutingProblem) -> list[str]:
    """Shape ``(n,)`` and tonnes that are finite and >= 0."""
    if p.delivery_t is None:
        return []
    values, n = np.asarray(p.delivery_t), np.asarray(p.pickup_t).shape[0]
    if values.shape != (n,):
        return [f"delivery_t: expected shape ({n},), got {values.shape}"]
    return _numeric_problems(values, "delivery_t", whole=False)


def _non_negative(value: object) -> bool:
    if not isinstance(value, int | float | np.integer | np.floating) or isinstance(value, bool):
        return False
    return bool(math.isfinite(value) and value >= 0)


def _is_int(value: object) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def _positive(value: object) -> bool:
    if not isinstance(value, int | float | np.integer | np.floating) or isinstance(value, bool):
        return False
    return bool(math.isfinite(value) and value > 0)


# --------------------------------------------------------------------------------------
# Screening, bounds, defaults
# --------------------------------------------------------------------------------------
def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.0f} min"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _pickup_reasons(problem: RoutingProblem, i: int) -> list[str]:
    """Why pickup ``i`` cannot be on any trip, whatever the fleet (empty if it can).

    Loads are tested against the largest truck and round trips against the longest shift
    (:attr:`RoutingProblem.largest_capacity_t`, :attr:`RoutingProblem.longest_shift_s`),
    so a pickup only the big truck can take is kept for the solver.
    """
    t, node = problem.time_s, i + 1
    load_t, cap_t = float(problem.pickup_t[i]), problem.largest_capacity_t
    service = int(problem.service_s[i])
    out = []
    if _kg_up(load_t) > _kg_down(cap_t):
        out.append(f"load {load_t:g} t exceeds truck capacity {cap_t:g} t")
    if _kg_up(problem.delivery_of(i)) > _kg_down(cap_t):
        out.append(f"delivery {problem.delivery_of(i):g} t exceeds truck capacity {cap_t:g} t")
    to_store_s = service + int(t[node, 0])
    if to_store_s > problem.freshness_s(i):
        out.append("cannot reach the store within the freshness limit: needs "
                   f"{_minutes(to_store_s)}, limit {_minutes(problem.freshness_s(i))}")
    return out + _shift_reasons(problem, i, to_store_s)


def _shift_reasons(problem: RoutingProblem, i: int, to_store_s: int) -> list[str]:
    """A round trip to ``i`` that misses its window or ends after the longest shift."""
    out_s, shift_s, window = int(problem.time_s[0, i + 1]), problem.longest_shift_s, \
        problem.window_of(i)
    if window is None:
        round_s = out_s + to_store_s + problem.unload_s
        if round_s > shift_s:
            return [f"store -> pickup -> store with loading and unloading needs "
                    f"{_minutes(round_s)}, longer than the shift of {_minutes(shift_s)}"]
        return []
    if out_s > window[1]:
        return [f"time window closes at {_minutes(window[1])} into the shift, the drive "
                f"from the store takes {_minutes(out_s)}"]
    end_s = max(out_s, window[0]) + to_store_s + problem.unload_s
    if end_s > shift_s:
        return [f"time window opens at {_minutes(window[0])} into the shift, so a trip "
                f"to it ends at {_minutes(end_s)}, after the shift of {_minutes(shift_s)}"]
    return []


def screen_pickups(problem: RoutingProblem) -> dict[int, str]:
    """Pickups that no trip could serve, with every reason, before any solving.

    Checks, per pickup ``i`` (all that apply are joined with ``"; "``):

    - no truck based at the store (``n_trucks == 0``, or ``trucks`` empty);
    - load (or delivery) over the largest truck's capacity;
    - loading plus the drive to the store longer than the freshness limit, since even a
      trip with ``i`` alone would spoil it;
    - store -> ``i`` -> store with loading and unloading longer than the longest shift;
      with a time window: the window closes before a truck leaving at 0 can arrive, or
      it opens so late that the round trip ends after the longest shift.

    Returns
    -------
    dict
        ``{pickup index: reason}`` for the screened-out pickups only.
    """
    out = {}
    for i in range(problem.n_pickups):
        reasons = _pickup_reasons(problem, i)
        if not problem.fleet:
            reasons.insert(0, "no truck based at this store")
        if reasons:
            out[i] = "; ".join(reasons)
    return out


def _kg_up(tonnes: float) -> int:
    """Tonnes to whole kilograms, rounded up (a pickup never looks lighter)."""
    return math.ceil(round(tonnes * KG_PER_T, 6))


def _kg_down(tonnes: float) -> int:
    """Tonnes to whole kilograms, rounded down (a truck never looks bigger)."""
    return math.floor(round(tonnes * KG_PER_T, 6))


def default_drop_penalty(problem: RoutingProblem) -> int:
    """A drop penalty larger than the cost of any complete solution (metres or yuan-cents).

    A solution has at most ``n + 2 * slots`` arcs (``slots = trucks * trips_per_truck``)
    and no arc is longer than the longest entry of ``distance_m``, so a penalty of
    ``(n + 2 * slots) * max_m + 1`` makes the objective lexicographic: first serve the
    most pickups, then drive the fewest metres. With a mixed fleet (``trucks``) the same
    bound uses the dearest arc of any truck in yuan-cents, plus every truck's fixed cost.
    """
    slots = len(problem.fleet) * problem.trips_per_truck
    arcs = problem.n_pickups + 2 * slots
    if problem.trucks is not None:
        dearest = max((_cents_bound(problem, t) for t in problem.trucks), default=0)
        fixed = sum(_fixed_cents(t) for t in problem.trucks)
        return arcs * max(dearest, 1) + fixed + 1
    longest_m = int(problem.distance_m.max()) if problem.distance_m.size else 0
    return arcs * max(longest_m, 1) + 1


def default_search_solutions(n_pickups: int, time_limit_s: float) -> int:
    """Local-search budget (solutions accepted) that fits ``time_limit_s``, reproducibly.

    The budget is a fixed formula of the problem, never a clock reading, so the same
    problem always gets the same amount of search and the same plan. It converts the
    time limit with a cost model measured on seeded instances (8 to 100 pickups, 1 to 3
    trips, OR-Tools 9.15, one core): one accepted guided-local-search solution cost
    1.7 to 2.9 microseconds times ``n_pickups ** 2``. :data:`SEARCH_S_PER_PICKUP2`
    assumes 5 microseconds, so on that machine the search uses about half the limit and a
    machine up to twice as slow still stops at the budget, not the wall clock. The
    budget is clamped to ``[SEARCH_MIN_SOLUTIONS, SEARCH_MAX_SOLUTIONS]``: the floor
    buys some improvement on large stores even under a short limit (there the wall-clock
    cap may fire, and the status says so); the cap stops tiny stores, whose ``n ** 2`` is
    small, from searching long for nothing (15-pickup stores stopped improving within a
    few hundred solutions).
    """
    per_solution_s = SEARCH_S_PER_PICKUP2 * max(n_pickups, 1) ** 2
    budget = math.floor(time_limit_s / per_solution_s)
    return min(max(budget, SEARCH_MIN_SOLUTIONS), SEARCH_MAX_SOLUTIONS)


def trucks_needed_lower_bound(problem: RoutingProblem) -> int:
    """A lower bound on the trucks this store needs to serve every servable pickup.

    For fleet allocation: ``problem.n_trucks`` is ignored, and pickups that fail
    :func:`screen_pickups` for reasons other than the fleet are left out. The bound is the
    larger of

    - trips: ``ceil(tonnes / capacity)`` trips are needed, ``trips_per_truck`` per truck;
    - time: each served pickup costs at least its loading time plus its shortest way out,
      each trip its shortest way out of the store plus ``unload_s``, and a truck offers
      ``shift_s`` seconds.

    It ignores freshness, so the true need may be larger. With a mixed fleet
    (``trucks``) it uses the largest capacity and the longest shift, so it stays a bound.
    """
    trips, work_s = _trips_and_work(problem)
    if trips == 0:
        return 0
    by_time = math.ceil(work_s / problem.longest_shift_s)
    return max(math.ceil(trips / problem.trips_per_truck), by_time)


def workload_lower_bound_s(problem: RoutingProblem) -> float:
    """Truck-seconds of loading, driving and unloading the store needs at least.

    The time half of :func:`trucks_needed_lower_bound`, before dividing by the shift: used
    to share spare trucks among depots by workload.
    """
    return _trips_and_work(problem)[1]


def _trips_and_work(problem: RoutingProblem) -> tuple[int, float]:
    """Fewest trips by tonnage and the least truck-seconds, over servable pickups."""
    keep = [i for i in range(problem.n_pickups) if not _pickup_reasons(problem, i)]
    if not keep:
        return 0, 0.0
    kg = sum(_kg_up(float(problem.pickup_t[i])) for i in keep)
    trips = max(1, math.ceil(kg / max(_kg_down(problem.largest_capacity_t), 1)))
    nodes = [0] + [i + 1 for i in keep]
    sub = problem.time_s[np.ix_(nodes, nodes)].astype(np.float64)
    np.fill_diagonal(sub, np.inf)
    out_s = sub.min(axis=1)
    work_s = (sum(int(problem.service_s[i]) for i in keep) + out_s[1:].sum()
              + trips * (out_s[0] + problem.unload_s))
    return trips, float(work_s)


# --------------------------------------------------------------------------------------
# The OR-Tools model
# --------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class _Sub:
    """The screened-in part of a problem: solver node ``k`` is pickup ``pickups[k - 1]``."""

    pickups: tuple[int, ...]
    time_s: np.ndarray
    distance_m: np.ndarray
    service_s: np.ndarray
    load_kg: np.ndarray
    delivery_kg: np.ndarray


def _sub_problem(problem: RoutingProblem, keep: list[int]) -> _Sub:
    nodes = [0] + [i + 1 for i in keep]
    grid = np.ix_(nodes, nodes)
    time_s, distance_m = problem.time_s[grid].copy(), problem.distance_m[grid].copy()
    time_s[0, 0] = distance_m[0, 0] = 0  # an unused slot costs nothing
    service = np.array([0] + [int(problem.service_s[i]) for i in keep], dtype=np.int64)
    load = np.array([0] + [_kg_up(float(problem.pickup_t[i])) for i in keep], dtype=np.int64)
    drop = np.array([0] + [_kg_up(problem.delivery_of(i)) for i in keep], dtype=np.int64)
    return _Sub(tuple(keep), time_s, distance_m, service, load, drop)


def _time_transit(sub: _Sub, unload_s: int) -> list[list[int]]:
    """Loading at the from-node + travel; + unloading on the way back to the store."""
    transit = sub.service_s[:, None] + sub.time_s
    transit[1:, 0] += unload_s
    transit[0, 0] = 0
    return transit.tolist()


def _freshness_transit(sub: _Sub) -> list[list[int]]:
    """Like time, but 0 out of the store (the clock starts at the first pickup), no unload."""
    transit = sub.service_s[:, None] + sub.time_s
    transit[0, :] = 0
    return transit.tolist()


def _build_model(
    problem: RoutingProblem, sub: _Sub
) -> tuple[pywrapcp.RoutingIndexManager, pywrapcp.RoutingModel, pywrapcp.RoutingDimension]:
    """Manager, model and time dimension for the screened-in pickups (see module doc)."""
    trucks = _slot_trucks(problem)
    manager = pywrapcp.RoutingIndexManager(len(sub.pickups) + 1, len(trucks), 0)
    routing = pywrapcp.RoutingModel(manager)
    _set_costs(problem, sub, routing)
    _add_load(problem, sub, routing)
    clock = routing.RegisterTransitMatrix(_time_transit(sub, problem.unload_s))
    routing.AddDimensionWithVehicleCapacity(clock, 0, [problem.shift_of(t) for t in trucks],
                                            False, "time")
    fresh = routing.RegisterTransitMatrix(_freshness_transit(sub))
    routing.AddDimension(fresh, 0, problem.freshness_limit_s, True, "freshness")
    time_dim = routing.GetDimensionOrDie("time")
    _windows(problem, sub, manager, time_dim)
    _chain_trips(problem, routing, time_dim)
    _crop_limits(problem, sub, manager, routing)
    penalty = problem.drop_penalty
    penalty = default_drop_penalty(problem) if penalty is None else penalty
    for node in range(1, len(sub.pickups) + 1):
        routing.AddDisjunction([manager.NodeToIndex(node)], penalty)
    return manager, routing, time_dim


def _slot_trucks(problem: RoutingProblem) -> list[TruckType]:
    """The truck behind each vehicle slot ``v = truck * trips_per_truck + trip``."""
    return [t for t in problem.fleet for _ in range(problem.trips_per_truck)]


def _arc_cents(truck: TruckType, distance_m: np.ndarray, transit_s: np.ndarray) -> np.ndarray:
    """Running cost of each arc for ``truck``, whole yuan-cents (rounded to nearest).

    ``cost_per_km x km + cost_per_h x h``, the hours being the time-dimension transit
    (loading at the from-node, driving, unloading on the way into the store), so waiting
    at the store is free. Cents keep rounding errors below one fen per arc.
    """
    yuan = (truck.cost_per_km_yuan * distance_m / 1000
            + truck.cost_per_h_yuan * transit_s / 3600)
    return np.rint(100 * yuan).astype(np.int64)


def _cents_bound(problem: RoutingProblem, truck: TruckType) -> int:
    """An upper bound on any one arc's cost for ``truck``, yuan-cents."""
    longest_m = int(problem.distance_m.max()) if problem.distance_m.size else 0
    longest_s = (int(problem.time_s.max()) if problem.time_s.size else 0) + problem.unload_s \
        + (int(problem.service_s.max()) if problem.service_s.size else 0)
    return int(_arc_cents(truck, np.array(longest_m), np.array(longest_s))) + 1


def _fixed_cents(truck: TruckType) -> int:
    """``truck``'s fixed cost of the day, whole yuan-cents."""
    return round(100 * truck.fixed_cost_yuan)


def _set_costs(problem: RoutingProblem, sub: _Sub, routing: pywrapcp.RoutingModel) -> None:
    """Metres on every arc; or, with ``trucks``, per-truck yuan-cents and fixed costs.

    The fixed cost sits on each truck's first slot, and a later slot may be used only if
    the one before it is (``ActiveVehicleVar``), so a used truck pays it exactly once.
    """
    if problem.trucks is None:
        routing.SetArcCostEvaluatorOfAllVehicles(
            routing.RegisterTransitMatrix(sub.distance_m.tolist()))
        return
    transit, k, callbacks = np.array(_time_transit(sub, problem.unload_s)), \
        problem.trips_per_truck, {}
    for v, truck in enumerate(_slot_trucks(problem)):
        if truck not in callbacks:
            callbacks[truck] = routing.RegisterTransitMatrix(
                _arc_cents(truck, sub.distance_m, transit).tolist())
        routing.SetArcCostEvaluatorOfVehicle(callbacks[truck], v)
        if v % k == 0:
            routing.SetFixedCostOfVehicle(_fixed_cents(truck), v)
        else:
            routing.solver().Add(routing.ActiveVehicleVar(v) <= routing.ActiveVehicleVar(v - 1))


def _add_load(problem: RoutingProblem, sub: _Sub, routing: pywrapcp.RoutingModel) -> None:
    """The load dimension; with deliveries, loaded at the start (module doc, "Deliveries")."""
    caps = [_kg_down(t.capacity_t) for t in _slot_trucks(problem)]
    if problem.delivery_t is None:
        load = routing.RegisterUnaryTransitVector(sub.load_kg.tolist())
        routing.AddDimensionWithVehicleCapacity(load, 0, caps, True, "load")
        return
    net = routing.RegisterUnaryTransitVector((sub.load_kg - sub.delivery_kg).tolist())
    routing.AddDimensionWithVehicleCapacity(net, 0, caps, False, "load")
    dropped = routing.RegisterUnaryTransitVector(sub.delivery_kg.tolist())
    routing.AddDimensionWithVehicleCapacity(dropped, 0, caps, True, "delivered")
    load, delivered = routing.GetDimensionOrDie("load"), routing.GetDimensionOrDie("delivered")
    for v in range(len(caps)):
        routing.solver().Add(load.CumulVar(routing.Start(v))
                             == delivered.CumulVar(routing.End(v)))


def _windows(problem: RoutingProblem, sub: _Sub, manager: pywrapcp.RoutingIndexManager,
             time_dim: pywrapcp.RoutingDimension) -> None:
    """Arrival (= loading start) at each pickup inside its window; slack stays 0."""
    for node, pickup in enumerate(sub.pickups, start=1):
        window = problem.window_of(pickup)
        if window is not None:
            time_dim.CumulVar(manager.NodeToIndex(node)).SetRange(*window)


def _chain_trips(
    problem: RoutingProblem, routing: pywrapcp.RoutingModel, time_dim: pywrapcp.RoutingDimension
) -> None:
    """A truck's trip k+1 leaves the store no earlier than trip k has unloaded."""
    solver, k = routing.solver(), problem.trips_per_truck
    for truck in range(len(problem.fleet)):
        for trip in range(k - 1):
            v = truck * k + trip
            solver.Add(time_dim.CumulVar(routing.End(v)) <= time_dim.CumulVar(routing.Start(v + 1)))


def _crop_limits(problem: RoutingProblem, sub: _Sub, manager: pywrapcp.RoutingIndexManager,
                 routing: pywrapcp.RoutingModel) -> None:
    """``F(end of i's slot) <= F(i) + L_i`` for pickups tighter than the store limit."""
    if problem.freshness_by_pickup_s is None:
        return
    solver, fresh = routing.solver(), routing.GetDimensionOrDie("freshness")
    slots = len(problem.fleet) * problem.trips_per_truck
    ends = [solver.IntVar(0, 0, "dropped")] + [fresh.CumulVar(routing.End(v))
                                               for v in range(slots)]
    for node, pickup in enumerate(sub.pickups, start=1):
        limit_s = problem.freshness_s(pickup)
        if limit_s >= problem.freshness_limit_s:
            continue
        index = manager.NodeToIndex(node)
        slot = (routing.VehicleVar(index) + 1).Var()
        solver.Add(solver.Element(ends, slot) <= fresh.CumulVar(index) + limit_s)


def _branch_budget(problem: RoutingProblem, n_routed: int) -> int:
    """A second work counter, for searches that accept no solutions at all.

    With one pickup the local search has no move to make and OR-Tools keeps branching
    until a limit stops it, so the solution budget never binds and the wall clock would.
    Real searches measured 3,000 to 30,000 branches per second (8 to 60 pickups), the
    idle one 1.5 million, so ``SEARCH_BRANCHES_PER_S`` per second of the time limit stops
    the idle search deterministically and leaves real ones to the solution budget.

    Windows, the delivery equality and the one-fixed-cost rule are constraints the
    first-solution heuristic meets only by backtracking: on 30 seeded pickups it took
    54,000 (windows), 220,000 (windows + deliveries) and 900,000 (windows + mixed fleet)
    branches before its first plan, so the plain budget (200,000 for 2 s) stopped it with
    every pickup dropped. With any of those fields set and at least two pickups in the
    model (``n_routed``; one pickup is the idle case above) the budget is multiplied by
    :data:`SEARCH_BRANCH_FACTOR_OPTIONAL`; otherwise it is unchanged.
    """
    budget = max(1, round(problem.time_limit_s * SEARCH_BRANCHES_PER_S))
    if n_routed > 1 and _pyvrp_unmodelled(problem):
        return budget * SEARCH_BRANCH_FACTOR_OPTIONAL
    return budget


def _search_parameters(problem: RoutingProblem, budget: int) -> Any:
    """Cheapest-arc start, guided local search, stopped by a solution count (see module)."""
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    params.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH)
    params.solution_limit = budget
    # The safety cap sits well above the calibrated budget so that a loaded machine still
    # finishes the (deterministic) budget; it fires only on a pathological slowdown.
    params.time_limit.FromMilliseconds(round((WALL_SAFETY * problem.time_limit_s + 1) * 1000))
    return params


# --------------------------------------------------------------------------------------
# Solving and reading the solution
# --------------------------------------------------------------------------------------
def _routes(
    problem: RoutingProblem, manager: pywrapcp.RoutingIndexManager,
    routing: pywrapcp.RoutingModel, solution: pywrapcp.Assignment, sub: _Sub,
) -> list[list[tuple[int, ...]]]:
    """Per truck, its non-empty trips in slot (= time) order, as pickup indices."""
    out: list[list[tuple[int, ...]]] = [[] for _ in range(len(problem.fleet))]
    for v in range(len(problem.fleet) * problem.trips_per_truck):
        index, stops = solution.Value(routing.NextVar(routing.Start(v))), []
        while not routing.IsEnd(index):
            stops.append(sub.pickups[manager.IndexToNode(index) - 1])
            index = solution.Value(routing.NextVar(index))
        if stops:
            out[v // problem.trips_per_truck].append(tuple(stops))
    return out


def _make_trip(problem: RoutingProblem, truck: int, rank: int, stops: tuple[int, ...],
               start_s: int, truck_type: str = "") -> Trip:
    """A trip's times, loads and length recomputed from the matrices (no waiting en route).

    The truck leaves with the trip's deliveries on board; at each stop it drops that
    stop's delivery and loads its pickup (``load_after_t``).
    """
    t, d = problem.time_s, problem.distance_m
    nodes = [0] + [s + 1 for s in stops] + [0]
    start_load = sum(problem.delivery_of(s) for s in stops)
    arrivals, loads, clock, load = [], [], start_s, start_load
    for prev, node in zip(nodes[:-2], nodes[1:-1], strict=True):
        clock += (int(problem.service_s[prev - 1]) if prev else 0) + int(t[prev, node])
        load += float(problem.pickup_t[node - 1]) - problem.delivery_of(node - 1)
        arrivals.append(clock)
        loads.append(load)
    back_s = clock + int(problem.service_s[stops[-1]]) + int(t[nodes[-2], 0])
    metres = sum(int(d[a, b]) for a, b in zip(nodes[:-1], nodes[1:], strict=True))
    return Trip(truck, rank, stops, tuple(arrivals), tuple(loads), start_s,
                back_s + problem.unload_s, metres, back_s, back_s - arrivals[0],
                truck_type=truck_type, start_load_t=start_load)


def _earliest_departure(problem: RoutingProblem, stops: tuple[int, ...], ready_s: int) -> int:
    """Earliest departure at or after ``ready_s`` that meets every window on the trip, s.

    A trip never waits en route, so each arrival is departure + a fixed offset, and each
    window ``[a, b]`` at offset ``o`` asks departure >= ``a - o``. Leaving as early as
    that allows ends the trip earliest, which keeps the truck's next trip feasible
    whenever the solver's (later or equal) schedule was. Closing times are then met too,
    as the solver's departure met them and this one is no later; :func:`check_trips`
    verifies it.
    """
    if problem.time_window_s is None:
        return ready_s
    offsets = _make_trip(problem, 0, 0, stops, 0).arrival_s
    opens = [w[0] - o for s, o in zip(stops, offsets, strict=True)
             if (w := problem.window_of(s)) is not None]
    return max([ready_s, *opens])


def _schedule(problem: RoutingProblem, routes: list[list[tuple[int, ...]]]) -> list[Trip]:
    """Earliest schedule: each used truck starts as early as its windows allow, s.

    Without windows every used truck leaves at 0 and again once unloaded; with windows a
    trip's departure is delayed (the truck waits at the store) until its windows are met
    (:func:`_earliest_departure`). The solver proved a schedule exists; the earliest one
    keeps it feasible and makes the reported times independent of how the solver
    happened to set free start times.
    """
    trips, truck, fleet = [], 0, problem.fleet
    for index, truck_routes in enumerate(routes):
        if not truck_routes:
            continue
        start_s = 0
        for rank, stops in enumerate(truck_routes):
            trip = _make_trip(problem, truck, rank, stops,
                              _earliest_departure(problem, stops, start_s), fleet[index].name)
            trips.append(trip)
            start_s = trip.end_s
        truck += 1
    return trips


def _fleet_reason(problem: RoutingProblem) -> str:
    """Why the solver left a pickup out.

    With the default penalty, serving a pickup always pays, so a pickup left out is one
    the search found no room for. A caller's own penalty may be cheaper than a detour.
    """
    trucks = _plural(len(problem.fleet), "truck")
    trips = _plural(problem.trips_per_truck, "trip")
    reason = f"fleet at this store cannot fit it within shifts ({trucks} x {trips})"
    if problem.drop_penalty is not None:
        reason += f", or serving it costs more than the drop penalty {problem.drop_penalty}"
    return reason


def _result(problem: RoutingProblem, trips: list[Trip], unserved: dict[int, str], status: str,
            objective: int, started: float) -> RoutingResult:
    return RoutingResult(
        trips=tuple(sorted(trips, key=lambda tr: (tr.truck, tr.trip))),
        unserved=tuple(sorted(unserved.items())),
        status=status,
        objective=objective,
        time_s=time.perf_counter() - started,
        trucks_used=len({tr.truck for tr in trips}),
        distance_m=sum(tr.distance_m for tr in trips),
        served_t=float(sum(problem.pickup_t[s] for tr in trips for s in tr.stops)),
    )


def solve_routing(problem: RoutingProblem) -> RoutingResult:
    """Plan the store's trips: serve every pickup that fits, then drive the fewest metres.

    Parameters
    ----------
    problem
        The store's pickups, fleet and limits (validated on construction).

    Returns
    -------
    RoutingResult
        Trips with recomputed times and loads, and every pickup not served with the reason:
        a screening reason (:func:`screen_pickups`) or, when the solver left it out,
        ``"fleet at this store cannot fit it within shifts (n trucks x k trips)"``.
        Same problem, same result, unless ``status`` reports the wall-clock cap. With
        ``engine="auto"`` the status also says when OR-Tools replaced PyVRP's plan, and why.
    """
    started = time.perf_counter()
    unserved = screen_pickups(problem)
    keep = [i for i in range(problem.n_pickups) if i not in unserved]
    if not keep:
        status = "no pickups" if problem.n_pickups == 0 else "nothing to route"
        return _result(problem, [], unserved, status, 0, started)
    unmodelled = _pyvrp_unmodelled(problem)
    if problem.engine != "ortools" and not unmodelled:
        from optimize.routing_pyvrp import solve_store_pyvrp

        return solve_store_pyvrp(problem, keep, unserved, started)
    result = _solve_ortools(problem, keep, unserved, started)
    if problem.engine == "ortools":
        return result
    return dataclasses.replace(result, status=f"{result.status}; OR-Tools used: the PyVRP "
                               f"path does not model {', '.join(unmodelled)}")


def _pyvrp_unmodelled(problem: RoutingProblem) -> list[str]:
    """The optional features set on ``problem`` that the PyVRP store path ignores."""
    return [name for name in ("trucks", "time_window_s", "delivery_t")
            if getattr(problem, name) is not None]


def _solve_ortools(problem: RoutingProblem, keep: list[int], unserved: dict[int, str],
                   started: float) -> RoutingResult:
    """The OR-Tools model of the module docstring on the screened-in pickups ``keep``."""
    sub = _sub_problem(problem, keep)
    manager, routing, _ = _build_model(problem, sub)
    budget = problem.search_solutions or default_search_solutions(len(keep),
                                                                  problem.time_limit_s)
    routing.AddSearchMonitor(routing.solver().BranchesLimit(_branch_budget(problem, len(keep))))
    solution = routing.SolveWithParameters(_search_parameters(problem, budget))
    status = _status(problem, routing, budget, started)
    if solution is None:
        unserved.update({i: f"solver found no plan: {status}" for i in keep})
        return _result(problem, [], unserved, status, 0, started)
    routes = _routes(problem, manager, routing, solution, sub)
    served = {s for truck in routes for stops in truck for s in stops}
    unserved.update({i: _fleet_reason(problem) for i in keep if i not in served})
    return _result(problem, _schedule(problem, routes), unserved, status,
                   int(solution.ObjectiveValue()), started)


def _status(problem: RoutingProblem, routing: pywrapcp.RoutingModel, budget: int,
            started: float) -> str:
    """OR-Tools status, flagging a search that the wall-clock cap (not the budget) stopped.

    The cap stopped it when fewer than ``budget`` solutions were accepted and the time is
    up; fewer solutions alone can also mean the local search ran out of moves.
    """
    status = _ROUTING_STATUS.get(routing.status(), f"status {routing.status()}")
    short = routing.solver().Solutions() < budget
    if status == "success" and short and time.perf_counter() - started >= problem.time_limit_s:
        return "time limit (not reproducible)"
    return status


# --------------------------------------------------------------------------------------
# Independent check
# --------------------------------------------------------------------------------------
def check_trips(problem: RoutingProblem, result: RoutingResult) -> list[str]:
    """Every way ``result`` breaks ``problem``, recomputed from the matrices.

    Checks each trip's truck and trip numbers, stops, the load profile (leaving with the
    trip's deliveries, then after each stop) against its truck's capacity, arrival times
    (departure ``start_s``, then loading + travel, no waiting en route) and time windows,
    store arrival and ``end_s`` (= store arrival + unloading), the age of every pickup at
    the store against the freshness limit, its truck's shift, the order of a truck's trips
    in time, distances, that every pickup is either served once or listed as unserved
    once, the totals, and, with ``trucks``, that each truck has one known type and no
    type is used by more trucks than the fleet has.

    Returns
    -------
    list of str
        One message per violation; empty when the result is valid.
    """
    out = _coverage_problems(problem, result) + _fleet_problems(problem, result)
    for trip in result.trips:
        out += _trip_problems(problem, trip)
    out += _chaining_problems(result)
    out += _total_problems(result)
    return out


def _coverage_problems(problem: RoutingProblem, result: RoutingResult) -> list[str]:
    n, out = problem.n_pickups, []
    seen = Counter([s for trip in result.trips for s in trip.stops]
                   + [i for i, _ in result.unserved])
    for i in sorted(seen):
        if not 0 <= i < n:
            out.append(f"pickup {i} does not exist (n = {n})")
        elif seen[i] > 1:
            out.append(f"pickup {i} appears {seen[i]} times (served or unserved)")
    out += [f"pickup {i} is neither served nor listed as unserved"
            for i in range(n) if i not in seen]
    return out


def _fleet_problems(problem: RoutingProblem, result: RoutingResult) -> list[str]:
    """With ``trucks``: one type per truck number, no type over its number of trucks."""
    if problem.trucks is None:
        return []
    types: dict[int, set[str]] = {}
    for trip in result.trips:
        types.setdefault(trip.truck, set()).add(trip.truck_type)
    out = [f"truck {k}: trips name several truck types {sorted(v)}"
           for k, v in sorted(types.items()) if len(v) > 1]
    have = Counter(t.name for t in problem.trucks)
    used = Counter(name for v in types.values() for name in v)
    out += [f"truck type {name!r}: {n} trucks used, the fleet has {have[name]}"
            for name, n in sorted(used.items()) if name in have and n > have[name]]
    return out


def _truck_of(problem: RoutingProblem, trip: Trip) -> TruckType | None:
    """The :class:`TruckType` a trip names (``None`` if the fleet has no such type)."""
    return next((t for t in problem.fleet if t.name == trip.truck_type), None)


def _trip_problems(problem: RoutingProblem, trip: Trip) -> list[str]:
    name = f"truck {trip.truck} trip {trip.trip}"
    n_trucks = len(problem.fleet)
    if not 0 <= trip.truck < n_trucks or not 0 <= trip.trip < problem.trips_per_truck:
        return [f"{name}: no such truck or trip ({n_trucks} trucks x "
                f"{problem.trips_per_truck} trips)"]
    truck = _truck_of(problem, trip)
    if truck is None:
        return [f"{name}: no truck of type {trip.truck_type!r} in the fleet"]
    if not trip.stops or any(not 0 <= s < problem.n_pickups for s in trip.stops):
        return [f"{name}: stops {trip.stops} empty or out of range"]
    if not len(trip.arrival_s) == len(trip.load_after_t) == len(trip.stops):
        return [f"{name}: stops, arrival_s and load_after_t differ in length"]
    want = _make_trip(problem, trip.truck, trip.trip, trip.stops, trip.start_s,
                      trip.truck_type)
    return (_load_problems(trip, want, name, truck)
            + _time_problems(problem, trip, want, name, problem.shift_of(truck))
            + _window_violations(problem, want, name)
            + ([f"{name}: distance {trip.distance_m} m, recomputed {want.distance_m} m"]
               if trip.distance_m != want.distance_m else []))


def _load_problems(trip: Trip, want: Trip, name: str, truck: TruckType) -> list[str]:
    """Reported loads against recomputed ones, and the fullest point against capacity."""
    out = [f"{name}: load after stop {s} is {got:g} t, recomputed {exp:g} t"
           for s, got, exp in zip(trip.stops, trip.load_after_t, want.load_after_t, strict=True)
           if abs(got - exp) > LOAD_TOL_T]
    if abs(trip.start_load_t - want.start_load_t) > LOAD_TOL_T:
        out.append(f"{name}: leaves with {trip.start_load_t:g} t, recomputed "
                   f"{want.start_load_t:g} t of deliveries")
    peak = max(want.start_load_t, *want.load_after_t)
    if peak > truck.capacity_t + LOAD_TOL_T:
        out.append(f"{name}: carries {peak:g} t, capacity {truck.capacity_t:g} t")
    return out


def _window_violations(problem: RoutingProblem, want: Trip, name: str) -> list[str]:
    """Recomputed arrivals outside their pickup's time window."""
    out = []
    for s, arrived in zip(want.stops, want.arrival_s, strict=True):
        window = problem.window_of(s)
        if window is not None and not window[0] <= arrived <= window[1]:
            out.append(f"{name}: arrives at pickup {s} at {arrived} s, outside its time "
                       f"window {window[0]}..{window[1]} s")
    return out


def _time_problems(problem: RoutingProblem, trip: Trip, want: Trip, name: str,
                   shift_s: int) -> list[str]:
    out = [f"{name}: arrival at pickup {s} is {got} s, recomputed {exp} s"
           for s, got, exp in zip(trip.stops, trip.arrival_s, want.arrival_s, strict=True)
           if got != exp]
    if trip.end_s != want.end_s:
        out.append(f"{name}: end_s {trip.end_s} s, recomputed {want.end_s} s (store arrival "
                   f"{want.store_arrival_s} s + unloading {problem.unload_s} s)")
    if trip.start_s < 0 or want.end_s > shift_s:
        out.append(f"{name}: runs {trip.start_s}..{want.end_s} s, outside the shift "
                   f"0..{shift_s} s")
    for s, arrived in zip(trip.stops, want.arrival_s, strict=True):
        age_s = want.store_arrival_s - arrived
        if age_s > problem.freshness_s(s):
            out.append(f"{name}: pickup {s} reaches the store after {age_s} s, freshness "
                       f"limit {problem.freshness_s(s)} s")
    return out


def _chaining_problems(result: RoutingResult) -> list[str]:
    out, previous = [], None
    for trip in result.trips:
        if previous is not None and previous.truck == trip.truck:
            if trip.trip <= previous.trip:
                out.append(f"truck {trip.truck}: trips out of order or repeated at {trip.trip}")
            elif trip.start_s < previous.end_s:
                out.append(f"truck {trip.truck}: trip {trip.trip} leaves at {trip.start_s} s, "
                           f"before trip {previous.trip} ends at {previous.end_s} s")
        elif previous is not None and trip.truck < previous.truck:
            out.append("trips are not sorted by (truck, trip)")
        previous = trip
    return out


def _total_problems(result: RoutingResult) -> list[str]:
    out = []
    metres = sum(t.distance_m for t in result.trips)
    if result.distance_m != metres:
        out.append(f"total distance {result.distance_m} m, trips add up to {metres} m")
    trucks = len({t.truck for t in result.trips})
    if result.trucks_used != trucks:
        out.append(f"trucks_used {result.trucks_used}, trips use {trucks}")
    return out
