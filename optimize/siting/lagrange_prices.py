"""Congestion-priced interchange of the Lagrangian siting engine: where stores fill up,
the fast interchange is told so by a price per tonne, and moves stores there.

The interchange stage (:mod:`optimize.siting.lagrange_swap`) proposes open sites for the
capacities-aside problem; where capacity binds (Gansu's plan: 40 full stores, most of them
in 天水 and 临夏) that problem wants fewer stores in the dense places than a plan that must
fit the supply into 1,000 t stores. Here the interchange runs on priced costs
``q_i (t_a + nu_j)``: ``nu_j`` (s per supply unit) is site ``j``'s congestion price, raised
where the capacities-aside assignment (each point at its cheapest priced open site) loads
a store beyond the largest tier's capacity and lowered (not below 0) where it leaves room,
by ``PRICE_STEP_S`` times the relative overload. Each round's open sites are assigned with
the real capacities by the engine's plan builder (:func:`~optimize.siting.lagrange_plans.
build_plan`) and the best plan is kept; the prices only steer which sites open, the plans
are valued at the true objective. A fixed count of rounds with a work budget each: the
same plan on any machine.

Measured on the Gansu plan's siting problem (``benchmarks/location.py --set plan``: 13,931
villages, 1,335 sites, 893 stores, from the interchange stage's plan of 925.76 M t*s):
16 rounds at step 50 s reach 915.06 M in 12 CPU s; step 300 oscillates (best 917.8 M);
starting from the relaxation's capacity duals (the knapsacks' critical ratios) instead of 0
gave plans above 978 M.
"""

from __future__ import annotations

import numpy as np

from optimize.siting.interchange import PASS_WORK, NearLists, descend
from optimize.siting.lagrange_bound import LagrangeInstance
from optimize.siting.lagrange_plans import ArcLists, WorkPlan, build_plan, plan_tiers, plan_value
from optimize.siting.lagrange_swap import SWAP_WORK_PASSES, groups_hold

PRICE_ROUNDS = 16  # priced interchanges, each followed by a capacitated plan
PRICE_STEP_S = 800.0  # price change per round, s per supply unit, per unit of relative overload


def priced_plans(inst: LagrangeInstance, arcs: ArcLists, best: WorkPlan, ub: float,
                 tier_value: np.ndarray, rounds: int = PRICE_ROUNDS,
                 price: np.ndarray | None = None
                 ) -> tuple[float, WorkPlan, int, np.ndarray]:
    """``rounds`` congestion-priced interchanges from ``best`` (module docstring), from the
    prices ``price`` (s per supply unit per site; None: 0): the best plan (``best`` unless
    one is cheaper), its value, how many rounds gave a new best and the prices reached (to
    go on from later). ``tier_value`` guides the budget repair of the tiers
    (:func:`plan_tiers`)."""
    price = np.zeros(inst.n_sites) if price is None else price.copy()
    if not (inst.cost < inst.h[inst.dem]).any():
        return ub, best, 0, price
    cap = float(inst.cap.max())
    is_open = best.tier >= 0
    closable = inst.allowed & ~inst.required
    better = 0
    for _ in range(rounds):
        priced = np.rint(inst.q[inst.dem] * (inst.t + price[inst.site]))
        keep = priced < inst.h[inst.dem]  # dearer than leaving the point unserved: left out
        cost = priced[keep]
        if not keep.any() or inst.n * (float(cost.max()) + 1.0) >= 2.0**52:
            break  # nothing to swap, or too large for the lists' exact keys
        lists = _priced_lists(inst, keep, cost, price * cap)
        is_open, near = descend(lists, is_open, closable, inst.allowed,
                                SWAP_WORK_PASSES * 4.0 * (len(cost) + PASS_WORK))
        if groups_hold(inst, is_open):
            work = build_plan(inst, arcs, plan_tiers(inst, np.where(is_open, 0, -1),
                                                     tier_value))
            value = plan_value(inst, work)
            if value < ub:
                ub, best, better = value, work, better + 1
        c1 = near.c1[: inst.n]
        served = c1 >= 0
        load = np.bincount(c1[served], weights=inst.q[served], minlength=inst.n_sites)
        price = np.where(is_open, np.maximum(0.0, price + PRICE_STEP_S * (load - cap) / cap),
                         price)
    return ub, best, better, price


def _priced_lists(inst: LagrangeInstance, keep: np.ndarray, cost: np.ndarray,
                  credit: np.ndarray) -> NearLists:
    """The interchange's lists of the priced arcs, plus one dummy point per site with a
    single free arc to it and ``credit_j = nu_j C`` as its cost when the site is closed: an
    open site earns back the price of its capacity, as in the Lagrangian of the capacity
    rows (without it, a priced store's points would only move to the next site)."""
    sites = np.arange(inst.n_sites)
    dem = np.concatenate([inst.dem[keep], inst.n + sites])
    site = np.concatenate([inst.site[keep], sites])
    miss = np.concatenate([_miss(inst, cost), np.rint(credit)])
    return NearLists.build(dem, site, np.concatenate([cost, np.zeros(inst.n_sites)]),
                           inst.n + inst.n_sites, inst.n_sites, miss)


def _miss(inst: LagrangeInstance, cost: np.ndarray) -> np.ndarray:
    """Cost of a point without an open listed site: its unserved cost, or ('time') more
    than all its listed priced ``cost`` s together (a plan never gives up a point)."""
    big = float(cost.sum()) + 1.0
    miss = np.where(np.isinf(inst.h), big, inst.h)
    return np.where(inst.active, miss, 0.0)
