"""The long-haul legs of one season on the plan map (issue 17): a lent truck's multi-day
leg to a partner-city outlet (``trucks[*].long_haul``,
:class:`optimize.plan.market_records.LongHaulLeg`) drawn as a straight dashed line from
its base store to the outlet, labelled approximate: the leg's road figures are the
straight-line estimate of :mod:`optimize.markets.travel`, and no road geometry is kept.

:func:`long_haul_features` makes the GeoJSON features, :func:`long_haul_layer` the folium
layer :func:`app.maps.plan_map` adds as :data:`LONG_HAUL_GROUP`. The module imports
nothing from :mod:`app.maps` (which imports it): tooltips are escaped here with
:func:`html.escape`, like :func:`app.maps.tip_html` does.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import folium

from optimize.plan.market_records import long_haul_of
from optimize.plan.model import PlanMeta

#: Layer name in the layer switcher.
LONG_HAUL_GROUP = "长途 Long-haul legs (approximate 近似)"
#: Purple of the market runs (``app.truck_plan_map.MARKET_COLOUR``), dashed: an estimate.
LONG_HAUL_COLOUR = "#6a1b9a"
Point = tuple[float, float]


def store_points(stores: Mapping[str, Any]) -> dict[str, Point]:
    """``{store_id: (lon, lat)}`` of a stores FeatureCollection's Point features."""
    out: dict[str, Point] = {}
    for f in stores.get("features", []):
        geom = f.get("geometry") or {}
        sid = (f.get("properties") or {}).get("store_id")
        if sid is not None and geom.get("type") == "Point":
            lon, lat = geom["coordinates"][:2]
            out[str(sid)] = (float(lon), float(lat))
    return out


def long_haul_features(plan: PlanMeta, season: str,
                       stores: Mapping[str, Point]) -> list[dict[str, Any]]:
    """One LineString feature per lent truck of ``season``: base store -> outlet, with
    the leg's truck, ids, destination name, tonnes, days and road-estimate km. A leg
    whose base or outlet has no point is left out (nothing to draw it from)."""
    markets = {m.market_id: m for m in plan.markets or ()}
    out = []
    for t in plan.trucks or ():
        if t.season != season or not t.extra.get("long_haul"):
            continue
        leg = long_haul_of(t)
        if leg is None:
            continue
        market = markets.get(leg.market_id)
        base = stores.get(leg.base_id)
        if base is None or market is None or market.lon is None or market.lat is None:
            continue
        out.append({"type": "Feature", "geometry": {
            "type": "LineString", "coordinates": [list(base), [market.lon, market.lat]]},
            "properties": {"leg_id": leg.leg_id, "truck_id": leg.truck_id,
                           "base_id": leg.base_id, "market_id": leg.market_id,
                           "market": market.name, "load_t": leg.load_t,
                           "days": leg.days, "daily_t": leg.daily_t,
                           "distance_km": round(float(leg.distance_m) / 1000, 1),
                           "approximate": True}})
    return out


def long_haul_tip(p: Mapping[str, Any]) -> str:
    """Tooltip HTML of a leg: truck, route, tonnes, days, km, and that it is approximate."""
    rows: Iterable[tuple[str, Any]] = (
        ("truck 车辆", p.get("truck_id")),
        ("from 基地", p.get("base_id")),
        ("to 送至", f"{p.get('market')} ({p.get('market_id')})"),
        ("load 装载", f"{float(p.get('load_t') or 0):.1f} t every {p.get('days')} days "
                      f"({float(p.get('daily_t') or 0):.2f} t/day)"),
        ("distance 往返", f"{float(p.get('distance_km') or 0):,.0f} km (estimate 估算)"),
        ("line 线", "straight line, approximate 直线示意"))
    lines = [f"<b>{html.escape(str(p.get('leg_id')))}</b>"]
    lines += [f"{html.escape(label)}: {html.escape(str(value))}" for label, value in rows]
    return "<br>".join(lines)


def long_haul_layer(features: Sequence[Mapping[str, Any]]) -> folium.GeoJson:
    """The legs as one GeoJson: dashed purple lines with :func:`long_haul_tip` tooltips
    (an empty layer without a tooltip when there is no leg)."""
    if not features:
        return folium.GeoJson({"type": "FeatureCollection", "features": []}, control=False)
    data = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": str(i), "geometry": f["geometry"],
         "properties": {"tip": long_haul_tip(f.get("properties") or {})}}
        for i, f in enumerate(features)]}
    style = {"color": LONG_HAUL_COLOUR, "weight": 3, "opacity": 0.8, "dashArray": "2 8",
             "className": "cc-long-haul"}
    return folium.GeoJson(data, style_function=lambda feature: style,
                          tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False,
                                                        sticky=True),
                          control=False)


def plan_season(plan: PlanMeta) -> str | None:
    """The one season of ``plan``'s trips (a page's plan cut to one season by
    :func:`app.truck_plan.season_plan`), else ``None``."""
    seasons = {r.season for r in plan.routes if r.season is not None}
    return seasons.pop() if len(seasons) == 1 else None
