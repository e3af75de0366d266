"""Accounts: users with roles, hashed passwords, login sessions and the access rules.

Roles are ordered ``viewer < planner < admin``: a viewer reads plans and exports them, a
planner also edits scenarios and starts or cancels jobs, an admin also manages accounts
(the ``/admin/users`` page, or ``coldchain users add|disable|enable|delete|reset``).
Passwords are stored as werkzeug's salted scrypt hashes. Every page and API route needs a
logged-in user except ``/login`` and the static / vendored files; a page request without
one is redirected to the login form, an API request gets a 401 JSON error.

Sessions follow Flask-Login, with server-side revocation: a login stores a random token's
hash in ``login_sessions`` and only the token in the (signed) session cookie, as the
Flask-Login user id. The user loader accepts the token only while its row exists, is
younger than ``PERMANENT_SESSION_LIFETIME`` and the account is not disabled. Logout deletes
the row; a password reset or change, disabling or deleting the account deletes all the
account's rows, so an old cookie no longer logs anyone in. Failed logins are throttled
(:mod:`app.throttle`) and every login event lands in the audit log (:mod:`app.audit`).
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from werkzeug.security import check_password_hash, generate_password_hash

from app import audit, throttle
from app.account_labels import install_labels
from app.db import ROLES, Database, current_db
from app.i18n import t

bp = Blueprint("accounts", __name__)
PUBLIC_ENDPOINTS = frozenset({"accounts.login", "static", "pages.vendor", "api.openapi"})
#: what an account that must replace a generated password may still reach
PASSWORD_ENDPOINTS = PUBLIC_ENDPOINTS | {"password.change", "accounts.logout"}
MIN_PASSWORD = 8
NAME_MAX = 64
LOGIN_KEYS = ("_user_id", "_fresh", "_id")  # what Flask-Login keeps in the session
F = TypeVar("F", bound=Callable[..., Any])


class AccountError(ValueError):
    """An account cannot be changed (bad name, role or password; unknown user)."""


class Account(UserMixin):
    """A logged-in user for Flask-Login: the ``users`` row and the session's token."""

    def __init__(self, row: dict[str, Any], token: str) -> None:
        self.row = row
        self.token = token

    def get_id(self) -> str:
        """The session token (Flask-Login's "alternative id"), never the database id."""
        return self.token


# ---- the account store ---------------------------------------------------------------


def add_user(db: Database, name: str, password: str, role: str) -> int:
    """Create a user (or reset an existing one's password and role); return its id.

    Resetting an existing user ends all their open sessions.

    Raises
    ------
    AccountError
        Empty or too long name, unknown role, or a password shorter than 8 characters.
    """
    name = name.strip()
    if not name or len(name) > NAME_MAX:
        raise AccountError(f"user name must be 1 to {NAME_MAX} characters")
    if role not in ROLES:
        raise AccountError(f"role {role!r}: expected one of {', '.join(ROLES)}")
    _check_password(password)
    hashed = generate_password_hash(password)
    row = find_user(db, name)
    if row is not None:
        db.run("UPDATE users SET password_hash = ?, role = ? WHERE id = ?",
               (hashed, role, row["id"]))
        revoke_sessions(db, row["id"])
        return int(row["id"])
    return db.run("INSERT INTO users (name, password_hash, role, created_at) VALUES (?, ?, ?, ?)",
                  (name, hashed, role, time.time()))


def _check_password(password: str) -> None:
    """Refuse a password shorter than :data:`MIN_PASSWORD`."""
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"password must be at least {MIN_PASSWORD} characters")


def find_user(db: Database, name: str) -> dict[str, Any] | None:
    """The ``users`` row named ``name`` (with ``disabled``), or ``None``."""
    return db.one("SELECT u.*, d.user_id IS NOT NULL AS disabled FROM users u"
                  " LEFT JOIN disabled_users d ON d.user_id = u.id WHERE u.name = ?",
                  (name.strip(),))


def list_users(db: Database) -> list[dict[str, Any]]:
    """Every account (id, name, role, created_at, disabled, open sessions), by name."""
    return db.all(
        "SELECT u.id, u.name, u.role, u.created_at, d.user_id IS NOT NULL AS disabled,"
        " (SELECT COUNT(*) FROM login_sessions s WHERE s.user_id = u.id) AS sessions"
        " FROM users u LEFT JOIN disabled_users d ON d.user_id = u.id ORDER BY u.name")


def authenticate(db: Database, name: str, password: str) -> dict[str, Any] | None:
    """The user row if ``password`` is right, else ``None`` (same cost either way)."""
    user = find_user(db, name)
    if user is None:
        check_password_hash(_DUMMY_HASH, password)  # no timing hint that a name exists
        return None
    return user if check_password_hash(user["password_hash"], password) else None


_DUMMY_HASH = generate_password_hash("not-a-real-password")


def set_disabled(db: Database, user_id: int, disabled: bool) -> None:
    """Disable (ending every open session) or enable an account."""
    if disabled:
        db.run("INSERT OR IGNORE INTO disabled_users (user_id, disabled_at) VALUES (?, ?)",
               (user_id, time.time()))
        revoke_sessions(db, user_id)
    else:
        db.run("DELETE FROM disabled_users WHERE user_id = ?", (user_id,))


def delete_user(db: Database, user_id: int) -> None:
    """Remove an account and its sessions (the audit log keeps its name)."""
    revoke_sessions(db, user_id)
    db.run("DELETE FROM disabled_users WHERE user_id = ?", (user_id,))
    db.run("DELETE FROM users WHERE id = ?", (user_id,))


def set_password(db: Database, user_id: int, password: str | None = None) -> str:
    """Set a new password; end every session of the account; return the password.

    Without ``password`` a random one is generated, which is good for one login only:
    the account must then choose its own (``/account/password``) before anything else.
    """
    generated = password is None
    password = secrets.token_urlsafe(12) if password is None else password
    _check_password(password)
    db.run("UPDATE users SET password_hash = ? WHERE id = ?",
           (generate_password_hash(password), user_id))
    revoke_sessions(db, user_id)
    if generated:
        db.run("INSERT OR IGNORE INTO password_change_required (user_id) VALUES (?)",
               (user_id,))
    else:
        db.run("DELETE FROM password_change_required WHERE user_id = ?", (user_id,))
    return password


# ---- server-side sessions ------------------------------------------------------------


def _token_hash(token: str) -> str:
    """What the database keeps of a session token (a leaked table logs nobody in)."""
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def open_session(db: Database, user_id: int, lifetime_s: float = 86400.0) -> str:
    """Record a new login session of ``user_id``; return its random token.

    Sessions older than ``lifetime_s`` (of any account) are dropped on the way.
    """
    token = secrets.token_urlsafe(32)
    db.run("DELETE FROM login_sessions WHERE created_at <= ?", (time.time() - lifetime_s,))
    db.run("INSERT INTO login_sessions (token_hash, user_id, created_at) VALUES (?, ?, ?)",
           (_token_hash(token), user_id, time.time()))
    return token


def end_session(db: Database, token: str) -> None:
    """Forget one session (logout)."""
    db.run("DELETE FROM login_sessions WHERE token_hash = ?", (_token_hash(token),))


def revoke_sessions(db: Database, user_id: int) -> None:
    """Forget every session of ``user_id`` (password change, disable, delete)."""
    db.run("DELETE FROM login_sessions WHERE user_id = ?", (user_id,))


def session_account(db: Database, token: str, oldest: float) -> Account | None:
    """The account of a live session token created after ``oldest``, else ``None``."""
    row = db.one("SELECT u.id, u.name, u.role, u.id IN (SELECT user_id FROM"
                 " password_change_required) AS must_change FROM login_sessions s"
                 " JOIN users u ON u.id = s.user_id"
                 " WHERE s.token_hash = ? AND s.created_at > ?"
                 " AND u.id NOT IN (SELECT user_id FROM disabled_users)",
                 (_token_hash(token), oldest))
    return None if row is None else Account(row, token)


def _load_account(token: object) -> Account | None:
    """Flask-Login's user loader: the session's account if the session is still live."""
    if not isinstance(token, str):
        return None
    lifetime = current_app.permanent_session_lifetime.total_seconds()
    return session_account(current_db(), token, time.time() - lifetime)


# ---- access rules --------------------------------------------------------------------


def has_role(user: dict[str, Any] | None, role: str) -> bool:
    """True if ``user`` holds ``role`` or a higher one."""
    return user is not None and ROLES.index(user["role"]) >= ROLES.index(role)


def require_role(role: str) -> Callable[[F], F]:
    """View decorator: 403 unless the logged-in user holds ``role`` or higher."""
    def decorate(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not has_role(g.get("user"), role):
                abort(403, description=f"this needs the {role} role (需要 {role} 权限)")
            return view(*args, **kwargs)
        return wrapped  # type: ignore[return-value]
    return decorate


def load_user() -> ResponseReturnValue | None:
    """``before_request``: set ``g.user``; send anonymous requests to the login form."""
    g.user = current_user.row if current_user.is_authenticated else None
    if g.user is None:
        for key in LOGIN_KEYS:  # a revoked session: drop it from the cookie too
            session.pop(key, None)
    if g.user is not None and g.user["must_change"] \
            and request.endpoint not in PASSWORD_ENDPOINTS:
        if request.path.startswith("/api/"):
            abort(403, description="choose a new password first (请先修改密码)")
        return redirect(url_for("password.change"))
    if g.user is not None or request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if request.path.startswith("/api/"):
        abort(401, description="log in first (请先登录)")
    return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))


def safe_next(target: str | None) -> str:
    """A same-site path to go to after login; anything else is the index page.

    Refused: control characters (a browser drops tab/CR/LF, so ``/\\t/evil`` would become
    ``//evil``; CR/LF cannot go into a header), backslashes (``/\\evil`` is ``//evil`` to
    browsers), ``//host``, and anything with a scheme or host.
    """
    index = url_for("pages.index")
    if not target or not target.startswith("/") or target.startswith("//"):
        return index
    if "\\" in target or any(ord(c) < 0x20 or ord(c) == 0x7F for c in target):
        return index
    parts = urlsplit(target)
    return index if parts.scheme or parts.netloc else target


# ---- login and logout ----------------------------------------------------------------


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    """The login form; on success a new server-side session and a same-site redirect."""
    if request.method == "GET":
        return render_template("login.html", message=None)
    db, now = current_db(), time.time()
    name = request.form.get("name", "").strip()
    address = request.remote_addr or ""
    until = throttle.locked_until(db, name, address, now)
    if until is not None:
        audit.record(db, "login_locked", name, address=address, now=now)
        return _refused(_locked_message(until, now), 429, until - now)
    user = authenticate(db, name, request.form.get("password", ""))
    if user is None:
        return _login_failed(db, name, address, now)
    if user["disabled"]:
        audit.record(db, "login_disabled", name, address=address, now=now)
        return _refused(t("account_disabled"), 403)
    throttle.register_success(db, name)
    session.clear()
    session.permanent = True
    lifetime = current_app.permanent_session_lifetime.total_seconds()
    login_user(Account(user, open_session(db, user["id"], lifetime)))
    audit.record(db, "login", name, actor=name, address=address, now=now)
    return redirect(safe_next(request.args.get("next")))


def _login_failed(db: Database, name: str, address: str, now: float) -> ResponseReturnValue:
    """Count a wrong name or password; lock the account or address after too many."""
    audit.record(db, "login_failed", name, address=address, now=now)
    locked = throttle.register_failure(db, name, address, now)
    for key in locked:
        audit.record(db, "lockout", name, address=address, detail=key, now=now)
    if locked:
        return _refused(_locked_message(now + throttle.LOCK_S, now), 429, throttle.LOCK_S)
    return _refused(t("wrong_login"), 401)


def _locked_message(until: float, now: float) -> str:
    """"Locked: retry in N minutes (after HH:MM)" in the page's language."""
    minutes = max(1, int((until - now + 59) // 60))
    clock = datetime.fromtimestamp(until).strftime("%H:%M")
    return t("login_locked", minutes=minutes, time=clock)


def _refused(message: str, status: int, retry_s: float | None = None) -> ResponseReturnValue:
    """The login form again with ``message`` (and ``Retry-After`` when locked)."""
    headers = {"Retry-After": str(int(retry_s) + 1)} if retry_s is not None else {}
    return render_template("login.html", message=message), status, headers


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    """End this session on the server and in the cookie."""
    if current_user.is_authenticated:
        db = current_db()
        end_session(db, current_user.token)
        audit.record(db, "logout", current_user.row["name"], actor=current_user.row["name"],
                     address=request.remote_addr or "")
    logout_user()
    session.clear()
    return redirect(url_for("accounts.login"))


# ---- wiring --------------------------------------------------------------------------


def register_cli(subparsers: Any) -> None:
    """Add ``users add|disable|enable|delete|reset|list`` to the ``coldchain`` parser."""
    from app.users_cli import add_commands

    add_commands(subparsers)


def init_accounts(app: Flask) -> None:
    """Register the blueprints, Flask-Login, the login check and ``has_role``."""
    from app.admin import bp as admin_bp
    from app.password import bp as password_bp

    manager = LoginManager()
    manager.user_loader(_load_account)
    manager.init_app(app)
    app.register_blueprint(bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(password_bp)
    app.before_request(load_user)
    app.jinja_env.globals["has_role"] = lambda role: has_role(g.get("user"), role)
    install_labels()
