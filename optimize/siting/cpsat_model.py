"""The CP-SAT model of the siting formulation and its stage objectives, in integer units.

Constraints (1)-(7) and the stage objectives are those of :mod:`optimize.siting.solve`;
single sourcing is one exactly-one over a point's arcs and ``not served_i``, and the
implied total-capacity row (5') is added for the LP (tuning notes in
:mod:`optimize.siting.cpsat`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from ortools.sat.python import cp_model

from optimize.siting.prepared import (
    SUPPLY_UNITS_PER_T,
    WEIGHT_UNITS,
    PreparedData,
    SitingPlan,
    group_positions,
    site_groups,
)
from optimize.siting.problem import LocationProblem


@dataclass(eq=False)
class CpsatModel:
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


def build_model(data: PreparedData, *, capacity: bool = True, budget: bool = True) -> CpsatModel:
    """Constraints (1)-(7) of the formulation; ``capacity``/``budget`` off to diagnose."""
    cp = _new_cp(data)
    _add_sites(data, cp)
    _add_arcs(data, cp)
    if capacity:
        _add_capacity(data, cp)
    if budget and data.budget_yuan is not None:
        subsidy = [int(data.subsidy_yuan[k]) for k in cp.tier_tier]
        cp.model.add(cp_model.LinearExpr.weighted_sum(cp.vars("tier"), subsidy) <= data.budget_yuan)
    return cp


def _new_cp(data: PreparedData) -> CpsatModel:
    """A model with every variable created, block by block."""
    sites, n_tiers = np.flatnonzero(data.allowed), len(data.cap_u)
    cp = CpsatModel(
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


def _add_sites(data: PreparedData, cp: CpsatModel) -> None:
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
    group_of = site_groups(data.problem)[cp.open_site]
    for g, (low, high) in enumerate(zip(data.problem.group_min, data.problem.group_max,
                                        strict=True)):
        members = [opens[pos] for pos in np.flatnonzero(group_of == g)]
        if low > 0:
            cp.model.add(sum(members) >= low)
        if high is not None:
            cp.model.add(sum(members) <= high)


def _add_arcs(data: PreparedData, cp: CpsatModel) -> None:
    """(3) single sourcing, as ``served_i`` = sum of its arcs, and (4) open-store linking."""
    arcs, opens, served = cp.vars("arc"), cp.vars("open"), cp.vars("served")
    position = {int(j): pos for pos, j in enumerate(cp.open_site)}
    for x, j in zip(arcs, data.m_site, strict=True):
        cp.model.add_implication(x, opens[position[int(j)]])
    for served_i, group in zip(served, group_positions(data.m_demand), strict=True):
        cp.model.add_exactly_one([arcs[a] for a in group] + [served_i.Not()])
    if data.problem.objective != "coverage_then_time":
        for served_i in served:
            cp.model.add(served_i == 1)


def _add_capacity(data: PreparedData, cp: CpsatModel) -> None:
    """(5): the supply a store serves fits the capacity of its tier."""
    n_tiers, arcs, tiers = len(data.cap_u), cp.vars("arc"), cp.vars("tier")
    position = {int(j): pos for pos, j in enumerate(cp.open_site)}
    capacity = [int(c) for c in data.cap_u]
    for group in group_positions(data.m_site):
        supply = [int(data.supply_u[i]) for i in data.m_demand[group]]
        load = cp_model.LinearExpr.weighted_sum([arcs[a] for a in group], supply)
        start = position[int(data.m_site[group[0]])] * n_tiers
        room = cp_model.LinearExpr.weighted_sum(tiers[start : start + n_tiers], capacity)
        cp.model.add(load <= room)
    _add_total_capacity(data, cp)


def _add_total_capacity(data: PreparedData, cp: CpsatModel) -> None:
    """(5'), implied by (5): the stores together hold the supply they serve.

    It hands the LP the knapsack view at once. Without it CP-SAT's bound for 'cost' stayed
    at the cheapest-tier cost (60.0 M yuan against 68.4 M found on the 1,200-point
    benchmark) and the stage-1 coverage bound at "everything covered".
    """
    capacity = [int(data.cap_u[k]) for k in cp.tier_tier]
    supply = [int(q) for q in data.supply_u[cp.served_demand]]
    total_capacity = cp_model.LinearExpr.weighted_sum(cp.vars("tier"), capacity)
    cp.model.add(cp_model.LinearExpr.weighted_sum(cp.vars("served"), supply) <= total_capacity)


@dataclass(frozen=True, eq=False)
class StageObjective:
    """One stage objective ``coeff @ variables + offset`` in integer units."""

    name: str
    coeff: np.ndarray  # over cp.variables
    offset: int
    maximize: bool
    units_per_value: float  # scaled integer units per reported unit (t, t*s or yuan)

    def expression(self, cp: CpsatModel) -> cp_model.LinearExprT:
        """The CP-SAT linear expression (terms with a zero coefficient left out)."""
        used = np.flatnonzero(self.coeff)
        terms = cp_model.LinearExpr.weighted_sum(
            [cp.variables[p] for p in used], [int(c) for c in self.coeff[used]]
        )
        return terms + self.offset

    def value(self, cp: CpsatModel, plan: SitingPlan) -> int:
        """The objective of ``plan``, in integer units."""
        return int(self.coeff @ _values(cp, plan)) + self.offset

    def trivial_bound(self) -> int:
        """A bound that holds without solving: every helpful term at its best."""
        helpful = self.coeff[self.coeff > 0] if self.maximize else self.coeff[self.coeff < 0]
        return int(helpful.sum()) + self.offset


def stage_objective(name: str, data: PreparedData, cp: CpsatModel) -> StageObjective:
    """The stage objective called ``name`` (``'coverage'``, ``'time'`` or ``'cost'``)."""
    coeff = np.zeros(len(cp.variables), dtype=np.int64)
    supply = data.supply_u[cp.served_demand]
    if name == "coverage":
        coeff[cp.block("served")] = data.weight_u[cp.served_demand] * supply
        return StageObjective(name, coeff, 0, True, float(WEIGHT_UNITS * SUPPLY_UNITS_PER_T))
    if name == "cost":
        coeff[cp.block("tier")] = data.cost_yuan[cp.tier_tier]
        return StageObjective(name, coeff, 0, False, 1.0)
    penalty_s = int(data.arc_time_s.max(initial=0)) + 1
    coeff[cp.block("arc")] = data.supply_u[data.m_demand] * data.m_time_s
    unweighted = supply * (data.weight_u[cp.served_demand] == 0)
    coeff[cp.block("served")] = -penalty_s * unweighted
    offset = penalty_s * int(unweighted.sum())
    return StageObjective(name, coeff, offset, False, float(SUPPLY_UNITS_PER_T))


def _values(cp: CpsatModel, plan: SitingPlan) -> np.ndarray:
    """``plan`` as 0/1 values of ``cp.variables``."""
    tier = plan.site_tier[cp.tier_site] == cp.tier_tier
    opened = plan.site_tier[cp.open_site] >= 0
    served = np.isin(cp.served_demand, cp.arc_demand[plan.arc_on])
    return np.concatenate([tier, opened, served, plan.arc_on]).astype(np.int64)


def add_hints(cp: CpsatModel, plan: SitingPlan) -> None:
    """Hint every variable with ``plan`` (a complete hint, repaired by CP-SAT if infeasible)."""
    cp.model.clear_hints()
    for var, value in zip(cp.variables, _values(cp, plan), strict=True):
        cp.model.add_hint(var, bool(value))
