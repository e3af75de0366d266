"""The siting problem and its result: what goes into a solve and what comes out.

Pure data (numpy arrays and frozen dataclasses); no solver is imported here, so the scenario
reader and the app can use these names without pulling in OR-Tools. The formulation is in
:mod:`optimize.siting.solve`; :func:`optimize.siting.validate.validate` checks a problem.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

OBJECTIVES = ("coverage_then_time", "time", "cost")
ENGINES = ("auto", "cpsat", "lagrange", "median")  # engines a scenario may choose
#: Engines of split-demand problems only (no scenario builds one; see ``split_demand``).
SPLIT_ENGINES = ("mip",)
#: A solve's default wall-clock cap, as a multiple of its deterministic budget.
DEFAULT_WALL_SAFETY = 3.0
LISTED_ITEMS = 10  # indices named in one message before "... (N in all)"

REASON_NO_SITE = "no candidate site within the longest access time"
REASON_NO_STORE = "no open store within the longest access time"
REASON_FULL = "store capacity or budget exhausted"


@dataclass(frozen=True)
class StoreTier:
    """One store size a site may be built with.

    Attributes
    ----------
    name
        Label shown in plans, e.g. ``"300 t"``.
    capacity_t
        Storage capacity at the harvest peak, tonnes.
    build_cost_yuan
        Full construction cost, yuan (minimised by objective ``'cost'``).
    subsidy_yuan
        Public money paid towards it, yuan; this is what ``budget_yuan`` limits.
    """

    name: str
    capacity_t: float
    build_cost_yuan: float
    subsidy_yuan: float


@dataclass(frozen=True, eq=False)
class LocationProblem:
    """A siting problem on sparse demand-to-site arcs (formulation: :mod:`optimize.siting.solve`).

    Attributes
    ----------
    supply_t
        ``(n_demand,)`` produce to store per demand point at the harvest peak, tonnes.
    weight
        ``(n_demand,)`` priority weight (poverty priority), >= 0, 1 = normal.
    arc_demand, arc_site
        ``(n_arcs,)`` int: the demand index and candidate-site index of each allowed
        assignment. Only pairs within the longest access time are arcs.
    arc_time_s
        ``(n_arcs,)`` travel time demand -> site, seconds (rounded to whole seconds).
    n_sites
        Number of candidate sites.
    tiers
        The store sizes a site may be built with.
    n_stores
        Exactly this many stores, or at most this many if ``exact_store_count`` is False.
    budget_yuan
        Limit on the summed ``subsidy_yuan`` of the chosen tiers; None = no budget.
    required_sites, excluded_sites
        Sites that must open (existing stores) and sites that must not.
    site_demand
        ``(n_sites,)`` the demand index located at each site, or -1; that village is reached
        from its own store at 0 s (only where an arc exists).
    objective
        ``'coverage_then_time'``, ``'time'`` (capacitated p-median) or ``'cost'``.
    site_group
        ``(n_sites,)`` group (county) index of each site, or -1 for none; None = no groups.
    group_min, group_max
        Per group: at least / at most this many stores (``None`` in ``group_max`` = no
        maximum). Both as long as ``group_names``.
    group_names
        Label of each group, used in messages (e.g. the county name and code).
    engine
        ``'cpsat'`` (exact model, CP-SAT), ``'lagrange'`` (Lagrangian bound plus
        heuristics, for province-size instances), ``'median'`` (uncapacitated problems:
        Lagrangian bound plus fast interchange, :mod:`optimize.siting.median`), ``'mip'``
        (split-demand problems only: SCIP MIP, on large ones after a Lagrangian kernel,
        :mod:`optimize.siting.mip_engine`) or ``'auto'`` (chooses by size and kind,
        :func:`optimize.siting.solve.engine_for`).
    time_limit_s, seed, workers
        Wall-clock limit for all stages together, CP-SAT random seed and search workers.
    wall_safety
        A stage's wall-clock cap as a multiple of its deterministic budget (> 0). Both
        engines stop by CP-SAT *deterministic* time, so the same problem gets the same plan
        on any machine; the wall clock only guards against a pathological slowdown, at
        ``wall_safety * budget + 1`` s (CP-SAT stage) or ``wall_safety * time_limit_s + 1`` s
        (Lagrangian engine). A run stopped by it depends on machine speed. Raise it where
        cores are shared (the province's regional solves pass 10).
    unlisted_time_s
        ``(n_demand,)`` or None. Given, the arcs are each point's NEAREST sites of a problem
        in which every pair is allowed, and ``unlisted_time_s[i]`` is a lower bound on point
        ``i``'s time to every site it has no arc to (``inf``: its list is complete). Plans
        still use listed arcs only; the median engine then proves its bound for the full
        problem (proof in :mod:`optimize.siting.median`). The other engines ignore it (their
        bound is for the listed arcs).
    split_demand
        True: a point's supply may be split over several open stores (fractions of it),
        as in OR-Library's capacitated warehouse location (``cap``). Such a problem has
        objective ``'cost'``, needs ``arc_cost_yuan`` and is solved by the ``'mip'`` engine
        (:mod:`optimize.siting.mip_engine`), which minimises in ONE sum the fixed costs of
        the open stores plus ``sum_a fraction_a * arc_cost_yuan[a]``. Its stores must hold
        their assigned fractions: ``load <= min(tier capacity, site_capacity_t[j])``.
    site_fixed_cost_yuan
        ``(n_sites,)`` or None (split-demand problems only): cost of opening each site, yuan,
        added to the build cost of the tier it gets. None = 0.
    site_capacity_t
        ``(n_sites,)`` or None (split-demand problems only): most each site may store,
        tonnes; a store holds ``min(tier capacity_t, site_capacity_t[j])``. None = the tier's.
    arc_cost_yuan
        ``(n_arcs,)`` or None (split-demand problems only, required there): cost of serving
        ALL of point ``arc_demand[a]``'s supply from ``arc_site[a]``, yuan; a fraction ``x``
        of it costs ``x * arc_cost_yuan[a]`` (OR-Library ``cap`` convention).

    ``eq=False``: problems hold arrays, compare them with ``numpy`` if needed.
    """

    supply_t: np.ndarray
    weight: np.ndarray
    arc_demand: np.ndarray
    arc_site: np.ndarray
    arc_time_s: np.ndarray
    n_sites: int
    tiers: tuple[StoreTier, ...]
    n_stores: int
    exact_store_count: bool = True
    budget_yuan: float | None = None
    required_sites: tuple[int, ...] = ()
    excluded_sites: tuple[int, ...] = ()
    site_demand: np.ndarray | None = None
    objective: str = "coverage_then_time"
    site_group: np.ndarray | None = None
    group_min: tuple[int, ...] = ()
    group_max: tuple[int | None, ...] = ()
    group_names: tuple[str, ...] = ()
    engine: str = "auto"
    time_limit_s: float = 30.0
    seed: int = 0
    workers: int = 1
    wall_safety: float = DEFAULT_WALL_SAFETY
    unlisted_time_s: np.ndarray | None = None
    split_demand: bool = False
    site_fixed_cost_yuan: np.ndarray | None = None
    site_capacity_t: np.ndarray | None = None
    arc_cost_yuan: np.ndarray | None = None


@dataclass(frozen=True)
class StageReport:
    """How one lexicographic stage ended.

    Attributes
    ----------
    name
        ``'coverage'`` (weighted t, maximised), ``'time'`` (t*s, minimised, with the
        unserved-supply penalty) or ``'cost'`` (yuan, minimised).
    objective, bound
        Best value found and CP-SAT's proven bound, in the stage's unit.
    gap_pct
        ``100 * |bound - objective| / max(|objective|, |bound|)``; 0 when proven optimal.
    status
        CP-SAT status name: ``'OPTIMAL'``, ``'FEASIBLE'`` or ``'UNKNOWN'`` (no solution).
    time_s
        Wall-clock time of this stage, seconds.
    """

    name: str
    objective: float
    bound: float
    gap_pct: float
    status: str
    time_s: float


@dataclass(frozen=True, eq=False)
class LocationResult:
    """A siting plan and how good it is proven to be.

    Attributes
    ----------
    open_sites
        Sorted indices of the opened sites.
    site_tier
        ``(len(open_sites),)`` tier index of each opened site.
    assignment
        ``(n_demand,)`` serving site index, or -1.
    unserved_reason
        ``(n_demand,)`` None if served, else why (``REASON_*``).
    covered_supply_t
        Supply of the served demand points, tonnes.
    weighted_time
        Sum of supply * access time over served points, t*s.
    objective, bound, gap_pct
        Of the final stage (see ``stages`` for every stage), in its unit.
    status
        ``'OPTIMAL'`` only if every stage was proven optimal, else ``'FEASIBLE'``.
    time_s
        Wall-clock time of the whole solve, seconds.
    binding
        Constraints that bind at the plan, e.g. ``'store count (=100)'``, ``'budget (...)'``,
        ``'capacity at 12 sites'``, ``'access time (37 demand points)'``.
    access_time_s
        ``(n_demand,)`` travel time to the serving store, seconds, or -1.
    load_t
        ``(len(open_sites),)`` supply assigned to each opened store, tonnes.
    stages
        One report per lexicographic stage, in order.
    engine
        ``'cpsat'``, ``'lagrange'``, ``'median'`` or ``'mip'``: the engine that produced
        the plan.
    arc_fraction
        ``(n_arcs,)`` share of each arc's demand point served over it (split-demand
        problems, engine ``'mip'``; each served point's shares sum to 1), or None. There
        ``assignment`` is the site serving the largest share and ``objective`` is the fixed
        costs of the open stores plus ``sum_a arc_fraction[a] * arc_cost_yuan[a]``.
    """

    open_sites: np.ndarray
    site_tier: np.ndarray
    assignment: np.ndarray
    unserved_reason: tuple[str | None, ...]
    covered_supply_t: float
    weighted_time: float
    objective: float
    bound: float
    gap_pct: float
    status: str
    time_s: float
    binding: tuple[str, ...]
    access_time_s: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    load_t: np.ndarray = field(default_factory=lambda: np.zeros(0))
    stages: tuple[StageReport, ...] = ()
    engine: str = "cpsat"
    arc_fraction: np.ndarray | None = None
