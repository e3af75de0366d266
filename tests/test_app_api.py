"""The JSON / GeoJSON API: lists, plan.json, layers, 404s and path traversal."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from app import create_app
from tests.conftest import login

LAYER_COUNTS = {"counties": 2, "settlements": 6, "stores": 2, "routes": 2}


def test_plan_list(client: FlaskClient) -> None:
    response = client.get("/api/plans")
    assert response.status_code == 200
    plans = response.get_json()["plans"]
    assert [p["plan_id"] for p in plans] == ["tiny-linxia", "tiny-osm"]
    assert plans[0]["approximate"] is True and plans[0]["coverage_pct"] == 83.3


def test_plan_json(client: FlaskClient) -> None:
    response = client.get("/api/plans/tiny-linxia")
    assert response.status_code == 200
    plan = response.get_json()
    assert plan["schema"] == "coldchain-plan/1"
    assert plan["kpis"]["stores"] == 2
    assert "临夏" in response.get_data(as_text=True)  # UTF-8, not \\u escapes


@pytest.mark.parametrize(("layer", "count"), LAYER_COUNTS.items())
def test_layers_are_feature_collections(client: FlaskClient, layer: str, count: int) -> None:
    response = client.get(f"/api/plans/tiny-linxia/layers/{layer}.geojson")
    assert response.status_code == 200
    assert response.mimetype == "application/geo+json"
    data = json.loads(response.get_data(as_text=True))
    assert data["type"] == "FeatureCollection"
    assert len(data["features"]) == count
    assert all(f["type"] == "Feature" and f["geometry"]["type"] for f in data["features"])


@pytest.mark.parametrize("url", [
    "/api/plans/nope",
    "/api/plans/nope/layers/stores.geojson",
    "/api/plans/tiny-linxia/layers/roads.geojson",
    "/api/plans/tiny-linxia/layers/stores.json",
    "/api/plans/Tiny-Linxia",
    "/api/plans/..%2F..%2Fetc/layers/x.geojson",
    "/api/plans/..%2Ftiny-linxia",
    "/api/plans/%2e%2e/layers/stores.geojson",
    "/api/plans/../secret.txt",
    "/api/plans/tiny-linxia/layers/..%2F..%2Fplan.geojson",
    "/api/nothing",
])
def test_unknown_or_traversal_is_json_404(client: FlaskClient, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 404
    assert response.is_json
    assert response.get_json()["status"] == 404
    assert "must never be served" not in response.get_data(as_text=True)


def test_broken_plan_is_json_error_naming_the_file(
    tmp_path: Path, plan_writer: Callable[..., Path]
) -> None:
    plan_dir = plan_writer(tmp_path, "p1", approximate=True, created_at="t")
    (plan_dir / "layers" / "stores.geojson").write_text("[]", encoding="utf-8")
    client = login(create_app({"TESTING": True, "PLANS_DIR": str(tmp_path)}).test_client())
    response = client.get("/api/plans/p1/layers/stores.geojson")
    assert response.status_code == 500
    assert "stores.geojson" in response.get_json()["message"]
    assert client.get("/api/plans/p1/layers/routes.geojson").status_code == 200


def test_method_not_allowed_is_json(client: FlaskClient) -> None:
    response = client.post("/api/plans")
    assert response.status_code == 405
    assert response.is_json
    assert response.headers["Allow"]


def test_openapi_covers_every_api_route(client: FlaskClient) -> None:
    import re
    doc = client.get("/api/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    rules = {re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", r.rule)
             for r in client.application.url_map.iter_rules() if r.rule.startswith("/api/")}
    assert rules <= set(doc["paths"]), rules - set(doc["paths"])


def test_counties_routes_and_search(client: FlaskClient) -> None:
    counties = client.get("/api/plans/tiny-linxia/counties").get_json()["counties"]
    assert [c["county_code"] for c in counties] == ["622921", "622926"]
    trucks = client.get("/api/plans/tiny-linxia/routes").get_json()["trucks"]
    assert [t["truck_id"] for t in trucks] == ["T1", "T2"]
    hits = client.get("/api/plans/tiny-linxia/search?q=SCRIPT").get_json()["results"]
    assert [h["name"] for h in hits] == ["<script>alert(1)</script>"]
    assert client.get("/api/plans/tiny-linxia/search?q=").get_json()["results"] == []


def test_settlements_layer_and_search_carry_each_village_state(client: FlaskClient) -> None:
    layer = client.get("/api/plans/tiny-linxia/layers/settlements.geojson").get_json()
    states = {f["properties"]["settlement_id"]: f["properties"]["state"]
              for f in layer["features"]}
    assert len(states) == 6
    assert states["622921100003"] == "no_store_within_reach"  # unserved at siting
    assert set(states.values()) <= {"store_within_reach+truck", "store_within_reach_no_truck",
                                     "store_within_reach_nothing_to_collect",
                                     "store_within_reach_truck_unknown",
                                     "no_store_within_reach"}
    hits = client.get("/api/plans/tiny-linxia/search?q=SCRIPT").get_json()["results"]
    assert [h["state"] for h in hits] == ["no_store_within_reach"]
