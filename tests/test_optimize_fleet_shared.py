"""The shared fleet's packing (optimize.fleet.shared) on hand-checkable days."""

from __future__ import annotations

import numpy as np

from optimize.fleet.shared import Job, plan_fleet_day

#: Two stores 600 s apart by empty drive.
DRIVE_S = np.array([[0, 600], [600, 0]])


def test_most_productive_trip_first_and_neighbour_chained() -> None:
    # A1: 3 t in 1800 s (6 t/h) goes first and opens the truck at store 0; B1 (1 t in
    # 1200 s) then adds 600 + 1200 + 600 = 2400 s: 1800 + 2400 = 4200 s fits the shift.
    jobs = [Job("B1", 1, 1200, 1.0), Job("A1", 0, 1800, 3.0)]
    day = plan_fleet_day(jobs, DRIVE_S, n_trucks=1, shift_s=4200)
    assert day.dropped == () and day.idle == 0
    (truck,) = day.trucks
    assert truck.base == 0 and truck.work_s == 4200
    assert set(truck.jobs) == {"A1", "B1"}
    assert [leg[2] for leg in truck.legs] in ([600, 600, 0], [0, 600, 600])
    # each job leaves after the previous one ends plus the drive between their stores
    assert truck.starts_s in ((600, 2400), (0, 2400))


def test_fleet_full_drops_the_least_productive_trip_with_the_bound() -> None:
    jobs = [Job("B1", 1, 1200, 1.0), Job("A1", 0, 1800, 3.0)]
    day = plan_fleet_day(jobs, DRIVE_S, n_trucks=1, shift_s=4199)
    assert day.dropped == ("B1",)
    assert day.idle == 0 and day.idle_reason == ""
    assert day.dropped_reason.startswith("fleet capacity reached: all 1 trucks are in use")
    assert "0.3 more truck-hours" in day.dropped_reason  # 1200 s left


def test_no_truck_idle_while_a_trip_is_dropped() -> None:
    # three 3000 s jobs at one store, shift 3600 s: one truck each
    jobs = [Job(f"A{k}", 0, 3000, 2.0) for k in range(3)]
    day = plan_fleet_day(jobs, DRIVE_S, n_trucks=5, shift_s=3600)
    assert len(day.trucks) == 3 and day.dropped == ()
    assert day.idle == 2 and day.idle_reason.startswith("no trip left")
    short = plan_fleet_day(jobs, DRIVE_S, n_trucks=2, shift_s=3600)
    assert len(short.trucks) == 2 and short.idle == 0 and short.dropped == ("A2",)


def test_store_beyond_reach_gets_its_own_truck() -> None:
    far = np.array([[0, 5000], [5000, 0]])
    jobs = [Job("A1", 0, 1000, 3.0), Job("B1", 1, 1000, 1.0)]
    day = plan_fleet_day(jobs, far, n_trucks=2, shift_s=28800, reach_s=3600)
    assert [t.base for t in day.trucks] == [0, 1]
    assert [t.jobs for t in day.trucks] == [("A1",), ("B1",)]


def test_same_jobs_same_packing() -> None:
    rng = np.random.default_rng(3)
    drive = rng.integers(0, 1800, size=(6, 6))
    drive = np.minimum(drive, drive.T)
    np.fill_diagonal(drive, 0)
    jobs = [Job(f"J{k}", int(rng.integers(6)), int(rng.integers(1800, 9000)),
                float(rng.uniform(0.5, 3))) for k in range(40)]
    a = plan_fleet_day(jobs, drive, 8, 28800)
    b = plan_fleet_day(list(reversed(jobs)), drive, 8, 28800)
    assert a == b
    assert a.trucks and all(t.work_s <= 28800 for t in a.trucks)


def test_local_improvement_refills_two_trucks_without_gaps() -> None:
    # one store, two 10 h trucks; by tonnes per hour the greedy takes 5a, 4, 3a, 3b, 5b:
    # 5a+4 = 9 h, 3a+3b = 6 h, and 5b fits neither; refilled longest first the pair holds
    # 5a+5b and 4+3a+3b, all 25 h of jobs
    one = np.zeros((1, 1), dtype=int)
    jobs = [Job("5a", 0, 5, 5.0), Job("4", 0, 4, 3.9), Job("3a", 0, 3, 2.9),
            Job("3b", 0, 3, 2.9), Job("5b", 0, 5, 4.8)]
    day = plan_fleet_day(jobs, one, n_trucks=2, shift_s=10)
    assert day.dropped == () and day.idle == 0
    assert sorted(sorted(t.jobs) for t in day.trucks) == [["3a", "3b", "4"], ["5a", "5b"]]
    assert [t.work_s for t in day.trucks] == [10, 10]
