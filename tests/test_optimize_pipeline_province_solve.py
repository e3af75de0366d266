"""The Dask solves: scheduler errors, the wall-clock caps of a regional solve."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.cli import main
from optimize.errors import SpecificationError
from optimize.pipeline.province.plan import plan_province
from optimize.scenario import Scenario


def _scenario(**kw: object) -> Scenario:
    return Scenario.from_mapping({"name": "Gansu test", "region_code": "62",
                                  "siting_time_limit_s": 10.0, "routing_time_limit_s": 0.3,
                                  **kw})


def test_bad_scheduler_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("optimize.pipeline.province.solve.CONNECT_TIMEOUT_S", 2)
    scenario = tmp_path / "gansu.toml"
    scenario.write_text('region_code = "62"\n', encoding="utf-8")
    code = main(["plan", str(scenario), "--out", str(tmp_path / "out"), "--quiet",
                 "--regions", "6202", "--scheduler", "tcp://127.0.0.1:9"])
    err = capsys.readouterr().err
    assert code == 2
    assert "--scheduler 'tcp://127.0.0.1:9': cannot reach a Dask scheduler" in err
    assert "Traceback" not in err and not (tmp_path / "out").exists()


class _Captured(Exception):
    """Stops a regional solve once the problem it would solve has been seen."""


def test_regional_solves_hand_their_wall_safety_to_both_problems(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from geodata import datasets
    from optimize.pipeline.province.solve import WALL_SAFETY, solve_loaded_region
    from optimize.pipeline.region import load_region
    from optimize.scenario import Scenario

    seen: dict[str, float] = {}

    def capture_routing(problem):  # type: ignore[no-untyped-def]
        seen["routing"] = problem.wall_safety
        raise _Captured

    monkeypatch.setattr("optimize.pipeline.trips.solve_routing", capture_routing)
    scenario = Scenario(region_code="6202", siting_time_limit_s=2.0)
    region = load_region("6202", datasets.data_dir(None))
    import optimize.pipeline.siting as siting_stage
    solve = siting_stage.solve_location

    def capture_siting(problem):  # type: ignore[no-untyped-def]
        seen["siting"] = problem.wall_safety
        return solve(problem)

    monkeypatch.setattr(siting_stage, "solve_location", capture_siting)
    with pytest.raises(_Captured):
        solve_loaded_region(scenario, region, "p")
    assert WALL_SAFETY == 10.0
    assert seen == {"siting": 10.0, "routing": 10.0}


def test_scheduler_without_workers_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from dask.distributed import LocalCluster

    monkeypatch.setattr("optimize.pipeline.province.solve.CONNECT_TIMEOUT_S", 1)
    with LocalCluster(n_workers=0, dashboard_address=":0") as cluster, \
            pytest.raises(SpecificationError, match="the scheduler has no workers"):
        plan_province(_scenario(), regions=["6202"], scheduler=cluster.scheduler_address)
