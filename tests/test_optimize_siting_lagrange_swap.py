"""The interchange stage of the Lagrangian engine: proposes better sites, keeps group limits."""

from __future__ import annotations

import dataclasses

import numpy as np

from optimize.siting.lagrange import lagrange_instance
from optimize.siting.lagrange_bound import LagrangeInstance
from optimize.siting.lagrange_plans import ArcLists, WorkPlan, build_plan, plan_value
from optimize.siting.lagrange_swap import interchange_plan
from optimize.siting.problem import LocationProblem, StoreTier

TIER = StoreTier("t", capacity_t=4.0, build_cost_yuan=0.0, subsidy_yuan=0.0)


def line(**changes: object) -> LocationProblem:
    """Six villages at x = 0, 1, 2, 10, 11, 12 (1 t each), every village a site, times
    |x_i - x_j| s, two stores of 4 t: the optimum opens 1 and 4 (4 t*s)."""
    xs = np.array([0, 1, 2, 10, 11, 12])
    dem, site = np.divmod(np.arange(36), 6)
    problem = LocationProblem(
        supply_t=np.ones(6), weight=np.ones(6), arc_demand=dem, arc_site=site,
        arc_time_s=np.abs(xs[dem] - xs[site]), n_sites=6, tiers=(TIER,), n_stores=2,
        objective="time", engine="lagrange", site_demand=np.arange(6))
    return dataclasses.replace(problem, **changes)  # type: ignore[arg-type]


def start(problem: LocationProblem, opened: list[int]
          ) -> tuple[LagrangeInstance, ArcLists, WorkPlan]:
    """The engine's instance and arc lists, and the plan built on the ``opened`` sites."""
    inst = lagrange_instance(problem)
    arcs = ArcLists(inst)
    tier = np.full(6, -1)
    tier[opened] = 0
    return inst, arcs, build_plan(inst, arcs, tier)


def test_the_stage_moves_a_bad_store_to_the_other_cluster() -> None:
    inst, arcs, bad = start(line(), [0, 1])  # both stores in the left cluster
    # capacity 4 t: store 0 serves 0 and 1, store 1 serves 2-5 (0.01 t units x s)
    assert plan_value(inst, bad) == 100 * (0 + 1 + 1 + 9 + 10 + 11)
    work = interchange_plan(inst, arcs, bad, np.zeros((6, 1)))
    assert work is not None
    assert np.flatnonzero(work.tier >= 0).tolist() == [1, 4]
    assert plan_value(inst, work) == 100 * 4


def test_a_proposal_that_breaks_a_group_limit_is_dropped() -> None:
    # sites 0-2 form group 0 with at least 2 stores: moving one to the right breaks it
    grouped = line(site_group=np.array([0, 0, 0, -1, -1, -1]), group_min=(2,),
                   group_max=(None,), group_names=("left",))
    inst, arcs, bad = start(grouped, [0, 1])
    assert interchange_plan(inst, arcs, bad, np.zeros((6, 1))) is None


def test_an_optimal_plan_gets_no_proposal() -> None:
    inst, arcs, good = start(line(), [1, 4])
    assert interchange_plan(inst, arcs, good, np.zeros((6, 1))) is None
