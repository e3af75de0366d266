"""verify_plan on market runs, market flow and costs: the 广河县 plan checks out, and each
tampered figure is named (optimize.plan.market_checks, via optimize.plan.verify)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from optimize.plan.io import Plan
from optimize.plan.verify import verify_plan


@pytest.fixture
def plan(guanghe_plan: Plan) -> Plan:
    return guanghe_plan


def _tampered(plan: Plan, change: Callable[[dict[str, Any]], None]) -> list[str]:
    meta = copy.deepcopy(plan.meta)
    change(meta)
    return verify_plan(Plan(meta, plan.counties, plan.settlements, plan.stores, plan.routes))


def _first_run(meta: dict[str, Any]) -> dict[str, Any]:
    return next(r for r in meta["routes"] if r["kind"] == "market")


@pytest.mark.slow
def test_the_plan_has_market_runs_in_every_season_and_checks_out(plan: Plan) -> None:
    assert verify_plan(plan) == []
    meta = plan.meta
    seasons = meta["seasons"]["seasons"]
    assert len(seasons) == 3
    for s in seasons:
        runs = [r for r in meta["routes"] if r["kind"] == "market" and r["season"] == s["name"]]
        assert runs, s["name"]
        k = s["kpis"]
        assert k["market_t"] == pytest.approx(sum(r["daily_t"] for r in runs), abs=0.01)
        assert k["market_t"] + k["left_for_buyers_t"] == pytest.approx(
            k["daily_self_delivered_t"] + k["daily_pickup_routed_t"], abs=0.01)
        assert k["cost_yuan"] > 0 and k["fuel_l"] > 0
    assert meta["market_flow"]["split_rule"].startswith("collection first")
    year = meta["costs"]["per_year"]
    assert year["days"] == sum(s["days"] for s in seasons)
    assert year["cost_yuan"] == pytest.approx(sum(
        s["kpis"]["cost_yuan"] * s["days"] for s in seasons), rel=1e-4)
    ids = {m["market_id"] for m in meta["markets"]}
    assert "C:622924" in ids and "P:xiamen" in ids


@pytest.mark.slow
@pytest.mark.parametrize(("change", "words"), [
    (lambda m: _first_run(m)["stops"][0].update(pickup_t=9.0), "pickups sum to"),
    (lambda m: _first_run(m)["stops"][-1].update(arrival_s=23 * 3600), "outside its hours"),
    (lambda m: _first_run(m).update(fuel_l=1.0), "fuel_l 1.0, recomputed"),
    (lambda m: _first_run(m).update(start_s=_first_run(m)["start_s"] - 5 * 3600),
     "without a 20 min rest"),
    (lambda m: m["seasons"]["seasons"][0]["kpis"].update(market_t=0.0), "market_t 0.000"),
    (lambda m: m["costs"]["per_year"].update(cost_yuan=1.0), "costs.per_year: cost_yuan"),
])
def test_each_tampered_market_figure_is_named(plan: Plan, change: Callable[[dict], None],
                                              words: str) -> None:
    problems = _tampered(plan, change)
    assert problems and any(words in p for p in problems), problems


@pytest.mark.slow
def test_a_market_over_its_intake_is_named(plan: Plan) -> None:
    def shrink(meta: dict[str, Any]) -> None:
        for m in meta["markets"]:
            if m["market_id"] == "C:622924":
                m["daily_intake_t"] = 1.0

    problems = _tampered(plan, shrink)
    assert any("C:622924 gets" in p and "intake 1.0 t" in p for p in problems), problems
