"""The season's collection-target card of the truck-plan page (issue 17).

From ``seasons.seasons[*].kpis``: the share of the produce that needs a truck that the
plan collects, and against the target ``target_pct`` either the fleet this plan's packer
would need (``trucks_for_target``), or that the target is met, or that no fleet reaches
it (:mod:`optimize.fleet.target`). A plan without these keys gets no card.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

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
    if _number(n):
        zh, en = ("至多 ", "at most ") if label.startswith(UPPER_BOUND_START) else ("", "")
        note = (f"{target:g} % 需 {zh}{n:,} 辆车 would need {en}{n:,} trucks "
                "(本方案车次 this plan's trips)")
    elif label.startswith(UNREACHABLE_START):
        note = f"{target:g} %: 增加车辆也无法达到 not reachable by adding trucks"
    else:
        note = f"{target:g} %: 本车队已达到 met by this fleet"
    return [{"key": "target", "label": "收集目标 Collection target", "value": pct,
             "unit": "%", "digits": 1, "share": None, "note": note}]
