"""An offline base layer drawn from the saved plan itself, and the map's store colours.

Without tiles a map of dots has no orientation. :func:`base_layer` gives it one from what
the plan already carries, nothing re-solved and nothing read from the reference data:

- prefecture outlines: the plan's county polygons dissolved by the 4-digit prefecture
  code (a county's code starts with its prefecture's);
- labels: prefecture names (from ``plan.json`` ``regions`` or the plan's own region),
  county names (counties layer) at their polygon's representative point, and township
  names at the mean point of their villages (settlements layer, ``township_name``),
  each kind shown only in its zoom range (:data:`LABEL_ZOOMS`).

:func:`store_colours` gives each store one of :data:`PALETTE`'s 22 colours so that
neighbouring stores differ (greedy colouring of the k-nearest-neighbour graph).

Names are user data: they travel as JSON and are set with ``textContent`` in the
browser, never as HTML.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from folium.elements import MacroElement
from folium.template import Template
from shapely.geometry import mapping, shape
from shapely.ops import unary_union

#: 22 distinguishable colours (Kelly's list without white, black and grey, plus four
#: from Tableau's) for stores and their villages; grey stays reserved for "unserved".
PALETTE = ("#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#42d4f4", "#f032e6",
           "#bfef45", "#fabed4", "#469990", "#dcbeff", "#9a6324", "#800000", "#aaffc3",
           "#808000", "#ffd8b1", "#000075", "#ffe119", "#17becf", "#e377c2", "#8c564b",
           "#bcbd22")
NEIGHBOURS = 8  # each store's colour differs from its 8 nearest stores'
#: Zoom range (min, max) in which each kind of label is shown.
LABEL_ZOOMS = {"prefecture": (0, 9), "county": (8, 18), "township": (11, 18)}
PREFECTURE_LINE = "#263238"
#: Outline simplification for drawing, in degrees (~50 m; invisible at map scale).
SIMPLIFY_DEG = 0.0005
_DIGITS = 4


def store_colours(stores: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """``{store_id: colour}``: every store differs from its :data:`NEIGHBOURS` nearest.

    ``stores`` are GeoJSON point features (``properties.store_id``). Stores are taken
    in id order and each gets the least used palette colour not taken by an already
    coloured neighbour (the neighbour relation is made symmetric); with 22 colours and
    at most a few dozen neighbours this never runs out in practice, and if it does
    the least used colour is reused.
    """
    items = sorted(((str(f["properties"].get("store_id")), f["geometry"]["coordinates"][:2])
                    for f in stores), key=lambda item: item[0])
    if not items:
        return {}
    neighbours = _neighbour_sets([xy for _, xy in items])
    chosen: list[int] = []
    used = [0] * len(PALETTE)
    for i in range(len(items)):
        taken = {chosen[j] for j in neighbours[i] if j < i}
        free = [c for c in range(len(PALETTE)) if c not in taken] or list(range(len(PALETTE)))
        colour = min(free, key=lambda c: (used[c], c))
        chosen.append(colour)
        used[colour] += 1
    return {sid: PALETTE[c] for (sid, _), c in zip(items, chosen, strict=True)}


def _neighbour_sets(points: Sequence[Sequence[float]]) -> list[set[int]]:
    """Symmetric k-nearest-neighbour sets of lon/lat points (lon scaled by cos(lat))."""
    xy = np.asarray(points, dtype=float).reshape(-1, 2)
    xy = xy * [np.cos(np.radians(np.mean(xy[:, 1]))), 1.0]
    dist = ((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2)
    np.fill_diagonal(dist, np.inf)
    k = min(NEIGHBOURS, len(xy) - 1)
    sets: list[set[int]] = [set() for _ in range(len(xy))]
    if k <= 0:
        return sets
    nearest = np.argsort(dist, axis=1)[:, :k]
    for i, row in enumerate(nearest):
        for j in row.tolist():
            sets[i].add(j)
            sets[j].add(i)
    return sets


def prefecture_names(plan: Any) -> dict[str, str]:
    """``{4-digit code: name}`` the plan knows: its ``regions`` and its own region."""
    names: dict[str, str] = {}
    if plan.province is not None:
        names.update({r.code: r.name for r in plan.province.regions})
    region = plan.region
    if region.level == "prefecture" and region.code and region.name:
        names.setdefault(str(region.code), str(region.name))
    return names


def prefecture_outlines(counties: Mapping[str, Any]) -> dict[str, Any]:
    """Counties dissolved by prefecture code: a FeatureCollection with ``code`` and a
    label point ``label`` ([lat, lon]) per prefecture, geometry simplified for drawing."""
    groups: dict[str, list[Any]] = {}
    for feature in counties.get("features", []):
        code = str((feature.get("properties") or {}).get("county_code", ""))[:4]
        if feature.get("geometry"):
            groups.setdefault(code, []).append(shape(feature["geometry"]))
    features = []
    for code in sorted(groups):
        merged = unary_union(groups[code])
        point = merged.representative_point()
        features.append({"type": "Feature", "geometry": _rounded(mapping(
            merged.simplify(SIMPLIFY_DEG * 4))), "properties": {
                "code": code, "label": [round(point.y, _DIGITS), round(point.x, _DIGITS)]}})
    return {"type": "FeatureCollection", "features": features}


def simplified(layer: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of a polygon layer with geometries simplified to :data:`SIMPLIFY_DEG`."""
    features = []
    for feature in layer.get("features", []):
        out = dict(feature)
        if feature.get("geometry"):
            geom = shape(feature["geometry"]).simplify(SIMPLIFY_DEG, preserve_topology=True)
            out["geometry"] = _rounded(mapping(geom))
        features.append(out)
    return {"type": "FeatureCollection", "features": features}


def _rounded(geometry: Mapping[str, Any]) -> dict[str, Any]:
    """A GeoJSON geometry (from shapely's ``mapping``) as lists with rounded numbers."""
    def walk(c: Any) -> Any:
        if isinstance(c, int | float):
            return round(float(c), _DIGITS)
        return [walk(x) for x in c]
    return {"type": geometry["type"], "coordinates": walk(geometry["coordinates"])}


def county_labels(counties: Mapping[str, Any]) -> list[list[Any]]:
    """``[lat, lon, name]`` per county at its polygon's representative point."""
    labels = []
    for feature in counties.get("features", []):
        props = feature.get("properties") or {}
        if feature.get("geometry") and props.get("county_name"):
            point = shape(feature["geometry"]).representative_point()
            labels.append([round(point.y, _DIGITS), round(point.x, _DIGITS),
                           str(props["county_name"])])
    return labels


def township_labels(settlements: Mapping[str, Any]) -> list[list[Any]]:
    """``[lat, lon, name]`` per township (county code + ``township_name``) at the mean
    point of its villages; villages without a township name are skipped."""
    sums: dict[tuple[str, str], list[float]] = {}
    for feature in settlements.get("features", []):
        props = feature.get("properties") or {}
        name = props.get("township_name")
        if not name or not feature.get("geometry"):
            continue
        lon, lat = feature["geometry"]["coordinates"][:2]
        acc = sums.setdefault((str(props.get("county_code", "")), str(name)), [0.0, 0.0, 0])
        acc[0] += lat
        acc[1] += lon
        acc[2] += 1
    return [[round(lat / n, _DIGITS), round(lon / n, _DIGITS), name]
            for (_, name), (lat, lon, n) in sorted(sums.items())]


def base_layer(plan: Any, counties: Mapping[str, Any],
               settlements: Mapping[str, Any]) -> BaseLayer:
    """The offline base layer of a plan: prefecture outlines and the three label kinds."""
    outlines = prefecture_outlines(counties)
    names = prefecture_names(plan)
    prefectures = [[*f["properties"]["label"], names[f["properties"]["code"]]]
                   for f in outlines["features"] if f["properties"]["code"] in names]
    return BaseLayer(outlines, {"prefecture": prefectures, "county": county_labels(counties),
                                "township": township_labels(settlements)})


class BaseLayer(MacroElement):
    """Prefecture outlines (not interactive) and place labels shown by zoom.

    Labels of a kind are drawn only inside its :data:`LABEL_ZOOMS` range and, for the
    many townships, only those inside the current view (redrawn after each move).
    """

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>
          .cc-label { background: none; border: none; white-space: nowrap;
                      text-shadow: 0 0 3px #fff, 0 0 3px #fff, 0 0 2px #fff;
                      transform: translate(-50%, -50%); width: auto !important;
                      height: auto !important; pointer-events: none; }
          .cc-label-prefecture { font: 600 15px sans-serif; color: #102a43; }
          .cc-label-county { font: 600 12px sans-serif; color: #243b53; }
          .cc-label-township { font: 11px sans-serif; color: #52606d; }
        </style>
        {% endmacro %}
        {% macro script(this, kwargs) %}
        (function (map, outlines, labels, zooms, line) {
            L.geoJSON(outlines, {interactive: false, style: {color: line, weight: 2.5,
                fill: false, opacity: 0.9, className: "cc-prefecture"}}).addTo(map);
            var layer = L.layerGroup().addTo(map);
            function icon(kind, text) {
                var el = document.createElement("span");
                el.textContent = text;
                return L.divIcon({className: "cc-label cc-label-" + kind, html: el,
                                  iconSize: null});
            }
            function draw() {
                layer.clearLayers();
                var zoom = map.getZoom(), view = map.getBounds().pad(0.2);
                Object.keys(labels).forEach(function (kind) {
                    if (zoom < zooms[kind][0] || zoom > zooms[kind][1]) { return; }
                    labels[kind].forEach(function (p) {
                        if (view.contains([p[0], p[1]])) {
                            layer.addLayer(L.marker([p[0], p[1]], {icon: icon(kind, p[2]),
                                interactive: false, keyboard: false}));
                        }
                    });
                });
            }
            map.on("zoomend moveend", draw);
            map.whenReady(draw);
            window.ccLabels = layer;
        })({{ this._parent.get_name() }}, {{ this.outlines|tojson }},
           {{ this.labels|tojson }}, {{ this.zooms|tojson }}, {{ this.line|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, outlines: Mapping[str, Any],
                 labels: Mapping[str, list[list[Any]]]) -> None:
        super().__init__()
        self._name = "BaseLayer"
        self.outlines = outlines
        self.labels = labels
        self.zooms = LABEL_ZOOMS
        self.line = PREFECTURE_LINE
