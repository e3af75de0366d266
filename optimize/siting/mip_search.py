"""Local search over the open sites of a split-demand problem, each set priced exactly.

For a set ``S`` of open sites the best split of every point's supply is a transportation
LP (:func:`transport`: HiGHS dual simplex on the arcs into ``S``), so a set's cost is
exact, not estimated. Moves (first improvement, until no move improves or the deadline):

- ``drop j``: the LP of ``S - {j}`` (when its capacity still covers the supply);
- ``swap j -> k`` and ``add k``: ``k`` among the ``CANDIDATES`` closed sites with the most
  negative Lagrangian site value ``v_k`` (:func:`optimize.siting.mip_lagrange.site_values`)
  at the LP's duals of the demand rows (of ``S - {j}`` when it is feasible, else of ``S``):
  ``v_k < 0`` says that opening ``k`` would pay at those prices.

Single tier only (the kernel path of :mod:`optimize.siting.mip_engine`, where the
Lagrangian bound applies). The search is a heuristic: it proves nothing.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog

from optimize.siting.mip import MipPlan, SplitData, plan_cost
from optimize.siting.mip_lagrange import fixed_of, site_values

CANDIDATES = 2  # closed sites tried per swap and per add pass
COVER_TOL = 1e-9  # relative slack of "capacity covers the supply"


@dataclass(frozen=True, eq=False)
class Priced:
    """An open set with its exact cost, fractions and demand-row duals."""

    sites: np.ndarray
    cost: float
    fraction: np.ndarray
    duals: np.ndarray


def transport(data: SplitData, sites: np.ndarray) -> Priced | None:
    """The transportation LP of open ``sites`` (sorted); None if it cannot serve everyone."""
    cap = data.cap_t[sites, 0]
    total = float(data.supply_t.sum())
    if cap.sum() < total * (1 - COVER_TOL):
        return None
    arcs = np.flatnonzero(np.isin(data.a_site, sites))
    point_row = np.full(len(data.supply_t), -1, dtype=np.int64)
    point_row[data.served] = np.arange(len(data.served))
    rows = point_row[data.a_demand[arcs]]
    if np.unique(rows).size < len(data.served):
        return None  # some point has no arc into the set
    cols = np.arange(arcs.size)
    a_eq = sp.csr_matrix((np.ones(arcs.size), (rows, cols)), shape=(len(data.served), arcs.size))
    a_ub = sp.csr_matrix((data.supply_t[data.a_demand[arcs]],
                          (np.searchsorted(sites, data.a_site[arcs]), cols)),
                         shape=(len(sites), arcs.size))
    lp = linprog(data.a_cost[arcs], A_ub=a_ub, b_ub=cap, A_eq=a_eq,
                 b_eq=np.ones(len(data.served)), bounds=(0, None), method="highs-ds")
    if lp.status != 0:
        return None
    fraction = np.zeros(len(data.a_cost))
    fraction[arcs] = np.clip(lp.x, 0.0, 1.0)
    duals = np.zeros(len(data.supply_t))
    duals[data.served] = lp.eqlin.marginals
    return Priced(sites, float(lp.fun) + float(data.fixed_yuan[sites, 0].sum()), fraction, duals)


def local_search(data: SplitData, start: Priced, deadline: float) -> tuple[Priced, int]:
    """Drop, swap and add moves from ``start`` (module docstring); best set and LPs solved."""
    best, solved = start, 0
    improved = True
    while improved and time.perf_counter() < deadline:
        improved = False
        for j in best.sites.tolist():
            if time.perf_counter() >= deadline:
                break
            found, count = _moves_without(data, best, j)
            solved += count
            if found is not None:
                best, improved = found, True
                break
        if not improved and time.perf_counter() < deadline:
            found, count = _best_of(data, best, best.sites, best.duals)
            solved += count
            if found is not None:
                best, improved = found, True
    return best, solved


def _moves_without(data: SplitData, best: Priced, j: int) -> tuple[Priced | None, int]:
    """Drop ``j``, or swap it for a promising closed site: the first that beats ``best``."""
    rest = best.sites[best.sites != j]
    dropped = transport(data, rest)
    if dropped is not None and dropped.cost < best.cost * (1 - 1e-12):
        return dropped, 1
    duals = dropped.duals if dropped is not None else best.duals
    found, count = _best_of(data, best, rest, duals, also_closed=j)
    return found, count + 1


def _best_of(data: SplitData, best: Priced, base: np.ndarray, duals: np.ndarray,
             also_closed: int = -1) -> tuple[Priced | None, int]:
    """``base`` plus one of the ``CANDIDATES`` most promising closed sites, if it beats
    ``best``; ``also_closed`` (the site just dropped) is not a candidate."""
    fixed = fixed_of(data)
    values, _ = site_values(data, fixed, duals)
    values[base] = np.inf
    values[~fixed.allowed] = np.inf
    if also_closed >= 0:
        values[also_closed] = np.inf
    count = 0
    for k in np.argsort(values, kind="stable")[:CANDIDATES]:
        if not np.isfinite(values[k]):
            break
        priced = transport(data, np.sort(np.append(base, k)))
        count += 1
        if priced is not None and priced.cost < best.cost * (1 - 1e-12):
            return priced, count
    return None, count


def as_plan(data: SplitData, priced: Priced) -> MipPlan:
    """The priced set as a plan of the single tier (not proven: bound -inf)."""
    site_tier = np.full(data.problem.n_sites, -1, dtype=np.int64)
    site_tier[priced.sites] = 0
    return MipPlan(site_tier, priced.fraction, plan_cost(data, site_tier, priced.fraction),
                   -np.inf, False, False)
