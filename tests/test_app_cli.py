"""The ``coldchain`` CLI, and the end-to-end path: scenario -> plan -> page in Chromium.

Uses a real county (广河县, 622924) with short solver limits so it runs in seconds.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest

from app import create_app
from app.cli import main, plan_id_for
from optimize.plan.io import load_plan
from optimize.plan.verify import verify_plan
from tests.browser import chromium_page, live_server, requires_chromium
from tests.conftest import browser_login

SCENARIO = """
name = "广河县 e2e"
region_code = "622924"
siting_time_limit_s = 10.0
routing_time_limit_s = 0.5
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A plans directory holding one plan built by the CLI from a scenario file."""
    root = tmp_path_factory.mktemp("cli")
    scenario = root / "guanghe.toml"
    scenario.write_text(SCENARIO, encoding="utf-8")
    assert main(["plan", str(scenario), "--out", str(root / "plans" / "guanghe"),
                 "--quiet"]) == 0
    return root / "plans"


@pytest.mark.slow
def test_plan_command_writes_a_verified_plan(built: Path) -> None:
    plan = load_plan(built / "guanghe")
    assert plan.meta["plan_id"] == "guanghe"
    assert verify_plan(plan) == []
    assert sorted(p.name for p in (built / "guanghe" / "layers").iterdir()) == [
        "counties.geojson", "markets.geojson", "routes.geojson", "settlements.geojson",
        "stores.geojson"]
    assert not [p for p in built.iterdir() if p.name.startswith(".")]  # no temp left


@pytest.mark.slow
def test_bad_scenario_exits_2_and_keeps_the_old_plan(built: Path, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('region_code = "622924"\nstores = -3\ncrop = "durian"\n',
                   encoding="utf-8")
    before = (built / "guanghe" / "plan.json").read_bytes()
    assert main(["plan", str(bad), "--out", str(built / "guanghe"), "--quiet"]) == 2
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert lines[0] == "coldchain plan: cannot plan:"
    assert f"  - {bad}: stores = -3: must be between 0 and 2,000 (stores)" in lines
    assert any(line.startswith(f"  - {bad}: crop 'durian': unknown") for line in lines)
    assert (built / "guanghe" / "plan.json").read_bytes() == before


def test_unknown_region_and_missing_osm_are_named(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "x.toml"
    f.write_text('region_code = "629999"\n', encoding="utf-8")
    assert main(["plan", str(f), "--out", str(tmp_path / "o"), "--quiet"]) == 2
    assert "629999" in capsys.readouterr().err
    f.write_text('region_code = "622924"\n', encoding="utf-8")
    missing = tmp_path / "nowhere.osm.pbf"
    assert main(["plan", str(f), "--out", str(tmp_path / "o"), "--osm", str(missing),
                 "--quiet"]) == 2
    assert "nowhere.osm.pbf" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_absurd_value_is_refused_naming_key_and_range(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "absurd.toml"
    f.write_text('region_code = "622924"\ntruck_capacity_t = 1e30\n', encoding="utf-8")
    assert main(["plan", str(f), "--out", str(tmp_path / "o"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert f"  - {f}: truck_capacity_t = 1e+30: must be between 0.1 and 50 (t)" in (
        err.splitlines())
    assert "Traceback" not in err and not (tmp_path / "o").exists()


def test_serve_refuses_a_missing_directory(tmp_path: Path) -> None:
    assert main(["serve", "--plans", str(tmp_path / "none")]) == 2


def test_plan_ids_are_directory_safe() -> None:
    assert plan_id_for(Path("/x/Linxia 2020!")) == "linxia-2020"
    assert plan_id_for(Path("/x/临夏")) == "plan"


def test_cli_names_bad_province_options(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    scenario = tmp_path / "gansu.toml"
    scenario.write_text('region_code = "62"\n', encoding="utf-8")
    out = str(tmp_path / "out")
    assert main(["plan", str(scenario), "--out", out, "--quiet", "--workers", "0"]) == 2
    assert "--workers 0: at least one worker is needed" in capsys.readouterr().err
    assert main(["plan", str(scenario), "--out", out, "--quiet", "--regions", "6299"]) == 2
    assert "region '6299': not a Gansu prefecture-level code" in capsys.readouterr().err
    linxia = tmp_path / "linxia.toml"
    linxia.write_text('region_code = "6229"\n', encoding="utf-8")
    assert main(["plan", str(linxia), "--out", out, "--quiet", "--regions", "6229"]) == 2
    assert "only for the whole province" in capsys.readouterr().err


@pytest.mark.browser
@requires_chromium
def test_end_to_end_page_in_chromium(built: Path, vendor_dir: Path, tmp_path: Path) -> None:
    plan = load_plan(built / "guanghe")
    app = create_app({"PLANS_DIR": str(built), "VENDOR_DIR": str(vendor_dir),
                      "INSTANCE_DIR": str(tmp_path / "instance")})
    requests: list[str] = []
    errors: list[str] = []
    with live_server(app) as url, chromium_page() as page:
        page.on("request", lambda r: requests.append(r.url))
        page.on("pageerror", lambda e: errors.append(str(e)))
        browser_login(page, url, app)
        assert page.goto(f"{url}/", wait_until="networkidle").status == 200
        page.click("a[href='/plans/guanghe']")
        page.wait_for_selector("path.cc-store", timeout=15_000)
        counts = {cls: page.locator(f".leaflet-overlay-pane path.{cls}").count()
                  for cls in ("cc-county", "cc-store", "cc-route", "cc-market-run")}
        body = page.locator("body").inner_text()
        page.screenshot(path="/tmp/e2e_plan_page.png", full_page=False)
    assert errors == []
    # the map shows the busiest season's collection and market runs (the season switch
    # picks another); every season's trips are in plan.routes
    shown = plan.routes[plan.routes["season"] == plan.meta["seasons"]["routed_season"]]
    collection = shown[shown["kind"] == "collection"]
    assert counts == {"cc-county": 1, "cc-store": len(plan.stores),
                      "cc-route": len(collection),
                      "cc-market-run": len(shown) - len(collection)}
    assert len(plan.stores) > 0 and len(collection) > 0
    assert "Approximate" in body or "近似" in body
    assert {urlsplit(u).hostname for u in requests if not u.startswith("data:")} == \
        {"127.0.0.1"}
