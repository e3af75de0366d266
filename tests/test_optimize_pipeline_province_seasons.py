"""Seasons and the shared fleet: a scenario calendar sets the routed season."""

from __future__ import annotations

from pathlib import Path

import pytest

from optimize.errors import SpecificationError
from optimize.pipeline.province.tasks import region_tasks
from optimize.scenario import Scenario

SMALL = ["6202", "6203"]


def _scenario(**kw: object) -> Scenario:
    return Scenario.from_mapping({"name": "Gansu test", "region_code": "62",
                                  "siting_time_limit_s": 10.0, "routing_time_limit_s": 0.3,
                                  **kw})


def test_a_scenario_calendar_sets_the_routed_season(tmp_path: Path) -> None:
    from geodata.datasets import data_dir
    from optimize.pipeline.province.seasons import seasonal_fleet

    calendar = [
        {"name": "summer", "months": [6, 7],
         "peaks": [{"region": "*", "crop": "vegetables", "share": 0.5}]},
        {"name": "september", "months": [9],
         "peaks": [{"region": "6203", "crop": "cherry", "share": 0.5},
                   {"region": "*", "crop": "vegetables", "share": 0.5}]},
    ]
    scenario = _scenario(seasons=calendar)
    tasks = region_tasks(scenario, data_dir(), SMALL)
    plan = seasonal_fleet(scenario, data_dir(), tasks)
    assert plan.load.seasons[plan.routed] == "september"  # 30 days against 61
    by_code = {t.code: plan.task_for(t, scenario) for t in tasks}
    assert by_code["6203"].scenario.crop == "cherry"
    assert by_code["6203"].scenario.harvest_peak_days == pytest.approx(60.0)  # 30 d / 0.5
    assert by_code["6202"].scenario.crop == "vegetables"
    assert sum(t.share.trucks for t in by_code.values()) == 7
    assert by_code["6203"].scenario.max_access_time_s == scenario.access_limit_s
    with pytest.raises(SpecificationError, match="season"):
        _scenario(seasons=[{"name": "x", "months": [13], "peaks": []}])
