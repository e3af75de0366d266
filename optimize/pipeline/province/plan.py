"""``plan_province``: the stages of the whole-province plan in order."""

from __future__ import annotations

import dataclasses
import functools
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from geodata import datasets
from optimize.pipeline.assemble import road_meta
from optimize.pipeline.province.compare import (
    COMPARISON_SHARE,
    decomposed_problems,
    decomposed_report,
    siting_meta,
)
from optimize.pipeline.province.merge import merge_plans
from optimize.pipeline.province.seasons import seasonal_tasks
from optimize.pipeline.province.siting import build_province, region_part, solve_province
from optimize.pipeline.province.solve import WALL_SAFETY, open_client, solve_on_dask, solve_region
from optimize.pipeline.province_fleet import (
    province_store_drives,
    repack_province_plan,
    season_bound_items,
)
from optimize.pipeline.province_markets import province_market_roads
from optimize.pipeline.region import PROVINCE_CODE, Region, load_region
from optimize.pipeline.season_markets import load_markets
from optimize.plan.io import Plan
from optimize.scenario import Scenario
from optimize.siting.solve import solve_location

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
    province: Region | None = None,
) -> Plan:
    """Plan the whole province (``scenario.region_code == "62"``); see the package docstring.

    ``regions`` restricts the run to some prefectures (4-digit codes), each keeping the
    share it has in the whole province (their stores and budgets are sited together).
    ``scheduler`` is the address of an existing Dask scheduler (``tcp://HOST:PORT``; its
    workers must see ``data_dir`` at the same path); without it a ``LocalCluster`` of
    ``n_workers`` single-threaded processes is started and closed. ``osm_path`` is an OSM
    extract of the province: the one siting problem runs on it (clipped to the chosen
    prefectures) and every prefecture is routed on that graph.
    """
    report = progress or (lambda stage, fraction: None)
    root = datasets.data_dir(data_dir)
    # the markets table first: a bad table fails before any solving
    markets = load_markets(scenario.markets_file, PROVINCE_CODE, root) \
        if scenario.market_runs else None
    report("apportioning the province to prefectures", 0.01)
    tasks, seasons = seasonal_tasks(scenario, root, regions)
    with open_client(scheduler, n_workers) as client:
        report("building the province's siting problem", 0.02)
        problem = build_province(scenario, province or load_region(PROVINCE_CODE, root),
                                 tasks, osm_path=osm_path, wall_safety=WALL_SAFETY)
        alone = decomposed_problems(scenario, problem, tasks, wall_safety=WALL_SAFETY)
        started = time.perf_counter()
        futures = [client.submit(solve_location, p, key=f"alone-{t.code}-{plan_id}",
                                 pure=False) for t, _, p in alone]
        report("siting the province's stores as one problem (and, on Dask, each "
               "prefecture alone for comparison)", 0.05)
        sited = solve_province(problem)
        comparison = decomposed_report(sited, alone, client.gather(futures),
                                       COMPARISON_SHARE,
                                       round(time.perf_counter() - started, 2))
        tasks = [dataclasses.replace(t, sited=region_part(sited, t.code)) for t in tasks]
        report(f"routing {len(tasks)} prefectures on Dask", 0.35)
        results = solve_on_dask(tasks, functools.partial(solve_region, data_dir=str(root)),
                                client=client, report=report, plan_id=plan_id)
    report("merging the regional plans", 0.95)
    network = road_meta(sited.graph, sited.net)
    network["note"] = "one network over the chosen prefectures, across their borders: " \
        + network["note"]
    plan = merge_plans(scenario, results, siting=siting_meta(sited, comparison),
                       road_network=network, plan_id=plan_id, seasons=seasons)
    report("packing the province's fleet over every prefecture's trips, then market runs",
           0.96)
    ids, drive_s, drive_m = province_store_drives(sited.net, plan.stores)
    market_road = province_market_roads(sited.graph, sited.net, plan.stores, markets,
                                        scenario) if markets else None
    plan = repack_province_plan(plan, scenario, ids, drive_s, drive_m,
                                int(plan.meta["truck_budget"]["trucks"]), markets=markets,
                                market_road=market_road, net=sited.net,
                                bound_items=season_bound_items([r.plan.meta for r in results]))
    report("done", 1.0)
    return plan
