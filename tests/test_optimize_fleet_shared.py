"""The shared fleet's packing (optimize.fleet.shared) on hand-checkable days."""

from __future__ import annotations

import numpy as np
import pytest

import optimize.fleet.shared as shared
from optimize.fleet.shared import FAR_S, Job, first_leg, plan_fleet_day

#: Two stores 600 s apart by empty drive.
DRIVE_S = np.array([[0, 600], [600, 0]])


def test_most_productive_trip_first_and_neighbour_chained() -> None:
    # A1: 3 t in 1800 s (6 t/h) goes first and opens the truck at store 0; B1 (1 t in
    # 1200 s, no first village known: it drives via its store) then adds
    # 600 + 1200 + 600 = 2400 s: 1800 + 2400 = 4200 s fits the shift.
    jobs = [Job("B1", 1, 1200, 1.0), Job("A1", 0, 1800, 3.0)]
    day = plan_fleet_day(jobs, DRIVE_S, n_trucks=1, shift_s=4200)
    assert day.dropped == () and day.idle == 0
    (truck,) = day.trucks
    assert truck.base == 0 and truck.work_s == 4200
    # ties of added time go to the earlier position: B1 first (600 s to its store), then
    # A1 from B1's store (600 s back), home at once (a 0-s leg)
    assert truck.jobs == ("B1", "A1")
    assert (truck.froms, truck.leads_s, truck.starts_s) == ((0, 1), (600, 600), (0, 1800))
    assert truck.legs == ((0, 0, 0),)


def test_trip_starting_where_the_truck_unloaded_fits_one_more_job() -> None:
    # Stores 0 and 1 are 1800 s apart; B's first village is 300 s from store 0 and 1500 s
    # from its own store 1 (B: 1500 s there, 1500 s of stops, drive back and unloading).
    # A (3000 s, 3 t) opens the truck at store 0. Old model (no lead matrix): B drives
    # empty 1800 s to store 1, then its 3000 s, then 1800 s home: 3000 + 6600 = 9600 s >
    # 7200 s, dropped. Chained: B leaves store 0 for its village (300 s) and runs its
    # 1500 s rest: 1800 s; A then starts from store 1: 1800 s to A's first village (at
    # store 0) and its 3000 s; home at once: 1800 + 4800 = 6600 s <= 7200 s.
    drive = np.array([[0, 1800], [1800, 0]])
    lead = np.array([[0, 300], [1800, 1500]])
    jobs = [Job("A", 0, 3000, 3.0, first=0, lead_s=0),
            Job("B", 1, 3000, 1.0, first=1, lead_s=1500)]
    old = plan_fleet_day(jobs, drive, n_trucks=1, shift_s=7200)
    assert old.dropped == ("B",) and old.trucks[0].jobs == ("A",)
    day = plan_fleet_day(jobs, drive, n_trucks=1, shift_s=7200, lead_s=lead)
    assert day.dropped == () and day.idle == 0
    (truck,) = day.trucks
    assert truck.jobs == ("B", "A") and truck.work_s == 6600
    assert (truck.froms, truck.leads_s, truck.starts_s) == ((0, 1), (300, 1800), (0, 1800))
    assert truck.legs == ((0, 0, 0),)
    # one second less of shift and B no longer fits
    assert plan_fleet_day(jobs, drive, 1, 6599, lead_s=lead).dropped == ("B",)


def test_first_leg_takes_the_shorter_of_direct_and_via_the_store() -> None:
    drive = np.array([[0, 1800], [1800, 0]])
    job = Job("B", 1, 3000, 1.0, first=0, lead_s=1500)
    assert first_leg(1, job, drive, np.array([[300], [1500]])) == (1500, False)  # own
    assert first_leg(0, job, drive, np.array([[300], [1500]])) == (300, True)
    assert first_leg(0, job, drive, np.array([[FAR_S], [1500]])) == (3300, False)
    assert first_leg(0, job, drive, None) == (3300, False)


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


def _seeded_region(seed: int) -> tuple[np.ndarray, list[Job]]:
    """8 stores on a 3 km grid (Manhattan drive seconds), 24 trips of 3000-9000 s."""
    rng = np.random.default_rng(seed)
    points = rng.uniform(0, 3000, size=(8, 2))
    drive = np.rint(np.abs(points[:, None, :] - points[None, :, :]).sum(-1)).astype(int)
    jobs = [Job(f"J{k}", int(rng.integers(8)), int(rng.integers(3000, 9000)),
                round(float(rng.uniform(0.4, 2.5)), 2)) for k in range(24)]
    return drive, jobs


def test_refill_passes_and_six_neighbours_carry_more() -> None:
    # Seed 29: with 3 neighbours and one refill pass the 5 trucks carried 33.63 t of
    # 37.00 t; 6 neighbours and repeated passes carry 35.68 t, every truck-day still
    # within the shift and its time equal to its trips, their first legs from where the
    # truck was (no lead matrix: via each trip's store) and the drive home.
    drive, jobs = _seeded_region(29)
    day = plan_fleet_day(jobs, drive, n_trucks=5, shift_s=28800)
    load = {j.job_id: j for j in jobs}
    assert round(sum(j.load_t for j in jobs), 2) == 37.0
    carried = sum(load[k].load_t for t in day.trucks for k in t.jobs)
    assert round(carried, 2) == 35.68
    assert day.idle == 0 and len(day.trucks) == 5 and day.dropped
    assert sorted(day.dropped + tuple(k for t in day.trucks for k in t.jobs)) == sorted(load)
    for truck in day.trucks:
        assert truck.work_s <= 28800
        assert truck.work_s == sum(load[k].duration_s for k in truck.jobs) + sum(
            drive[a, load[k].store] for a, k in zip(truck.froms, truck.jobs, strict=True)) \
            + sum(leg[2] for leg in truck.legs)
        assert truck.starts_s[0] == 0 and truck.froms[0] == truck.base


def test_chained_packing_is_deterministic_and_keeps_the_invariant() -> None:
    # seeded region with each trip's first village 300-1500 s from its store; every
    # store's lead to it is its drive to the store plus that leg, or a shortcut 0-900 s
    # shorter (never below 0): order of the jobs does not change the packing
    drive, plain = _seeded_region(29)
    rng = np.random.default_rng(7)
    own = rng.integers(300, 1500, size=len(plain))
    lead = drive[:, [j.store for j in plain]] + own[None, :]
    lead = np.maximum(lead - rng.integers(0, 900, size=lead.shape), 0)
    for k, j in enumerate(plain):
        lead[j.store, k] = own[k]
    jobs = [Job(j.job_id, j.store, j.duration_s + int(own[k]), j.load_t, k, int(own[k]))
            for k, j in enumerate(plain)]
    a = plan_fleet_day(jobs, drive, 5, 28800, lead_s=lead)
    assert a == plan_fleet_day(list(reversed(jobs)), drive, 5, 28800, lead_s=lead)
    assert a.trucks and a.idle == 0
    by_id = {j.job_id: j for j in jobs}
    for truck in a.trucks:
        assert truck.work_s <= 28800 and truck.froms[0] == truck.base
        # each job from where the truck was: its first leg as first_leg says, then its rest
        legs = [first_leg(f, by_id[k], drive, lead)[0] for f, k in zip(truck.froms,
                                                                        truck.jobs,
                                                                        strict=True)]
        assert list(truck.leads_s) == legs
        assert truck.work_s == sum(legs) + sum(by_id[k].duration_s - by_id[k].lead_s
                                               for k in truck.jobs) + truck.legs[0][2]
    loose = plan_fleet_day(jobs, drive, 12, 28800, lead_s=lead)
    assert loose.dropped == () and loose.idle > 0


#: One store, no drives, 8 h shift, 2 trucks: (hours, tonnes) per job.
BINS = {"J0": (5, 2.0), "J1": (3, 3.0), "J2": (6, 3.0), "J3": (5, 3.0), "J4": (2, 4.0)}


def _bins_day(**kw: object) -> tuple[float, tuple[tuple[str, ...], ...], tuple[str, ...]]:
    jobs = [Job(k, 0, h * 3600, t) for k, (h, t) in BINS.items()]
    day = plan_fleet_day(jobs, np.zeros((1, 1), dtype=int), 2, 8 * 3600, **kw)  # type: ignore[arg-type]
    carried = sum(BINS[j][1] for t in day.trucks for j in t.jobs)
    return carried, tuple(t.jobs for t in day.trucks), day.dropped


def test_exchange_puts_a_heavier_dropped_trip_in_place_of_a_lighter_one(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # Greedy by t/h: J4 (2 t/h) opens truck 0, J1 (1 t/h, 3 h) joins it (5 h, first:
    # ties go to the earlier position); J3
    # (0.6 t/h) opens truck 1; J2 (6 h) and J0 (5 h) fit neither: 4 + 3 + 3 = 10 t.
    assert _bins_day(improve=False) == (10.0, (("J1", "J4"), ("J3",)), ("J2", "J0"))
    # The pair refill (step 4) alone: J4 + J2 (7 t, 8 h) and J1 + J0 (5 t, 8 h): 12 t.
    monkeypatch.setattr(shared, "EXCHANGE", False)
    carried, trucks, dropped = _bins_day()
    assert (carried, dropped) == (12.0, ("J3",))
    # The exchange (step 5): dropped J3 (3 t, 5 h) takes J0's place (2 t, 5 h): 13 t,
    # the most two 8 h trucks can carry here (every pair of jobs within 8 h checked).
    monkeypatch.setattr(shared, "EXCHANGE", True)
    carried, trucks, dropped = _bins_day()
    assert (carried, dropped) == (13.0, ("J0",))
    assert sorted(sorted(t) for t in trucks) == [["J1", "J3"], ["J2", "J4"]]


def test_packing_is_deterministic_and_no_truck_idle_while_a_trip_is_dropped() -> None:
    rng = np.random.default_rng(7)
    xy = rng.uniform(0, 60_000, size=(12, 2))
    drive = (np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1)) / 14).astype(int)
    jobs = [Job(f"S{s}:{k}", s, int(rng.integers(3600, 4 * 3600)),
                float(rng.integers(1, 30)) / 10, lead_s=600) for s in range(12) for k in range(4)]
    days = [plan_fleet_day(jobs, drive, 8, 8 * 3600, reach_s=3600) for _ in range(2)]
    assert days[0] == days[1]
    day = days[0]
    assert day.dropped and len(day.trucks) == 8 and day.idle == 0
    kept = [j for t in day.trucks for j in t.jobs]
    assert len(kept) + len(day.dropped) == len(jobs) == len(set(kept) | set(day.dropped))
    assert all(t.work_s <= 8 * 3600 for t in day.trucks)
    greedy = plan_fleet_day(jobs, drive, 8, 8 * 3600, reach_s=3600, improve=False)
    by_id = {j.job_id: j.load_t for j in jobs}
    assert (sum(by_id[j] for j in kept)
            >= sum(by_id[j] for t in greedy.trucks for j in t.jobs) - 1e-9)


def test_ejection_chain_of_two_trucks_gathers_a_gap_for_a_dropped_trip(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # One store, no drives, 3 trucks of 6 h: (hours, tonnes). 17 job-hours in 18 h.
    spec = {"J0": (4, 2.0), "J1": (5, 1.0), "J2": (3, 1.0), "J3": (2, 1.0),
            "J4": (1, 3.0), "J5": (2, 2.0)}
    jobs = [Job(k, 0, h * 3600, t) for k, (h, t) in spec.items()]

    def pack() -> tuple[float, list[list[str]], tuple[str, ...]]:
        day = plan_fleet_day(jobs, np.zeros((1, 1), dtype=int), 3, 6 * 3600)
        trucks = sorted(sorted(t.jobs) for t in day.trucks)
        return sum(spec[j][1] for t in trucks for j in t), trucks, day.dropped

    # Greedy (and the pair refill): J3 + J5 + J4 (5 h), J0 (4 h), J2 (3 h); J1 (5 h)
    # fits no gap: 9 t. One exchange alone does not help: J1 in place of J0 pushes out
    # 4 h (the others have 1 h and 3 h spare), in place of J2 3 h (1 h and 2 h spare),
    # and neither is lighter than J1.
    for flag, depth in ((False, 4), (True, 1)):
        monkeypatch.setattr(shared, "EXCHANGE", flag)
        monkeypatch.setattr(shared, "CHAIN_DEPTH", depth)
        assert pack() == (9.0, [["J0"], ["J2"], ["J3", "J4", "J5"]], ("J1",))
    # A chain of two trucks: J1 takes J2's truck, J2 (3 h) takes J3's place (2 h) beside
    # J4 + J5 (6 h), and J3 moves beside J0 (6 h): every trip, 10 t.
    monkeypatch.setattr(shared, "EXCHANGE", True)
    for depth in (2, 4):
        monkeypatch.setattr(shared, "CHAIN_DEPTH", depth)
        assert pack() == (10.0, [["J0", "J3"], ["J1"], ["J2", "J4", "J5"]], ())


def test_a_poverty_countys_trip_goes_first_by_its_weighted_tonnes() -> None:
    # The same two trips as above, one truck, room for one: by plain tonnes A1 (3 t in
    # 1800 s) is kept. B1's 1 t from a poverty county weighed 4 times (4 t in 1200 s,
    # 12 t/h against A1's 6 t/h) goes first, and A1 is the one dropped.
    plain = [Job("B1", 1, 1200, 1.0), Job("A1", 0, 1800, 3.0)]
    assert plan_fleet_day(plain, DRIVE_S, n_trucks=1, shift_s=2000).dropped == ("B1",)
    weighted = [Job("B1", 1, 1200, 1.0, value=4.0), Job("A1", 0, 1800, 3.0)]
    day = plan_fleet_day(weighted, DRIVE_S, n_trucks=1, shift_s=2000)
    assert day.dropped == ("A1",) and day.trucks[0].jobs == ("B1",)
    # a weight of 1 packs as plain tonnes
    same = [Job("B1", 1, 1200, 1.0, value=1.0), Job("A1", 0, 1800, 3.0, value=3.0)]
    assert plan_fleet_day(same, DRIVE_S, n_trucks=1, shift_s=2000).dropped == ("B1",)
    assert weighted[0].worth == 4.0 and plain[0].worth == 1.0
