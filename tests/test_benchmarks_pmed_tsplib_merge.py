"""benchmarks/pmed_tsplib_merge.py: joined result files, objectives checked, gaps counted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks import pmed_tsplib_merge as merge

# two clusters of three points on a line; node numbers 11-16 (not 1-6) to test the lookup
TSP = "NAME : six\nDIMENSION : 6\nEDGE_WEIGHT_TYPE : EUC_2D\nNODE_COORD_SECTION\n" + "".join(
    f"{11 + i} {x} 0.0\n" for i, x in enumerate([0, 1, 2, 10, 11, 12])) + "EOF\n"
REFS = ("instance,n,p,value,proven_optimal,source\nsix,6,2,4,yes,hand\n"
        "six,6,1,30,yes,hand\nsix,6,3,3,yes,hand\n")


def _row(p: int, objective: int | None, open_nodes: list[int], time_s: float = 5.0,
         **extra: object) -> dict[str, object]:
    return {"instance": "six", "p": p, "objective": objective, "open": open_nodes,
            "time_s": time_s, "k_nearest": 6, "status": "FEASIBLE", **extra}


def _files(tmp_path: Path) -> list[Path]:
    (tmp_path / "six.tsp").write_text(TSP)
    (tmp_path / "references.csv").write_text(REFS)
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    # p=2 first with the poor plan {11, 14} (1 + 2 + 1 + 2 = 6), re-run later at 4;
    # p=1 opens node 12 (point 1 at x=1): 1 + 0 + 1 + 9 + 10 + 11 = 32
    first.write_text(json.dumps({"results": [_row(2, 6, [11, 14]), _row(1, 32, [12])]}))
    second.write_text(json.dumps({"results": [
        _row(2, 4, [12, 15], time_s=70.0, status="OPTIMAL", hubs=3, k_hub=2)]}))
    return [first, second]


def test_later_files_replace_rows_and_every_gap_is_recomputed(tmp_path: Path) -> None:
    rows = merge.check_rows(merge.merge_rows(_files(tmp_path)), tmp_path)
    assert [(r["p"], r["objective"], r["result_file"]) for r in rows] == [
        (1, 32, "a.json"), (2, 4, "b.json")]
    assert rows[0]["gap_pct"] == pytest.approx(100 * 2 / 30) and rows[1]["gap_pct"] == 0
    summary = merge.summarize(rows, tmp_path)
    assert summary["references"] == 3 and summary["missing"] == ["six:3"]
    stats = summary["all"]
    assert stats["rows"] == 2 and stats["mean_gap_pct"] == pytest.approx(100 / 30)
    assert stats["worst_gap_pct"] == pytest.approx(100 * 2 / 30) and stats["worst_p"] == 1
    assert stats["at_reference"] == 1 and stats["proven_optimal"] == 1
    assert stats["over_60_s"] == 1 and stats["max_time_s"] == 70.0
    text = merge.markdown(rows, summary)
    assert "| six p=2 | k=6 + 2 of 3 hubs | 4 | 4 | 0.000 % |" in text


def test_an_objective_that_the_open_points_do_not_give_is_refused(tmp_path: Path) -> None:
    files = _files(tmp_path)
    files[1].write_text(json.dumps({"results": [_row(2, 3, [12, 15])]}))  # really 4
    with pytest.raises(ValueError, match="six p=2 .b.json.: objective 3 but the open points "
                                         "give 4"):
        merge.check_rows(merge.merge_rows(files), tmp_path)


def test_a_row_without_a_plan_counts_as_failed(tmp_path: Path) -> None:
    files = _files(tmp_path)
    files[1].write_text(json.dumps({"results": [_row(2, None, [], error="no plan")]}))
    rows = merge.check_rows(merge.merge_rows(files), tmp_path)
    stats = merge.summarize(rows, tmp_path)["all"]
    assert stats["failed"] == 1 and stats["with_gap"] == 1 and stats["rows"] == 2


def test_command_writes_the_merged_file(tmp_path: Path) -> None:
    files = _files(tmp_path)
    out = tmp_path / "merged.json"
    assert merge.main([*map(str, files), "--dir", str(tmp_path), "--out", str(out)]) == 0
    payload = json.loads(out.read_text())
    assert payload["summary"]["missing"] == ["six:3"] and len(payload["results"]) == 2


def test_a_printed_table_gives_base_rows_that_files_replace(tmp_path: Path) -> None:
    files = _files(tmp_path)
    table = merge.markdown(merge.check_rows(merge.merge_rows(files[:1]), tmp_path),
                           merge.summarize(merge.check_rows(merge.merge_rows(files[:1]),
                                                            tmp_path), tmp_path))
    # edit the printed p=1 row: its objective is kept as printed (no open points to check)
    table = table.replace("| six p=1 | k=6 | 32 |", "| six p=1 | k=6 | 33 |")
    base = merge.table_rows("intro\n\n" + table)
    assert [(r["p"], r["objective"], r["checked"]) for r in base] == [
        (1, 33, False), (2, 6, False)]
    rows = merge.check_rows(merge.replace_rows(base, merge.merge_rows(files[1:])), tmp_path)
    assert [(r["p"], r["objective"], r["checked"], r["result_file"]) for r in rows] == [
        (1, 33, False, "a.json"), (2, 4, True, "b.json")]
    assert rows[0]["gap_pct"] == pytest.approx(100.0 * (33 - 30) / 30)  # from the refs
    assert rows[1]["gap_pct"] == 0.0
