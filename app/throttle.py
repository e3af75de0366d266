"""Login throttling: too many failures lock an account and a client address for a while.

Each failed login counts against two keys, ``user:NAME`` and ``addr:ADDRESS``. When a key
reaches :data:`MAX_FAILURES` failures within :data:`WINDOW_S` seconds it is locked for
:data:`LOCK_S` seconds: while either key of a login is locked, the password is not even
checked (the right one is refused too). A successful login clears the account's failures.
State lives in the database (``login_failures``, ``login_lockouts``), so a restart does not
unlock anyone. Times are passed in (``now``) so tests need no clock.
"""

from __future__ import annotations

from app.db import Database

MAX_FAILURES = 5
WINDOW_S = 15 * 60
LOCK_S = 15 * 60
KEY_MAX = 200


def keys(name: str, address: str) -> tuple[str, str]:
    """The two throttling keys of a login attempt."""
    return f"user:{name}"[:KEY_MAX], f"addr:{address}"[:KEY_MAX]


def locked_until(db: Database, name: str, address: str, now: float) -> float | None:
    """When the lockout of this account or address ends, or ``None`` if neither is locked."""
    user_key, addr_key = keys(name, address)
    row = db.one("SELECT MAX(until) AS until FROM login_lockouts"
                 " WHERE key IN (?, ?) AND until > ?", (user_key, addr_key, now))
    return None if row is None or row["until"] is None else float(row["until"])


def register_failure(db: Database, name: str, address: str, now: float) -> list[str]:
    """Count a failed login; return the keys that this failure locked (maybe none)."""
    locked = []
    for key in keys(name, address):
        db.run("INSERT INTO login_failures (key, at) VALUES (?, ?)", (key, now))
        row = db.one("SELECT COUNT(*) AS n FROM login_failures WHERE key = ? AND at > ?",
                     (key, now - WINDOW_S))
        if row is not None and row["n"] >= MAX_FAILURES:
            db.run("INSERT OR REPLACE INTO login_lockouts (key, until) VALUES (?, ?)",
                   (key, now + LOCK_S))
            db.run("DELETE FROM login_failures WHERE key = ?", (key,))
            locked.append(key)
    db.run("DELETE FROM login_failures WHERE at <= ?", (now - WINDOW_S,))
    db.run("DELETE FROM login_lockouts WHERE until <= ?", (now,))
    return locked


def register_success(db: Database, name: str) -> None:
    """A successful login forgets the account's earlier failures."""
    db.run("DELETE FROM login_failures WHERE key = ?", (keys(name, "")[0],))
