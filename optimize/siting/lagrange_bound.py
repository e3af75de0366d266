"""The Lagrangian lower bound of the siting engine ("Lower bound (proven)" in
:mod:`optimize.siting.lagrange`): the instance in model units, ``L(lambda, mu)`` with its
subgradient, the optimal relaxed choice of open sites, the optimal budget multiplier for
given ``lambda`` and the multiplier step.

Why ``L`` is a lower bound (the engine minimises)
-------------------------------------------------
Write the model as ``min c x + h u`` over ``(y, x, u)`` in ``X`` (one tier per site,
required/excluded sites, store count, group limits, capacity per open store, ``0 <= x,
u <= 1``, ``x`` and ``y`` integer) with the assignment rows ``sum_{a in A(i)} x_a + u_i =
1`` and the budget row ``sum_jk s_k y_jk <= B``. For any ``lambda`` (free) and ``mu >= 0``
and any feasible plan, ``c x + h u >= c x + h u + sum_i lambda_i (1 - sum_a x_a - u_i) +
mu (sum s y - B)``, because the first added sum is 0 and the second <= 0. The right side
separates: per point ``(h_i - lambda_i) u_i >= min(0, h_i - lambda_i)``; per open site
``j`` with tier ``k`` the arcs into ``j`` cost at least the LP of their knapsack ``v_jk``
(relaxing ``x`` to ``[0, 1]`` only enlarges the set minimised over); and the open sites
with their tiers form a set allowed by the count and group rows, so their total is at
least the cheapest such set (:func:`select_sites`, exact for that matroid). Hence ``L(lambda,
mu)`` is at most every feasible plan's value, the optimum included, whatever ``lambda``
and ``mu >= 0`` the search produces: the step rule and the choice of ``mu`` affect only
how strong the bound is, never its validity. (The engine subtracts a relative 1e-9 for
rounding in the float sums.)

Strength where budget and capacity both bind
--------------------------------------------
The best ``L`` over ``lambda`` and ``mu`` equals the LP relaxation in which every tier has
its own copy of the assignment (``x_ak <= y_jk``, ``sum q_i x_ak <= C_k y_jk``): the
relaxed problem for fixed multipliers is integral in ``y``. That LP is much stronger than
the aggregated one (one ``x_a`` per arc): on ``benchmarks.location.random_siting(0, .., 16
M yuan)`` HiGHS gives 22.29 M t*s for the per-tier LP and 18.20 M for the aggregated one,
because a fraction of a large tier buys capacity at the large tier's price per tonne. The
subgradient search used to stall at 20.29 M there (9 % below the LP) with ``mu`` moved by
its own badly scaled subgradient. Now :func:`relax` chooses ``mu`` optimally for each
``lambda`` (:func:`best_budget_multiplier`: the knapsacks do not depend on ``mu``, so this
is a one-dimensional concave maximisation over the site choice alone) and
:func:`ascent_step` scales the step by each point's supply with a deflected direction;
the search reaches 22.28 M (0.04 % below the LP) in ~400 steps. Exact 0/1 knapsacks per
site and tier (DP in 0.01 t) raise ``L`` at the LP's multipliers by 0.66 % (22.43 M) at
20x the time per step, so they are not used in the steps, only once at the end
(:mod:`optimize.siting.bound_budget`); rounding that DP to 0.1 t or 1 t to make it cheap
loses more than it gains (22.02 M, 15.75 M). The bound that keeps the budget as a
knapsack instead of pricing it is :mod:`optimize.siting.bound_budget`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from optimize.siting.prepared import PreparedData

BISECTIONS = 40  # halvings of the budget multiplier's bracket (2^-40 of its width)
#: Share of the previous direction kept in the next one (deflected subgradient). Measured on
#: ``benchmarks.location.random_siting(0, ..., 16e6)``: 0.5 and 0.3 end within 0.03 % of the
#: LP bound (22.2867 M t*s) in 390-480 steps; 0 needs twice the patience and 820 steps.
DEFLECTION = 0.5


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
    mu: float = 0.0  # the budget multiplier used (per yuan of subsidy)


def relax(inst: LagrangeInstance, lam: np.ndarray, mu: float | None = None) -> Relaxation:
    """``L(lambda, mu)`` with its subgradient and the relaxation's open sites.

    ``mu = None`` (the default): the budget multiplier is chosen optimally for ``lam``
    (:func:`best_budget_multiplier`), so the bound is ``max_mu L(lambda, mu)`` and the
    search moves ``lambda`` only (``grad_budget`` is then 0).
    """
    knap = knapsacks(inst, lam)
    optimise = mu is None
    if mu is None:
        mu = best_budget_multiplier(inst, knap.values)
    priced = knap.values + mu * inst.sub[None, :]
    tier = np.argmin(priced, axis=1)
    sites = np.arange(inst.n_sites)
    site_value = priced[sites, tier]
    site_value[~inst.allowed] = np.inf
    chosen = select_sites(inst, site_value)
    open_tier = np.full(inst.n_sites, -1, dtype=np.int64)
    open_tier[chosen] = tier[chosen]
    x = knapsack_x(len(knap.order), knap.start[chosen], knap.cut[chosen, tier[chosen]],
                    knap.frac[chosen, tier[chosen]])
    served = np.bincount(inst.dem[knap.order], weights=x, minlength=inst.n)
    unserved = (inst.h < lam) & inst.active
    grad = np.where(inst.active, 1.0 - served - unserved, 0.0)
    bound = point_terms(inst, lam) + float(site_value[chosen].sum())
    grad_budget = 0.0
    if inst.budget is not None:
        bound -= mu * inst.budget
        grad_budget = 0.0 if optimise else float(inst.sub[tier[chosen]].sum()) - inst.budget
    return Relaxation(bound, grad, grad_budget, open_tier, site_value, knap.values, float(mu))


@dataclass(eq=False)
class Knapsacks:
    """The per-site knapsack LPs at one ``lambda``: items (negative reduced cost) sorted by
    site then ratio, and per site and tier the value, the first item not wholly taken and
    its taken fraction."""

    order: np.ndarray  # (items,) model arc of each item
    start: np.ndarray  # (J,) first item of each site
    values: np.ndarray  # (J, K) v_jk
    cut: np.ndarray  # (J, K)
    frac: np.ndarray  # (J, K)


def knapsacks(inst: LagrangeInstance, lam: np.ndarray) -> Knapsacks:
    """``v_jk = min sum_a (q_i t_a - lambda_i) x_a`` s.t. ``sum q_i x_a <= C_k``, ``0 <= x <= 1``
    over the arcs into ``j`` (the LP of a knapsack: greedy by ratio, last item fractional)."""
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
    return Knapsacks(order, start, values, cut, frac)


def point_terms(inst: LagrangeInstance, lam: np.ndarray) -> float:
    """``sum_i lambda_i + min(0, h_i - lambda_i)`` over the points with supply."""
    penalty = np.minimum(0.0, np.where(inst.active, inst.h, 0.0) - lam)
    return float(lam[inst.active].sum() + penalty[inst.active].sum())


def knapsack_x(n_items: int, start: np.ndarray, cut: np.ndarray, frac: np.ndarray) -> np.ndarray:
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
    is ``inf`` for excluded sites. Ties go to the lower site index. Vectorised form of the
    greedy "required sites; each group's missing minimum, best first; then the best
    remaining sites, skipping groups at their maximum (only negative ones if the count is
    'at most')": a site the greedy skips is one ranked at or beyond its group's remaining
    room, so the greedy's pick is the ``room`` best sites ranked within that room.
    """
    taken = inst.required & inst.allowed
    n_groups = len(inst.gmin)
    group = np.where(inst.group >= 0, inst.group, n_groups)  # n_groups: no group
    count = np.bincount(group[taken], minlength=n_groups + 1)
    index = np.arange(inst.n_sites)
    order = np.lexsort((index, value))
    order = order[np.isfinite(value[order]) & ~taken[order]]
    if n_groups:
        deficit = np.append(np.maximum(inst.gmin - count[:-1], 0), 0)
        take = order[_rank_in_group(group[order]) < deficit[group[order]]]
        taken[take] = True
        count += np.bincount(group[take], minlength=n_groups + 1)
        order = order[~taken[order]]
    room = inst.p - int(taken.sum())
    if room <= 0:
        return np.flatnonzero(taken)
    left = np.append(inst.gmax - count[:-1], inst.n_sites)
    order = order[_rank_in_group(group[order]) < left[group[order]]]
    if not inst.exact:
        order = order[value[order] < 0]
    taken[order[:room]] = True
    return np.flatnonzero(taken)


def _rank_in_group(group: np.ndarray) -> np.ndarray:
    """Position of each entry among the earlier entries of its group (0 = first)."""
    if not len(group):
        return np.zeros(0, dtype=np.int64)
    by = np.argsort(group, kind="stable")
    sorted_group = group[by]
    first = np.searchsorted(sorted_group, sorted_group, "left")
    rank = np.empty(len(group), dtype=np.int64)
    rank[by] = np.arange(len(group)) - first
    return rank


def best_budget_multiplier(inst: LagrangeInstance, values: np.ndarray) -> float:
    """The budget multiplier ``mu >= 0`` maximising ``L(lambda, mu)`` for fixed knapsacks.

    For fixed ``lambda`` the knapsack values ``v_jk`` do not depend on ``mu``, so
    ``phi(mu) = selection(min_k v_jk + mu s_k) - mu B`` is the minimum of linear functions
    of ``mu`` (one per site set and tier choice): concave and piecewise linear, with the
    subsidy spent by the relaxation minus ``B`` as a supergradient. Bisection on its sign
    (``BISECTIONS`` halvings after doubling an upper end) keeps the best ``phi`` seen. Every
    ``mu >= 0`` gives a valid bound, so an inexact maximum only costs strength, never
    validity.
    """
    if inst.budget is None:
        return 0.0
    best_mu, best_phi, spent = _budget_phi(inst, values, 0.0)
    if spent <= inst.budget:
        return 0.0
    low, high = 0.0, _first_mu(inst, values)
    for _ in range(2 * BISECTIONS):  # doubling: an upper end where the budget holds
        phi, spent = _budget_phi(inst, values, high)[1:]
        if phi > best_phi:
            best_mu, best_phi = high, phi
        if spent <= inst.budget:
            break
        low, high = high, 2 * high
    for _ in range(BISECTIONS):
        mid = 0.5 * (low + high)
        phi, spent = _budget_phi(inst, values, mid)[1:]
        if phi > best_phi:
            best_mu, best_phi = mid, phi
        if spent > inst.budget:
            low = mid
        elif spent < inst.budget:
            high = mid
        else:
            break
    return best_mu


def _first_mu(inst: LagrangeInstance, values: np.ndarray) -> float:
    """A first upper end for the bisection: the value range per yuan of subsidy range."""
    spread = float(np.ptp(inst.sub)) if len(inst.sub) > 1 else 0.0
    finite = values[np.isfinite(values)]
    scale = float(np.ptp(finite)) if finite.size else 0.0
    return max(scale, 1.0) / max(spread, 1.0)


def _budget_phi(
    inst: LagrangeInstance, values: np.ndarray, mu: float
) -> tuple[float, float, float]:
    """``(mu, phi(mu), subsidy spent by the relaxation's choice)``."""
    priced = values + mu * inst.sub[None, :]
    tier = np.argmin(priced, axis=1)
    site_value = priced[np.arange(inst.n_sites), tier]
    site_value[~inst.allowed] = np.inf
    chosen = select_sites(inst, site_value)
    assert inst.budget is not None
    phi = float(site_value[chosen].sum()) - mu * inst.budget
    return mu, phi, float(inst.sub[tier[chosen]].sum())


def ascent_step(
    inst: LagrangeInstance, rel: Relaxation, lam: np.ndarray, low: np.ndarray,
    high: np.ndarray, theta: float, target: float, direction: np.ndarray,
) -> tuple[np.ndarray, np.ndarray] | None:
    """The next multipliers: a Polyak step along the deflected, supply-scaled subgradient.

    ``d = g + DEFLECTION d_prev`` (``g`` = ``rel.grad``, 0 where ``low >= high``), and
    ``lambda' = clip(lambda + theta (target - L) D d / (d' D d), low, high)`` with
    ``D = diag(q_i)``: ``lambda_i`` is a price of point ``i``'s whole supply, so a step
    moves every point's price per tonne alike (without ``D``, measured on the 16 M yuan
    random case, the search stalled 9 % below the LP bound; with it, 0.03 %). Any
    ``lambda`` gives a valid bound (weak duality), so the step rule only affects strength.

    Returns
    -------
    tuple or None
        ``(lambda', d)``; None if the subgradient is 0, i.e. ``lam`` maximises the
        bound (the relaxed solution is feasible and complementary).
    """
    grad = np.where(low >= high, 0.0, rel.grad)
    if not grad.any():
        return None
    direction = grad + DEFLECTION * direction
    norm = float(direction @ (inst.q * direction))
    if norm <= 0:
        return None
    size = theta * max(target - rel.bound, 1e-9 * abs(target)) / norm
    return np.clip(lam + size * inst.q * direction, low, high), direction
