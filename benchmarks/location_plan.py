"""A plan's own siting problem as a benchmark: ``benchmarks/location.py --set plan``.

Usage::

    PYTHONPATH=$PWD .venv/bin/python -m benchmarks.location --set plan \
        --scenario scenarios/gansu.toml [--save /tmp/gansu-siting.npz] \
        [--time-limit 150] --out benchmarks/results/location-plan-gansu.json
    # rerun on the saved instance (seconds instead of building the network again):
    PYTHONPATH=$PWD .venv/bin/python -m benchmarks.location --set plan \
        --load /tmp/gansu-siting.npz --time-limit 150 --out /tmp/gansu-150.json

The instance is the one ``coldchain plan`` solves for a whole-province scenario: the
prefectures' tasks with their seasonal shares
(:func:`optimize.pipeline.province.seasons.seasonal_tasks`) and the pipeline's own
builder :func:`optimize.pipeline.province.siting.build_province`, with the province's
wall-clock safety (``WALL_SAFETY``); nothing of it is rebuilt here. ``--time-limit``
replaces the scenario's ``siting_time_limit_s`` when given. The problem is solved by
:func:`optimize.siting.solve.solve_location` (what the plan calls); the row holds the plan
(open sites by village code, tiers, assignment village -> site code), the objective
recomputed from the instance and the plan (:func:`benchmarks.location.recompute_siting`,
checked against the engine's), bound, gap, wall and CPU seconds and the stages.
"""

from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path
from typing import Any

import numpy as np

from optimize.siting.problem import LocationProblem, StoreTier

#: Array fields of a ``LocationProblem`` saved with ``np.savez`` (None ones are left out).
ARRAY_FIELDS = ("supply_t", "weight", "arc_demand", "arc_site", "arc_time_s", "site_demand",
                "site_group")


def plan_problem(scenario_path: Path, time_limit_s: float | None = None
                 ) -> tuple[LocationProblem, dict[str, Any]]:
    """The siting problem ``coldchain plan scenario_path`` solves, and its description
    (with the village and site codes). Whole-province scenarios only (region ``62``)."""
    from geodata import datasets
    from optimize.pipeline.province.seasons import seasonal_tasks
    from optimize.pipeline.province.siting import build_province
    from optimize.pipeline.province.solve import WALL_SAFETY
    from optimize.pipeline.region import PROVINCE_CODE, load_region
    from optimize.scenario import Scenario

    scenario = Scenario.from_toml(scenario_path)
    if time_limit_s is not None:
        scenario = dataclasses.replace(scenario, siting_time_limit_s=time_limit_s)
    root = datasets.data_dir()
    started = time.perf_counter()
    tasks, _ = seasonal_tasks(scenario, root)
    pp = build_province(scenario, load_region(PROVINCE_CODE, root), tasks,
                        wall_safety=WALL_SAFETY)
    problem = pp.problem
    description = {
        "scenario": str(scenario_path), "demand_points": len(problem.supply_t),
        "candidate_sites": problem.n_sites, "arcs": len(problem.arc_demand),
        "stores": problem.n_stores, "budget_yuan": problem.budget_yuan,
        "supply_t": float(np.sum(problem.supply_t)), "quota": pp.quota,
        "longest_arc_s": pp.longest_arc_s, "build_s": round(time.perf_counter() - started, 2),
        "village_codes": pp.net.settlements["village_code"].tolist(),
        "site_codes": pp.sites["village_code"].tolist(),
    }
    return problem, description


def save_problem(path: Path, problem: LocationProblem, description: dict[str, Any]) -> None:
    """``problem`` and ``description`` in one ``.npz`` (arrays plus a JSON string)."""
    arrays = {k: np.asarray(getattr(problem, k)) for k in ARRAY_FIELDS
              if getattr(problem, k) is not None}
    scalars = {f.name: getattr(problem, f.name) for f in dataclasses.fields(problem)
               if f.name not in ARRAY_FIELDS and not isinstance(getattr(problem, f.name),
                                                                  np.ndarray)}
    scalars["tiers"] = [dataclasses.asdict(t) for t in problem.tiers]
    meta = json.dumps({"problem": scalars, "description": description}, default=_plain)
    path.parent.mkdir(parents=True, exist_ok=True)
    arrays["meta"] = np.array(meta)
    np.savez(path, **arrays)  # type: ignore[arg-type]


def _plain(value: Any) -> Any:
    """JSON for the numpy scalars and tuples a problem holds."""
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"not JSON: {type(value).__name__}")


def load_problem(path: Path, time_limit_s: float | None = None
                 ) -> tuple[LocationProblem, dict[str, Any]]:
    """The problem and description saved by :func:`save_problem`."""
    with np.load(path) as saved:
        meta = json.loads(str(saved["meta"]))
        arrays = {k: saved[k] for k in ARRAY_FIELDS if k in saved}
    fields = meta["problem"]
    fields["tiers"] = tuple(StoreTier(**t) for t in fields["tiers"])
    for key in ("required_sites", "excluded_sites", "group_min", "group_max", "group_names"):
        fields[key] = tuple(fields[key])
    if time_limit_s is not None:
        fields["time_limit_s"] = time_limit_s
    return LocationProblem(**fields, **arrays), meta["description"]


def plan_instance(args: Any) -> tuple[LocationProblem, dict[str, Any]]:
    """``--set plan``'s problem: loaded from ``--load``, or built from ``--scenario`` (and
    saved to ``--save`` if given); ``--time-limit`` replaces the budget when given."""
    if args.load is not None:
        return load_problem(args.load, args.time_limit_given)
    if args.scenario is None:
        raise SystemExit("--set plan needs --scenario FILE or --load FILE.npz")
    problem, description = plan_problem(args.scenario, args.time_limit_given)
    if args.save is not None:
        save_problem(args.save, problem, description)
    return problem, description
