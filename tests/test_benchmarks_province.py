"""benchmarks/province.py: the synthetic villages and the composed province stages."""

from __future__ import annotations

import pytest

from benchmarks.province import split_villages, synthetic_plan
from optimize.plan.verify import verify_plan
from optimize.scenario import Scenario


def test_synthetic_split_is_labelled_and_consistent() -> None:
    from geodata import datasets, places

    root = datasets.data_dir(None)
    whole = split_villages(places.load_villages(root, "62"), total=100_000)
    part = split_villages(places.load_villages(root, "6203"), total=100_000)
    assert len(whole) == 100_000 and whole["village_code"].is_unique
    assert set(whole["location_method"]) == {"synthetic"}
    same = whole.set_index("village_code").geometry.reindex(part["village_code"])
    assert list(same.x) == list(part.geometry.x)  # a copy sits at the same point in both


@pytest.mark.slow
def test_synthetic_plan_composes_the_province_stages() -> None:
    scenario = Scenario.from_mapping({"name": "Gansu synthetic", "region_code": "62",
                                      "siting_time_limit_s": 10.0,
                                      "routing_time_limit_s": 0.3})
    plan = synthetic_plan(scenario, total=100_000, workers=1, plan_id="synthetic",
                          regions=["6202"])
    assert set(plan.settlements["location_method"]) == {"synthetic"}
    assert plan.kpis["settlements"] > 10  # the 10 rural villages of 6202, split
    assert verify_plan(plan) == []


def test_repair_candidates_finds_only_what_a_repair_could_move() -> None:
    import dataclasses

    import numpy as np

    from benchmarks.province import repair_candidates
    from optimize.pipeline.province.siting import site_province
    from tests.test_optimize_pipeline_province_siting import (
        BORDER_VILLAGE,
        two_prefecture_province,
        two_prefecture_tasks,
    )

    scenario = Scenario.from_mapping({"name": "two prefectures", "region_code": "62",
                                      "siting_time_limit_s": 5.0})
    ps = site_province(scenario, two_prefecture_province(), two_prefecture_tasks(scenario))
    # the one problem leaves nothing for a border repair
    assert repair_candidates(ps) == {"served_with_closer_store": 0,
                                     "unserved_with_store_in_reach": 0, "unserved": 0}
    # the border village dropped: its store across the border still has room for it
    border = int(np.flatnonzero(ps.net.settlements["village_code"] == BORDER_VILLAGE)[0])
    assignment = ps.result.assignment.copy()
    assignment[border] = -1
    dropped = dataclasses.replace(ps, result=dataclasses.replace(ps.result,
                                                                 assignment=assignment))
    assert repair_candidates(dropped) == {"served_with_closer_store": 0,
                                          "unserved_with_store_in_reach": 1, "unserved": 1}
