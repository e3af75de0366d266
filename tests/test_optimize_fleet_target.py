"""How many trucks reach the collection target (optimize.fleet.target), by hand.

Every job here is a 3000 s trip at store 0 and a shift is 6000 s, so a truck drives
exactly two trips: with ``n`` trucks the packer keeps ``min(2 n, jobs)`` trips.
"""

from __future__ import annotations

import numpy as np
import pytest

from optimize.fleet import target
from optimize.fleet.shared import FleetDay, Job, plan_fleet_day
from optimize.fleet.target import (
    FOUND_NOTE,
    GREEDY_NOTE,
    MET_NOTE,
    TargetFleet,
    search_pack,
    season_target,
    trucks_for_target,
)

DRIVE_S = np.zeros((1, 1), dtype=int)
SHIFT_S = 6000


def jobs_of(n: int) -> list[Job]:
    return [Job(f"J{k}", 0, 3000, 1.0) for k in range(n)]


def counted(jobs: list[Job]) -> tuple[list[int], object]:
    """The packer over ``jobs`` and the list of fleet sizes it was asked for."""
    asked: list[int] = []

    def pack(n: int) -> FleetDay:
        asked.append(n)
        return plan_fleet_day(jobs, DRIVE_S, n, SHIFT_S)

    return asked, pack


def test_one_truck_half_two_trucks_all() -> None:
    # 4 trips of 1 t: 1 truck keeps 2 (50 %), 2 trucks keep 4 (100 %) -> 2 for 95 %
    jobs = jobs_of(4)
    assert len(plan_fleet_day(jobs, DRIVE_S, 1, SHIFT_S).dropped) == 2
    asked, pack = counted(jobs)
    got = trucks_for_target(pack, jobs, 1, SHIFT_S, needed_t=4.0, routed_t=2.0)
    assert got.collected_pct == 50.0 and got.target_pct == 95.0
    assert got.trucks_for_target == 2 and got.note == FOUND_NOTE
    assert asked == [2] and got.packs == 1


def test_doubling_then_bisection_finds_the_smallest_fleet() -> None:
    # 10 trips: n trucks keep 2n t of 10 t. 95 % needs all 10 -> 5 trucks; the search
    # asks 2 (40 %), 4 (80 %), 8 (100 %), then bisects 6 (yes), 5 (yes).
    jobs = jobs_of(10)
    asked, pack = counted(jobs)
    got = trucks_for_target(pack, jobs, 1, SHIFT_S, needed_t=10.0, routed_t=2.0)
    assert got.trucks_for_target == 5 and asked == [2, 4, 8, 6, 5]
    # 80 % needs 8 t -> 4 trucks
    asked, pack = counted(jobs)
    got = trucks_for_target(pack, jobs, 1, SHIFT_S, needed_t=10.0, routed_t=2.0,
                            target_pct=80.0)
    assert got.trucks_for_target == 4


def test_target_met_by_the_plans_fleet_asks_nothing() -> None:
    jobs = jobs_of(4)
    asked, pack = counted(jobs)
    got = trucks_for_target(pack, jobs, 2, SHIFT_S, needed_t=4.0, routed_t=4.0)
    assert got == TargetFleet(95.0, 100.0, None, MET_NOTE) and asked == []
    assert got.kpis() == {"target_pct": 95.0, "trucks_for_target": None,
                          "trucks_for_target_note": MET_NOTE}


def test_unreachable_when_trips_alone_fall_short() -> None:
    # 2 t of trips but 4 t need a truck (2 t have no trip): at most 50 % with any fleet
    jobs = jobs_of(2)
    asked, pack = counted(jobs)
    got = trucks_for_target(pack, jobs, 0, SHIFT_S, needed_t=4.0, routed_t=0.0)
    assert got.trucks_for_target is None and asked == []
    assert got.note.startswith("not reachable by adding trucks: with one truck per trip "
                               "at most 50.0 per cent")


def test_a_trip_longer_than_the_shift_counts_as_never_kept() -> None:
    jobs = [*jobs_of(1), Job("long", 0, SHIFT_S + 1, 9.0)]
    asked, pack = counted(jobs)
    got = trucks_for_target(pack, jobs, 1, SHIFT_S, needed_t=10.0, routed_t=1.0)
    assert got.trucks_for_target is None and "10.0 per cent" in got.note


def test_search_pack_is_the_plans_packer_and_season_target_reads_kpis() -> None:
    jobs = jobs_of(10)
    pack, note = search_pack(jobs, DRIVE_S, SHIFT_S)
    assert note == FOUND_NOTE and pack is not None
    assert pack(3).dropped == plan_fleet_day(jobs, DRIVE_S, 3, SHIFT_S).dropped
    kpis = {"daily_truck_needed_t": 10.0, "daily_pickup_routed_t": 6.0}
    assert season_target(jobs, DRIVE_S, 3, SHIFT_S, kpis).trucks_for_target == 5


@pytest.mark.parametrize("target", [0.0, 20.0])
def test_any_share_reaches_a_low_target(target: float) -> None:
    jobs = jobs_of(10)
    got = trucks_for_target(counted(jobs)[1], jobs, 1, SHIFT_S, needed_t=10.0,
                            routed_t=2.0, target_pct=target)
    assert got.trucks_for_target is None and got.note == MET_NOTE


def test_a_large_season_is_searched_with_the_greedy_pass_alone(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # a packer offering improve=False: above FULL_SEARCH_JOBS the search asks for it
    asked: list[tuple[int, bool]] = []

    def packer(jobs: list[Job], drive_s: np.ndarray, n: int, shift_s: int, *,
               reach_s: int, improve: bool = True) -> FleetDay:
        asked.append((n, improve))
        return plan_fleet_day(jobs, drive_s, n, shift_s, reach_s=reach_s)

    monkeypatch.setattr(target, "plan_fleet_day", packer)
    monkeypatch.setattr(target, "FULL_SEARCH_JOBS", 3)
    jobs = jobs_of(4)
    pack, note = search_pack(jobs, DRIVE_S, SHIFT_S)
    assert note == GREEDY_NOTE and pack is not None
    got = trucks_for_target(pack, jobs, 1, SHIFT_S, needed_t=4.0, routed_t=2.0, note=note)
    assert got.trucks_for_target == 2 and got.note.startswith("an upper bound")
    assert asked == [(2, False)]
    monkeypatch.setattr(target, "FULL_SEARCH_JOBS", 4)  # 4 jobs: the full packer
    assert search_pack(jobs, DRIVE_S, SHIFT_S)[1] == FOUND_NOTE
