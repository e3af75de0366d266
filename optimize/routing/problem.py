"""A cold store's routing problem and result: frozen dataclasses, checked on construction.

:class:`RoutingProblem` holds one store's day: integer matrices (node 0 = the store,
node ``i + 1`` = pickup ``i``), loads, the fleet and every limit; :class:`RoutingResult`
holds the :class:`Trip` s of a plan and the pickups left out with their reasons. A problem
that cannot be right raises :class:`~optimize.errors.SpecificationError` naming every
culprit (ARCHITECTURE.md, principle 5). This module imports no solver, so ``app/`` and the
pipeline can build and read problems without OR-Tools or PyVRP.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from optimize.errors import SpecificationError

#: Kilograms per tonne: loads and capacities enter the solvers in whole kilograms.
KG_PER_T = 1000
#: Tolerance for comparing tonnages that were summed in floating point, in tonnes.
LOAD_TOL_T = 1e-6
#: Largest matrix or service entry accepted, so that sums of them stay far inside int64.
MAX_ENTRY = 2**31 - 1
#: Engines a store's problem may ask for (see ``RoutingProblem.engine``).
STORE_ENGINES = ("ortools", "auto", "pyvrp")
#: Optional fields of :class:`RoutingProblem` that only the OR-Tools model handles.
OPTIONAL_FEATURES = ("trucks", "time_window_s", "delivery_t")


@dataclass(frozen=True)
class TruckType:
    """One truck of a mixed fleet (``RoutingProblem.trucks`` holds one entry per truck).

    Attributes
    ----------
    name
        Type name, reported on every :class:`Trip` (e.g. ``"4.2 m reefer"``). Entries that
        share a name must be identical: the name stands for the type in
        :func:`~optimize.routing.check.check_trips`.
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
        any complete solution's distance (see
        :func:`~optimize.routing.bounds.default_drop_penalty`).
    time_limit_s
        Search effort in seconds: converted by a measured CPU-cost formula to a
        reproducible solution budget (see ``search_solutions``; PyVRP: an iteration
        count), about half of it in CPU time; the wall-clock safety cap is
        ``wall_safety x time_limit_s + 1`` seconds.
    seed
        Recorded for the pipeline's provenance. OR-Tools routing local search has no
        random component at these settings, so the plan does not depend on it.
    search_solutions
        Local-search budget: how many solutions the search may accept (OR-Tools
        ``solution_limit``); ``None`` derives it from ``time_limit_s`` with
        :func:`~optimize.routing.bounds.default_search_solutions`.
    freshness_by_pickup_s
        ``(n,)`` optional per-pickup freshness limits in whole seconds (by crop,
        PARAMETERS.md §4); pickup ``i``'s limit is the smaller of this and
        ``freshness_limit_s``. ``None``: the store-wide limit for all.
    engine
        ``"ortools"`` (default: the model of :mod:`optimize.routing.ortools`), ``"auto"``
        (PyVRP first, its plan checked with :func:`~optimize.routing.check.check_trips`;
        OR-Tools when that plan breaks freshness or any other limit) or ``"pyvrp"``
        (PyVRP only, unchecked: PyVRP has no freshness cap, so its plan may break the
        limit; for measurement). See :mod:`optimize.routing.pyvrp`.
        With ``trucks``, ``time_window_s`` or ``delivery_t`` set, ``"auto"`` and
        ``"pyvrp"`` solve with OR-Tools (the PyVRP path does not model them) and the
        status says so.
    trucks
        Optional mixed fleet, one :class:`TruckType` per truck. When given it replaces
        ``n_trucks``, ``truck_capacity_t`` and ``shift_s`` (each truck still makes up to
        ``trips_per_truck`` trips), and the objective becomes money in yuan-cents:
        per-km and per-hour costs on every arc plus each used truck's fixed cost (see
        "Mixed fleet" in :mod:`optimize.routing.ortools`); ``drop_penalty`` is then in
        yuan-cents too. ``None`` (default): ``n_trucks`` identical trucks, objective in metres.
    time_window_s
        Optional ``(n, 2)`` whole seconds from shift start: pickup ``i`` must be reached
        (loading starts on arrival) no earlier than ``[i, 0]`` and no later than
        ``[i, 1]``, e.g. harvest ready at 06:00. A truck waits for a window only at the
        store, before the trip leaves, never inside a trip (see "Time windows" in
        :mod:`optimize.routing.ortools`). ``None``: no windows.
    delivery_t
        Optional ``(n,)`` tonnes carried *from* the store *to* stop ``i`` (crates,
        inputs), dropped there before the pickup is loaded. A trip leaves loaded with all
        its deliveries; capacity holds at every point (see "Deliveries" in
        :mod:`optimize.routing.ortools`). ``None``: none.
    wall_safety
        Wall-clock safety cap of the search as a multiple of ``time_limit_s`` (> 0): the
        search stops after ``wall_safety x time_limit_s + 1`` seconds at the latest (the
        OR-Tools time limit and its per-move ``lns_time_limit``; PyVRP gets its share).
        It sits well above the reproducible budget so that a loaded machine still
        finishes that budget (at 3: until a process gets less than about a sixth of a
        core); when it fires first, read from the solution and branch counters, not the
        clock, the status says ``"time limit (not reproducible)"`` (see "Search and
        reproducibility" in :mod:`optimize.routing.ortools`). A caller that expects
        heavy load (the whole province on few cores) raises it with
        ``dataclasses.replace``.
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
    wall_safety: float = 3.0

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
    def optional_features(self) -> list[str]:
        """The optional fields set here among ``trucks``, ``time_window_s``, ``delivery_t``.

        The PyVRP store path does not model them, and they make OR-Tools' first solution
        harder to find (see :mod:`optimize.routing.ortools`, ``branch_budget``).
        """
        return [name for name in OPTIONAL_FEATURES if getattr(self, name) is not None]

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
        The engine whose search produced this trip: ``"ortools"``, ``"pyvrp"`` or
        ``"pyvrp+decompose"`` (:mod:`optimize.routing.decompose`, large one-depot problems).
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
        ``"success"`` (search stopped at its reproducible budget: the same problem gives
        the same result), ``"time limit (not reproducible)"`` (the wall-clock cap stopped
        the search first, so the plan depends on the machine's load), ``"no pickups"``,
        ``"nothing to route"`` (all screened out) or an OR-Tools failure.
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
        ("wall_safety", p.wall_safety, _positive(p.wall_safety), "a factor > 0"),
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
# Whole kilograms for the solvers
# --------------------------------------------------------------------------------------
def kg_up(tonnes: float) -> int:
    """Tonnes to whole kilograms, rounded up (a pickup never looks lighter)."""
    return math.ceil(round(tonnes * KG_PER_T, 6))


def kg_down(tonnes: float) -> int:
    """Tonnes to whole kilograms, rounded down (a truck never looks bigger)."""
    return math.floor(round(tonnes * KG_PER_T, 6))
