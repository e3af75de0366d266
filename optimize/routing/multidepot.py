"""Several depots, several trips per truck: the problem, the plan, checked on construction.

:class:`MultiDepotProblem` is the shared-fleet generalisation of a store's day
(:class:`~optimize.routing.problem.RoutingProblem`): ``D`` depots (nodes ``0..D-1``) each
with its own trucks, ``n`` pickups (nodes ``D..D+n-1``), and per pickup a load, a loading
time, an optional release time (the trip serving it leaves no earlier), an optional time
window and an optional ride-time limit (service start at the pickup to arrival at the depot
where the load is unloaded). A truck starts and ends its day at its home depot and may
reload (end a trip and start the next) at its home depot or at any depot of
``reload_depots``. :class:`MultiDepotResult` holds :class:`DepotTrip` s and the pickups
left out with their reasons. A problem that cannot be right raises
:class:`~optimize.errors.SpecificationError` naming every culprit. No solver is imported.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from optimize.errors import SpecificationError
from optimize.routing.problem import MAX_ENTRY, STORE_ENGINES

#: Engines a multi-depot problem may ask for (same names as a store's).
MULTI_ENGINES = STORE_ENGINES


@dataclass(frozen=True, eq=False)
class MultiDepotProblem:
    """Pickups served from several depots by trucks making one or more trips each.

    Attributes
    ----------
    time_s, distance_m
        ``(D+n, D+n)`` whole seconds / metres; nodes ``0..D-1`` are the depots, node
        ``D + i`` is pickup ``i``. Distance is the arc cost; time drives the clock.
    n_depots
        ``D`` (>= 1).
    trucks_per_depot
        ``D`` whole numbers >= 0: trucks based at each depot (truck ``k`` is based at the
        depot :meth:`depot_of` says; trucks of depot 0 come first).
    pickup_t, service_s
        ``(n,)`` tonnes to collect and loading seconds at each pickup.
    truck_capacity_t
        Payload of every truck, tonnes (> 0): the limit of each trip's load.
    horizon_s
        Every truck leaves at or after 0 and is back at its home depot by ``horizon_s``.
    shift_s
        Longest working day of a truck, seconds: last return minus first departure,
        waiting between trips included (the day may start late). ``None``: the horizon.
    max_trips_per_truck
        Trips a truck may make (>= 1); ``None`` = no limit.
    reload_depots
        Depots where any truck may end a trip and start the next, besides its home depot;
        ``None`` or ``()`` = home only. The last trip always ends at home.
    unload_s
        Seconds of unloading at the depot after each trip.
    release_s
        Optional ``(n,)``: the trip serving pickup ``i`` leaves its depot at or after it.
    time_window_s
        Optional ``(n, 2)``: loading at pickup ``i`` starts within ``[open, close]``
        (arriving early, the truck waits).
    ride_limit_s
        Optional ``(n,)``: longest time from the start of loading at pickup ``i`` to the
        truck's arrival at the depot where that trip ends (freshness).
    time_limit_s, seed, search_iterations, wall_safety
        Search budget and seed: ``search_iterations`` is PyVRP's iteration count or
        OR-Tools' solution count (``None`` derives one from ``time_limit_s``); the clock
        caps each search at ``wall_safety x time_limit_s + 1`` s.
    engine
        ``"auto"`` (PyVRP, ride time checked and repaired, OR-Tools when PyVRP's plan
        cannot be made valid), ``"pyvrp"`` (PyVRP unrepaired, for measurement) or
        ``"ortools"``. See :mod:`optimize.routing.solve`.
    """

    time_s: np.ndarray
    distance_m: np.ndarray
    n_depots: int
    trucks_per_depot: tuple[int, ...]
    pickup_t: np.ndarray
    service_s: np.ndarray
    truck_capacity_t: float
    horizon_s: int
    shift_s: int | None = None
    max_trips_per_truck: int | None = None
    reload_depots: tuple[int, ...] | None = None
    unload_s: int = 0
    release_s: np.ndarray | None = None
    time_window_s: np.ndarray | None = None
    ride_limit_s: np.ndarray | None = None
    time_limit_s: float = 5.0
    seed: int = 0
    search_iterations: int | None = None
    engine: str = "auto"
    wall_safety: float = 3.0

    def __post_init__(self) -> None:
        reasons = _matrix_problems(self) + _scalar_problems(self) + _optional_problems(self)
        if reasons:
            raise SpecificationError(reasons)
        for name in ("time_s", "distance_m", "service_s", "release_s", "time_window_s",
                     "ride_limit_s"):
            if getattr(self, name) is not None:
                object.__setattr__(self, name, _frozen(getattr(self, name), np.int64))
        object.__setattr__(self, "pickup_t", _frozen(self.pickup_t, np.float64))
        object.__setattr__(self, "trucks_per_depot", tuple(int(k) for k in
                                                            self.trucks_per_depot))
        reload = tuple(int(d) for d in self.reload_depots or ())
        object.__setattr__(self, "reload_depots", reload)

    @property
    def n_pickups(self) -> int:
        """Number of pickups ``n``."""
        return int(self.pickup_t.shape[0])

    @property
    def n_trucks(self) -> int:
        """All trucks over all depots."""
        return sum(self.trucks_per_depot)

    def depot_of(self, truck: int) -> int:
        """Home depot of truck ``truck`` (trucks numbered depot by depot)."""
        return int(np.searchsorted(np.cumsum(self.trucks_per_depot), truck, side="right"))

    def node(self, pickup: int) -> int:
        """Matrix node of ``pickup``."""
        return self.n_depots + pickup

    def reloads_of(self, depot: int) -> tuple[int, ...]:
        """Depots where a truck based at ``depot`` may end a trip, home first."""
        assert self.reload_depots is not None  # normalised on construction
        return (depot, *[d for d in self.reload_depots if d != depot])

    @property
    def day_s(self) -> int:
        """A truck's longest day: ``shift_s``, else the horizon."""
        return self.horizon_s if self.shift_s is None else min(self.shift_s, self.horizon_s)

    def window_of(self, pickup: int) -> tuple[int, int]:
        """``(open, close)`` of loading at ``pickup`` (``(0, horizon)`` without windows)."""
        if self.time_window_s is None:
            return 0, self.horizon_s
        return int(self.time_window_s[pickup, 0]), int(self.time_window_s[pickup, 1])

    def release_of(self, pickup: int) -> int:
        """Earliest departure of a trip serving ``pickup`` (0 without releases)."""
        return 0 if self.release_s is None else int(self.release_s[pickup])

    def ride_limit_of(self, pickup: int) -> int | None:
        """Ride-time limit of ``pickup``, seconds, or ``None``."""
        return None if self.ride_limit_s is None else int(self.ride_limit_s[pickup])


@dataclass(frozen=True)
class DepotTrip:
    """One trip of one truck: from ``start_depot`` through ``stops`` to ``end_depot``.

    Attributes
    ----------
    truck, trip
        Truck number (see :meth:`MultiDepotProblem.depot_of`) and rank in its day.
    home_depot, start_depot, end_depot
        The truck's base, where this trip leaves from and where it unloads.
    stops
        Pickup indices in visiting order.
    service_start_s
        When loading starts at each stop (after waiting for its window).
    start_s
        Departure from ``start_depot``; ``depot_arrival_s`` arrival at ``end_depot``;
        ``end_s`` = that + unloading.
    load_t, distance_m
        Tonnes collected and metres driven on the trip.
    max_ride_s
        Longest ride of any stop's load (loading start to depot arrival).
    engine
        ``"pyvrp"``, ``"pyvrp+decompose"`` (large one-depot problems,
        :mod:`optimize.routing.decompose`), ``"ortools"`` or ``"repair"`` (a trip our repair
        built or changed).
    """

    truck: int
    trip: int
    home_depot: int
    start_depot: int
    end_depot: int
    stops: tuple[int, ...]
    service_start_s: tuple[int, ...]
    start_s: int
    depot_arrival_s: int
    end_s: int
    load_t: float
    distance_m: int
    max_ride_s: int
    engine: str


@dataclass(frozen=True)
class MultiDepotResult:
    """The trips of a multi-depot plan and every pickup left out, with its reason.

    ``trips`` are sorted by ``(truck, trip)``; ``status`` is ``"success"`` (stopped at the
    reproducible budget) or says which cap fired and what was repaired or replaced.
    """

    trips: tuple[DepotTrip, ...]
    unserved: tuple[tuple[int, str], ...]
    status: str
    time_s: float
    distance_m: int
    trucks_used: int


def _frozen(values: object, dtype: type) -> np.ndarray:
    out: np.ndarray = np.array(values, dtype=dtype, copy=True)
    out.setflags(write=False)
    return out


def _bad(values: np.ndarray, mask: np.ndarray, name: str, what: str) -> list[str]:
    """One reason naming up to three offending entries."""
    where = np.argwhere(mask)
    if where.size == 0:
        return []
    shown = ", ".join(f"{name}[{', '.join(str(int(i)) for i in idx)}] = {values[tuple(idx)]}"
                      for idx in where[:3])
    more = f" and {len(where) - 3} more" if len(where) > 3 else ""
    return [f"{name}: {what}: {shown}{more}"]


def _numbers(values: np.ndarray, name: str, *, whole: bool) -> list[str]:
    if values.dtype.kind not in "iuf":
        return [f"{name}: expected numbers, got dtype {values.dtype}"]
    f = values.astype(np.float64)
    ok = np.isfinite(f)
    out = _bad(values, ~ok, name, "not finite") + _bad(values, ok & (f < 0), name, "negative")
    if whole:
        out += _bad(values, ok & (f != np.round(f)), name, "not a whole number")
        out += _bad(values, ok & (f > MAX_ENTRY), name, f"over {MAX_ENTRY}")
    return out


def _matrix_problems(p: MultiDepotProblem) -> list[str]:
    pickup = np.asarray(p.pickup_t)
    if pickup.ndim != 1:
        return [f"pickup_t: expected a 1-D array of tonnes, got shape {pickup.shape}"]
    if not _whole(p.n_depots) or p.n_depots < 1:
        return [f"n_depots: expected a whole number >= 1, got {p.n_depots!r}"]
    size = p.n_depots + pickup.shape[0]
    out = _numbers(pickup, "pickup_t", whole=False)
    if not out and _positive(p.truck_capacity_t):
        out += _bad(pickup, pickup > p.truck_capacity_t + 1e-9, "pickup_t",
                    f"larger than a truck ({p.truck_capacity_t:g} t)")
    for name, want in (("time_s", (size, size)), ("distance_m", (size, size)),
                       ("service_s", (pickup.shape[0],))):
        values = np.asarray(getattr(p, name))
        if values.shape != want:
            out.append(f"{name}: expected shape {want} ({p.n_depots} depots + "
                       f"{pickup.shape[0]} pickups), got {values.shape}")
        else:
            out += _numbers(values, name, whole=True)
    return out


def _scalar_problems(p: MultiDepotProblem) -> list[str]:
    depots = p.trucks_per_depot
    fleet_ok = (isinstance(depots, tuple | list) and len(depots) == p.n_depots
                and all(_whole(k) and k >= 0 for k in depots))
    reload = p.reload_depots or ()
    checks = [
        ("trucks_per_depot", depots, fleet_ok, f"{p.n_depots} whole numbers >= 0"),
        ("truck_capacity_t", p.truck_capacity_t, _positive(p.truck_capacity_t), "tonnes > 0"),
        ("horizon_s", p.horizon_s, _whole(p.horizon_s) and p.horizon_s > 0, "seconds > 0"),
        ("shift_s", p.shift_s, p.shift_s is None or (_whole(p.shift_s) and p.shift_s > 0),
         "None or seconds > 0"),
        ("max_trips_per_truck", p.max_trips_per_truck, p.max_trips_per_truck is None
         or (_whole(p.max_trips_per_truck) and p.max_trips_per_truck >= 1), "None or >= 1"),
        ("reload_depots", p.reload_depots, isinstance(reload, tuple | list) and all(
            _whole(d) and 0 <= d < p.n_depots for d in reload), f"depots 0..{p.n_depots - 1}"),
        ("unload_s", p.unload_s, _whole(p.unload_s) and p.unload_s >= 0, "seconds >= 0"),
        ("time_limit_s", p.time_limit_s, _positive(p.time_limit_s), "seconds > 0"),
        ("seed", p.seed, _whole(p.seed), "a whole number"),
        ("search_iterations", p.search_iterations, p.search_iterations is None
         or (_whole(p.search_iterations) and p.search_iterations > 0), "None or > 0"),
        ("engine", p.engine, p.engine in MULTI_ENGINES, f"one of {MULTI_ENGINES}"),
        ("wall_safety", p.wall_safety, _positive(p.wall_safety), "a factor > 0"),
    ]
    return [f"{name}: expected {want}, got {value!r}" for name, value, ok, want in checks
            if not ok]


def _optional_problems(p: MultiDepotProblem) -> list[str]:
    n, out = np.asarray(p.pickup_t).shape[0], []
    for name, shape in (("release_s", (n,)), ("time_window_s", (n, 2)),
                        ("ride_limit_s", (n,))):
        values = getattr(p, name)
        if values is None:
            continue
        values = np.asarray(values)
        if values.shape != shape:
            out.append(f"{name}: expected shape {shape}, got {values.shape}")
            continue
        found = _numbers(values, name, whole=True)
        if not found and name == "time_window_s":
            found = _bad(values[:, 0], values[:, 0] > values[:, 1], "time_window_s[:, 0]",
                         "opens after it closes")
        if not found and name == "ride_limit_s":
            found = _bad(values, values <= 0, name, "not > 0")
        out += found
    return out


def _whole(value: object) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def _positive(value: object) -> bool:
    if not isinstance(value, int | float | np.integer | np.floating) or isinstance(value, bool):
        return False
    return bool(np.isfinite(value) and value > 0)
