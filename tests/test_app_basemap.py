"""The offline base layer, store colours and stores drawn by zoom (app.basemap, app.maps)."""

from __future__ import annotations

import copy
import json
import math
import random
from typing import Any

import pytest

from app.basemap import (
    NEIGHBOURS,
    PALETTE,
    county_labels,
    prefecture_outlines,
    store_colours,
    township_labels,
)
from app.maps import map_parts, plan_map
from optimize.plan.model import PlanMeta
from tests.conftest import real_plan


@pytest.fixture
def tiny(tiny_plan: dict[str, Any]) -> PlanMeta:
    """The tiny plan's typed plan.json."""
    return PlanMeta.from_json(tiny_plan)


def _grid_stores(n: int) -> list[dict[str, Any]]:
    """``n`` store points near a 0.1 degree grid (10 a row), jittered so that no two
    distances tie (nearest neighbours are then well defined)."""
    rng = random.Random(7)
    return [{"type": "Feature", "properties": {"store_id": f"S{i:03d}"},
             "geometry": {"type": "Point", "coordinates": [
                 100 + (i % 10) / 10 + rng.uniform(-0.03, 0.03),
                 35 + (i // 10) / 10 + rng.uniform(-0.03, 0.03)]}}
            for i in range(n)]


def test_palette_has_twenty_distinct_colours_and_no_grey() -> None:
    assert len(set(PALETTE)) == len(PALETTE) >= 20
    assert "#9e9e9e" not in PALETTE  # grey means "unserved"


def test_neighbouring_stores_differ_and_many_colours_are_used() -> None:
    stores = _grid_stores(100)
    colours = store_colours(stores)
    xy = {f["properties"]["store_id"]: f["geometry"]["coordinates"] for f in stores}
    for sid, (x, y) in xy.items():
        scale = math.cos(math.radians(35.45))  # the map's lon scaling at the mean latitude
        nearest = sorted((math.dist((x * scale, y), (xy[o][0] * scale, xy[o][1])), o)
                         for o in xy if o != sid)[:NEIGHBOURS]
        assert all(colours[o] != colours[sid] for _, o in nearest), sid
    assert len(set(colours.values())) >= 20
    assert store_colours(list(reversed(stores))) == colours  # order of input irrelevant


def test_store_colours_of_no_or_one_store() -> None:
    assert store_colours([]) == {}
    assert store_colours(_grid_stores(1)) == {"S000": PALETTE[0]}


def test_villages_and_routes_take_their_stores_colour(tiny: PlanMeta,
                                                      plan_layers: dict) -> None:
    parts = map_parts(plan_map(tiny, plan_layers))
    colours = store_colours(plan_layers["stores"]["features"])
    assert parts.colours == colours and colours["S1"] != colours["S2"]
    for colour in colours.values():  # village fill, route line and store ring
        assert f'"fillColor": "{colour}"' in parts.script
        assert parts.script.count(f'"color": "{colour}"') >= 3


def test_store_markers_are_small_rings_above_villages(tiny: PlanMeta,
                                                      plan_layers: dict) -> None:
    script = map_parts(plan_map(tiny, plan_layers)).script
    assert '"fillColor": "#ffffff"' in script and '"radius": 30' not in script
    assert script.index('"cc-store"') > script.index('"cc-settlement"')  # drawn on top


def test_prefecture_outline_dissolves_counties(plan_layers: dict) -> None:
    outlines = prefecture_outlines(plan_layers["counties"])
    assert [f["properties"]["code"] for f in outlines["features"]] == ["6229"]
    ring = outlines["features"][0]["geometry"]["coordinates"][0]
    lons = sorted({x for x, _ in ring})
    assert lons == [103.0, 103.8]  # the shared border at 103.4 is gone


def test_county_and_township_labels(plan_layers: dict) -> None:
    counties = county_labels(plan_layers["counties"])
    assert sorted(name for _, _, name in counties) == ["东乡族自治县", "临夏县"]
    towns = township_labels(plan_layers["settlements"])
    # 城关镇 in each county: one label each, at the mean of its three villages
    assert towns == [[35.6, 103.2, "城关镇"], [35.6, 103.6, "城关镇"]]


def test_offline_map_has_base_layer_with_names(tiny: PlanMeta, plan_layers: dict) -> None:
    script = map_parts(plan_map(tiny, plan_layers)).script
    assert '"cc-prefecture"' in script and "ccLabels" in script
    assert "临夏回族自治州" in script.encode().decode("unicode_escape")
    assert '"township": [11, 18]' in script  # township names only at zoom


def test_tiled_map_has_no_base_layer(tiny: PlanMeta, plan_layers: dict) -> None:
    assert "ccLabels" not in map_parts(plan_map(tiny, plan_layers, tiles="osm")).script


def test_many_stores_are_drawn_by_zoom(tiny: PlanMeta, plan_layers: dict) -> None:
    assert "cc-stores-hidden" not in map_parts(plan_map(tiny, plan_layers)).script
    layers = copy.deepcopy(plan_layers)
    base = layers["stores"]["features"][0]
    layers["stores"]["features"] = [
        {**base, "properties": {**base["properties"], "store_id": f["properties"]["store_id"]},
         "geometry": f["geometry"]} for f in _grid_stores(200)]
    parts = map_parts(plan_map(tiny, layers))
    assert "cc-stores-hidden" in parts.script and "zoom ≥ 8" in json.loads(
        '"' + parts.script.split('body.innerHTML = "', 1)[1].split('";', 1)[0] + '"')


def test_gansu_base_layer_names_all_prefectures() -> None:
    GANSU = real_plan("gansu")  # noqa: N806
    plan = PlanMeta.from_json(json.loads((GANSU / "plan.json").read_text(encoding="utf-8")))
    counties = json.loads((GANSU / "layers" / "counties.geojson").read_text(encoding="utf-8"))
    outlines = prefecture_outlines(counties)
    assert len(outlines["features"]) == 14
    assert len(county_labels(counties)) == len(counties["features"])
    from app.basemap import prefecture_names
    assert len(prefecture_names(plan)) == 14
