"""Hand-checkable split-demand siting cases (used by the MIP engine's tests).

HAND: 3 sites A, B, C x 4 points d0..d3 of 10 t each (40 t in all). Costs of serving ALL of
a point's supply (yuan)::

            d0   d1   d2   d3    capacity   fixed
    A       10   20  100  100     15 t        0
    B      100   40   10   10     25 t        0
    C       60   35   60   60    100 t        5

A and B hold exactly 40 t together, so with A and B open every tonne is placed: A takes
d0 (saves 9 yuan/t against B) and then 5 t of d1 (saves 2 yuan/t), B takes the other 5 t of
d1 and d2, d3. Cost 10 + (0.5 x 20 + 0.5 x 40) + 10 + 10 = 60 yuan, d1 split half and half.
With C open (fixed 5) the cheapest is d1 all at C (35) with d0 at A, d2 and d3 at B:
5 + 10 + 35 + 10 + 10 = 70. Single sourcing could not use A and B alone (A holds one point,
B two). The tests confirm 60 by solving the transportation LP of every set of open sites.
"""

from __future__ import annotations

import itertools

import numpy as np
from scipy.optimize import linprog

from optimize.siting.problem import LocationProblem, StoreTier

HAND_COST = np.array([[10.0, 20.0, 100.0, 100.0],
                      [100.0, 40.0, 10.0, 10.0],
                      [60.0, 35.0, 60.0, 60.0]])  # (site, point)
HAND_CAPACITY_T = np.array([15.0, 25.0, 100.0])
HAND_FIXED_YUAN = np.array([0.0, 0.0, 5.0])
HAND_SUPPLY_T = np.array([10.0, 10.0, 10.0, 10.0])
HAND_OPTIMUM_YUAN = 60.0


def split_problem(cost: np.ndarray = HAND_COST, capacity_t: np.ndarray = HAND_CAPACITY_T,
                  fixed_yuan: np.ndarray = HAND_FIXED_YUAN,
                  supply_t: np.ndarray = HAND_SUPPLY_T, **changes: object) -> LocationProblem:
    """A dense split-demand problem: arcs ordered point by point, sites within a point."""
    n_sites, n_points = cost.shape
    demand, site = np.meshgrid(np.arange(n_points), np.arange(n_sites), indexing="ij")
    demand, site = demand.ravel(), site.ravel()
    fields: dict[str, object] = {
        "supply_t": supply_t, "weight": np.ones(n_points), "arc_demand": demand,
        "arc_site": site, "arc_time_s": np.zeros(demand.size), "n_sites": n_sites,
        "tiers": (StoreTier("any", float(supply_t.sum()), 0.0, 0.0),), "n_stores": n_sites,
        "exact_store_count": False, "objective": "cost", "split_demand": True,
        "site_fixed_cost_yuan": fixed_yuan, "site_capacity_t": capacity_t,
        "arc_cost_yuan": cost[site, demand], "time_limit_s": 10.0,
    }
    fields.update(changes)
    return LocationProblem(**fields)  # type: ignore[arg-type]


def brute_force_yuan(cost: np.ndarray, capacity_t: np.ndarray, fixed_yuan: np.ndarray,
                     supply_t: np.ndarray) -> float:
    """Optimum by enumeration: every set of open sites, its transportation LP (HiGHS)."""
    n_sites, n_points = cost.shape
    best = np.inf
    for size in range(1, n_sites + 1):
        for opened in itertools.combinations(range(n_sites), size):
            k = len(opened)
            c = cost[list(opened)].ravel()  # x[s, i], fraction of point i at open site s
            a_eq = np.zeros((n_points, k * n_points))
            a_ub = np.zeros((k, k * n_points))
            for s in range(k):
                a_eq[np.arange(n_points), s * n_points + np.arange(n_points)] = 1.0
                a_ub[s, s * n_points:(s + 1) * n_points] = supply_t
            lp = linprog(c, A_ub=a_ub, b_ub=capacity_t[list(opened)], A_eq=a_eq,
                         b_eq=np.ones(n_points), bounds=(0, 1), method="highs")
            if lp.status == 0:
                best = min(best, float(lp.fun) + float(fixed_yuan[list(opened)].sum()))
    return best
