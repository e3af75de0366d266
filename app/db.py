"""SQLite store of the web app: users, scenarios and jobs (in the instance folder).

One small file, opened per operation (``sqlite3`` connections are cheap and must not be
shared across threads); WAL mode so that the job worker's progress writes never block the
pages that read them. Every query uses ``?`` parameters, never string formatting.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import current_app

EXTENSION_KEY = "coldchain.db"
ROLES = ("viewer", "planner", "admin")
JOB_STATES = ("queued", "running", "done", "failed", "cancelled", "interrupted")
ACTIVE_STATES = ("queued", "running")

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('viewer', 'planner', 'admin')),
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS scenarios (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    params TEXT NOT NULL,
    supply_file TEXT,
    supply_name TEXT,
    sites_file TEXT,
    sites_name TEXT,
    created_by TEXT NOT NULL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS jobs (
    id INTEGER PRIMARY KEY,
    scenario_id INTEGER NOT NULL,
    scenario_name TEXT NOT NULL,
    plan_id TEXT NOT NULL,
    state TEXT NOT NULL,
    stage TEXT NOT NULL DEFAULT '',
    fraction REAL NOT NULL DEFAULT 0,
    message TEXT NOT NULL DEFAULT '',
    pid INTEGER,
    created_by TEXT NOT NULL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    params TEXT,
    heartbeat_at REAL
);
"""


ADDED_COLUMNS = {"scenarios": ("sites_file TEXT", "sites_name TEXT"),
                 "jobs": ("params TEXT", "heartbeat_at REAL")}


def _add_missing_columns(conn: sqlite3.Connection) -> None:
    """Bring a database made by an older version up to SCHEMA (columns added since)."""
    for table, columns in ADDED_COLUMNS.items():
        have = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
        for column in columns:
            if column.split()[0] not in have:
                conn.execute(f"ALTER TABLE {table} ADD COLUMN {column}")


class Database:
    """The app's SQLite file.

    Parameters
    ----------
    path
        The database file (created with its tables if missing).
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.connect() as conn:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.executescript(SCHEMA)
            _add_missing_columns(conn)

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        """A connection committed on success, rolled back on error, always closed."""
        conn = sqlite3.connect(self.path, timeout=30)
        conn.row_factory = sqlite3.Row
        try:
            with conn:
                yield conn
        finally:
            conn.close()

    def one(self, sql: str, args: tuple[Any, ...] = ()) -> dict[str, Any] | None:
        """First row of a query as a dict, or ``None``."""
        rows = self.all(sql, args)
        return rows[0] if rows else None

    def all(self, sql: str, args: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        """Every row of a query as dicts (none for an id beyond SQLite's 64-bit range)."""
        if _out_of_range(args):
            return []
        with self.connect() as conn:
            return [dict(r) for r in conn.execute(sql, args).fetchall()]

    def run(self, sql: str, args: tuple[Any, ...] = ()) -> int:
        """Execute a write; return the new row id (inserts) or the changed row count."""
        if _out_of_range(args):
            return 0
        with self.connect() as conn:
            cur = conn.execute(sql, args)
            return int(cur.lastrowid or 0) if sql.lstrip().upper().startswith("INSERT") \
                else cur.rowcount

    # ---- scenarios ------------------------------------------------------------------

    def scenario(self, scenario_id: int) -> dict[str, Any] | None:
        """One scenario with its ``params`` parsed, or ``None``."""
        row = self.one("SELECT * FROM scenarios WHERE id = ?", (scenario_id,))
        if row is not None:
            row["params"] = json.loads(row["params"])
        return row

    def scenarios(self) -> list[dict[str, Any]]:
        """Every scenario, most recently changed first (``params`` parsed)."""
        rows = self.all("SELECT * FROM scenarios ORDER BY updated_at DESC, id DESC")
        for row in rows:
            row["params"] = json.loads(row["params"])
        return rows

    def save_scenario(self, scenario_id: int | None, name: str, params: dict[str, Any],
                      supply: tuple[str | None, str | None], user: str,
                      sites: tuple[str | None, str | None] = (None, None)) -> int:
        """Insert (``scenario_id`` None) or update a scenario; return its id.

        ``supply`` and ``sites`` are ``(server path, user's file name)`` of the uploaded
        supply and site tables, or ``(None, None)``.
        """
        now = time.time()
        text = json.dumps(params, ensure_ascii=False)
        files = (supply[0], supply[1], sites[0], sites[1])
        if scenario_id is None:
            return self.run(
                "INSERT INTO scenarios (name, params, supply_file, supply_name, sites_file,"
                " sites_name, created_by, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", (name, text, *files, user, now, now))
        self.run("UPDATE scenarios SET name = ?, params = ?, supply_file = ?, supply_name = ?,"
                 " sites_file = ?, sites_name = ?, updated_at = ? WHERE id = ?",
                 (name, text, *files, now, scenario_id))
        return scenario_id

    # ---- jobs -----------------------------------------------------------------------

    def job(self, job_id: int) -> dict[str, Any] | None:
        """One job row, or ``None``."""
        return self.one("SELECT * FROM jobs WHERE id = ?", (job_id,))

    def jobs(self, limit: int = 200) -> list[dict[str, Any]]:
        """The latest jobs, newest first."""
        return self.all("SELECT * FROM jobs ORDER BY id DESC LIMIT ?", (limit,))

    def update_job(self, job_id: int, *, only_if: tuple[str, ...] = (),
                   **fields: Any) -> bool:
        """Set job columns (and ``updated_at``); with ``only_if``, only from those states.

        Returns
        -------
        bool
            True if the row changed (False: the job had meanwhile left ``only_if``).
        """
        fields["updated_at"] = time.time()
        cols = ", ".join(f"{key} = ?" for key in fields)  # keys are our own literals
        sql = f"UPDATE jobs SET {cols} WHERE id = ?"
        args: tuple[Any, ...] = (*fields.values(), job_id)
        if only_if:
            sql += f" AND state IN ({', '.join('?' for _ in only_if)})"
            args += only_if
        return self.run(sql, args) > 0

    def add_job(self, scenario: dict[str, Any], params: dict[str, Any], user: str) -> int:
        """Queue a job for ``scenario`` (its ``params`` kept for a later start); its id."""
        now = time.time()
        job_id = self.run(
            "INSERT INTO jobs (scenario_id, scenario_name, plan_id, state, created_by,"
            " created_at, updated_at, params) VALUES (?, ?, '', 'queued', ?, ?, ?, ?)",
            (scenario["id"], scenario["name"], user, now, now,
             json.dumps(params, ensure_ascii=False)))
        self.update_job(job_id, plan_id=f"job-{job_id}")
        return job_id

    def claim_next_job(self, max_running: int) -> dict[str, Any] | None:
        """Move the oldest queued job to ``running`` if fewer than ``max_running`` run.

        One statement, so two servers on the same file never start more than the limit.
        The job's heartbeat starts now; its ``params`` come back parsed.
        """
        now = time.time()
        with self.connect() as conn:
            rows = conn.execute(
                "UPDATE jobs SET state = 'running', stage = 'starting', heartbeat_at = ?,"
                " updated_at = ? WHERE id = (SELECT id FROM jobs WHERE state = 'queued'"
                " ORDER BY id LIMIT 1) AND (SELECT COUNT(*) FROM jobs"
                " WHERE state = 'running') < ? RETURNING *", (now, now, max_running)).fetchall()
        if not rows:
            return None
        job = dict(rows[0])
        job["params"] = json.loads(job["params"] or "{}")
        return job

    def beat_job(self, job_id: int) -> bool:
        """A running job's heartbeat; False if the job is no longer ``running``."""
        return self.run("UPDATE jobs SET heartbeat_at = ? WHERE id = ? AND state = 'running'",
                        (time.time(), job_id)) > 0

    def queued_count(self) -> int:
        """How many jobs wait in the queue."""
        row = self.one("SELECT COUNT(*) AS n FROM jobs WHERE state = 'queued'")
        return int(row["n"]) if row else 0

    def queue_position(self, job_id: int) -> int | None:
        """1 for the next queued job, 2 for the one after ...; ``None`` if not queued."""
        row = self.one("SELECT (SELECT COUNT(*) FROM jobs q WHERE q.state = 'queued'"
                       " AND q.id <= j.id) AS n FROM jobs j WHERE j.id = ? AND"
                       " j.state = 'queued'", (job_id,))
        return int(row["n"]) if row else None


def _out_of_range(args: tuple[Any, ...]) -> bool:
    """True if an integer argument cannot be an SQLite integer (a URL like ``/jobs/9e30``)."""
    return any(isinstance(a, int) and not -(2**63) <= a < 2**63 for a in args)


def current_db() -> Database:
    """The :class:`Database` of the running app."""
    db: Database = current_app.extensions[EXTENSION_KEY]
    return db


# ---- accounts: login sessions, disabled accounts, login throttling, audit log ----------
# (used by app/accounts.py, app/throttle.py and app/audit.py; appended to SCHEMA so that
# every Database() creates them)

ACCOUNT_SCHEMA = """
CREATE TABLE IF NOT EXISTS login_sessions (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL,
    created_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS login_sessions_user ON login_sessions (user_id);
CREATE TABLE IF NOT EXISTS disabled_users (
    user_id INTEGER PRIMARY KEY,
    disabled_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS login_failures (
    key TEXT NOT NULL,
    at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS login_failures_key ON login_failures (key, at);
CREATE TABLE IF NOT EXISTS login_lockouts (
    key TEXT PRIMARY KEY,
    until REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS password_change_required (
    user_id INTEGER PRIMARY KEY
);
CREATE TABLE IF NOT EXISTS audit_log (
    id INTEGER PRIMARY KEY,
    at REAL NOT NULL,
    event TEXT NOT NULL,
    account TEXT NOT NULL DEFAULT '',
    actor TEXT NOT NULL DEFAULT '',
    address TEXT NOT NULL DEFAULT '',
    detail TEXT NOT NULL DEFAULT ''
);
"""
SCHEMA += ACCOUNT_SCHEMA
