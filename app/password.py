"""``/account/password``: every account changes its own password here.

The current password is asked again (a wrong one counts as a failed login for the
throttle, so a stolen session cannot be used to guess it). A change ends every session of
the account, on every device, then opens a new one for this browser. After an admin's
reset the generated password only leads here (see :data:`app.accounts.PASSWORD_ENDPOINTS`).
"""

from __future__ import annotations

import time

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_user

from app import audit, throttle
from app.accounts import (
    MIN_PASSWORD,
    Account,
    authenticate,
    open_session,
    set_password,
)
from app.db import current_db
from app.i18n import t

bp = Blueprint("password", __name__, url_prefix="/account")


@bp.route("/password", methods=["GET", "POST"])
def change() -> ResponseReturnValue:
    """The change form; on success a fresh session and the index page."""
    if request.method == "GET":
        return render_template("password.html", message=None, min_length=MIN_PASSWORD)
    problem = _problem()
    if problem is not None:
        status = 429 if problem == "password_locked" else 400
        return render_template("password.html", message=t(problem, n=MIN_PASSWORD),
                               min_length=MIN_PASSWORD), status
    db, name = current_db(), g.user["name"]
    set_password(db, g.user["id"], request.form.get("new_password", ""))
    session.clear()
    session.permanent = True
    login_user(Account(dict(g.user, must_change=False), open_session(db, g.user["id"])))
    audit.record(db, "password_changed", name, actor=name, address=request.remote_addr or "")
    flash(t("password_changed"))
    return redirect(url_for("pages.index"))


def _problem() -> str | None:
    """The label key of what is wrong with the submitted form, or ``None``."""
    db, now, name = current_db(), time.time(), g.user["name"]
    address = request.remote_addr or ""
    if throttle.locked_until(db, name, address, now) is not None:
        return "password_locked"
    new = request.form.get("new_password", "")
    if authenticate(db, name, request.form.get("current_password", "")) is None:
        audit.record(db, "login_failed", name, address=address, detail="password change")
        throttle.register_failure(db, name, address, now)
        return "wrong_current_password"
    if new != request.form.get("repeat_password", ""):
        return "passwords_differ"
    if len(new) < MIN_PASSWORD:
        return "password_too_short"
    if new == request.form.get("current_password"):
        return "password_same"
    return None
