"""The truck plan on the plan map (issue 17): one season's collection runs and market runs
as two layers in place of the one routes layer, and the markets as their own layer.

:func:`season_regroup` returns the ``regroup`` hook of :func:`app.maps.plan_map`. Text in
tooltips travels as GeoJSON properties holding HTML escaped by :func:`app.maps.tip_html`
(the map module's safety rule); colours go through :func:`app.maps.safe_colour`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import folium

from app.maps import Regroup, recoloured, safe_colour, tip_html
from app.truck_plan import clock, is_number

#: The name :func:`app.maps.plan_map` gives its routes layer (replaced here).
ROUTES_GROUP = "线路 Truck routes"
COLLECTION_GROUP = "收集线路 Collection runs"
MARKET_RUN_GROUP = "市场线路 Market runs"
MARKETS_GROUP = "市场 Markets"
MARKET_COLOUR = "#6a1b9a"
Tip = Callable[[Mapping[str, Any]], str]
Style = Callable[[Mapping[str, Any]], dict[str, Any]]


def _fmt(value: Any, digits: int) -> str:
    """A number with separators, or an en dash."""
    return f"{value:,.{digits}f}" if is_number(value) else "–"


def run_tip(p: Mapping[str, Any]) -> str:
    """Tooltip of a trip: truck, season, kind, where it starts (a collection trip's
    ``start_id``, when the layer carries it) and delivers, times, load, km, cost."""
    to = p.get("market_id") if p.get("kind") == "market" else p.get("store_id")
    distance = p.get("distance_m")
    km = float(distance) / 1000 if isinstance(distance, int | float) else None
    start = [("from 出发", p.get("start_id"))] if p.get("start_id") else []
    return tip_html(p.get("route_id"), [
        ("truck 车辆", p.get("truck_id")), ("season 季节", p.get("season")),
        ("kind 类型", p.get("kind")), ("base 基地", p.get("base_id")), *start,
        ("to 送至", to), ("time 时间", f"{clock(p.get('start_s'))}–{clock(p.get('end_s'))}"),
        ("load 装载", f"{_fmt(p.get('load_t'), 1)} t"),
        ("distance 距离", f"{_fmt(km, 1)} km"),
        ("cost 成本", f"{_fmt(p.get('cost_yuan'), 0)} yuan")])


def market_tip(p: Mapping[str, Any]) -> str:
    """Tooltip of a market: name, crops, intake, hours, delivered a day in the season."""
    rows: list[tuple[str, Any]] = [
        ("crops 品种", p.get("crops")), ("intake 日收购", f"{_fmt(p.get('intake_t'), 1)} t"),
        ("hours 营业", p.get("hours")),
        ("delivered 日送达", f"{_fmt(p.get('delivered_t'), 1)} t")]
    if p.get("approximate"):
        rows.append(("location 位置", "approximate 近似"))
    return tip_html(p.get("name"), rows)


def run_style(p: Mapping[str, Any]) -> dict[str, Any]:
    """A collection run in its store's colour, a market run thicker in purple; dashed
    when the geometry is approximate."""
    market = p.get("kind") == "market"
    style = {"color": MARKET_COLOUR if market else safe_colour(p.get("colour")),
             "weight": 4 if market else 3, "opacity": 0.85,
             "className": "cc-market-run" if market else "cc-route"}
    if p.get("approximate_geometry") or p.get("approximate_travel"):
        style["dashArray"] = "6 4"
    return style


def market_style(p: Mapping[str, Any]) -> dict[str, Any]:
    """A market marker."""
    return {"color": MARKET_COLOUR, "fillColor": MARKET_COLOUR, "fillOpacity": 0.9,
            "weight": 2, "className": "cc-market"}


def tipped_layer(features: Sequence[Mapping[str, Any]], tip: Tip, style: Style,
                 marker: folium.CircleMarker | None = None) -> folium.GeoJson:
    """One GeoJson of ``features`` with per-feature style and an HTML tooltip; an empty
    one (no tooltip: folium needs a field to show) when there is nothing to draw."""
    if not features:
        return folium.GeoJson({"type": "FeatureCollection", "features": []}, control=False)
    props = [f.get("properties") or {} for f in features]
    styles = {str(i): style(p) for i, p in enumerate(props)}
    data = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": str(i), "geometry": f["geometry"],
         "properties": {"tip": tip(props[i])}} for i, f in enumerate(features)]}
    return folium.GeoJson(data, style_function=lambda feature: styles[feature["id"]],
                          tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False,
                                                        sticky=True),
                          marker=marker, control=False)


def market_points(markets: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Rows of :func:`app.truck_plan.market_rows` with a point, as Point features."""
    return [{"type": "Feature", "properties": dict(m),
             "geometry": {"type": "Point", "coordinates": [m["lon"], m["lat"]]}}
            for m in markets if is_number(m.get("lon")) and is_number(m.get("lat"))]


def season_regroup(season: str, markets: Sequence[Mapping[str, Any]]) -> Regroup:
    """The ``regroup`` hook: the routes layer becomes ``season``'s collection runs and
    market runs (two layers, trips of other seasons left out); the markets are added."""

    def regroup(groups: list[tuple[str, Any]], routes: Mapping[str, Any],
                stores: Mapping[str, Mapping[str, Any]]) -> list[tuple[str, Any]]:
        colours = {k: v["colour"] for k, v in stores.items()}
        feats = recoloured({"features": [
            f for f in routes.get("features", [])
            if str((f.get("properties") or {}).get("season")) == season]}, colours)["features"]
        runs = {kind: [f for f in feats if (f["properties"].get("kind") == "market") == kind]
                for kind in (False, True)}
        out = [(name, layer) for name, layer in groups if name != ROUTES_GROUP]
        at = next((i for i, (name, _) in enumerate(groups) if name == ROUTES_GROUP), 1)
        out[at:at] = [(COLLECTION_GROUP, tipped_layer(runs[False], run_tip, run_style)),
                      (MARKET_RUN_GROUP, tipped_layer(runs[True], run_tip, run_style))]
        out.append((MARKETS_GROUP, tipped_layer(market_points(markets), market_tip,
                                                market_style,
                                                marker=folium.CircleMarker(radius=7))))
        return out

    return regroup
