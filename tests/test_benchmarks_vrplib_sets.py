"""MTVRPTWR / MDVRPTW: the files as MultiDepotProblems, re-costing and the set's own check.

Reads the shared benchmark files (skipped without them): the best-known solutions must
re-cost exactly to their ``Cost`` and pass the check; a broken one must not; and a plan of
``solve_routing`` written in the set's notation must re-cost to its own total.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.routing import benchmark_dir
from benchmarks.vrplib_sets import (
    CpuStop,
    pyvrp_default_routes,
    pyvrp_stop,
    read_set,
    run_set_task,
    set_cost,
    set_problem,
    set_routes,
    set_violations,
)
from optimize.routing.multi_check import check_multidepot
from optimize.routing.solve import solve_routing

ROOT = benchmark_dir("mtvrptwr").parent  # $COLDCHAIN_BENCHMARK_DIR or beside the data
pytestmark = pytest.mark.skipif(not (ROOT / "mtvrptwr").is_dir(),
                                reason="shared benchmark files not present")
MT = ROOT / "mtvrptwr" / "C202R0.5.vrp"
MD = ROOT / "mdvrptw" / "PR21A.vrp"


def _bks(path: Path) -> tuple[list[list[int]], int]:
    import vrplib

    sol = vrplib.read_solution(str(path.with_suffix(".sol")))
    return [list(r) for r in sol["routes"]], int(sol["cost"])


@pytest.mark.parametrize(("path", "kind"), [(MT, "mtvrptwr"), (MD, "mdvrptw")])
def test_best_known_solutions_recost_exactly_and_pass(path: Path, kind: str) -> None:
    inst = read_set(path)
    routes, cost = _bks(path)
    assert routes
    assert set_cost(inst, kind, routes) == cost
    assert set_violations(inst, kind, routes) == []


def test_broken_solutions_are_caught() -> None:
    inst = read_set(MT)
    routes, _ = _bks(MT)
    dropped = [routes[0][1:], *routes[1:]]
    assert set_violations(inst, "mtvrptwr", dropped) == [f"client {routes[0][0]} visited 0 times"]
    no_reload = [[c for c in routes[2] if c != 0], *routes[:2], *routes[3:]]
    found = set_violations(inst, "mtvrptwr", no_reload)
    assert found and all(m.startswith("route 1: ") for m in found)
    assert any("over 100" in m for m in found)
    md = read_set(MD)
    md_routes, _ = _bks(MD)
    assert set_violations(md, "mdvrptw", md_routes + [[]] * 200)[0].endswith("vehicles")


def test_problem_in_the_set_units() -> None:
    p = set_problem(MT, "mtvrptwr", 1.0)
    assert (p.n_depots, p.trucks_per_depot, p.n_pickups) == (1, (8,), 100)
    assert p.horizon_s == 33900 and int(p.service_s[0]) == 900
    assert p.max_trips_per_truck is None and p.release_s is not None
    assert int(p.release_s[0]) == 15800 and p.time_window_s is not None
    q = set_problem(MD, "mdvrptw", 1.0)
    assert q.n_depots == 12 and q.max_trips_per_truck == 1 and q.shift_s is not None
    assert sum(q.trucks_per_depot) == int(read_set(MD)["vehicles"])


@pytest.mark.parametrize(("path", "kind", "iterations"), [(MT, "mtvrptwr", 150),
                                                          (MD, "mdvrptw", 60)])
def test_our_plan_in_set_notation_recosts_to_its_total(path: Path, kind: str,
                                                       iterations: int) -> None:
    p = set_problem(path, kind, 30.0)
    import dataclasses

    p = dataclasses.replace(p, search_iterations=iterations)
    result = solve_routing(p)
    assert result.unserved == () and check_multidepot(p, result) == []
    routes = set_routes(p, result, kind)
    inst = read_set(path)
    assert set_violations(inst, kind, routes) == []
    assert set_cost(inst, kind, routes) == result.distance_m
    if kind == "mtvrptwr":
        assert len(routes) <= 8 and any(0 in r for r in routes)   # reloads written as 0
    else:
        assert len(routes) == sum(p.trucks_per_depot)


def test_cpu_stop_counts_cpu_seconds_not_wall_seconds() -> None:
    import time

    stop = CpuStop(0.05, time.process_time())
    assert stop(1.0) is False
    time.sleep(0.1)                       # 0.1 wall seconds, almost no CPU
    assert stop(1.0) is False and stop.calls == 2
    spin = time.process_time()
    while time.process_time() - spin < 0.06:
        pass
    assert stop(1.0) is True and stop.fired
    with pytest.raises(ValueError, match="clock 'moon'"):
        pyvrp_stop(1.0, "moon", 0.0)


def test_pyvrp_defaults_stop_on_the_cpu_budget() -> None:
    import time

    started = time.process_time()
    stop = CpuStop(0.5, started)
    routes = pyvrp_default_routes(MT, "mtvrptwr", 100.0, 1, stop)   # wall limit never hit
    used_s = time.process_time() - started
    assert stop.fired and stop.calls > 10           # PyVRP asked once per iteration
    assert 0.5 <= used_s <= 0.5 + 0.3
    assert sorted(c for r in routes for c in r if c) == list(range(1, 101))


@pytest.mark.parametrize("runner", ["ours", "pyvrp-default"])
def test_cpu_clock_rows_stay_within_the_limit(runner: str) -> None:
    row = run_set_task(MT, "mtvrptwr", runner, 1.0, 0, clock="cpu")
    assert row["clock"] == "cpu" and row["feasible"] is True and row["cpu_s"] > 0.5
    if runner == "ours":
        # ours ends by its count of moves, never by the clock: the CPU seconds of that work
        # vary with the machine's load (35-65 ns a move on the shared build machine, session
        # 9; a CI run once took 1.73 s here), so only the stop is asserted
        assert row["status"] == "success"
    else:
        # PyVRP stops on the CPU clock: reading, checking and re-costing included, at most
        # the limit plus a small margin
        assert row["cpu_s"] <= 1.0 + 0.4
