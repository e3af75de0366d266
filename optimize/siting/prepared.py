"""The siting problem in integer model units, shared by both engines, and a plan in them.

Supply in 0.01 t (rounded up), capacities rounded down, weights in 1/1000, whole yuan and
seconds ("Scaling" in :mod:`optimize.siting.solve`). Only arcs of points with supply to sites
not excluded are model arcs (``m_*``); zero-supply points are attached after solving.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from optimize.siting.problem import LocationProblem

SUPPLY_UNITS_PER_T = 100  # model supply and capacity in 0.01 t (10 kg)
WEIGHT_UNITS = 1000  # model priority weights in 1/1000


@dataclass(frozen=True, eq=False)
class PreparedData:
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


def prepare(problem: LocationProblem) -> PreparedData:
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
    return PreparedData(
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


@dataclass(frozen=True, eq=False)
class SitingPlan:
    """A solution in model terms: tier per site (-1 closed), on/off per model arc."""

    site_tier: np.ndarray
    arc_on: np.ndarray


def site_groups(problem: LocationProblem) -> np.ndarray:
    """``(n_sites,)`` group index of each site, -1 where none (or no groups at all)."""
    if problem.site_group is None:
        return np.full(problem.n_sites, -1, dtype=np.int64)
    return np.asarray(problem.site_group, dtype=np.int64)


def group_positions(keys: np.ndarray) -> list[np.ndarray]:
    """Positions of ``keys`` grouped by key value, groups in ascending key order."""
    order = np.argsort(keys, kind="stable")
    splits = np.flatnonzero(np.diff(keys[order])) + 1
    return [group for group in np.split(order, splits) if group.size]


def arcs_by(key: np.ndarray, data: PreparedData) -> dict[int, np.ndarray]:
    """Model arcs grouped by ``key`` (site or demand of each model arc), nearest first."""
    order = np.lexsort((data.m_time_s, key))
    return {int(key[order[g[0]]]): order[g] for g in group_positions(key[order])}
