"""The proven fleet bound (optimize.fleet.bound): hand-checked cases and brute force."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from optimize.fleet.bound import (
    LOWER_NOTE,
    FleetBound,
    bound_items,
    cheapest_arrivals_s,
    collectable_upper_t,
    max_stops,
    min_seconds_for_t,
    pickup_costs_s,
    shortest_arc_s,
    store_return_s,
    trucks_lower,
)

# node 0 the store, nodes 1-3 villages A, B, C (seconds)
TIME_S = np.array([[0, 1000, 1200, 3000],
                   [1000, 0, 400, 2500],
                   [1200, 400, 0, 2200],
                   [3000, 2500, 2200, 0]])
SERVICE_S, UNLOAD_S, LIMIT_S, CAP_T = 600, 900, 3600, 3.0


def test_max_stops_by_freshness_and_by_shift() -> None:
    # 600 k + 300 (k - 1) + 1200 <= 7200 -> 900 k <= 6300 -> 7
    assert max_stops(600, 300, 1200, 7200, 28800) == 7
    assert max_stops(600, 300, 1200, 7200, 3000) == 5  # 5 x 600 <= 3000
    assert max_stops(600, 300, 7000, 7200, 28800) == 1  # not even one stop: 1 (valid)
    # a store with one pickup: no arc between two (found on the Gansu stores)
    one = np.array([1])
    assert shortest_arc_s(TIME_S, one) == math.inf
    assert max_stops(600, shortest_arc_s(TIME_S, one), 1200, 7200, 28800) == 1


def test_store_figures_of_the_tiny_store() -> None:
    villages = np.array([0, 1, 2])
    assert store_return_s(TIME_S, villages) == 1000
    assert shortest_arc_s(TIME_S, villages) == 400
    assert shortest_arc_s(TIME_S, np.array([0, 1, 1])) == 0  # B has two parts
    # A: from B 400; B: from A 400; C: from B 2200 (the store is 3000, stores 2900)
    arrive = cheapest_arrivals_s(TIME_S, villages, np.array([1000, 1200, 2900]))
    assert arrive.tolist() == [400, 400, 2200]
    # a village of two parts arrives at its second part in 0 s; another store may be nearer
    arrive = cheapest_arrivals_s(TIME_S, np.array([2, 2, 0]), np.array([50, 1200, 2900]))
    assert arrive.tolist() == [0, 0, 50]


def test_one_linear_share_per_store_the_larger_in_total() -> None:
    # loads 2 + 1.5 + 1 = 4.5 t -> 1.5 trucks by load; 3 stops / kmax 3 -> 1 by stops
    cost = pickup_costs_s(np.array([2.0, 1.5, 1.0]), np.array([400, 400, 2200]),
                          service_s=SERVICE_S, unload_s=UNLOAD_S, return_s=1000,
                          capacity_t=CAP_T, kmax=3)
    assert cost == pytest.approx([600 + 400 + 1900 * 2 / 3, 600 + 400 + 1900 * 0.5,
                                  600 + 2200 + 1900 / 3])
    # light loads: 3 x 0.1 t is 0.1 truck by load, 1.5 trips by stops (kmax 2)
    cost = pickup_costs_s(np.full(3, 0.1), np.zeros(3), service_s=600, unload_s=900,
                          return_s=1000, capacity_t=3.0, kmax=2)
    assert cost == pytest.approx([600 + 1900 / 2] * 3)


def test_fractional_knapsack_and_its_reverse() -> None:
    # by tonnes per second: 2 t / 100 s, 1 t / 100 s, then 3 t / 600 s taken for 200 s
    assert collectable_upper_t([2.0, 1.0, 3.0], [100, 100, 600], 400) == pytest.approx(4.0)
    assert collectable_upper_t([2.0, 1.0, 3.0], [100, 100, 600], 10_000) == pytest.approx(6.0)
    assert min_seconds_for_t([2.0, 1.0, 3.0], [100, 100, 600], 3.5) == pytest.approx(300)
    assert trucks_lower([2.0, 1.0, 3.0], [100, 100, 600], 3.5, 250) == 2  # 300 / 250
    assert min_seconds_for_t([2.0, 1.0, 3.0], [100, 100, 600], 6.5) is None
    assert trucks_lower([2.0], [100], 6.5, 250) is None


def test_season_kpis_of_a_bound() -> None:
    items = tuple(bound_items(["A", "B", "C"], [2.0, 1.5, 1.0],
                              [2266.67, 1950.0, 3433.34], [400, 400, 2200]))
    assert items[0] == ("A", 2.0, 2266, 400)  # seconds rounded down
    k = FleetBound(items, trucks=1, shift_s=4000, needed_t=5.0, target_pct=95.0).kpis()
    # A whole (2266 s), then B for the 1734 s left: 1.5 x 1734 / 1950
    assert k["collectable_upper_t"] == pytest.approx(2.0 + 1.5 * 1734 / 1950, abs=1e-3)
    assert k["collectable_upper_pct"] == pytest.approx(66.68)  # 3.3338 of 5 t
    # 95 % of 5 t = 4.75 t > 4.5 t collectable at all
    assert k["trucks_for_target_lower"] is None
    assert k["trucks_for_target_lower_note"].startswith("no fleet reaches the target: at "
                                                        "most 90.0 per cent")
    k = FleetBound(items, trucks=1, shift_s=4000, needed_t=4.5, target_pct=50.0).kpis()
    # 2.25 t: A (2266 s) + 0.25 t of B (325 s) = 2591 s -> 1 truck of 4000 s
    assert k["trucks_for_target_lower"] == 1 and k["trucks_for_target_lower_note"] == LOWER_NOTE
    assert k["fleet_bound"]["hours_s"] == 4000 and len(k["fleet_bound"]["items"]) == 3


def _trip_times(time_s: np.ndarray, stops: tuple[int, ...], villages: list[int],
                load: list[float], limit_s: list[int], shift_s: int) -> int | None:
    """A one-store trip's duration (from the store to the end of unloading), or None when
    it breaks the load, a freshness limit or the shift."""
    if sum(load[p] for p in stops) > CAP_T + 1e-9:
        return None
    nodes = [0, *(villages[p] + 1 for p in stops), 0]
    arrive, t = [], 0
    for a, b in itertools.pairwise(nodes[:-1]):
        t += int(time_s[a, b])
        arrive.append(t)
        t += SERVICE_S
    back = t + int(time_s[nodes[-2], 0])
    if any(back - a > limit_s[p] for a, p in zip(arrive, stops, strict=True)):
        return None
    return back + UNLOAD_S if back + UNLOAD_S <= shift_s else None


def _brute(time_s: np.ndarray, villages: list[int], load: list[float],
           limit_s: list[int], shift_s: int) -> tuple[float, list[tuple[int, set[int]]]]:
    """The most tonnes one truck collects (every set of disjoint trips within the shift)
    and every feasible truck-day as (seconds, pickups)."""
    n = len(villages)
    trips = [(d, set(s)) for k in range(1, n + 1) for s in itertools.permutations(range(n), k)
             if (d := _trip_times(time_s, s, villages, load, limit_s, shift_s)) is not None]
    days: list[tuple[int, set[int]]] = [(0, set())]
    for d, s in trips:
        days += [(t + d, got | s) for t, got in days if not got & s and t + d <= shift_s]
    best = max(sum(load[p] for p in got) for _, got in days)
    return best, days


def _costs(time_s: np.ndarray, villages: list[int], load: list[float],
           limit_s: list[int], shift_s: int) -> np.ndarray:
    v = np.array(villages)
    ret = store_return_s(time_s, v)
    kmax = max_stops(SERVICE_S, shortest_arc_s(time_s, v), ret, max(limit_s), shift_s)
    arrive = cheapest_arrivals_s(time_s, v, time_s[0, 1:])  # the only store
    return pickup_costs_s(np.array(load), arrive, service_s=SERVICE_S, unload_s=UNLOAD_S,
                          return_s=ret, capacity_t=CAP_T, kmax=kmax)


def test_the_tiny_store_by_brute_force() -> None:
    load, limits = [2.0, 1.5, 1.0], [LIMIT_S] * 3
    best, days = _brute(TIME_S, [0, 1, 2], load, limits, 4000)
    assert best == 2.0  # every trip is one stop; A (3500 s) or B (3900 s) fits 4000 s
    cost = _costs(TIME_S, [0, 1, 2], load, limits, 4000)
    assert cost == pytest.approx([600 + 400 + 1900 * 2 / 3, 600 + 400 + 950,
                                  600 + 2200 + 1900 / 3])
    upper = collectable_upper_t(load, cost, 4000)
    assert best <= upper == pytest.approx(2.0 + 1.5 * (4000 - cost[0]) / cost[1])
    assert len(days) > 1
    assert all(t >= sum(cost[p] for p in got) - 1e-6 for t, got in days)


@pytest.mark.parametrize("seed", range(12))
def test_no_plan_beats_the_bound_on_random_stores(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 4
    xy = rng.uniform(0, 40, size=(n + 1, 2))  # minutes apart (a metric: triangle holds)
    time_s = np.rint(np.hypot(*(xy[:, None] - xy[None, :]).transpose(2, 0, 1)) * 60)
    villages = [0, 1, 1, 2, 3][:n] if seed % 2 else list(range(n))
    load = [round(float(x), 2) for x in rng.uniform(0.2, 3.0, size=n)]
    limits = [int(x) for x in rng.choice([3600, 5400, 7200], size=n)]
    shift = int(rng.choice([5000, 9000, 14000]))
    best, days = _brute(time_s, villages, load, limits, shift)
    cost = _costs(time_s, villages, load, limits, shift)
    assert len(days) >= 1
    assert all(t >= sum(cost[p] for p in got) - 1e-6 for t, got in days)
    assert best <= collectable_upper_t(load, cost, shift) + 1e-9
    goal = best * 0.999
    assert goal == 0 or trucks_lower(load, cost, goal, shift) == 1
    assert math.isfinite(float(cost.sum()))
