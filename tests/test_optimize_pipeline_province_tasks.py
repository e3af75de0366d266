"""The prefectures of a province plan: checks of the scenario, shares, budgets."""

from __future__ import annotations

from pathlib import Path

import pytest

from optimize.errors import SpecificationError
from optimize.pipeline.province.tasks import region_tasks
from optimize.scenario import Scenario


def _scenario(**kw: object) -> Scenario:
    return Scenario.from_mapping({"name": "Gansu test", "region_code": "62",
                                  "siting_time_limit_s": 10.0, "routing_time_limit_s": 0.3,
                                  **kw})


def test_province_scenario_checks(tmp_path: Path) -> None:
    from geodata import datasets

    root = datasets.data_dir(None)
    with pytest.raises(SpecificationError, match="set province_stores instead"):
        region_tasks(_scenario(stores=10), root)
    with pytest.raises(SpecificationError, match="'6299'"):
        region_tasks(_scenario(), root, ["6202", "6299"])
    tasks = region_tasks(_scenario(siting_time_limit_s=360.0), root)
    assert len(tasks) == 14 and tasks[0].code == "6212"  # largest first
    assert sum(t.share.stores for t in tasks) == 893
    assert sum(t.share.trucks for t in tasks) == 720
    linxia = next(t for t in tasks if t.code == "6229")
    assert (linxia.share.stores, linxia.share.trucks, linxia.villages) == (100, 80, 1004)
    assert linxia.scenario.siting_time_limit_s == pytest.approx(25.9)
    assert next(t for t in tasks if t.code == "6202").scenario.siting_time_limit_s == 5.0
