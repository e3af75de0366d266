"""The regional solves of a whole-province plan, in parallel on ``dask.distributed``.

Each prefecture is one task on a ``LocalCluster`` of single-threaded worker processes, or
on an existing scheduler (:func:`open_client`): its routing, given its part of the
province's siting, or (without one) its whole regional plan. CP-SAT and the routing
search are seeded and budgeted in deterministic units, so the plan does not depend on the
number of workers, the scheduling order or the machine's load (unless a wall-clock safety
cap fires, which the statuses in ``meta["regions"]`` would show).
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import networkx as nx

from geodata import datasets
from geodata.errors import DataError
from optimize.errors import InfeasibleError, SpecificationError
from optimize.pipeline.province.tasks import RegionTask
from optimize.pipeline.region import Region, Share, load_region
from optimize.pipeline.regional import plan_region
from optimize.pipeline.siting import SitedRegion
from optimize.plan.io import Plan
from optimize.scenario import Scenario

Progress = Callable[[str, float], None]
#: A regional solve as a Dask task: (scenario, plan id, the region's part of the province's
#: siting or None, the graph it is routed on or None) -> (plan, wall seconds).
RegionSolve = Callable[[Scenario, str, SitedRegion | None, nx.MultiDiGraph | None],
                       tuple[Plan, float]]
#: Wall-clock safety cap of the regional solvers, as a multiple of their budgets.
WALL_SAFETY = 10.0
#: How long the client waits for an existing scheduler before giving up, seconds.
CONNECT_TIMEOUT_S = 10


@dataclass(frozen=True)
class RegionResult:
    """One prefecture's finished plan and its wall-clock solve time on its worker."""

    code: str
    name: str
    villages: int
    share: Share
    plan: Plan
    time_s: float


def solve_region(scenario: Scenario, plan_id: str, sited: SitedRegion | None = None,
                 graph: nx.MultiDiGraph | None = None, *, data_dir: str,
                 osm_path: str | None = None,
                 wall_safety: float = WALL_SAFETY) -> tuple[Plan, float]:
    """One regional plan (runs on a Dask worker); returns the plan and its wall time.

    ``sited``: the region's stores and villages from the province's one siting problem
    (then the region is only routed), on ``graph`` if given (sent to the workers once);
    without it the region is sited alone. ``osm_path``:
    an OSM extract covering the province (or at least the region), clipped to the region;
    villages it maps as named places sit at their points.
    """
    started = time.perf_counter()
    if sited is not None and graph is not None:
        sited = dataclasses.replace(sited, graph=graph)
    region = load_region(scenario.region_code, datasets.data_dir(data_dir))
    plan = solve_loaded_region(scenario, region, plan_id, osm_path=osm_path,
                               wall_safety=wall_safety, sited=sited)
    return plan, round(time.perf_counter() - started, 2)


def solve_loaded_region(scenario: Scenario, region: Region, plan_id: str, *,
                        osm_path: str | None = None, wall_safety: float = WALL_SAFETY,
                        sited: SitedRegion | None = None) -> Plan:
    """The regional plan of a loaded region with the province's wall-clock caps.

    Province workers share the cores with each other and with other jobs: measured on 2
    busy cores, CP-SAT took 2.9-3.1 s of wall time per deterministic second, so the
    solvers' default 3 x cap fired in normal runs and made them machine-dependent; the
    regional solves run with ``wall_safety`` (:data:`WALL_SAFETY`) instead.
    """
    # every trip the stores need (no fleet limit, no market runs): the province's one
    # fleet is packed over all prefectures' trips afterwards, then runs to market
    # (optimize.pipeline.province_fleet)
    routed_only = dataclasses.replace(scenario, market_runs=False)
    return plan_region(routed_only, region, osm_path=osm_path, plan_id=plan_id,
                       wall_safety=wall_safety, sited=sited, fleet_trucks=0)


def solve_on_dask(tasks: list[RegionTask], solve: RegionSolve, *, client: Any,
                  report: Progress, plan_id: str) -> list[RegionResult]:
    """Run ``solve`` for every task on ``client`` (largest first); results by region code.

    ``solve`` must be picklable (a module-level function or a partial of one).
    """
    from dask.distributed import as_completed

    graphs = {id(t.sited.graph): t.sited.graph for t in tasks if t.sited is not None}
    # each distinct graph (the province's one) goes to the workers once, not once per task
    shared = {k: client.scatter(g, broadcast=True) for k, g in graphs.items()}
    futures = []
    for rank, task in enumerate(tasks):  # largest first, by priority too
        sited, graph = task.sited, None
        if sited is not None:
            graph = shared[id(sited.graph)]
            sited = dataclasses.replace(sited, graph=None)
        futures.append(client.submit(solve, task.scenario, f"{plan_id}-{task.code}",
                                     sited, graph, key=f"region-{task.code}-{plan_id}",
                                     priority=len(tasks) - rank, pure=False))
    task_of = {f.key: t for f, t in zip(futures, tasks, strict=True)}
    done: dict[str, RegionResult] = {}
    for n, future in enumerate(as_completed(futures), 1):
        task = task_of[future.key]
        plan, time_s = _result(future, task)
        done[task.code] = RegionResult(task.code, task.name, task.villages,
                                       task.share, plan, time_s)
        report(f"prefecture {task.code} {task.name} done ({n} of {len(tasks)})",
               0.35 + 0.6 * n / len(tasks))
    return [done[c] for c in sorted(done)]


@contextlib.contextmanager
def open_client(scheduler: str | None, n_workers: int) -> Iterator[Any]:
    """A client of a fresh ``LocalCluster`` of ``n_workers`` single-threaded processes
    (closed afterwards), or of the existing scheduler at ``scheduler`` (its workers must
    see the data at the same paths)."""
    from dask.distributed import Client, LocalCluster

    if scheduler is None and n_workers < 1:
        raise SpecificationError([f"workers = {n_workers}: at least one worker is needed"])
    cluster = None
    try:
        if scheduler is None:
            # ":0": the scheduler's HTTP endpoint on a free port (8787 may be taken by
            # another cluster on the machine); no dashboard unless bokeh is installed.
            cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                                   dashboard_address=":0")
            client = Client(cluster)
        else:
            client = connect(scheduler)
        with client:
            yield client
    finally:
        if cluster is not None:
            cluster.close()


def connect(address: str) -> Any:
    """A client of an existing scheduler, or a SpecificationError naming the address."""
    from dask.distributed import Client

    try:
        client = Client(address, timeout=f"{CONNECT_TIMEOUT_S}s")
    except (OSError, TimeoutError, ValueError, TypeError) as exc:
        raise SpecificationError([f"--scheduler {address!r}: cannot reach a Dask scheduler "
                                  f"there within {CONNECT_TIMEOUT_S} s ({exc})"]) from None
    try:
        client.wait_for_workers(1, timeout=CONNECT_TIMEOUT_S)
    except (OSError, TimeoutError) as exc:
        client.close()
        raise SpecificationError([f"--scheduler {address!r}: the scheduler has no workers "
                                  f"(none joined within {CONNECT_TIMEOUT_S} s: {exc})"]) from None
    return client


def _result(future: Any, task: RegionTask) -> tuple[Plan, float]:
    """The future's result; regional errors come back naming the prefecture."""
    where = f"prefecture {task.code} ({task.name})"
    try:
        plan, time_s = future.result()
    except (SpecificationError, InfeasibleError) as exc:
        raise type(exc)([f"{where}: {r}" for r in exc.reasons]) from None
    except DataError as exc:
        raise DataError(f"{where}: {exc}") from None
    return plan, float(time_s)
