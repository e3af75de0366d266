"""verify_plan on market runs, market flow and costs: the 广河县 plan checks out, and each
tampered figure is named (optimize.plan.market_checks, via optimize.plan.verify)."""

from __future__ import annotations

import copy
import dataclasses
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from geodata import datasets
from optimize.plan.io import Plan, save_plan
from optimize.plan.market_checks import cost_problems, market_flow_problems, market_run_problems
from optimize.plan.model import PlanMeta
from optimize.plan.verify import verify_plan
from tests.conftest import GUANGHE


def _plan_check() -> str:
    """The shared read-only checker that never imports the project (beside the data)."""
    try:
        return str(datasets.data_dir().parent / "tools" / "plan_check.py")
    except datasets.DataDirNotFound:
        return "no data folder, so no tools folder beside it"


PLAN_CHECK = _plan_check()


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
        # the day's market runs plus the long-haul legs' daily share (on the lent trucks)
        legs = [t["long_haul"] for t in meta["trucks"]
                if t.get("long_haul") and t["season"] == s["name"]]
        assert k["market_t"] == pytest.approx(sum(r["daily_t"] for r in runs)
                                              + sum(g["daily_t"] for g in legs), abs=0.01)
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


@pytest.mark.slow
def test_a_leg_flag_that_disagrees_with_the_run_is_named(plan: Plan) -> None:
    def relabel(meta: dict[str, Any]) -> None:
        run = _first_run(meta)   # flip: a flagged run with road legs only, or the reverse
        for g in run["legs"]:
            g["travel"] = "road" if run["approximate_travel"] else "straight_line"

    flagged = _first_run(plan.meta)["approximate_travel"]
    problems = _tampered(plan, relabel)
    words = f"approximate_travel {flagged}, legs ['{'road' if flagged else 'straight_line'}']"
    assert any(words in p for p in problems), problems


@pytest.fixture(scope="module")
def lent_plan(tmp_path_factory: pytest.TempPathFactory) -> tuple[Plan, Path]:
    """广河县 with 30 trucks: the 4 its trips need collect, the idle ones are lent to
    long-haul legs to the partner cities."""
    from optimize.pipeline.regional import build_plan

    built = build_plan(dataclasses.replace(GUANGHE, trucks=30), plan_id="lent")
    return built, save_plan(built, tmp_path_factory.mktemp("lent") / "plan")


def _legs(meta: dict[str, Any]) -> list[dict[str, Any]]:
    return [t["long_haul"] for t in meta["trucks"] if t.get("long_haul")]


@pytest.mark.slow
def test_long_haul_legs_check_out(
        lent_plan: tuple[Plan, Path]) -> None:
    built, saved = lent_plan
    legs = _legs(built.meta)
    assert legs
    assert all(g["days"] >= 2 and g["kind"] == "long_haul" and g["approximate_travel"]
               for g in legs)
    assert not any(r.get("days", 1) > 1 for r in built.meta["routes"])
    info = PlanMeta.from_json(built.meta)
    assert market_run_problems(info) == [] and market_flow_problems(info) == []
    assert cost_problems(info) == []


@pytest.mark.slow
@pytest.mark.skipif(not Path(PLAN_CHECK).exists(), reason=f"no {PLAN_CHECK} here")
def test_the_independent_checker_passes_a_plan_with_long_haul_legs(
        lent_plan: tuple[Plan, Path]) -> None:
    built, saved = lent_plan
    assert _legs(built.meta)
    done = subprocess.run([sys.executable, PLAN_CHECK, str(saved)], capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0, done.stdout
    assert done.stdout.splitlines()[-1].startswith("plan check: 0 problems")


@pytest.mark.slow
def test_long_haul_legs_pass_verify_plan(lent_plan: tuple[Plan, Path]) -> None:
    assert verify_plan(lent_plan[0]) == []


@pytest.mark.slow
@pytest.mark.parametrize(("change", "words"), [
    (lambda g: g.update(daily_t=g["load_t"]), "daily_t"),
    (lambda g: g["stops"][0].update(pickup_t=9.0), "pickups 9.000 t"),
    (lambda g: g.update(cost_yuan=1.0), "cost_yuan 1.0, recomputed"),
    (lambda g: g.update(end_s=g["end_s"] + 3 * 86_400), "not on its day"),
    (lambda g: g["legs"][1].update(travel="road", distance_m=0), "legs sum to"),
])
def test_each_tampered_long_haul_figure_is_named(lent_plan: tuple[Plan, Path],
                                                 change: Callable[[dict], None],
                                                 words: str) -> None:
    problems = _tampered(lent_plan[0], lambda m: change(_legs(m)[0]))
    assert any("long-haul leg" in p and words in p for p in problems), problems


@pytest.mark.slow
def test_a_long_haul_leg_without_its_days_is_named(lent_plan: tuple[Plan, Path]) -> None:
    built = lent_plan[0]
    meta = copy.deepcopy(built.meta)
    truck = next(t for t in meta["trucks"] if t.get("long_haul"))
    del truck["long_haul"]["days"]
    problems = verify_plan(Plan(meta, built.counties, built.settlements, built.stores,
                                built.routes))
    assert f"truck {truck['truck_id']} ({truck['season']}): long_haul leg unreadable: " \
        "KeyError \"LongHaulLeg lacks 'days'\"" in problems
