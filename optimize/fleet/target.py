"""How many trucks would reach the collection target, with this plan's trips and packer.

Issue 17 asks that in every season at least ``collection_target_pct`` (95 %) of the produce
that needs a truck is collected. When a season's packing
(:func:`optimize.fleet.shared.plan_fleet_day`) collects less, a planner asks how many
trucks would reach the target. :func:`trucks_for_target` answers it with **the same
packer** over the same jobs, drive matrix, shift and reach, for fleets of ``N`` trucks:

1. The share collected with ``N`` trucks is ``100 x (tonnes of the jobs kept) /
   needed_t``, where ``needed_t`` is all the produce that needs a truck, the pickups left
   out before packing (no truck can reach them in time even alone) included.
2. With one truck per job every job no longer than the shift is kept (the packer opens a
   new truck for a job no open truck fits while the fleet has one), so the best share any
   fleet reaches is known without packing. Below the target, no fleet reaches it: the
   missing produce has no trip (a physical reason), and the answer is "unreachable".
3. Otherwise the fleet doubles from the plan's (``2N, 4N, ...``, at most one truck per
   job) until the share reaches the target, then a bisection between the last fleet below
   and the first at or above finds the smallest ``N`` that reaches it.

Cost: each step is one packing. The plan's packer runs a local improvement whenever it
drops a trip; on a large season (:data:`FULL_SEARCH_JOBS`) :func:`search_pack` uses its
greedy pass alone when the packer offers that (``improve=False``): the improvement only
adds tonnes, so that fleet is an upper bound of the full packer's, and the note says so.

The packer is deterministic, so the answer is reproducible. It is a heuristic: its share
is not guaranteed to grow with every added truck, so the bisection's ``N`` reaches the
target and ``N - 1`` did not on the search's path; a better routing or packing may need
fewer trucks. The note stored with the figure says so.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from optimize.fleet.shared import DEFAULT_REACH_S, FleetDay, Job, plan_fleet_day

#: Issue 17's goal: the share of the produce that needs a truck collected every season.
DEFAULT_TARGET_PCT = 95.0
#: The label of a fleet size found by the search.
FOUND_NOTE = "with this plan's trips and packing; a better routing may need fewer"
#: The label when the plan's fleet already reaches the target.
MET_NOTE = "the plan's fleet reaches the target"
#: The label when no fleet reaches it (``pct``: the best share, one truck per trip).
UNREACHABLE_NOTE = ("not reachable by adding trucks: with one truck per trip at most "
                    "{pct} per cent of the produce that needs a truck is collected (the "
                    "rest has no trip within its freshness limit and the shift)")
#: Shares within this of the target count as reaching it (tonnes are summed in floats).
PCT_TOL = 1e-9

#: Above this many jobs the search packs with the greedy pass alone, so its fleet is an
#: upper bound. Measured on synthetic seasons (random stores in a 600 km square, trips of
#: 1-4 h, 2 cores loaded by other work): one full pack of 300 jobs into 80 trucks 0.8 s,
#: 1,500 into 450 trucks 13-33 s, 5,000 into 1,500 trucks 42 s (the greedy pass alone
#: 0.3 s); a search is about 10 packs. On 1,500 jobs the greedy search answered 524 trucks
#: in 2.0 s, the full one 499 in 126 s.
FULL_SEARCH_JOBS = 500
GREEDY_NOTE = ("an upper bound: searched with the packer's greedy pass alone (without its "
               "local improvement), with this plan's trips; a better packing or routing "
               "may need fewer")

#: A packing of the season's jobs into ``n`` trucks.
Pack = Callable[[int], FleetDay]


@dataclass(frozen=True)
class TargetFleet:
    """The answer for one season: the target, the share collected, the fleet that would
    reach it (``None`` when already met or unreachable), its label, and the search cost."""

    target_pct: float
    collected_pct: float
    trucks_for_target: int | None
    note: str
    packs: int = 0
    seconds: float = 0.0

    def kpis(self) -> dict[str, Any]:
        """The keys added to ``seasons.seasons[*].kpis`` (``docs/PLAN-FORMAT.md``)."""
        return {"target_pct": float(self.target_pct),
                "trucks_for_target": self.trucks_for_target,
                "trucks_for_target_note": self.note}


def collected_pct(routed_t: float, needed_t: float) -> float:
    """Share of the produce that needs a truck that is collected, per cent (100 when
    nothing needs a truck)."""
    return 100.0 * routed_t / needed_t if needed_t > 0 else 100.0


def search_pack(jobs: Sequence[Job], drive_s: np.ndarray, shift_s: int, *,
                reach_s: int = DEFAULT_REACH_S, **options: Any) -> tuple[Pack, str]:
    """The packing the search calls, and the label of its answer.

    The plan's own packer (:func:`~optimize.fleet.shared.plan_fleet_day` with the same
    ``jobs``, ``drive_s``, ``shift_s``, ``reach_s`` and ``options``); above
    :data:`FULL_SEARCH_JOBS` jobs its greedy pass alone (``improve=False``): the local
    improvement only adds tonnes, so the greedy fleet is an upper bound of the full
    packer's (a dozen full packs of a province's season would take minutes).
    """
    greedy = len(jobs) > FULL_SEARCH_JOBS
    if greedy:
        options = {**options, "improve": False}

    def pack(n: int) -> FleetDay:
        return plan_fleet_day(jobs, drive_s, n, shift_s, reach_s=reach_s, **options)

    return pack, GREEDY_NOTE if greedy else FOUND_NOTE


def trucks_for_target(pack: Pack, jobs: Sequence[Job], n_trucks: int, shift_s: int, *,
                      needed_t: float, routed_t: float,
                      target_pct: float = DEFAULT_TARGET_PCT,
                      note: str = FOUND_NOTE) -> TargetFleet:
    """The smallest fleet ``pack`` needs to collect ``target_pct`` of ``needed_t``.

    Parameters
    ----------
    pack
        The season's packing as a function of the fleet size (:func:`search_pack`); not
        called when the target is met or unreachable.
    jobs, shift_s
        The jobs packed and the shift (seconds): a job longer than the shift is never
        kept.
    n_trucks
        The plan's fleet (the packing that collected ``routed_t``).
    needed_t
        Daily tonnes that need a truck (the jobs' loads plus the pickups no trip carries).
    routed_t
        Daily tonnes the plan's packing collects.
    target_pct
        The share to reach, per cent.
    note
        The label of a fleet found by the search (:func:`search_pack`'s).

    Returns
    -------
    TargetFleet
        ``trucks_for_target`` is ``None`` when ``n_trucks`` already reaches the target or
        when no fleet does (the note says which).
    """
    started = time.perf_counter()
    now = collected_pct(routed_t, needed_t)
    if now >= target_pct - PCT_TOL:
        return TargetFleet(target_pct, now, None, MET_NOTE)
    best = collected_pct(sum(j.load_t for j in jobs if j.duration_s <= shift_s), needed_t)
    if n_trucks >= len(jobs):  # one truck per trip already: more trucks carry nothing more
        best = min(best, now)
    if best < target_pct - PCT_TOL:
        return TargetFleet(target_pct, now, None,
                           UNREACHABLE_NOTE.format(pct=f"{best:.1f}"))
    load = {j.job_id: j.load_t for j in jobs}
    all_t = sum(load.values())
    packs = 0

    def reaches(n: int) -> bool:
        nonlocal packs
        packs += 1
        kept = all_t - sum(load[j] for j in pack(n).dropped)
        return collected_pct(kept, needed_t) >= target_pct - PCT_TOL

    low, high = max(n_trucks, 0), len(jobs)
    n = max(2 * low, low + 1)
    while n < high:
        if reaches(n):
            high = n
            break
        low, n = n, 2 * n
    while high - low > 1:
        mid = (low + high) // 2
        if reaches(mid):
            high = mid
        else:
            low = mid
    return TargetFleet(target_pct, now, high, note, packs,
                       round(time.perf_counter() - started, 3))


def season_target(jobs: Sequence[Job], drive_s: np.ndarray, n_trucks: int, shift_s: int,
                  kpis: Mapping[str, Any], *, target_pct: float = DEFAULT_TARGET_PCT,
                  reach_s: int = DEFAULT_REACH_S, **options: Any) -> TargetFleet:
    """:func:`trucks_for_target` for a season packed into ``n_trucks`` with
    ``plan_fleet_day(jobs, drive_s, n_trucks, shift_s, reach_s=reach_s, **options)``,
    whose season ``kpis`` give the tonnes needed and routed."""
    pack, note = search_pack(jobs, drive_s, shift_s, reach_s=reach_s, **options)
    return trucks_for_target(pack, jobs, n_trucks, shift_s,
                             needed_t=float(kpis["daily_truck_needed_t"]),
                             routed_t=float(kpis["daily_pickup_routed_t"]),
                             target_pct=target_pct, note=note)
