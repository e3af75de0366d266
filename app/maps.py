"""A saved plan drawn as a folium map that works offline, embedded by components.

:func:`plan_map` builds the map: an offline base layer (prefecture outlines and place
names), county outlines, settlements coloured by their store (neighbouring stores in
different colours), stores as small rings, truck routes, a collapsible legend, a metric
scale and a layer switcher, fitted to the region's bounding box. :func:`map_parts`
splits the rendered map into the pieces our own page template places (``<head>`` links
and styles, the map ``<div>``, the script), so no iframe is used.

Safety rules kept here:

- Offline: the map's JS/CSS links point to files the app serves (``asset_url``), never
  to folium's CDN defaults; with ``tiles='none'`` there is no tile layer at all.
- Escaping: folium tooltips render HTML, and ``folium.Tooltip`` even pastes its text
  into a JavaScript template literal unescaped. So user text (names, reasons) only
  travels as GeoJSON properties (serialised with ``tojson``) holding HTML built here
  with :func:`html.escape`; colours are checked against ``#rgb`` / ``#rrggbb`` because
  folium writes style values into the script verbatim.
"""

from __future__ import annotations

import dataclasses
import html
import json
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import folium
from branca.element import Figure
from folium.elements import MacroElement
from folium.template import Template

from app.assets import MAP_CSS, MAP_JS
from app.basemap import PALETTE, PREFECTURE_LINE, base_layer, simplified, store_colours
from app.catalogue import translate_message
from app.headlines import NO_TRUCK
from app.map_controls import (
    COUNTY_LINE,
    COVERAGE_CLASSES,
    NO_TRUCK_RING,
    STORE_MIN_ZOOM,
    STORES_BY_ZOOM_ABOVE,
    UNSERVED_FILL,
    UNSERVED_RING,
    Legend,
    MetricScale,
    StoreZoom,
    legend_html,
)
from app.maps_long_haul import (
    LONG_HAUL_GROUP,
    long_haul_features,
    long_haul_layer,
    plan_season,
    store_points,
)
from optimize.plan.model import PlanMeta

AssetUrl = Callable[[str], str]
#: (groups, routes layer, stores by id) -> groups: see ``plan_map(regroup=...)``.
Regroup = Callable[[list[tuple[str, Any]], Mapping[str, Any], Mapping[str, Mapping[str, Any]]],
                   list[tuple[str, Any]]]
TILES = ("none", "osm", "tianditu")
OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = (
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
)
# Tianditu (天地图) web-Mercator vector tiles and labels; CGCS2000 ~ WGS-84, no GCJ-02 shift.
TIANDITU_TILES = ("https://t{s}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile"
                  "&VERSION=1.0.0&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
                  "&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=")
TIANDITU_ATTRIBUTION = '&copy; <a href="https://www.tianditu.gov.cn/">天地图 Tianditu</a>'
#: Above this many settlements, they are clustered (Leaflet.markercluster) and drawn on
#: a canvas from compact arrays instead of one SVG path and tooltip each.
CLUSTER_ABOVE = 2000
FALLBACK_COLOUR = "#607d8b"
_COLOUR_RE = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})")
_COORD_DIGITS = 5  # about 1 m: enough for a regional map, keeps the page small
_LINE_DIGITS = 4  # about 10 m


def default_asset_url(path: str) -> str:
    """URL of a vendored file as the app serves it (``/vendor/<path>``)."""
    return f"/vendor/{path}"


def safe_colour(value: Any, fallback: str = FALLBACK_COLOUR) -> str:
    """``value`` if it is a CSS hex colour (``#rgb`` / ``#rrggbb``), else ``fallback``."""
    if isinstance(value, str) and _COLOUR_RE.fullmatch(value):
        return value
    return fallback


def tip_html(title: Any, rows: Iterable[tuple[str, Any]]) -> str:
    """Tooltip HTML: a bold title and ``label: value`` lines, every piece escaped."""
    lines = [f"<b>{html.escape(_text(title))}</b>"]
    lines += [f"{html.escape(label)}: {html.escape(_text(value))}" for label, value in rows]
    return "<br>".join(lines)


def _text(value: Any) -> str:
    """Display text of a property value (``None`` shows as an en dash)."""
    return "–" if value is None else str(value)


def minutes(seconds: Any) -> str:
    """Seconds as ``'12.5 min'``; ``None`` / non-numbers as an en dash."""
    if not isinstance(seconds, int | float) or isinstance(seconds, bool):
        return "–"
    return f"{seconds / 60:.1f} min"


def store_radius_px(capacity_t: Any) -> float:
    """Store ring radius in pixels, small so it never hides the villages around it:
    4 px plus a little with sqrt(capacity) (500 t -> ~5 px), at most 7 px."""
    capacity = float(capacity_t) if isinstance(capacity_t, int | float) else 0.0
    return round(min(7.0, 4.0 + 0.05 * math.sqrt(max(capacity, 0.0))), 1)


def _round_coords(coords: Any, digits: int = _COORD_DIGITS) -> Any:
    """Coordinates (nested lists) rounded to ``digits`` decimals."""
    if isinstance(coords, int | float):
        return round(coords, digits)
    return [_round_coords(c, digits) for c in coords]


def _slim_geometry(geometry: Mapping[str, Any]) -> dict[str, Any]:
    """Copy of a geometry with rounded coordinates; lines also lose repeated points.

    Points keep about 1 m, lines about 10 m (4 decimals): road-following routes carry
    most of the page's weight and 10 m is far below what a regional map shows.
    """
    out = dict(geometry)
    kind = geometry.get("type")
    coords = geometry.get("coordinates", [])
    if kind == "LineString":
        out["coordinates"] = _dedupe(_round_coords(coords, _LINE_DIGITS))
    elif kind == "MultiLineString":
        out["coordinates"] = [_dedupe(line) for line in _round_coords(coords, _LINE_DIGITS)]
    else:
        out["coordinates"] = _round_coords(coords)
    return out


def _dedupe(line: list[list[float]]) -> list[list[float]]:
    """A line without consecutive repeated points (a degenerate line is kept as is)."""
    kept = [pt for i, pt in enumerate(line) if i == 0 or pt != line[i - 1]]
    return kept if len(kept) >= 2 else line


def _slim_features(
    layer: Mapping[str, Any], tip: Callable[[Mapping[str, Any]], str]
) -> dict[str, Any]:
    """New FeatureCollection: index ids, rounded geometry and only a ``tip`` property."""
    features = []
    for i, feature in enumerate(layer.get("features", [])):
        features.append({"type": "Feature", "id": str(i),
                         "geometry": _slim_geometry(feature["geometry"]),
                         "properties": {"tip": tip(feature["properties"])}})
    return {"type": "FeatureCollection", "features": features}


def _geojson_layer(
    layer: Mapping[str, Any],
    tip: Callable[[Mapping[str, Any]], str],
    style: Callable[[Mapping[str, Any]], dict[str, Any]],
    marker: folium.CircleMarker | None = None,
) -> folium.GeoJson:
    """One folium GeoJson for a whole layer, styled per feature and with HTML tooltips."""
    props = [f["properties"] for f in layer.get("features", [])]
    styles = {str(i): style(p) for i, p in enumerate(props)}
    return folium.GeoJson(
        _slim_features(layer, tip),
        style_function=lambda feature: styles[feature["id"]],
        tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False, sticky=True),
        marker=marker,
        control=False,
    )


def _county_tip(p: Mapping[str, Any]) -> str:
    """Tooltip of a county: name and coverage."""
    poverty = "yes 是" if p.get("poverty_county") else "no 否"
    return tip_html(p.get("county_name"), [
        ("coverage 覆盖率", f"{_number(p.get('coverage_pct'), 1)} %"),
        ("covered 覆盖量", f"{_number(p.get('covered_t'), 0)} / {_number(p.get('supply_t'), 0)} t"),
        ("settlements 村", p.get("settlements")),
        ("stores 冷库", p.get("stores")),
        ("mean access 平均时间", minutes(p.get("access_time_mean_s"))),
        ("poverty county 贫困县", poverty),
    ])


def _number(value: Any, digits: int) -> str:
    """A number with thousands separators, or an en dash."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return "–"
    return f"{value:,.{digits}f}"


def coverage_colour(coverage_pct: Any) -> str:
    """Choropleth fill of a county from its coverage (grey when unknown)."""
    if not isinstance(coverage_pct, int | float) or isinstance(coverage_pct, bool):
        return "#90a4ae"
    for upper, colour in COVERAGE_CLASSES:
        if coverage_pct <= upper:
            return colour
    return COVERAGE_CLASSES[-1][1]


def _county_style(p: Mapping[str, Any]) -> dict[str, Any]:
    """County outline filled by coverage class (a choropleth)."""
    return {"color": COUNTY_LINE, "weight": 1.5, "fill": True,
            "fillColor": coverage_colour(p.get("coverage_pct")),
            "fillOpacity": 0.35, "className": "cc-county"}


def both_languages(text: Any) -> Any:
    """A plan's English text (an unserved reason) as ``Chinese (English)``, like the
    tooltips' bilingual labels: the map is built once per plan and shared by both
    languages (:func:`app.pages.cached_map`). Unknown text stays English only."""
    zh = translate_message(text, "zh")
    return text if zh == text else f"{zh} ({text})"


def _settlement_tip(stores: Mapping[str, Mapping[str, Any]]) -> Callable[[Mapping], str]:
    """Tooltip builder for settlements (name, county, store, access time); kept short
    because a prefecture has thousands of settlements and each carries its tooltip."""
    def tip(p: Mapping[str, Any]) -> str:
        rows: list[tuple[str, Any]] = [("县 county", p.get("county_name"))]
        if p.get("store_id") is None:
            reason = p.get("unserved_reason") or "no store"
            rows.append(("未覆盖 unserved", both_languages(reason)))
        else:
            store = stores.get(str(p["store_id"])) or {}
            rows.append(("冷库 store", store.get("name") or p["store_id"]))
            rows.append(("时间 access", minutes(p.get("access_time_s"))))
            if p.get("state") == NO_TRUCK:
                rows.append(("无车收集 no truck", both_languages(p.get("unserved_reason"))))
        return tip_html(p.get("name"), rows)
    return tip


def _settlement_style(stores: Mapping[str, Mapping[str, Any]]) -> Callable[[Mapping], dict]:
    """Style builder: store colour if served, grey with a red ring if not."""
    def style(p: Mapping[str, Any]) -> dict[str, Any]:
        if p.get("store_id") is None:
            return {"radius": 4, "fill": True, "color": UNSERVED_RING, "weight": 2,
                    "fillColor": UNSERVED_FILL, "fillOpacity": 0.9,
                    "className": "cc-settlement cc-unserved"}
        colour = safe_colour((stores.get(str(p["store_id"])) or {}).get("colour"))
        if p.get("state") == NO_TRUCK:  # a store within reach, but no truck collects
            return {"radius": 3, "fill": True, "color": NO_TRUCK_RING, "weight": 2,
                    "fillColor": colour, "fillOpacity": 0.85,
                    "className": "cc-settlement cc-no-truck"}
        return {"radius": 3, "fill": True, "color": colour, "weight": 1, "fillColor": colour,
                "fillOpacity": 0.85, "className": "cc-settlement"}
    return style


def _store_tip(p: Mapping[str, Any]) -> str:
    """Tooltip of a store: size, cost and load."""
    return tip_html(p.get("name"), [
        ("id", p.get("store_id")), ("tier 级别", p.get("tier")),
        ("capacity 容量", f"{_number(p.get('capacity_t'), 0)} t"),
        ("load 负荷", f"{_number(p.get('load_t'), 1)} t"),
        ("settlements 村", p.get("settlements_served")), ("trucks 车辆", p.get("trucks")),
        ("build cost 建设成本", f"{_number(p.get('build_cost_yuan'), 0)} yuan"),
    ])


def _store_style(p: Mapping[str, Any]) -> dict[str, Any]:
    """Store ring: white centre, a thick ring in its colour (villages are filled dots),
    small radius by capacity; drawn above the villages."""
    return {"radius": store_radius_px(p.get("capacity_t")), "fill": True,
            "color": safe_colour(p.get("colour")), "weight": 3, "fillColor": "#ffffff",
            "fillOpacity": 1.0, "className": "cc-store"}


def _route_tip(p: Mapping[str, Any]) -> str:
    """Tooltip of a truck trip."""
    rows: list[tuple[str, Any]] = [
        ("truck 车辆", p.get("truck_id")), ("store 冷库", p.get("store_id")),
        ("trip 趟次", p.get("trip")), ("stops 站点", p.get("stops_count")),
        ("load 装载", f"{_number(p.get('load_t'), 1)} t"),
        ("distance 距离", f"{_number(_km(p.get('distance_m')), 1)} km"),
        ("duration 时长", minutes(p.get("duration_s"))),
    ]
    if p.get("approximate_geometry"):
        rows.append(("geometry 线形", "近似 approximate (直线段 straight segments)"))
    return tip_html(p.get("route_id"), rows)


def _km(metres: Any) -> float | None:
    """Metres to kilometres (``None`` stays ``None``)."""
    return metres / 1000 if isinstance(metres, int | float) else None


def _route_style(p: Mapping[str, Any]) -> dict[str, Any]:
    """Route line in its store's colour; dashed when the geometry is approximate."""
    style = {"color": safe_colour(p.get("colour")), "weight": 3, "opacity": 0.85,
             "className": "cc-route"}
    if p.get("approximate_geometry"):
        style["dashArray"] = "6 4"
    return style


class ClusteredPoints(MacroElement):
    """Many points as clustered canvas circles, built in the browser from compact arrays.

    Each point travels as ``[lat, lon, style index, [tip part indices]]``; the distinct
    styles once; tooltips as pre-escaped HTML (:func:`tip_html`) cut at ``<br>`` into
    parts that are stored once each (a county, a store, a reason repeat over thousands
    of villages) and joined again in the browser by one tooltip bound to the whole
    cluster group. The JSON keeps non-ASCII text as is (:func:`script_json`). The group
    is kept in ``window.ccClusters``.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.markerClusterGroup({chunkedLoading: true,
            disableClusteringAtZoom: 12, showCoverageOnHover: false, maxClusterRadius: 60});
        (function (group, data) {
            var renderer = L.canvas({padding: 0.5});
            var markers = new Array(data.pts.length);
            for (var i = 0; i < data.pts.length; i++) {
                var p = data.pts[i];
                var options = Object.assign({renderer: renderer}, data.styles[p[2]]);
                markers[i] = L.circleMarker([p[0], p[1]], options);
                markers[i].ccIndex = i;
            }
            group.addLayers(markers);
            group.bindTooltip(function (layer) {
                var p = data.pts[layer.ccIndex];
                return p ? p[3].map(function (k) { return data.parts[k]; }).join("<br>") : "";
            }, {sticky: true});
            window.ccClusters = (window.ccClusters || []).concat([group]);
        })({{ this.get_name() }}, {{ this.data_json }});
        {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, layer: Mapping[str, Any], tip: Callable[[Mapping[str, Any]], str],
                 style: Callable[[Mapping[str, Any]], dict[str, Any]]) -> None:
        super().__init__()
        self._name = "ClusteredPoints"
        self.data = _compact_points(layer, tip, style)
        self.data_json = script_json(self.data)


def script_json(value: Any) -> str:
    """JSON to paste into a ``<script>``: non-ASCII kept (half the bytes of ``\\uXXXX``
    for Chinese), ``< > & '`` escaped as ``\\u003c`` etc. like Jinja's ``tojson``, so no
    ``</script>`` or HTML comment can occur in it."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    for char, code in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                       ("'", "\\u0027")):
        text = text.replace(char, code)
    return text


def _compact_points(layer: Mapping[str, Any], tip: Callable[[Mapping[str, Any]], str],
                    style: Callable[[Mapping[str, Any]], dict[str, Any]]) -> dict[str, Any]:
    """``{"pts": [[lat, lon, style, [part, ...]], ...], "styles": [...], "parts": [...]}``."""
    styles: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    parts: dict[str, int] = {}
    pts = []
    for feature in layer.get("features", []):
        lon, lat = feature["geometry"]["coordinates"][:2]
        props = feature["properties"]
        st = style(props)
        key = repr(sorted(st.items()))
        if key not in index:
            index[key] = len(styles)
            styles.append(st)
        tip_parts = [parts.setdefault(part, len(parts)) for part in tip(props).split("<br>")]
        pts.append([round(lat, _COORD_DIGITS), round(lon, _COORD_DIGITS), index[key],
                    tip_parts])
    return {"pts": pts, "styles": styles, "parts": list(parts)}


def _region_bounds(plan: PlanMeta) -> list[list[float]] | None:
    """``[[minlat, minlon], [maxlat, maxlon]]`` from ``region.bbox``, if it is usable."""
    bbox = plan.region.bbox
    if not (isinstance(bbox, list | tuple) and len(bbox) == 4):
        return None
    if not all(isinstance(v, int | float) for v in bbox):
        return None
    minlon, minlat, maxlon, maxlat = (float(v) for v in bbox)
    return [[minlat, minlon], [maxlat, maxlon]]


def _base_map(bounds: list[list[float]] | None, tiles: str, asset_url: AssetUrl,
              tianditu_key: str = "") -> folium.Map:
    """Empty map with local JS/CSS links and no tiles, OSM tiles or Tianditu tiles."""
    if tiles not in TILES:
        raise ValueError(f"tiles must be one of {TILES}, not {tiles!r}")
    centre = None
    if bounds:
        centre = [(bounds[0][0] + bounds[1][0]) / 2, (bounds[0][1] + bounds[1][1]) / 2]
    m = folium.Map(location=centre, zoom_start=8, tiles=None, control_scale=False)
    m.options["max_zoom"] = 18  # Leaflet.markercluster needs a maxZoom without tiles
    # Instance attributes shadow folium's CDN lists (which stay untouched for others).
    m.default_js = [(path, asset_url(path)) for path in MAP_JS]
    m.default_css = [(path, asset_url(path)) for path in MAP_CSS]
    if tiles == "osm":
        folium.TileLayer(tiles=OSM_TILES, attr=OSM_ATTRIBUTION, name="OpenStreetMap",
                         max_zoom=19).add_to(m)
    if tiles == "tianditu":
        _tianditu(m, tianditu_key)
    return m


def _tianditu(m: folium.Map, key: str) -> None:
    """Tianditu vector base map plus its label layer (needs a browser key)."""
    if not re.fullmatch(r"[0-9a-fA-F]{8,64}", key or ""):
        raise ValueError("tiles='tianditu' needs a hex Tianditu key")
    for layer, name in (("vec", "天地图 Tianditu"), ("cva", "天地图注记 labels")):
        url = TIANDITU_TILES.replace("{layer}", layer) + key
        folium.TileLayer(tiles=url, attr=TIANDITU_ATTRIBUTION, name=name, max_zoom=18,
                         subdomains="01234567", overlay=layer == "cva").add_to(m)


def plan_map(
    plan: PlanMeta,
    layers: Mapping[str, Mapping[str, Any]],
    *,
    tiles: str = "none",
    asset_url: AssetUrl = default_asset_url,
    tianditu_key: str = "",
    regroup: Regroup | None = None,
    long_haul_season: str | None = None,
) -> folium.Map:
    """Draw a saved plan as a folium map that loads nothing from the internet.

    Parameters
    ----------
    plan
        The typed ``plan.json`` (``coldchain-plan/1``); only ``region.bbox`` is used.
    layers
        Parsed FeatureCollections ``counties``, ``settlements``, ``stores``, ``routes``
        (EPSG:4326); not modified.
    tiles
        ``'none'`` (offline: plain background) or ``'osm'`` (OpenStreetMap tiles with
        the attribution ``© OpenStreetMap contributors``; needs internet).
    asset_url
        Maps a vendor-relative path such as ``'leaflet/leaflet.js'`` to the URL the
        page loads it from.
    tianditu_key
        The Tianditu browser key, used only with ``tiles='tianditu'``.
    regroup
        Truck plan (issue 17): changes the ``(name, layer)`` groups before they are drawn,
        given the routes layer and the stores (:mod:`app.truck_plan_map`: one season's
        collection and market runs, the markets).
    long_haul_season
        Truck plan: the season whose long-haul legs are drawn as a layer
        (:mod:`app.maps_long_haul`, only when there are any); by default, with
        ``regroup``, the one season of ``plan``'s trips.

    Returns
    -------
    folium.Map
        Without tiles, first the offline base layer (prefecture outlines, place names
        by zoom: :mod:`app.basemap`); then four FeatureGroups (counties, routes,
        settlements, stores; drawn in that order, stores as small rings on top),
        stores and villages in :func:`app.basemap.store_colours`' colours, a
        LayerControl, a collapsible legend and a metric scale
        (:mod:`app.map_controls`), fitted to the region bbox.
    """
    bounds = _region_bounds(plan)
    m = _base_map(bounds, tiles, asset_url, tianditu_key)
    colours = store_colours(layers["stores"].get("features", []))
    store_layer = recoloured(layers["stores"], colours)
    stores = {str(f["properties"].get("store_id")): f["properties"]
              for f in store_layer["features"]}
    if tiles == "none":  # no tiles: orientation from the plan's own boundaries and names
        base_layer(plan, layers["counties"], layers["settlements"]).add_to(m)
    groups = _layer_groups(layers, store_layer, stores)
    if regroup is not None:  # truck plan (issue 17): a season's runs by kind, markets
        groups = regroup(groups, layers["routes"], stores)
    season = long_haul_season or (plan_season(plan) if regroup is not None else None)
    far = long_haul_features(plan, season, store_points(layers["stores"])) if season else []
    if far:  # lent trucks' multi-day legs to the partner cities: straight, approximate
        groups.append((LONG_HAUL_GROUP, long_haul_layer(far)))
    for name, layer in groups:
        group = folium.FeatureGroup(name=name)
        layer.add_to(group)
        group.add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    by_zoom = len(stores) > STORES_BY_ZOOM_ABOVE
    if by_zoom:
        StoreZoom(STORE_MIN_ZOOM).add_to(m)
    Legend(legend_html(PALETTE[:4], prefecture_line=PREFECTURE_LINE if tiles == "none" else "",
                       store_min_zoom=STORE_MIN_ZOOM if by_zoom else None)).add_to(m)
    MetricScale().add_to(m)
    m.fit_bounds(bounds or _data_bounds(m))
    m.cc_colours = colours  # type: ignore[attr-defined]  # read by map_parts
    return m


def _layer_groups(layers: Mapping[str, Mapping[str, Any]], store_layer: Mapping[str, Any],
                  stores: Mapping[str, Mapping[str, Any]]) -> list[tuple[str, Any]]:
    """The four named layers in drawing order: counties, routes, settlements, stores."""
    settlements = layers["settlements"]
    if len(settlements.get("features", [])) > CLUSTER_ABOVE:
        villages: Any = ClusteredPoints(settlements, _settlement_tip(stores),
                                        _settlement_style(stores))
    else:
        villages = _geojson_layer(settlements, _settlement_tip(stores),
                                  _settlement_style(stores), marker=folium.CircleMarker(radius=3))
    routes = recoloured(layers["routes"], {k: v["colour"] for k, v in stores.items()})
    return [
        ("县界 Counties", _geojson_layer(simplified(layers["counties"]), _county_tip,
                                        _county_style)),
        ("线路 Truck routes", _geojson_layer(routes, _route_tip, _route_style)),
        ("村 Settlements", villages),
        ("冷库 Stores", _geojson_layer(store_layer, _store_tip, _store_style,
                                      marker=folium.CircleMarker(radius=5))),
    ]


def recoloured(layer: Mapping[str, Any], colours: Mapping[str, str]) -> dict[str, Any]:
    """A copy of ``layer`` whose features take ``colour`` from ``colours[store_id]``
    (features of an unknown store keep theirs); the input is not modified."""
    features = []
    for feature in layer.get("features", []):
        props = dict(feature.get("properties") or {})
        colour = colours.get(str(props.get("store_id")))
        if colour is not None:
            props["colour"] = colour
        features.append({**feature, "properties": props})
    return {"type": "FeatureCollection", "features": features}


def _data_bounds(m: folium.Map) -> list[list[float]]:
    """Bounds of what is drawn, for a plan whose ``region.bbox`` is unusable."""
    (south, west), (north, east) = m.get_bounds()
    if None in (south, west, north, east):
        return [[-90.0, -180.0], [90.0, 180.0]]
    return [[float(south or 0), float(west or 0)], [float(north or 0), float(east or 0)]]


@dataclass(frozen=True)
class MapParts:
    """A rendered map in three pieces for our page template.

    Attributes
    ----------
    colours
        ``{store_id: colour}`` as drawn (:func:`app.basemap.store_colours`), so tables
        can show the same swatches.
    header
        ``<script src>`` / ``<link>`` / ``<style>`` tags for ``<head>``.
    html
        The map ``<div>``.
    script
        JavaScript (without ``<script>`` tags) to run after the div.
    """

    header: str
    html: str
    script: str
    name: str = ""
    colours: Mapping[str, str] = dataclasses.field(default_factory=dict)


def map_parts(m: folium.Map) -> MapParts:
    """Render ``m`` and split its Figure into header, body html and script."""
    figure = m.get_root()
    assert isinstance(figure, Figure), "folium.Map always sits in a branca Figure"
    figure.header._children.pop("meta_http", None)  # our page has its own charset
    figure.render()
    return MapParts(figure.header.render(), figure.html.render(), figure.script.render(),
                    m.get_name(), dict(getattr(m, "cc_colours", {})))
