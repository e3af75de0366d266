"""The audit log: who logged in, failed, was locked out, logged out or changed an account.

Rows live in the ``audit_log`` table of the instance database, so they survive restarts.
Events are short English keys (``login``, ``login_failed``, ``lockout``, ``login_locked``,
``login_disabled``, ``logout``, ``user_added``, ``user_disabled``, ``user_enabled``,
``user_deleted``, ``password_reset``, ``password_changed``); the admin page translates
them. Field values are cut to a fixed length so that junk input cannot bloat the table.
"""

from __future__ import annotations

import time
from typing import Any

from app.db import Database

FIELD_MAX = 200


def record(db: Database, event: str, account: str = "", *, actor: str = "",
           address: str = "", detail: str = "", now: float | None = None) -> None:
    """Append one event (``account``: the account concerned; ``actor``: who did it)."""
    values = tuple(str(v)[:FIELD_MAX] for v in (event, account, actor, address, detail))
    db.run("INSERT INTO audit_log (at, event, account, actor, address, detail)"
           " VALUES (?, ?, ?, ?, ?, ?)", (time.time() if now is None else now, *values))


def recent(db: Database, limit: int = 100) -> list[dict[str, Any]]:
    """The latest ``limit`` events, newest first."""
    return db.all("SELECT * FROM audit_log ORDER BY id DESC LIMIT ?", (limit,))
