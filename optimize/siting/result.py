"""A plan in model units turned into a :class:`LocationResult`, shared by both engines.

Right-sizes the open stores, attaches zero-supply points, gives each unserved point its
reason and names the constraints that bind (see :mod:`optimize.siting.solve`).
"""

from __future__ import annotations

import numpy as np

from optimize.siting.prepared import PreparedData, SitingPlan, site_groups
from optimize.siting.problem import (
    LISTED_ITEMS,
    REASON_FULL,
    REASON_NO_SITE,
    REASON_NO_STORE,
    LocationProblem,
    LocationResult,
    StageReport,
)

FULL_LOAD_SHARE = 0.995  # a store loaded to this share of capacity counts as full


def to_result(
    data: PreparedData, plan: SitingPlan, reports: tuple[StageReport, ...], time_s: float
) -> LocationResult:
    """Assemble the plan: assignment, reasons, right-sized tiers, loads, binding constraints."""
    supply_t = np.asarray(data.problem.supply_t, dtype=float)
    assignment, access_s = _assignment(data, plan)
    served = assignment >= 0
    site_tier = right_size(data, plan)
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


def _assignment(data: PreparedData, plan: SitingPlan) -> tuple[np.ndarray, np.ndarray]:
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


def _reasons(
    data: PreparedData, site_tier: np.ndarray, assignment: np.ndarray
) -> tuple[str | None, ...]:
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


def right_size(data: PreparedData, plan: SitingPlan) -> np.ndarray:
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
    data: PreparedData, site_tier: np.ndarray, load_t: np.ndarray, reasons: tuple[str | None, ...]
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


def _count_binding(data: PreparedData, site_tier: np.ndarray) -> str | None:
    """An exact store count always binds; an upper limit when it is reached."""
    n_stores, exact = data.problem.n_stores, data.problem.exact_store_count
    if exact or np.count_nonzero(site_tier >= 0) == n_stores:
        return f"store count ({'=' if exact else '<='}{n_stores})"
    return None


def _group_binding(problem: LocationProblem, site_tier: np.ndarray) -> str | None:
    """County quotas the plan sits on: open stores equal to a positive minimum or a maximum."""
    if not problem.group_names:
        return None
    group = site_groups(problem)
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


def _capacity_binding(data: PreparedData, site_tier: np.ndarray, load_t: np.ndarray) -> str | None:
    """Stores loaded to ``FULL_LOAD_SHARE`` of their capacity or more."""
    opened = np.flatnonzero(site_tier >= 0)
    capacity_t = np.array([tier.capacity_t for tier in data.problem.tiers])[site_tier[opened]]
    full = int(np.count_nonzero(load_t[opened] >= FULL_LOAD_SHARE * capacity_t))
    return f"capacity at {full} site{'s' if full > 1 else ''}" if full else None


def _access_binding(data: PreparedData, reasons: tuple[str | None, ...]) -> str | None:
    """Points with supply left unserved because no (open) store is within reach."""
    supplied = np.asarray(data.problem.supply_t, dtype=float) > 0
    far_reasons = (REASON_NO_SITE, REASON_NO_STORE)
    far = sum(1 for r, s in zip(reasons, supplied, strict=True) if s and r in far_reasons)
    return f"access time ({far} demand point{'s' if far > 1 else ''})" if far else None


def _budget_binding(data: PreparedData, site_tier: np.ndarray) -> str | None:
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


def gap_pct(value: float, bound: float) -> float:
    """``100 * |bound - value| / max(|value|, |bound|)``; 0 when both are 0."""
    scale = max(abs(value), abs(bound))
    return 0.0 if scale == 0 else 100.0 * abs(bound - value) / scale
