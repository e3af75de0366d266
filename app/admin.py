"""The account administration page (role admin): list, disable/enable, delete, reset.

``GET /admin/users`` lists the accounts and the latest audit events. Each action is a
two-step form: ``GET /admin/users/<id>/<action>`` asks for confirmation (a page, so it
works under a Content-Security-Policy without inline script), ``POST`` to the same URL
(with the CSRF token) does it. A password reset shows the generated password once, on a
page that is not cached. An admin cannot act on their own account here (use the CLI), so
the last admin cannot lock everyone out.
"""

from __future__ import annotations

import time
from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from app import audit
from app.accounts import delete_user, list_users, require_role, set_disabled, set_password
from app.db import current_db
from app.i18n import t

bp = Blueprint("admin", __name__, url_prefix="/admin")
ACTIONS = ("disable", "enable", "delete", "reset")
AUDIT_ROWS = 100


@bp.app_template_filter("datetime_text")
def datetime_text(seconds: float | None) -> str:
    """A Unix time as local ``YYYY-MM-DD HH:MM`` (empty for none or 0)."""
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(seconds)) if seconds else ""


@bp.get("/users")
@require_role("admin")
def users_page() -> ResponseReturnValue:
    """Every account with its state and actions, and the latest audit events."""
    db = current_db()
    return render_template("admin_users.html", users=list_users(db),
                           events=audit.recent(db, AUDIT_ROWS))


def _target(user_id: int, action: str) -> dict[str, Any]:
    """The account an action is about (404 if unknown; 400 for oneself or a bad action)."""
    if action not in ACTIONS:
        abort(404)
    row = current_db().one("SELECT id, name, role FROM users WHERE id = ?", (user_id,))
    if row is None:
        abort(404, description="no such account (账户不存在)")
    if row["id"] == g.user["id"]:
        abort(400, description=t("not_yourself"))
    return row


@bp.get("/users/<int:user_id>/<action>")
@require_role("admin")
def confirm_page(user_id: int, action: str) -> ResponseReturnValue:
    """Ask "really disable / enable / delete / reset NAME?"."""
    row = _target(user_id, action)
    return render_template("admin_confirm.html", user=row, action=action,
                           question=t(f"confirm_{action}", name=row["name"]))


@bp.post("/users/<int:user_id>/<action>")
@require_role("admin")
def do_action(user_id: int, action: str) -> ResponseReturnValue:
    """Carry out a confirmed action; a reset answers with the new password, once."""
    row = _target(user_id, action)
    db, actor = current_db(), g.user["name"]
    address = request.remote_addr or ""
    if action == "reset":
        password = set_password(db, row["id"])
        audit.record(db, "password_reset", row["name"], actor=actor, address=address)
        page = render_template("admin_password.html", user=row, password=password)
        return page, 200, {"Cache-Control": "no-store"}
    if action == "delete":
        delete_user(db, row["id"])
    else:
        set_disabled(db, row["id"], action == "disable")
    event = {"disable": "user_disabled", "enable": "user_enabled", "delete": "user_deleted"}
    audit.record(db, event[action], row["name"], actor=actor, address=address)
    flash(t(f"done_{action}", name=row["name"]))
    return redirect(url_for("admin.users_page"))
