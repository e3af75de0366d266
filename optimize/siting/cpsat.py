"""CP-SAT engine: the siting formulation solved exactly, in lexicographic stages.

The formulation and the stages are in :mod:`optimize.siting.solve`; the model in
:mod:`optimize.siting.cpsat_model`. Each stage gets an even share of the deterministic
time still left (a stage that finishes early leaves its time to the next) and keeps its
value as a constraint of the later stages. 'time' and 'cost' stages that find no plan
serving every demand point are explained by re-solving with capacity and budget relaxed.

Search is deterministic for a given seed when ``workers == 1`` and the solve ends before the
time limit (CP-SAT with one worker, ``interleave_search`` off); runs stopped by the wall
clock depend on machine speed. A greedy plan (sites opened by covered weighted supply within
the budget, ties broken by time saved; villages then assigned to the nearest store with
room, improved by relocate/swap moves; tiers right-sized) is given to the first stage as a
complete hint. Each stage's plan goes through the same moves (they change no objective but
time) and is the next stage's hint.

Tuning notes (seeded random instances of 1,200 points, 130 sites, 40,000 arcs, 100 stores,
4 tiers, 60 s, one worker):

- single sourcing is one exactly-one over a point's arcs and ``not served_i``, objectives on
  ``served_i``; the first version (at-most-one over the arcs, objectives on arcs) ended
  stage 2 at a 56 % gap where this one proves the optimum;
- (5') gives the LP the total capacity: the stage-1 bound on a capacity-bound instance fell
  from "everything covered" (25,890) to 23,825 (0.3 % gap), and the 'cost' bound rose from
  60.0 M to 68.0 M yuan;
- the hint assigns by weight, then supply, then options, and relocate/swap moves shorten
  it; where capacity binds, stage 2 does not improve on that hint within 30 s;
- tried and dropped: polishing each hint with its sites fixed (one worker never left the
  hint in 10 s), ``interleave_search`` with one worker (batches of 15 s overrun the stage
  limits), ``linearization_level = 2`` (no better bound).

When capacity and budget bind, the stage-2 gap stays large (60 % to 70 %): the LP of a
capacitated single-source assignment is weak, and how much of the gap is the bound rather
than the plan is not known. ``workers = 2`` adds LNS; it proved full coverage on one such
instance where one worker stopped 1.8 % short.
"""

from __future__ import annotations

import time

import numpy as np
from ortools.sat.python import cp_model

from optimize.errors import InfeasibleError
from optimize.siting.cpsat_model import (
    CpsatModel,
    StageObjective,
    add_hints,
    build_model,
    stage_objective,
)
from optimize.siting.greedy import greedy_plan
from optimize.siting.moves import LOCAL_SEARCH_PASSES, Moves
from optimize.siting.prepared import PreparedData, SitingPlan, prepare
from optimize.siting.problem import LocationProblem, LocationResult, StageReport
from optimize.siting.result import gap_pct, to_result
from optimize.siting.validate import validate

MIN_SOLVE_S = 0.1  # every CP-SAT call gets at least this much deterministic time
DIAGNOSIS_TIME_S = 10.0  # longest time for each relaxed re-solve explaining an infeasibility
_STAGES = {"coverage_then_time": ("coverage", "time"), "time": ("time",), "cost": ("cost", "time")}


def solve_cpsat(problem: LocationProblem) -> LocationResult:
    """Choose stores, their tiers and the villages each serves, by CP-SAT stages.

    Parameters
    ----------
    problem
        The siting problem (``engine`` is not read here); validated first.

    Returns
    -------
    LocationResult
        The plan after the last stage, right-sized, with every stage's gap.

    Raises
    ------
    SpecificationError
        The specification cannot work (all reasons listed).
    InfeasibleError
        Objective 'time' or 'cost' cannot serve every demand point (proven, with the
        constraint group at fault), or no such plan was found within the time limit.
    """
    validate(problem)
    start_s = time.perf_counter()
    data = prepare(problem)
    cp = build_model(data)
    plan = greedy_plan(data)
    reports: list[StageReport] = []
    names = _STAGES[problem.objective]
    used = 0.0  # deterministic time spent so far: budgets never depend on the clock
    for pos, name in enumerate(names):
        objective = stage_objective(name, data, cp)
        stage_s = max((problem.time_limit_s - used) / (len(names) - pos), MIN_SOLVE_S)
        report, found, work = _run_stage(data, cp, objective, plan, stage_s)
        used += work
        reports.append(report)
        if found is None and pos == 0:
            raise _infeasible(data, report)
        plan = found or plan
        _keep(cp, objective, objective.value(cp, plan))
    return to_result(data, plan, tuple(reports), time.perf_counter() - start_s)


def _solver(problem: LocationProblem, time_limit_s: float) -> cp_model.CpSolver:
    """A seeded CP-SAT solver; one worker without interleaving searches deterministically.

    The limit is CP-SAT's *deterministic* time (work units of about a second), so the same
    problem gets the same search on any machine or load; a wall-clock cap of
    ``problem.wall_safety`` times the budget only guards against a pathological slowdown.
    """
    solver = cp_model.CpSolver()
    solver.parameters.max_deterministic_time = time_limit_s
    solver.parameters.max_time_in_seconds = problem.wall_safety * time_limit_s + 1.0
    solver.parameters.num_workers = problem.workers
    solver.parameters.random_seed = problem.seed
    solver.parameters.interleave_search = False
    return solver


def _run_stage(
    data: PreparedData,
    cp: CpsatModel,
    objective: StageObjective,
    hint: SitingPlan,
    time_limit_s: float,
) -> tuple[StageReport, SitingPlan | None, float]:
    """Solve one stage from ``hint``: its report, the plan found (None if none) and the
    deterministic time it used.

    The plan found is passed through the relocate/swap local search, which shortens trips
    without changing any stage objective but time. Without a new plan the report describes
    ``hint``, the plan kept.
    """
    start_s = time.perf_counter()
    add_hints(cp, hint)
    (cp.model.maximize if objective.maximize else cp.model.minimize)(objective.expression(cp))
    solver = _solver(cp.problem, time_limit_s)
    status = solver.solve(cp.model)
    found = None
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        found = Moves(data, _plan_from(solver, cp)).run(LOCAL_SEARCH_PASSES)
    elapsed_s = time.perf_counter() - start_s
    report = _report(objective, solver, cp, found or hint, status.name, elapsed_s)
    return report, found, float(solver.deterministic_time)


def _plan_from(solver: cp_model.CpSolver, cp: CpsatModel) -> SitingPlan:
    """The solver's solution as tiers per site and arcs switched on."""
    solution = np.asarray(solver.response_proto.solution, dtype=np.int64)
    values = solution[[var.index for var in cp.variables]] == 1
    chosen = values[cp.block("tier")]
    site_tier = np.full(cp.problem.n_sites, -1, dtype=np.int64)
    site_tier[cp.tier_site[chosen]] = cp.tier_tier[chosen]
    return SitingPlan(site_tier, values[cp.block("arc")])


def _report(
    objective: StageObjective,
    solver: cp_model.CpSolver,
    cp: CpsatModel,
    plan: SitingPlan,
    status: str,
    time_s: float,
) -> StageReport:
    """Stage figures of ``plan`` in reported units; an unproven bound falls back to trivial."""
    trivial = objective.trivial_bound()
    value = objective.value(cp, plan)
    bound = solver.best_objective_bound
    if not np.isfinite(bound):
        bound = trivial
    bound = min(bound, trivial) if objective.maximize else max(bound, trivial)
    scale = objective.units_per_value
    gap = gap_pct(float(value), float(bound))
    return StageReport(objective.name, value / scale, bound / scale + 0.0, gap, status, time_s)


def _keep(cp: CpsatModel, objective: StageObjective, value: int) -> None:
    """Later stages may not fall below (above, for a minimum) this stage's value."""
    expression = objective.expression(cp)
    cp.model.add(expression >= value if objective.maximize else expression <= value)


# ------------------------------------------------------------------------ infeasibility


def _infeasible(data: PreparedData, report: StageReport) -> InfeasibleError:
    """Explain why objective 'time' or 'cost' found no plan serving every demand point."""
    if report.status != "INFEASIBLE":
        return InfeasibleError(
            [
                f"no plan serving every demand point was found within {report.time_s:.1f} s "
                f"(CP-SAT status {report.status}); infeasibility was not proven, "
                "allow more time_limit_s"
            ]
        )
    return InfeasibleError(_diagnose(data))


def _diagnose(data: PreparedData) -> list[str]:
    """Re-solve with capacity and budget relaxed to tell which constraint group is at fault."""
    problem = data.problem
    count = f"{'exactly' if problem.exact_store_count else 'at most'} {problem.n_stores}"
    required, excluded = len(set(problem.required_sites)), len(set(problem.excluded_sites))
    sites = f"{required} required, {excluded} excluded"
    if problem.group_names:
        sites += f", {len(problem.group_names)} county quotas"
    steps = [
        (
            False,
            f"access time and store count: no {count} stores ({sites}) reach every demand "
            "point within the longest access time",
        ),
        (
            True,
            f"store capacity: {count} stores ({sites}) cannot hold the supply of the demand "
            f"points within their reach ({float(np.sum(problem.supply_t)):,.2f} t in all)",
        ),
    ]
    for capacity, reason in steps:
        status = _feasibility(build_model(data, capacity=capacity, budget=False))
        if status == cp_model.INFEASIBLE:
            return [reason]
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return [f"infeasible; the constraint at fault was not found in {DIAGNOSIS_TIME_S} s"]
    return [
        f"budget: {data.budget_yuan:,} yuan of subsidy cannot pay for {count} stores large "
        "enough to serve every demand point"
    ]


def _feasibility(cp: CpsatModel) -> cp_model.CpSolverStatus:
    """CP-SAT status of a relaxed model, without objective, within ``DIAGNOSIS_TIME_S``."""
    solver = _solver(cp.problem, min(DIAGNOSIS_TIME_S, cp.problem.time_limit_s))
    return solver.solve(cp.model)
