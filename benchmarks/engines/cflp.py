"""Capacitated facility location with splittable demand, exact MIP on SCIP (OR-Tools).

Arrays in, frozen dataclasses out. A side engine: no plan runs it. ``benchmarks/location.py
--set cap --engine side`` runs it on OR-Library ``cap`` (Beasley's capacitated warehouse
location) for comparison; the default there is ``solve_location`` on a split-demand
``LocationProblem`` (:mod:`optimize.siting.mip_engine`, the same strong model on SCIP).

Formulation
-----------
Facilities ``i`` with capacity ``Q_i`` and fixed cost ``f_i``; customers ``j`` with
demand ``q_j``; ``c_ij`` = cost of serving ALL of customer ``j``'s demand from ``i``
(OR-Library convention, so a fraction ``x_ij`` costs ``c_ij x_ij``)::

    min  sum_i f_i y_i + sum_ij c_ij x_ij
    s.t. sum_i x_ij = 1                      (j)    demand met, split allowed
         sum_j q_j x_ij <= Q_i y_i           (i)    capacity of open facilities
         x_ij <= y_i                         (i,j)  strong linking
         sum_i Q_i y_i >= sum_j q_j                 total capacity (a valid cut)
         0 <= x_ij <= 1,  y_i in {0, 1}

The strong linking constraints are redundant for integer ``y`` but make the LP bound
much tighter (the weak form, capacity only, lets ``y_i`` be as small as the load), which
is what lets SCIP close cap41..cap134 at the root or close to it.

Large instances (``m n`` above ``FULL_MIP_MAX_VARS``, e.g. capa/b/c at 100 x 1000): SCIP
on the full model spent its 60 s at the root and ended 31 % above the optimum of capa
(capacity 8000) while its bound was within 0.06 %, and GLOP took 95 s for the LP alone.
So they go through a Lagrangian kernel first: relax ``sum_i x_ij = 1`` (see
:func:`lagrangian_kernel`), keep every facility the relaxation opened near its end, and
solve the exact MIP restricted to that kernel. The plan is feasible for the full problem;
its optimality is NOT proven. The time left then goes to SCIP on the full model with that
plan as a hint, for its bound; the reported bound is the better of that and the Lagrangian
one (the Lagrangian bound alone was 0.3-3.5 % below the optima of capa).

pywraplp's default relative MIP gap is 1e-4, which left cap44 0.0012 % above its optimum
while SCIP said "optimal"; :func:`solve_cflp` sets 1e-9 by default. SCIP runs with one
thread; the bound it reports at the time limit is proven.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from ortools.linear_solver import pywraplp

FULL_MIP_MAX_VARS = 20_000  # m * n above this: Lagrangian kernel, then a restricted MIP
LR_SHARE = 0.3  # share of the time limit the subgradient may use
LR_MAX_ITER = 1500  # subgradient steps at most
LR_PATIENCE = 20  # non-improving steps before the step factor is halved
LR_TARGET = 1.02  # Polyak target = this times the best bound (no plan known yet)
KERNEL_LAST = 60  # the kernel looks at this many last subgradient steps
KERNEL_SHARE = 0.2  # ... and keeps facilities open in at least this share of them
RESERVE_S = 2.5  # large instances: seconds kept back for reading SCIP's 100k values
POLISH_MIN_S = 5.0  # large instances: full MIP (for its bound) only if this much time is left
DEFAULT_REL_GAP = 1e-9  # relative MIP gap; pywraplp's 1e-4 default is too loose here
X_TOL = 1e-9  # fractions below this are dropped from the reported assignment


@dataclass(frozen=True)
class CflpInstance:
    """An OR-Library ``cap`` instance.

    Attributes
    ----------
    capacity
        ``(m,)`` facility capacities, demand units; NaN where the file has the word
        ``capacity`` (capa/b/c: the capacity is a parameter, see capopt).
    fixed_cost
        ``(m,)`` cost of opening each facility.
    demand
        ``(n,)`` customer demands.
    cost
        ``(m, n)`` cost of serving ALL of customer ``j``'s demand from facility ``i``.
    """

    capacity: np.ndarray
    fixed_cost: np.ndarray
    demand: np.ndarray
    cost: np.ndarray


@dataclass(frozen=True)
class CflpResult:
    """A plan and its proven quality.

    Attributes
    ----------
    open
        Sorted 0-based indices of the open facilities.
    assign
        ``(k, 3)`` rows ``(customer, facility, fraction)``, 0-based, fractions > 0.
    objective
        Fixed plus service cost of the plan, recomputed from the data.
    bound
        SCIP's proven lower bound on the optimum (same unit).
    gap_pct
        ``100 (objective - bound) / objective``.
    status
        ``'OPTIMAL'`` (within the relative gap) or ``'FEASIBLE'`` (time limit).
    time_s
        Wall-clock time including model building, seconds.
    """

    open: tuple[int, ...]
    assign: np.ndarray
    objective: float
    bound: float
    gap_pct: float
    status: str
    time_s: float


def read_orlib_cap(path: str | Path) -> CflpInstance:
    """Read a Beasley ``cap`` file (format in ``../shared/benchmarks/README.md``).

    ``m n``; ``m`` lines ``capacity fixed_cost`` (the literal word ``capacity`` becomes
    NaN); then per customer its demand and ``m`` costs, wrapping over lines.
    """
    tokens = Path(path).read_text().split()
    m, n = int(tokens[0]), int(tokens[1])
    head = tokens[2 : 2 + 2 * m]
    capacity = np.array([np.nan if t == "capacity" else float(t) for t in head[0::2]])
    fixed = np.array([float(t) for t in head[1::2]])
    body = np.asarray(tokens[2 + 2 * m : 2 + 2 * m + n * (m + 1)], dtype=float)
    if body.size != n * (m + 1):
        raise ValueError(f"{path}: expected {n * (m + 1)} customer numbers, got {body.size}")
    body = body.reshape(n, m + 1)
    return CflpInstance(capacity, fixed, body[:, 0].copy(), body[:, 1:].T.copy())


def plan_objective(inst: CflpInstance, open_idx: np.ndarray, assign: np.ndarray) -> float:
    """Fixed cost of ``open_idx`` plus ``sum c_ij x_ij`` over ``assign`` rows (j, i, x)."""
    j = assign[:, 0].astype(np.int64)
    i = assign[:, 1].astype(np.int64)
    return float(inst.fixed_cost[open_idx].sum() + (inst.cost[i, j] * assign[:, 2]).sum())


def _build(
    solver: pywraplp.Solver,
    capacity: np.ndarray,
    inst: CflpInstance,
) -> tuple[list[pywraplp.Variable], list[list[pywraplp.Variable]]]:
    """Variables, constraints and objective of the module-docstring model."""
    m, n = inst.cost.shape
    inf = solver.infinity()
    y = [solver.BoolVar(f"y{i}") for i in range(m)]
    x = [[solver.NumVar(0.0, 1.0, f"x{i}_{j}") for j in range(n)] for i in range(m)]
    for j in range(n):
        row = solver.Constraint(1.0, 1.0)
        for i in range(m):
            row.SetCoefficient(x[i][j], 1.0)
    for i in range(m):
        cap = solver.Constraint(-inf, 0.0)
        cap.SetCoefficient(y[i], -float(capacity[i]))
        for j in range(n):
            cap.SetCoefficient(x[i][j], float(inst.demand[j]))
            link = solver.Constraint(-inf, 0.0)
            link.SetCoefficient(x[i][j], 1.0)
            link.SetCoefficient(y[i], -1.0)
    total = solver.Constraint(float(inst.demand.sum()), inf)
    obj = solver.Objective()
    for i in range(m):
        total.SetCoefficient(y[i], float(capacity[i]))
        obj.SetCoefficient(y[i], float(inst.fixed_cost[i]))
        for j in range(n):
            obj.SetCoefficient(x[i][j], float(inst.cost[i, j]))
    obj.SetMinimization()
    return y, x


def _extract(
    y: list[pywraplp.Variable], x: list[list[pywraplp.Variable]]
) -> tuple[np.ndarray, np.ndarray]:
    """Open facilities and the (customer, facility, fraction) rows, renormalised per customer."""
    open_idx = np.array([i for i, v in enumerate(y) if v.solution_value() > 0.5], dtype=np.int64)
    frac = np.array([[v.solution_value() for v in row] for row in x])  # (m, n)
    frac[frac < X_TOL] = 0.0
    frac[np.setdiff1d(np.arange(len(y)), open_idx)] = 0.0
    frac /= frac.sum(axis=0, keepdims=True)
    i, j = np.nonzero(frac)
    rows = np.column_stack([j, i, frac[i, j]])
    return open_idx, rows[np.lexsort((rows[:, 1], rows[:, 0]))]


@dataclass(frozen=True)
class CflpLagrangian:
    """Subgradient result.

    Attributes
    ----------
    bound
        Best Lagrangian value, a proven lower bound.
    kernel
        ``(m,)`` bool: open at the best bound or in at least ``KERNEL_SHARE`` of the last
        ``KERNEL_LAST`` steps.
    share
        ``(m,)`` share of the last ``KERNEL_LAST`` steps in which each facility was open.
    iterations
        Subgradient steps taken.
    """

    bound: float
    kernel: np.ndarray
    share: np.ndarray
    iterations: int


def _knapsacks(
    inst: CflpInstance, cap: np.ndarray, lam: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per facility: its Lagrangian value ``v_i`` and the fractional knapsack ``x`` (m, n)."""
    reduced = inst.cost - lam[None, :]
    order = np.argsort(reduced / inst.demand[None, :], axis=1)
    r_sorted = np.take_along_axis(reduced, order, axis=1)
    q_sorted = inst.demand[order]
    before = np.cumsum(q_sorted, axis=1) - q_sorted
    take = np.clip((cap[:, None] - before) / q_sorted, 0.0, 1.0) * (r_sorted < 0.0)
    x = np.zeros_like(reduced)
    np.put_along_axis(x, order, take, axis=1)
    return inst.fixed_cost + (r_sorted * take).sum(axis=1), x


def _choose_open(v: np.ndarray, cap: np.ndarray, need: float) -> tuple[float, np.ndarray]:
    """min sum v_i y_i s.t. sum cap_i y_i >= need: LP value (a bound) and a 0-1 cover."""
    y = v < 0.0
    value = float(v[y].sum())
    short = need - float(cap[y].sum())
    for i in np.argsort(v / cap):
        if short <= 0.0:
            break
        if y[i]:
            continue
        y[i] = True
        value += float(v[i]) * min(1.0, short / cap[i])
        short -= cap[i]
    return value, y


def lagrangian_kernel(
    inst: CflpInstance, cap: np.ndarray, deadline: float
) -> CflpLagrangian:
    """Relax ``sum_i x_ij = 1`` with ``lambda_j``; subgradient with a target-value step.

    ``L(lambda) = sum_j lambda_j + min_y sum_i v_i y_i`` with ``sum_i Q_i y_i >= sum_j q_j``,
    where ``v_i = f_i + min_x sum_j (c_ij - lambda_j) x_ij`` over the fractional knapsack
    ``sum_j q_j x_ij <= Q_i``, ``0 <= x_ij <= 1``; the y-choice is solved as an LP, so
    every ``L`` is a proven lower bound. The kernel is the facilities the relaxation opens
    at its best bound and those open in at least ``KERNEL_SHARE`` of its last
    ``KERNEL_LAST`` steps.
    """
    m, n = inst.cost.shape
    lam = inst.cost.min(axis=0).astype(float)
    need = float(inst.demand.sum())
    best, theta, stale = -np.inf, 2.0, 0
    kernel = np.zeros(m, dtype=bool)
    history: list[np.ndarray] = []
    it = 0
    for it in range(1, LR_MAX_ITER + 1):  # noqa: B007 - reported afterwards
        v, x = _knapsacks(inst, cap, lam)
        value, y = _choose_open(v, cap, need)
        value += float(lam.sum())
        history = (history + [y])[-KERNEL_LAST:]
        if value > best + 1e-9 * abs(value):
            best, stale, kernel = value, 0, y.copy()
        else:
            stale += 1
            if stale >= LR_PATIENCE:
                theta, stale = theta / 2.0, 0
        g = 1.0 - (x * y[:, None]).sum(axis=0)
        norm = float(g @ g)
        if norm == 0.0 or theta < 1e-3 or time.perf_counter() > deadline:
            break
        lam = lam + theta * (LR_TARGET * abs(best) - value) / norm * g
    share = np.mean(history, axis=0)
    return CflpLagrangian(float(best), kernel | (share >= KERNEL_SHARE), share, it)


def solve_cflp(
    inst: CflpInstance,
    *,
    capacity: np.ndarray | float | None = None,
    time_limit_s: float = 60.0,
    rel_gap: float = DEFAULT_REL_GAP,
) -> CflpResult:
    """Solve the splittable capacitated facility location MIP with SCIP (one thread).

    Small instances: the full MIP, exact within ``rel_gap``, bound = SCIP's. Large ones:
    the MIP on the Lagrangian kernel, bound = the Lagrangian bound (module docstring).

    Parameters
    ----------
    inst
        The instance.
    capacity
        Overrides ``inst.capacity`` (a scalar for every facility, as capa/b/c need).
    time_limit_s
        Wall-clock limit, seconds: the subgradient (large instances) gets at most
        ``LR_SHARE`` of it, SCIP what is left after building (at least 1 s).
    rel_gap
        Relative MIP gap at which SCIP stops, default 1e-9 (exact optima).

    Raises
    ------
    RuntimeError
        If SCIP is missing, proves infeasibility or finds no plan in time.
    """
    start = time.perf_counter()
    m = inst.cost.shape[0]
    cap = inst.capacity if capacity is None else np.broadcast_to(np.asarray(capacity, float), (m,))
    if np.isnan(cap).any():
        raise ValueError("instance has parametric capacities: pass capacity=")
    full = inst.cost.size <= FULL_MIP_MAX_VARS
    lr = None if full else lagrangian_kernel(inst, cap, start + LR_SHARE * time_limit_s)
    rows = np.arange(m) if lr is None else np.flatnonzero(lr.kernel)
    deadline = start + time_limit_s - (0.0 if full else RESERVE_S)
    plan = _solve_mip(inst, cap, rows, deadline, rel_gap)
    bound = plan.bound if lr is None else lr.bound
    if lr is not None and deadline - time.perf_counter() > POLISH_MIN_S:
        polish = _solve_mip(inst, cap, np.arange(m), deadline, rel_gap, hint=plan)
        bound = max(bound, polish.bound)
        if polish.objective < plan.objective:
            plan = polish
    objective = plan.objective
    bound = min(bound, objective)
    proven = objective - bound <= rel_gap * abs(objective) + 1e-9
    return CflpResult(
        open=plan.open,
        assign=plan.assign,
        objective=objective,
        bound=bound,
        gap_pct=100.0 * (objective - bound) / objective if objective > 0 else 0.0,
        status="OPTIMAL" if proven or (full and plan.optimal) else "FEASIBLE",
        time_s=time.perf_counter() - start,
    )


@dataclass(frozen=True)
class _MipPlan:
    """One SCIP run: plan (full indices), its recomputed cost, SCIP's bound and status."""

    open: tuple[int, ...]
    assign: np.ndarray
    objective: float
    bound: float
    optimal: bool


def _solve_mip(
    inst: CflpInstance,
    cap: np.ndarray,
    rows: np.ndarray,
    deadline: float,
    rel_gap: float,
    hint: _MipPlan | None = None,
) -> _MipPlan:
    """The MIP over facilities ``rows`` (all: exact; a kernel: a heuristic), until ``deadline``.

    ``hint`` (a plan over the full index set) is passed to SCIP as a starting solution.
    SCIP's bound is only a bound for the full problem when ``rows`` holds every facility.
    """
    sub = CflpInstance(cap[rows], inst.fixed_cost[rows], inst.demand, inst.cost[rows])
    solver = pywraplp.Solver.CreateSolver("SCIP")
    if solver is None:
        raise RuntimeError("OR-Tools was built without SCIP")
    solver.SetNumThreads(1)
    y, x = _build(solver, sub.capacity, sub)
    if hint is not None:
        _set_hint(solver, y, x, hint)
    solver.SetTimeLimit(max(1000, int(1000 * (deadline - time.perf_counter()))))
    params = pywraplp.MPSolverParameters()
    params.SetDoubleParam(params.RELATIVE_MIP_GAP, rel_gap)
    status = solver.Solve(params)
    if status not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
        raise RuntimeError(f"SCIP ended with status {status} and no plan")
    open_sub, assign = _extract(y, x)
    open_idx = rows[open_sub]
    assign[:, 1] = rows[assign[:, 1].astype(np.int64)]
    return _MipPlan(
        open=tuple(int(i) for i in open_idx),
        assign=assign,
        objective=plan_objective(inst, open_idx, assign),
        bound=float(solver.Objective().BestBound()),
        optimal=status == pywraplp.Solver.OPTIMAL,
    )


def _set_hint(
    solver: pywraplp.Solver,
    y: list[pywraplp.Variable],
    x: list[list[pywraplp.Variable]],
    plan: _MipPlan,
) -> None:
    """Give SCIP ``plan`` (full indices) as a complete starting solution."""
    frac = np.zeros((len(y), len(x[0])))
    frac[plan.assign[:, 1].astype(np.int64), plan.assign[:, 0].astype(np.int64)] = plan.assign[:, 2]
    opened = np.zeros(len(y))
    opened[list(plan.open)] = 1.0
    variables = y + [v for row in x for v in row]
    solver.SetHint(variables, list(opened) + list(frac.ravel()))
