"""The fleet bound's checks (optimize.plan.bound_checks) on a real plan and tampered ones."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from optimize.plan.bound_checks import bound_problems
from optimize.plan.model import PlanMeta


@pytest.fixture
def meta(guanghe_plan) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """The 广河县 plan's ``plan.json`` (``tests/conftest.py``), copied."""
    return copy.deepcopy(guanghe_plan.meta)


def _seasons(meta: dict[str, Any]) -> list[dict[str, Any]]:
    seasons = meta["seasons"]["seasons"]
    assert seasons
    return seasons


@pytest.mark.slow
def test_the_real_plan_holds_its_bound(meta: dict[str, Any]) -> None:
    typed = PlanMeta.from_json(meta)
    assert typed.to_json() == meta  # the new keys round-trip
    assert bound_problems(typed) == []
    for s in _seasons(meta):
        k = s["kpis"]
        routes = [r for r in meta["routes"] if r["season"] == s["name"]
                  and r["kind"] == "collection"]
        assert routes
        # any plan spends at least the items' costs: so does this one on its own trips
        spent_s = sum(r["end_s"] - r["start_s"] for r in routes)
        collected = {st["settlement_id"] for r in routes for st in r["stops"]}
        least_s = sum(i[2] for i in k["fleet_bound"]["items"] if i[0] in collected)
        assert spent_s >= least_s > 0
        cost: dict[str, float] = {}  # a village's cheapest part
        for i in k["fleet_bound"]["items"]:
            cost[i[0]] = min(i[2], cost.get(i[0], i[2]))
        assert all(r["end_s"] - r["start_s"] >= sum(cost[st["settlement_id"]]
                                                    for st in r["stops"]) for r in routes)
        assert k["daily_pickup_routed_t"] <= k["collectable_upper_t"] + 1e-9
        assert k["fleet_bound"]["hours_s"] == k["trucks"] * 8 * 3600
        assert 1 <= k["trucks_for_target_lower"] <= k["trucks"]


@pytest.mark.slow
def test_tampered_figures_are_named(meta: dict[str, Any]) -> None:
    first = _seasons(meta)[0]
    k = first["kpis"]
    k["collectable_upper_t"] = round(k["collectable_upper_t"] - 1.0, 3)
    k["trucks_for_target_lower"] = (k["trucks_for_target_lower"] or 0) + 1
    k["fleet_bound"]["hours_s"] += 1
    out = bound_problems(PlanMeta.from_json(meta))
    name = first["name"]
    assert any(p.startswith(f"season {name}: collectable_upper_t") for p in out)
    assert any("trucks_for_target_lower" in p for p in out)
    assert any("hours_s" in p for p in out)


@pytest.mark.slow
def test_a_bound_below_the_plan_is_caught(meta: dict[str, Any]) -> None:
    first = _seasons(meta)[0]
    b = first["kpis"]["fleet_bound"]
    b["items"] = [[i[0], i[1], i[2] * 10, i[3]] for i in b["items"]]  # costs too high
    out = bound_problems(PlanMeta.from_json(meta))
    assert any("the bound is not valid" in p and p.startswith(f"season {first['name']}: "
                                                               "the collection trips")
               for p in out)
    assert any(" takes " in p and "the bound is not valid" in p for p in out)
    assert any("above the proven bound" in p for p in out)
