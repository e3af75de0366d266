"""benchmarks/location_plan.py: a plan's siting problem saved, loaded and benchmarked."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from benchmarks import location
from benchmarks.location_plan import load_problem, save_problem
from optimize.siting.problem import LocationProblem, StoreTier


def two_site_problem() -> LocationProblem:
    """3 villages of 1 t, 2 sites, 1 store of 10 t. Site 0 reaches villages 0 (10 s) and 1
    (20 s), site 1 villages 1 (5 s) and 2 (its own village, 0 s). The longest arc is 20 s,
    so an unserved tonne costs 3 x 21 = 63 t*s: site 0 costs 10 + 20 + 63 = 93, site 1
    costs 5 + 0 + 63 = 68 t*s: the optimum opens site 1."""
    return LocationProblem(
        supply_t=np.array([1.0, 1.0, 1.0]), weight=np.ones(3),
        arc_demand=np.array([0, 1, 1, 2]), arc_site=np.array([0, 0, 1, 1]),
        arc_time_s=np.array([10, 20, 5, 30]), n_sites=2,
        tiers=(StoreTier("10 t", 10.0, 1000.0, 500.0),), n_stores=1, budget_yuan=800.0,
        site_demand=np.array([-1, 2]), objective="coverage_then_time", engine="lagrange",
        time_limit_s=5.0, required_sites=(), group_max=(), wall_safety=10.0)


def test_a_saved_problem_loads_back_field_by_field(tmp_path: Path) -> None:
    problem = two_site_problem()
    description = {"scenario": "x.toml", "village_codes": ["a", "b", "c"],
                   "site_codes": ["s0", "s1"]}
    save_problem(tmp_path / "p.npz", problem, description)
    loaded, desc = load_problem(tmp_path / "p.npz", time_limit_s=7.0)
    assert desc == description
    assert loaded.time_limit_s == 7.0
    assert loaded.tiers == problem.tiers and loaded.wall_safety == 10.0
    assert loaded.budget_yuan == 800.0 and loaded.n_stores == 1
    assert loaded.site_group is None and loaded.required_sites == ()
    for name in ("supply_t", "arc_demand", "arc_site", "arc_time_s", "site_demand"):
        np.testing.assert_array_equal(getattr(loaded, name), getattr(problem, name))


def test_set_plan_solves_the_saved_problem_and_recomputes_it(tmp_path: Path) -> None:
    save_problem(tmp_path / "p.npz", two_site_problem(),
                 {"scenario": "scenarios/two.toml", "village_codes": ["a", "b", "c"],
                  "site_codes": ["s0", "s1"]})
    out = tmp_path / "r.json"
    assert location.main(["--set", "plan", "--load", str(tmp_path / "p.npz"),
                          "--out", str(out)]) == 0
    payload = json.loads(out.read_text())
    row = payload["results"][0]
    assert payload["time_limit_s"] == 5.0  # the saved budget, not the default 10
    assert row["instance"] == "plan:two" and row["engine"] == "lagrange"
    assert row["open_sites"] == ["s1"]
    assert row["assignment"] == {"a": None, "b": "s1", "c": "s1"}
    assert abs(row["objective"] - 68.0) < 1e-9
    assert row["bound"] <= row["objective"] + 1e-9
    assert row["wall_s"] >= 0 and row["cpu_s"] >= 0
