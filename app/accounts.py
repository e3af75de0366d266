"""Accounts: users with roles, hashed passwords, log in / out, and the access rules.

Roles are ordered ``viewer < planner < admin``: a viewer reads plans and exports them, a
planner also edits scenarios and starts or cancels jobs, an admin also manages users
(``coldchain users add NAME --role R``). Passwords are stored as werkzeug's salted
scrypt hashes. Every page and API route needs a logged-in user except ``/login`` and the
static / vendored files; a page request without one is redirected to the login form, an
API request gets a 401 JSON error.
"""

from __future__ import annotations

import argparse
import getpass
import sys
import time
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import (
    Blueprint,
    Flask,
    abort,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from werkzeug.security import check_password_hash, generate_password_hash

from app.db import ROLES, Database, current_db

bp = Blueprint("accounts", __name__)
PUBLIC_ENDPOINTS = frozenset({"accounts.login", "static", "pages.vendor", "api.openapi"})
MIN_PASSWORD = 8
NAME_MAX = 64
F = TypeVar("F", bound=Callable[..., Any])


class AccountError(ValueError):
    """A user cannot be added (bad name, role or password); the message says why."""


def add_user(db: Database, name: str, password: str, role: str) -> int:
    """Create a user (or reset an existing one's password and role); return its id.

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
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"password must be at least {MIN_PASSWORD} characters")
    hashed = generate_password_hash(password)
    if db.one("SELECT id FROM users WHERE name = ?", (name,)):
        db.run("UPDATE users SET password_hash = ?, role = ? WHERE name = ?",
               (hashed, role, name))
        return int(db.one("SELECT id FROM users WHERE name = ?", (name,))["id"])  # type: ignore[index]
    return db.run("INSERT INTO users (name, password_hash, role, created_at) VALUES (?, ?, ?, ?)",
                  (name, hashed, role, time.time()))


def authenticate(db: Database, name: str, password: str) -> dict[str, Any] | None:
    """The user row if ``password`` is right, else ``None`` (same cost either way)."""
    user = db.one("SELECT * FROM users WHERE name = ?", (name.strip(),))
    if user is None:
        check_password_hash(_DUMMY_HASH, password)  # no timing hint that a name exists
        return None
    return user if check_password_hash(user["password_hash"], password) else None


_DUMMY_HASH = generate_password_hash("not-a-real-password")


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
    user_id = session.get("user_id")
    g.user = current_db().one("SELECT id, name, role FROM users WHERE id = ?", (user_id,)) \
        if isinstance(user_id, int) else None
    if g.user is not None or request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if request.path.startswith("/api/"):
        abort(401, description="log in first (请先登录)")
    return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))


def _safe_next(target: str | None) -> str:
    """A local path to go to after login; anything else (``//host``, ``http:``) is ``/``."""
    if target and target.startswith("/") and not target.startswith("//") \
            and "\\" not in target:
        return target
    return url_for("pages.index")


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    """The login form; on success a fresh session (no fixation) and a redirect."""
    error = None
    if request.method == "POST":
        user = authenticate(current_db(), request.form.get("name", ""),
                            request.form.get("password", ""))
        if user is not None:
            session.clear()
            session.permanent = True
            session["user_id"] = user["id"]
            return redirect(_safe_next(request.args.get("next")))
        error = "wrong_login"
    status = 401 if error else 200
    return render_template("login.html", error=error), status


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    """Forget the session."""
    session.clear()
    return redirect(url_for("accounts.login"))


# ---- CLI (wired into app/cli.py by the lead) -------------------------------------------


def register_cli(subparsers: Any) -> None:
    """Add ``users add NAME --role R [--password-stdin]`` to the ``coldchain`` parser."""
    users = subparsers.add_parser("users", help="manage web app accounts")
    users_sub = users.add_subparsers(required=True, metavar="ACTION")
    add = users_sub.add_parser("add", help="add a user or reset their password and role")
    add.add_argument("name")
    add.add_argument("--role", choices=ROLES, default="viewer")
    add.add_argument("--instance", help="instance folder (default: $COLDCHAIN_INSTANCE_DIR "
                     "or ./instance)")
    add.add_argument("--password-stdin", action="store_true",
                     help="read the password from standard input instead of a prompt")
    add.set_defaults(func=cmd_users_add)


def cmd_users_add(args: argparse.Namespace) -> int:
    """Run ``coldchain users add``; 0 on success, 2 on a bad name/role/password."""
    from app import create_app

    config = {"INSTANCE_DIR": args.instance} if args.instance else {}
    app = create_app(config)
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass(f"password for {args.name}: ")
    try:
        add_user(app.extensions["coldchain.db"], args.name, password, args.role)
    except AccountError as exc:
        print(f"coldchain users add: {exc}", file=sys.stderr)
        return 2
    print(f"user {args.name} ({args.role}) saved in {app.config['INSTANCE_DIR']}")
    return 0


def init_accounts(app: Flask) -> None:
    """Register the blueprint, the login check and the ``has_role`` template global."""
    app.register_blueprint(bp)
    app.before_request(load_user)
    app.jinja_env.globals["has_role"] = lambda role: has_role(g.get("user"), role)
