"""The map's controls: a collapsible legend, a metric scale bar, and stores drawn by zoom.

- :class:`Legend` is a ``<details>`` box: open on a large map, collapsed on a small
  screen (map narrower than :data:`LEGEND_OPEN_MIN_PX`), a dozen short rows at most,
  never one row per store.
- :class:`MetricScale` is Leaflet's scale control in metres and kilometres only
  (folium's ``control_scale=True`` also shows feet and miles).
- :class:`StoreZoom` hides the store markers below a zoom level on plans with many
  stores (a province's 893 stores would cover the map at province scale); a CSS class
  on the map container does it, so the layer switcher keeps working.
"""

from __future__ import annotations

import html

from folium.elements import MacroElement
from folium.template import Template

UNSERVED_FILL = "#9e9e9e"
UNSERVED_RING = "#d32f2f"
#: Ring of a village a store can reach but no truck collects from (state in app.headlines).
NO_TRUCK_RING = "#ff8f00"
COUNTY_LINE = "#37474f"
#: Coverage classes of the county choropleth: (upper bound %, fill colour).
COVERAGE_CLASSES = ((25.0, "#fee5d9"), (50.0, "#fcae91"), (75.0, "#a1d99b"),
                    (90.0, "#41ab5d"), (100.0, "#006d2c"))
LEGEND_OPEN_MIN_PX = 700
#: Plans with more stores than this show them from :data:`STORE_MIN_ZOOM` on.
STORES_BY_ZOOM_ABOVE = 150
STORE_MIN_ZOOM = 8


def legend_html(sample_colours: tuple[str, ...], *, prefecture_line: str = "",
                store_min_zoom: int | None = None) -> str:
    """Legend rows (escaped HTML, inside the ``<details>`` of :class:`Legend`)."""
    def row(style: str, text: str, cls: str = "") -> str:
        return f'<div><i class="{cls}" style="{style}"></i>{html.escape(text)}</div>'

    dots = "".join(f'<i style="background:{c};margin-right:1px"></i>' for c in sample_colours)
    rows = [f"<div>{dots} {html.escape('村 village: colour of its store 颜色=所属冷库')}</div>"]
    store = "冷库 store (ring in its colour 环)"
    if store_min_zoom is not None:
        store += f"; zoom ≥ {store_min_zoom} 放大后显示"
    rows.append(row(f"background:#fff;border:3px solid {sample_colours[0]}", store))
    rows.append(row(f"background:{UNSERVED_FILL};border:2px solid {UNSERVED_RING}",
                    "unserved village 未覆盖村"))
    rows.append(row(f"background:#bbb;border:2px solid {NO_TRUCK_RING}",
                    "store within reach, no truck 有冷库无车收集"))
    rows.append(row("background:#555", "truck trip 车辆线路 (dashed 虚线 = approximate)",
                    "cc-line"))
    rows.append(row(f"border:1.5px solid {COUNTY_LINE};border-radius:0", "county 县界"))
    if prefecture_line:
        rows.append(row(f"border:3px solid {prefecture_line};border-radius:0", "prefecture 市州界"))
    lower, classes = 0.0, []
    for upper, colour in COVERAGE_CLASSES:
        classes.append(f'<span><i style="background:{colour};border-radius:0"></i>'
                       f"{lower:g}–{upper:g}</span>")
        lower = upper
    rows.append(f"<div>县可达率 county within reach %:<br>{' '.join(classes)}</div>")
    return "".join(rows)


class Legend(MacroElement):
    """A Leaflet control holding the legend as a ``<details>`` box (see module doc)."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>
          .cc-legend { background: #fff; padding: 4px 8px; border-radius: 4px;
                       box-shadow: 0 1px 4px rgba(0,0,0,.3); line-height: 1.5;
                       max-height: 45vh; max-width: 260px; overflow-y: auto; font-size: 12px; }
          .cc-legend summary { cursor: pointer; font-weight: 600; }
          .cc-legend i { display: inline-block; width: 10px; height: 10px;
                         margin-right: 5px; vertical-align: middle; border-radius: 50%; }
          .cc-legend i.cc-line { border-radius: 0; height: 3px; }
        </style>
        {% endmacro %}
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.control({position: {{ this.position|tojson }}});
        {{ this.get_name() }}.onAdd = function (map) {
            var box = L.DomUtil.create("details", "cc-legend");
            var summary = L.DomUtil.create("summary", "", box);
            summary.textContent = "图例 Legend";
            var body = L.DomUtil.create("div", "cc-legend-body", box);
            body.innerHTML = {{ this.html|tojson }};
            var size = map.getSize();
            box.open = size.x >= {{ this.open_min_px }} && size.y >= 450;
            L.DomEvent.disableClickPropagation(box);
            L.DomEvent.disableScrollPropagation(box);
            return box;
        };
        {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, legend_html: str, position: str = "bottomleft") -> None:
        super().__init__()
        self._name = "Legend"
        self.html = legend_html
        self.position = position
        self.open_min_px = LEGEND_OPEN_MIN_PX


class MetricScale(MacroElement):
    """Leaflet's scale bar in metres/kilometres only."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        L.control.scale({metric: true, imperial: false, maxWidth: 150})
            .addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "MetricScale"


class StoreZoom(MacroElement):
    """Adds ``cc-stores-hidden`` to the map container below ``min_zoom`` (CSS hides
    ``.cc-store`` there)."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>.cc-stores-hidden .cc-store { display: none; }</style>
        {% endmacro %}
        {% macro script(this, kwargs) %}
        (function (map, minZoom) {
            function gate() {
                var box = map.getContainer();
                if (map.getZoom() < minZoom) { L.DomUtil.addClass(box, "cc-stores-hidden"); }
                else { L.DomUtil.removeClass(box, "cc-stores-hidden"); }
            }
            map.on("zoomend", gate);
            map.whenReady(gate);
        })({{ this._parent.get_name() }}, {{ this.min_zoom }});
        {% endmacro %}
        """
    )

    def __init__(self, min_zoom: int = STORE_MIN_ZOOM) -> None:
        super().__init__()
        self._name = "StoreZoom"
        self.min_zoom = int(min_zoom)
