"""Checks of each season's collection target (``seasons.seasons[*].kpis``) from the plan.

A season's kpis carry ``target_pct``, ``trucks_for_target`` and its note
(:mod:`optimize.fleet.target`). What the plan alone can confirm:

- ``target_pct`` lies in 0-100 and is the scenario's ``collection_target_pct`` (when the
  plan's scenario lists it);
- the share collected, ``daily_pickup_routed_t / daily_truck_needed_t``, is at least the
  target exactly when ``trucks_for_target`` is null and the note says the fleet reaches
  it;
- below the target, a fleet size is more than the season's ``trucks`` (they did not reach
  it) and at most one truck per trip (the season's collection trips plus its
  ``dropped_trips``); no fleet size means unreachable, which holds only when the trips
  kept plus the trips dropped for fleet capacity (their pickups in ``unserved``) still
  fall short of the target.
"""

from __future__ import annotations

from optimize.plan.bound_checks import bound_problems
from optimize.plan.model import PlanMeta, SeasonKpis

#: Tonnes tolerance: the kpis are rounded to 1 kg.
TOL_T = 0.01
#: The reason of a pickup whose trip the fleet could not drive starts so
#: (``optimize.fleet.shared``).
FLEET_REASON = "fleet capacity reached"
#: The start of the note of a target no fleet reaches (``optimize.fleet.target``).
UNREACHABLE_START = "not reachable"


def target_problems(meta: PlanMeta) -> list[str]:
    """Each season's collection-target figures that disagree with the plan."""
    if meta.seasons is None:
        return []
    want = meta.scenario["collection_target_pct"].value \
        if "collection_target_pct" in meta.scenario else None
    out = []
    for s in meta.seasons.seasons:
        k = s.kpis
        if k is None or k.target_pct is None:
            continue
        trips = sum(1 for r in meta.routes if r.season == s.name and not r.is_market)
        capacity_t = sum(u.tonnes_t or 0.0 for u in meta.unserved
                         if u.season == s.name and u.reason.startswith(FLEET_REASON))
        out += [f"season {s.name}: {p}" for p in
                _season_problems(k, want, trips, capacity_t)]
    return out + bound_problems(meta)


def _season_problems(k: SeasonKpis, want: float | None, trips: int,
                     capacity_t: float) -> list[str]:
    target = float(k.target_pct or 0.0)
    if not 0.0 <= target <= 100.0:
        return [f"target_pct {target} outside 0-100"]
    out = []
    if want is not None and abs(float(want) - target) > 1e-9:
        out.append(f"target_pct {target} but the scenario's collection_target_pct is {want}")
    goal_t = target / 100.0 * k.daily_truck_needed_t
    n = k.trucks_for_target
    note = k.trucks_for_target_note or ""
    if k.daily_pickup_routed_t >= goal_t - TOL_T:
        if n is not None:
            out.append(f"trucks_for_target {n} though {k.daily_pickup_routed_t} of "
                       f"{k.daily_truck_needed_t} t reaches the {target} % target")
        return out
    if n is None:
        best_t = k.daily_pickup_routed_t + capacity_t
        if not note.startswith(UNREACHABLE_START):
            out.append(f"below the {target} % target without trucks_for_target or a "
                       "'not reachable' note")
        elif best_t >= goal_t + TOL_T:
            out.append(f"target called not reachable, but the trips kept and dropped carry "
                       f"{best_t:.3f} of the {goal_t:.3f} t it needs")
        return out
    if n <= k.trucks:
        out.append(f"trucks_for_target {n} not above the {k.trucks} trucks that collect "
                   f"{k.daily_pickup_routed_t} t, below the {target} % target")
    if k.dropped_trips is not None and n > trips + k.dropped_trips:
        out.append(f"trucks_for_target {n} above one truck per trip "
                   f"({trips} + {k.dropped_trips} dropped)")
    return out
