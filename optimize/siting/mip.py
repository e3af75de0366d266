"""Split-demand siting as a mixed-integer program on SCIP (OR-Tools ``model_builder``).

The model of :mod:`optimize.siting.mip_engine` for a :class:`SplitData` restricted to some
sites and arcs (all of them: exact; a kernel: a heuristic whose plan is still feasible for
the whole problem). Built from sparse arrays in one call
(``fill_model_from_sparse_data``), so 100 sites x 1,000 points (100,000 arcs) build in
well under a second.

Model (stores ``(j, k)`` = site ``j`` with tier ``k``; model arcs ``a`` of points with
supply, to sites not excluded)::

    min  sum_jk F_jk y_jk + sum_a c_a x_a          F_jk = site fixed cost + tier build cost
    s.t. sum_{a in A(i)} x_a = 1             (i)   every point's supply served, split allowed
         sum_{a in A(j)} q_i x_a <= sum_k Q_jk y_jk   (j)   Q_jk = min(tier, site capacity)
         x_a <= sum_k y_{j(a)k}              (a)   strong linking (tightens the LP bound)
         sum_k y_jk <= 1 (= 1 if required)   (j)   one tier per site (several tiers only)
         sum_jk Q_jk y_jk >= sum_i q_i              total capacity (a valid cut)
         sum_jk y_jk = p (<= p)                     store count, when it can bind
         min_g <= sum_{j in g, k} y_jk <= max_g     county quotas
         sum_jk s_k y_jk <= B                       budget on the subsidy
         0 <= x_a <= 1,  y_jk in {0, 1}

SCIP runs single-threaded with relative gap ``REL_GAP`` (OR-Tools' default 1e-4 left
OR-Library cap44 0.0012 % above its optimum while SCIP said optimal) and a seeded
random-seed shift, until a wall-clock deadline. It branches by pseudo-costs: with SCIP's
default (reliability branching, strong branching on the first nodes) the 17-site kernel
of capb/6000 took 40 s to prove, 25 of them strong branching at the root; by pseudo-costs
15 s.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from ortools.linear_solver.python import model_builder as mb

from optimize.siting.prepared import site_groups
from optimize.siting.problem import LocationProblem

REL_GAP = 1e-9  # SCIP's relative MIP gap: exact optima
X_TOL = 1e-9  # fractions below this are dropped (the rest renormalised per point)
MIN_SOLVE_S = 0.5  # SCIP gets at least this long, even past the deadline
#: Rows of the model as ``(row, column, value, row lower bounds, row upper bounds)``.
Block = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]


@dataclass(frozen=True, eq=False)
class SplitData:
    """A split-demand problem in model arrays; ``a_*`` are the model arcs.

    Attributes
    ----------
    problem
        The validated problem.
    supply_t
        ``(n_demand,)`` supply, tonnes.
    model_arcs
        Indices (into the problem's arcs) of the model arcs: supply > 0, site not excluded.
    a_demand, a_site, a_cost
        Demand index, site index and cost of serving all of the point's supply, per model arc.
    cap_t, fixed_yuan
        ``(n_sites, n_tiers)`` capacity ``min(tier, site)`` and fixed cost (site + tier build).
    subsidy_yuan
        ``(n_tiers,)`` subsidy per tier (what the budget limits).
    served
        Indices of the points with supply (each has a demand row).
    """

    problem: LocationProblem
    supply_t: np.ndarray
    model_arcs: np.ndarray
    a_demand: np.ndarray
    a_site: np.ndarray
    a_cost: np.ndarray
    cap_t: np.ndarray
    fixed_yuan: np.ndarray
    subsidy_yuan: np.ndarray
    served: np.ndarray


def prepare_split(problem: LocationProblem) -> SplitData:
    """The model arrays of a validated split-demand problem."""
    supply = np.asarray(problem.supply_t, dtype=float)
    arc_demand = np.asarray(problem.arc_demand, dtype=np.int64)
    arc_site = np.asarray(problem.arc_site, dtype=np.int64)
    allowed = np.ones(problem.n_sites, dtype=bool)
    allowed[list(problem.excluded_sites)] = False
    model_arcs = np.flatnonzero((supply[arc_demand] > 0) & allowed[arc_site])
    tier_cap = np.array([t.capacity_t for t in problem.tiers], dtype=float)
    site_cap = (np.full(problem.n_sites, np.inf) if problem.site_capacity_t is None
                else np.asarray(problem.site_capacity_t, dtype=float))
    site_fixed = (np.zeros(problem.n_sites) if problem.site_fixed_cost_yuan is None
                  else np.asarray(problem.site_fixed_cost_yuan, dtype=float))
    build = np.array([t.build_cost_yuan for t in problem.tiers], dtype=float)
    return SplitData(
        problem=problem,
        supply_t=supply,
        model_arcs=model_arcs,
        a_demand=arc_demand[model_arcs],
        a_site=arc_site[model_arcs],
        a_cost=np.asarray(problem.arc_cost_yuan, dtype=float)[model_arcs],
        cap_t=np.minimum(tier_cap[None, :], site_cap[:, None]),
        fixed_yuan=site_fixed[:, None] + build[None, :],
        subsidy_yuan=np.array([t.subsidy_yuan for t in problem.tiers], dtype=float),
        served=np.flatnonzero(supply > 0),
    )


@dataclass(frozen=True, eq=False)
class MipPlan:
    """One SCIP run: tier per site (-1 closed), fraction per model arc, value and bound.

    ``bound`` is SCIP's proven bound for the restricted model it solved; it bounds the
    whole problem only when that model held every site and every model arc (``exact``).
    """

    site_tier: np.ndarray
    fraction: np.ndarray
    objective: float
    bound: float
    optimal: bool
    exact: bool


def plan_cost(data: SplitData, site_tier: np.ndarray, fraction: np.ndarray) -> float:
    """Fixed costs of the open stores plus ``sum_a fraction_a * cost_a`` (yuan)."""
    opened = np.flatnonzero(site_tier >= 0)
    fixed = float(data.fixed_yuan[opened, site_tier[opened]].sum())
    return fixed + float(fraction @ data.a_cost)


def solve_mip(
    data: SplitData,
    arcs: np.ndarray,
    sites: np.ndarray,
    deadline: float,
    hint: MipPlan | None = None,
) -> MipPlan | None:
    """The model on model arcs ``arcs`` and sites ``sites`` (the others closed) until
    ``deadline`` (``time.perf_counter()`` clock); None if SCIP found no plan.

    ``hint``: a plan on the full index sets, given to SCIP as a start where it fits.
    """
    problem = data.problem
    n_tiers = len(problem.tiers)
    y_site = np.repeat(sites, n_tiers)
    y_tier = np.tile(np.arange(n_tiers), len(sites))
    model = mb.Model()
    helper: Any = model.helper  # its stubs want numpy arrays typed by dtype only
    rows = _rows(data, arcs, sites, y_site, y_tier)
    n_x = len(arcs)
    cost = np.concatenate([data.a_cost[arcs], data.fixed_yuan[y_site, y_tier]])
    upper = np.ones(n_x + len(y_site))
    lower = np.zeros_like(upper)
    if n_tiers == 1:
        lower[n_x:][np.isin(y_site, problem.required_sites)] = 1.0
    helper.fill_model_from_sparse_data(lower, upper, cost, rows.low, rows.high, rows.matrix)
    for index in range(n_x, n_x + len(y_site)):
        helper.set_var_integrality(index, True)
    if hint is not None:
        _add_hint(helper, hint, arcs, y_site, y_tier)
    solver = mb.Solver("scip")
    solver.set_time_limit_in_seconds(max(MIN_SOLVE_S, deadline - time.perf_counter()))
    solver.set_solver_specific_parameters(
        f"limits/gap = {REL_GAP}\nrandomization/randomseedshift = {int(problem.seed)}\n"
        "parallel/maxnthreads = 1\nlp/threads = 1\nbranching/pscost/priority = 100000"
    )
    status = solver.solve(model)
    if status not in (mb.SolveStatus.OPTIMAL, mb.SolveStatus.FEASIBLE):
        return None
    values = solver.values(model.get_variables()).to_numpy()
    return _plan(data, arcs, y_site, y_tier, values, solver, status == mb.SolveStatus.OPTIMAL)


@dataclass(frozen=True)
class _Rows:
    """Constraint matrix (CSR) and row bounds."""

    matrix: sp.csr_matrix
    low: np.ndarray
    high: np.ndarray


def _rows(data: SplitData, arcs: np.ndarray, sites: np.ndarray, y_site: np.ndarray,
          y_tier: np.ndarray) -> _Rows:
    """Every row of the module-docstring model, as COO triplets stacked into one CSR."""
    problem = data.problem
    n_x, n_y = len(arcs), len(y_site)
    ycols = np.arange(n_x, n_x + n_y)
    ycap = data.cap_t[y_site, y_tier]
    inf = np.inf
    blocks: list[Block] = []
    demand, site = data.a_demand[arcs], data.a_site[arcs]
    # demand rows: one per served point
    point_row = np.full(len(data.supply_t), -1, dtype=np.int64)
    point_row[data.served] = np.arange(len(data.served))
    blocks.append((point_row[demand], np.arange(n_x), np.ones(n_x),
                   np.ones(len(data.served)), np.ones(len(data.served))))
    # capacity rows: one per site
    site_row = np.full(problem.n_sites, -1, dtype=np.int64)
    site_row[sites] = np.arange(len(sites))
    blocks.append((np.concatenate([site_row[site], site_row[y_site]]),
                   np.concatenate([np.arange(n_x), ycols]),
                   np.concatenate([data.supply_t[demand], -ycap]),
                   np.full(len(sites), -inf), np.zeros(len(sites))))
    # linking rows: one per arc, x_a - sum_k y_{j(a)k} <= 0
    n_tiers = len(problem.tiers)
    arc_rows = np.repeat(np.arange(n_x), n_tiers)
    link_y = (n_x + np.searchsorted(sites, site)[:, None] * n_tiers
              + np.arange(n_tiers)[None, :]).ravel()
    blocks.append((np.concatenate([np.arange(n_x), arc_rows]),
                   np.concatenate([np.arange(n_x), link_y]),
                   np.concatenate([np.ones(n_x), -np.ones(len(link_y))]),
                   np.full(n_x, -inf), np.zeros(n_x)))
    blocks += _store_rows(data, sites, y_site, y_tier, ycols, ycap)
    return _stack(blocks, n_x + n_y)


def _store_rows(data: SplitData, sites: np.ndarray, y_site: np.ndarray, y_tier: np.ndarray,
                ycols: np.ndarray, ycap: np.ndarray) -> list[Block]:
    """Rows on the store variables only: tiers, total capacity, count, quotas, budget."""
    problem = data.problem
    inf, n_y = np.inf, len(y_site)
    blocks: list[Block] = []
    if len(problem.tiers) > 1:
        rows = np.searchsorted(sites, y_site)
        required = np.isin(sites, problem.required_sites).astype(float)
        blocks.append((rows, ycols, np.ones(n_y), required, np.ones(len(sites))))
    total = float(data.supply_t.sum())
    blocks.append((np.zeros(n_y, np.int64), ycols, ycap, np.array([total]), np.array([inf])))
    allowed = problem.n_sites - len(set(problem.excluded_sites))
    if problem.exact_store_count or problem.n_stores < allowed:
        low = float(problem.n_stores) if problem.exact_store_count else 0.0
        blocks.append((np.zeros(n_y, np.int64), ycols, np.ones(n_y), np.array([low]),
                       np.array([float(problem.n_stores)])))
    group = site_groups(problem)[y_site]
    for g, _ in enumerate(problem.group_names):
        mine = group == g
        high = problem.group_max[g]
        blocks.append((np.zeros(int(mine.sum()), np.int64), ycols[mine], np.ones(int(mine.sum())),
                       np.array([float(problem.group_min[g])]),
                       np.array([inf if high is None else float(high)])))
    if problem.budget_yuan is not None:
        blocks.append((np.zeros(n_y, np.int64), ycols, data.subsidy_yuan[y_tier],
                       np.array([-inf]), np.array([float(problem.budget_yuan)])))
    return blocks


def _stack(blocks: list[Block], n_cols: int) -> _Rows:
    """Stack ``(row, col, value, low, high)`` blocks, each with its own row numbering."""
    rows, cols, vals, lows, highs = [], [], [], [], []
    offset = 0
    for row, col, val, low, high in blocks:
        rows.append(row + offset)
        cols.append(col)
        vals.append(val)
        lows.append(low)
        highs.append(high)
        offset += len(low)
    matrix = sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                           shape=(offset, n_cols))
    return _Rows(matrix, np.concatenate(lows).astype(float), np.concatenate(highs).astype(float))


def _add_hint(helper: Any, hint: MipPlan, arcs: np.ndarray,
              y_site: np.ndarray, y_tier: np.ndarray) -> None:
    """Give SCIP ``hint`` as a start, if it lives on these arcs and sites."""
    if np.any(hint.fraction[np.setdiff1d(np.arange(len(hint.fraction)), arcs)] > 0):
        return
    opened = hint.site_tier >= 0
    if np.any(opened) and not np.all(np.isin(np.flatnonzero(opened), y_site)):
        return
    for index, value in enumerate(hint.fraction[arcs]):
        helper.add_hint(index, float(value))
    for offset, (j, k) in enumerate(zip(y_site, y_tier, strict=True)):
        helper.add_hint(len(arcs) + offset, 1.0 if hint.site_tier[j] == k else 0.0)


def _plan(data: SplitData, arcs: np.ndarray, y_site: np.ndarray, y_tier: np.ndarray,
          values: np.ndarray, solver: mb.Solver, optimal: bool) -> MipPlan:
    """SCIP's values as a plan on the full index sets, fractions cleaned and renormalised."""
    n_x = len(arcs)
    site_tier = np.full(data.problem.n_sites, -1, dtype=np.int64)
    on = values[n_x:] > 0.5
    site_tier[y_site[on]] = y_tier[on]
    fraction = np.zeros(len(data.a_cost))
    fraction[arcs] = np.where(values[:n_x] >= X_TOL, values[:n_x], 0.0)
    fraction[site_tier[data.a_site] < 0] = 0.0
    total = np.bincount(data.a_demand, weights=fraction, minlength=len(data.supply_t))
    fraction /= np.where(total > 0, total, 1.0)[data.a_demand]
    exact = n_x == len(data.a_cost) and len(y_site) == data.problem.n_sites * len(
        data.problem.tiers) - len(set(data.problem.excluded_sites)) * len(data.problem.tiers)
    return MipPlan(site_tier, fraction, plan_cost(data, site_tier, fraction),
                   float(solver.best_objective_bound), optimal, exact)
