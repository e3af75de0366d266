"""Siting specifications that cannot work are rejected before solving, with every reason.

Instances: the paper instance of ``tests/siting_cases.py``.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from tests.siting_cases import BIG, COUNTIES, SMALL, base, reasons_of


def test_valid_problem_passes() -> None:
    assert reasons_of(base()) == []


def test_required_sites_above_store_count() -> None:
    assert reasons_of(base(required_sites=(0, 2))) == ["2 required sites exceed n_stores = 1"]


def test_budget_below_cheapest_tiers_names_the_numbers() -> None:
    reasons = reasons_of(base(n_stores=2, tiers=(SMALL, BIG), budget_yuan=1.5))
    assert reasons == [
        "budget 1.50 yuan is below 2 stores x the cheapest tier 'small' subsidy 1 yuan = 2 yuan"
    ]


def test_serve_all_objectives_name_unreachable_points_and_missing_capacity() -> None:
    problem = base(supply_t=np.array([1.0, 2.0, 3.0, 40.0]))
    problem = dataclasses.replace(
        problem,
        arc_demand=problem.arc_demand[3:],
        arc_site=problem.arc_site[3:],
        arc_time_s=problem.arc_time_s[3:],
    )
    assert reasons_of(problem) == [
        "demand points [0] have no arc to a site that is not excluded; "
        "objective 'time' must serve every demand point",
        "total supply 46.00 t exceeds 1 stores x the largest tier 'big' (20.00 t) = 20.00 t",
    ]
    # coverage may leave them unserved
    assert reasons_of(dataclasses.replace(problem, objective="coverage_then_time")) == []


def test_shapes_indices_and_signs() -> None:
    bad_index = base(arc_site=np.where(np.arange(12) == 5, 7, base().arc_site))
    assert reasons_of(bad_index) == ["arc_site out of range [0, 3) at positions [5]"]
    bad_shape = base(weight=np.ones(3))
    assert reasons_of(bad_shape)[0].startswith("supply_t and weight must be 1-D")
    negative = base(supply_t=np.array([1.0, -2.0, 3.0, 4.0]), objective="coverage_then_time")
    assert reasons_of(negative) == ["supply_t is negative or not finite at demand points [1]"]
    unknown = base(objective="fastest")
    assert "objective 'fastest' is not one of" in reasons_of(unknown)[0]


def test_county_quotas_that_cannot_work_are_named() -> None:
    above = base(n_stores=2, group_min=(2, 0), group_max=(None, None), **COUNTIES)
    assert reasons_of(above) == ["quota of A: minimum 2 stores is above its 1 candidate "
                                 "sites not excluded"]
    crowded = base(n_stores=2, group_min=(1, 2), group_max=(None, None), **COUNTIES)
    assert reasons_of(crowded) == ["county minimums (with required sites) add up to 3 "
                                   "stores, above n_stores = 2"]
    tight = base(n_stores=3, group_min=(0, 0), group_max=(1, 1), **COUNTIES)
    assert reasons_of(tight) == ["county maximums allow at most 2 stores, below n_stores = 3"]
    forced = base(n_stores=2, required_sites=(1, 2), group_min=(0, 0), group_max=(None, 1),
                  **COUNTIES)
    assert reasons_of(forced) == ["quota of B: 2 required sites exceed its maximum of 1 stores"]
    ragged = base(site_group=np.array([0, 1, 1]), group_names=("A",), group_min=(1, 0),
                  group_max=(None,))
    assert reasons_of(ragged)[0].startswith("group_min (2), group_max (1) and group_names (1)")
    outside = base(site_group=np.array([0, 5, 1]), group_names=("A", "B"), group_min=(0, 0),
                   group_max=(None, None))
    assert reasons_of(outside) == ["site_group out of range [-1, 2) at sites [1]"]


def test_wall_safety_must_be_positive() -> None:
    assert reasons_of(base(wall_safety=0.0)) == ["wall_safety must be > 0, got 0.0"]
    assert reasons_of(base(wall_safety=10.0)) == []


def test_split_demand_fields_need_split_demand_and_the_mip_engine_needs_them() -> None:
    fixed = base(site_fixed_cost_yuan=np.zeros(3), arc_cost_yuan=np.zeros(12))
    assert reasons_of(fixed) == [
        "site_fixed_cost_yuan is only used when split_demand is True",
        "arc_cost_yuan is only used when split_demand is True",
    ]
    assert reasons_of(base(engine="mip")) == [
        "engine 'mip' solves split-demand problems only (split_demand is False)"]


def test_split_demand_settings_and_shapes_are_named() -> None:
    wrong = base(split_demand=True, objective="time", engine="cpsat",
                 site_capacity_t=np.ones(2))
    assert reasons_of(wrong) == [
        "split_demand needs objective 'cost', got 'time'",
        "split_demand needs engine 'auto' or 'mip', got 'cpsat'",
        "split_demand needs arc_cost_yuan (one cost per arc)",
        "site_capacity_t must have shape (3,)",
    ]
    short = base(split_demand=True, objective="cost", arc_cost_yuan=np.ones(11))
    assert reasons_of(short) == ["arc_cost_yuan must have shape (12,)"]


def test_split_demand_values_and_capacity_are_named() -> None:
    split = {"split_demand": True, "objective": "cost", "tiers": (BIG,)}
    costs = np.ones(12)
    costs[[4, 9]] = [-1.0, np.nan]
    bad = base(arc_cost_yuan=costs, site_fixed_cost_yuan=np.array([0.0, np.inf, 1.0]),
               site_capacity_t=np.array([1.0, 0.0, 5.0]), **split)
    assert reasons_of(bad) == [
        "arc_cost_yuan is negative or not finite at arcs [4, 9]",
        "site_fixed_cost_yuan is negative or not finite at sites [1]",
        "site_capacity_t is not positive and finite at sites [1]",
    ]
    # 10 t of supply; one store (n_stores = 1) of at most 6 t at site 2
    small = base(arc_cost_yuan=np.ones(12), site_capacity_t=np.array([4.0, 3.0, 6.0]),
                 **split)
    assert reasons_of(small) == [
        "total supply 10.00 t exceeds the 1 largest site capacities (site_capacity_t, at "
        "most the largest tier) = 6.00 t"]
    two = dataclasses.replace(small, n_stores=2)
    assert reasons_of(two) == []
    assert reasons_of(dataclasses.replace(two, excluded_sites=(2,))) == [
        "total supply 10.00 t exceeds the 2 largest site capacities (site_capacity_t, at "
        "most the largest tier) = 7.00 t"]


def test_a_scenario_cannot_choose_the_split_demand_engine() -> None:
    from optimize.siting.problem import ENGINES, SPLIT_ENGINES

    # scenarios validate siting_engine against ENGINES; their problems are single-source
    assert "mip" not in ENGINES and SPLIT_ENGINES == ("mip",)
    assert reasons_of(base(engine="simplex")) == [
        "engine 'simplex' is not one of ('auto', 'cpsat', 'lagrange', 'median', 'mip')"]
