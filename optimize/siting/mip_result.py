"""A split-demand plan (:class:`~optimize.siting.mip.MipPlan`) as a :class:`LocationResult`.

``arc_fraction`` holds the share of each arc (problem arc order); ``assignment`` names the
site serving each point's largest share (ties: the lower arc index), ``access_time_s`` that
arc's time, ``load_t`` the tonnes each open store holds. Points without supply are outside
the model: assignment -1, share 0, no reason (they have nothing to store).
"""

from __future__ import annotations

import numpy as np

from optimize.siting.mip import MipPlan, SplitData
from optimize.siting.problem import LocationResult, StageReport

FULL_LOAD_SHARE = 0.995  # a store loaded to this share of its capacity counts as full


def split_result(data: SplitData, plan: MipPlan, stages: tuple[StageReport, ...],
                 time_s: float, bound: float) -> LocationResult:
    """The result of ``plan``; ``objective`` recomputed from its fractions, ``bound`` given."""
    problem = data.problem
    fraction = np.zeros(len(np.asarray(problem.arc_demand)))
    fraction[data.model_arcs] = plan.fraction
    main = _main_arc(data, plan.fraction)
    assignment = np.full(len(data.supply_t), -1, dtype=np.int64)
    access_s = np.full(len(data.supply_t), -1, dtype=np.int64)
    has = main >= 0
    assignment[has] = data.a_site[main[has]]
    access_s[has] = np.rint(np.asarray(problem.arc_time_s, float)[data.model_arcs[main[has]]])
    opened = np.flatnonzero(plan.site_tier >= 0)
    load = np.bincount(data.a_site, weights=plan.fraction * data.supply_t[data.a_demand],
                       minlength=problem.n_sites)[opened]
    capacity = data.cap_t[opened, plan.site_tier[opened]]
    full = int(np.count_nonzero(load >= FULL_LOAD_SHARE * capacity))
    split = int(np.count_nonzero(np.bincount(data.a_demand[plan.fraction > 0],
                                             minlength=len(data.supply_t)) > 1))
    objective = plan.objective
    arc_time = np.asarray(problem.arc_time_s, float)[data.model_arcs]
    binding = tuple(text for text in (
        f"capacity at {full} site{'s' if full != 1 else ''}" if full else "",
        f"split demand at {split} point{'s' if split != 1 else ''}" if split else "",
    ) if text)
    return LocationResult(
        open_sites=_frozen(opened),
        site_tier=_frozen(plan.site_tier[opened].copy()),
        assignment=_frozen(assignment),
        unserved_reason=(None,) * len(data.supply_t),
        covered_supply_t=float(data.supply_t.sum()),
        weighted_time=float((plan.fraction * data.supply_t[data.a_demand] * arc_time).sum()),
        objective=objective,
        bound=bound,
        gap_pct=stages[-1].gap_pct,
        status="OPTIMAL" if all(s.status == "OPTIMAL" for s in stages) else "FEASIBLE",
        time_s=time_s,
        binding=binding,
        access_time_s=_frozen(access_s),
        load_t=_frozen(load),
        stages=stages,
        engine="mip",
        arc_fraction=_frozen(fraction),
    )


def _main_arc(data: SplitData, fraction: np.ndarray) -> np.ndarray:
    """Per demand point the model arc with its largest share, -1 if none."""
    on = np.flatnonzero(fraction > 0)
    order = on[np.lexsort((on, -fraction[on], data.a_demand[on]))]
    main = np.full(len(data.supply_t), -1, dtype=np.int64)
    demand = data.a_demand[order]
    first = np.r_[True, demand[1:] != demand[:-1]] if order.size else np.zeros(0, bool)
    main[demand[first]] = order[first]
    return main


def _frozen(array: np.ndarray) -> np.ndarray:
    """``array`` made read-only, so a frozen result stays unchanged."""
    array.setflags(write=False)
    return array
