"""OR-Library capacitated warehouse location (``cap``) through ``solve_location``.

``benchmarks/location.py --set cap`` comes here. Each file (and, for capa/b/c, each of
capopt's 4 capacities) becomes a split-demand :class:`LocationProblem`
(:func:`cap_problem`): one demand point per customer (``supply_t`` = its demand), one site
per warehouse with ``site_fixed_cost_yuan`` = its fixed cost and ``site_capacity_t`` = its
capacity, a dense arc set with ``arc_cost_yuan`` = the file's cost of serving ALL of the
customer's demand from the warehouse, ``split_demand=True``, objective ``'cost'``, one
zero-cost tier as large as the total demand (so the site capacities are what binds), at
most ``m`` stores, no travel times (``arc_time_s`` = 0). ``engine='auto'`` sends it to the
MIP engine (:mod:`optimize.siting.mip_engine`).

``--engine side`` runs the side engine :func:`benchmarks.engines.cflp.solve_cflp` instead
(no plan runs it), rows labelled ``side:cflp (no plan runs it)``, for comparison.

Every row's ``objective`` is recomputed here from the file and the written solution
(``open`` 1-based as in the file, ``assign`` rows ``[customer, facility, fraction]``,
1-based) by :func:`recompute_cap`, after checking it: every customer's fractions sum to 1,
only open warehouses serve, capacities hold.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.engines.cflp import CflpInstance, read_orlib_cap, solve_cflp
from optimize.siting.problem import LocationProblem, LocationResult, StoreTier
from optimize.siting.solve import engine_for, solve_location

CAP_TOL = 1e-6  # relative tolerance of the capacity and fraction checks
SIDE_CFLP = "side:cflp (no plan runs it)"
PRODUCT_NOTE = (
    "optimize.siting.solve.solve_location on a split-demand LocationProblem (one point per "
    "customer, one site per warehouse with its fixed cost and capacity, arc_cost_yuan = "
    "cost of serving ALL of a customer's demand, split_demand=True, objective 'cost')"
)


def cap_problem(inst: CflpInstance, capacity: np.ndarray, time_limit_s: float,
                seed: int = 0) -> LocationProblem:
    """The instance as a split-demand ``LocationProblem`` (module docstring)."""
    m, n = inst.cost.shape
    grid_demand, grid_site = np.meshgrid(np.arange(n), np.arange(m), indexing="ij")
    demand, site = grid_demand.ravel(), grid_site.ravel()
    total = float(inst.demand.sum())
    return LocationProblem(
        supply_t=inst.demand.astype(float), weight=np.ones(n), arc_demand=demand,
        arc_site=site, arc_time_s=np.zeros(demand.size), n_sites=m,
        tiers=(StoreTier("warehouse", total, 0.0, 0.0),), n_stores=m,
        exact_store_count=False, objective="cost", split_demand=True,
        site_fixed_cost_yuan=inst.fixed_cost.astype(float),
        site_capacity_t=np.asarray(capacity, dtype=float),
        arc_cost_yuan=inst.cost[site, demand].astype(float),
        time_limit_s=time_limit_s, seed=seed,
    )


def recompute_cap(inst: CflpInstance, capacity: np.ndarray, open_1: list[int],
                  assign_1: list[list[float]]) -> float:
    """Check the written plan against the file and return its cost (fixed + pro rata)."""
    rows = np.asarray(assign_1, dtype=float)
    if rows.size == 0:
        raise AssertionError("no assignment rows")
    cust = rows[:, 0].astype(np.int64) - 1
    fac = rows[:, 1].astype(np.int64) - 1
    frac = rows[:, 2]
    m, n = inst.cost.shape
    if not np.all(np.isin(fac, np.asarray(open_1) - 1)):
        raise AssertionError("a closed facility serves")
    if np.any(frac < 0):
        raise AssertionError("a negative fraction")
    served = np.bincount(cust, weights=frac, minlength=n)
    if np.abs(served - 1.0).max() > CAP_TOL:
        raise AssertionError(f"customer fractions off by {np.abs(served - 1.0).max()}")
    load = np.bincount(fac, weights=frac * inst.demand[cust], minlength=m)
    if np.any(load > capacity * (1 + CAP_TOL)):
        raise AssertionError("capacity exceeded")
    fixed = inst.fixed_cost[np.asarray(open_1, dtype=np.int64) - 1].sum()
    return float(fixed + (inst.cost[fac, cust] * frac).sum())


def cap_cases(inst: CflpInstance, stem: str,
              refs: dict[str, list[tuple[float, float | None]]]) -> list[tuple[Any, Any]]:
    """``(reference, capacity override)`` per case: one, or one per capopt capacity."""
    listed = refs.get(stem, [])
    if not np.isnan(inst.capacity).any():
        return [(listed[0][0] if listed else None, None)]
    return [(ref, cap) for ref, cap in listed if cap is not None]


def _gap(objective: float, reference: float | None) -> float | None:
    return None if reference is None else 100.0 * (objective - reference) / reference


def run_cap(path: Path, refs: dict[str, Any], time_limit_s: float, seed: int,
            engine: str = "product") -> list[dict[str, Any]]:
    """One cap file: one checked row per capacity case (module docstring)."""
    inst = read_orlib_cap(path)
    out = []
    for reference, cap in cap_cases(inst, path.stem, refs):
        capacity = inst.capacity if cap is None else np.full(inst.cost.shape[0], float(cap))
        if engine == "side":
            row = _side_row(inst, capacity, time_limit_s)
        else:
            row = _product_row(inst, capacity, time_limit_s, seed)
        objective = recompute_cap(inst, capacity, row["open"], row["assign"])
        if abs(objective - row["objective_reported"]) > 1e-6 * max(1.0, objective):
            raise AssertionError(f"{path.stem}: recomputed {objective} != reported "
                                 f"{row['objective_reported']}")
        out.append({
            "instance": path.stem, "case": path.stem if cap is None else f"{path.stem}/{cap:g}",
            "capacity": cap, "m": inst.cost.shape[0], "n": inst.cost.shape[1],
            "objective": objective, "reference": reference,
            "gap_pct": _gap(objective, reference), **row,
        })
    return out


def _product_row(inst: CflpInstance, capacity: np.ndarray, time_limit_s: float,
                 seed: int) -> dict[str, Any]:
    """``solve_location`` on :func:`cap_problem`; the solution in file numbering."""
    problem = cap_problem(inst, capacity, time_limit_s, seed)
    result = solve_location(problem)
    return {
        "engine": f"solve_location:{engine_for(problem)}",
        "stages": [dataclasses.asdict(stage) for stage in result.stages],
        "objective_reported": result.objective, "bound": result.bound,
        "bound_gap_pct": result.gap_pct, "status": result.status, "time_s": result.time_s,
        "binding": list(result.binding), **solution_rows(problem, result),
    }


def solution_rows(problem: LocationProblem, result: LocationResult) -> dict[str, Any]:
    """``open`` (1-based sites) and ``assign`` rows ``[customer, facility, fraction]``."""
    if result.arc_fraction is None:
        raise AssertionError("the result has no arc fractions (not a split-demand plan)")
    on = np.flatnonzero(result.arc_fraction > 0)
    demand = np.asarray(problem.arc_demand)[on]
    site = np.asarray(problem.arc_site)[on]
    order = np.lexsort((site, demand))
    assign = [[int(demand[k]) + 1, int(site[k]) + 1, float(result.arc_fraction[on[k]])]
              for k in order]
    return {"open": (result.open_sites + 1).tolist(), "assign": assign}


def _side_row(inst: CflpInstance, capacity: np.ndarray, time_limit_s: float) -> dict[str, Any]:
    """The side engine ``benchmarks.engines.cflp`` (no plan runs it), for comparison."""
    t0 = time.perf_counter()
    res = solve_cflp(inst, capacity=capacity, time_limit_s=time_limit_s)
    return {
        "engine": SIDE_CFLP, "stages": [], "objective_reported": res.objective,
        "bound": res.bound, "bound_gap_pct": res.gap_pct, "status": res.status,
        "time_s": time.perf_counter() - t0,
        "open": [i + 1 for i in res.open],
        "assign": [[int(j) + 1, int(i) + 1, float(x)] for j, i, x in res.assign],
    }
