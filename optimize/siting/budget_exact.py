"""The budget-knapsack bound with exact 0/1 knapsacks in its ascent (single sourcing kept).

:mod:`optimize.siting.bound_budget` keeps the budget as a knapsack (a DP over stores x
budget units) but prices each site and tier by the LP of its knapsack: a fraction of the
last point fills a store to the tonne. Where budget and capacity both bind, every store
is full and that fraction is what a plan cannot do: on
``benchmarks.location.random_siting(0, .., 16 M yuan)`` the best plan (27.91 M t*s) leaves
267 t of its 28,000 t of capacity empty because points (10-40 t) do not pack into 100 t
stores, and every tonne not packed costs 5,103 s of unserved penalty.

Here each site and tier is priced by the *exact* 0/1 knapsack
``v_jk = min sum_a (q_i t_a - lambda_i) x_a``, ``x_a`` binary, ``sum q_i x_a <= C_k``,
solved by OR-Tools' branch-and-bound knapsack solver (the library the engine already uses
for CP-SAT), and the subgradient ascent runs on that function:
``L_E(lambda) = sum_i (lambda_i + min(0, h_i - lambda_i)) + DP(v(lambda))``.

Why ``L_E`` is a lower bound (the engine minimises)
---------------------------------------------------
Take any feasible plan (single sourcing, capacity, count, required sites, budget) and any
``lambda``. As in :mod:`optimize.siting.lagrange_bound`, adding ``sum_i lambda_i (1 -
sum_a x_a - u_i) = 0`` and splitting per point and per open site, the plan's value is at
least ``sum_i (lambda_i + min(0, h_i - lambda_i))`` plus, for each open site ``j`` with
tier ``k``, the reduced cost of the points it serves -- a 0/1 selection within ``C_k``,
so at least the exact knapsack optimum ``v_jk`` -- and the open sites with their tiers are
one choice the DP of :func:`optimize.siting.bound_budget.exact_selection` minimises over
(budget units rounded down, see there). The solver maximises integer profits, so profits
are ``ceil(-(q_i t_a - lambda_i))``: its optimum is at least the true maximum profit and
``-optimum`` at most the true ``v_jk``. A knapsack the solver does not prove optimal
(its time cap, a safety net only) keeps the LP value instead, which is also at most
``v_jk``; and every ``v_jk`` used is the larger of the two, each a lower bound. So
``L_E(lambda) <= `` every feasible plan's value, the optimum included, for every
``lambda``; the step rule only decides how strong it gets. Single sourcing is what makes
``v_jk`` binary: the bound is a bound on the engine's single-source problem.

Measured (``random_siting(0, .., 16e6)``, shared 2-core machine): at the LP's optimal
multipliers ``L_E`` = 25.28 M t*s (LP knapsacks: 25.08 M); 60 ascent steps at step factor
0.05 raise it to 25.55 M (+1.0 %), ~0.7 CPU s a step (0.2 s the knapsacks, against 1.0 s
for the DP over 0.01 t capacity units of ``bound_budget.exact_knapsack_values``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ortools.algorithms.python import knapsack_solver

from optimize.siting.bound_budget import BudgetUnits, exact_selection, selection_relaxation
from optimize.siting.lagrange_bound import (
    LagrangeInstance,
    Relaxation,
    ascent_step,
    knapsacks,
)

#: Ascent steps on ``L_E`` and the step rule. Measured on the 16 M yuan random case from
#: the LP's multipliers: step factor 0.05 rose every few steps for 60 steps; 0.5 and 0.25
#: (the LP-knapsack search's first factors) fell below the start for 20 steps.
EXACT_STEPS = 40
EXACT_PATIENCE = 3  # steps without a better bound before the step factor is halved
EXACT_THETA = 0.05
#: Items (arcs with negative reduced cost into allowed sites) of one evaluation at most:
#: above it the ascent is skipped (the 16 M yuan case has ~6,000-9,000).
MAX_EXACT_ITEMS = 100_000
#: Safety cap per knapsack, seconds: a knapsack not proven optimal within it keeps its LP
#: value (valid, weaker). Never reached in the measurements (largest ~150 items).
KNAPSACK_CAP_S = 2.0


@dataclass(eq=False)
class ExactKnapsacks:
    """Per site and tier the exact 0/1 knapsack value and the model arcs it takes."""

    values: np.ndarray  # (J, K) v_jk, each at most the true 0/1 optimum
    items: dict[tuple[int, int], np.ndarray]  # (j, k) -> model arcs taken


def exact_knapsacks(inst: LagrangeInstance, lam: np.ndarray) -> ExactKnapsacks | None:
    """The exact knapsacks at ``lam`` (module docstring); None above ``MAX_EXACT_ITEMS``.

    A tier whose capacity holds every item of a site takes them all without a solve.
    """
    red = inst.cost - lam[inst.dem]
    neg = np.flatnonzero((red < 0) & inst.allowed[inst.site])
    if len(neg) > MAX_EXACT_ITEMS:
        return None
    lp = knapsacks(inst, lam).values
    values = np.zeros((inst.n_sites, len(inst.cap)))
    items: dict[tuple[int, int], np.ndarray] = {}
    solver = knapsack_solver.KnapsackSolver(
        knapsack_solver.SolverType.KNAPSACK_MULTIDIMENSION_BRANCH_AND_BOUND_SOLVER, "site")
    solver.set_time_limit(KNAPSACK_CAP_S)
    order = neg[np.argsort(inst.site[neg], kind="stable")]
    edges = np.searchsorted(inst.site[order], np.arange(inst.n_sites + 1))
    cap = np.floor(inst.cap + 1e-9).astype(np.int64)
    for j in np.flatnonzero(np.diff(edges)).tolist():
        arcs = order[edges[j]: edges[j + 1]]
        weight = np.ceil(inst.q[inst.dem[arcs]] - 1e-9).astype(np.int64)
        profit = np.ceil(-red[arcs]).astype(np.int64)
        for k in range(len(cap)):
            if weight.sum() <= cap[k]:
                values[j, k], items[j, k] = float(red[arcs].sum()), arcs
                continue
            solver.init(profit.tolist(), [weight.tolist()], [int(cap[k])])
            best = float(solver.solve())
            taken = np.array([solver.best_solution_contains(n) for n in range(len(arcs))],
                             dtype=bool)
            items[j, k] = arcs[taken]
            values[j, k] = -best if solver.is_solution_optimal() else lp[j, k]
    return ExactKnapsacks(np.maximum(values, lp), items)


def relax_exact(inst: LagrangeInstance, lam: np.ndarray, units: BudgetUnits
                ) -> Relaxation | None:
    """``L_E(lambda)`` with its subgradient and the DP's site and tier choice; None above
    ``MAX_EXACT_ITEMS``. ``bound`` is inf-free only where some site set fits the budget."""
    exact = exact_knapsacks(inst, lam)
    if exact is None:
        return None
    value, open_tier = exact_selection(inst, exact.values, units)
    served = np.zeros(inst.n)
    for j in np.flatnonzero(open_tier >= 0).tolist():
        taken = exact.items.get((j, int(open_tier[j])))
        if taken is not None:
            np.add.at(served, inst.dem[taken], 1.0)
    return selection_relaxation(inst, lam, value, open_tier, served, exact.values)


def exact_ascent(
    inst: LagrangeInstance, lam: np.ndarray, box: tuple[np.ndarray, np.ndarray],
    target: float, units: BudgetUnits, steps: int = EXACT_STEPS,
) -> tuple[float, Relaxation | None, list[np.ndarray]]:
    """The best ``L_E`` over ``steps`` deflected Polyak steps from ``lam`` towards
    ``target`` (the best plan's value), multipliers kept in ``box`` = (low, high).

    Returns
    -------
    tuple
        ``(bound, relaxation of the best bound, the distinct site-and-tier choices the DP
        made, first seen first)``; ``(-inf, None, [])`` if the knapsacks are too many or
        no site set fits the budget. A fixed count of steps: deterministic.
    """
    best, best_rel, choices, seen = -np.inf, None, [], set()
    theta, stall, direction = EXACT_THETA, 0, np.zeros(inst.n)
    for _ in range(steps):
        rel = relax_exact(inst, lam, units)
        if rel is None or not np.isfinite(rel.bound):
            return -np.inf, None, []
        if rel.open_tier.tobytes() not in seen:
            seen.add(rel.open_tier.tobytes())
            choices.append(rel.open_tier)
        if rel.bound > best + 1e-12 * abs(rel.bound):
            best, best_rel, stall = rel.bound, rel, 0
        else:
            stall += 1
            if stall >= EXACT_PATIENCE:
                theta, stall = theta / 2, 0
        moved = ascent_step(inst, rel, lam, box[0], box[1], theta, max(target, best),
                            direction)
        if moved is None:
            break
        lam, direction = moved
    return best, best_rel, choices
