"""A stronger Lagrangian bound where the subsidy budget binds: the budget kept as a knapsack.

:mod:`optimize.siting.lagrange_bound` relaxes the budget row with a multiplier ``mu``; its
best value is the LP relaxation of the budget, which may buy a *fraction* of a large tier.
On ``benchmarks.location.random_siting(0, .., 16 M yuan)`` that LP opens 79.2 stores of
100 t and 20.75 of 1,000 t (28,679 t), but whole stores within 16 M yuan hold at most
28,000 t, and every missing tonne costs about 5,100 s of unserved penalty.

Here only the assignment rows are relaxed (multipliers ``lambda``). For fixed ``lambda``
the relaxed problem is: choose the open sites and their tiers, exactly (at most) ``p``,
required sites open, subsidy within the budget, minimising ``sum_j v_{j,k(j)}`` (the
knapsack LP values of :func:`optimize.siting.lagrange_bound.knapsacks`). That is solved
exactly by dynamic programming over (stores opened, budget units spent), site by site.

Validity (the engine minimises): every feasible plan opens a site set with tiers that
this DP allows (count, required sites, budget), and its arcs into each open site cost at
least that site's knapsack LP value; with ``sum_i lambda_i (1 - sum_a x_a - u_i) = 0`` as
in ``lagrange_bound``, ``L_B(lambda) = sum_i (lambda_i + min(0, h_i - lambda_i)) +
DP(lambda)`` is at most the plan's value, for every ``lambda``. Budget units: subsidies
and budget are divided by ``u`` (the subsidies' greatest common divisor, or a multiple of
it if the budget would need more than ``MAX_BUDGET_UNITS`` units) and rounded *down*:
``sum floor(s_k / u) <= sum s_k / u <= B / u``, and the left side is an integer, so every
plan within the budget stays within ``floor(B / u)``: the DP's feasible set only grows,
the bound stays
valid (and is exact in the budget when ``u`` is the divisor). ``L_B(lambda) >= max_mu
L(lambda, mu)``: the DP is the integer problem whose Lagrangian in ``mu`` the other is.

Measured: on the 16 M yuan random case ``L_B`` at the LP's optimal multipliers is 25.08 M
t*s against the LP's 22.29 M (+12.5 %; its choice: 80 stores of 100 t and 20 of 1,000 t,
28,000 t); the engine's proven gap fell from 21.5 % to 12.8 % (its best plan 28.7 M).
Subgradient steps on ``L_B`` from there did not raise it (12 steps at step factors 1 to
0.0025; session 6: 70 steps at 0.02 halving to 3e-4 reached 25.078 M), so :func:`tighten`
takes only a few; the ascent then goes on with exact 0/1 knapsacks
(:mod:`optimize.siting.budget_exact`), which does rise. On the 200-point copy
(``tests/test_optimize_siting_lagrange_bound.binding_case(0)``, 3,612,038 t*s LP)
``L_B`` = 5,269,056 t*s, below HiGHS's MIP bound after 500 s (5,317,522) and its best
plan (5,540,799): 4.9 % from that plan.

Not handled: per-group (county) store limits (``exact_selection`` returns None and the
engine keeps the bound of ``lagrange_bound``), and instances whose DP table would exceed
``MAX_DP_CELLS``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from optimize.siting.lagrange_bound import (
    LagrangeInstance,
    Relaxation,
    ascent_step,
    knapsack_x,
    knapsacks,
    point_terms,
    relax,
)

MAX_BUDGET_UNITS = 4000  # budget units of the DP at most (coarser units stay valid)
MAX_DP_CELLS = 2_000_000  # (stores + 1) x (budget units + 1) at most
#: Steps of the budget-knapsack search at most, and how many without a better bound halve
#: the step factor. Measured on the 16 M yuan random case (130 sites, 100 stores, 3,200
#: budget units): ~0.5-1.4 s per step on the shared 2-core machine.
TIGHTEN_STEPS = 6
TIGHTEN_PATIENCE = 2
TIGHTEN_THETA = 0.1  # first step factor (the multipliers start near the LP optimum)
MAX_CHOICE_BYTES = 300_000_000  # the DP's choice table (sites x cells, one byte each)


@dataclass(frozen=True)
class BudgetUnits:
    """Subsidy per tier and budget in DP units (rounded down, see the module docstring)."""

    unit_yuan: int
    subsidy: np.ndarray  # (K,) int
    budget: int


def budget_units(inst: LagrangeInstance) -> BudgetUnits | None:
    """The DP's units, or None where the DP does not apply (no budget, groups, too big)."""
    if inst.budget is None or len(inst.gmin):
        return None
    sub = np.rint(inst.sub).astype(np.int64)
    budget = int(np.floor(inst.budget + 1e-9))
    unit = max(int(np.gcd.reduce(sub[sub > 0])) if (sub > 0).any() else 1, 1)
    unit *= max(1, -(-budget // (unit * MAX_BUDGET_UNITS)))  # coarser: a multiple of it
    units = BudgetUnits(unit, sub // unit, budget // unit)
    if (inst.p + 1) * (units.budget + 1) > MAX_DP_CELLS:
        return None
    return units


def exact_selection(
    inst: LagrangeInstance, values: np.ndarray, units: BudgetUnits
) -> tuple[float, np.ndarray]:
    """Least ``sum_j values[j, k(j)]`` over site sets with tiers allowed by the store count,
    the required and excluded sites and the budget (in ``units``); ``(value, open_tier)``
    with ``open_tier`` -1 for closed sites. ``value`` is inf if no set is allowed."""
    p, top = inst.p, units.budget
    if (inst.required & ~inst.allowed).any():  # validate() reports such a problem
        return float("inf"), np.full(inst.n_sites, -1, dtype=np.int64)
    best = np.full((p + 1, top + 1), np.inf)  # best[c, b]: c stores, b units spent
    best[0, 0] = 0.0
    sites = np.flatnonzero(inst.allowed)
    choice = np.full((len(sites), p + 1, top + 1), -1, dtype=np.int8)
    for n, j in enumerate(sites):
        new = np.full_like(best, np.inf) if inst.required[j] else best.copy()
        for k in _useful_tiers(values[j], units.subsidy):
            s = int(units.subsidy[k])
            if s > top:
                continue
            candidate = best[:-1, : top + 1 - s] + values[j, k]
            better = candidate < new[1:, s:]
            new[1:, s:][better] = candidate[better]
            choice[n, 1:, s:][better] = k
        best = new
    counts = [p] if inst.exact else list(range(p + 1))
    flat = best[counts]
    if not np.isfinite(flat).any():
        return float("inf"), np.full(inst.n_sites, -1, dtype=np.int64)
    row, spent = np.unravel_index(int(np.argmin(flat)), flat.shape)
    value = float(flat[row, spent])
    open_tier = np.full(inst.n_sites, -1, dtype=np.int64)
    c, b = counts[int(row)], int(spent)
    for n in range(len(sites) - 1, -1, -1):
        k = int(choice[n, c, b])
        if k >= 0:
            open_tier[sites[n]] = k
            c, b = c - 1, b - int(units.subsidy[k])
    return value, open_tier


def fits_budget(inst: LagrangeInstance, open_tier: np.ndarray) -> bool:
    """Whether a site and tier choice (-1 closed) keeps the subsidy within the budget in
    yuan: the DP's choice may not, where its units are coarser than the subsidies' divisor
    (rounded down, which keeps the bound valid but lets a choice overspend)."""
    if inst.budget is None:
        return True
    opened = open_tier >= 0
    return float(inst.sub[open_tier[opened]].sum()) <= inst.budget + 1e-9


def _useful_tiers(values: np.ndarray, subsidy: np.ndarray) -> list[int]:
    """Tiers not dominated by another of no more subsidy and no higher value (ties: the
    lower index), the only ones an optimal choice needs."""
    keep = []
    for k in range(len(values)):
        dominated = (subsidy <= subsidy[k]) & (values <= values[k])
        dominated[k] = False
        strictly = (subsidy < subsidy[k]) | (values < values[k]) | (np.arange(len(values)) < k)
        if not (dominated & strictly).any():
            keep.append(k)
    return keep


def relax_budget(inst: LagrangeInstance, lam: np.ndarray, units: BudgetUnits) -> Relaxation:
    """``L_B(lambda)`` (module docstring) with its subgradient and the DP's open sites."""
    knap = knapsacks(inst, lam)
    value, open_tier = exact_selection(inst, knap.values, units)
    chosen = np.flatnonzero(open_tier >= 0)
    tier = open_tier[chosen]
    x = knapsack_x(len(knap.order), knap.start[chosen], knap.cut[chosen, tier],
                   knap.frac[chosen, tier])
    served = np.bincount(inst.dem[knap.order], weights=x, minlength=inst.n)
    return selection_relaxation(inst, lam, value, open_tier, served, knap.values)


def selection_relaxation(inst: LagrangeInstance, lam: np.ndarray, value: float,
                         open_tier: np.ndarray, served: np.ndarray, values: np.ndarray
                         ) -> Relaxation:
    """The :class:`Relaxation` of a budget-feasible site and tier selection worth ``value``
    (the sum of its knapsack ``values``) that serves each point ``served`` times: its
    ``L`` and the subgradient of the assignment rows."""
    unserved = (inst.h < lam) & inst.active
    grad = np.where(inst.active, 1.0 - served - unserved, 0.0)
    site_value = np.where(inst.allowed, values.min(axis=1), np.inf)
    return Relaxation(point_terms(inst, lam) + value, grad, 0.0, open_tier, site_value,
                      values, 0.0)


def tighten(
    inst: LagrangeInstance, lam: np.ndarray, low: np.ndarray, high: np.ndarray,
    target: float,
) -> tuple[float, Relaxation | None, np.ndarray | None]:
    """The best ``L_B`` found from ``lam`` (the budget-relaxed search's best multipliers):
    at most ``TIGHTEN_STEPS`` steps of :func:`optimize.siting.lagrange_bound.ascent_step`
    towards ``target`` (the best plan's value), the step factor halved after
    ``TIGHTEN_PATIENCE`` steps without a better bound; ``(bound, its relaxation, its
    multipliers)``. ``(-inf, None, None)`` where the DP does not apply
    (:func:`budget_units`) or the budget is slack at ``lam`` (the relaxation's own choice
    at ``mu = 0`` fits the budget, so the DP finds that same choice: no gain; Linxia's
    siting, where only the store count binds, took 94 s with the DP against 70 s without,
    on a machine shared with other jobs). The exact 0/1 knapsacks go on from the
    multipliers returned (:mod:`optimize.siting.budget_exact`). A fixed count of steps:
    deterministic."""
    units = budget_units(inst)
    if units is None or relax(inst, lam).mu <= 0.0:  # budget slack at lam: L_B = L, no gain
        return -np.inf, None, None
    if (inst.n_sites - int((~inst.allowed).sum())) * (inst.p + 1) * (
            units.budget + 1) > MAX_CHOICE_BYTES:
        return -np.inf, None, None
    best, best_rel, best_lam = -np.inf, None, None
    theta, stall, direction = TIGHTEN_THETA, 0, np.zeros(inst.n)
    for _ in range(TIGHTEN_STEPS):
        rel = relax_budget(inst, lam, units)
        if not np.isfinite(rel.bound):
            return -np.inf, None, None  # no site set within the budget: validate() reports it
        if rel.bound > best + 1e-12 * abs(rel.bound):
            best, best_rel, best_lam, stall = rel.bound, rel, lam, 0
        else:
            stall += 1
            if stall >= TIGHTEN_PATIENCE:
                theta, stall = theta / 2, 0
        moved = ascent_step(inst, rel, lam, low, high, theta, max(target, best), direction)
        if moved is None:
            break
        lam, direction = moved
    return best, best_rel, best_lam
