"""The Lagrangian lower bound of the siting engine ("Lower bound (proven)" in
:mod:`optimize.siting.lagrange`): the instance in model units, ``L(lambda, mu)`` with its
subgradient, and the optimal relaxed choice of open sites.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from optimize.siting.prepared import PreparedData


@dataclass(eq=False)
class LagrangeInstance:
    """The problem in model units (0.01 t, s, yuan); arcs are ``prepared``'s model arcs."""

    data: PreparedData
    n: int  # demand points
    n_sites: int
    q: np.ndarray  # (n,) supply units (float)
    dem: np.ndarray  # (m,) arc demand
    site: np.ndarray  # (m,) arc site
    t: np.ndarray  # (m,) arc time, s
    cost: np.ndarray  # (m,) q * t
    h: np.ndarray  # (n,) cost of leaving point unserved; inf = must serve; 0 = no supply
    active: np.ndarray  # (n,) supply > 0
    cap: np.ndarray  # (K,) capacity units (float)
    sub: np.ndarray  # (K,) subsidy yuan (float)
    budget: float | None
    allowed: np.ndarray  # (J,) bool
    required: np.ndarray  # (J,) bool
    group: np.ndarray  # (J,) group index or -1
    gmin: np.ndarray  # (G,) int
    gmax: np.ndarray  # (G,) int (large if none)
    p: int
    exact: bool


@dataclass(eq=False)
class Relaxation:
    """One evaluation of the Lagrangian function."""

    bound: float
    grad: np.ndarray  # (n,) subgradient for lambda
    grad_budget: float  # subgradient for mu (in subsidy yuan)
    open_tier: np.ndarray  # (J,) tier chosen by the relaxation, -1 closed
    site_value: np.ndarray  # (J,) min_k v_jk + mu s_k (inf for excluded)
    tier_value: np.ndarray  # (J, K) v_jk


def relax(inst: LagrangeInstance, lam: np.ndarray, mu: float) -> Relaxation:
    """``L(lambda, mu)`` with its subgradient and the relaxation's open sites."""
    red = inst.cost - lam[inst.dem]
    neg = np.flatnonzero(red < 0)
    ratio = red[neg] / inst.q[inst.dem[neg]]
    order = neg[np.lexsort((ratio, inst.site[neg]))]
    s, w, r = inst.site[order], inst.q[inst.dem[order]], red[order]
    cum_w = np.concatenate([[0.0], np.cumsum(w)])
    cum_r = np.concatenate([[0.0], np.cumsum(r)])
    sites = np.arange(inst.n_sites)
    start, end = np.searchsorted(s, sites, "left"), np.searchsorted(s, sites, "right")
    n_tiers = len(inst.cap)
    values = np.zeros((inst.n_sites, n_tiers))
    cut = np.zeros((inst.n_sites, n_tiers), dtype=np.int64)
    frac = np.zeros((inst.n_sites, n_tiers))
    for k in range(n_tiers):
        target = cum_w[start] + inst.cap[k]
        pos = np.clip(np.searchsorted(cum_w, target, "right") - 1, start, end)  # items fully in
        if len(w):
            safe = np.minimum(pos, len(w) - 1)
            has = pos < end
            frac[:, k] = np.where(has, (target - cum_w[pos]) / w[safe], 0.0)
            values[:, k] = cum_r[pos] - cum_r[start] + frac[:, k] * np.where(has, r[safe], 0.0)
        cut[:, k] = pos
    priced = values + mu * inst.sub[None, :]
    tier = np.argmin(priced, axis=1)
    site_value = priced[sites, tier]
    site_value[~inst.allowed] = np.inf
    chosen = select_sites(inst, site_value)
    open_tier = np.full(inst.n_sites, -1, dtype=np.int64)
    open_tier[chosen] = tier[chosen]
    x = _knapsack_x(len(order), start[chosen], cut[chosen, tier[chosen]],
                    frac[chosen, tier[chosen]])
    served = np.bincount(inst.dem[order], weights=x, minlength=inst.n)
    unserved = (inst.h < lam) & inst.active
    grad = np.where(inst.active, 1.0 - served - unserved, 0.0)
    penalty = np.minimum(0.0, np.where(inst.active, inst.h, 0.0) - lam)
    selection = float(site_value[chosen].sum())
    bound = float(lam[inst.active].sum() + penalty[inst.active].sum()) + selection
    grad_budget = 0.0
    if inst.budget is not None:
        spent = float(inst.sub[tier[chosen]].sum())
        bound -= mu * inst.budget
        grad_budget = spent - inst.budget
    return Relaxation(bound, grad, grad_budget, open_tier, site_value, values)


def _knapsack_x(n_items: int, start: np.ndarray, cut: np.ndarray, frac: np.ndarray) -> np.ndarray:
    """Item values of the chosen knapsacks: 1 on ``[start, cut)``, ``frac`` at ``cut``."""
    mark = np.zeros(n_items + 1)
    np.add.at(mark, start, 1.0)
    np.add.at(mark, cut, -1.0)
    x = np.cumsum(mark)[:n_items]
    partial = cut < n_items
    np.add.at(x, cut[partial], frac[partial])
    return x


def select_sites(inst: LagrangeInstance, value: np.ndarray) -> np.ndarray:
    """Cheapest site set: required, group minima, then the best of groups below maximum.

    Optimal for the relaxed selection (a partition matroid with lower bounds); ``value``
    is ``inf`` for excluded sites. Ties go to the lower site index.
    """
    taken = inst.required & inst.allowed
    count = np.zeros(len(inst.gmin), dtype=np.int64)
    if len(inst.gmin):
        np.add.at(count, inst.group[taken & (inst.group >= 0)], 1)
    order = np.lexsort((np.arange(inst.n_sites), value))
    order = order[np.isfinite(value[order])]
    for g in np.flatnonzero(count < inst.gmin):
        for j in order[(inst.group[order] == g) & ~taken[order]][: inst.gmin[g] - count[g]]:
            taken[j] = True
            count[g] += 1
    room = inst.p - int(taken.sum())
    for j in order:
        if room <= 0 or (not inst.exact and value[j] >= 0):
            break
        g = inst.group[j]
        if taken[j] or (g >= 0 and count[g] >= inst.gmax[g]):
            continue
        taken[j] = True
        room -= 1
        if g >= 0:
            count[g] += 1
    return np.flatnonzero(taken)
