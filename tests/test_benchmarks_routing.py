"""benchmarks/routing.py --set mtvrptwr|mdvrptw: the JSON the evaluation checker reads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.routing import benchmark_dir, main

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
    assert row["instance"] == "C202R0.5" and row["feasible"] is True
    assert row["reference"] == 15473 and row["cost"] >= 15473
    assert row["gap_pct"] == round(100 * (row["cost"] - 15473) / 15473, 3)
    assert len(row["routes"]) <= 8
    assert sorted(c for r in row["routes"] for c in r if c) == list(range(1, 101))


def test_unknown_instance_is_named(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="not in .*: NOPE"):
        main(["--set", "mdvrptw", "--dir", str(tmp_path), "--instances", "NOPE",
              "--out", str(tmp_path / "x.json")])
