"""benchmarks/routing.py: the JSON the evaluation checker reads (--set mtvrptwr|mdvrptw), and
``ours`` on CVRP / VRPTW through the product's ``solve_routing``."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from benchmarks.engines.vrp import VrpData
from benchmarks.routing import benchmark_dir, main, multi_runners, product_problem, solve_product

SETS = benchmark_dir("mtvrptwr").parent  # $COLDCHAIN_BENCHMARK_DIR or beside the data


def test_default_dir_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLDCHAIN_BENCHMARK_DIR", "/somewhere")
    assert benchmark_dir("mdvrptw") == Path("/somewhere/mdvrptw")


@pytest.mark.skipif(not (SETS / "mtvrptwr").is_dir(), reason="shared benchmark files absent")
def test_mtvrptwr_run_writes_checker_rows(tmp_path: Path) -> None:
    out = tmp_path / "mt.json"
    main(["--set", "mtvrptwr", "--dir", str(SETS / "mtvrptwr"), "--instances", "C202R0.5",
          "--time-limit", "1", "--out", str(out)])
    payload = json.loads(out.read_text())
    assert payload["complete"] is True and payload["peers"] == []
    (row,) = payload["results"]
    assert {"instance", "cost", "routes", "time_s", "engine"} <= set(row)
    assert 0 < row["cpu_s"] <= row["time_s"] + 0.5         # this process's CPU seconds
    assert row["instance"] == "C202R0.5" and row["feasible"] is True
    assert row["reference"] == 15473 and row["cost"] >= 15473
    assert row["gap_pct"] == round(100 * (row["cost"] - 15473) / 15473, 3)
    assert len(row["routes"]) <= 8
    assert sorted(c for r in row["routes"] for c in r if c) == list(range(1, 101))


@pytest.mark.skipif(not (SETS / "mtvrptwr").is_dir(), reason="shared benchmark files absent")
def test_cpu_clock_mode_is_recorded(tmp_path: Path) -> None:
    out = tmp_path / "mt.json"
    main(["--set", "mtvrptwr", "--dir", str(SETS / "mtvrptwr"), "--instances", "C202R0.5",
          "--time-limit", "1", "--clock", "cpu", "--runners", "pyvrp-default",
          "--out", str(out)])
    payload = json.loads(out.read_text())
    assert payload["clock"] == "cpu" and payload["results"] == []
    (row,) = payload["peers"]
    assert row["clock"] == "cpu" and row["runner"] == "pyvrp-default"
    assert 1.0 <= row["cpu_s"] <= 1.0 + 0.4 and row["feasible"] is True


def test_unknown_instance_is_named(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="not in .*: NOPE"):
        main(["--set", "mdvrptw", "--dir", str(tmp_path), "--instances", "NOPE",
              "--out", str(tmp_path / "x.json")])


def test_every_takes_every_kth_file_and_jobs_is_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import benchmarks.vrplib_sets as sets

    for name in ("A", "B", "C", "D", "E"):
        (tmp_path / f"{name}.vrp").write_text("")
    ran: list[str] = []

    def fake(path: Path, *args: object) -> dict[str, object]:
        ran.append(path.stem)
        return {"instance": path.stem, "runner": "ours", "cost": 1, "gap_pct": None,
                "time_s": 0.0, "cpu_s": 0.0, "feasible": True, "engine": "x"}

    monkeypatch.setattr(sets, "run_set_task", fake)
    main(["--set", "mdvrptw", "--dir", str(tmp_path), "--every", "2",
          "--out", str(tmp_path / "x.json")])
    assert ran == ["A", "C", "E"]
    with pytest.raises(SystemExit, match="--jobs 2: --set mdvrptw runs one instance"):
        main(["--set", "mdvrptw", "--dir", str(tmp_path), "--jobs", "2",
              "--out", str(tmp_path / "y.json")])


def test_runners_are_chosen_by_name_or_by_peers() -> None:
    assert multi_runners("", peers=False) == ["ours"]
    assert multi_runners("", peers=True) == ["ours", "pyvrp-default", "ortools-plain"]
    assert multi_runners("pyvrp-default", peers=True) == ["pyvrp-default"]
    with pytest.raises(SystemExit, match="--runners: unknown vroom"):
        multi_runners("ours,vroom", peers=False)


def test_ours_on_cvrp_runs_the_product_interface() -> None:
    # 4 clients on a line (depot at 0), capacity 2, demand 1 each: two routes of two,
    # optimum 2 x (0-1-2-0) style: clients 1,2 at 1 and 2; 3,4 at 10 and 11
    xy = np.array([0, 1, 2, 10, 11])
    dist = np.abs(xy[:, None] - xy[None, :]).astype(np.int64)
    data = VrpData(distance=dist, demand=np.array([1, 1, 1, 1]), capacity=2)
    problem = product_problem(data, 1.0, 0)
    assert problem.n_depots == 1 and problem.trucks_per_depot == (4,)
    assert problem.max_trips_per_truck == 1 and problem.time_window_s is None
    sol, status = solve_product(data, 1.0, 0)
    assert sol.feasible and sorted(sorted(r) for r in sol.routes) == [[1, 2], [3, 4]]
    assert sol.cost == 4 + 22 and "pyvrp" in sol.engine
    assert status == "success"


def test_ours_on_vrptw_keeps_the_windows() -> None:
    # client 2 only opens at 50 and closes at 55: the plan must wait for it
    xy = np.array([0, 5, 10])
    dist = np.abs(xy[:, None] - xy[None, :]).astype(np.int64)
    tw = np.array([[0, 200], [0, 20], [50, 55]])
    data = VrpData(distance=dist, demand=np.array([1, 1]), capacity=5, n_vehicles=2,
                   time_window=tw, service=np.array([0, 3, 3]))
    assert product_problem(data, 1.0, 0).horizon_s == 200
    sol, _ = solve_product(data, 1.0, 0)
    assert sol.feasible and sol.problems == () and sol.cost == 20


TINY_CVRP = """NAME : tiny
TYPE : CVRP
DIMENSION : 5
EDGE_WEIGHT_TYPE : EUC_2D
CAPACITY : 2
NODE_COORD_SECTION
1 0 0
2 1 0
3 2 0
4 10 0
5 11 0
DEMAND_SECTION
1 0
2 1
3 1
4 1
5 1
DEPOT_SECTION
1
-1
EOF
"""


def test_cvrp_cpu_clock_lifts_the_wall_cap_and_records_cpu(tmp_path: Path) -> None:
    # session 7: --clock cpu for --set cvrp; ours' wall cap becomes 10 x the limit
    (tmp_path / "tiny.vrp").write_text(TINY_CVRP)
    (tmp_path / "tiny.sol").write_text("Route #1: 1 2\nRoute #2: 3 4\nCost 26\n")
    data = VrpData(distance=np.zeros((5, 5), dtype=np.int64), demand=np.ones(4), capacity=2)
    assert product_problem(data, 2.0, 0).wall_safety == 1.0
    assert product_problem(data, 2.0, 0, 10.0).wall_safety == 10.0
    out = tmp_path / "tiny.json"
    main(["--set", "cvrp", "--dir", str(tmp_path), "--time-limit", "1", "--clock", "cpu",
          "--out", str(out)])
    payload = json.loads(out.read_text())
    (row,) = payload["results"]
    assert payload["clock"] == "cpu" and row["clock"] == "cpu"
    assert row["status"] == "success" and row["cpu_s"] > 0
    assert row["cost"] == 26 and row["gap_pct"] == 0.0 and row["feasible"] is True
