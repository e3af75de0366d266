"""Large-neighbourhood search of the Lagrangian siting engine: one window of the plan
re-decided by CP-SAT (the window paragraph of :mod:`optimize.siting.lagrange`).
"""

from __future__ import annotations

import numpy as np
from ortools.sat.python import cp_model

from optimize.siting.lagrange_bound import LagrangeInstance
from optimize.siting.lagrange_plans import ArcLists, WorkPlan, plan_value, rebuild

LNS_SITES = 12  # sites re-decided per window
LNS_OPTIONS = 8  # nearest eligible stores a freed point may go to
#: CP-SAT deterministic time per window. Measured on the Gansu plan's problem (from the
#: interchange stage's plan): 120 windows of 0.3 s reach 910.05 M t*s in 49 CPU s, 60 of
#: 1.0 s 912.10 M in the same CPU time (43 of them solved to optimality); over a whole
#: budget of 150 the short windows ran ~2.4 x as many windows per deterministic second.
LNS_DET_TIME = 0.3


class LnsWindows:
    """CP-SAT on a window of the plan: ``LNS_SITES`` sites near a centre re-decided (open or
    not, tier), the points they serve re-assigned to them or to other open stores with room;
    everything else fixed. Store count, group limits and the budget are kept exactly (the
    window's share of each); a window's solution is kept only if the plan improves."""

    def __init__(self, inst: LagrangeInstance, arcs: ArcLists, seed: int) -> None:
        self.inst, self.arcs, self.seed = inst, arcs, seed
        self.work_s = 0.0  # CP-SAT deterministic time used by the windows so far
        site_demand = inst.data.problem.site_demand
        self.anchor = (np.asarray(site_demand, dtype=np.int64) if site_demand is not None
                       else np.full(inst.n_sites, -1, dtype=np.int64))

    def window(self, work: WorkPlan, centre: int) -> np.ndarray:
        """The centre and its nearest allowed sites (by the arcs of a point there)."""
        inst, arcs = self.inst, self.arcs
        if int(inst.allowed.sum()) <= LNS_SITES:
            return np.flatnonzero(inst.allowed)
        point = int(self.anchor[centre])
        if point < 0 or arcs.ptr[point] == arcs.ptr[point + 1]:
            members = sorted(work.members[centre])
            point = members[0] if members else -1
        near = [centre]
        if point >= 0:
            for j in arcs.site[arcs.ptr[point]: arcs.ptr[point + 1]].tolist():
                if j != centre and inst.allowed[j]:
                    near.append(int(j))
                if len(near) >= LNS_SITES:
                    break
        return np.array(near, dtype=np.int64)

    def improve(self, work: WorkPlan, centre: int, value: float) -> tuple[WorkPlan, float, bool]:
        """Re-solve the window around ``centre``: the better of the two plans, and whether
        it is proven optimal for the whole problem (the window held every site and every
        arc, the unserved costs are whole numbers and CP-SAT proved its optimum)."""
        inst = self.inst
        window = self.window(work, centre)
        in_window = np.zeros(inst.n_sites, dtype=bool)
        in_window[window] = True
        at = np.asarray(work.at)
        free = np.flatnonzero(
            inst.active & ((at >= 0) & in_window[np.maximum(at, 0)])
        )
        touched = np.zeros(inst.n, dtype=bool)
        touched[free] = True
        if np.isfinite(inst.h).any():
            near = inst.dem[in_window[inst.site]]
            touched[near[(at[near] < 0) & inst.active[near]]] = True
        free = np.flatnonzero(touched)
        model, pieces = self._model(work, window, free)
        if model is None:
            return work, value, False
        solver = cp_model.CpSolver()
        solver.parameters.max_deterministic_time = LNS_DET_TIME
        wall_safety = inst.data.problem.wall_safety
        # the wall cap of a window stays at least that of a 1 s window: on a busy machine a
        # short window must still end by its deterministic limit, not by the clock
        solver.parameters.max_time_in_seconds = max(4.0, wall_safety) * max(LNS_DET_TIME, 1.0)
        solver.parameters.num_workers = 1
        solver.parameters.random_seed = self.seed
        status = solver.solve(model)
        self.work_s += float(solver.deterministic_time)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return work, value, False
        new = self._apply(work, window, free, solver, pieces)
        new_value = plan_value(inst, new)
        whole = bool(in_window[inst.allowed].all()) and not pieces["truncated"]
        finite = inst.h[inst.active & np.isfinite(inst.h)]
        exact = whole and status == cp_model.OPTIMAL and bool(np.all(finite == np.round(finite)))
        if new_value < value - 1e-9:
            return new, new_value, exact
        return work, value, exact

    def _model(
        self, work: WorkPlan, window: np.ndarray, free: np.ndarray
    ) -> tuple[cp_model.CpModel | None, dict[str, object]]:
        """The window's CP-SAT model and its pieces (tier and arc variables, whether some
        point's options were cut short); None if a point that must be served has none."""
        inst = self.inst
        model = cp_model.CpModel()
        n_tiers = len(inst.cap)
        tier_var = {(int(j), k): model.new_bool_var(f"y{j}_{k}")
                    for j in window for k in range(n_tiers)}
        outside_room = np.asarray(work.room, dtype=float).copy()
        for i in free.tolist():  # free points leave their (window) stores
            j = work.at[i]
            if j >= 0:
                outside_room[j] += inst.q[i]
        made = self._assign_vars(model, work, window, free, outside_room)
        if made is None:
            return None, {}
        arc_vars, load, objective, truncated = made
        self._capacity(model, window, tier_var, load, outside_room)
        self._sites(model, work, window, tier_var)
        model.minimize(cp_model.LinearExpr.weighted_sum([v for v, _ in objective],
                                                        [c for _, c in objective]))
        for j in window.tolist():
            for k in range(n_tiers):
                model.add_hint(tier_var[j, k], bool(work.tier[j] == k))
        for i, vars_i in arc_vars.items():
            for j, x, _ in vars_i:
                model.add_hint(x, work.at[i] == j)
        return model, {"tier": tier_var, "arc": arc_vars, "truncated": truncated}

    def _options(
        self, work: WorkPlan, i: int, in_window: set[int], outside_room: np.ndarray, limit: int
    ) -> tuple[list[tuple[int, float]], bool]:
        """Stores point ``i`` may go to, nearest first: window sites and open stores outside
        with room, at most ``limit`` (and whether that cut some off), plus its own store."""
        q = self.inst.q
        lo, hi = self.arcs.ptr[i], self.arcs.ptr[i + 1]
        options = []
        truncated = False
        for j, t in zip(self.arcs.site[lo:hi].tolist(), self.arcs.t[lo:hi].tolist(),
                        strict=True):
            if j in in_window or (work.tier[j] >= 0 and outside_room[j] >= q[i]):
                options.append((j, t))
            if len(options) >= limit:
                truncated = hi - lo > limit
                break
        if work.at[i] >= 0 and all(j != work.at[i] for j, _ in options):
            options.append((work.at[i], work.time[i]))
        return options, truncated

    def _assign_vars(
        self, model: cp_model.CpModel, work: WorkPlan, window: np.ndarray, free: np.ndarray,
        outside_room: np.ndarray,
    ) -> tuple[dict[int, list[tuple[int, cp_model.IntVar, float]]],
               dict[int, list[tuple[cp_model.IntVar, int]]],
               list[tuple[cp_model.IntVar, int]], bool] | None:
        """One variable per option of each free point, at most (coverage) or exactly
        ('time') one on; the arc variables, loads per store, objective terms and whether
        options were cut short. None if a point that must be served has no option."""
        inst = self.inst
        q = inst.q
        in_window = set(window.tolist())
        arc_vars: dict[int, list[tuple[int, cp_model.IntVar, float]]] = {}
        load: dict[int, list[tuple[cp_model.IntVar, int]]] = {}
        objective = []
        truncated = False
        whole = bool(np.isin(np.flatnonzero(inst.allowed), window).all())
        limit = len(inst.dem) if whole else LNS_OPTIONS  # the whole problem: every arc
        for i in free.tolist():
            options, cut = self._options(work, i, in_window, outside_room, limit)
            truncated = truncated or cut
            vars_i = []
            for j, t in options:
                x = model.new_bool_var(f"x{i}_{j}")
                vars_i.append((j, x, t))
                load.setdefault(j, []).append((x, int(q[i])))
                unserved = int(round(inst.h[i])) if np.isfinite(inst.h[i]) else 0
                objective.append((x, int(round(q[i] * t)) - unserved))  # h_i is a constant
            arc_vars[i] = vars_i
            if np.isfinite(inst.h[i]):
                model.add_at_most_one([x for _, x, _ in vars_i])
            else:
                if not vars_i:
                    return None
                model.add_exactly_one([x for _, x, _ in vars_i])
        return arc_vars, load, objective, truncated

    def _capacity(
        self, model: cp_model.CpModel, window: np.ndarray,
        tier_var: dict[tuple[int, int], cp_model.IntVar],
        load: dict[int, list[tuple[cp_model.IntVar, int]]], outside_room: np.ndarray,
    ) -> None:
        """Window stores hold their tier's capacity, stores outside the room they have."""
        inst = self.inst
        in_window = set(window.tolist())
        for j, terms in load.items():
            used = cp_model.LinearExpr.weighted_sum([x for x, _ in terms], [w for _, w in terms])
            if j in in_window:
                cap = cp_model.LinearExpr.weighted_sum(
                    [tier_var[j, k] for k in range(len(inst.cap))], [int(c) for c in inst.cap])
                model.add(used <= cap)
            else:
                model.add(used <= int(outside_room[j]))

    def _sites(self, model: cp_model.CpModel, work: WorkPlan, window: np.ndarray,
               tier_var: dict[tuple[int, int], cp_model.IntVar]) -> None:
        """One tier per window site, required sites open, and the window's share of the
        store count, the group limits and the budget."""
        inst = self.inst
        n_tiers = len(inst.cap)
        for j in window.tolist():
            model.add(sum(tier_var[j, k] for k in range(n_tiers)) <= 1)
            if inst.required[j]:
                model.add(sum(tier_var[j, k] for k in range(n_tiers)) == 1)
        opened = [tier_var[j, k] for j in window.tolist() for k in range(n_tiers)]
        now_open = int((work.tier[window] >= 0).sum())
        if inst.exact:
            model.add(sum(opened) == now_open)
        else:
            model.add(sum(opened) <= inst.p - int((work.tier >= 0).sum()) + now_open)
        self._groups(model, work, window, tier_var)
        if inst.budget is not None:
            spent = float(inst.sub[work.tier[(work.tier >= 0) & ~np.isin(
                np.arange(inst.n_sites), window)]].sum())
            model.add(cp_model.LinearExpr.weighted_sum(
                opened, [int(inst.sub[k]) for _ in window for k in range(n_tiers)])
                <= int(inst.budget - spent))

    def _groups(self, model: cp_model.CpModel, work: WorkPlan, window: np.ndarray,
                tier_var: dict[tuple[int, int], cp_model.IntVar]) -> None:
        inst = self.inst
        if not len(inst.gmin):
            return
        n_tiers = len(inst.cap)
        outside = (work.tier >= 0) & ~np.isin(np.arange(inst.n_sites), window)
        for g in np.unique(inst.group[window]):
            if g < 0:
                continue
            count_out = int((outside & (inst.group == g)).sum())
            here = [tier_var[int(j), k] for j in window if inst.group[j] == g
                    for k in range(n_tiers)]
            model.add(sum(here) >= int(inst.gmin[g]) - count_out)
            model.add(sum(here) <= int(inst.gmax[g]) - count_out)

    def _apply(self, work: WorkPlan, window: np.ndarray, free: np.ndarray,
               solver: cp_model.CpSolver, pieces: dict[str, object]) -> WorkPlan:
        inst = self.inst
        tier_var = pieces["tier"]
        arc_vars = pieces["arc"]
        assert isinstance(tier_var, dict) and isinstance(arc_vars, dict)
        tier = work.tier.copy()
        for j in window.tolist():
            tier[j] = -1
            for k in range(len(inst.cap)):
                if solver.value(tier_var[j, k]):
                    tier[j] = k
        at, times = list(work.at), list(work.time)
        for i in free.tolist():
            at[i], times[i] = -1, 0.0
            for j, x, t in arc_vars[i]:
                if solver.value(x):
                    at[i], times[i] = j, t
        return rebuild(inst, tier, at, times)
