"""``plan_for(scenario)``: the one entry point of planning, for the CLI and web jobs.

A scenario of the whole province (``region_code == PROVINCE_CODE``) is planned by
prefecture on Dask (:func:`optimize.pipeline.province.plan.plan_province`); any other
region by the regional pipeline (:func:`optimize.pipeline.regional.build_plan`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from optimize.errors import SpecificationError
from optimize.pipeline.province.plan import plan_province
from optimize.pipeline.region import PROVINCE_CODE
from optimize.pipeline.regional import build_plan
from optimize.plan.io import Plan
from optimize.scenario import Scenario

#: Dask worker processes of a whole-province plan unless told otherwise.
DEFAULT_WORKERS = 2


def plan_for(
    scenario: Scenario,
    *,
    data_dir: str | Path | None = None,
    osm_path: str | Path | None = None,
    plan_id: str = "plan",
    progress: Callable[[str, float], None] | None = None,
    workers: int = DEFAULT_WORKERS,
    scheduler: str | None = None,
    regions: Sequence[str] | None = None,
) -> Plan:
    """The plan of ``scenario``: the whole province or one region.

    ``workers``, ``scheduler`` and ``regions`` are for the whole province only (local
    Dask worker processes, an existing scheduler's address, the prefectures to plan);
    for one region ``scheduler`` and ``regions`` must be left out.
    """
    if scenario.region_code == PROVINCE_CODE:
        return plan_province(scenario, data_dir=data_dir, scheduler=scheduler,
                             n_workers=workers, progress=progress, regions=regions,
                             plan_id=plan_id, osm_path=osm_path)
    if scheduler or regions:
        raise SpecificationError([f"scheduler / regions: only for the whole province "
                                  f"(region_code = \"{PROVINCE_CODE}\"), not "
                                  f"{scenario.region_code!r}"])
    return build_plan(scenario, data_dir=data_dir, osm_path=osm_path, plan_id=plan_id,
                      progress=progress)
