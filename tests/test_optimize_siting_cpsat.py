"""The CP-SAT siting engine on instances small enough to solve on paper.

Instances: the paper instance of ``tests/siting_cases.py`` (module docstring there has the
supply-weighted times of every one- and two-site plan).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from optimize.errors import InfeasibleError
from optimize.siting.cpsat import solve_cpsat
from optimize.siting.problem import (
    REASON_FULL,
    REASON_NO_SITE,
    REASON_NO_STORE,
    LocationProblem,
    LocationResult,
    StoreTier,
)
from tests.siting_cases import BIG, COUNTIES, SMALL, TIMES_S, base


def assert_proven(result: LocationResult) -> None:
    """Tiny instances are solved to proven optimality in every stage."""
    assert result.status == "OPTIMAL"
    assert result.gap_pct == 0.0
    assert result.stages
    assert all(stage.gap_pct == 0.0 for stage in result.stages)


# ----------------------------------------------------------------------------- p-median


def test_one_median_is_site_1() -> None:
    result = solve_cpsat(base())
    assert result.open_sites.tolist() == [1]
    assert result.assignment.tolist() == [1, 1, 1, 1]
    assert result.weighted_time == 240.0
    assert result.objective == pytest.approx(240.0)
    assert result.covered_supply_t == 10.0
    assert result.unserved_reason == (None, None, None, None)
    assert result.access_time_s.tolist() == [40, 10, 20, 30]
    assert_proven(result)


def test_two_median_is_sites_1_and_2() -> None:
    result = solve_cpsat(base(n_stores=2))
    assert result.open_sites.tolist() == [1, 2]
    assert result.assignment.tolist() == [1, 1, 1, 2]
    assert result.weighted_time == 160.0
    assert result.load_t.tolist() == [6.0, 4.0]
    assert_proven(result)


def test_capacity_forces_a_second_best_assignment() -> None:
    # Stores of 5 t: {s1, s2} can no longer take d0, d1, d2 (6 t) at s1. Best split:
    # s1 {d1, d2} = 5 t (20 + 60), s2 {d3, d0} = 5 t (40 + 60): 180, d0 at its third site.
    # {s0, s2} at best 290, {s0, s1} at best 330 (every 5 t + 5 t split checked).
    result = solve_cpsat(base(n_stores=2, tiers=(SMALL,)))
    assert result.open_sites.tolist() == [1, 2]
    assert result.assignment.tolist() == [2, 1, 1, 2]
    assert result.weighted_time == 180.0
    assert result.binding == ("store count (=2)", "capacity at 2 sites")
    assert_proven(result)


def test_right_sizing_gives_each_store_the_cheapest_tier_that_holds_its_load() -> None:
    # 2-median loads: s1 6 t (needs big), s2 4 t (small is enough and cheaper to build).
    result = solve_cpsat(base(n_stores=2, tiers=(SMALL, BIG)))
    assert result.open_sites.tolist() == [1, 2]
    assert result.site_tier.tolist() == [1, 0]


def test_own_village_is_served_at_zero_seconds() -> None:
    # d3 lives at s2: its 10 s trip becomes 0, so the 2-median costs 160 - 4*10 = 120.
    result = solve_cpsat(base(n_stores=2, site_demand=np.array([-1, -1, 3])))
    assert result.weighted_time == 120.0
    assert result.access_time_s[3] == 0


def test_required_and_excluded_sites_are_honoured() -> None:
    # Without s1 the 1-median is s2 (290); with s0 required the best pair is {s0, s2} (180).
    without_1 = solve_cpsat(base(excluded_sites=(1,)))
    assert without_1.open_sites.tolist() == [2]
    assert without_1.weighted_time == 290.0
    with_0 = solve_cpsat(base(n_stores=2, required_sites=(0,)))
    assert with_0.open_sites.tolist() == [0, 2]
    assert with_0.weighted_time == 180.0


def test_at_most_store_count_opens_what_helps() -> None:
    # Up to 3 stores: every village at its nearest site, 10 + 20 + 60 + 40 = 130 with 3
    # stores; 'time' has no reason to leave a store closed.
    result = solve_cpsat(base(n_stores=3, exact_store_count=False))
    assert result.weighted_time == 130.0
    assert result.binding == ("store count (<=3)",)


# --------------------------------------------------------------------------------- cost


def test_cost_prefers_two_small_stores_then_the_fastest_split() -> None:
    # Two small stores (cost 2) beat one big (3); 10 t into 5 t + 5 t needs {d0, d3} and
    # {d1, d2}. Fastest placement: s1 {d1, d2} (80) + s2 {d0, d3} (100) = 180.
    problem = base(n_stores=3, exact_store_count=False, tiers=(SMALL, BIG), objective="cost")
    result = solve_cpsat(problem)
    assert result.stages[0].name == "cost"
    assert result.stages[0].objective == 2.0
    assert result.open_sites.tolist() == [1, 2]
    assert result.site_tier.tolist() == [0, 0]
    assert result.weighted_time == 180.0
    assert_proven(result)


# ---------------------------------------------------------------------- coverage first


def test_budget_forces_the_small_tier() -> None:
    # Budget 2 pays the small store (1), not the big one (3): 5 of 10 t can be covered,
    # by {d0, d3} or {d1, d2}. Fastest: s1 serving {d1, d2}, 2*10 + 3*20 = 80.
    problem = base(tiers=(SMALL, BIG), budget_yuan=2.0, objective="coverage_then_time")
    result = solve_cpsat(problem)
    assert result.open_sites.tolist() == [1]
    assert result.site_tier.tolist() == [0]
    assert result.assignment.tolist() == [-1, 1, 1, -1]
    assert result.covered_supply_t == 5.0
    assert result.weighted_time == 80.0
    assert result.unserved_reason == (REASON_FULL, None, None, REASON_FULL)
    # the upgrade to big costs 2 more, 1 is left
    assert result.binding == ("store count (=1)", "budget (1 of 2 yuan)", "capacity at 1 site")
    assert [stage.name for stage in result.stages] == ["coverage", "time"]
    assert_proven(result)


def test_higher_weighted_coverage_beats_shorter_trips() -> None:
    # d3 is a poor village (weight 3): {d0, d3} scores 1 + 12 = 13 against 5 for {d1, d2}.
    # Among the 13s: s2 1*60 + 4*10 = 100, s1 160, s0 250. The time stage must not trade
    # that coverage for s1's 80 t*s.
    problem = base(
        weight=np.array([1.0, 1.0, 1.0, 3.0]),
        tiers=(SMALL, BIG),
        budget_yuan=2.0,
        objective="coverage_then_time",
    )
    result = solve_cpsat(problem)
    assert result.stages[0].objective == 13.0
    assert result.assignment.tolist() == [2, -1, -1, 2]
    assert result.weighted_time == 100.0
    assert_proven(result)


def test_zero_weight_supply_is_still_served_when_there_is_room() -> None:
    # d0 has weight 0: stage 1 ignores it (9 weighted t from d1..d3 at any site). Dropping it
    # would save 1*40 s at s1 (200 instead of 240), but unserved weight-0 supply costs
    # P = 60 + 1 s per tonne, so stage 2 keeps it: s1 serving everyone, 240.
    problem = base(weight=np.array([0.0, 1.0, 1.0, 1.0]), objective="coverage_then_time")
    result = solve_cpsat(problem)
    assert result.assignment.tolist() == [1, 1, 1, 1]
    assert result.weighted_time == 240.0
    assert_proven(result)


def test_unserved_reasons_and_zero_supply() -> None:
    # d4 (1 t) has no arc; d5 (1 t) reaches only s3, which is excluded; d6 has no supply and
    # reaches s1 (7 s) and s2 (3 s): it joins the open store s1 without using capacity.
    demand = np.array([0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 5, 6, 6])
    site = np.array([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 3, 1, 2])
    time_s = np.append(TIMES_S.ravel(), [5, 7, 3])
    problem = LocationProblem(
        supply_t=np.array([1.0, 2.0, 3.0, 4.0, 1.0, 1.0, 0.0]),
        weight=np.ones(7),
        arc_demand=demand,
        arc_site=site,
        arc_time_s=time_s,
        n_sites=4,
        tiers=(SMALL, BIG),
        n_stores=1,
        budget_yuan=2.0,
        excluded_sites=(3,),
    )
    result = solve_cpsat(problem)
    assert result.assignment.tolist() == [-1, 1, 1, -1, -1, -1, 1]
    assert result.access_time_s[6] == 7
    assert result.load_t.tolist() == [5.0]
    assert result.unserved_reason == (
        REASON_FULL,
        None,
        None,
        REASON_FULL,
        REASON_NO_SITE,
        REASON_NO_STORE,
        None,
    )
    assert "access time (2 demand points)" in result.binding


# ------------------------------------------------------------------------- infeasibility


def test_time_objective_infeasible_by_capacity() -> None:
    # 3 + 3 + 3 + 1 = 10 t fits two 5 t stores in total, but no village can be split:
    # the three 3 t villages need three stores.
    problem = base(supply_t=np.array([3.0, 3.0, 3.0, 1.0]), n_stores=2, tiers=(SMALL,))
    with pytest.raises(InfeasibleError) as caught:
        solve_cpsat(problem)
    assert caught.value.reasons[0].startswith("store capacity")


def test_time_objective_infeasible_by_budget() -> None:
    # Same villages: one big store (subsidy 3) plus a small one (1) would do, but the
    # budget of 2 pays only two small stores.
    problem = base(
        supply_t=np.array([3.0, 3.0, 3.0, 1.0]), n_stores=2, tiers=(SMALL, BIG), budget_yuan=2.0
    )
    with pytest.raises(InfeasibleError) as caught:
        solve_cpsat(problem)
    assert caught.value.reasons[0].startswith("budget: 2 yuan of subsidy cannot pay")


def test_time_objective_infeasible_by_access_time() -> None:
    # d0 reaches only s0, d3 only s2: one store cannot serve both.
    problem = base()
    keep = ~(
        ((problem.arc_demand == 0) & (problem.arc_site != 0))
        | ((problem.arc_demand == 3) & (problem.arc_site != 2))
    )
    problem = dataclasses.replace(
        problem,
        arc_demand=problem.arc_demand[keep],
        arc_site=problem.arc_site[keep],
        arc_time_s=problem.arc_time_s[keep],
    )
    with pytest.raises(InfeasibleError) as caught:
        solve_cpsat(problem)
    assert caught.value.reasons[0].startswith("access time and store count")


# ------------------------------------------------------------------------ county quotas



def test_county_minimum_opens_a_store_in_the_county() -> None:
    # A needs one store: {s0, s2} = 180 beats {s0, s1} = 210 (module docstring)
    result = solve_cpsat(base(n_stores=2, group_min=(1, 0), group_max=(None, None),
                                 **COUNTIES))
    assert result.open_sites.tolist() == [0, 2]
    assert result.weighted_time == 180.0
    assert "county quota: at minimum in 1 (A)" in result.binding
    assert_proven(result)


def test_county_maximum_keeps_the_second_store_out() -> None:
    # B may hold one store: again {s0, s2}; without quotas {s1, s2} = 160 wins
    result = solve_cpsat(base(n_stores=2, group_min=(0, 0), group_max=(None, 1),
                                 **COUNTIES))
    assert result.open_sites.tolist() == [0, 2]
    assert "county quota: at maximum in 1 (B)" in result.binding
    free = solve_cpsat(base(n_stores=2, group_min=(0, 0), group_max=(None, None),
                               **COUNTIES))
    assert free.open_sites.tolist() == [1, 2]
    assert not any(b.startswith("county quota") for b in free.binding)


# ------------------------------------------------------------------------- determinism


def random_problem(seed: int) -> LocationProblem:
    """60 villages, 12 sites, 5 stores, 2 tiers, a binding budget; solved to optimality.

    (With 100 t / 300 t tiers the same villages bind capacity too, and CP-SAT no longer
    proves the bin-packing-like optimum within seconds; the plan then depends on timing.)
    """
    rng = np.random.default_rng(seed)
    village = rng.uniform(0, 30_000, size=(60, 2))
    site = rng.uniform(0, 30_000, size=(12, 2))
    time_s = np.rint(np.linalg.norm(village[:, None] - site[None], axis=2) / 10).astype(int)
    demand, near = np.nonzero(time_s <= 1_500)
    tiers = (StoreTier("200 t", 200, 6e5, 3e5), StoreTier("500 t", 500, 1.5e6, 8e5))
    return LocationProblem(
        supply_t=rng.uniform(5, 30, 60),
        weight=np.where(rng.random(60) < 0.3, 2.0, 1.0),
        arc_demand=demand,
        arc_site=near,
        arc_time_s=time_s[demand, near],
        n_sites=12,
        tiers=tiers,
        n_stores=5,
        budget_yuan=2.5e6,
        time_limit_s=10.0,
        seed=7,
    )


def test_same_problem_same_plan() -> None:
    first, second = (solve_cpsat(random_problem(3)) for _ in range(2))
    assert first.open_sites.tolist() == second.open_sites.tolist()
    assert first.site_tier.tolist() == second.site_tier.tolist()
    assert first.assignment.tolist() == second.assignment.tolist()
    assert first.objective == second.objective
    assert first.status == "OPTIMAL"  # so the plan does not depend on the time limit
    assert first.binding[:2] == ("store count (=5)", "budget (2,500,000 of 2,500,000 yuan)")


def test_result_arrays_are_read_only() -> None:
    result = solve_cpsat(base())
    with pytest.raises(ValueError):
        result.assignment[0] = 2
