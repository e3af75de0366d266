"""Interchange stage of the Lagrangian siting engine: the fast interchange of the median
engine (:mod:`optimize.siting.interchange`) proposes a new set of open sites for the best
plan, capacities left aside; the Lagrangian engine's own plan builder then assigns the
points to those sites with capacities (transportation LP, rounding, moves), and the plan is
kept only if its value is lower ("Plans (upper bound)" in :mod:`optimize.siting.lagrange`).

Uncapacitated costs: point ``i`` pays ``q_i t_a`` on its cheapest open arc, or its unserved
cost ``h_i`` (objective 'coverage_then_time'; arcs costing ``h_i`` or more are left out,
the plan builder never uses them), or for 'time' a penalty above any saving. Swaps close
only sites that are not required and open only allowed ones; a proposal that breaks a
group's minimum or maximum is dropped.
"""

from __future__ import annotations

import numpy as np

from optimize.siting.interchange import PASS_WORK, NearLists, descend
from optimize.siting.lagrange_bound import LagrangeInstance
from optimize.siting.lagrange_plans import ArcLists, WorkPlan, build_plan, plan_tiers

SWAP_WORK_PASSES = 40  # work budget of the descent, in passes over the arcs


def interchange_plan(inst: LagrangeInstance, arcs: ArcLists, best: WorkPlan,
                     tier_value: np.ndarray) -> WorkPlan | None:
    """The plan of the interchange's open sites, or None if they are the same as
    ``best``'s or break a group limit. ``tier_value`` (the relaxation's ``v_jk``) guides
    the budget repair of the tiers (:func:`plan_tiers`)."""
    keep = inst.cost < inst.h[inst.dem]
    cost = inst.cost[keep]
    if not cost.size or inst.n * (float(cost.max()) + 1.0) >= 2.0**52:
        return None  # nothing to swap, or costs too large for the lists' exact keys
    big = float(np.bincount(inst.dem[keep], weights=cost, minlength=inst.n).sum()) + 1.0
    miss = np.where(np.isinf(inst.h), big, inst.h)
    miss = np.where(inst.active, miss, 0.0)
    lists = NearLists.build(inst.dem[keep], inst.site[keep], cost, inst.n, inst.n_sites, miss)
    is_open = best.tier >= 0
    closable = inst.allowed & ~inst.required
    proposal, _ = descend(lists, is_open, closable, inst.allowed,
                          SWAP_WORK_PASSES * 4.0 * (len(cost) + PASS_WORK))
    if np.array_equal(proposal, is_open) or not groups_hold(inst, proposal):
        return None
    open_tier = np.where(proposal, 0, -1)
    return build_plan(inst, arcs, plan_tiers(inst, open_tier, tier_value))


def groups_hold(inst: LagrangeInstance, is_open: np.ndarray) -> bool:
    """Every group's count of open sites within its minimum and maximum."""
    if not len(inst.gmin):
        return True
    grouped = is_open & (inst.group >= 0)
    count = np.bincount(inst.group[grouped], minlength=len(inst.gmin))
    return bool(np.all(count >= inst.gmin) and np.all(count <= inst.gmax))
