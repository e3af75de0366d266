"""The SQLite store: tables, scenarios round trip, guarded job updates, id range."""

from __future__ import annotations

import time
from pathlib import Path

from app.db import Database


def test_tables_and_wal(tmp_path: Path) -> None:
    db = Database(tmp_path / "x" / "c.sqlite3")
    tables = {r["name"] for r in db.all("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"users", "scenarios", "jobs"} <= tables
    assert db.one("PRAGMA journal_mode")["journal_mode"] == "wal"


def test_scenario_round_trip(tmp_path: Path) -> None:
    db = Database(tmp_path / "c.sqlite3")
    sid = db.save_scenario(None, "临夏", {"name": "临夏", "stores": 3}, (None, None), "u")
    assert db.scenario(sid)["params"] == {"name": "临夏", "stores": 3}
    db.save_scenario(sid, "b", {"name": "b"}, ("/p.csv", "p.csv"), "u")
    assert [s["name"] for s in db.scenarios()] == ["b"]
    assert db.scenario(sid)["supply_name"] == "p.csv"
    assert db.scenario(10**30) is None


def test_update_job_only_from_given_states(tmp_path: Path) -> None:
    db = Database(tmp_path / "c.sqlite3")
    now = time.time()
    job = db.run("INSERT INTO jobs (scenario_id, scenario_name, plan_id, state, created_by,"
                 " created_at, updated_at) VALUES (1, 's', 'p', 'cancelled', 'u', ?, ?)",
                 (now, now))
    assert db.update_job(job, state="done", only_if=("running",)) is False
    assert db.job(job)["state"] == "cancelled"
    assert db.update_job(job, stage="x") is True and db.job(job)["stage"] == "x"


def test_older_database_gains_the_site_columns(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as conn:  # the scenarios table before site tables existed
        conn.execute("CREATE TABLE scenarios (id INTEGER PRIMARY KEY, name TEXT NOT NULL,"
                     " params TEXT NOT NULL, supply_file TEXT, supply_name TEXT,"
                     " created_by TEXT NOT NULL, created_at REAL NOT NULL,"
                     " updated_at REAL NOT NULL)")
        conn.execute("INSERT INTO scenarios VALUES (1, 'old', '{}', NULL, NULL, 'u', 0, 0)")
    db = Database(path)
    sid = db.save_scenario(1, "old", {}, (None, None), "u", ("/x/s.csv", "s.csv"))
    row = db.scenario(sid)
    assert row is not None and row["sites_name"] == "s.csv" and row["name"] == "old"
