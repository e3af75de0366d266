"""The season's collection-target card of the truck-plan page (issue 17).

From ``seasons.seasons[*].kpis``: the share of the produce that needs a truck that the
plan collects, and against the target ``target_pct`` either the fleet this plan's packer
would need (``trucks_for_target``), or that the target is met, or that no fleet reaches
it (:mod:`optimize.fleet.target`); with the proven bound (:mod:`optimize.fleet.bound`)
the fleet is a range from ``trucks_for_target_lower`` to it, and a second card gives the
most any plan collects with the season's trucks; a third gives the poverty counties' share
collected against the others' and the packing rule (:mod:`optimize.fleet.priority`). A plan
without these keys gets no card.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from optimize.fleet.priority import PLAIN, WEIGHTED
from optimize.plan.target_checks import UNREACHABLE_START

#: The note of a fleet found with the packer's greedy pass alone starts so.
UPPER_BOUND_START = "an upper bound"


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def target_cards(kpis: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The card (a list of none or one, in :func:`app.truck_plan.season_cards`'s form):
    value = per cent collected of ``daily_truck_needed_t``, note = what the target needs."""
    target: Any = kpis.get("target_pct")
    needed: Any = kpis.get("daily_truck_needed_t")
    routed: Any = kpis.get("daily_pickup_routed_t")
    if not (_number(target) and _number(needed) and _number(routed)):
        return []
    pct = 100.0 * float(routed) / float(needed) if needed else 100.0
    n = kpis.get("trucks_for_target")
    label = str(kpis.get("trucks_for_target_note") or "")
    low = kpis.get("trucks_for_target_lower")
    if _number(n) and _number(low):
        note = (f"{target:g} % 需 {low:,}–{n:,} 辆车 would need between {low:,} and {n:,} "
                "trucks (下限已证明 lower bound proven; 上限按本方案车次 upper: this plan's "
                "trips)")
    elif _number(n):
        zh, en = ("至多 ", "at most ") if label.startswith(UPPER_BOUND_START) else ("", "")
        note = (f"{target:g} % 需 {zh}{n:,} 辆车 would need {en}{n:,} trucks "
                "(本方案车次 this plan's trips)")
    elif label.startswith(UNREACHABLE_START):
        note = f"{target:g} %: 增加车辆也无法达到 not reachable by adding trucks"
    else:
        note = f"{target:g} %: 本车队已达到 met by this fleet"
    return [{"key": "target", "label": "收集目标 Collection target", "value": pct,
             "unit": "%", "digits": 1, "share": None, "note": note}, *bound_cards(kpis)]


def bound_cards(kpis: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The proven-bound card (none for a plan without it): at most ``collectable_upper_pct``
    of the produce that needs a truck is collectable with the season's trucks, by any plan
    (:mod:`optimize.fleet.bound`)."""
    pct, upper, trucks = (kpis.get("collectable_upper_pct"), kpis.get("collectable_upper_t"),
                          kpis.get("trucks"))
    if not (_number(pct) and _number(upper) and _number(trucks)):
        return []
    note = (f"{upper:,.1f} t/d：任何方案用 {trucks:,} 辆车至多收集这么多 no plan with "
            f"{trucks:,} trucks collects more (已证明 proven bound)")
    return [{"key": "bound", "label": "可收集上限 Collectable at most", "value": pct,
             "unit": "%", "digits": 1, "share": None, "note": note}]


#: The packing rules (:mod:`optimize.fleet.priority`) in both languages.
PACKING_LABELS = {PLAIN: "按吨数 for tonnes",
                  WEIGHTED: "贫困县加权吨数 for poverty-weighted tonnes"}


def priority_cards(kpis: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The poverty counties' card (none without ``priority_collected_pct``): the share of
    their truck-needed produce collected, the others' share and the packing rule."""
    pct, others = kpis.get("priority_collected_pct"), kpis.get("others_collected_pct")
    if not _number(pct):
        return []
    rule = str(kpis.get("packing") or "")
    other = f"{others:.1f} %" if _number(others) else "–"
    note = (f"其他地区 others {other}；车队编排 packing "
            f"{PACKING_LABELS.get(rule, rule)}")
    return [{"key": "priority", "label": "贫困县收集 Poverty counties collected", "value": pct,
             "unit": "%", "digits": 1, "share": None, "note": note}]
