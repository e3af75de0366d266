"""Reject a siting specification that cannot work, before any solving, naming the culprit.

Every reason found is listed in one :class:`~optimize.errors.SpecificationError`, with the
offending indices (at most ``LISTED_ITEMS`` of them per message).
"""

from __future__ import annotations

import numpy as np

from optimize.errors import SpecificationError
from optimize.siting.problem import (
    ENGINES,
    LISTED_ITEMS,
    OBJECTIVES,
    SPLIT_ENGINES,
    LocationProblem,
)


def validate(problem: LocationProblem) -> None:
    """Reject a specification that cannot work, before any solving.

    Raises
    ------
    SpecificationError
        With every reason found. Shape and index errors are reported first on their own,
        because the remaining checks need valid indices.
    """
    reasons = _shape_reasons(problem)
    reasons += _split_shape_reasons(problem) if not reasons else []
    if not reasons:
        reasons = _value_reasons(problem) + _site_reasons(problem) + _budget_reasons(problem)
        reasons += _group_reasons(problem) + _full_service_reasons(problem)
        reasons += _split_value_reasons(problem)
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
    if not problem.wall_safety > 0:
        reasons.append(f"wall_safety must be > 0, got {problem.wall_safety}")
    if problem.engine not in ENGINES + SPLIT_ENGINES:
        reasons.append(f"engine {problem.engine!r} is not one of {ENGINES + SPLIT_ENGINES}")
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
    return reasons + _unlisted_reasons(problem, supply.shape)


def _unlisted_reasons(problem: LocationProblem, shape: tuple[int, ...]) -> list[str]:
    """``unlisted_time_s``: one non-negative time (``inf`` allowed) per demand point."""
    if problem.unlisted_time_s is None:
        return []
    unlisted = np.asarray(problem.unlisted_time_s, dtype=float)
    if unlisted.shape != shape:
        return [f"unlisted_time_s must have shape {shape} (one per demand point)"]
    bad = np.flatnonzero(~(unlisted >= 0))
    if bad.size:
        return [f"unlisted_time_s is negative or NaN at demand points {_listed(bad)}"]
    return []


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
    if problem.site_capacity_t is None and supply.sum() > problem.n_stores * largest.capacity_t:
        reasons.append(
            f"total supply {supply.sum():,.2f} t exceeds {problem.n_stores} stores x the "
            f"largest tier {largest.name!r} ({largest.capacity_t:,.2f} t) "
            f"= {problem.n_stores * largest.capacity_t:,.2f} t"
        )
    return reasons


SPLIT_ONLY = ("site_fixed_cost_yuan", "site_capacity_t", "arc_cost_yuan")


def _split_shape_reasons(problem: LocationProblem) -> list[str]:
    """Split-demand fields: given only with ``split_demand``, with the right shapes."""
    given = [name for name in SPLIT_ONLY if getattr(problem, name) is not None]
    if not problem.split_demand:
        reasons = [f"{name} is only used when split_demand is True" for name in given]
        if problem.engine == "mip":
            reasons.append("engine 'mip' solves split-demand problems only "
                           "(split_demand is False)")
        return reasons
    reasons = []
    if problem.objective != "cost":
        reasons.append(f"split_demand needs objective 'cost', got {problem.objective!r}")
    if problem.engine not in ("auto", "mip"):
        reasons.append(f"split_demand needs engine 'auto' or 'mip', got {problem.engine!r}")
    if problem.arc_cost_yuan is None:
        reasons.append("split_demand needs arc_cost_yuan (one cost per arc)")
    shapes = {"arc_cost_yuan": np.asarray(problem.arc_demand).shape,
              "site_fixed_cost_yuan": (problem.n_sites,), "site_capacity_t": (problem.n_sites,)}
    for name in given:
        if np.asarray(getattr(problem, name)).shape != shapes[name]:
            reasons.append(f"{name} must have shape {shapes[name]}")
    return reasons


def _split_value_reasons(problem: LocationProblem) -> list[str]:
    """Split-demand costs finite and >= 0, capacities > 0, enough capacity for all supply."""
    if not problem.split_demand:
        return []
    reasons = []
    checks = [("arc_cost_yuan", "arcs", problem.arc_cost_yuan),
              ("site_fixed_cost_yuan", "sites", problem.site_fixed_cost_yuan)]
    for name, what, values in checks:
        if values is not None:
            values = np.asarray(values, dtype=float)
            bad = np.flatnonzero(~(np.isfinite(values) & (values >= 0)))
            if bad.size:
                reasons.append(f"{name} is negative or not finite at {what} {_listed(bad)}")
    if problem.site_capacity_t is not None:
        cap = np.asarray(problem.site_capacity_t, dtype=float)
        bad = np.flatnonzero(~(np.isfinite(cap) & (cap > 0)))
        if bad.size:
            reasons.append(f"site_capacity_t is not positive and finite at sites {_listed(bad)}")
    return reasons or _split_capacity_reasons(problem)


def _split_capacity_reasons(problem: LocationProblem) -> list[str]:
    """The ``n_stores`` largest site capacities (excluded sites left out) hold all supply."""
    if problem.site_capacity_t is None or not problem.tiers:
        return []
    largest = max(tier.capacity_t for tier in problem.tiers)
    cap = np.minimum(np.asarray(problem.site_capacity_t, dtype=float), largest)
    cap[list(problem.excluded_sites)] = 0.0
    most = float(np.sort(cap)[::-1][: problem.n_stores].sum())
    total = float(np.asarray(problem.supply_t, dtype=float).sum())
    if total <= most:
        return []
    return [f"total supply {total:,.2f} t exceeds the {min(problem.n_stores, problem.n_sites)} "
            f"largest site capacities (site_capacity_t, at most the largest tier) "
            f"= {most:,.2f} t"]
