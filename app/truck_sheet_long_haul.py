"""A lent truck's long-haul leg on its printable day sheet (issue 17).

A truck lent to a partner-city outlet has no trip in the season's day: it drives a
multi-day, full-truckload leg (``trucks[*].long_haul``, see ``docs/PLAN-FORMAT.md``) and
repeats it all season. :func:`long_haul_view` turns that record into what the sheet
lists: the destination, the days of the cycle (each stop on its day and clock time), the
tonnes loaded and delivered, the tonnes a day of the cycle, and the kilometres, flagged
as the straight-line estimate they are. Pure Python on the JSON (no project imports, so
:mod:`app.truck_plan` can import it).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

DAY_S = 86_400


def day_clock(seconds: Any) -> tuple[int | None, str]:
    """(day of the leg from 1, ``HH:MM``) of seconds from midnight of its first day."""
    if not isinstance(seconds, int | float) or isinstance(seconds, bool):
        return None, "–"
    day, rest = divmod(int(seconds), DAY_S)
    return day + 1, f"{rest // 3600:02d}:{rest % 3600 // 60:02d}"


def long_haul_view(leg: Any, names: Mapping[str, str]) -> dict[str, Any] | None:
    """What the day sheet shows of a ``long_haul`` record (``None`` without one):
    destination, days and nights, tonnes, kilometres, fuel and cost, and each stop and
    the return to the base with its day and clock time."""
    if not isinstance(leg, Mapping):
        return None
    stops = []
    for s in leg.get("stops") or ():
        place = s.get("market_id") or s.get("store_id")
        day, at = day_clock(s.get("arrival_s"))
        market = s.get("market_id") is not None
        stops.append({"id": place, "name": s.get("name") or names.get(str(place)),
                      "day": day, "clock": at, "market": market,
                      "tonnes_t": s.get("delivered_t") if market else s.get("pickup_t")})
    back_day, back_at = day_clock(leg.get("end_s"))
    start_day, start_at = day_clock(leg.get("start_s"))
    distance = leg.get("distance_m")
    return {"leg_id": leg.get("leg_id"), "market_id": leg.get("market_id"),
            "market_name": names.get(str(leg.get("market_id"))),
            "base_id": leg.get("base_id"), "days": leg.get("days"),
            "nights": leg.get("nights"), "load_t": leg.get("load_t"),
            "daily_t": leg.get("daily_t"),
            "distance_km": float(distance) / 1000 if isinstance(distance, int | float)
            else None,
            "fuel_l": leg.get("fuel_l"), "cost_yuan": leg.get("cost_yuan"),
            "approximate": bool(leg.get("approximate_travel")),
            "start_day": start_day, "start": start_at, "stops": stops,
            "back_day": back_day, "back": back_at}
