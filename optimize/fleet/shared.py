"""One shared fleet for one day: the trips of every store packed into truck-days.

The stores' trips are planned first, each store alone with as many trucks as it has
pickups (:mod:`optimize.pipeline.routing`), so a pickup is left out there only for a
physical reason. This module then decides **which truck drives which trip, and where each
truck is based**, for the whole region (or the whole province) at once: trucks are not
tied to a store beforehand.

Model
-----
A *job* is one trip of one store: it leaves the store, collects, comes back and unloads,
taking ``duration_s`` and carrying ``load_t``; its freshness is settled inside the trip,
so a job may start at any time of the day. A *truck-day* starts at its base (a store),
drives empty to the store of its first job, runs the job, drives empty to the next job's
store, ... and drives back to its base; it must fit ``shift_s``. ``drive_s[a, b]`` is
the empty drive between stores ``a`` and ``b`` (the road network, across county and
prefecture borders); a truck only serves stores within ``reach_s`` of its base.

Rule (greedy best-fit decreasing, then repair; deterministic)
------------------------------------------------------------
1. Jobs in order of tonnes per truck-hour, ``load_t / duration_s``, highest first (ties:
   longer job first, then job id).
2. Each job goes to the open truck-day where it adds the least time (cheapest insertion
   at any position of the truck's sequence, empty drives included) and still fits the
   shift; ties go to the lower truck number. When no open truck fits it, a new truck is
   opened *based at the job's store* (so trucks end up based where the trips are: bases
   are an outcome of the packing, not an input). When every truck of the fleet is open
   and none fits, the job is dropped.
3. The pass goes on after a drop: a shorter, later job may still fit a truck's
   remaining time, so a dropped job never stops the jobs behind it.
4. Local improvement (only when jobs were dropped): for each truck and each of its
   :data:`NEIGHBOURS` nearest trucks (by base), both trucks are emptied and refilled from
   their jobs plus the :data:`POOL` most productive dropped jobs within reach, by the
   insertion of step 2 in each of four orders (tonnes per hour, longest first, shortest
   first, heaviest first); the best refill is kept when the pair then carries more
   tonnes. Packing is a bin-packing problem: taking jobs by productivity alone leaves
   truck-days with gaps no remaining job fits (measured on Linxia: +0.5 point of the
   truck-needed produce, 2 more trips of 280).

Invariant: a truck is idle (no job) only when no job was dropped (a job is dropped only
once every truck is open and none has room, or when it alone is longer than a shift, which
the store's routing never plans); every dropped job
names the bound that shows the fleet is full (``truck-hours needed vs available``).
Because jobs are taken in order of tonnes per truck-hour, when the fleet is short the
jobs kept are the most productive ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

#: Default longest empty drive from a truck's base to a store it collects for, seconds.
DEFAULT_REACH_S = 3600
#: Local improvement: nearest trucks each truck is paired with, and dropped jobs offered.
NEIGHBOURS = 3
POOL = 20


@dataclass(frozen=True)
class Job:
    """One trip to be driven: its store (index into the drive matrix), time and load."""

    job_id: str
    store: int
    duration_s: int
    load_t: float


@dataclass(frozen=True)
class TruckDay:
    """One truck's day: base, jobs in order with their start offsets, the empty drives.

    ``starts_s[k]`` is when job ``jobs[k]`` leaves its store, seconds from the truck's
    start; ``legs`` are the empty drives ``(from_store, to_store, drive_s)``, one before
    the first job, one between each pair of jobs, one after the last (0-s legs kept).
    """

    truck: int
    base: int
    jobs: tuple[str, ...]
    starts_s: tuple[int, ...]
    legs: tuple[tuple[int, int, int], ...]
    work_s: int


@dataclass(frozen=True)
class FleetDay:
    """The packing: the truck-days used, the jobs dropped, the bound, the idle trucks."""

    trucks: tuple[TruckDay, ...]
    dropped: tuple[str, ...]
    idle: int
    dropped_reason: str
    idle_reason: str


def plan_fleet_day(jobs: Sequence[Job], drive_s: np.ndarray, n_trucks: int, shift_s: int,
                   *, reach_s: int = DEFAULT_REACH_S) -> FleetDay:
    """Pack ``jobs`` into at most ``n_trucks`` truck-days (rule in the module docstring).

    Parameters
    ----------
    jobs
        The trips of every store (ids unique).
    drive_s
        ``(S, S)`` empty driving time between stores, seconds (``Job.store`` indexes it).
    n_trucks
        The fleet (trucks available for the day).
    shift_s
        A truck-day's length limit, seconds, empty drives included.
    reach_s
        Longest empty drive from a truck's base to a store it collects for.
    """
    order = sorted(jobs, key=_productivity)
    days: list[list[Job]] = []
    bases: list[int] = []
    used: list[int] = []
    dropped = _place(order, days, bases, used, drive_s, n_trucks, shift_s, reach_s)
    if dropped:
        dropped = _improve(days, bases, used, dropped, drive_s, shift_s, reach_s)
        keep = [k for k in range(len(days)) if days[k]]  # a refill may empty a truck
        days, bases, used = [days[k] for k in keep], [bases[k] for k in keep], \
            [used[k] for k in keep]
        dropped = _place(dropped, days, bases, used, drive_s, n_trucks, shift_s, reach_s)
    trucks = tuple(_truck_day(k, bases[k], day, drive_s) for k, day in enumerate(days))
    need_s = sum(j.duration_s for j in dropped)
    used_s = sum(t.work_s for t in trucks)
    dropped_reason = (f"fleet capacity reached: all {n_trucks} trucks are in use "
                      f"({used_s / 3600:.1f} of {n_trucks * shift_s / 3600:.1f} truck-hours "
                      f"driven; {len(dropped)} trips left need {need_s / 3600:.1f} more "
                      f"truck-hours and none fits a truck's remaining shift)")
    idle = n_trucks - len(trucks)
    idle_reason = ("no trip left to drive: every trip the stores need is carried"
                   if not dropped else "")
    return FleetDay(trucks, tuple(j.job_id for j in dropped), idle,
                    dropped_reason if dropped else "", idle_reason)


def _place(jobs: Sequence[Job], days: list[list[Job]], bases: list[int], used: list[int],
           drive_s: np.ndarray, n_trucks: int, shift_s: int, reach_s: int) -> list[Job]:
    """Steps 2-3: each job where it adds least time, else on a new truck at its store
    while the fleet has one; return the jobs dropped."""
    dropped = []
    for job in jobs:
        if _insert(job, days, bases, used, drive_s, shift_s, reach_s):
            continue
        if len(days) < n_trucks and job.duration_s <= shift_s:
            days.append([job])
            bases.append(job.store)
            used.append(job.duration_s)
        else:
            dropped.append(job)
    return dropped


def _insert(job: Job, days: list[list[Job]], bases: list[int], used: list[int],
            drive_s: np.ndarray, shift_s: int, reach_s: int) -> bool:
    """Put ``job`` where it adds least time within the shift; False when nowhere fits.

    The drive matrix is a shortest-path one (triangle inequality), so a job adds at least
    its own duration: trucks without that much time left are skipped unexamined.
    """
    if not days:
        return False
    near = np.flatnonzero(drive_s[np.asarray(bases), job.store] <= reach_s)
    best: tuple[int, int, int] | None = None
    for k in near.tolist():
        if used[k] + job.duration_s > shift_s:
            continue
        day = days[k]
        stores = [bases[k], *(j.store for j in day), bases[k]]
        for pos in range(len(day) + 1):
            a, b = stores[pos], stores[pos + 1]
            added = int(drive_s[a, job.store] + job.duration_s + drive_s[job.store, b]
                        - drive_s[a, b])
            if used[k] + added <= shift_s and (best is None or added < best[0]):
                best = (added, k, pos)
    if best is None:
        return False
    days[best[1]].insert(best[2], job)
    used[best[1]] += best[0]
    return True


def _productivity(j: Job) -> tuple[float, int, str]:
    return (-j.load_t / max(j.duration_s, 1), -j.duration_s, j.job_id)


#: The orders a pair of trucks is refilled in (step 4 of the rule).
ORDERS = (_productivity, lambda j: (-j.duration_s, j.job_id),
          lambda j: (j.duration_s, j.job_id), lambda j: (-j.load_t, j.job_id))


def _improve(days: list[list[Job]], bases: list[int], used: list[int], dropped: list[Job],
             drive_s: np.ndarray, shift_s: int, reach_s: int) -> list[Job]:
    """Step 4: refill pairs of neighbouring trucks; return the jobs still dropped."""
    for k in range(len(days)):
        near = sorted((int(drive_s[bases[k], bases[m]]), m) for m in range(len(days))
                      if m != k)[:NEIGHBOURS]
        for _, m in near:
            pair = [k, m]
            offered = sorted((j for j in dropped if min(drive_s[bases[k], j.store],
                                                        drive_s[bases[m], j.store]) <= reach_s),
                             key=_productivity)[:POOL]
            kept = days[k] + days[m]
            best = _refill(pair, kept + offered, bases, drive_s, shift_s, reach_s)
            if best is None or best[0] <= sum(j.load_t for j in kept) + 1e-9:
                continue
            _, fill, times, left = best
            days[k], days[m] = fill
            used[k], used[m] = times
            gone = {j.job_id for j in offered}
            dropped = sorted([j for j in dropped if j.job_id not in gone] + left,
                             key=_productivity)
    return dropped


def _refill(pair: list[int], pool: list[Job], bases: list[int], drive_s: np.ndarray,
            shift_s: int, reach_s: int) -> tuple[float, list[list[Job]], list[int],
                                                 list[Job]] | None:
    """The pair's best refill from ``pool`` over :data:`ORDERS`: (tonnes, days, used,
    jobs left out)."""
    best = None
    for order in ORDERS:
        fill: list[list[Job]] = [[] for _ in pair]
        times = [0 for _ in pair]
        pair_bases = [bases[k] for k in pair]
        left = [j for j in sorted(pool, key=order)
                if not _insert(j, fill, pair_bases, times, drive_s, shift_s, reach_s)]
        tonnes = sum(j.load_t for day in fill for j in day)
        if best is None or tonnes > best[0] + 1e-9:
            best = (tonnes, fill, times, left)
    return best


def _truck_day(k: int, base: int, day: list[Job], drive_s: np.ndarray) -> TruckDay:
    """The timed truck-day: each job starts right after the previous one and the drive."""
    stores = [base, *(j.store for j in day), base]
    legs = tuple((a, b, int(drive_s[a, b])) for a, b in zip(stores, stores[1:], strict=False))
    starts, clock = [], 0
    for job, leg in zip(day, legs, strict=False):
        clock += leg[2]
        starts.append(clock)
        clock += job.duration_s
    clock += legs[-1][2]
    return TruckDay(k, base, tuple(j.job_id for j in day), tuple(starts), legs, clock)
