"""Cold-store siting: which candidate sites get a store, of which size, serving whom.

Arrays in, frozen dataclasses out; no GIS here (the pipeline builds the sparse arcs).
The model is a capacitated, single-source facility-location problem solved with
OR-Tools CP-SAT.

Formulation
-----------
Sets and data

- demand points ``i`` (villages) with supply ``q_i`` (t) and priority weight ``w_i`` (>= 0,
  1 = normal, higher for poor villages);
- candidate sites ``j``; store tiers ``k`` with capacity ``C_k`` (t), build cost ``c_k``
  (yuan) and public subsidy ``s_k`` (yuan);
- allowed arcs ``a = (i(a), j(a))`` with travel time ``t_a`` (s). Only pairs within the
  longest access time (the freshness limit) are arcs, so the access-time limit is built
  into the sparsity. A village's own site (``site_demand``) is reached at ``t_a = 0``.
  ``A(i)``: arcs of demand point ``i``; ``A(j)``: arcs into site ``j``.

Variables: ``y_jk`` = 1 if site ``j`` is opened with tier ``k``; ``x_a`` = 1 if demand point
``i(a)`` is served (wholly, single sourcing) by site ``j(a)``; ``served_i`` = 1 if point ``i``
is served at all.

Constraints::

    (1) sum_k y_jk <= 1                              one tier per site
    (2) sum_k y_jk = 1 (j required);  y_jk = 0 (j excluded)
    (3) sum_{a in A(i)} x_a = served_i               single sourcing; served_i = 1 for
                                                     'time' and 'cost'
    (4) x_a <= sum_k y_{j(a)k}                       only open stores serve
    (5) sum_{a in A(j)} q_{i(a)} x_a <= sum_k C_k y_jk          store capacity
    (5') sum_i q_i served_i <= sum_jk C_k y_jk        implied by (5), for the LP
    (6) sum_jk y_jk = p   (or <= p if not exact_store_count)     store count
    (6') min_g <= sum_{j in g, k} y_jk <= max_g      per-county quotas (site groups g)
    (7) sum_jk s_k y_jk <= B                         budget on the public subsidy

Objectives, solved as lexicographic stages (a later stage keeps the earlier stage's value
as a constraint; the time limit is shared out evenly over the stages still to run and a
stage that finishes early leaves its time to the next)::

    'coverage_then_time'
        stage 1  max  sum_i w_i q_i served_i                weighted covered supply (t)
        stage 2  min  sum_a q_i t_a x_a + P sum_{i: w_i = 0} q_i (1 - served_i)   (t*s)
                 s.t. stage-1 objective >= V1
    'time'  (capacitated p-median; every demand point served)
        stage 1  min  sum_a q_i t_a x_a                                           (t*s)
    'cost'  (every demand point served)
        stage 1  min  sum_jk c_k y_jk                                             (yuan)
        stage 2  min  sum_a q_i t_a x_a   s.t. stage-1 objective <= C1

``V1``/``C1`` is the best value stage 1 found: its optimum when stage 1 reports OPTIMAL,
otherwise the incumbent at its time limit. There is no further tolerance, so stage 2 never
gives up coverage (or money) for time; stage 1's own gap is kept in ``LocationResult.stages``.
Supply of weight 0 is invisible to stage 1, and stage 2 would drop it to save time, so it
is charged ``P`` = (longest arc time + 1) s per unserved tonne, more than any trip costs.
With every weight positive the stage-2 objective is the plain supply-weighted time. (An
earlier version charged ``P`` on all supply; on capacity-bound instances that traded long
trips for a few extra tonnes and weakened the LP bound, 21 % gap against 15 %.)

After the last stage each open store is right-sized, a cheap third stage that cannot
change the assignment: it gets the tier of least build cost whose capacity still holds its
load and whose subsidy is no higher than the chosen one (so the budget still holds).

Scaling (CP-SAT is integer): supply is counted in 0.01 t (10 kg), rounded up, and
capacities are rounded down, so a plan feasible in the model is feasible in tonnes; weights
are counted in 1/1000; yuan and seconds are rounded to whole units (subsidies up, budget
down). Reported objectives and bounds are converted back to t, t*s or yuan.

Zero-supply demand points have nothing to store: they are left out of the model, never make
a specification infeasible and are not counted as unserved. After solving each is attached
to its nearest open store it has an arc to (time 0 load); if there is none it keeps
``assignment = -1`` with an access-time reason, like any other point.

Search is deterministic for a given seed when ``workers == 1`` and the solve ends before the
time limit (CP-SAT with one worker, ``interleave_search`` off); runs stopped by the wall
clock depend on machine speed. A greedy plan (sites opened by covered weighted supply within
the budget, ties broken by time saved; villages then assigned to the nearest store with
room, improved by relocate/swap moves; tiers right-sized) is given to the first stage as a
complete hint. Each stage's plan goes through the same moves (they change no objective but
time) and is the next stage's hint.

Tuning notes (seeded random instances of 1,200 points, 130 sites, 40,000 arcs, 100 stores,
4 tiers, 60 s, one worker):

- single sourcing is one exactly-one over a point's arcs and ``not served_i``, objectives on
  ``served_i``; the first version (at-most-one over the arcs, objectives on arcs) ended
  stage 2 at a 56 % gap where this one proves the optimum;
- (5') gives the LP the total capacity: the stage-1 bound on a capacity-bound instance fell
  from "everything covered" (25,890) to 23,825 (0.3 % gap), and the 'cost' bound rose from
  60.0 M to 68.0 M yuan;
- the hint assigns by weight, then supply, then options, and relocate/swap moves shorten
  it; where capacity binds, stage 2 does not improve on that hint within 30 s;
- tried and dropped: polishing each hint with its sites fixed (one worker never left the
  hint in 10 s), ``interleave_search`` with one worker (batches of 15 s overrun the stage
  limits), ``linearization_level = 2`` (no better bound).

When capacity and budget bind, the stage-2 gap stays large (60 % to 70 %): the LP of a
capacitated single-source assignment is weak, and how much of the gap is the bound rather
than the plan is not known. ``workers = 2`` adds LNS; it proved full coverage on one such
instance where one worker stopped 1.8 % short.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
from ortools.sat.python import cp_model

from optimize.errors import InfeasibleError, SpecificationError

OBJECTIVES = ("coverage_then_time", "time", "cost")
ENGINES = ("auto", "cpsat", "lagrange")
SUPPLY_UNITS_PER_T = 100  # model supply and capacity in 0.01 t (10 kg)
WEIGHT_UNITS = 1000  # model priority weights in 1/1000
FULL_LOAD_SHARE = 0.995  # a store loaded to this share of capacity counts as full
LOCAL_SEARCH_PASSES = 10  # sweeps of relocate/swap moves over a plan's assignment
MIN_SOLVE_S = 0.1  # every CP-SAT call gets at least this much deterministic time
WALL_SAFETY = 3.0  # a stage's wall-clock cap, as a multiple of its deterministic budget
DIAGNOSIS_TIME_S = 10.0  # longest time for each relaxed re-solve explaining an infeasibility
LISTED_ITEMS = 10  # indices named in one message before "... (N in all)"
AUTO_LAGRANGE_ARCS = 10_000  # engine 'auto': Lagrangian engine from this many arcs up

REASON_NO_SITE = "no candidate site within the longest access time"
REASON_NO_STORE = "no open store within the longest access time"
REASON_FULL = "store capacity or budget exhausted"

_NO_ARCS = np.zeros(0, dtype=np.int64)
_STAGES = {"coverage_then_time": ("coverage", "time"), "time": ("time",), "cost": ("cost", "time")}


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
    """A siting problem on sparse demand-to-site arcs (formulation in the module docstring).

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
        heuristics, for province-size instances) or ``'auto'`` (chooses by size).
    time_limit_s, seed, workers
        Wall-clock limit for all stages together, CP-SAT random seed and search workers.

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
        ``'cpsat'`` or ``'lagrange'``: the engine that produced the plan.
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


# --------------------------------------------------------------------------- validation


def validate(problem: LocationProblem) -> None:
    """Reject a specification that cannot work, before any solving.

    Raises
    ------
    SpecificationError
        With every reason found. Shape and index errors are reported first on their own,
        because the remaining checks need valid indices.
    """
    reasons = _shape_reasons(problem)
    if not reasons:
        reasons = _value_reasons(problem) + _site_reasons(problem) + _budget_reasons(problem)
        reasons += _group_reasons(problem) + _full_service_reasons(problem)
    if reasons:
        raise SpecificationError(reasons)


def _listed(indices: np.ndarray | list[int]) -> str:
    """Name up to ``LISTED_ITEMS`` indices, e.g. ``[3, 7, ... (25 in all)]``."""
    items = [int(i) for i in indices]
    shown = ", ".join(str(i) for i in items[:LISTED_ITEMS])
    more = f", ... ({len(items)} in all)" if len(items) > LISTED_ITEMS else ""
    return f"[{shown}{more}]"


def _shape_reasons(problem: LocationProblem) -> list[str]:
    """Array shapes, index ranges and scalar settings."""
    reasons = _vector_reasons(problem)
    n_demand = np.asarray(problem.supply_t).shape[0] if not reasons else 0
    if not reasons:
        reasons += _index_reasons(problem, n_demand)
    if problem.objective not in OBJECTIVES:
        reasons.append(f"objective {problem.objective!r} is not one of {OBJECTIVES}")
    if not problem.tiers:
        reasons.append("no store tier given")
    if problem.n_stores < 1:
        reasons.append(f"n_stores must be at least 1, got {problem.n_stores}")
    if not problem.time_limit_s > 0 or problem.workers < 1:
        reasons.append("time_limit_s must be > 0 and workers >= 1")
    if problem.engine not in ENGINES:
        reasons.append(f"engine {problem.engine!r} is not one of {ENGINES}")
    return reasons + _group_shape_reasons(problem)


def _group_shape_reasons(problem: LocationProblem) -> list[str]:
    """Site groups (county quotas): one group per site, one min and max per group."""
    n_groups = len(problem.group_names)
    if len(problem.group_min) != n_groups or len(problem.group_max) != n_groups:
        return [f"group_min ({len(problem.group_min)}), group_max ({len(problem.group_max)}) "
                f"and group_names ({n_groups}) must have the same length"]
    if problem.site_group is None:
        return [] if n_groups == 0 else ["group limits are given but site_group is None"]
    group = np.asarray(problem.site_group)
    if group.shape != (problem.n_sites,) or (group.size and
                                             not np.issubdtype(group.dtype, np.integer)):
        return [f"site_group must be an integer array of shape ({problem.n_sites},)"]
    bad = np.flatnonzero((group < -1) | (group >= n_groups))
    if bad.size:
        return [f"site_group out of range [-1, {n_groups}) at sites {_listed(bad)}"]
    return []


def _vector_reasons(problem: LocationProblem) -> list[str]:
    """Each per-demand and per-arc array is 1-D with a consistent length."""
    reasons: list[str] = []
    supply = np.asarray(problem.supply_t)
    if supply.ndim != 1 or np.asarray(problem.weight).shape != supply.shape:
        reasons.append("supply_t and weight must be 1-D arrays of the same length (n_demand)")
    arcs = [np.asarray(a) for a in (problem.arc_demand, problem.arc_site, problem.arc_time_s)]
    if arcs[0].ndim != 1 or any(a.shape != arcs[0].shape for a in arcs):
        reasons.append("arc_demand, arc_site and arc_time_s must be 1-D of the same length")
    indices = [
        *arcs[:2],
        np.asarray(problem.site_demand if problem.site_demand is not None else []),
    ]
    if any(a.size and not np.issubdtype(a.dtype, np.integer) for a in indices):
        reasons.append("arc_demand, arc_site and site_demand must hold integers")
    if problem.site_demand is not None and np.asarray(problem.site_demand).shape != (
        problem.n_sites,
    ):
        reasons.append(f"site_demand must have shape ({problem.n_sites},)")
    return reasons


def _index_reasons(problem: LocationProblem, n_demand: int) -> list[str]:
    """Every index points at an existing demand point or site."""
    checks = [
        ("arc_demand", np.asarray(problem.arc_demand), 0, n_demand),
        ("arc_site", np.asarray(problem.arc_site), 0, problem.n_sites),
        ("required_sites", np.asarray(problem.required_sites, dtype=np.int64), 0, problem.n_sites),
        ("excluded_sites", np.asarray(problem.excluded_sites, dtype=np.int64), 0, problem.n_sites),
    ]
    if problem.site_demand is not None:
        checks.append(("site_demand", np.asarray(problem.site_demand), -1, n_demand))
    reasons = []
    for name, values, low, high in checks:
        bad = np.flatnonzero((values < low) | (values >= high))
        if bad.size:
            reasons.append(f"{name} out of range [{low}, {high}) at positions {_listed(bad)}")
    return reasons


def _value_reasons(problem: LocationProblem) -> list[str]:
    """Supplies, weights, times and tiers are finite and of the right sign."""
    reasons = []
    named = [
        ("supply_t", "demand points", problem.supply_t),
        ("weight", "demand points", problem.weight),
        ("arc_time_s", "arcs", problem.arc_time_s),
    ]
    for name, what, values in named:
        values = np.asarray(values, dtype=float)
        bad = np.flatnonzero(~(np.isfinite(values) & (values >= 0)))
        if bad.size:
            reasons.append(f"{name} is negative or not finite at {what} {_listed(bad)}")
    for tier in problem.tiers:
        if not tier.capacity_t > 0 or not min(tier.build_cost_yuan, tier.subsidy_yuan) >= 0:
            reasons.append(f"tier {tier.name!r} needs capacity_t > 0 and costs >= 0")
    return reasons


def _site_reasons(problem: LocationProblem) -> list[str]:
    """Store count against candidate, required and excluded sites."""
    required, excluded = set(problem.required_sites), set(problem.excluded_sites)
    reasons = []
    if both := sorted(required & excluded):
        reasons.append(f"sites {_listed(both)} are both required and excluded")
    if len(required) > problem.n_stores:
        reasons.append(f"{len(required)} required sites exceed n_stores = {problem.n_stores}")
    available = problem.n_sites - len(excluded)
    if problem.exact_store_count and problem.n_stores > available:
        reasons.append(
            f"n_stores = {problem.n_stores} exceeds the {available} candidate sites "
            f"not excluded ({problem.n_sites} sites, {len(excluded)} excluded)"
        )
    return reasons


def _budget_reasons(problem: LocationProblem) -> list[str]:
    """The budget pays for the fewest stores the plan must open, each of the cheapest tier."""
    if problem.budget_yuan is None or not problem.tiers:
        return []
    if not problem.budget_yuan >= 0:
        return [f"budget_yuan must be >= 0, got {problem.budget_yuan}"]
    fewest = problem.n_stores if problem.exact_store_count else len(set(problem.required_sites))
    cheapest = min(problem.tiers, key=lambda tier: tier.subsidy_yuan)
    if problem.budget_yuan >= fewest * cheapest.subsidy_yuan:
        return []
    return [
        f"budget {_yuan(problem.budget_yuan)} yuan is below {fewest} stores x the cheapest "
        f"tier {cheapest.name!r} subsidy {_yuan(cheapest.subsidy_yuan)} yuan "
        f"= {_yuan(fewest * cheapest.subsidy_yuan)} yuan"
    ]


def _group_reasons(problem: LocationProblem) -> list[str]:
    """County quotas against each other, the store count and the group's candidates."""
    if problem.site_group is None or not problem.group_names:
        return []
    group = np.asarray(problem.site_group, dtype=np.int64)
    allowed = np.ones(problem.n_sites, dtype=bool)
    allowed[list(problem.excluded_sites)] = False
    candidates = np.bincount(group[allowed & (group >= 0)], minlength=len(problem.group_names))
    required = np.zeros(problem.n_sites, dtype=bool)
    required[list(problem.required_sites)] = True
    forced = np.bincount(group[required & (group >= 0)], minlength=len(problem.group_names))
    reasons = []
    for g, name in enumerate(problem.group_names):
        low, high = problem.group_min[g], problem.group_max[g]
        if low < 0 or (high is not None and high < low):
            reasons.append(f"quota of {name}: expected 0 <= minimum <= maximum, "
                           f"got {low}..{high}")
        elif low > candidates[g]:
            reasons.append(f"quota of {name}: minimum {low} stores is above its "
                           f"{candidates[g]} candidate sites not excluded")
        elif high is not None and forced[g] > high:
            reasons.append(f"quota of {name}: {forced[g]} required sites exceed its "
                           f"maximum of {high} stores")
    if reasons:
        return reasons
    lowest = int(np.maximum(np.asarray(problem.group_min), forced).sum())
    if lowest > problem.n_stores:
        reasons.append(f"county minimums (with required sites) add up to {lowest} stores, "
                       f"above n_stores = {problem.n_stores}")
    if problem.exact_store_count:
        room = [min(candidates[g], high if high is not None else candidates[g])
                for g, high in enumerate(problem.group_max)]
        most = int(sum(room)) + int(np.count_nonzero(allowed & (group < 0)))
        if most < problem.n_stores:
            reasons.append(f"county maximums allow at most {most} stores, below "
                           f"n_stores = {problem.n_stores}")
    return reasons


def _yuan(amount: float) -> str:
    """Money for a message: ``1,500,000`` or, with fen, ``1.50``."""
    return f"{amount:,.0f}" if float(amount).is_integer() else f"{amount:,.2f}"


def _full_service_reasons(problem: LocationProblem) -> list[str]:
    """Objectives 'time' and 'cost' serve every demand point: it must be possible at all."""
    if problem.objective == "coverage_then_time" or not problem.tiers:
        return []
    supply = np.asarray(problem.supply_t, dtype=float)
    allowed = np.ones(problem.n_sites, dtype=bool)
    allowed[list(problem.excluded_sites)] = False
    reach = np.zeros(supply.shape[0], dtype=bool)
    reach[np.asarray(problem.arc_demand)[allowed[np.asarray(problem.arc_site)]]] = True
    reasons = []
    if (lonely := np.flatnonzero(~reach & (supply > 0))).size:
        reasons.append(
            f"demand points {_listed(lonely)} have no arc to a site that is not excluded; "
            f"objective {problem.objective!r} must serve every demand point"
        )
    largest = max(problem.tiers, key=lambda tier: tier.capacity_t)
    if supply.sum() > problem.n_stores * largest.capacity_t:
        reasons.append(
            f"total supply {supply.sum():,.2f} t exceeds {problem.n_stores} stores x the "
            f"largest tier {largest.name!r} ({largest.capacity_t:,.2f} t) "
            f"= {problem.n_stores * largest.capacity_t:,.2f} t"
        )
    return reasons


# ------------------------------------------------------------------ integer problem data


@dataclass(frozen=True, eq=False)
class _Data:
    """The problem in CP-SAT's integer units; ``m_*`` are the arcs kept in the model."""

    problem: LocationProblem
    supply_u: np.ndarray  # (n_demand,) 0.01 t, rounded up
    weight_u: np.ndarray  # (n_demand,) 1/1000
    arc_demand: np.ndarray  # all arcs
    arc_site: np.ndarray
    arc_time_s: np.ndarray  # own village at 0 s
    model_arcs: np.ndarray  # indices of arcs in the model: supply > 0, site not excluded
    m_demand: np.ndarray  # demand index of each model arc
    m_site: np.ndarray  # site index of each model arc
    m_time_s: np.ndarray  # travel time of each model arc, seconds
    allowed: np.ndarray  # (n_sites,) bool, not excluded
    cap_u: np.ndarray  # (n_tiers,) 0.01 t, rounded down
    subsidy_yuan: np.ndarray  # (n_tiers,) int, rounded up
    cost_yuan: np.ndarray  # (n_tiers,) int
    budget_yuan: int | None  # rounded down


def _prepare(problem: LocationProblem) -> _Data:
    """Convert a validated problem to integer units and drop arcs that cannot be used."""
    supply_u = np.ceil(np.asarray(problem.supply_t, float) * SUPPLY_UNITS_PER_T - 1e-9)
    arc_demand = np.asarray(problem.arc_demand, dtype=np.int64)
    arc_site = np.asarray(problem.arc_site, dtype=np.int64)
    allowed = np.ones(problem.n_sites, dtype=bool)
    allowed[list(problem.excluded_sites)] = False
    model_arcs = np.flatnonzero((supply_u[arc_demand] > 0) & allowed[arc_site])
    arc_time_s = _own_village_times(problem, arc_demand, arc_site)
    tiers = problem.tiers
    budget = problem.budget_yuan
    return _Data(
        problem=problem,
        supply_u=supply_u.astype(np.int64),
        weight_u=np.rint(np.asarray(problem.weight, float) * WEIGHT_UNITS).astype(np.int64),
        arc_demand=arc_demand,
        arc_site=arc_site,
        arc_time_s=arc_time_s,
        model_arcs=model_arcs,
        m_demand=arc_demand[model_arcs],
        m_site=arc_site[model_arcs],
        m_time_s=arc_time_s[model_arcs],
        allowed=allowed,
        cap_u=np.array([int(t.capacity_t * SUPPLY_UNITS_PER_T + 1e-9) for t in tiers]),
        subsidy_yuan=np.array([int(np.ceil(t.subsidy_yuan - 1e-9)) for t in tiers]),
        cost_yuan=np.array([round(t.build_cost_yuan) for t in tiers]),
        budget_yuan=None if budget is None else int(np.floor(budget + 1e-9)),
    )


def _own_village_times(
    problem: LocationProblem, arc_demand: np.ndarray, arc_site: np.ndarray
) -> np.ndarray:
    """Arc times in whole seconds, 0 from a village to a store built in that village."""
    time_s = np.rint(np.asarray(problem.arc_time_s, dtype=float)).astype(np.int64)
    if problem.site_demand is not None:
        own = np.asarray(problem.site_demand, dtype=np.int64)[arc_site] == arc_demand
        time_s[own] = 0
    return time_s


# ----------------------------------------------------------------------------- CP model


@dataclass(eq=False)
class _Cp:
    """The CP-SAT model; its Boolean variables in four blocks, all 0/1.

    ``variables`` = tier ``y_jk`` (``tier_site``, ``tier_tier``) + ``open_j`` (``open_site``)
    + ``served_i`` (``served_demand``: points with a model arc) + ``x_a`` (model arcs).
    """

    problem: LocationProblem
    model: cp_model.CpModel
    tier_site: np.ndarray
    tier_tier: np.ndarray
    open_site: np.ndarray
    served_demand: np.ndarray
    arc_demand: np.ndarray  # demand point of each model arc
    variables: list[cp_model.IntVar] = field(default_factory=list)

    def block(self, name: str) -> slice:
        """Position of block ``'tier'``, ``'open'``, ``'served'`` or ``'arc'`` in ``variables``."""
        sizes = {"tier": len(self.tier_site), "open": len(self.open_site)}
        sizes["served"] = len(self.served_demand)
        start = 0
        for block, size in sizes.items():
            if block == name:
                return slice(start, start + size)
            start += size
        return slice(start, len(self.variables))

    def vars(self, name: str) -> list[cp_model.IntVar]:
        """The variables of one block."""
        return self.variables[self.block(name)]


def _build(data: _Data, *, capacity: bool = True, budget: bool = True) -> _Cp:
    """Constraints (1)-(7) of the module docstring; ``capacity``/``budget`` off to diagnose."""
    cp = _new_cp(data)
    _add_sites(data, cp)
    _add_arcs(data, cp)
    if capacity:
        _add_capacity(data, cp)
    if budget and data.budget_yuan is not None:
        subsidy = [int(data.subsidy_yuan[k]) for k in cp.tier_tier]
        cp.model.add(cp_model.LinearExpr.weighted_sum(cp.vars("tier"), subsidy) <= data.budget_yuan)
    return cp


def _new_cp(data: _Data) -> _Cp:
    """A model with every variable created, block by block."""
    sites, n_tiers = np.flatnonzero(data.allowed), len(data.cap_u)
    cp = _Cp(
        problem=data.problem,
        model=cp_model.CpModel(),
        tier_site=np.repeat(sites, n_tiers),
        tier_tier=np.tile(np.arange(n_tiers), len(sites)),
        open_site=sites,
        served_demand=np.unique(data.m_demand),
        arc_demand=data.m_demand,
    )
    names = [f"y_{j}_{k}" for j, k in zip(cp.tier_site, cp.tier_tier, strict=True)]
    names += [f"open_{j}" for j in sites] + [f"served_{i}" for i in cp.served_demand]
    names += [f"x_{i}_{j}" for i, j in zip(data.m_demand, data.m_site, strict=True)]
    cp.variables = [cp.model.new_bool_var(name) for name in names]
    return cp


def _add_sites(data: _Data, cp: _Cp) -> None:
    """(1) one tier per open site, (2) required sites, (6) store count."""
    n_tiers, tiers, opens = len(data.cap_u), cp.vars("tier"), cp.vars("open")
    for pos, open_j in enumerate(opens):
        cp.model.add(sum(tiers[pos * n_tiers : (pos + 1) * n_tiers]) == open_j)
    position = {int(j): pos for pos, j in enumerate(cp.open_site)}
    for j in set(data.problem.required_sites):
        cp.model.add(opens[position[j]] == 1)
    if data.problem.exact_store_count:
        cp.model.add(sum(opens) == data.problem.n_stores)
    else:
        cp.model.add(sum(opens) <= data.problem.n_stores)
    group_of = _site_groups(data.problem)[cp.open_site]
    for g, (low, high) in enumerate(zip(data.problem.group_min, data.problem.group_max,
                                        strict=True)):
        members = [opens[pos] for pos in np.flatnonzero(group_of == g)]
        if low > 0:
            cp.model.add(sum(members) >= low)
        if high is not None:
            cp.model.add(sum(members) <= high)


def _site_groups(problem: LocationProblem) -> np.ndarray:
    """``(n_sites,)`` group index of each site, -1 where none (or no groups at all)."""
    if problem.site_group is None:
        return np.full(problem.n_sites, -1, dtype=np.int64)
    return np.asarray(problem.site_group, dtype=np.int64)


def _group_room(problem: LocationProblem, site_tier: np.ndarray) -> np.ndarray:
    """``(n_sites,)`` True where opening the site keeps its group within its maximum."""
    group = _site_groups(problem)
    if not problem.group_names:
        return np.ones(problem.n_sites, dtype=bool)
    opened = np.bincount(group[(site_tier >= 0) & (group >= 0)],
                         minlength=len(problem.group_names))
    high = np.array([h if h is not None else problem.n_sites for h in problem.group_max])
    return (group < 0) | (opened[np.maximum(group, 0)] < high[np.maximum(group, 0)])


def _add_arcs(data: _Data, cp: _Cp) -> None:
    """(3) single sourcing, as ``served_i`` = sum of its arcs, and (4) open-store linking."""
    arcs, opens, served = cp.vars("arc"), cp.vars("open"), cp.vars("served")
    position = {int(j): pos for pos, j in enumerate(cp.open_site)}
    for x, j in zip(arcs, data.m_site, strict=True):
        cp.model.add_implication(x, opens[position[int(j)]])
    for served_i, group in zip(served, _groups(data.m_demand), strict=True):
        cp.model.add_exactly_one([arcs[a] for a in group] + [served_i.Not()])
    if data.problem.objective != "coverage_then_time":
        for served_i in served:
            cp.model.add(served_i == 1)


def _groups(keys: np.ndarray) -> list[np.ndarray]:
    """Positions of ``keys`` grouped by key value, groups in ascending key order."""
    order = np.argsort(keys, kind="stable")
    splits = np.flatnonzero(np.diff(keys[order])) + 1
    return [group for group in np.split(order, splits) if group.size]


def _add_capacity(data: _Data, cp: _Cp) -> None:
    """(5): the supply a store serves fits the capacity of its tier."""
    n_tiers, arcs, tiers = len(data.cap_u), cp.vars("arc"), cp.vars("tier")
    position = {int(j): pos for pos, j in enumerate(cp.open_site)}
    capacity = [int(c) for c in data.cap_u]
    for group in _groups(data.m_site):
        supply = [int(data.supply_u[i]) for i in data.m_demand[group]]
        load = cp_model.LinearExpr.weighted_sum([arcs[a] for a in group], supply)
        start = position[int(data.m_site[group[0]])] * n_tiers
        room = cp_model.LinearExpr.weighted_sum(tiers[start : start + n_tiers], capacity)
        cp.model.add(load <= room)
    _add_total_capacity(data, cp)


def _add_total_capacity(data: _Data, cp: _Cp) -> None:
    """(5'), implied by (5): the stores together hold the supply they serve.

    It hands the LP the knapsack view at once. Without it CP-SAT's bound for 'cost' stayed
    at the cheapest-tier cost (60.0 M yuan against 68.4 M found on the 1,200-point
    benchmark) and the stage-1 coverage bound at "everything covered".
    """
    capacity = [int(data.cap_u[k]) for k in cp.tier_tier]
    supply = [int(q) for q in data.supply_u[cp.served_demand]]
    total_capacity = cp_model.LinearExpr.weighted_sum(cp.vars("tier"), capacity)
    cp.model.add(cp_model.LinearExpr.weighted_sum(cp.vars("served"), supply) <= total_capacity)


# ---------------------------------------------------------------------------- objectives


@dataclass(frozen=True, eq=False)
class _Objective:
    """One stage objective ``coeff @ variables + offset`` in integer units."""

    name: str
    coeff: np.ndarray  # over cp.variables
    offset: int
    maximize: bool
    units_per_value: float  # scaled integer units per reported unit (t, t*s or yuan)

    def expression(self, cp: _Cp) -> cp_model.LinearExprT:
        """The CP-SAT linear expression (terms with a zero coefficient left out)."""
        used = np.flatnonzero(self.coeff)
        terms = cp_model.LinearExpr.weighted_sum(
            [cp.variables[p] for p in used], [int(c) for c in self.coeff[used]]
        )
        return terms + self.offset

    def value(self, cp: _Cp, plan: _Plan) -> int:
        """The objective of ``plan``, in integer units."""
        return int(self.coeff @ _values(cp, plan)) + self.offset

    def trivial_bound(self) -> int:
        """A bound that holds without solving: every helpful term at its best."""
        helpful = self.coeff[self.coeff > 0] if self.maximize else self.coeff[self.coeff < 0]
        return int(helpful.sum()) + self.offset


def _objective(name: str, data: _Data, cp: _Cp) -> _Objective:
    """The stage objective called ``name`` (``'coverage'``, ``'time'`` or ``'cost'``)."""
    coeff = np.zeros(len(cp.variables), dtype=np.int64)
    supply = data.supply_u[cp.served_demand]
    if name == "coverage":
        coeff[cp.block("served")] = data.weight_u[cp.served_demand] * supply
        return _Objective(name, coeff, 0, True, float(WEIGHT_UNITS * SUPPLY_UNITS_PER_T))
    if name == "cost":
        coeff[cp.block("tier")] = data.cost_yuan[cp.tier_tier]
        return _Objective(name, coeff, 0, False, 1.0)
    penalty_s = int(data.arc_time_s.max(initial=0)) + 1
    coeff[cp.block("arc")] = data.supply_u[data.m_demand] * data.m_time_s
    unweighted = supply * (data.weight_u[cp.served_demand] == 0)
    coeff[cp.block("served")] = -penalty_s * unweighted
    offset = penalty_s * int(unweighted.sum())
    return _Objective(name, coeff, offset, False, float(SUPPLY_UNITS_PER_T))


# ------------------------------------------------------------------------- greedy start


@dataclass(frozen=True, eq=False)
class _Plan:
    """A solution in model terms: tier per site (-1 closed), on/off per model arc."""

    site_tier: np.ndarray
    arc_on: np.ndarray


def _greedy_plan(data: _Data) -> _Plan:
    """Warm start: open sites greedily, assign nearest-fit, right-size the tiers.

    Sites are added by covered weighted supply, ties (common when every store fills up)
    broken by the supply-weighted time saved, then by the lower index; so the hint follows
    the lexicographic objective. Required sites open first; each new store gets the largest
    tier the budget allows while keeping the cheapest tier affordable for the stores still
    to open. Deterministic.
    """
    problem = data.problem
    site_tier = np.full(problem.n_sites, -1, dtype=np.int64)
    taken = np.zeros(len(data.supply_u), dtype=bool)
    arcs_of = _arcs_by(data.m_site, data)
    for j in sorted(set(problem.required_sites)):
        _open_greedy(data, arcs_of, site_tier, taken, j)
    group = _site_groups(problem)
    for g, low in enumerate(problem.group_min):
        while np.count_nonzero((site_tier >= 0) & (group == g)) < low:
            j = _best_site(data, arcs_of, site_tier, taken, among=group == g, forced=True)
            _open_greedy(data, arcs_of, site_tier, taken, j)
    while np.count_nonzero(site_tier >= 0) < problem.n_stores:
        j = _best_site(data, arcs_of, site_tier, taken, among=_group_room(problem, site_tier))
        if j < 0:
            break
        _open_greedy(data, arcs_of, site_tier, taken, j)
    plan = _Moves(data, _Plan(site_tier, _nearest_fit(data, site_tier))).run(LOCAL_SEARCH_PASSES)
    return _Plan(_right_size(data, plan), plan.arc_on)


def _arcs_by(key: np.ndarray, data: _Data) -> dict[int, np.ndarray]:
    """Model arcs grouped by ``key`` (site or demand of each model arc), nearest first."""
    order = np.lexsort((data.m_time_s, key))
    return {int(key[order[g[0]]]): order[g] for g in _groups(key[order])}


def _affordable_tier(data: _Data, site_tier: np.ndarray) -> int:
    """Largest tier the budget allows, reserving the cheapest tier for stores still to open."""
    if data.budget_yuan is None:
        return int(np.lexsort((data.cost_yuan, -data.cap_u))[0])
    opened = site_tier[site_tier >= 0]
    left = data.budget_yuan - int(data.subsidy_yuan[opened].sum())
    to_open = data.problem.n_stores - len(opened) - 1 if data.problem.exact_store_count else 0
    fits = data.subsidy_yuan <= left - to_open * int(data.subsidy_yuan.min())
    if not fits.any():
        return int(np.argmin(data.subsidy_yuan))
    cap = np.where(fits, data.cap_u, -1)
    return int(np.lexsort((data.cost_yuan, -cap))[0])


def _fill(data: _Data, arcs: np.ndarray, taken: np.ndarray, cap_u: int) -> np.ndarray:
    """Untaken demand points on ``arcs`` (sorted by time) that fit ``cap_u`` in that order."""
    demand = data.m_demand[arcs]
    demand = demand[~taken[demand]]
    return demand[np.cumsum(data.supply_u[demand]) <= cap_u]


def _best_site(
    data: _Data,
    arcs_of: dict[int, np.ndarray],
    site_tier: np.ndarray,
    taken: np.ndarray,
    *,
    among: np.ndarray,
    forced: bool = False,
) -> int:
    """Closed, allowed site in ``among`` covering the most untaken weighted supply; -1 if
    none is left.

    Ties go to the largest time saving. With an exact store count (or ``forced``, for a
    county minimum) a site is still chosen when nothing is left to cover.
    """
    cap_u = int(data.cap_u[_affordable_tier(data, site_tier)])
    saving = _time_saving(data, site_tier)
    best, best_key = -1, (-1, -1.0)
    for j in np.flatnonzero(data.allowed & (site_tier < 0) & among):
        demand = _fill(data, arcs_of.get(int(j), _NO_ARCS), taken, cap_u)
        key = (int((data.weight_u[demand] * data.supply_u[demand]).sum()), float(saving[j]))
        if key > best_key:
            best, best_key = int(j), key
    if best_key[0] <= 0 and not (data.problem.exact_store_count or forced):
        return -1
    return best


def _time_saving(data: _Data, site_tier: np.ndarray) -> np.ndarray:
    """Per site, sum of supply * seconds saved if every point used its nearest open store."""
    nearest_s = np.full(len(data.supply_u), int(data.arc_time_s.max(initial=0)) + 1)
    opened = site_tier[data.m_site] >= 0
    np.minimum.at(nearest_s, data.m_demand[opened], data.m_time_s[opened])
    saved_s = np.maximum(nearest_s[data.m_demand] - data.m_time_s, 0)
    saving = data.supply_u[data.m_demand] * saved_s
    return np.bincount(data.m_site, weights=saving, minlength=len(site_tier))


def _open_greedy(
    data: _Data, arcs_of: dict[int, np.ndarray], site_tier: np.ndarray, taken: np.ndarray, j: int
) -> None:
    """Open site ``j`` with the affordable tier and mark the demand it would cover."""
    k = _affordable_tier(data, site_tier)
    site_tier[j] = k
    taken[_fill(data, arcs_of.get(j, _NO_ARCS), taken, int(data.cap_u[k]))] = True


def _nearest_fit(data: _Data, site_tier: np.ndarray) -> np.ndarray:
    """Assign each demand point to the nearest open store with room.

    Order: highest weight first (what stage 1 values per tonne of capacity), then the
    largest supply (first-fit decreasing, as in bin packing), then the fewest open stores in
    reach. On two capacity-bound 1,200-point instances this order covered 0.3 % to 4 % more
    weighted supply than "fewest options first".
    """
    room = np.where(site_tier >= 0, data.cap_u[site_tier], 0)
    arc_on = np.zeros(len(data.model_arcs), dtype=bool)
    arcs_of = _arcs_by(data.m_demand, data)
    options = np.bincount(data.m_demand[site_tier[data.m_site] >= 0], minlength=len(data.supply_u))
    for i in np.lexsort((options, -data.supply_u, -data.weight_u)):
        for a in arcs_of.get(int(i), ()):
            j = data.m_site[a]
            if room[j] >= data.supply_u[i]:
                room[j] -= data.supply_u[i]
                arc_on[a] = True
                break
    return arc_on


class _Moves:
    """Local search on the assignment of a plan: stores, tiers and the served set stay fixed.

    Moves, first improvement, points in index order (deterministic): a point goes to a
    nearer open store with room, or swaps with a point there when both fit and the
    supply-weighted time falls (the largest fall among the swaps). On seeded 1,200-point
    instances it cut the greedy hint's supply-weighted time by 2 % to 16 % in under 1 s,
    and stage 2 on capacity-bound instances improved on it no further in 30 s.
    """

    def __init__(self, data: _Data, plan: _Plan) -> None:
        self.data, self.site_tier = data, plan.site_tier
        self.arc_of = np.full(len(data.supply_u), -1, dtype=np.int64)
        self.arc_of[data.m_demand[plan.arc_on]] = np.flatnonzero(plan.arc_on)
        self.room_u = np.where(plan.site_tier >= 0, data.cap_u[plan.site_tier], 0)
        np.subtract.at(
            self.room_u, data.m_site[plan.arc_on], data.supply_u[data.m_demand[plan.arc_on]]
        )
        self.arc_at = {
            (int(i), int(j)): a
            for a, (i, j) in enumerate(zip(data.m_demand, data.m_site, strict=True))
        }
        self.members: dict[int, set[int]] = {
            int(j): set() for j in np.flatnonzero(plan.site_tier >= 0)
        }
        for i in np.flatnonzero(self.arc_of >= 0):
            self.members[int(data.m_site[self.arc_of[i]])].add(int(i))

    def run(self, passes: int) -> _Plan:
        """Up to ``passes`` sweeps over the served points, stopping when one changes nothing."""
        nearest_first = _arcs_by(self.data.m_demand, self.data)
        for _ in range(passes):
            moved = [
                self._improve(int(i), nearest_first[int(i)])
                for i in np.flatnonzero(self.arc_of >= 0)
            ]
            if not any(moved):
                break
        arc_on = np.zeros(len(self.data.model_arcs), dtype=bool)
        arc_on[self.arc_of[self.arc_of >= 0]] = True
        return _Plan(self.site_tier, arc_on)

    def _improve(self, i: int, arcs: np.ndarray) -> bool:
        """Move point ``i`` to the first nearer open store that takes it, directly or by swap."""
        now_s = self.data.m_time_s[self.arc_of[i]]
        for a in arcs:
            if self.data.m_time_s[a] >= now_s:
                return False
            if self.site_tier[self.data.m_site[a]] >= 0 and (
                self._relocate(i, a) or self._swap(i, a)
            ):
                return True
        return False

    def _relocate(self, i: int, a: int) -> bool:
        """Serve ``i`` through arc ``a`` if its store has room."""
        if self.room_u[self.data.m_site[a]] < self.data.supply_u[i]:
            return False
        self._assign(i, a)
        return True

    def _swap(self, i: int, a: int) -> bool:
        """Swap ``i`` (onto arc ``a``) with the point at that store whose move back saves most."""
        data, old = self.data, int(self.arc_of[i])
        here, there = int(data.m_site[old]), int(data.m_site[a])
        saved = data.supply_u[i] * (data.m_time_s[old] - data.m_time_s[a])
        best, best_gain = None, 0
        for k in sorted(self.members[there]):
            back = self.arc_at.get((k, here))
            if back is None or not self._fits_swap(i, k, here, there):
                continue
            gain = saved - data.supply_u[k] * (data.m_time_s[back] - data.m_time_s[self.arc_of[k]])
            if gain > best_gain:
                best, best_gain = (k, back), gain
        if best is None:
            return False
        self._assign(best[0], best[1])
        self._assign(i, a)
        return True

    def _fits_swap(self, i: int, k: int, here: int, there: int) -> bool:
        """Both stores hold their loads after ``i`` and ``k`` trade places."""
        difference = self.data.supply_u[i] - self.data.supply_u[k]
        return bool(self.room_u[there] >= difference and self.room_u[here] >= -difference)

    def _assign(self, i: int, a: int) -> None:
        """Move point ``i`` onto arc ``a``, updating rooms and members."""
        data, old = self.data, int(self.arc_of[i])
        from_site, to_site = int(data.m_site[old]), int(data.m_site[a])
        self.room_u[from_site] += data.supply_u[i]
        self.room_u[to_site] -= data.supply_u[i]
        self.members[from_site].discard(i)
        self.members[to_site].add(i)
        self.arc_of[i] = a


def _values(cp: _Cp, plan: _Plan) -> np.ndarray:
    """``plan`` as 0/1 values of ``cp.variables``."""
    tier = plan.site_tier[cp.tier_site] == cp.tier_tier
    opened = plan.site_tier[cp.open_site] >= 0
    served = np.isin(cp.served_demand, cp.arc_demand[plan.arc_on])
    return np.concatenate([tier, opened, served, plan.arc_on]).astype(np.int64)


def _add_hints(cp: _Cp, plan: _Plan) -> None:
    """Hint every variable with ``plan`` (a complete hint, repaired by CP-SAT if infeasible)."""
    cp.model.clear_hints()
    for var, value in zip(cp.variables, _values(cp, plan), strict=True):
        cp.model.add_hint(var, bool(value))


# ------------------------------------------------------------------------------- solving


def solve_location(problem: LocationProblem) -> LocationResult:
    """Choose stores, their tiers and the villages each serves (see the module docstring).

    Parameters
    ----------
    problem
        The siting problem; validated first.

    Returns
    -------
    LocationResult
        The plan after the last stage, right-sized, with every stage's gap.

    Raises
    ------
    SpecificationError
        The specification cannot work (all reasons listed).
    InfeasibleError
        Objective 'time' or 'cost' cannot serve every demand point (proven, with the
        constraint group at fault), or no such plan was found within the time limit.
    """
    validate(problem)
    if engine_for(problem) == "lagrange":
        from optimize.location_lagrange import solve_location_lagrange

        return solve_location_lagrange(problem)
    start_s = time.perf_counter()
    data = _prepare(problem)
    cp = _build(data)
    plan = _greedy_plan(data)
    reports: list[StageReport] = []
    names = _STAGES[problem.objective]
    used = 0.0  # deterministic time spent so far: budgets never depend on the clock
    for pos, name in enumerate(names):
        objective = _objective(name, data, cp)
        stage_s = max((problem.time_limit_s - used) / (len(names) - pos), MIN_SOLVE_S)
        report, found, work = _run_stage(data, cp, objective, plan, stage_s)
        used += work
        reports.append(report)
        if found is None and pos == 0:
            raise _infeasible(data, report)
        plan = found or plan
        _keep(cp, objective, objective.value(cp, plan))
    return _result(data, plan, tuple(reports), time.perf_counter() - start_s)


def engine_for(problem: LocationProblem) -> str:
    """The engine that solves ``problem``: its own choice, or for ``'auto'`` the Lagrangian
    engine from ``AUTO_LAGRANGE_ARCS`` arcs up (and never for objective 'cost').

    Measured on Linxia (1,004 villages, 100 stores, 60 s): CP-SAT ended at 57.89 M t*s
    with a 5.24 % gap after 108 s, the Lagrangian engine at 56.73 M t*s with 0.55 % after
    15-20 s, both covering all supply. On seeded 1,200-point instances it also ended lower
    (0.48 % against 1.10 %). Below the threshold (hand-checkable cases) CP-SAT proves the
    lexicographic optimum itself.
    """
    if problem.engine != "auto":
        return problem.engine
    if problem.objective == "cost":
        return "cpsat"
    return "lagrange" if np.asarray(problem.arc_demand).size >= AUTO_LAGRANGE_ARCS else "cpsat"


def _solver(problem: LocationProblem, time_limit_s: float) -> cp_model.CpSolver:
    """A seeded CP-SAT solver; one worker without interleaving searches deterministically.

    The limit is CP-SAT's *deterministic* time (work units of about a second), so the same
    problem gets the same search on any machine or load; a wall-clock cap of
    ``WALL_SAFETY`` times the budget only guards against a pathological slowdown.
    """
    solver = cp_model.CpSolver()
    solver.parameters.max_deterministic_time = time_limit_s
    solver.parameters.max_time_in_seconds = WALL_SAFETY * time_limit_s + 1.0
    solver.parameters.num_workers = problem.workers
    solver.parameters.random_seed = problem.seed
    solver.parameters.interleave_search = False
    return solver


def _run_stage(
    data: _Data, cp: _Cp, objective: _Objective, hint: _Plan, time_limit_s: float
) -> tuple[StageReport, _Plan | None, float]:
    """Solve one stage from ``hint``: its report, the plan found (None if none) and the
    deterministic time it used.

    The plan found is passed through the relocate/swap local search, which shortens trips
    without changing any stage objective but time. Without a new plan the report describes
    ``hint``, the plan kept.
    """
    start_s = time.perf_counter()
    _add_hints(cp, hint)
    (cp.model.maximize if objective.maximize else cp.model.minimize)(objective.expression(cp))
    solver = _solver(cp.problem, time_limit_s)
    status = solver.solve(cp.model)
    found = None
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        found = _Moves(data, _plan_from(solver, cp)).run(LOCAL_SEARCH_PASSES)
    elapsed_s = time.perf_counter() - start_s
    report = _report(objective, solver, cp, found or hint, status.name, elapsed_s)
    return report, found, float(solver.deterministic_time)


def _plan_from(solver: cp_model.CpSolver, cp: _Cp) -> _Plan:
    """The solver's solution as tiers per site and arcs switched on."""
    solution = np.asarray(solver.response_proto.solution, dtype=np.int64)
    values = solution[[var.index for var in cp.variables]] == 1
    chosen = values[cp.block("tier")]
    site_tier = np.full(cp.problem.n_sites, -1, dtype=np.int64)
    site_tier[cp.tier_site[chosen]] = cp.tier_tier[chosen]
    return _Plan(site_tier, values[cp.block("arc")])


def _report(
    objective: _Objective,
    solver: cp_model.CpSolver,
    cp: _Cp,
    plan: _Plan,
    status: str,
    time_s: float,
) -> StageReport:
    """Stage figures of ``plan`` in reported units; an unproven bound falls back to trivial."""
    trivial = objective.trivial_bound()
    value = objective.value(cp, plan)
    bound = solver.best_objective_bound
    if not np.isfinite(bound):
        bound = trivial
    bound = min(bound, trivial) if objective.maximize else max(bound, trivial)
    scale = objective.units_per_value
    gap = _gap_pct(float(value), float(bound))
    return StageReport(objective.name, value / scale, bound / scale + 0.0, gap, status, time_s)


def _gap_pct(value: float, bound: float) -> float:
    """``100 * |bound - value| / max(|value|, |bound|)``; 0 when both are 0."""
    scale = max(abs(value), abs(bound))
    return 0.0 if scale == 0 else 100.0 * abs(bound - value) / scale


def _keep(cp: _Cp, objective: _Objective, value: int) -> None:
    """Later stages may not fall below (above, for a minimum) this stage's value."""
    expression = objective.expression(cp)
    cp.model.add(expression >= value if objective.maximize else expression <= value)


# ------------------------------------------------------------------------ infeasibility


def _infeasible(data: _Data, report: StageReport) -> InfeasibleError:
    """Explain why objective 'time' or 'cost' found no plan serving every demand point."""
    if report.status != "INFEASIBLE":
        return InfeasibleError(
            [
                f"no plan serving every demand point was found within {report.time_s:.1f} s "
                f"(CP-SAT status {report.status}); infeasibility was not proven, "
                "allow more time_limit_s"
            ]
        )
    return InfeasibleError(_diagnose(data))


def _diagnose(data: _Data) -> list[str]:
    """Re-solve with capacity and budget relaxed to tell which constraint group is at fault."""
    problem = data.problem
    count = f"{'exactly' if problem.exact_store_count else 'at most'} {problem.n_stores}"
    required, excluded = len(set(problem.required_sites)), len(set(problem.excluded_sites))
    sites = f"{required} required, {excluded} excluded"
    if problem.group_names:
        sites += f", {len(problem.group_names)} county quotas"
    steps = [
        (
            False,
            f"access time and store count: no {count} stores ({sites}) reach every demand "
            "point within the longest access time",
        ),
        (
            True,
            f"store capacity: {count} stores ({sites}) cannot hold the supply of the demand "
            f"points within their reach ({float(np.sum(problem.supply_t)):,.2f} t in all)",
        ),
    ]
    for capacity, reason in steps:
        status = _feasibility(_build(data, capacity=capacity, budget=False))
        if status == cp_model.INFEASIBLE:
            return [reason]
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return [f"infeasible; the constraint at fault was not found in {DIAGNOSIS_TIME_S} s"]
    return [
        f"budget: {data.budget_yuan:,} yuan of subsidy cannot pay for {count} stores large "
        "enough to serve every demand point"
    ]


def _feasibility(cp: _Cp) -> cp_model.CpSolverStatus:
    """CP-SAT status of a relaxed model, without objective, within ``DIAGNOSIS_TIME_S``."""
    solver = _solver(cp.problem, min(DIAGNOSIS_TIME_S, cp.problem.time_limit_s))
    return solver.solve(cp.model)


# ----------------------------------------------------------------------------- the result


def _result(
    data: _Data, plan: _Plan, reports: tuple[StageReport, ...], time_s: float
) -> LocationResult:
    """Assemble the plan: assignment, reasons, right-sized tiers, loads, binding constraints."""
    supply_t = np.asarray(data.problem.supply_t, dtype=float)
    assignment, access_s = _assignment(data, plan)
    served = assignment >= 0
    site_tier = _right_size(data, plan)
    open_sites = np.flatnonzero(site_tier >= 0)
    load_t = np.bincount(assignment[served], weights=supply_t[served], minlength=len(site_tier))
    reasons = _reasons(data, site_tier, assignment)
    final = reports[-1]
    return LocationResult(
        open_sites=_frozen(open_sites),
        site_tier=_frozen(site_tier[open_sites]),
        assignment=_frozen(assignment),
        unserved_reason=reasons,
        covered_supply_t=float(supply_t[served].sum()),
        weighted_time=float((supply_t[served] * access_s[served]).sum()),
        objective=final.objective,
        bound=final.bound,
        gap_pct=final.gap_pct,
        status="OPTIMAL" if all(r.status == "OPTIMAL" for r in reports) else "FEASIBLE",
        time_s=time_s,
        binding=_binding(data, site_tier, load_t, reasons),
        access_time_s=_frozen(access_s),
        load_t=_frozen(load_t[open_sites]),
        stages=reports,
    )


def _frozen(array: np.ndarray) -> np.ndarray:
    """``array`` made read-only, so a frozen result stays unchanged."""
    array.setflags(write=False)
    return array


def _assignment(data: _Data, plan: _Plan) -> tuple[np.ndarray, np.ndarray]:
    """Serving site and access time (s) per demand point, -1 if unserved.

    Zero-supply points, outside the model, go to their nearest open store within reach.
    """
    assignment = np.full(len(data.supply_u), -1, dtype=np.int64)
    access_s = np.full(len(data.supply_u), -1, dtype=np.int64)
    on = data.model_arcs[plan.arc_on]
    idle = np.flatnonzero(
        (data.supply_u[data.arc_demand] == 0) & (plan.site_tier[data.arc_site] >= 0)
    )
    order = np.lexsort((data.arc_site[idle], data.arc_time_s[idle], data.arc_demand[idle]))
    _, first = np.unique(data.arc_demand[idle[order]], return_index=True)
    for arcs in (on, idle[order[first]]):
        assignment[data.arc_demand[arcs]] = data.arc_site[arcs]
        access_s[data.arc_demand[arcs]] = data.arc_time_s[arcs]
    return assignment, access_s


def _reasons(data: _Data, site_tier: np.ndarray, assignment: np.ndarray) -> tuple[str | None, ...]:
    """Why each unserved demand point is unserved (None for served ones)."""
    n_demand = len(assignment)
    has_arc = np.bincount(data.arc_demand, minlength=n_demand) > 0
    near_open = np.bincount(data.arc_demand[site_tier[data.arc_site] >= 0], minlength=n_demand) > 0
    return tuple(
        _reason(site >= 0, arc, near)
        for site, arc, near in zip(assignment, has_arc, near_open, strict=True)
    )


def _reason(served: bool, has_arc: bool, near_open: bool) -> str | None:
    """The reason for one demand point, from the most basic cause up."""
    if served:
        return None
    if not has_arc:
        return REASON_NO_SITE
    return REASON_FULL if near_open else REASON_NO_STORE


def _right_size(data: _Data, plan: _Plan) -> np.ndarray:
    """Each open store gets the cheapest-to-build tier that holds its load, subsidy no higher."""
    on = plan.arc_on
    load_u = np.bincount(
        data.m_site[on], weights=data.supply_u[data.m_demand[on]], minlength=len(plan.site_tier)
    )
    site_tier = plan.site_tier.copy()
    for j in np.flatnonzero(site_tier >= 0):
        fits = (data.cap_u >= load_u[j]) & (data.subsidy_yuan <= data.subsidy_yuan[site_tier[j]])
        tiers = np.flatnonzero(fits)
        site_tier[j] = tiers[np.lexsort((tiers, data.cap_u[tiers], data.cost_yuan[tiers]))[0]]
    return site_tier


def _binding(
    data: _Data, site_tier: np.ndarray, load_t: np.ndarray, reasons: tuple[str | None, ...]
) -> tuple[str, ...]:
    """Constraints that bind at the plan, in plain words, in a fixed order."""
    found = [
        _count_binding(data, site_tier),
        _group_binding(data.problem, site_tier),
        _budget_binding(data, site_tier),
        _capacity_binding(data, site_tier, load_t),
        _access_binding(data, reasons),
    ]
    return tuple(item for item in found if item is not None)


def _count_binding(data: _Data, site_tier: np.ndarray) -> str | None:
    """An exact store count always binds; an upper limit when it is reached."""
    n_stores, exact = data.problem.n_stores, data.problem.exact_store_count
    if exact or np.count_nonzero(site_tier >= 0) == n_stores:
        return f"store count ({'=' if exact else '<='}{n_stores})"
    return None


def _group_binding(problem: LocationProblem, site_tier: np.ndarray) -> str | None:
    """County quotas the plan sits on: open stores equal to a positive minimum or a maximum."""
    if not problem.group_names:
        return None
    group = _site_groups(problem)
    opened = np.bincount(group[(site_tier >= 0) & (group >= 0)],
                         minlength=len(problem.group_names))
    at_min = [n for g, n in enumerate(problem.group_names)
              if problem.group_min[g] > 0 and opened[g] == problem.group_min[g]]
    at_max = [n for g, n in enumerate(problem.group_names)
              if problem.group_max[g] is not None and opened[g] == problem.group_max[g]]
    parts = [f"{label} in {len(names)} (" + ", ".join(names[:LISTED_ITEMS])
             + (", ..." if len(names) > LISTED_ITEMS else "") + ")"
             for label, names in (("at minimum", at_min), ("at maximum", at_max)) if names]
    return "county quota: " + "; ".join(parts) if parts else None


def _capacity_binding(data: _Data, site_tier: np.ndarray, load_t: np.ndarray) -> str | None:
    """Stores loaded to ``FULL_LOAD_SHARE`` of their capacity or more."""
    opened = np.flatnonzero(site_tier >= 0)
    capacity_t = np.array([tier.capacity_t for tier in data.problem.tiers])[site_tier[opened]]
    full = int(np.count_nonzero(load_t[opened] >= FULL_LOAD_SHARE * capacity_t))
    return f"capacity at {full} site{'s' if full > 1 else ''}" if full else None


def _access_binding(data: _Data, reasons: tuple[str | None, ...]) -> str | None:
    """Points with supply left unserved because no (open) store is within reach."""
    supplied = np.asarray(data.problem.supply_t, dtype=float) > 0
    far_reasons = (REASON_NO_SITE, REASON_NO_STORE)
    far = sum(1 for r, s in zip(reasons, supplied, strict=True) if s and r in far_reasons)
    return f"access time ({far} demand point{'s' if far > 1 else ''})" if far else None


def _budget_binding(data: _Data, site_tier: np.ndarray) -> str | None:
    """'budget (...)' if what is left pays for no tier upgrade and no further store."""
    if data.budget_yuan is None:
        return None
    subsidy, cap = data.subsidy_yuan, data.cap_u
    opened = site_tier[site_tier >= 0]
    used = int(subsidy[opened].sum())
    steps = [int(d) for k in opened for d in subsidy[cap > cap[k]] - subsidy[k]]
    if not data.problem.exact_store_count and len(opened) < data.problem.n_stores:
        steps.append(int(subsidy.min()))
    if not steps or min(steps) <= data.budget_yuan - used:
        return None
    return f"budget ({used:,} of {data.budget_yuan:,} yuan)"
