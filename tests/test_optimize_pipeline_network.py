"""The road network stage on a hand-made OSM file of 广河县 (and the approximate one)."""

from __future__ import annotations

from pathlib import Path

import pytest

from optimize.pipeline.regional import build_plan
from optimize.plan.verify import verify_plan
from tests.conftest import GUANGHE


def _hand_made_osm(path: Path) -> Path:
    """A hand-made OSM XML road network for 广河县 (NOT real OSM data): a chain of
    secondary roads through the county's real township points, west to east, plus one
    footway that must be ignored, and two village place nodes 0.01 deg north of their
    township points. It exercises the OSM path of the pipeline."""
    from geodata.places import load_villages

    villages = load_villages(region_code="622924")
    towns = villages.drop_duplicates("township_code")
    points = sorted({(round(p.x, 6), round(p.y, 6)) for p in towns.geometry})
    nodes = "".join(f'<node id="{i + 1}" lat="{y}" lon="{x}"/>' for i, (x, y) in
                    enumerate(points))
    for k, name in enumerate(("石那奴村委会", "马家村委会")):
        at = villages.geometry[villages["village_name"] == name].iloc[0]
        nodes += (f'<node id="{900 + k}" lat="{at.y + 0.01}" lon="{at.x}">'
                  f'<tag k="place" v="village"/><tag k="name" v="{name[:-3]}村"/></node>')
    chain = "".join(f'<nd ref="{i + 1}"/>' for i in range(len(points)))
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?><osm version="0.6">' + nodes
        + f'<way id="1">{chain}<tag k="highway" v="secondary"/></way>'
        + '<way id="2"><nd ref="1"/><nd ref="2"/><tag k="highway" v="footway"/></way>'
        + "</osm>", encoding="utf-8")
    return path


@pytest.mark.slow
def test_plan_on_an_osm_file(tmp_path: Path) -> None:
    osm = _hand_made_osm(tmp_path / "guanghe-hand-made.osm")
    p = build_plan(GUANGHE, osm_path=osm, plan_id="guanghe-osm")
    assert verify_plan(p) == []
    road = p.meta["road_network"]
    assert road["approximate"] is False and road["source"].startswith("osm:")
    assert road["off_network_settlements"] == 0  # within 5 km of a road node
    placed = p.settlements[p.settlements["location_method"] == "osm_place"]
    assert sorted(placed["name"]) == ["石那奴村委会", "马家村委会"]
    assert any(a.startswith("2 villages are at their OSM place node") for a in
               p.meta["approximations"])
    assert not any("Road network is approximate" in a for a in p.meta["approximations"])
    assert any(a["attribution"] == "© OpenStreetMap contributors" for a in p.meta["attributions"])
    collection = p.routes[p.routes["kind"] == "collection"]
    assert len(collection) > 0 and not any(collection["approximate_geometry"])
    # market runs leave the region's graph: straight legs, flagged as such
    assert all(p.routes.loc[p.routes["kind"] == "market", "approximate_geometry"])
    # on a chain of 60 km/h roads times differ from the 40 km/h approximate network
    assert p.kpis["access_time_mean_s"] > 0
