"""The assembled plan's layers and metadata: approximations, unserved lists, round trip."""

from __future__ import annotations

from pathlib import Path

import pytest

from optimize.plan.io import load_plan, save_plan
from optimize.plan.verify import verify_plan


@pytest.fixture
def plan(guanghe_plan):  # type: ignore[no-untyped-def]
    """The 广河县 plan built once per session (``tests/conftest.py``)."""
    return guanghe_plan


@pytest.mark.slow
def test_approximations_are_flagged(plan) -> None:  # type: ignore[no-untyped-def]
    assert plan.meta["road_network"]["approximate"] is True
    text = " ".join(plan.meta["approximations"])
    assert "approximate" in text and "township centre" in text and "estimate" in text
    assert len(plan.routes) > 0
    assert all(plan.routes["approximate_geometry"])
    assert any("truck_capacity_t" in a for a in plan.meta["assumptions"])


@pytest.mark.slow
def test_unserved_items_carry_reasons(plan) -> None:  # type: ignore[no-untyped-def]
    # 广河's 10 trucks now carry every pickup in every season (trips shared across its
    # stores), and every village has a store: nothing is left, and each season says so
    assert all(u["reason"] for u in plan.meta["unserved"])
    settle = plan.settlements
    siting_unserved = {u["settlement_id"] for u in plan.meta["unserved"]
                       if u["stage"] == "siting"}
    assert siting_unserved == set(settle.loc[settle["store_id"].isna(), "settlement_id"])
    # every served village with produce is either on a truck's route or listed with why not
    routed = {s["settlement_id"] for r in plan.meta["routes"] for s in r["stops"]}
    routing_unserved = {u["settlement_id"] for u in plan.meta["unserved"]
                        if u["stage"] == "routing"}
    served = settle[settle["store_id"].notna() & (settle["supply_t"] > 0)]
    own = set(settle.loc[settle["self_delivered"], "settlement_id"])
    assert own and own <= set(served["settlement_id"])
    assert routed | routing_unserved | own == set(served["settlement_id"])
    assert not own & (routed | routing_unserved)  # self-delivered villages need no truck
    seasons = plan.meta["seasons"]["seasons"]
    assert [s["name"] for s in seasons] == ["early summer", "summer", "autumn"]
    for s in seasons:
        k = s["kpis"]
        assert k["daily_supply_t"] > k["daily_truck_needed_t"] > 0
        assert k["daily_unrouted_t"] == pytest.approx(sum(
            u["tonnes_t"] for u in plan.meta["unserved"] if u.get("season") == s["name"]),
            abs=0.01)


@pytest.mark.slow
def test_layers_round_trip(plan, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    save_plan(plan, tmp_path / "p")
    back = load_plan(tmp_path / "p")
    assert verify_plan(back) == []
    assert len(back.counties) == 1 and back.counties["county_code"].iloc[0] == "622924"
    assert len(back.stores) == plan.kpis["stores"]
