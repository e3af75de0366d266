"""One shared fleet for one day: the trips of every store packed into truck-days.

The stores' trips are planned first, each store alone with as many trucks as it has
pickups (:mod:`optimize.pipeline.routing`), so a pickup is left out there only for a
physical reason. This module then decides **which truck drives which trip, and where each
truck is based**, for the whole region (or the whole province) at once: trucks are not
tied to a store beforehand.

Model
-----
A *job* is one trip of one store as its routing planned it: it leaves the store, drives
to its first village (``lead_s``), collects, comes back and unloads, taking
``duration_s`` in all and carrying ``load_t``; its freshness is settled inside the trip
(it counts from the first pickup), so a job may start at any time of the day and from any
place. A *truck-day* starts at its base (a store); each job starts **where the truck last
unloaded** (the base for the first job, the previous job's store after that) and drives
from there straight to the job's first village, then runs the rest of the job
(``duration_s - lead_s``: the stops, the drives between them, the drive to its store and
the unloading); after the last job the truck drives back to its base, the only empty
drive of the day. It must fit ``shift_s``. ``lead_s[a, v]`` (the ``lead_s`` argument of
:func:`plan_fleet_day`) is the drive from store ``a`` to first village ``v``
(``Job.first``); a job starting at its own store uses its own ``Job.lead_s``, and a job
whose first village is not in the matrix (no matrix, ``first < 0``, or a pair beyond
the matrix's cutoff) drives via its own store (``drive_s[a, store] + Job.lead_s``, a real
path, never shorter than the direct one): :func:`first_leg` is the rule, the records
(:mod:`optimize.pipeline.fleet_day`) apply it again to time and measure each trip.
``drive_s[a, b]`` is the drive between stores ``a`` and ``b`` (the road network, across
county and prefecture borders); a truck only serves stores within ``reach_s`` of its base.

Rule (greedy best-fit decreasing, then repair; deterministic)
------------------------------------------------------------
"Tonnes" below are a job's weighted tonnes, ``Job.worth``: the pipeline counts a poverty
county's produce ``poverty_weight`` times (the seed: the eight counties still poor in
2020 and the poorest villages come first; ``poverty_weight = 1`` packs plain tonnes).

1. Jobs in order of tonnes per truck-hour, ``worth / duration_s``, highest first (ties:
   longer job first, then job id).
2. Each job goes to the open truck-day where it adds the least time (cheapest insertion
   at any position of the truck's sequence: its own first leg from the place before it,
   and the first leg of the job after it, which now starts from this job's store) and
   still fits the shift; ties go to the lower truck number. When no open truck fits it,
   a new truck is opened *based at the job's store* (so trucks end up based where the
   trips are: bases are an outcome of the packing, not an input). When every truck of
   the fleet is open and none fits, the job is dropped.
3. The pass goes on after a drop: a shorter, later job may still fit a truck's
   remaining time, so a dropped job never stops the jobs behind it.
4. Local improvement (only when jobs were dropped): for each truck and each of its
   :data:`NEIGHBOURS` nearest trucks (by base), both trucks are emptied and refilled from
   their jobs plus the :data:`POOL` most productive dropped jobs within reach, by the
   insertion of step 2 in each of four orders (tonnes per hour, longest first, shortest
   first, heaviest first); the best refill is kept when the pair then carries more
   tonnes. Packing is a bin-packing problem: taking jobs by productivity alone leaves
   truck-days with gaps no remaining job fits (measured on Linxia: +0.5 point of the
   truck-needed produce, 2 more trips of 280). The jobs still dropped are then placed
   again (step 2, on trucks a refill emptied too), then step 5, and steps 4-5 are
   repeated, up to :data:`IMPROVE_PASSES` passes, while a pass carries more tonnes.
5. Exchange (ejection chains): each dropped job, heaviest first, may take the place of a
   kept job of a truck within reach that then fits it; the job pushed out may in turn
   take the place of a job of another truck, and so on, up to :data:`CHAIN_DEPTH`
   trucks. A chain is made when the last job pushed out fits another truck (best
   insertion, step 2: the dropped job's tonnes are gained) or is lighter than the dropped
   job (it is dropped instead, and tried in turn); the chain gaining most is made. Trucks
   filled by store trips leave gaps of 1-2 h spread over many trucks while the dropped
   trips need 1.4-2.8 h: moving trips along a chain gathers a gap where one fits.

Where the gap is: on Linxia's summer trips the trips need 608 of the fleet's 640
truck-hours, and the packing carries 99.6 % of the truck-needed tonnes when drives
between stores are free; the empty drives store -> store (88 h, a store's nearest other
store is a median 24 min away) were what the fleet could not fit. Starting each trip from
where the truck last unloaded removes them: measured with ``coldchain plan
scenarios/linxia.toml`` (first legs passed by the season plan), every season went from
92.0 % to 94.3 % of the truck-needed tonnes (summer 285.6 -> 292.6 of 310.5 t/day; 235 ->
247 trips, 45 -> 33 dropped; empty drives 85.4 -> 0.4 truck-hours a day; 80 of 80 trucks
used in both). Step 5 and the wider step 4 on Linxia's 80 trucks (the season jobs of
that plan re-packed alone): every season 94.25 % -> 95.12 % (summer 292.6 -> 295.3 of
310.5 t/day, 247 -> 251 trips, 33 -> 29 dropped, 0 trucks idle); ``coldchain plan
scenarios/linxia.toml`` then reports 95.1 % in every season with its 80 trucks (plan
check: 0 problems; the plan took 68 s instead of 66 s). On a synthetic day
of the province's size (893 stores, 720 trucks, 4,901 trips, 2 loaded cores) the packing
carried 79.31 % -> 79.62 % of its tonnes and took 55.8 -> 66.9 s (step 5 stops at
its cap of truck-days tried: 9.5 s, 2 more trips; the rest: steps 4-5 gain, so their
pass is repeated).

Invariant: a truck is idle (no job) only when no job was dropped (a job is dropped only
once every truck is open and none has room, or when it alone is longer than a shift, which
the store's routing never plans); every dropped job
names the bound that shows the fleet is full (``truck-hours needed vs available``).
Because jobs are taken in order of tonnes per truck-hour, when the fleet is short the
jobs kept are the most productive ones.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

#: Default longest empty drive from a truck's base to a store it collects for, seconds.
DEFAULT_REACH_S = 3600
#: Local improvement (step 4): nearest trucks each truck is paired with (``PAIRS`` pairs a
#: pass over the fleet, between ``MIN_NEIGHBOURS`` and ``NEIGHBOURS`` a truck: 12 on
#: Linxia's 80 trucks, 6 on the province's 720), dropped jobs offered, and most passes (a
#: pass is repeated while it carries more). Search effort, not a physical parameter;
#: measured on Linxia's summer trips before step 5 (280 trips, 80 trucks, 2 loaded cores):
#: 3 neighbours x 1 pass 91.18 % of the truck-needed tonnes in 0.4 s, 6 x 3 91.96 % in
#: 2.3 s, 12 x 3 91.71 %, 24 x 3 92.08 % in 7.8 s (the gain is not monotone: the refill
#: is greedy).
NEIGHBOURS = 12
MIN_NEIGHBOURS = 6
PAIRS = 1000
POOL = 20
IMPROVE_PASSES = 3
#: Exchange (step 5): on or off (off: the packer before step 5), longest ejection chain
#: (trucks), chains kept a level, truck-days tried for one dropped job and in all (the
#: deterministic caps on its effort; a truck-day tried is one :meth:`_Packing.slot`).
#: Measured on Linxia's summer trips, with 12 neighbours: chains of 2 trucks 94.87 %,
#: 3 trucks 94.996 %, 4 trucks 95.12 % (about 9.5 s a season on 2 loaded cores; 10,000
#: truck-days a dropped job: the same 95.12 % in 12 s).
EXCHANGE = True
CHAIN_DEPTH = 4
CHAIN_WIDTH = 200
CHAIN_SLOTS = 3_000
EXCHANGE_SLOTS = 200_000

#: A first leg beyond a lead matrix's cutoff (its pairs are filled with this).
FAR_S = 10**9


@dataclass(frozen=True)
class Job:
    """One trip to be driven: its store (index into the drive matrix), time and load.

    ``duration_s`` runs from leaving its own store to the end of unloading there;
    ``lead_s`` is the part before the first village (its own store -> first village) and
    ``first`` the first village's column in :func:`plan_fleet_day`'s ``lead_s`` matrix
    (``-1``: not in it; the job then drives via its own store).
    """

    job_id: str
    store: int
    duration_s: int
    load_t: float
    first: int = -1
    lead_s: int = 0
    #: What the packing maximises for this job: its tonnes weighted by the villages'
    #: priority (:data:`~optimize.scenario.Scenario.poverty_weight` for a poverty county's
    #: produce); ``None``: its ``load_t``.
    value: float | None = None

    @property
    def worth(self) -> float:
        """The job's weight in the packing: ``value``, else ``load_t``."""
        return self.load_t if self.value is None else self.value


@dataclass(frozen=True)
class TruckDay:
    """One truck's day: base, jobs in order, where and when each starts, the drive home.

    ``froms[k]`` is the store job ``jobs[k]`` starts from (the base for the first job,
    the previous job's store after that), ``starts_s[k]`` when it leaves it (seconds
    from the truck's start) and ``leads_s[k]`` its drive from there to its first village;
    ``legs`` are the empty drives ``(from_store, to_store, drive_s)``: the drive from the
    last job's store back to the base (a 0-s leg kept when it unloads at the base).
    """

    truck: int
    base: int
    jobs: tuple[str, ...]
    starts_s: tuple[int, ...]
    legs: tuple[tuple[int, int, int], ...]
    work_s: int
    froms: tuple[int, ...] = ()
    leads_s: tuple[int, ...] = ()


@dataclass(frozen=True)
class FleetDay:
    """The packing: the truck-days used, the jobs dropped, the bound, the idle trucks."""

    trucks: tuple[TruckDay, ...]
    dropped: tuple[str, ...]
    idle: int
    dropped_reason: str
    idle_reason: str


def first_leg(a: int, job: Job, drive: np.ndarray, lead: np.ndarray | None) -> tuple[int, bool]:
    """(time, direct) of ``job``'s drive from store ``a`` to its first village.

    ``drive`` and ``lead`` are the store -> store and store -> first village matrices of
    one unit (seconds, or metres for the trip's length). From its own store: its own first
    leg (``job.lead_s``, not direct: nothing changes). Else the direct drive
    ``lead[a, job.first]`` when the matrix has it, the drive via its own store
    (``drive[a, store] + job.lead_s``) when that is no longer or the matrix lacks it.
    Apply it with the seconds matrices to decide, then measure metres the same way.
    """
    if a == job.store:
        return job.lead_s, False
    via = int(drive[a, job.store]) + job.lead_s
    if lead is None or job.first < 0 or int(lead[a, job.first]) >= via:
        return via, False
    return int(lead[a, job.first]), True


def plan_fleet_day(jobs: Sequence[Job], drive_s: np.ndarray, n_trucks: int, shift_s: int,
                   *, reach_s: int = DEFAULT_REACH_S,
                   lead_s: np.ndarray | None = None, improve: bool = True) -> FleetDay:
    """Pack ``jobs`` into at most ``n_trucks`` truck-days (rule in the module docstring).

    Parameters
    ----------
    jobs
        The trips of every store (ids unique).
    drive_s
        ``(S, S)`` driving time between stores, seconds (``Job.store`` indexes it).
    n_trucks
        The fleet (trucks available for the day).
    shift_s
        A truck-day's length limit, seconds, every drive included.
    reach_s
        Longest drive from a truck's base to the store of a job it drives.
    lead_s
        ``(S, V)`` drive from each store to each first village (``Job.first``), seconds,
        :data:`FAR_S` where unknown; ``None``: every job drives via its own store.
    improve
        Run the local improvement (steps 4-5) when jobs are dropped; ``False``: the greedy
        pass alone (it only ever carries fewer tonnes: :mod:`optimize.fleet.target`).
    """
    pack = _Packing(drive_s, lead_s, shift_s, reach_s)
    order = sorted(jobs, key=_productivity)
    dropped = pack.place(order, n_trucks)
    for _ in range(IMPROVE_PASSES if dropped and improve else 0):
        before = sum(j.worth for j in dropped)
        dropped = _improve(pack, dropped)
        pack.drop_empty()  # a refill may empty a truck
        dropped = pack.place(dropped, n_trucks)
        if dropped and EXCHANGE:
            dropped = _exchange(pack, dropped)
        if not dropped or sum(j.worth for j in dropped) >= before - 1e-9:
            break
    trucks = tuple(pack.truck_day(k) for k in range(len(pack.days)))
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


class _Packing:
    """The open truck-days (jobs in order, base, time used) and the insertion rule."""

    def __init__(self, drive_s: np.ndarray, lead_s: np.ndarray | None, shift_s: int,
                 reach_s: int) -> None:
        self.drive_s, self.lead_s = drive_s, lead_s
        self.shift_s, self.reach_s = shift_s, reach_s
        self.days: list[list[Job]] = []
        self.bases: list[int] = []
        self.used: list[int] = []
        self.cache: dict[int, tuple[list[int], list[Job | None], list[int]]] = {}
        self.slots = 0  # truck-days tried by step 5 (its effort, capped)
        # scalar reads are the packing's inner loop: nested lists and ndarray.item are
        # several times faster than indexing the arrays (measured on 3,500 jobs)
        self.drive: list[list[int]] = np.asarray(drive_s, dtype=np.int64).tolist()
        self.lead_item = lead_s.item if lead_s is not None else None

    def empty_like(self, bases: list[int]) -> _Packing:
        """A packing of empty truck-days at ``bases`` with the same matrices and limits."""
        other = copy.copy(self)
        other.days, other.bases, other.used = [[] for _ in bases], list(bases), [0] * len(bases)
        other.cache = {}
        return other

    def cost(self, a: int, job: Job | None, base: int) -> int:
        """Time from store ``a`` through ``job`` (its first leg from ``a``, as
        :func:`first_leg`, then the rest of it), or back to ``base`` when ``job`` is None
        (the end of the day)."""
        if job is None:
            return self.drive[a][base]
        if a == job.store:
            return job.duration_s
        lead = self.drive[a][job.store] + job.lead_s
        if job.first >= 0 and self.lead_item is not None:
            direct = self.lead_item(a, job.first)
            if direct < lead:
                lead = direct
        return lead + job.duration_s - job.lead_s

    def day_s(self, day: Sequence[Job], base: int) -> int:
        """A truck-day's length: its jobs chained from the base and back."""
        places = [base, *(j.store for j in day)]
        return sum(self.cost(a, j, base) for a, j in zip(places, [*day, None], strict=True))

    def place(self, jobs: Sequence[Job], n_trucks: int) -> list[Job]:
        """Steps 2-3: each job where it adds least time, else on a new truck at its store
        while the fleet has one; return the jobs dropped."""
        dropped = []
        for job in jobs:
            if self.insert(job, range(len(self.days))):
                continue
            if len(self.days) < n_trucks and job.duration_s <= self.shift_s:
                self.days.append([job])
                self.bases.append(job.store)
                self.used.append(job.duration_s)
            else:
                dropped.append(job)
        return dropped

    def insert(self, job: Job, trucks: Sequence[int]) -> bool:
        """Put ``job`` on one of ``trucks`` where it adds least time within the shift
        (inserting it also moves the next job's start to ``job``'s store); False when
        nowhere fits."""
        best = self.where(job, trucks)
        if best is None:
            return False
        self.days[best[1]].insert(best[2], job)
        self.used[best[1]] += best[0]
        self.cache.pop(best[1], None)
        return True

    def where(self, job: Job, trucks: Sequence[int]) -> tuple[int, int, int] | None:
        """(time added, truck, position) of :meth:`insert`'s choice, or None."""
        if not len(trucks):
            return None
        bases = np.asarray([self.bases[k] for k in trucks])
        near = np.flatnonzero(self.drive_s[bases, job.store] <= self.reach_s)
        best: tuple[int, int, int] | None = None
        for k in (trucks[i] for i in near.tolist()):
            if self.used[k] >= self.shift_s:
                continue
            base = self.bases[k]
            places, after, arcs = self.arcs(k)
            into: dict[int, int] = {}
            room = self.shift_s - self.used[k]
            for pos, (a, nxt, arc) in enumerate(zip(places, after, arcs, strict=True)):
                if a not in into:
                    into[a] = self.cost(a, job, base)
                added = into[a] - arc + (self.cost(job.store, nxt, base) if nxt is not None
                                         else self.drive[job.store][base])
                if added <= room and (best is None or added < best[0]):
                    best = (added, k, pos)
        return best

    def slot(self, day: Sequence[Job], base: int, job: Job) -> tuple[int, int] | None:
        """(length of ``day`` with ``job`` in, position) at its best position within the
        shift, or None (``day`` is a job list of a truck based at ``base``)."""
        self.slots += 1
        places = [base, *(j.store for j in day)]
        after: list[Job | None] = [*day, None]
        arcs = [self.cost(a, j, base) for a, j in zip(places, after, strict=True)]
        total = sum(arcs)
        best: tuple[int, int] | None = None
        for pos, (a, nxt, arc) in enumerate(zip(places, after, arcs, strict=True)):
            length = total - arc + self.cost(a, job, base) + self.cost(job.store, nxt, base)
            if length <= self.shift_s and (best is None or length < best[0]):
                best = (length, pos)
        return best

    def arcs(self, k: int) -> tuple[list[int], list[Job | None], list[int]]:
        """Truck ``k``'s positions: the place before each, the job after it (``None``:
        the drive home) and the time of the arc between them (kept until the day
        changes)."""
        got = self.cache.get(k)
        if got is None:
            day, base = self.days[k], self.bases[k]
            places = [base, *(j.store for j in day)]
            after: list[Job | None] = [*day, None]
            got = self.cache[k] = (places, after, [self.cost(a, j, base) for a, j in
                                                   zip(places, after, strict=True)])
        return got

    def drop_empty(self) -> None:
        """Forget the trucks a refill left without a job."""
        keep = [k for k in range(len(self.days)) if self.days[k]]
        self.cache.clear()
        self.days = [self.days[k] for k in keep]
        self.bases = [self.bases[k] for k in keep]
        self.used = [self.used[k] for k in keep]

    def truck_day(self, k: int) -> TruckDay:
        """The timed truck-day: each job leaves where the previous one unloaded, at once."""
        day, base = self.days[k], self.bases[k]
        froms = [base, *(j.store for j in day[:-1])]
        starts, leads, clock = [], [], 0
        for a, job in zip(froms, day, strict=True):
            starts.append(clock)
            leads.append(first_leg(a, job, self.drive_s, self.lead_s)[0])
            clock += self.cost(a, job, base)
        last = day[-1].store
        back = int(self.drive_s[last, base])
        return TruckDay(k, base, tuple(j.job_id for j in day), tuple(starts),
                        ((last, base, back),), clock + back, tuple(froms), tuple(leads))


def _productivity(j: Job) -> tuple[float, int, str]:
    return (-j.worth / max(j.duration_s, 1), -j.duration_s, j.job_id)


#: The orders a pair of trucks is refilled in (step 4 of the rule).
ORDERS = (_productivity, lambda j: (-j.duration_s, j.job_id),
          lambda j: (j.duration_s, j.job_id), lambda j: (-j.worth, j.job_id))


def _improve(pack: _Packing, dropped: list[Job]) -> list[Job]:
    """Step 4: refill pairs of neighbouring trucks; return the jobs still dropped."""
    drive_s, bases, days = pack.drive_s, pack.bases, pack.days
    neighbours = min(NEIGHBOURS, max(MIN_NEIGHBOURS, PAIRS // max(len(days), 1)))
    for k in range(len(days)):
        near = sorted((int(drive_s[bases[k], bases[m]]), m) for m in range(len(days))
                      if m != k)[:neighbours]
        for _, m in near:
            offered = sorted((j for j in dropped if min(drive_s[bases[k], j.store],
                                                        drive_s[bases[m], j.store])
                              <= pack.reach_s), key=_productivity)[:POOL]
            kept = days[k] + days[m]
            best = _refill(pack, [bases[k], bases[m]], kept + offered)
            if best is None or best[0] <= sum(j.worth for j in kept) + 1e-9:
                continue
            _, fill, times, left = best
            days[k], days[m] = fill
            pack.used[k], pack.used[m] = times
            pack.cache.pop(k, None)
            pack.cache.pop(m, None)
            gone = {j.job_id for j in offered}
            dropped = sorted([j for j in dropped if j.job_id not in gone] + left,
                             key=_productivity)
    return dropped


def _refill(pack: _Packing, pair_bases: list[int], pool: list[Job]
            ) -> tuple[float, list[list[Job]], list[int], list[Job]] | None:
    """The pair's best refill from ``pool`` over :data:`ORDERS`: (tonnes, days, used,
    jobs left out)."""
    best = None
    for order in ORDERS:
        trial = pack.empty_like(pair_bases)
        left = [j for j in sorted(pool, key=order) if not trial.insert(j, range(len(pair_bases)))]
        tonnes = sum(j.worth for day in trial.days for j in day)
        if best is None or tonnes > best[0] + 1e-9:
            best = (tonnes, trial.days, trial.used, left)
    return best


def _exchange(pack: _Packing, dropped: list[Job]) -> list[Job]:
    """Step 5: each dropped job, heaviest first, takes the place of a kept job (an
    ejection chain of :data:`CHAIN_DEPTH` trucks at most: the job pushed out takes the
    place of a job of another truck, and so on) when the last job pushed out moves to
    another truck, or is lighter than the dropped job; a job pushed out for good is tried
    in turn. Return the jobs still dropped."""
    todo = sorted(dropped, key=_heaviest)
    left: list[Job] = []
    while todo:
        d = todo.pop(0)
        chain = _best_chain(pack, d) if pack.slots < EXCHANGE_SLOTS else None
        if chain is None:
            left.append(d)
            continue
        steps, to = chain
        out = d
        for k, i, length, pos in steps:
            job = out
            out = pack.days[k].pop(i)
            pack.days[k].insert(pos, job)
            pack.used[k] = length
            pack.cache.pop(k, None)
        if to is None or not pack.insert(out, [to]):
            todo = sorted([*todo, out], key=_heaviest)
    return sorted(left, key=_productivity)


def _heaviest(j: Job) -> tuple[float, str]:
    return (-j.worth, j.job_id)


Step = tuple[int, int, int, int]  # truck, index of the job pushed out, new length, position


def _fits(pack: _Packing, job: Job, skip: Sequence[int]) -> list[tuple[Step, Job]]:
    """Every way ``job`` fits a truck within reach (not in ``skip``) in place of one of
    its jobs: (step, the job pushed out)."""
    bases = np.asarray(pack.bases)
    out = []
    for k in np.flatnonzero(pack.drive_s[bases, job.store] <= pack.reach_s).tolist():
        if k in skip:
            continue
        day = pack.days[k]
        for i, j in enumerate(day):
            fit = pack.slot(day[:i] + day[i + 1:], pack.bases[k], job)
            if fit is not None:
                out.append(((k, i, fit[0], fit[1]), j))
    return out


def _best_chain(pack: _Packing, d: Job) -> tuple[list[Step], int | None] | None:
    """The ejection chain of step 5 that gains most tonnes for ``d`` (ties: the shorter,
    then the first found): its steps and the truck the last job pushed out moves to
    (None: it is dropped), or None when none gains."""
    best: tuple[float, list[Step], int | None] | None = None
    frontier: list[tuple[list[Step], Job]] = [([], d)]
    stop = pack.slots + CHAIN_SLOTS
    for _ in range(CHAIN_DEPTH):
        if pack.slots >= stop:
            break
        grown = []
        for steps, job in frontier:
            used = [s[0] for s in steps]
            for step, out in _fits(pack, job, used):
                chain = [*steps, step]
                to = pack.where(out, [m for m in range(len(pack.days))
                                      if m not in used and m != step[0]])
                gain = d.worth - (0.0 if to is not None else out.worth)
                if gain > 1e-9 and (best is None or gain > best[0] + 1e-9):
                    best = (gain, chain, to[1] if to is not None else None)
                grown.append((chain, out))
        if best is not None and best[0] >= d.worth - 1e-9:
            break
        frontier = grown[:CHAIN_WIDTH]
    return (best[1], best[2]) if best is not None else None

