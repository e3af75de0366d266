"""``plan_province``: the stages of the whole-province plan in order."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from pathlib import Path

from geodata import datasets
from optimize.pipeline.province.merge import merge_plans
from optimize.pipeline.province.network import province_network
from optimize.pipeline.province.repair import repair_borders
from optimize.pipeline.province.seasons import seasonal_fleet
from optimize.pipeline.province.solve import solve_on_dask, solve_region
from optimize.pipeline.province.tasks import region_tasks
from optimize.pipeline.region import PROVINCE_CODE, load_region
from optimize.plan.io import Plan
from optimize.scenario import Scenario

Progress = Callable[[str, float], None]


def plan_province(
    scenario: Scenario,
    *,
    data_dir: str | Path | None = None,
    scheduler: str | None = None,
    n_workers: int = 2,
    progress: Progress | None = None,
    regions: Sequence[str] | None = None,
    plan_id: str = "plan",
    osm_path: str | Path | None = None,
) -> Plan:
    """Plan the whole province (``scenario.region_code == "62"``); see the package docstring.

    ``regions`` restricts the run to some prefectures (4-digit codes), each keeping the
    share it has in the whole province. ``scheduler`` is the address of an existing Dask
    scheduler (``tcp://HOST:PORT``; its workers must see ``data_dir`` at the same path);
    without it a ``LocalCluster`` of ``n_workers`` single-threaded processes is started
    and closed. ``osm_path`` is an OSM extract every worker can read at that path; each
    region clips it to its polygon (the border repair still uses the approximate network,
    and the plan says so).
    """
    report = progress or (lambda stage, fraction: None)
    root = datasets.data_dir(data_dir)
    report("apportioning the province to prefectures", 0.01)
    tasks = region_tasks(scenario, root, regions)
    seasons = seasonal_fleet(scenario, root, tasks)
    tasks = [seasons.task_for(t, scenario) for t in tasks]
    report(f"solving {len(tasks)} prefectures on Dask", 0.03)
    solve = functools.partial(solve_region, data_dir=str(root),
                              osm_path=None if osm_path is None else str(osm_path))
    results = solve_on_dask(tasks, solve, scheduler=scheduler, n_workers=n_workers,
                            report=report, plan_id=plan_id)
    report("merging the regional plans", 0.85)
    merged = merge_plans(scenario, results, plan_id=plan_id, seasons=seasons)
    report("repairing across prefecture borders", 0.90)
    net = province_network(scenario, load_region(PROVINCE_CODE, root),
                           [t.code for t in tasks])
    repaired = repair_borders(merged, scenario, net)
    report("done", 1.0)
    return repaired
