"""Checks of a province plan's season table per prefecture (``seasons.fleet``).

Cells written by :mod:`optimize.pipeline.province_spread` carry ``collected_t``,
``needed_t`` and ``collected_pct``; recomputed here from ``plan.json``
alone: a village's prefecture is the first 4 digits of its ``settlement_id``, collected
tonnes are the season's collection trips' stops there, needed tonnes add the season's
routing ``unserved`` there; ``trucks`` are the season's trucks whose ``base_id`` carries
the prefecture's prefix; ``need`` is the fewest trucks for ``target_pct`` of ``needed_t``
(at most what the prefecture's items hold) by the season's ``fleet_bound`` items. The
prefectures' tonnes add up to the season's kpis by construction, so a cell that hides a
gap is a cell that disagrees with the trips.

:func:`priority_problems` recomputes each season's ``priority_collected_pct`` and
``others_collected_pct`` (the collected share of the truck-needed produce of the poverty
counties' villages, the settlements layer's ``poor``, and of the rest) when written.
"""

from __future__ import annotations

import collections
import math

from optimize.fleet.bound import trucks_lower
from optimize.plan.io import Plan
from optimize.plan.model import PlanMeta

TOL_T = 0.01


def spread_problems(meta: PlanMeta) -> list[str]:
    """Each prefecture cell of the season table that disagrees with the plan."""
    seasons = meta.seasons
    if seasons is None or meta.trucks is None:
        return []
    kpis = {s.name: s.kpis for s in seasons.seasons}
    got: dict[tuple[str, str], float] = collections.defaultdict(float)
    left: dict[tuple[str, str], float] = collections.defaultdict(float)
    for r in meta.routes:
        if (r.kind or "collection") == "collection" and r.season is not None:
            for s in r.stops:
                got[r.season, str(s.settlement_id)[:4]] += s.pickup_t
    for u in meta.unserved:
        if u.stage == "routing" and u.season is not None:
            left[u.season, str(u.settlement_id)[:4]] += u.tonnes_t or 0.0
    based = collections.Counter((t.season, str(t.base_id)[:4]) for t in meta.trucks)
    out = []
    for c in seasons.fleet:
        if c.collected_t is None or c.needed_t is None:
            continue
        key, name = (c.season, c.region), f"season {c.season}, region {c.region}"
        need_t = got[key] + left[key]
        pairs = [("collected_t", float(c.collected_t), got[key]),
                 ("needed_t", float(c.needed_t), need_t),
                 ("trucks", float(c.trucks), float(based[key]))]
        out += [f"{name}: {k} {saved}, recomputed {again:.3f}" for k, saved, again in pairs
                if not math.isclose(saved, again, abs_tol=TOL_T * 5)]
        k = kpis.get(c.season)
        if k is not None and k.fleet_bound is not None:
            items = [i for i in k.fleet_bound.items if str(i[0])[:4] == c.region]
            q = [float(i[1]) for i in items]
            target = k.target_pct if k.target_pct is not None \
                else meta.param("collection_target_pct")
            goal = min(float(target) / 100.0 * need_t, sum(q))
            again = trucks_lower(q, [float(i[2]) for i in items], goal,
                                 k.fleet_bound.shift_s) or 0
            if again != c.need:
                out.append(f"{name}: need {c.need}, the bound gives {again}")
    return out


def priority_problems(plan: Plan) -> list[str]:
    """Each season's poverty-county and other shares that disagree with its trips."""
    meta = plan.info
    if meta.seasons is None:
        return []
    settle = plan.settlements
    poor = set(settle.loc[settle["poor"].fillna(False).astype(bool), "settlement_id"]
               .astype(str)) if "poor" in settle else set()
    weighted = bool(poor) and float(meta.param("poverty_weight")) > 1.0
    out = []
    for s in meta.seasons.seasons:
        k = s.kpis
        if k is None or k.packing is None:
            continue
        got, need = [0.0, 0.0], [0.0, 0.0]
        for r in meta.routes:
            if r.season == s.name and (r.kind or "collection") == "collection":
                for x in r.stops:
                    n = int(weighted and str(x.settlement_id) in poor)
                    got[n] += x.pickup_t
                    need[n] += x.pickup_t
        for u in meta.unserved:
            if u.season == s.name and u.stage == "routing":
                need[int(weighted and str(u.settlement_id) in poor)] += u.tonnes_t or 0.0
        for n, key in ((1, "priority_collected_pct"), (0, "others_collected_pct")):
            saved, again = getattr(k, key), 100.0 * got[n] / need[n] if need[n] > 0 else None
            if (saved is None) != (again is None) or (
                    again is not None and not math.isclose(float(saved), again, abs_tol=0.02)):
                out.append(f"season {s.name}: kpi {key} {saved}, recomputed {again}")
    return out
