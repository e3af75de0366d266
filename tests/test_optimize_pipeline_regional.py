"""The regional pipeline on a real county (广河县, 622924): real data, short solver limits.

The plan is checked independently by ``verify_plan``; the apportioned numbers are
recomputed in ``test_optimize_pipeline_region.py``.
"""

from __future__ import annotations

import pytest

from geodata.datasets import load_census
from geodata.errors import DataError
from optimize.errors import SpecificationError
from optimize.pipeline.region import regional_share
from optimize.pipeline.regional import build_plan
from optimize.plan.verify import verify_plan
from optimize.scenario import Scenario
from tests.conftest import GUANGHE


@pytest.fixture
def plan(guanghe_plan):  # type: ignore[no-untyped-def]
    """The 广河县 plan built once per session (``tests/conftest.py``)."""
    return guanghe_plan


@pytest.mark.slow
def test_plan_checks_out_independently(plan) -> None:  # type: ignore[no-untyped-def]
    assert verify_plan(plan) == []
    k = plan.kpis
    assert k["stores"] == regional_share(GUANGHE, load_census()).stores
    assert k["settlements"] == len(plan.settlements) > 50
    assert 0 < k["coverage_pct"] <= 100
    assert k["subsidy_yuan"] <= k["budget_yuan"]
    assert k["access_time_max_s"] <= GUANGHE.access_limit_s
    assert k["trucks_used"] <= k["trucks"]
    assert plan.meta["solver"]["siting"]["gap_pct"] >= 0


@pytest.mark.slow
def test_same_scenario_same_plan(plan) -> None:  # type: ignore[no-untyped-def]
    again = build_plan(GUANGHE, plan_id="guanghe")
    assert list(again.stores["site_settlement_id"]) == list(plan.stores["site_settlement_id"])
    assert list(again.settlements["store_id"]) == list(plan.settlements["store_id"])
    assert again.kpis["route_distance_m"] == plan.kpis["route_distance_m"]


def test_unknown_region_is_named() -> None:
    with pytest.raises(DataError, match="629999"):
        build_plan(Scenario(region_code="629999"))


def test_build_plan_refuses_the_whole_province() -> None:
    with pytest.raises(SpecificationError, match="'62' is the whole province"):
        build_plan(Scenario(region_code="62"))
