"""Uncapacitated p-median: fast interchange local search with a Lagrangian lower bound.

Arrays in, frozen dataclasses out. Used by ``benchmarks/location.py`` on OR-Library
``pmed`` and as a fast, bound-carrying alternative to the CP-SAT engine in
``optimize.siting.cpsat`` when capacities do not bind.

Formulation
-----------
Clients ``i`` with weight ``w_i >= 0``, candidates ``j``, distance ``d_ij >= 0``::

    min  sum_ij w_i d_ij x_ij
    s.t. sum_j x_ij = 1          (i)       every client served
         x_ij <= y_j                        only open medians serve
         sum_j y_j = p                      exactly p medians
         x, y in {0, 1}

Upper bound (a plan): greedy addition, then Whitaker's fast interchange in the
Resende-Werneck form, best improvement. With ``d1_i``/``c1_i`` the nearest open median of
``i`` and ``d2_i`` the second nearest, the profit of swapping ``f`` in for ``r`` is::

    gain_f      = sum_i w_i max(0, d1_i - d_if)
    loss_r      = sum_{i: c1_i = r} w_i (d2_i - d1_i)
    extra_rf    = sum_{i: c1_i = r} w_i max(0, d2_i - max(d_if, d1_i))
    profit_rf   = gain_f - loss_r + extra_rf

All ``p x m`` profits cost ``O(n m)`` per move (the ``extra`` sum is one sparse product),
so one move is a few milliseconds at n = 900. Then iterated local search: perturb the best
plan by a few random swaps and descend again, until the time limit, or until the plan
meets the bound.

Lower bound: Lagrangian relaxation of the assignment constraints with multipliers
``lambda_i``::

    L(lambda) = sum_i lambda_i + min_{|S| = p} sum_{j in S} rho_j,
    rho_j     = sum_i min(0, w_i d_ij - lambda_i)

maximised by subgradient steps ``lambda += t g``, ``g_i = 1 - #{j in S: w_i d_ij <
lambda_i}``, Polyak step ``t = theta (UB - L) / |g|^2`` (theta halved after a run of
non-improving steps). Every ``L(lambda)`` is a valid bound; with integral ``w`` and ``d``
the bound is rounded up. The medians of the relaxation also seed a descent.

Search is deterministic for a given seed and a run that ends before its time limit
(it stops early once the plan is proven optimal); runs stopped by the clock depend on
machine speed.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import shortest_path

EPS = 1e-9  # profits below this (distance units) are not improvements
LR_SHARE = 0.3  # share of the time limit the subgradient may use at most
LR_MAX_ITER = 3000  # subgradient steps at most
LR_PATIENCE = 40  # non-improving steps before theta is halved
LR_MIN_THETA = 1e-4  # stop the subgradient when theta falls below this
PERTURB_MAX = 3  # an ILS kick swaps between 1 and this many medians


@dataclass(frozen=True)
class PMedianResult:
    """A p-median plan and its proven quality.

    Attributes
    ----------
    open
        Sorted candidate indices (0-based columns of ``dist``) of the ``p`` medians.
    assignment
        ``(n_clients,)`` index of the median serving each client (its nearest).
    objective
        ``sum_i w_i d_{i, assignment_i}``, distance units.
    bound
        Proven lower bound on the optimum from the Lagrangian relaxation (rounded up when
        weights and distances are integral), distance units.
    gap_pct
        ``100 (objective - bound) / objective``; 0 = proven optimal.
    time_s
        Wall-clock time, seconds.
    descents
        Local-search descents run (greedy, Lagrangian seed, then one per ILS kick).
    lr_iterations
        Subgradient steps taken.
    """

    open: tuple[int, ...]
    assignment: np.ndarray
    objective: float
    bound: float
    gap_pct: float
    time_s: float
    descents: int
    lr_iterations: int


# --------------------------------------------------------------------------------------
# OR-Library reader
# --------------------------------------------------------------------------------------
def read_orlib_pmed(path: str | Path) -> tuple[np.ndarray, int]:
    """Read a Beasley ``pmed`` file; return the all-pairs distance matrix and ``p``.

    First line ``n m p``, then ``m`` lines ``i j cost`` (1-based, undirected). A repeated
    edge keeps its LAST cost (the OR-Library convention). Distances are shortest paths
    over the graph (Dijkstra from every vertex, via scipy), so ``dist[i, j]`` is the cost
    from vertex ``i + 1`` to vertex ``j + 1``.
    """
    tokens = Path(path).read_text().split()
    n, m, p = (int(t) for t in tokens[:3])
    edges = np.asarray(tokens[3 : 3 + 3 * m], dtype=np.int64).reshape(m, 3)
    last: dict[tuple[int, int], int] = {}
    for i, j, c in edges:
        if i != j:
            last[(min(i, j) - 1, max(i, j) - 1)] = int(c)
    return _apsp(n, last), p


def _apsp(n: int, edges: dict[tuple[int, int], int]) -> np.ndarray:
    """All-pairs shortest paths of an undirected graph given as ``{(i, j): cost}``."""
    ij = np.asarray(list(edges), dtype=np.int64).reshape(-1, 2)
    cost = np.asarray(list(edges.values()), dtype=float)
    graph = sparse.coo_matrix((cost, (ij[:, 0], ij[:, 1])), shape=(n, n)).tocsr()
    return np.asarray(shortest_path(graph, method="D", directed=False))


# --------------------------------------------------------------------------------------
# Local search
# --------------------------------------------------------------------------------------
def plan_cost(dist: np.ndarray, weight: np.ndarray, open_idx: np.ndarray) -> float:
    """``sum_i w_i min_{j in open} d_ij``: the cost of serving each client from its nearest."""
    return float(weight @ dist[:, open_idx].min(axis=1))


def _nearest_two(sub: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Position of the nearest open median, its distance and the second-nearest distance."""
    rows = np.arange(sub.shape[0])
    c1 = sub.argmin(axis=1)
    d1 = sub[rows, c1]
    if sub.shape[1] == 1:
        return c1, d1, np.full_like(d1, np.inf)
    masked = sub.copy()
    masked[rows, c1] = np.inf
    return c1, d1, masked.min(axis=1)


def _best_swap(
    dist: np.ndarray, weight: np.ndarray, open_idx: np.ndarray
) -> tuple[int, int, float]:
    """Best (position in ``open_idx``, candidate, profit) swap by the Resende-Werneck sums."""
    n = dist.shape[0]
    p = len(open_idx)
    c1, d1, d2 = _nearest_two(dist[:, open_idx])
    if p == 1:  # the only median moves: profit = old cost - cost from f alone
        profit = float(weight @ d1) - (weight @ dist)[None, :]
    else:
        gain = weight @ np.maximum(0.0, d1[:, None] - dist)
        loss = np.bincount(c1, weights=weight * (d2 - d1), minlength=p)
        extra_cols = weight[:, None] * np.maximum(0.0, d2[:, None] - np.maximum(dist, d1[:, None]))
        owner = sparse.csr_matrix((np.ones(n), (c1, np.arange(n))), shape=(p, n))
        profit = gain[None, :] - loss[:, None] + np.asarray(owner @ extra_cols)
    profit[:, open_idx] = -np.inf
    r, f = np.unravel_index(int(np.argmax(profit)), profit.shape)
    return int(r), int(f), float(profit[r, f])


def local_search(
    dist: np.ndarray, weight: np.ndarray, open_idx: np.ndarray, deadline: float = math.inf
) -> np.ndarray:
    """Best-improvement interchange from ``open_idx`` until no swap gains (or the deadline).

    Returns the new median set (same size). Each move costs ``O(n m)``.
    """
    current = np.array(open_idx, dtype=np.int64)
    while time.perf_counter() < deadline:
        r, f, profit = _best_swap(dist, weight, current)
        if profit <= EPS * max(1.0, abs(float(weight.sum()))):
            break
        current[r] = f
    return current


def greedy_open(dist: np.ndarray, weight: np.ndarray, p: int) -> np.ndarray:
    """Greedy addition: open, one at a time, the candidate that lowers the cost most."""
    best = np.full(dist.shape[0], np.inf)
    chosen: list[int] = []
    for _ in range(p):
        cost = weight @ np.minimum(best[:, None], dist) if chosen else weight @ dist
        cost = np.asarray(cost, dtype=float)
        cost[chosen] = np.inf
        j = int(np.argmin(cost))
        chosen.append(j)
        best = np.minimum(best, dist[:, j])
    return np.asarray(chosen, dtype=np.int64)


# --------------------------------------------------------------------------------------
# Lagrangian bound
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class LagrangianBound:
    """Result of the subgradient: best bound, the medians of its relaxation, steps taken."""

    bound: float
    open: np.ndarray
    iterations: int


def _lagrangian_value(
    wd: np.ndarray, lam: np.ndarray, p: int
) -> tuple[float, np.ndarray, np.ndarray]:
    """``L(lambda)``, the chosen medians and the subgradient ``g``."""
    reduced = np.minimum(0.0, wd - lam[:, None])
    rho = reduced.sum(axis=0)
    chosen = np.argpartition(rho, p - 1)[:p]
    value = float(lam.sum() + rho[chosen].sum())
    served = (reduced[:, chosen] < 0.0).sum(axis=1)
    return value, chosen, 1.0 - served


def lagrangian_bound(
    dist: np.ndarray, weight: np.ndarray, p: int, upper: float, deadline: float
) -> LagrangianBound:
    """Subgradient optimisation of the Lagrangian dual (module docstring).

    ``upper`` is a known plan cost (Polyak target). Stops at ``LR_MAX_ITER`` steps, when
    theta is tiny, when ``ceil(bound) >= upper`` or at ``deadline`` (perf_counter, s).
    """
    wd = weight[:, None] * dist
    lam = np.sort(wd, axis=1)[:, min(1, wd.shape[1] - 1)].astype(float)  # 2nd-nearest cost
    theta, best, stale, best_open = 2.0, -math.inf, 0, np.arange(p)
    it = 0
    for it in range(1, LR_MAX_ITER + 1):  # noqa: B007 - reported afterwards
        value, chosen, g = _lagrangian_value(wd, lam, p)
        if value > best + 1e-9:
            best, best_open, stale = value, chosen, 0
        else:
            stale += 1
            if stale >= LR_PATIENCE:
                theta, stale = theta / 2.0, 0
        norm = float(g @ g)
        if norm == 0.0 or theta < LR_MIN_THETA or best >= upper - 1e-9:
            break
        if time.perf_counter() > deadline:
            break
        lam = lam + theta * (upper - value) / norm * g
    return LagrangianBound(best, np.sort(best_open), it)


# --------------------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------------------
def _integral(dist: np.ndarray, weight: np.ndarray) -> bool:
    return bool(np.all(dist == np.round(dist)) and np.all(weight == np.round(weight)))


def _proven(bound: float, objective: float) -> bool:
    return objective <= bound + 1e-9 * max(1.0, abs(objective))


def _kick(open_idx: np.ndarray, m: int, rng: np.random.Generator) -> np.ndarray:
    """Swap 1..PERTURB_MAX random medians for random closed candidates."""
    closed = np.setdiff1d(np.arange(m), open_idx)
    k = min(int(rng.integers(1, PERTURB_MAX + 1)), len(closed), len(open_idx))
    out = open_idx.copy()
    out[rng.choice(len(out), size=k, replace=False)] = rng.choice(closed, size=k, replace=False)
    return out


def solve_pmedian(
    dist: np.ndarray,
    p: int,
    *,
    weight: np.ndarray | None = None,
    time_limit_s: float = 10.0,
    seed: int = 0,
) -> PMedianResult:
    """Solve the p-median on a dense distance matrix (formulation in the module docstring).

    Parameters
    ----------
    dist
        ``(n_clients, n_candidates)`` distance (any unit, >= 0, finite).
    p
        Number of medians to open, ``1 <= p <= n_candidates``.
    weight
        ``(n_clients,)`` client weights (e.g. tonnes); default 1 each.
    time_limit_s
        Wall-clock limit, seconds. Greedy + first descent always complete, so a tiny
        limit still returns a local optimum.
    seed
        Random seed of the ILS kicks.
    """
    start = time.perf_counter()
    deadline = start + time_limit_s
    dist = np.asarray(dist, dtype=float)
    n, m = dist.shape
    if not 1 <= p <= m:
        raise ValueError(f"p = {p} must be between 1 and the {m} candidates")
    w = np.ones(n) if weight is None else np.asarray(weight, dtype=float)
    rng = np.random.default_rng(seed)

    best_open = local_search(dist, w, greedy_open(dist, w, p))
    best_cost = plan_cost(dist, w, best_open)
    descents = 1
    lr = lagrangian_bound(dist, w, p, best_cost, start + LR_SHARE * time_limit_s)
    bound = float(math.ceil(lr.bound - 1e-6)) if _integral(dist, w) else lr.bound
    seeded = local_search(dist, w, lr.open, deadline)
    descents += 1
    if plan_cost(dist, w, seeded) < best_cost - EPS:
        best_open, best_cost = seeded, plan_cost(dist, w, seeded)
    while time.perf_counter() < deadline and not _proven(bound, best_cost) and p < m:
        cand = local_search(dist, w, _kick(best_open, m, rng), deadline)
        descents += 1
        cost = plan_cost(dist, w, cand)
        if cost < best_cost - EPS:
            best_open, best_cost = cand, cost
    return _result(dist, w, best_open, bound, start, descents, lr.iterations)


def _result(
    dist: np.ndarray,
    weight: np.ndarray,
    open_idx: np.ndarray,
    bound: float,
    start: float,
    descents: int,
    lr_iterations: int,
) -> PMedianResult:
    chosen = np.sort(open_idx)
    assignment = chosen[dist[:, chosen].argmin(axis=1)]
    objective = plan_cost(dist, weight, chosen)
    bound = min(bound, objective)
    gap = 100.0 * (objective - bound) / objective if objective > 0 else 0.0
    return PMedianResult(
        open=tuple(int(j) for j in chosen),
        assignment=assignment,
        objective=objective,
        bound=float(bound),
        gap_pct=gap,
        time_s=time.perf_counter() - start,
        descents=descents,
        lr_iterations=lr_iterations,
    )
