"""``coldchain matrix`` and ``coldchain data fetch|synth-roads`` end to end."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import networkx as nx
import pandas as pd
import pytest

from app.cli import main
from tests.test_geodata_fetch import PAYLOAD, server  # noqa: F401 (fixture)

MATRIX_COLUMNS = ["source_id", "target_id", "source_node", "target_node", "travel_time_s",
                  "distance_m"]


@pytest.fixture(autouse=True)
def cache_in_tmp(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("COLDCHAIN_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture(scope="module")
def pbf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("roads") / "SYNTHETIC.osm.pbf"
    assert main(["data", "synth-roads", "--nodes", "2000", "--seed", "2", "--out", str(path)]) == 0
    return path


def write_points(path: Path, rows: list[tuple[str, float, float]]) -> Path:
    pd.DataFrame(rows, columns=["id", "lon", "lat"]).to_csv(path, index=False)
    return path


VILLAGES = [("v1", 100.0, 37.0), ("v2", 101.5, 38.2), ("v3", 96.0, 40.0), ("far", 80.0, 20.0)]
SITES = [("s1", 100.3, 37.2), ("s2", 104.0, 36.0)]


def test_synth_roads_says_synthetic(pbf: Path, capsys: pytest.CaptureFixture[str],
                                    tmp_path: Path) -> None:
    out = tmp_path / "x.osm.pbf"
    assert main(["data", "synth-roads", "--nodes", "100", "--out", str(out)]) == 0
    assert "SYNTHETIC" in capsys.readouterr().out and out.stat().st_size > 0
    assert main(["data", "synth-roads", "--nodes", "2", "--out", str(out)]) == 2


def test_matrix_writes_long_form_and_a_graph_to_recompute_it(
    pbf: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src, dst = write_points(tmp_path / "a.csv", VILLAGES), write_points(tmp_path / "b.csv", SITES)
    out, graphml = tmp_path / "m.csv", tmp_path / "g.graphml"
    args = ["matrix", "--osm", str(pbf), "--from", str(src), "--to", str(dst), "--cutoff-min",
            "600", "--out", str(out), "--graph-out", str(graphml), "--max-snap-m", "30000"]
    assert main(args) == 0
    err = capsys.readouterr().err
    assert "1 of 4 points are off the road network" in err and "far (" in err
    table = pd.read_csv(out, dtype={"source_id": str, "target_id": str})
    assert list(table.columns) == MATRIX_COLUMNS
    assert set(table["source_id"]) <= {"v1", "v2", "v3"} and 3 <= len(table) < 6
    assert (table["travel_time_s"] <= 600 * 60).all()
    graph = nx.read_graphml(graphml, node_type=int, force_multigraph=True)
    for row in table.itertuples():
        expected = nx.dijkstra_path_length(graph, row.source_node, row.target_node,
                                           weight="travel_time")
        assert row.travel_time_s == round(expected)
    assert main(args) == 0
    assert "(hit," in capsys.readouterr().err  # the second run loads the cached graph


def test_cutoff_zero_gives_an_explicit_empty_result(pbf: Path, tmp_path: Path) -> None:
    src = write_points(tmp_path / "a.csv", VILLAGES[:2])
    dst = write_points(tmp_path / "b.csv", SITES)
    out = tmp_path / "m.csv"
    assert main(["matrix", "--osm", str(pbf), "--from", str(src), "--to", str(dst),
                 "--cutoff-min", "0", "--out", str(out)]) == 0
    table = pd.read_csv(out)
    assert list(table.columns) == MATRIX_COLUMNS and len(table) == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [("id,x,y\na,1,2\n", "lacks the columns"), ("id,lon,lat\na,500,2\n", "not lon/lat"),
     ("id,lon,lat\na,100,37\na,100,37\n", "repeated ids")],
)
def test_bad_point_files_exit_2_naming_the_culprit(
    pbf: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(content)
    good = write_points(tmp_path / "b.csv", SITES)
    assert main(["matrix", "--osm", str(pbf), "--from", str(bad), "--to", str(good),
                 "--out", str(tmp_path / "m.csv")]) == 2
    err = capsys.readouterr().err
    assert message in err and "bad.csv" in err
    assert not (tmp_path / "m.csv").exists()


def test_bad_osm_or_cutoff_exit_2(pbf: Path, tmp_path: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    pts = write_points(tmp_path / "a.csv", VILLAGES[:1])
    base = ["--from", str(pts), "--to", str(pts), "--out", str(tmp_path / "m.csv")]
    assert main(["matrix", "--osm", str(tmp_path / "none.osm.pbf"), *base]) == 2
    assert "not found" in capsys.readouterr().err
    assert main(["matrix", "--osm", str(pbf), "--cutoff-min", "-5", *base]) == 2
    assert "cutoff" in capsys.readouterr().err


def test_points_all_outside_the_graph_give_an_empty_result(
    pbf: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    far = write_points(tmp_path / "far.csv", [("x", 10.0, 50.0), ("y", 11.0, 51.0)])
    out = tmp_path / "m.csv"
    assert main(["matrix", "--osm", str(pbf), "--from", str(far), "--to", str(far),
                 "--out", str(out)]) == 0
    assert "2 of 2 points are off the road network" in capsys.readouterr().err
    assert len(pd.read_csv(out)) == 0


def test_data_fetch_downloads_with_checksum(
    server: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]  # noqa: F811
) -> None:
    out = tmp_path / "g.osm.pbf"
    digest = hashlib.sha256(PAYLOAD).hexdigest()
    assert main(["data", "fetch", f"{server.url}/g.osm.pbf", "--out", str(out),
                 "--sha256", digest]) == 0
    assert out.read_bytes() == PAYLOAD
    assert main(["data", "fetch", f"{server.url}/g.osm.pbf", "--out", str(out), "--quiet",
                 "--sha256", "1" * 64]) == 2
    assert "SHA-256 mismatch" in capsys.readouterr().err
