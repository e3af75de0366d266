"""benchmarks/location.py, benchmarks/pmed_tsplib.py and benchmarks/cap_orlib.py: p-median
and OR-Library cap as LocationProblems."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import numpy as np
import pytest

from benchmarks import location
from benchmarks.pmed_tsplib import (
    floor_euclid_objective,
    knn_arcs,
    list_length,
    parse_rows,
    pmedian_problem,
    read_tsp,
    read_tsplib_references,
)
from optimize.siting.problem import LocationProblem, LocationResult
from optimize.siting.solve import solve_location
from tests.split_cases import (
    HAND_CAPACITY_T,
    HAND_COST,
    HAND_FIXED_YUAN,
    HAND_SUPPLY_T,
    brute_force_yuan,
)

# two clusters of three points on a line: the unique 2-median opens the middles
SIX = [(0.0, 0.0), (1.0, 0.0), (2.0, 0.0), (10.0, 0.0), (11.0, 0.0), (12.0, 0.0)]

TSP_TEXT = """NAME : six
COMMENT : hand-made
TYPE : TSP
DIMENSION : 6
EDGE_WEIGHT_TYPE : EUC_2D
NODE_COORD_SECTION
1 0.00000e+00 0.0
2 1.0 0
3 2 0.0
4 1.00000e+01 0.0
5 11.0 0.0
6 12.0 0.0
"""

REFS_TEXT = """instance,n,p,value,proven_optimal,source
six,6,2,4,yes,"hand-checked, a, b"
six,6,1,30,no,hand
"""


def _write_six(folder: Path, eof: bool = True) -> None:
    (folder / "six.tsp").write_text(TSP_TEXT + ("EOF\n" if eof else ""))
    (folder / "references.csv").write_text(REFS_TEXT)


@pytest.mark.parametrize("eof", [True, False])
def test_read_tsp_reads_float64_points_with_or_without_eof(tmp_path: Path, eof: bool) -> None:
    _write_six(tmp_path, eof)
    pts = read_tsp(tmp_path / "six.tsp")
    assert pts.name == "six"
    assert pts.node.tolist() == [1, 2, 3, 4, 5, 6]
    assert pts.coords.dtype == np.float64
    assert pts.coords.tolist() == [list(p) for p in SIX]


def test_read_tsp_rejects_a_wrong_dimension(tmp_path: Path) -> None:
    (tmp_path / "bad.tsp").write_text(TSP_TEXT.replace("DIMENSION : 6", "DIMENSION : 7"))
    with pytest.raises(ValueError, match="DIMENSION says 7"):
        read_tsp(tmp_path / "bad.tsp")


def test_read_references(tmp_path: Path) -> None:
    _write_six(tmp_path)
    refs = read_tsplib_references(tmp_path / "references.csv")
    assert refs == {("six", 2): {"value": 4.0, "n": 6, "proven_optimal": True},
                    ("six", 1): {"value": 30.0, "n": 6, "proven_optimal": False}}
    assert parse_rows("six:2, fl1400:50,") == [("six", 2), ("fl1400", 50)]


def test_floor_euclid_objective_by_hand() -> None:
    coords = np.array([(0.0, 0.0), (3.0, 4.0), (1.0, 1.0), (0.0, 2.9), (10.0, 0.0)])
    # open 0 and 4: 0 + floor(5) + floor(1.414) + floor(2.9) + 0 (point 1 is 8.06 from 4)
    assert floor_euclid_objective(coords, [0, 4]) == 0 + 5 + 1 + 2 + 0
    # open 1 only: 5 + 0 + floor(3.606) + floor(3.324) + floor(8.062)
    assert floor_euclid_objective(coords, [1]) == 5 + 0 + 3 + 3 + 8
    # a duplicate open index counts once
    assert floor_euclid_objective(coords, [4, 0, 0]) == 8


def test_knn_arcs_keep_each_point_itself_even_among_duplicates() -> None:
    coords = np.array([(0.0, 0.0)] * 4 + [(5.0, 0.0)])
    demand, site, dist, unlisted = knn_arcs(coords, 2)
    assert len(demand) == 10
    # the 2nd nearest is at 0 (duplicates) or 5 (the lone point), one unit off for safety
    assert unlisted.tolist() == [0.0, 0.0, 0.0, 0.0, 4.0]
    for i in range(5):
        assert i in site[demand == i]
    assert dist.min() == 0 and dist.max() <= 5


def test_six_point_pmedian_solves_to_the_hand_optimum_through_solve_location() -> None:
    coords = np.array(SIX)
    demand, site, dist, unlisted = knn_arcs(coords, 6)  # all 36 pairs: the full problem
    assert np.isinf(unlisted).all()
    result = solve_location(pmedian_problem(demand, site, dist, 6, 2, time_limit_s=5.0))
    assert result.open_sites.tolist() == [1, 4]
    assert result.assignment.tolist() == [1, 1, 1, 4, 4, 4]
    assert result.objective == pytest.approx(4.0)
    assert result.status == "OPTIMAL"
    assert floor_euclid_objective(coords, result.open_sites) == 4


def test_pmedian_problem_rejects_fractional_costs() -> None:
    with pytest.raises(ValueError, match="whole numbers"):
        pmedian_problem(np.array([0]), np.array([0]), np.array([0.5]), 1, 1, 1.0)


def test_pmed_tsplib_command_writes_checked_rows(tmp_path: Path) -> None:
    _write_six(tmp_path)
    out = tmp_path / "out.json"
    assert location.main(["--set", "pmed-tsplib", "--dir", str(tmp_path), "--time-limit",
                          "5", "--k", "4", "--out", str(out)]) == 0
    payload = json.loads(out.read_text())
    assert "unlisted_time_s" in payload["engine"]
    rows = {row["p"]: row for row in payload["results"]}
    assert set(rows) == {1, 2}
    two = rows[2]
    assert two["instance"] == "six" and two["open"] == [2, 5]  # 1-based node numbers
    assert two["objective"] == 4 and two["reference"] == 4.0 and two["gap_pct"] == 0.0
    assert two["engine"].startswith("solve_location:") and two["stages"]
    # 24 arcs: CP-SAT solves it (small cases exact), whose bound is for the listed arcs only
    assert two["k_nearest"] == 4 and two["bound_scope"].startswith("restricted")
    assert {"time_s", "bound", "assignment"} <= set(two)
    # p = 1 with 4 nearest: only x = 2 and x = 10 reach every point; both cost 30
    assert rows[1]["objective"] == 30 and rows[1]["open"] in ([3], [4])


def test_a_restricted_row_without_a_plan_is_kept_with_its_reason(tmp_path: Path) -> None:
    _write_six(tmp_path)
    out = tmp_path / "out.json"
    # p = 1 with each point's 2 nearest only: no single point reaches all six
    location.main(["--set", "pmed-tsplib", "--dir", str(tmp_path), "--instances", "six:1",
                   "--time-limit", "5", "--k", "2", "--out", str(out)])
    (row,) = json.loads(out.read_text())["results"]
    assert row["objective"] is None and row["gap_pct"] is None and row["open"] == []
    assert row["error"] and row["reference"] == 30.0


def test_list_length_by_hand() -> None:
    assert list_length(1400, 5) == 1400  # 1.96 M pairs fit: complete lists
    assert list_length(24978, 10000) == 24  # ceil(8 x 2.5) = 20, at least 24
    assert list_length(24978, 10) == 24_000_000 // 24978  # capped by the arc total
    assert list_length(3038, 100) == 244  # ceil(8 x 30.38)


def test_a_sparse_median_row_has_a_proven_bound_of_the_full_problem(tmp_path: Path) -> None:
    # 150 points on a 15 x 10 grid (spacing 10), p = 10, the 70 nearest of each: 10,500
    # arcs, enough for 'auto' to pick the median engine (CP-SAT below 10,000)
    xs, ys = np.meshgrid(np.arange(15) * 10.0, np.arange(10) * 10.0)
    pairs = zip(xs.ravel(), ys.ravel(), strict=True)
    lines = [f"{i + 1} {x} {y}" for i, (x, y) in enumerate(pairs)]
    (tmp_path / "grid.tsp").write_text(
        "NAME : grid\nDIMENSION : 150\nEDGE_WEIGHT_TYPE : EUC_2D\nNODE_COORD_SECTION\n"
        + "\n".join(lines) + "\nEOF\n")
    (tmp_path / "references.csv").write_text("instance,n,p,value,proven_optimal,source\n")
    out = tmp_path / "out.json"
    location.main(["--set", "pmed-tsplib", "--dir", str(tmp_path), "--instances", "grid:10",
                   "--k", "70", "--time-limit", "5", "--out", str(out)])
    (row,) = json.loads(out.read_text())["results"]
    assert {"instance", "p", "objective", "bound", "open", "time_s", "engine"} <= set(row)
    assert row["engine"] == "solve_location:median" and row["k_nearest"] == 70
    assert row["bound_scope"].startswith("full p-median (sparse lists")
    coords = np.column_stack([xs.ravel(), ys.ravel()])
    assert len(row["open"]) == 10
    assert row["objective"] == floor_euclid_objective(coords, np.array(row["open"]) - 1)
    # every one of the 140 other points is at least 10 from any median: 1,400 at least;
    # the bound (proven for the full problem) cannot exceed the plan
    assert row["objective"] >= 1400 and row["bound"] <= row["objective"]


# --------------------------------------------------------------------------------------
# --set cap: OR-Library capacitated warehouse location through solve_location
# --------------------------------------------------------------------------------------
def _cap_text(capacity: list[str]) -> str:
    """The hand case of tests/split_cases.py in OR-Library cap format (costs wrap lines)."""
    lines = [f"{HAND_COST.shape[0]} {HAND_COST.shape[1]}"]
    lines += [f"{cap} {fixed:g}" for cap, fixed in zip(capacity, HAND_FIXED_YUAN, strict=True)]
    for i, demand in enumerate(HAND_SUPPLY_T):
        lines += [f"{demand:g}", " ".join(f"{c:g}" for c in HAND_COST[:2, i]),
                  f"{HAND_COST[2, i]:g}"]
    return "\n".join(lines) + "\n"


def _write_cap(folder: Path) -> None:
    (folder / "cap1.txt").write_text(_cap_text([f"{c:g}" for c in HAND_CAPACITY_T]))
    (folder / "capz.txt").write_text(_cap_text(["capacity"] * 3))
    (folder / "capopt.txt").write_text(
        "Data file   Optimal solution value\ncap1 60.000\n"
        "capz 50.000 (capacity 20)\n     50.000 (capacity 40)\n")


@pytest.mark.parametrize("engine", ["product", "side"])
def test_cap_command_writes_checked_rows(tmp_path: Path, engine: str) -> None:
    _write_cap(tmp_path)
    out = tmp_path / "out.json"
    assert location.main(["--set", "cap", "--dir", str(tmp_path), "--time-limit", "5",
                          "--engine", engine, "--out", str(out)]) == 0
    payload = json.loads(out.read_text())
    rows = {row["case"]: row for row in payload["results"]}
    assert list(rows) == ["cap1", "capz/20", "capz/40"]
    hand = rows["cap1"]
    assert hand["objective"] == pytest.approx(60.0) and hand["gap_pct"] == pytest.approx(0.0)
    assert hand["open"] == [1, 2]
    # customer 2 (d1) split half and half over warehouses 1 and 2 (1-based)
    assert [r for r in hand["assign"] if r[0] == 2] == [[2, 1, pytest.approx(0.5)],
                                                       [2, 2, pytest.approx(0.5)]]
    for case, capacity in (("capz/20", 20.0), ("capz/40", 40.0)):
        expected = brute_force_yuan(HAND_COST, np.full(3, capacity), HAND_FIXED_YUAN,
                                    HAND_SUPPLY_T)
        assert rows[case]["objective"] == pytest.approx(expected, abs=1e-6)
        assert rows[case]["capacity"] == capacity and rows[case]["gap_pct"] == pytest.approx(0)
    # capacity 20 each: A+B hold 40 t, d1 at A, d2 at B -> 10 + 20 + 10 + 10 = 50 with
    # no fixed cost; capacity 40: A+B still, the same 50
    assert rows["capz/20"]["objective"] == pytest.approx(50.0)
    if engine == "product":
        assert hand["engine"] == "solve_location:mip" and hand["stages"]
        assert hand["bound"] == pytest.approx(60.0) and hand["status"] == "OPTIMAL"
        assert payload["engine"].startswith("optimize.siting.solve.solve_location")
    else:
        assert hand["engine"] == "side:cflp (no plan runs it)" and hand["stages"] == []


def test_recompute_cap_rejects_a_plan_over_capacity() -> None:
    from benchmarks.cap_orlib import recompute_cap
    from benchmarks.engines.cflp import CflpInstance

    inst = CflpInstance(HAND_CAPACITY_T, HAND_FIXED_YUAN, HAND_SUPPLY_T, HAND_COST)
    good = [[1, 1, 1.0], [2, 1, 0.5], [2, 2, 0.5], [3, 2, 1.0], [4, 2, 1.0]]
    assert recompute_cap(inst, HAND_CAPACITY_T, [1, 2], good) == pytest.approx(60.0)
    over = [[1, 1, 1.0], [2, 1, 1.0], [3, 2, 1.0], [4, 2, 1.0]]  # A holds 20 t > 15
    with pytest.raises(AssertionError, match="capacity exceeded"):
        recompute_cap(inst, HAND_CAPACITY_T, [1, 2], over)
    with pytest.raises(AssertionError, match="closed facility"):
        recompute_cap(inst, HAND_CAPACITY_T, [1], good)


def test_random_command_runs_the_chosen_engines_with_the_wall_safety(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[str, float]] = []

    def solve(problem: LocationProblem) -> LocationResult:
        seen.append((problem.engine, problem.wall_safety))
        return solve_location(problem)

    # a 40-point instance of the same family: 6 sites, 4 stores, 20 km square
    small = functools.partial(location.random_siting, points=40, sites=6, stores=4,
                              side_m=20_000.0)
    monkeypatch.setattr(location, "random_siting", small)
    monkeypatch.setattr(location, "solve_location", solve)
    out = tmp_path / "random.json"
    assert location.main(["--set", "random", "--count", "1", "--budget-yuan", "0.7e6",
                          "--time-limit", "2", "--engines", "lagrange", "--wall-safety",
                          "7", "--out", str(out)]) == 0
    assert seen == [("lagrange", 7.0)]
    (row,) = json.loads(out.read_text())["results"]
    # 0.7 M yuan buys four 100 t stores and little more for ~1,000 t of supply
    assert row["engine"] == "lagrange" and row["check"]["subsidy_yuan"] <= 0.7e6
    assert row["objective"] == pytest.approx(row["objective_reported"], rel=1e-9)
    assert row["bound"] <= row["objective"] + 1e-6
