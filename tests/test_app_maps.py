"""plan_map: layers, styles, escaping, offline links and the component split."""

from __future__ import annotations

import copy
import dataclasses
import json
import time
from collections.abc import Callable
from typing import Any

import folium
import pytest

from app.basemap import PALETTE
from app.maps import (
    OSM_TILES,
    UNSERVED_FILL,
    both_languages,
    map_parts,
    plan_map,
    safe_colour,
    store_radius_px,
    tip_html,
)
from optimize.plan.model import PlanMeta

Scan = Callable[[str], tuple[list[str], set[str]]]
SCRIPT_NAME = "<script>alert(1)</script>"


@pytest.fixture
def tiny_plan(tiny_plan: dict[str, Any]) -> PlanMeta:
    """The tiny plan's typed plan.json (what the app passes to plan_map)."""
    return PlanMeta.from_json(tiny_plan)


def _render(plan: PlanMeta, layers: dict[str, Any], **kwargs: Any) -> str:
    """The whole rendered map document."""
    return plan_map(plan, layers, **kwargs).get_root().render()


def test_layers_groups_and_control(tiny_plan: PlanMeta, plan_layers: dict) -> None:
    m = plan_map(tiny_plan, plan_layers)
    children = list(m._children.values())
    groups = [c for c in children if isinstance(c, folium.FeatureGroup)]
    assert [g.layer_name for g in groups] == [
        "县界 Counties", "线路 Truck routes", "村 Settlements", "冷库 Stores"]
    assert any(isinstance(c, folium.LayerControl) for c in children)
    counts = [len(next(iter(g._children.values())).data["features"]) for g in groups]
    assert counts == [2, 2, 6, 2]


def test_offline_map_has_no_external_url(
    tiny_plan: PlanMeta, plan_layers: dict, url_scan: Scan
) -> None:
    html = _render(tiny_plan, plan_layers)
    links, absolute = url_scan(html)
    assert absolute == set()
    assert sorted(links) == sorted([
        "/vendor/jquery/jquery.min.js", "/vendor/leaflet/leaflet.css",
        "/vendor/leaflet/leaflet.js", "/vendor/leaflet.markercluster/MarkerCluster.Default.css",
        "/vendor/leaflet.markercluster/MarkerCluster.css",
        "/vendor/leaflet.markercluster/leaflet.markercluster.js"])
    assert "tileLayer" not in html


def test_asset_url_is_used(tiny_plan: PlanMeta, plan_layers: dict, url_scan: Scan) -> None:
    html = _render(tiny_plan, plan_layers, asset_url=lambda p: f"/x/{p}?v=1")
    links, _ = url_scan(html)
    assert "/x/leaflet/leaflet.js?v=1" in links


def test_folium_defaults_are_not_mutated(tiny_plan: PlanMeta, plan_layers: dict) -> None:
    before = list(folium.Map.default_js)
    plan_map(tiny_plan, plan_layers)
    assert folium.Map.default_js == before
    assert folium.Map().default_js[0][1].startswith("https://")  # folium's own, untouched


def test_osm_tiles_only_add_tile_and_attribution_urls(
    tiny_plan: PlanMeta, plan_layers: dict, url_scan: Scan
) -> None:
    html = _render(tiny_plan, plan_layers, tiles="osm")
    _, absolute = url_scan(html)
    assert absolute == {OSM_TILES, "https://www.openstreetmap.org/copyright"}
    assert "OpenStreetMap\\u003c/a\\u003e contributors" in html  # © ... (JSON-escaped)


def test_unknown_tiles_rejected(tiny_plan: PlanMeta, plan_layers: dict) -> None:
    with pytest.raises(ValueError, match="tiles"):
        plan_map(tiny_plan, plan_layers, tiles="satellite")


def test_user_text_is_escaped(tiny_plan: PlanMeta, plan_layers: dict) -> None:
    html = _render(tiny_plan, plan_layers)
    assert SCRIPT_NAME not in html
    assert "<b>冷库</b>" not in html
    tips = [f["properties"]["tip"]
            for fc in _embedded_collections(html) for f in fc["features"]]
    assert any("&lt;script&gt;alert(1)&lt;/script&gt;" in t for t in tips)
    assert any("东乡 &lt;b&gt;冷库&lt;/b&gt; B" in t for t in tips)
    # a backtick or ${...} only ever travels inside JSON strings, never a JS template literal
    assert any("Back`tick ${1+1}" in t for t in tips)


def _embedded_collections(html: str) -> list[dict[str, Any]]:
    """The FeatureCollections folium embedded (``..._add({...});``)."""
    out = []
    for chunk in html.split("_add(")[1:]:
        text = chunk.split(");\n", 1)[0]
        if text.startswith("{"):
            out.append(json.loads(text))
    return out


def test_tooltips_carry_what_the_brief_asks(tiny_plan: PlanMeta, plan_layers: dict) -> None:
    tips = [f["properties"]["tip"] for fc in _embedded_collections(
        _render(tiny_plan, plan_layers)) for f in fc["features"]]
    assert any("临夏县" in t and "coverage" in t and "66.7 %" in t for t in tips)
    assert any("马家村" in t and "东乡族自治县" in t and "15.0 min" in t for t in tips)
    assert any("no store within 240 min" in t for t in tips)


def test_styles(tiny_plan: PlanMeta, plan_layers: dict) -> None:
    html = _render(tiny_plan, plan_layers)
    for cls in ("cc-county", "cc-route", "cc-settlement", "cc-unserved", "cc-store"):
        assert cls in html
    assert UNSERVED_FILL in html and '"dashArray": "6 4"' in html
    assert "#ff7f0e" not in html  # the plan's 10-colour cycle gives way to PALETTE's
    assert PALETTE[0] in html and PALETTE[1] in html


def test_input_layers_are_not_modified(tiny_plan: PlanMeta, plan_layers: dict) -> None:
    before = copy.deepcopy(plan_layers)
    _render(tiny_plan, plan_layers)
    assert plan_layers == before


def test_fit_to_region_bbox(tiny_plan: PlanMeta, plan_layers: dict) -> None:
    html = _render(tiny_plan, plan_layers)
    assert "fitBounds" in html and "[[35.4, 103.0], [35.8, 103.8]]" in html


def test_map_without_bbox_fits_data(tiny_plan: PlanMeta, plan_layers: dict) -> None:
    plan = dataclasses.replace(tiny_plan, region=dataclasses.replace(tiny_plan.region, bbox=()))
    assert "fitBounds" in _render(plan, plan_layers)


def test_legend_is_collapsible_and_lists_no_store(tiny_plan: PlanMeta,
                                                 plan_layers: dict) -> None:
    script = map_parts(plan_map(tiny_plan, plan_layers)).script
    legend = script[script.index('"cc-legend"'):]
    legend = legend[:legend.index(".addTo(")]
    assert 'L.DomUtil.create("details", "cc-legend")' in script
    assert "box.open = size.x >= 700" in legend  # collapsed on a small map
    assert "\\u4e34\\u590f\\u51b7\\u5e93 A" not in legend and "临夏冷库 A" not in legend


def test_scale_is_metric(tiny_plan: PlanMeta, plan_layers: dict) -> None:
    script = map_parts(plan_map(tiny_plan, plan_layers)).script
    assert "L.control.scale({metric: true, imperial: false" in script
    assert "L.control.scale()" not in script


def test_map_parts_split(tiny_plan: PlanMeta, plan_layers: dict) -> None:
    parts = map_parts(plan_map(tiny_plan, plan_layers))
    assert '<script src="/vendor/leaflet/leaflet.js">' in parts.header
    assert "http-equiv" not in parts.header
    assert parts.html.strip().startswith('<div class="folium-map"')
    assert "L.map(" in parts.script and "<script" not in parts.script
    assert "iframe" not in parts.header + parts.html + parts.script


def test_safe_colour() -> None:
    assert safe_colour("#1f77b4") == "#1f77b4" and safe_colour("#abc") == "#abc"
    for bad in ("red", "#12345", "</script><script>alert(1)</script>", "#fff;x", None, 3):
        assert safe_colour(bad, "#000") == "#000"


def test_store_radius_grows_with_sqrt_capacity() -> None:
    radii = [store_radius_px(c) for c in (0, 500, 2000, 5000, 10**9)]
    assert radii == sorted(radii) and radii[0] == 4.0 and radii[-1] == 7.0
    assert store_radius_px(None) == 4.0


def test_tip_html_escapes_everything() -> None:
    assert tip_html("<i>", [("a&b", '"q"'), ("n", None)]) == (
        "<b>&lt;i&gt;</b><br>a&amp;b: &quot;q&quot;<br>n: –")


def test_thousands_of_settlements_stay_one_layer(tiny_plan: PlanMeta, plan_layers: dict) -> None:
    layers = copy.deepcopy(plan_layers)
    base = layers["settlements"]["features"]
    layers["settlements"]["features"] = [copy.deepcopy(base[i % 6]) for i in range(3000)]
    start = time.perf_counter()
    parts = map_parts(plan_map(tiny_plan, layers))
    assert time.perf_counter() - start < 5
    assert parts.script.count("L.circleMarker") + parts.script.count("new L.CircleMarker") <= 2
    assert len(parts.script) < 1_500_000


def test_large_plans_are_clustered_and_escaped(tiny_plan: PlanMeta, plan_layers: dict) -> None:
    from app.maps import CLUSTER_ABOVE
    layers = copy.deepcopy(plan_layers)
    base = layers["settlements"]["features"]
    layers["settlements"]["features"] = [copy.deepcopy(base[i % 6])
                                         for i in range(CLUSTER_ABOVE + 1)]
    script = map_parts(plan_map(tiny_plan, layers)).script
    assert "L.markerClusterGroup(" in script and "ccClusters" in script
    assert SCRIPT_NAME not in script  # tips are escaped HTML inside JSON (& as \\u0026)
    assert "\\u0026lt;script\\u0026gt;alert(1)\\u0026lt;/script\\u0026gt;" in script
    assert "马家村" in script  # non-ASCII kept as is: half the bytes of \\uXXXX
    assert script.count('"cc-settlement cc-unserved"') == 1  # styles sent once


def test_small_plans_are_not_clustered(tiny_plan: PlanMeta, plan_layers: dict) -> None:
    assert "L.markerClusterGroup(" not in map_parts(plan_map(tiny_plan, plan_layers)).script


def test_tianditu_tiles_need_a_key(tiny_plan: PlanMeta, plan_layers: dict) -> None:
    html = _render(tiny_plan, plan_layers, tiles="tianditu", tianditu_key="0123abcd" * 4)
    assert "tianditu.gov.cn" in html and "tk=0123abcd" in html
    with pytest.raises(ValueError, match="Tianditu key"):
        _render(tiny_plan, plan_layers, tiles="tianditu", tianditu_key="x'); alert(1)//")


def test_county_choropleth() -> None:
    from app.maps import coverage_colour
    assert coverage_colour(10) == "#fee5d9" and coverage_colour(100) == "#006d2c"
    assert coverage_colour(None) == "#90a4ae"


def test_legend_names_villages_with_a_store_but_no_truck() -> None:
    from app.map_controls import NO_TRUCK_RING, legend_html

    html = legend_html(("#123456",))
    assert "no truck 有冷库无车收集" in html and NO_TRUCK_RING in html


def test_unserved_reasons_in_both_languages(tiny_plan: PlanMeta, plan_layers: dict) -> None:
    """The map is shared by both languages: a reason shows its Chinese and plan.json's
    English, like the bilingual labels; an unknown reason stays English only."""
    tips = [f["properties"]["tip"] for fc in _embedded_collections(
        _render(tiny_plan, plan_layers)) for f in fc["features"]]
    assert any("240 分钟车程内没有冷库 (no store within 240 min)" in t for t in tips)
    assert both_languages("no truck at this store") == "该冷库没有冷藏车 (no truck at this store)"
    assert both_languages("a reason nobody wrote down") == "a reason nobody wrote down"
    assert both_languages(None) is None
