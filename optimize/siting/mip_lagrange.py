"""Lagrangian bound and kernel for split-demand siting (single tier, nothing else binding).

Relax every point's demand row ``sum_{a in A(i)} x_a = 1`` with a multiplier ``lambda_i``.
For fixed ``lambda`` the problem falls apart by site::

    L(lambda) = sum_i lambda_i + min_y sum_j v_j y_j   s.t.  sum_j Q_j y_j >= sum_i q_i,
                                                            y_j = 1 (required), 0 (excluded)
    v_j = F_j + min { sum_{a in A(j)} (c_a - lambda_i(a)) x_a :
                      sum_a q_i(a) x_a <= Q_j,  0 <= x_a <= 1 }   (a fractional knapsack)

The y-choice is solved as its LP (negative ``v_j`` first, then the cheapest per tonne of
capacity until supply is covered, the last one fractionally), so every ``L(lambda)`` is a
proven lower bound on the split-demand optimum with every arc allowed. This holds only when
nothing else limits the stores, so :func:`lagrangian_applies` asks for one tier, no budget,
no county quota and a store count that cannot bind.

Multipliers follow a subgradient with a Polyak step towards ``TARGET`` times the best bound
(``target`` when a plan is known: its cost). The *kernel* is the sites open at the best
bound or in more than ``KERNEL_SHARE`` of the last ``KERNEL_LAST`` steps; ``score`` ranks
every site for later rounds (share of recent steps open, then ``v_j``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from optimize.siting.mip import SplitData

MAX_STEPS = 1500  # subgradient steps at most
PATIENCE = 20  # steps without a better bound before the step factor is halved
TARGET = 1.02  # Polyak target = this times the best bound while no plan is known
KERNEL_LAST = 60  # the kernel looks at this many last steps
KERNEL_SHARE = 0.0  # ... and keeps sites open in more than this share of them


def lagrangian_applies(data: SplitData) -> bool:
    """True when the bound above is valid: one tier, no budget, quotas or binding count."""
    problem = data.problem
    allowed = problem.n_sites - len(set(problem.excluded_sites))
    return (len(problem.tiers) == 1 and problem.budget_yuan is None
            and not problem.group_names
            and not problem.exact_store_count and problem.n_stores >= allowed)


@dataclass(frozen=True, eq=False)
class SplitLagrangian:
    """What the subgradient found.

    Attributes
    ----------
    bound
        Best ``L(lambda)``, a proven lower bound (yuan).
    kernel
        ``(n_sites,)`` bool: the kernel (module docstring).
    score
        ``(n_sites,)`` rank key, higher = more promising (excluded sites lowest).
    steps
        Subgradient steps taken.
    multipliers
        ``(n_demand,)`` the multipliers of the best bound (a warm start for another run).
    opened
        ``(n_sites,)`` bool: the sites the relaxation opens at its best bound (their
        capacity covers the supply).
    """

    bound: float
    kernel: np.ndarray
    score: np.ndarray
    steps: int
    multipliers: np.ndarray
    opened: np.ndarray


@dataclass(frozen=True)
class SingleTier:
    """Per-site data of the single tier, and the supply of each model arc's point."""

    cap_t: np.ndarray
    fixed_yuan: np.ndarray
    allowed: np.ndarray
    required: np.ndarray
    arc_q: np.ndarray
    need_t: float


def site_values(data: SplitData, fixed: SingleTier,
                lam: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per site its ``v_j`` and the knapsack share of every model arc."""
    reduced = data.a_cost - lam[data.a_demand]
    neg = np.flatnonzero(reduced < 0.0)
    order = neg[np.lexsort((reduced[neg] / fixed.arc_q[neg], data.a_site[neg]))]
    site, q = data.a_site[order], fixed.arc_q[order]
    before = np.cumsum(q) - q
    starts = np.flatnonzero(np.r_[True, site[1:] != site[:-1]]) if site.size else starts_empty()
    seg = np.repeat(starts, np.diff(np.r_[starts, site.size]))
    before = before - before[seg]
    take = np.clip((fixed.cap_t[site] - before) / q, 0.0, 1.0)
    share = np.zeros(len(data.a_cost))
    share[order] = take
    values = fixed.fixed_yuan + np.bincount(site, weights=reduced[order] * take,
                                            minlength=len(fixed.cap_t))
    return values, share


def starts_empty() -> np.ndarray:
    """No segment starts (no arc has a negative reduced cost)."""
    return np.zeros(0, dtype=np.int64)


def choose_open(values: np.ndarray, fixed: SingleTier) -> tuple[float, np.ndarray]:
    """``min sum v_j y_j`` s.t. capacity covers supply, as an LP: value and a 0-1 cover."""
    y = fixed.required | ((values < 0.0) & fixed.allowed)
    value = float(values[y].sum())
    short = fixed.need_t - float(fixed.cap_t[y].sum())
    for j in np.argsort(values / fixed.cap_t):
        if short <= 0.0:
            break
        if y[j] or not fixed.allowed[j]:
            continue
        y[j] = True
        value += float(values[j]) * min(1.0, short / fixed.cap_t[j])
        short -= fixed.cap_t[j]
    return value, y


def lagrangian(data: SplitData, deadline: float, target: float | None = None,
               start: SplitLagrangian | None = None) -> SplitLagrangian:
    """Subgradient on the multipliers until ``MAX_STEPS``, a tiny step or ``deadline``.

    ``target``: the cost of a known plan (the Polyak step aims at it); ``start``: an earlier
    run whose best multipliers this one starts from (with a smaller first step).
    """
    fixed = fixed_of(data)
    n_demand = len(data.supply_t)
    if start is None:
        lam = np.full(n_demand, np.inf)
        np.minimum.at(lam, data.a_demand, data.a_cost)
        lam[~np.isfinite(lam)] = 0.0
    else:
        lam = start.multipliers.copy()
    best, theta, stale, steps = -np.inf, 2.0 if start is None else 0.5, 0, 0
    best_lam = lam
    kernel = np.zeros(len(fixed.cap_t), dtype=bool)
    history: list[np.ndarray] = []
    best_values = np.zeros(len(fixed.cap_t))
    while steps < MAX_STEPS:
        steps += 1
        values, share = site_values(data, fixed, lam)
        value, y = choose_open(values, fixed)
        value += float(lam[data.served].sum())
        history = (history + [y])[-KERNEL_LAST:]
        if value > best + 1e-9 * abs(value):
            best, stale, kernel, best_values, best_lam = value, 0, y.copy(), values, lam
        else:
            stale += 1
            if stale >= PATIENCE:
                theta, stale = theta / 2.0, 0
        g = 1.0 - np.bincount(data.a_demand, weights=share * y[data.a_site], minlength=n_demand)
        g[data.supply_t <= 0] = 0.0
        norm = float(g @ g)
        if norm == 0.0 or theta < 1e-3 or time.perf_counter() > deadline:
            break
        goal = target if target is not None else TARGET * abs(best)
        lam = lam + theta * max(goal - value, 1e-9 * abs(goal)) / norm * g
    recent = np.mean(history, axis=0)
    score = recent - 1e-12 * best_values
    score[~fixed.allowed] = -np.inf
    return SplitLagrangian(float(best), kernel | (recent > KERNEL_SHARE), score, steps,
                           best_lam, kernel)


def fixed_of(data: SplitData) -> SingleTier:
    """The single tier's capacities and fixed costs, allowed and required sites."""
    problem = data.problem
    allowed = np.ones(problem.n_sites, dtype=bool)
    allowed[list(problem.excluded_sites)] = False
    required = np.zeros(problem.n_sites, dtype=bool)
    required[list(problem.required_sites)] = True
    return SingleTier(data.cap_t[:, 0], data.fixed_yuan[:, 0], allowed, required,
                  data.supply_t[data.a_demand], float(data.supply_t.sum()))
