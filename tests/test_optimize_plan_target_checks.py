"""The plan's check of each season's collection target (optimize.plan.target_checks).

The season is the two-region day of ``tests/test_optimize_pipeline_fleet_day.py`` with a
9000 s shift: one truck collects 5.0 of the 6.5 t that need a truck (76.9 %), its 1 t
trip dropped for fleet capacity; 0.5 t has no trip at all.
"""

from __future__ import annotations

from typing import Any

import pytest

from optimize.plan.model import PlanMeta
from optimize.plan.target_checks import target_problems
from tests.test_optimize_pipeline_fleet_day import as_meta, short_shift_day


def changed(target: float, **kpis: Any) -> PlanMeta:
    rec = short_shift_day(target)
    rec.kpis.update(kpis)
    return as_meta(rec)


def with_scenario_target(meta: PlanMeta, value: float) -> PlanMeta:
    raw = meta.to_json()
    raw["scenario"]["collection_target_pct"] = {"value": value, "unit": "%",
                                                "source": "", "assumption": True}
    return PlanMeta.from_json(raw)


def test_the_true_figures_pass() -> None:
    meta = with_scenario_target(as_meta(short_shift_day(90.0)), 90.0)
    assert target_problems(meta) == []


@pytest.mark.parametrize(("target", "kpis", "message"), [
    # 2 trucks reach 90 %: a fleet no larger than the plan's 1 truck cannot be right
    (90.0, {"trucks_for_target": 1}, "trucks_for_target 1 not above the 1 trucks"),
    # one truck per trip is 3 trucks (2 trips kept + 1 dropped)
    (90.0, {"trucks_for_target": 4}, "trucks_for_target 4 above one truck per trip (2 + 1"),
    # 76.9 % reaches 75 %: no fleet size is due
    (75.0, {"trucks_for_target": 2}, "trucks_for_target 2 though 5.0 of 6.5 t reaches"),
    # 90 % is reachable (5.0 + 1.0 dropped = 6.0 t >= 5.85 t): not 'not reachable'
    (90.0, {"trucks_for_target": None,
            "trucks_for_target_note": "not reachable by adding trucks: ..."},
     "target called not reachable, but the trips kept and dropped carry 6.000 of the "
     "5.850 t"),
    (90.0, {"trucks_for_target": None, "trucks_for_target_note": ""},
     "below the 90.0 % target without trucks_for_target or a"),
    (90.0, {"target_pct": 101.0}, "target_pct 101.0 outside 0-100"),
])
def test_a_wrong_figure_is_named(target: float, kpis: dict[str, Any], message: str) -> None:
    problems = target_problems(changed(target, **kpis))
    assert len(problems) == 1
    assert problems[0].startswith(f"season summer: {message}")


def test_the_scenario_target_must_match() -> None:
    meta = with_scenario_target(as_meta(short_shift_day(90.0)), 95.0)
    assert target_problems(meta) == [
        "season summer: target_pct 90.0 but the scenario's collection_target_pct is 95.0"]


def test_a_plan_without_target_figures_has_nothing_to_check() -> None:
    rec = short_shift_day(90.0)
    for key in ("target_pct", "trucks_for_target", "trucks_for_target_note"):
        del rec.kpis[key]
    assert target_problems(as_meta(rec)) == []
