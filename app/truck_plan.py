"""The truck plan's pages as a view-model: per season KPI cards, trucks, markets, day sheets.

Everything here is a pure function of the parsed ``plan.json`` mapping (the API's
:meth:`app.plans.PlanStore.metadata`), so it works the same whatever typed model the
plan is read into, and an older plan without the truck-plan keys (``seasons[*].kpis``,
``trucks``, ``markets``, ``market_flow``, ``costs``; ``docs/PLAN-FORMAT.md``) simply has
no seasons here (:func:`season_names` is empty) and its pages render as before.

Every figure shown is read from ``plan.json``: the season's ``kpis``, ``costs.by_season``,
``market_flow.by_season`` and each trip's own keys; only shares (a figure over the
season's ``daily_supply_t``) and sums over one truck's trips are computed here.

Clock times: trips of the truck plan (a route with ``season``) carry seconds from
midnight of the season's day, so they print as they are; older trips carry seconds from
the shift start, which is added (:func:`trip_clock_offset_s`). The shift start shown is the
scenario's ``shift_start_s``, else 06:00 flagged as a display default.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from app.target_card import priority_cards, target_cards
from app.truck_sheet_long_haul import long_haul_view
from optimize.plan.model import PlanMeta

DASH = "–"
SHIFT_START_DEFAULT_S = 6 * 3600
SHIFT_START_PARAMS = ("shift_start_s", "shift_start")
COLLECTION = "collection"
MARKET = "market"
TRUCKS_PER_PAGE = 50


class SeasonNotFound(LookupError):
    """The plan has no season of that name (the page answers 404 with this message)."""


class TruckNotFound(LookupError):
    """The plan has no truck of that id in that season (404 with this message)."""


# ---- small helpers -------------------------------------------------------------------------


def is_number(value: Any) -> bool:
    """True for int/float but not bool."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def clock(seconds: Any, offset_s: int = 0) -> str:
    """``offset_s + seconds`` (seconds from midnight) as ``HH:MM``; ``+1 HH:MM`` past
    midnight; an en dash when missing."""
    if not is_number(seconds):
        return DASH
    total = (offset_s + int(seconds)) // 60
    day, minute = divmod(total, 24 * 60)
    text = f"{minute // 60:02d}:{minute % 60:02d}"
    return f"+{day} {text}" if day else text


def share_pct(part: Any, whole: Any) -> float | None:
    """``part / whole`` in percent, or ``None`` when either is missing or ``whole`` is 0."""
    if not (is_number(part) and is_number(whole)) or not whole:
        return None
    return 100.0 * part / whole


def _maps(value: Any) -> list[Mapping[str, Any]]:
    """The mappings of a JSON list (anything else: empty)."""
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


def _get(mapping: Any, *keys: str) -> Any:
    """``mapping[k1][k2]...`` or ``None`` where a level is missing."""
    for key in keys:
        if not isinstance(mapping, Mapping):
            return None
        mapping = mapping.get(key)
    return mapping


# ---- seasons -------------------------------------------------------------------------------


def season_entries(meta: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """``seasons.seasons`` entries that carry ``kpis`` (the truck plan), in plan order."""
    return [s for s in _maps(_get(meta, "seasons", "seasons"))
            if isinstance(s.get("kpis"), Mapping) and s.get("name") is not None]


def season_names(meta: Mapping[str, Any]) -> list[str]:
    """Names of the routed seasons (empty for a plan without the truck plan)."""
    return [str(s["name"]) for s in season_entries(meta)]


def busiest_season(meta: Mapping[str, Any]) -> str | None:
    """The season with the largest ``kpis.daily_supply_t`` (first on a tie); ``None``
    without seasons."""
    best: tuple[float, str] | None = None
    for entry in season_entries(meta):
        supply = entry["kpis"].get("daily_supply_t")
        value = float(supply) if is_number(supply) else -1.0
        if best is None or value > best[0]:
            best = (value, str(entry["name"]))
    return best[1] if best else None


def pick_season(meta: Mapping[str, Any], asked: str | None) -> str | None:
    """The season a page shows: ``asked`` if the plan has it, the busiest if ``asked`` is
    empty; ``None`` for a plan without seasons (``asked`` ignored).

    Raises
    ------
    SeasonNotFound
        ``asked`` is not one of the plan's seasons.
    """
    names = season_names(meta)
    if not names:
        return None
    if not asked:
        return busiest_season(meta)
    if asked not in names:
        raise SeasonNotFound(f"plan has no season {asked!r}; seasons are {', '.join(names)}")
    return asked


def season_kpis(meta: Mapping[str, Any], season: str) -> Mapping[str, Any]:
    """``seasons.seasons[name == season].kpis`` (empty if absent)."""
    for entry in season_entries(meta):
        if str(entry["name"]) == season:
            return entry["kpis"]
    return {}


def season_days(meta: Mapping[str, Any], season: str) -> Any:
    """``days`` of the season entry (``None`` if absent)."""
    for entry in season_entries(meta):
        if str(entry["name"]) == season:
            return entry.get("days")
    return None


def season_costs(meta: Mapping[str, Any], season: str) -> Mapping[str, Any]:
    """``costs.by_season[season]`` (empty if absent)."""
    found = _get(meta, "costs", "by_season", season)
    return found if isinstance(found, Mapping) else {}


def season_flow(meta: Mapping[str, Any], season: str) -> Mapping[str, Any]:
    """``market_flow.by_season[season]`` (empty if absent)."""
    found = _get(meta, "market_flow", "by_season", season)
    return found if isinstance(found, Mapping) else {}


# ---- trucks --------------------------------------------------------------------------------


def season_trucks(meta: Mapping[str, Any], season: str) -> list[Mapping[str, Any]]:
    """``trucks`` entries of ``season``, by truck id."""
    rows = [t for t in _maps(meta.get("trucks")) if str(t.get("season")) == season]
    return sorted(rows, key=lambda t: str(t.get("truck_id")))


def idle_groups(trucks: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Idle trucks grouped by ``idle_reason``: ``{reason, count, truck_ids}``, most first."""
    groups: dict[str, list[str]] = {}
    for truck in trucks:
        if truck.get("idle"):
            reason = str(truck.get("idle_reason") or DASH)
            groups.setdefault(reason, []).append(str(truck.get("truck_id")))
    return [{"reason": r, "count": len(ids), "truck_ids": ids}
            for r, ids in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))]


def names_by_id(meta: Mapping[str, Any]) -> dict[str, str]:
    """Store and market names by id."""
    names = {str(s.get("store_id")): str(s.get("name")) for s in _maps(meta.get("stores"))}
    names.update({str(m.get("market_id")): str(m.get("name"))
                  for m in _maps(meta.get("markets"))})
    return names


def truck_rows(meta: Mapping[str, Any], season: str) -> list[dict[str, Any]]:
    """One row per truck of ``season`` for the truck table (figures as in ``trucks``)."""
    names = names_by_id(meta)
    return [{"truck_id": str(t.get("truck_id")), "base_id": t.get("base_id"),
             "base_name": names.get(str(t.get("base_id"))),
             "trips": len(t.get("trips") or ()), "collection_t": t.get("collection_t"),
             "market_t": t.get("market_t"), "start": clock(t.get("start_s")),
             "end": clock(t.get("end_s")), "work_s": t.get("work_s"),
             "distance_m": t.get("distance_m"), "idle": bool(t.get("idle")),
             "idle_reason": t.get("idle_reason")}
            for t in season_trucks(meta, season)]


# ---- the KPI cards -------------------------------------------------------------------------


def _card(key: str, label: str, value: Any, unit: str, digits: int = 1,
          share: float | None = None, note: str = "") -> dict[str, Any]:
    """One card: a figure of plan.json with its unit, optional share (%) and note."""
    return {"key": key, "label": label, "value": value, "unit": unit, "digits": digits,
            "share": share, "note": note}


def season_cards(meta: Mapping[str, Any], season: str) -> list[dict[str, Any]]:
    """The season's KPI cards: daily supply and who carries it (with shares of the daily
    supply), market tonnes and what is left for buyers, trucks and idle trucks, cost per
    day and per tonne, CO2, fuel and km; values straight from ``plan.json``."""
    k = season_kpis(meta, season)
    costs = season_costs(meta, season)
    supply = k.get("daily_supply_t")
    return [
        _card("supply", "日产量 Daily supply", supply, "t/d"),
        _card("self", "农户自送 Self-delivered", k.get("daily_self_delivered_t"), "t/d",
              share=share_pct(k.get("daily_self_delivered_t"), supply)),
        _card("routed", "车辆收集 Truck-collected", k.get("daily_pickup_routed_t"), "t/d",
              share=share_pct(k.get("daily_pickup_routed_t"), supply)),
        _card("unrouted", "未收集 Unrouted", k.get("daily_unrouted_t"), "t/d",
              share=share_pct(k.get("daily_unrouted_t"), supply),
              note="" if k.get("dropped_trips") is None else
              f"{_int(k.get('dropped_trips'))} 趟未排 trips no truck could take"),
        _card("market", "送市场 To markets", k.get("market_t"), "t/d"),
        _card("buyers", "留给收购商 Left for buyers", k.get("left_for_buyers_t"), "t/d"),
        _card("idle", "闲置车辆 Idle trucks", k.get("idle_trucks"), "", 0,
              note=f"{_int(k.get('trucks_used'))} / {_int(k.get('trucks'))} used 在用"),
        _card("cost", "运输成本 Cost", k.get("cost_yuan"), "yuan/d", 0,
              note=_per_t(costs.get("cost_per_t_yuan"))),
        _card("co2", "二氧化碳 CO2", k.get("co2_kg"), "kg/d", 0),
        _card("fuel", "柴油 Diesel", k.get("fuel_l"), "L/d", 0),
        _card("km", "里程 Distance", k.get("distance_km"), "km/d", 0),
        *target_cards(k),
        *priority_cards(k),
    ]


def _int(value: Any) -> str:
    """A count with thousands separators, or an en dash."""
    return f"{value:,.0f}" if is_number(value) else DASH


def _per_t(value: Any) -> str:
    """``x.xx yuan/t`` or an en dash."""
    return f"{value:,.2f} yuan/t" if is_number(value) else f"{DASH} yuan/t"


def season_view(meta: Mapping[str, Any], season: str | None) -> dict[str, Any] | None:
    """Everything the plan page's season part shows (``None`` without seasons)."""
    if season is None:
        return None
    trucks = season_trucks(meta, season)
    k = season_kpis(meta, season)
    return {"season": season, "names": season_names(meta),
            "busiest": busiest_season(meta), "days": season_days(meta, season),
            "cards": season_cards(meta, season), "idle": idle_groups(trucks),
            "idle_count": sum(1 for t in trucks if t.get("idle")),
            "kpis": k, "costs": season_costs(meta, season),
            "markets": market_rows(meta, season),
            "split_rule": _get(meta, "market_flow", "split_rule"),
            "cost_notes": cost_notes(meta)}


def cost_notes(meta: Mapping[str, Any]) -> list[dict[str, Any]]:
    """``costs.parameters`` as rows ``{name, value, unit, source, assumption}``."""
    params = _get(meta, "costs", "parameters")
    if not isinstance(params, Mapping):
        return []
    return [{"name": str(name), "value": p.get("value"), "unit": p.get("unit"),
             "source": p.get("source"), "assumption": bool(p.get("assumption"))}
            for name, p in params.items() if isinstance(p, Mapping)]


# ---- markets -------------------------------------------------------------------------------


def hours_text(open_s: Any, close_s: Any) -> str:
    """Opening hours ``HH:MM–HH:MM`` (``+1`` past midnight)."""
    return f"{clock(open_s)}–{clock(close_s)}"


def market_rows(meta: Mapping[str, Any], season: str) -> list[dict[str, Any]]:
    """The markets with what the season's runs deliver to each a day
    (``market_flow.by_season[season].delivered_t_by_market``; 0 when not listed)."""
    delivered = season_flow(meta, season).get("delivered_t_by_market") or {}
    return [{"market_id": str(m.get("market_id")), "name": m.get("name"),
             "lon": m.get("lon"), "lat": m.get("lat"), "kind": m.get("kind"),
             "crops": ", ".join(str(c) for c in m.get("crops") or ()),
             "intake_t": m.get("daily_intake_t"),
             "hours": hours_text(m.get("open_s"), m.get("close_s")),
             "delivered_t": delivered.get(str(m.get("market_id")), 0.0),
             "approximate": bool(m.get("approximate_location"))}
            for m in _maps(meta.get("markets"))]


# ---- the day sheet of one truck ------------------------------------------------------------


def shift_start(meta: Mapping[str, Any]) -> tuple[int, bool]:
    """(shift start in seconds after midnight, whether it is assumed): the scenario's
    ``shift_start_s`` if ``plan.json`` carries it, else 06:00 (assumed)."""
    scenario = meta.get("scenario")
    for name in SHIFT_START_PARAMS:
        value = _get(scenario, name, "value")
        if is_number(value) and 0 <= value < 86400:
            return int(value), False
    return SHIFT_START_DEFAULT_S, True


def trip_clock_offset_s(route: Mapping[str, Any], shift_start_s: int) -> int:
    """What to add to a trip's seconds for a clock time: 0 for a truck-plan trip (it has
    a ``season``: seconds from midnight), the shift start for an older trip."""
    return 0 if route.get("season") is not None else shift_start_s


def season_of(record: Any) -> str | None:
    """The ``season`` of a typed plan record (a ``Route``): its field, else its ``extra``
    key (models that do not declare it yet); ``None`` for an older trip."""
    value = getattr(record, "season", None)
    if value is None:
        value = (getattr(record, "extra", None) or {}).get("season")
    return None if value is None else str(value)


def kind_of(record: Any) -> str | None:
    """The ``kind`` of a typed route (field or ``extra``), like :func:`season_of`."""
    value = getattr(record, "kind", None)
    if value is None:
        value = (getattr(record, "extra", None) or {}).get("kind")
    return None if value is None else str(value)


def headline_season(plan: PlanMeta) -> str | None:
    """``seasons.routed_season`` of a typed plan (the season of its headline ``kpis``),
    whether the model reads ``seasons`` into a field or keeps it in ``extra``."""
    seasons: Any = plan.seasons if plan.seasons is not None else plan.extra.get("seasons")
    if isinstance(seasons, Mapping):
        value = seasons.get("routed_season")
    else:
        value = getattr(seasons, "routed_season", None)
    return None if value is None else str(value)


def season_plan(plan: PlanMeta, season: str | None = None) -> PlanMeta:
    """``plan`` with only one season's collection trips and routing ``unserved`` entries
    (``season``, else the headline season), so that figures counted from trips and
    unserved villages (:func:`app.headlines.plan_headlines`, village states, county rows)
    count one season's day like the plan's ``kpis`` do, not every season's trips and the
    market runs added together. A plan whose trips carry no season comes back as is."""
    if not any(season_of(r) for r in plan.routes):
        return plan
    season = season or headline_season(plan)
    routes = tuple(r for r in plan.routes
                   if season_of(r) == season and kind_of(r) != MARKET)
    unserved = tuple(u for u in plan.unserved
                     if u.stage != "routing" or season_of(u) in (None, season))
    return dataclasses.replace(plan, routes=routes, unserved=unserved,
                               kpis=_day_kpis(plan, str(season), routes))


def _typed_season_kpis(plan: PlanMeta, season: str) -> Mapping[str, Any]:
    """``seasons.seasons[name == season].kpis`` of a typed plan as a mapping (the field
    of a model that declares it, or the ``extra`` JSON)."""
    seasons: Any = plan.seasons if plan.seasons is not None else plan.extra.get("seasons")
    if isinstance(seasons, Mapping):
        return season_kpis({"seasons": seasons}, season)
    for entry in getattr(seasons, "seasons", ()) or ():
        kpis = getattr(entry, "kpis", None) or (getattr(entry, "extra", None) or {}).get("kpis")
        if str(getattr(entry, "name", "")) == season and kpis is not None:
            return kpis.to_json() if hasattr(kpis, "to_json") else dict(kpis)
    return {}


def _day_kpis(plan: PlanMeta, season: str, routes: Sequence[Any]) -> Any:
    """The plan's ``kpis`` with the trip figures of ``season``'s day: pickup needed and
    routed and trucks used from its ``kpis``, trips, km and hours from its trips."""
    k = _typed_season_kpis(plan, season)
    if not k:
        return plan.kpis
    return dataclasses.replace(
        plan.kpis, daily_pickup_t=k.get("daily_truck_needed_t"),
        daily_pickup_routed_t=k.get("daily_pickup_routed_t"),
        trucks=k.get("trucks"), trucks_used=k.get("trucks_used"), truck_trips=len(routes),
        route_distance_m=float(sum(r.distance_m for r in routes)),
        route_duration_s=float(sum(r.duration_s for r in routes)))


def _stop_row(seq: int, stop: Mapping[str, Any], offset_s: int) -> dict[str, Any]:
    """One stop of a trip: a village, a store loaded at, or the market delivered to."""
    place = stop.get("settlement_id") or stop.get("store_id") or stop.get("market_id")
    return {"seq": seq, "id": place, "name": stop.get("name"),
            "market": stop.get("market_id") is not None,
            "arrival": clock(stop.get("arrival_s"), offset_s),
            "pickup_t": stop.get("pickup_t"), "load_after_t": stop.get("load_after_t")}


def trip_view(route: Mapping[str, Any], names: Mapping[str, str],
              offset_s: int) -> dict[str, Any]:
    """One trip of a day sheet: where it leaves from (a collection trip's ``start_id``,
    its own store in plans made before; a market run's base), times, stops, where it
    delivers, km, hours, fuel, cost."""
    kind = str(route.get("kind") or COLLECTION)
    to_id = route.get("market_id") if kind == MARKET else route.get("store_id")
    from_id = route.get("base_id") if kind == MARKET else (route.get("start_id")
                                                           or route.get("store_id"))
    stops = [_stop_row(i, s, offset_s) for i, s in enumerate(_maps(route.get("stops")), 1)]
    return {"route_id": route.get("route_id"), "kind": kind, "to_id": to_id,
            "to_name": names.get(str(to_id)), "from_id": from_id,
            "from_name": names.get(str(from_id)),
            "start": clock(route.get("start_s"), offset_s),
            "end": clock(route.get("end_s"), offset_s),
            "store_arrival": clock(route.get("store_arrival_s"), offset_s),
            "load_t": route.get("load_t"), "distance_m": route.get("distance_m"),
            "duration_s": route.get("duration_s"), "fuel_l": route.get("fuel_l"),
            "co2_kg": route.get("co2_kg"), "cost_yuan": route.get("cost_yuan"),
            "freshness_limit_s": route.get("freshness_limit_s"),
            "days": route.get("days"), "stops": stops}


def _total(trips: Sequence[Mapping[str, Any]], key: str) -> float | None:
    """Sum of ``key`` over the trips; ``None`` if any trip lacks it (no partial sums)."""
    values = [t.get(key) for t in trips]
    numbers = [float(v) for v in values if isinstance(v, int | float)]
    if not values or len(numbers) < len(values):
        return None
    return sum(numbers)


def truck_sheet(meta: Mapping[str, Any], season: str, truck_id: str) -> dict[str, Any]:
    """The printable day of one truck in one season: its base, shift, the truck's own
    figures (``trucks`` entry) and each trip in driving order with its stops.

    Raises
    ------
    TruckNotFound
        No ``trucks`` entry has this ``truck_id`` and ``season``.
    """
    truck = next((t for t in season_trucks(meta, season)
                  if str(t.get("truck_id")) == truck_id), None)
    if truck is None:
        raise TruckNotFound(f"plan has no truck {truck_id!r} in season {season!r}")
    routes = {str(r.get("route_id")): r for r in _maps(meta.get("routes"))}
    start_s, assumed = shift_start(meta)
    names = names_by_id(meta)
    ordered = [routes[str(rid)] for rid in truck.get("trips") or () if str(rid) in routes]
    trips = [trip_view(r, names, trip_clock_offset_s(r, start_s)) for r in ordered]
    return {"truck_id": truck_id, "season": season, "base_id": truck.get("base_id"),
            "base_name": names.get(str(truck.get("base_id"))),
            "shift_start": clock(start_s), "shift_start_assumed": assumed,
            "start": clock(truck.get("start_s")), "end": clock(truck.get("end_s")),
            "work_s": truck.get("work_s"), "distance_m": truck.get("distance_m"),
            "collection_t": truck.get("collection_t"), "market_t": truck.get("market_t"),
            "idle": bool(truck.get("idle")), "idle_reason": truck.get("idle_reason"),
            "missing_trips": len(truck.get("trips") or ()) - len(ordered),
            "trips": trips, "fuel_l": _total(ordered, "fuel_l"),
            "co2_kg": _total(ordered, "co2_kg"), "cost_yuan": _total(ordered, "cost_yuan"),
            "empty_legs": len(_maps(truck.get("empty_legs"))),
            "empty_distance_m": _total(_maps(truck.get("empty_legs")), "distance_m"),
            "long_haul": long_haul_view(truck.get("long_haul"), names)}


def truck_of_route(meta: Mapping[str, Any]) -> dict[str, tuple[str, str]]:
    """``{route_id: (season, truck_id)}`` from ``trucks`` (links from route sheets)."""
    out: dict[str, tuple[str, str]] = {}
    for truck in _maps(meta.get("trucks")):
        for rid in truck.get("trips") or ():
            out[str(rid)] = (str(truck.get("season")), str(truck.get("truck_id")))
    return out


# ---- compare and exports -------------------------------------------------------------------

#: (kpis key, decimals) of the per-season rows on the compare page and in exports.
SEASON_KPI_KEYS: tuple[tuple[str, int], ...] = (
    ("daily_supply_t", 1), ("daily_self_delivered_t", 1), ("daily_pickup_routed_t", 1),
    ("daily_unrouted_t", 1), ("market_t", 1), ("left_for_buyers_t", 1), ("trucks", 0),
    ("trucks_used", 0), ("idle_trucks", 0), ("distance_km", 1), ("fuel_l", 1),
    ("co2_kg", 1), ("cost_yuan", 0), ("target_pct", 1), ("trucks_for_target", 0),
    ("trucks_for_target_lower", 0), ("collectable_upper_pct", 1))


#: Bilingual labels of :data:`SEASON_KPI_KEYS` (compare page).
SEASON_KPI_LABELS: dict[str, str] = {
    "daily_supply_t": "日产量 Daily supply t", "daily_self_delivered_t":
    "农户自送 Self-delivered t/d", "daily_pickup_routed_t": "车辆收集 Truck-collected t/d",
    "daily_unrouted_t": "未收集 Unrouted t/d", "market_t": "送市场 To markets t/d",
    "left_for_buyers_t": "留给收购商 Left for buyers t/d", "trucks": "车辆 Trucks",
    "trucks_used": "在用 Trucks used", "idle_trucks": "闲置 Idle trucks",
    "distance_km": "里程 km/d", "fuel_l": "柴油 Diesel L/d", "co2_kg": "CO2 kg/d",
    "cost_yuan": "成本 Cost yuan/d", "target_pct": "收集目标 Collection target %",
    "trucks_for_target": "达标所需车辆 Trucks for the target (this plan's trips)",
    "trucks_for_target_lower": "达标至少需车辆 Trucks for the target, at least (proven)",
    "collectable_upper_pct": "可收集上限 Collectable at most % (proven bound)"}


def season_compare_rows(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Per season (of either plan, A's order first) and KPI: ``{season, key, label, a, b,
    diff, digits}`` with ``diff = b - a`` (``None`` where either is missing)."""
    ta, tb = season_kpi_table(a), season_kpi_table(b)
    rows = []
    for season in [*ta, *(s for s in tb if s not in ta)]:
        for key, digits in SEASON_KPI_KEYS:
            va, vb = ta.get(season, {}).get(key), tb.get(season, {}).get(key)
            diff = (vb - va if isinstance(va, int | float) and isinstance(vb, int | float)
                    else None)
            rows.append({"season": season, "key": key, "label": SEASON_KPI_LABELS[key],
                         "a": va, "b": vb, "diff": diff, "digits": digits})
    return rows


def season_kpi_table(meta: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """``{season: {kpi key: value}}`` for every season (empty for an older plan)."""
    return {str(s["name"]): {k: s["kpis"].get(k) for k, _ in SEASON_KPI_KEYS}
            for s in season_entries(meta)}


def truck_export_rows(meta: Mapping[str, Any]) -> list[list[Any]]:
    """One row per ``trucks`` entry (every season) for the XLSX ``Trucks`` sheet."""
    return [[t.get("season"), t.get("truck_id"), t.get("base_id"), len(t.get("trips") or ()),
             clock(t.get("start_s")), clock(t.get("end_s")), t.get("work_s"),
             t.get("distance_m"), t.get("collection_t"), t.get("market_t"),
             bool(t.get("idle")), t.get("idle_reason")]
            for t in _maps(meta.get("trucks"))]


TRUCK_COLUMNS = ("season", "truck_id", "base_id", "trips", "start", "end", "work_s",
                 "distance_m", "collection_t", "market_t", "idle", "idle_reason")
