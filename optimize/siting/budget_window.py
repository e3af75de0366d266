"""Plan windows re-decided by HiGHS's MIP where budget and capacity both bind.

The CP-SAT windows of :mod:`optimize.siting.lagrange_lns` (one worker, 0.3 s each) leave
the plan far from the optimum when the budget binds: on
``tests.test_optimize_siting_budget_exact.medium(0)`` (60 points, 9 sites, 6 stores, one
window holds every site) the engine ended at 1,771,424 t*s and with 3 s windows at
1,753,469, while HiGHS proves the optimum 1,668,795 for the whole problem in ~20 CPU s:
the one move missing was a 100 t store moved to another site, which the MIP's LP bound
(strong linking ``x_a <= sum_k y_jk``) finds where CP-SAT's search does not.

A window here is the same neighbourhood as a CP-SAT window, larger: ``MIP_SITES`` sites
near a centre re-decided (open or not, tier), the points they serve and the unserved points
in their reach re-assigned (single source) to a window site or to an open store outside
with room; the store count and the budget held at the window's share. Solved by
``scipy.optimize.milp`` (HiGHS) with a node limit (deterministic) and a wall-clock cap; the
new plan is kept only if it is better. Instances with site groups are left to CP-SAT.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, milp

from optimize.siting.lagrange_bound import LagrangeInstance
from optimize.siting.lagrange_plans import ArcLists, WorkPlan, plan_value, rebuild
from optimize.siting.problem import DEFAULT_WALL_SAFETY

MIP_SITES = 16  # sites re-decided per window
MIP_NODES = 50  # branch-and-bound nodes per window (deterministic limit)
#: Wall-clock safety cap per window, seconds, at the default ``wall_safety`` (3); scaled by
#: ``wall_safety / 3`` above it, as the CP-SAT windows' cap, so that a window on a loaded
#: machine ends by its node limit and the plan does not depend on the load (on the 16 M yuan
#: random case a window takes up to ~12 CPU s, 30 s of wall at load 6 on 2 cores).
MIP_CAP_S = 20.0
#: Windows per second of ``time_limit_s``: one window per this many seconds. Measured on
#: the 16 M yuan random case after the CP-SAT windows (28.01 M t*s): 8 windows of 16 sites
#: and 50 nodes took 54 CPU s (0.4-12.6 s each) and reached 27.64 M (-1.3 %).
MIP_WINDOW_S = 6.0


@dataclass(eq=False)
class WindowModel:
    """The window's MIP: variables ``y`` (window site, tier) then ``x`` (point, store)."""

    y_site: np.ndarray
    y_tier: np.ndarray
    x_point: np.ndarray
    x_site: np.ndarray
    x_time: np.ndarray
    cost: np.ndarray
    constraints: list[LinearConstraint]


def window_sites(inst: LagrangeInstance, arcs: ArcLists, work: WorkPlan, centre: int,
                 size: int = MIP_SITES) -> np.ndarray:
    """The centre and the allowed sites nearest to a point it serves (or to its own point),
    ``size`` at most; every allowed site if there are no more."""
    if int(inst.allowed.sum()) <= size:
        return np.flatnonzero(inst.allowed)
    members = sorted(work.members[centre])
    anchor = inst.data.problem.site_demand
    point = int(anchor[centre]) if anchor is not None else (members[0] if members else -1)
    near = [centre]
    if point >= 0:
        for j in arcs.site[arcs.ptr[point]: arcs.ptr[point + 1]].tolist():
            if j != centre and inst.allowed[j]:
                near.append(int(j))
            if len(near) >= size:
                break
    return np.array(near, dtype=np.int64)


def _free_points(inst: LagrangeInstance, work: WorkPlan, in_window: np.ndarray) -> np.ndarray:
    """Points served by window sites, and unserved points with an arc into the window."""
    at = np.asarray(work.at)
    touched = inst.active & (at >= 0) & in_window[np.maximum(at, 0)]
    if np.isfinite(inst.h).any():
        near = inst.dem[in_window[inst.site]]
        touched[near[(at[near] < 0) & inst.active[near]]] = True
    return np.flatnonzero(touched)


def _options(inst: LagrangeInstance, work: WorkPlan, free: np.ndarray, in_window: np.ndarray,
             room: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(point, store, time) of every arc of a free point to a window site or to an open
    store outside with room for it."""
    is_free = np.zeros(inst.n, dtype=bool)
    is_free[free] = True
    mine = is_free[inst.dem]
    outside_ok = (work.tier[inst.site] >= 0) & (room[inst.site] >= inst.q[inst.dem])
    keep = np.flatnonzero(mine & (in_window[inst.site] | outside_ok))
    return inst.dem[keep], inst.site[keep], inst.t[keep]


def build_window(inst: LagrangeInstance, work: WorkPlan, window: np.ndarray,
                 free: np.ndarray) -> WindowModel:
    """The window's MIP (module docstring); unserved costs enter as ``q t - h`` per arc."""
    in_window = np.zeros(inst.n_sites, dtype=bool)
    in_window[window] = True
    room = np.asarray(work.room, dtype=float).copy()
    at = np.asarray(work.at)
    np.add.at(room, at[free][at[free] >= 0], inst.q[free][at[free] >= 0])
    xp, xs, xt = _options(inst, work, free, in_window, room)
    n_tiers = len(inst.cap)
    ys, yk = np.repeat(window, n_tiers), np.tile(np.arange(n_tiers), len(window))
    ny, nx = len(ys), len(xp)
    h = np.where(np.isfinite(inst.h[xp]), inst.h[xp], 0.0)
    cost = np.concatenate([np.zeros(ny), inst.q[xp] * xt - h])
    fpos = np.full(inst.n, -1)
    fpos[free] = np.arange(len(free))
    wpos = np.full(inst.n_sites, -1)
    wpos[window] = np.arange(len(window))
    cols = ny + np.arange(nx)
    must = ~np.isfinite(inst.h[free])
    assign = _rows(np.ones(nx), fpos[xp], cols, len(free), ny + nx)
    inside = np.flatnonzero(in_window[xs])
    r = np.arange(len(inside))
    link = _rows(np.concatenate([np.ones(len(inside)), -np.ones(len(inside) * n_tiers)]),
                 np.concatenate([r, np.repeat(r, n_tiers)]),
                 np.concatenate([cols[inside], (wpos[xs[inside]][:, None] * n_tiers
                                                + np.arange(n_tiers)).ravel()]),
                 len(inside), ny + nx)
    sites = np.unique(xs)
    keep_y = np.flatnonzero(np.isin(ys, sites))
    cap_rows = _rows(np.concatenate([inst.q[xp], -inst.cap[yk[keep_y]]]),
                     np.concatenate([np.searchsorted(sites, xs),
                                     np.searchsorted(sites, ys[keep_y])]),
                     np.concatenate([cols, keep_y]), len(sites), ny + nx)
    cap_hi = np.where(in_window[sites], 0.0, room[sites])
    constraints = [
        LinearConstraint(assign, np.where(must, 1.0, 0.0), 1.0),
        LinearConstraint(link, -np.inf, 0.0),
        LinearConstraint(cap_rows, -np.inf, cap_hi),
    ] + _site_rows(inst, work, window, ys, yk, ny + nx)
    return WindowModel(ys, yk, xp, xs, xt, cost, constraints)


def _rows(data: np.ndarray, row: np.ndarray, col: np.ndarray, n_rows: int,
          n_cols: int) -> sp.csr_matrix:
    return sp.coo_matrix((data, (row, col)), shape=(n_rows, n_cols)).tocsr()


def _site_rows(inst: LagrangeInstance, work: WorkPlan, window: np.ndarray, ys: np.ndarray,
               yk: np.ndarray, n_cols: int) -> list[LinearConstraint]:
    """One tier per window site (required ones open), the window's share of the store
    count and of the budget."""
    wpos = np.full(inst.n_sites, -1)
    wpos[window] = np.arange(len(window))
    ny = len(ys)
    one = _rows(np.ones(ny), wpos[ys], np.arange(ny), len(window), n_cols)
    rows = [LinearConstraint(one, inst.required[window].astype(float), 1.0)]
    total = _rows(np.ones(ny), np.zeros(ny, dtype=np.int64), np.arange(ny), 1, n_cols)
    now_open = int((work.tier[window] >= 0).sum())
    if inst.exact:
        rows.append(LinearConstraint(total, now_open, now_open))
    else:
        rows.append(LinearConstraint(total, 0, inst.p - int((work.tier >= 0).sum()) + now_open))
    if inst.budget is not None:
        outside = (work.tier >= 0) & ~np.isin(np.arange(inst.n_sites), window)
        spent = float(inst.sub[work.tier[outside]].sum())
        spend = _rows(inst.sub[yk], np.zeros(ny, dtype=np.int64), np.arange(ny), 1, n_cols)
        rows.append(LinearConstraint(spend, -np.inf, inst.budget - spent))
    return rows


def window_cap_s(inst: LagrangeInstance) -> float:
    """A window's wall-clock cap: ``MIP_CAP_S``, scaled up with the problem's ``wall_safety``
    above the default."""
    return MIP_CAP_S * max(1.0, inst.data.problem.wall_safety / DEFAULT_WALL_SAFETY)


def improve_window(inst: LagrangeInstance, arcs: ArcLists, work: WorkPlan, centre: int,
                   value: float) -> tuple[WorkPlan, float]:
    """Re-solve the window around ``centre`` by HiGHS: the better of the two plans."""
    if len(inst.gmin):
        return work, value
    window = window_sites(inst, arcs, work, centre)
    in_window = np.zeros(inst.n_sites, dtype=bool)
    in_window[window] = True
    free = _free_points(inst, work, in_window)
    model = build_window(inst, work, window, free)
    n_vars = len(model.cost)
    result = milp(model.cost, constraints=model.constraints, integrality=np.ones(n_vars),
                  bounds=Bounds(0, 1),
                  options={"node_limit": MIP_NODES, "time_limit": window_cap_s(inst),
                           "mip_rel_gap": 1e-6})
    if result.x is None:
        return work, value
    x = np.round(result.x).astype(np.int64)
    ny = len(model.y_site)
    tier = work.tier.copy()
    tier[window] = -1
    on = np.flatnonzero(x[:ny] > 0)
    tier[model.y_site[on]] = model.y_tier[on]
    at, times = list(work.at), list(work.time)
    for i in free.tolist():
        at[i], times[i] = -1, 0.0
    for n in np.flatnonzero(x[ny:] > 0).tolist():
        at[int(model.x_point[n])], times[int(model.x_point[n])] = (
            int(model.x_site[n]), float(model.x_time[n]))
    new = rebuild(inst, tier, at, times)
    new_value = plan_value(inst, new)
    if new_value < value - 1e-9 and min(new.room) >= -1e-6:
        return new, new_value
    return work, value


def mip_windows(inst: LagrangeInstance, arcs: ArcLists, work: WorkPlan, value: float,
                budget_s: float, deadline: float) -> tuple[WorkPlan, float, int]:
    """Windows around the open stores, the largest tiers first (then by site), one round at
    most and ``ceil(budget_s / MIP_WINDOW_S)`` windows at most, ended early by the
    wall-clock ``deadline`` (``time.perf_counter``): ``(best plan, its value, windows
    run)``. Without the deadline a fixed count of node-limited solves: deterministic."""
    opened = np.flatnonzero(work.tier >= 0)
    order = opened[np.lexsort((opened, -inst.cap[work.tier[opened]]))]
    count = min(len(order), int(np.ceil(budget_s / MIP_WINDOW_S)))
    for n, centre in enumerate(order[:count].tolist()):
        if time.perf_counter() > deadline:
            return work, value, n
        if work.tier[centre] >= 0:  # an earlier window may have closed it
            work, value = improve_window(inst, arcs, work, centre, value)
    return work, value, count
