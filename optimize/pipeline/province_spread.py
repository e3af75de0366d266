"""Per prefecture and season: what the shared fleet collects there, against what it needs.

The province's 720 trucks are packed over all prefectures' trips for the most tonnes
(:mod:`optimize.fleet.shared`), so where the fleet is short the prefectures whose trips
carry fewest tonnes per truck-hour lose most: measured on the Gansu plan of session 4,
陇南 (6212) got 0.0 % of its truck-needed produce in early summer and 0.6 % in autumn,
平凉 (6208) 2.3 % in summer, while the province collected 56.9-64.3 %. The season table
used to say "N trucks for a need of N; need met" for every prefecture (the need being the
trucks the packing based there), which hid that.

:func:`spread_cells` restates each ``seasons.fleet`` cell of a province plan from the
plan's own records:

- ``collected_t``: the tonnes the season's collection trips pick up in the prefecture's
  villages (a village's prefecture: the first 4 digits of its ``settlement_id``; the trip
  may deliver to a store across the border);
- ``needed_t``: those plus the season's routing ``unserved`` tonnes of its villages (the
  produce that needs a truck), ``collected_pct`` their ratio;
- ``need``: the fewest trucks any plan needs to collect the season's target share of the
  prefecture's truck-needed produce (``target_pct``, capped at what its collectable
  pickups hold), by the proven fleet bound on the prefecture's items
  (:func:`optimize.fleet.bound.trucks_lower`; the items carry the season's
  ``fleet_bound``); ``trucks`` stays the trucks based in the prefecture.

The prefectures' ``collected_t`` and ``needed_t`` add up to the season kpis'
``daily_pickup_routed_t`` and ``daily_truck_needed_t`` (``verify_plan`` checks it).
"""

from __future__ import annotations

import collections
from collections.abc import Mapping, Sequence
from typing import Any

from optimize.fleet.bound import trucks_lower
from optimize.programme import GANSU_PREFECTURES

#: ``seasons.rule`` of a repacked province plan: how the table's trucks came about.
SPREAD_RULE = (
    "per season the fleet is packed over every prefecture's trips for the most tonnes "
    "(trips in order of tonnes per truck-hour; a truck is based where its first trip "
    "starts), so where the fleet is short the prefectures with the fewest tonnes per stop "
    "lose most; each cell: the fewest trucks any plan needs there for the collection "
    "target (proven bound) / the trucks based there, and the share of its truck-needed "
    "produce collected; moves: min-cost transportation of surplus to deficit regions on "
    "shortest inter-region distances")


def region_of(settlement_id: Any) -> str:
    """A village's prefecture code: the first 4 digits of its settlement id."""
    return str(settlement_id)[:4]


def collected_by_region(season: str, routes: Sequence[Mapping[str, Any]],
                        unserved: Sequence[Mapping[str, Any]]
                        ) -> dict[str, tuple[float, float]]:
    """Prefecture -> (tonnes the season's collection trips pick up in its villages,
    tonnes of its villages the season's routing left out)."""
    got: dict[str, float] = collections.defaultdict(float)
    left: dict[str, float] = collections.defaultdict(float)
    for r in routes:
        if r.get("season") == season and r.get("kind", "collection") == "collection":
            for s in r["stops"]:
                got[region_of(s["settlement_id"])] += float(s["pickup_t"])
    for u in unserved:
        if u.get("season") == season and u.get("stage") == "routing":
            left[region_of(u["settlement_id"])] += float(u.get("tonnes_t") or 0.0)
    return {k: (got.get(k, 0.0), left.get(k, 0.0)) for k in sorted({*got, *left})}


def region_need(items: Sequence[Sequence[Any]], region: str, needed_t: float,
                target_pct: float, shift_s: int) -> int:
    """Fewest trucks for ``target_pct`` of the prefecture's ``needed_t`` (capped at what
    its collectable ``items`` hold), by the fractional-knapsack bound of its items."""
    own = [i for i in items if region_of(i[0]) == region]
    q = [float(i[1]) for i in own]
    goal = min(target_pct / 100.0 * needed_t, sum(q))
    return trucks_lower(q, [float(i[2]) for i in own], goal, shift_s) or 0


def spread_cells(fleet: Sequence[Mapping[str, Any]], seasons: Sequence[Mapping[str, Any]],
                 routes: Sequence[Mapping[str, Any]], unserved: Sequence[Mapping[str, Any]],
                 target_pct: float) -> list[dict[str, Any]]:
    """The ``seasons.fleet`` cells restated per prefecture (module docstring); a
    prefecture with produce left but no cell gets one (0 trucks based)."""
    kpis = {s["name"]: s.get("kpis") or {} for s in seasons}
    names = {**GANSU_PREFECTURES, **{c["region"]: c["region_name"] for c in fleet}}
    based = {(c["season"], c["region"]): int(c["trucks"]) for c in fleet}
    out = []
    for season, k in kpis.items():
        bound = k.get("fleet_bound") or {}
        items, shift_s = bound.get("items") or [], int(bound.get("shift_s") or 0)
        target = float(k.get("target_pct", target_pct))
        by_region = collected_by_region(season, routes, unserved)
        for region in sorted({*by_region, *(r for s, r in based if s == season)}):
            got, left = by_region.get(region, (0.0, 0.0))
            need_t = got + left
            need = region_need(items, region, need_t, target, shift_s) if shift_s else 0
            trucks = based.get((season, region), 0)
            pct = 100.0 * got / need_t if need_t > 0 else 100.0
            label = f"{season}, {region} {names.get(region, '')}".rstrip()
            out.append({
                "season": season, "region": region, "region_name": names.get(region, region),
                "need": need, "trucks": trucks, "collected_t": round(got, 3),
                "needed_t": round(need_t, 3), "collected_pct": round(pct, 2),
                "reason": (f"{label}: {trucks} trucks based here; the shared fleet collects "
                           f"{got:,.1f} of {need_t:,.1f} t/day needing a truck in its "
                           f"villages ({pct:.1f} %)" + (
                               f"; at least {need} trucks (proven bound) to collect "
                               f"{target:g} %" if shift_s else ""))})
    return out
