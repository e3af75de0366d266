"""What the prefecture-by-prefecture plan would give, on the same instance.

:func:`decomposed_siting` solves the decomposed problem of the old path: each prefecture
alone, its villages and candidate sites only (no village served across a border), its
apportioned stores (exactly) and store budget, the county quotas. Each sub-problem is the
province problem's restriction (same villages, sites, arc times, tiers and engine), so its
plan is recomputed with the PROVINCE objective (:func:`province_objective`, the formula in
``docs/PLAN-FORMAT.md``) and the figures add up:

- ``objective``: the decomposed plan's value in the province objective;
- ``bound``: the sum of the prefectures' proven bounds, a lower bound of the best
  decomposed plan's value in the province objective (the province objective charges every
  unserved village at least what its prefecture's does: ``T`` is no shorter and a village
  with an arc only across the border is charged there, not here);
- ``province_gain_pct``: how much lower the province-wide plan's objective is;
  ``province_below_decomposed_bound``: whether it is below that bound, i.e. better than
  ANY prefecture-by-prefecture plan, proven.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from optimize.pipeline.assemble import ENGINE_NAMES
from optimize.pipeline.network import Network
from optimize.pipeline.province.merge import BOUND_NOTE
from optimize.pipeline.province.siting import ProvinceProblem, ProvinceSiting
from optimize.pipeline.province.tasks import MIN_REGION_SITING_S, RegionTask
from optimize.pipeline.settlements import county_quotas
from optimize.pipeline.siting import location_problem, weighted_sum_terms
from optimize.scenario import Scenario
from optimize.siting.lagrange import COVERAGE_FACTOR
from optimize.siting.problem import DEFAULT_WALL_SAFETY, LocationProblem, LocationResult
from optimize.siting.result import gap_pct
from optimize.siting.solve import solve_location

#: The comparison's siting budget, as a share of the province solve's.
COMPARISON_SHARE = 0.25


def province_objective(ps: ProvinceProblem, access_time_s: np.ndarray) -> np.ndarray:
    """Each village's term of the province objective (t*s) for a plan's access times
    (-1 = unserved): :func:`optimize.pipeline.siting.weighted_sum_terms`."""
    settle = ps.net.settlements
    return weighted_sum_terms(settle["supply_t"].to_numpy(dtype=float),
                              settle["weight"].to_numpy(dtype=float), access_time_s,
                              charged_villages(ps), longest_arc_s=ps.longest_arc_s)


def charged_villages(ps: ProvinceProblem) -> np.ndarray:
    """Villages an unserved state is charged for: supply and an arc to an allowed site."""
    p = ps.problem
    allowed = np.ones(p.n_sites, dtype=bool)
    allowed[list(p.excluded_sites)] = False
    has_arc = np.zeros(len(p.supply_t), dtype=bool)
    has_arc[np.asarray(p.arc_demand)[allowed[np.asarray(p.arc_site)]]] = True
    return has_arc & (np.asarray(p.supply_t) > 0)


#: One prefecture's decomposed problem: its task, its rows in the province problem and
#: the problem cut at its border.
RegionProblem = tuple[RegionTask, np.ndarray, LocationProblem]


def decomposed_siting(scenario: Scenario, ps: ProvinceSiting, tasks: Sequence[RegionTask],
                      *, share: float = COMPARISON_SHARE,
                      wall_safety: float = DEFAULT_WALL_SAFETY) -> dict[str, Any]:
    """Solve every prefecture alone here, one after the other (:func:`decomposed_problems`,
    :func:`decomposed_report`); ``plan_province`` solves them on Dask instead."""
    started = time.perf_counter()
    problems = decomposed_problems(scenario, ps, tasks, share=share, wall_safety=wall_safety)
    results = [solve_location(problem) for _, _, problem in problems]
    return decomposed_report(ps, problems, results, share,
                             round(time.perf_counter() - started, 2))


def decomposed_problems(scenario: Scenario, pp: ProvinceProblem, tasks: Sequence[RegionTask],
                        *, share: float = COMPARISON_SHARE,
                        wall_safety: float = DEFAULT_WALL_SAFETY) -> list[RegionProblem]:
    """Every prefecture's problem alone (module docstring). The budget is ``share`` of the
    province solve's, split by rural village count (at least
    :data:`MIN_REGION_SITING_S` each), as the old path split its budget."""
    home = pp.net.settlements["village_code"].str[:4].to_numpy()
    total = max(len(home), 1)
    out = []
    for task in tasks:
        limit = max(MIN_REGION_SITING_S, round(
            scenario.siting_time_limit_s * share * int((home == task.code).sum()) / total, 1))
        idx, problem = _alone(scenario, pp, task, limit, wall_safety)
        out.append((task, idx, problem))
    return out


def decomposed_report(ps: ProvinceSiting, problems: Sequence[RegionProblem],
                      results: Sequence[LocationResult], share: float,
                      time_s: float) -> dict[str, Any]:
    """``meta.solver.siting.decomposed`` from the prefectures' solves alone."""
    n = len(ps.net.settlements)
    access = np.full(n, -1, dtype=np.int64)
    for (_, idx, _), result in zip(problems, results, strict=True):
        access[idx] = _access_times(result, len(idx))
    terms = province_objective(ps, access)
    contribution = province_objective(ps, _access_times(ps.result, n))
    rows = []
    for (task, idx, problem), result in zip(problems, results, strict=True):
        rows.append({"code": task.code, "name": task.name, "stores": task.share.stores,
                     "budget_yuan": task.share.budget_yuan,
                     "time_limit_s": problem.time_limit_s,
                     "objective": float(terms[idx].sum()),
                     "engine_objective": float(result.objective),
                     "bound": float(result.bound), "gap_pct": float(result.gap_pct),
                     "status": result.status,
                     "engine": ENGINE_NAMES.get(result.engine, result.engine),
                     "time_s": round(float(result.time_s), 2),
                     "covered_supply_t": round(float(result.covered_supply_t), 3),
                     "province_plan_objective": float(contribution[idx].sum())})
    return _summary(ps, rows, float(contribution.sum()), share, time_s)


def _summary(ps: ProvinceSiting, rows: list[dict[str, Any]], province_obj: float,
             share: float, time_s: float) -> dict[str, Any]:
    objective = sum(r["objective"] for r in rows)
    bound = sum(r["bound"] for r in rows)
    return {
        "method": ("each prefecture sited alone on the province problem's restriction to "
                   "its villages and candidate sites (no arc across a prefecture border), "
                   "its apportioned stores exactly and its store budget, the same engine, "
                   f"{share:g} x the province's siting budget split by rural village count; "
                   "objectives recomputed with the province objective"),
        "objective": objective, "bound": bound, "gap_pct": gap_pct(objective, bound),
        "covered_supply_t": round(sum(r["covered_supply_t"] for r in rows), 3),
        "province_objective": province_obj,
        "province_gain_pct": 0.0 if objective == 0
        else round(100.0 * (objective - province_obj) / objective, 3),
        "province_below_decomposed_bound": bool(province_obj < bound),
        "time_s": time_s, "regions": rows}


def _access_times(result: LocationResult, n: int) -> np.ndarray:
    """Access time of each demand point, -1 where unserved."""
    if len(result.access_time_s) == n:
        return np.where(np.asarray(result.assignment) >= 0,
                        np.asarray(result.access_time_s, dtype=np.int64), -1)
    raise ValueError(f"siting result has {len(result.access_time_s)} access times for "
                     f"{n} demand points")


def _alone(scenario: Scenario, pp: ProvinceProblem, task: RegionTask, limit_s: float,
           wall_safety: float) -> tuple[np.ndarray, LocationProblem]:
    """The prefecture's rows in the province problem and its problem alone."""
    net = pp.net
    idx = np.flatnonzero((net.settlements["village_code"].str[:4] == task.code).to_numpy())
    site_idx = np.flatnonzero((pp.sites["region"] == task.code).to_numpy())
    arcs = net.arcs[net.arcs["demand"].isin(idx) & net.arcs["site"].isin(site_idx)].copy()
    arcs["demand"] = pd.Series(np.arange(len(idx)), index=idx).reindex(arcs["demand"]).to_numpy()
    arcs["site"] = pd.Series(np.arange(len(site_idx)),
                             index=site_idx).reindex(arcs["site"]).to_numpy()
    settle = net.settlements.iloc[idx].reset_index(drop=True)
    sites = pp.sites.iloc[site_idx].reset_index(drop=True)
    sub = Network(settle, net.csr, net.settle_node[idx], net.settle_snap_m[idx],
                  net.off_network[idx], net.site_node[site_idx], arcs.reset_index(drop=True))
    problem = location_problem(scenario, sub, sites, stores=task.share.stores,
                               budget_yuan=task.share.budget_yuan,
                               groups=county_quotas(scenario, settle, sites),
                               wall_safety=wall_safety, time_limit_s=limit_s)
    return idx, dataclasses.replace(problem, engine=pp.problem.engine)


def siting_meta(ps: ProvinceSiting, comparison: dict[str, Any] | None) -> dict[str, Any]:
    """``meta["solver"]["siting"]`` of a province plan (``docs/PLAN-FORMAT.md``), with
    ``regions``: each prefecture's entry for ``meta["regions"][i]["siting"]``."""
    r = ps.result
    home = ps.net.settlements["village_code"].str[:4].to_numpy()
    site_region = ps.sites["region"].to_numpy()
    assign = np.asarray(r.assignment)
    served = assign >= 0
    store_region = np.where(served, site_region[np.maximum(assign, 0)], "")
    across = served & (store_region != home)
    supply = ps.net.settlements["supply_t"].to_numpy(dtype=float)
    terms = province_objective(ps, _access_times(r, len(home)))
    rows = {row["code"]: row for row in (comparison or {}).get("regions", [])}
    regions = {}
    for code in ps.quota["shares"]:
        mine = home == code
        regions[code] = {
            "status": r.status, "objective": float(terms[mine].sum()), "bound": None,
            "gap_pct": None, "time_s": None,
            "villages_served_across_border": int((mine & across).sum()),
            "decomposed_time_limit_s": rows.get(code, {}).get("time_limit_s", 0.0)}
    return {
        "scope": "province", "status": r.status, "objective": float(r.objective),
        "bound": float(r.bound), "gap_pct": float(r.gap_pct),
        "time_s": round(float(r.time_s), 2), "build_s": ps.build_s,
        "binding": list(r.binding), "engine": ENGINE_NAMES.get(r.engine, r.engine),
        "stages": [{"name": s.name, "objective": float(s.objective), "bound": float(s.bound),
                    "gap_pct": float(s.gap_pct), "status": s.status} for s in r.stages],
        "objective_formula": "docs/PLAN-FORMAT.md, 'The siting objective'",
        "longest_arc_s": ps.longest_arc_s, "coverage_factor": COVERAGE_FACTOR,
        "stores": int(len(r.open_sites)), "budget_yuan": ps.problem.budget_yuan,
        "demand_points": len(home), "candidate_sites": int(ps.problem.n_sites),
        "arcs": int(len(ps.problem.arc_demand)), "quota": ps.quota,
        "cross_border": {"villages": int(across.sum()),
                         "supply_t": round(float(supply[across].sum()), 3)},
        "decomposed": None if comparison is None
        else {k: v for k, v in comparison.items() if k != "regions"}
        | {"regions": list(rows.values())},
        "note": BOUND_NOTE, "regions": regions}
