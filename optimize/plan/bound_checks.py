"""Checks of each season's proven fleet bound (``seasons.seasons[*].kpis``) from the plan.

A season's kpis may carry ``collectable_upper_t`` / ``_pct``, ``trucks_for_target_lower``
and the ``fleet_bound`` they come from (:mod:`optimize.fleet.bound`). From ``plan.json``
alone this module recomputes both figures from the items (fractional knapsack over
``hours_s``, and the fewest trucks for ``target_pct`` of ``daily_truck_needed_t``) and
checks what any plan must satisfy:

- ``hours_s`` is the season's ``trucks`` x ``shift_s`` (the scenario's, when listed);
- the season's collected tonnes are at most ``collectable_upper_t``; a village's tonnes on
  the season's collection trips are at most its items' tonnes;
- the season's collection trips take at least the least cost of what they collect (per
  village, its cheapest items per tonne), and so does each trip alone (its stops' shares
  of a return and unloading add up to at most one trip: ``q / cap`` or ``1 / kmax`` each):
  a bound below it would not be one;
- ``trucks_for_target_lower`` is at most the packer's ``trucks_for_target`` (and at most
  the season's ``trucks`` when they reach the target).
"""

from __future__ import annotations

import collections

from optimize.fleet.bound import collectable_upper_t, trucks_lower
from optimize.plan.model import PlanMeta, SeasonKpis

#: Tonnes and per-cent tolerances (kpis are rounded to 1 kg and 0.01 %).
TOL_T = 0.01
TOL_PCT = 0.011


def bound_problems(meta: PlanMeta) -> list[str]:
    """Each season's fleet-bound figures that disagree with the plan."""
    if meta.seasons is None:
        return []
    shift = meta.scenario["shift_s"].value if "shift_s" in meta.scenario else None
    out = []
    for s in meta.seasons.seasons:
        k = s.kpis
        if k is None or k.fleet_bound is None:
            continue
        routes = [r for r in meta.routes if r.season == s.name and not r.is_market]
        tonnes: dict[str, float] = collections.defaultdict(float)
        for r in routes:
            for stop in r.stops:
                tonnes[str(stop.settlement_id)] += float(stop.pickup_t)
        spent_s = sum(r.end_s - r.start_s for r in routes)
        problems = season_bound_problems(k, shift, tonnes, spent_s)
        cheapest: dict[str, float] = {}
        for i in k.fleet_bound.items:
            cheapest[str(i[0])] = min(float(i[2]), cheapest.get(str(i[0]), float("inf")))
        for r in routes:  # a trip's shares of a return sum to at most one trip
            least = sum(cheapest.get(str(st.settlement_id), 0.0) for st in r.stops)
            if r.end_s - r.start_s < least - 1:
                problems.append(f"trip {r.route_id} takes {r.end_s - r.start_s} s, below the "
                                f"least cost of its stops ({least:.0f} s): the bound is "
                                "not valid")
        out += [f"season {s.name}: {p}" for p in problems]
    return out


def season_bound_problems(k: SeasonKpis, shift_s: int | None,
                          tonnes: dict[str, float], spent_s: float) -> list[str]:
    """One season's problems: ``tonnes`` per village and ``spent_s`` truck-seconds on its
    collection trips."""
    b = k.fleet_bound
    assert b is not None
    items = [(str(i[0]), float(i[1]), float(i[2])) for i in b.items]
    q = [i[1] for i in items]
    c = [i[2] for i in items]
    out = []
    if shift_s is not None and int(shift_s) != b.shift_s:
        out.append(f"fleet_bound shift_s {b.shift_s} but the scenario's shift_s is {shift_s}")
    if b.hours_s != k.trucks * b.shift_s:
        out.append(f"fleet_bound hours_s {b.hours_s} is not {k.trucks} trucks x {b.shift_s} s")
    if any(x < 0 for x in q + c):
        out.append("fleet_bound has an item with negative tonnes or seconds")
    upper = collectable_upper_t(q, c, b.hours_s)
    if k.collectable_upper_t is None or abs(upper - k.collectable_upper_t) > TOL_T:
        out.append(f"collectable_upper_t {k.collectable_upper_t} but the items give "
                   f"{upper:.3f}")
    need = k.daily_truck_needed_t
    pct = min(100.0 * upper / need, 100.0) if need > 0 else 100.0
    if k.collectable_upper_pct is None or abs(pct - k.collectable_upper_pct) > TOL_PCT:
        out.append(f"collectable_upper_pct {k.collectable_upper_pct} but the items give "
                   f"{pct:.2f}")
    if k.daily_pickup_routed_t > upper + TOL_T:
        out.append(f"{k.daily_pickup_routed_t} t collected, above the proven bound "
                   f"{upper:.3f} t")
    out += _lower_problems(k, q, c, b.shift_s)
    out += _collected_problems(items, tonnes, spent_s)
    return out


def _lower_problems(k: SeasonKpis, q: list[float], c: list[float], shift_s: int) -> list[str]:
    if k.target_pct is None:
        return []
    lower = trucks_lower(q, c, k.target_pct / 100.0 * k.daily_truck_needed_t, shift_s)
    out = []
    if lower != k.trucks_for_target_lower:
        out.append(f"trucks_for_target_lower {k.trucks_for_target_lower} but the items "
                   f"give {lower}")
    if lower is not None and k.trucks_for_target is not None and lower > k.trucks_for_target:
        out.append(f"trucks_for_target_lower {lower} above trucks_for_target "
                   f"{k.trucks_for_target}")
    met = k.daily_pickup_routed_t >= k.target_pct / 100.0 * k.daily_truck_needed_t - TOL_T
    if lower is not None and met and lower > k.trucks:
        out.append(f"trucks_for_target_lower {lower} above the {k.trucks} trucks that reach "
                   "the target")
    return out


def _collected_problems(items: list[tuple[str, float, float]], tonnes: dict[str, float],
                        spent_s: float) -> list[str]:
    """Villages collected beyond their items, and trips faster than the bound allows."""
    by_village: dict[str, list[tuple[float, float]]] = collections.defaultdict(list)
    for sid, q, c in items:
        by_village[sid].append((q, c))
    out, least_s = [], 0.0
    for sid, t in sorted(tonnes.items()):
        own = sorted(by_village.get(sid, []), key=lambda x: x[1] / x[0] if x[0] else 0.0)
        if t > sum(q for q, _ in own) + TOL_T:
            out.append(f"village {sid}: {t:.3f} t collected, its items hold "
                       f"{sum(q for q, _ in own):.3f} t")
            continue
        left = t
        for q, c in own:
            take = min(q, left)
            least_s += c * take / q if q > 0 else 0.0
            left -= take
    if spent_s + 1e-6 < least_s - len(tonnes):
        out.append(f"the collection trips take {spent_s} truck-s, below the bound's least "
                   f"cost of what they collect ({least_s:.0f} s): the bound is not valid")
    return out
