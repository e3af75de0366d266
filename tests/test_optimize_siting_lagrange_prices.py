"""The congestion-priced interchange of the Lagrangian engine (lagrange_prices)."""

from __future__ import annotations

import numpy as np

from optimize.siting.lagrange import lagrange_instance
from optimize.siting.lagrange_bound import LagrangeInstance
from optimize.siting.lagrange_plans import ArcLists, WorkPlan, build_plan, plan_value
from optimize.siting.lagrange_prices import priced_plans
from optimize.siting.lagrange_swap import interchange_plan
from optimize.siting.problem import LocationProblem, StoreTier

XS = np.array([0, 1, 2, 10, 15, 20])  # villages on a line, each one a site
SUPPLY_T = np.array([2.0, 2.0, 2.0, 1.0, 1.0, 1.0])


def crowded_left() -> LocationProblem:
    """Three stores of 4 t; the left cluster (0, 1, 2: 6 t) needs two of them.

    Capacities aside, {1, 10, 20} is optimal (2 + 2 + 5 = 9 t*s), but store 1 holds only
    4 t: one left village drives 8 s to store 10 (2 t x 8 s), so that plan costs 2 + 16 + 5
    = 23 t*s. The capacitated optimum is 12 t*s: {0, 2, 15} (village 1 to 0 or 2: 2 t x 1
    s; villages 10 and 20 to 15: 5 + 5), or {0, 1, 15} / {1, 2, 15} at the same value.
    """
    dem, site = np.divmod(np.arange(36), 6)
    return LocationProblem(
        supply_t=SUPPLY_T, weight=np.ones(6), arc_demand=dem, arc_site=site,
        arc_time_s=np.abs(XS[dem] - XS[site]), n_sites=6,
        tiers=(StoreTier("4 t", 4.0, 0.0, 0.0),), n_stores=3, objective="time",
        engine="lagrange", site_demand=np.arange(6))


def start(opened: list[int]) -> tuple[LagrangeInstance, ArcLists, WorkPlan]:
    inst = lagrange_instance(crowded_left())
    arcs = ArcLists(inst)
    tier = np.full(6, -1)
    tier[opened] = 0
    return inst, arcs, build_plan(inst, arcs, tier)


def test_prices_move_a_store_into_the_crowded_cluster() -> None:
    inst, arcs, bad = start([1, 3, 5])
    assert plan_value(inst, bad) == 100 * 23  # model units: 0.01 t x s
    # the capacities-aside interchange sees nothing to gain
    assert interchange_plan(inst, arcs, bad, np.zeros((6, 1))) is None
    value, work, better, _ = priced_plans(inst, arcs, bad, plan_value(inst, bad),
                                       np.zeros((6, 1)))
    assert better >= 1
    assert value == plan_value(inst, work) == 100 * 12
    opened = np.flatnonzero(work.tier >= 0).tolist()
    assert opened in ([0, 2, 4], [0, 1, 4], [1, 2, 4])


def test_an_optimal_plan_is_kept() -> None:
    inst, arcs, good = start([0, 2, 4])
    assert plan_value(inst, good) == 100 * 12
    value, work, better, _ = priced_plans(inst, arcs, good, plan_value(inst, good),
                                       np.zeros((6, 1)))
    assert (value, better) == (100 * 12, 0)
    assert work is good


def test_same_start_same_plan() -> None:
    runs = []
    for _ in range(2):
        inst, arcs, bad = start([1, 3, 5])
        value, work, _, _ = priced_plans(inst, arcs, bad, plan_value(inst, bad),
                                      np.zeros((6, 1)))
        runs.append((value, work.tier.tolist(), list(work.at)))
    assert runs[0] == runs[1]
