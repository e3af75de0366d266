"""Reading saved plans: ids, containment, validation, listing and the (path, mtime) cache."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from app.plans import (
    LayerNotFound,
    PlanFormatError,
    PlanNotFound,
    PlanStore,
    validate_layer,
    validate_plan_meta,
)
from optimize.plan.model import PlanMeta


def test_list_plans_newest_first(plans_dir: Path) -> None:
    rows = PlanStore(plans_dir).list_plans()
    assert [r.plan_id for r in rows] == ["tiny-linxia", "tiny-osm"]
    assert rows[0].approximate is True and rows[1].approximate is False
    assert rows[0].coverage_pct == 83.3
    assert rows[0].region_name == "临夏回族自治州"
    assert rows[0].error is None


def test_list_plans_of_missing_dir_is_empty(tmp_path: Path) -> None:
    assert PlanStore(tmp_path / "nope").list_plans() == []


def test_metadata_and_layers(plans_dir: Path) -> None:
    store = PlanStore(plans_dir)
    assert store.metadata("tiny-linxia")["plan_id"] == "tiny-linxia"
    counts = {name: len(fc["features"]) for name, fc in store.layers("tiny-linxia").items()}
    assert counts == {"counties": 2, "settlements": 6, "stores": 2, "routes": 2}


@pytest.mark.parametrize("plan_id", [
    "..", "../tiny-linxia", "Tiny-Linxia", "tiny linxia", "", "secret.txt", "tiny/linxia",
    "/etc", "nope",
])
def test_bad_or_unknown_ids_are_not_found(plans_dir: Path, plan_id: str) -> None:
    with pytest.raises(PlanNotFound):
        PlanStore(plans_dir).metadata(plan_id)


def test_symlink_leaving_plans_dir_is_not_found(
    tmp_path: Path, plan_writer: Callable[..., Path]
) -> None:
    outside = plan_writer(tmp_path / "outside", "real", approximate=True, created_at="t")
    plans = tmp_path / "plans"
    plans.mkdir()
    (plans / "linked").symlink_to(outside, target_is_directory=True)
    with pytest.raises(PlanNotFound):
        PlanStore(plans).metadata("linked")


def test_unknown_layer(plans_dir: Path) -> None:
    store = PlanStore(plans_dir)
    with pytest.raises(LayerNotFound):
        store.layer("tiny-linxia", "../plan")
    with pytest.raises(LayerNotFound):
        store.layer("tiny-linxia", "roads")


def test_cache_reuses_until_mtime_changes(
    tmp_path: Path, plan_writer: Callable[..., Path]
) -> None:
    plan_dir = plan_writer(tmp_path, "p1", approximate=True, created_at="t")
    store = PlanStore(tmp_path)
    first = store.metadata("p1")
    assert store.metadata("p1") is first
    meta = dict(first, name="renamed")
    path = plan_dir / "plan.json"
    path.write_text(json.dumps(meta), encoding="utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert store.metadata("p1")["name"] == "renamed"


def test_broken_plan_is_a_format_error_and_listed(
    tmp_path: Path, plan_writer: Callable[..., Path]
) -> None:
    plan_writer(tmp_path, "good", approximate=False, created_at="2025")
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "plan.json").write_text("{not json", encoding="utf-8")
    store = PlanStore(tmp_path)
    with pytest.raises(PlanFormatError, match="not valid JSON"):
        store.metadata("broken")
    rows = {r.plan_id: r for r in store.list_plans()}
    assert rows["broken"].error and rows["good"].error is None


def test_validate_plan_meta_names_missing_keys() -> None:
    with pytest.raises(PlanFormatError, match="kpis, stores"):
        validate_plan_meta({"schema": "coldchain-plan/1", "plan_id": "x", "name": "n",
                            "created_at": "t", "region": {}, "scenario": {},
                            "road_network": {}, "approximations": [], "assumptions": [],
                            "trucks_per_depot": [], "routes": [], "unserved": [],
                            "solver": {}, "attributions": []}, "x")
    with pytest.raises(PlanFormatError, match="schema"):
        validate_plan_meta({"schema": "other/2"}, "x")


def test_validate_layer() -> None:
    with pytest.raises(PlanFormatError, match="FeatureCollection"):
        validate_layer({"type": "Feature"}, "x")
    with pytest.raises(PlanFormatError, match=r"features \[1\]"):
        validate_layer({"type": "FeatureCollection", "features": [
            {"type": "Feature", "geometry": {}, "properties": {}}, {"type": "Feature"}]}, "x")


def test_nan_reads_as_null(tmp_path: Path, plan_writer: Callable[..., Path]) -> None:
    plan_dir = plan_writer(tmp_path, "p1", approximate=True, created_at="t")
    path = plan_dir / "plan.json"
    path.write_text(path.read_text(encoding="utf-8").replace('"gap_pct": 0.0', '"gap_pct": NaN'),
                    encoding="utf-8")
    assert PlanStore(tmp_path).metadata("p1")["solver"]["siting"]["gap_pct"] is None


def test_info_is_typed_and_parsed_once_per_version(
    tmp_path: Path, plan_writer: Callable[..., Path]
) -> None:
    plan_dir = plan_writer(tmp_path, "p1", approximate=True, created_at="t")
    store = PlanStore(tmp_path)
    info = store.info("p1")
    assert isinstance(info, PlanMeta) and store.info("p1") is info
    assert info.kpis.coverage_pct == 83.3 and info.road_network.approximate is True
    assert info.to_json() == store.metadata("p1")
    path = plan_dir / "plan.json"
    path.write_text(json.dumps(dict(store.metadata("p1"), name="renamed")), encoding="utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert store.info("p1").name == "renamed"


def test_info_of_a_plan_with_a_broken_inner_key_is_a_format_error(
    tmp_path: Path, plan_writer: Callable[..., Path]
) -> None:
    plan_dir = plan_writer(tmp_path, "p1", approximate=True, created_at="t")
    path = plan_dir / "plan.json"
    meta = json.loads(path.read_text(encoding="utf-8"))
    del meta["region"]["code"]
    path.write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(PlanFormatError, match="does not follow coldchain-plan/1"):
        PlanStore(tmp_path).info("p1")
    assert PlanStore(tmp_path).list_plans()[0].error


def break_plan(plan_dir: Path, how: str) -> str:
    """Break one file of a written plan; return the file as the message names it."""
    plan_id = plan_dir.name
    meta, routes = plan_dir / "plan.json", plan_dir / "layers" / "routes.geojson"
    settlements = plan_dir / "layers" / "settlements.geojson"
    if how == "invalid plan.json":
        meta.write_text("{not json", encoding="utf-8")
        return f"{plan_id}/plan.json: not valid JSON"
    if how == "truncated plan.json":
        meta.write_text(meta.read_text(encoding="utf-8")[:300], encoding="utf-8")
        return f"{plan_id}/plan.json: not valid JSON"
    if how == "missing layer":
        routes.unlink()
        return f"{plan_id}/layers/routes.geojson: missing"
    if how == "empty layer":
        routes.write_text("\n", encoding="utf-8")
        return f"{plan_id}/layers/routes.geojson: empty"
    settlements.write_text(settlements.read_text(encoding="utf-8")[:200], encoding="utf-8")
    return f"{plan_id}/layers/settlements.geojson: truncated"


BREAKS = ("invalid plan.json", "truncated plan.json", "missing layer", "empty layer",
          "truncated layer")


@pytest.mark.parametrize("how", BREAKS)
def test_list_marks_a_broken_plan_unreadable_naming_the_file(
        tmp_path: Path, plan_writer: Callable[..., Path], how: str) -> None:
    plans = tmp_path / "plans"
    plan_writer(plans, "good", approximate=True, created_at="t")
    expected = break_plan(plan_writer(plans, "p1", approximate=True, created_at="t"), how)
    rows = {r.plan_id: r for r in PlanStore(plans).list_plans()}
    assert rows["good"].error is None
    error = rows["p1"].error
    assert error is not None and error.startswith(expected), error
    assert str(tmp_path) not in error


def test_a_missing_layer_file_is_a_broken_plan_not_an_unknown_layer(
        tmp_path: Path, plan_writer: Callable[..., Path]) -> None:
    break_plan(plan_writer(tmp_path, "p1", approximate=True, created_at="t"), "missing layer")
    store = PlanStore(tmp_path)
    with pytest.raises(PlanFormatError, match=r"^p1/layers/routes\.geojson: missing") as err:
        store.layer("p1", "routes")
    assert err.value.http_status == 500
    assert len(store.layer("p1", "stores")["features"]) == 2  # the others still read
