"""``coldchain users add|disable|enable|delete|reset|list``: accounts from the shell.

Every command opens the instance database through :func:`app.create_app` (``--instance``
or ``$COLDCHAIN_INSTANCE_DIR``), acts through :mod:`app.accounts` and writes an audit row
with actor ``cli``. Exit status 0 on success, 2 on a bad argument or an unknown user.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from app import audit
from app.accounts import (
    AccountError,
    add_user,
    delete_user,
    find_user,
    list_users,
    set_disabled,
    set_password,
)
from app.db import EXTENSION_KEY, ROLES, Database

ACTOR = "cli"


def add_commands(subparsers: Any) -> None:
    """Add the ``users`` command and its actions to the ``coldchain`` parser."""
    users = subparsers.add_parser("users", help="manage web app accounts")
    actions = users.add_subparsers(required=True, metavar="ACTION")
    add = _action(actions, "add", "add a user or reset their password and role", cmd_add)
    add.add_argument("--role", choices=ROLES, default="viewer")
    add.add_argument("--password-stdin", action="store_true",
                     help="read the password from standard input instead of a prompt")
    _action(actions, "disable", "disable an account (its sessions end at once)", cmd_disable)
    _action(actions, "enable", "enable a disabled account", cmd_enable)
    delete = _action(actions, "delete", "delete an account", cmd_delete)
    delete.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    reset = _action(actions, "reset", "set a new password (generated unless --password-"
                    "stdin) and end the account's sessions", cmd_reset)
    reset.add_argument("--password-stdin", action="store_true",
                       help="read the new password from standard input")
    listing = actions.add_parser("list", help="list the accounts")
    _instance_arg(listing)
    listing.set_defaults(func=cmd_list)


def _action(actions: Any, name: str, help_text: str, func: Any) -> argparse.ArgumentParser:
    """One ``users NAME`` action taking a user name and ``--instance``."""
    parser: argparse.ArgumentParser = actions.add_parser(name, help=help_text)
    parser.add_argument("name")
    _instance_arg(parser)
    parser.set_defaults(func=func)
    return parser


def _instance_arg(parser: argparse.ArgumentParser) -> None:
    """The ``--instance`` option."""
    parser.add_argument("--instance", help="instance folder (default: "
                        "$COLDCHAIN_INSTANCE_DIR or ./instance)")


def _open_db(args: argparse.Namespace) -> tuple[Database, str]:
    """The instance database and its folder."""
    from app import create_app

    app = create_app({"INSTANCE_DIR": args.instance} if args.instance else {})
    return app.extensions[EXTENSION_KEY], str(app.config["INSTANCE_DIR"])


def _fail(action: str, message: str) -> int:
    """Print an error and return exit status 2."""
    print(f"coldchain users {action}: {message}", file=sys.stderr)
    return 2


def _read_password(args: argparse.Namespace) -> str:
    """The password from stdin (``--password-stdin``) or a prompt."""
    if args.password_stdin:
        return str(sys.stdin.readline().rstrip("\n"))
    return getpass.getpass(f"password for {args.name}: ")


def cmd_add(args: argparse.Namespace) -> int:
    """``users add NAME --role R``: create a user or reset their password and role."""
    db, instance = _open_db(args)
    password = _read_password(args)
    existed = find_user(db, args.name) is not None
    try:
        add_user(db, args.name, password, args.role)
    except AccountError as exc:
        return _fail("add", str(exc))
    audit.record(db, "password_reset" if existed else "user_added", args.name.strip(),
                 actor=ACTOR, detail=f"role={args.role}")
    print(f"user {args.name} ({args.role}) saved in {instance}")
    return 0


def _existing(db: Database, args: argparse.Namespace, action: str) -> dict[str, Any] | None:
    """The named user's row, or ``None`` after printing an error."""
    row = find_user(db, args.name)
    if row is None:
        _fail(action, f"no user named {args.name!r}")
    return row


def cmd_disable(args: argparse.Namespace) -> int:
    """``users disable NAME``."""
    return _set_disabled(args, True)


def cmd_enable(args: argparse.Namespace) -> int:
    """``users enable NAME``."""
    return _set_disabled(args, False)


def _set_disabled(args: argparse.Namespace, disabled: bool) -> int:
    """Disable or enable the named account."""
    action = "disable" if disabled else "enable"
    db, _ = _open_db(args)
    row = _existing(db, args, action)
    if row is None:
        return 2
    set_disabled(db, row["id"], disabled)
    audit.record(db, f"user_{action}d", row["name"], actor=ACTOR)
    print(f"user {row['name']} {action}d")
    return 0


def cmd_delete(args: argparse.Namespace) -> int:
    """``users delete NAME [--yes]``: asks before deleting unless ``--yes``."""
    db, _ = _open_db(args)
    row = _existing(db, args, "delete")
    if row is None:
        return 2
    if not args.yes and input(f"delete user {row['name']}? [y/N] ").strip().lower() != "y":
        print("not deleted")
        return 1
    delete_user(db, row["id"])
    audit.record(db, "user_deleted", row["name"], actor=ACTOR)
    print(f"user {row['name']} deleted")
    return 0


def cmd_reset(args: argparse.Namespace) -> int:
    """``users reset NAME``: a new password (printed once if generated); sessions end."""
    db, _ = _open_db(args)
    row = _existing(db, args, "reset")
    if row is None:
        return 2
    given = _read_password(args) if args.password_stdin else None
    try:
        password = set_password(db, row["id"], given)
    except AccountError as exc:
        return _fail("reset", str(exc))
    audit.record(db, "password_reset", row["name"], actor=ACTOR)
    print(f"user {row['name']}: password reset" + ("" if given else f"; new password: {password}"))
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    """``users list``: name, role, state and open sessions of every account."""
    db, _ = _open_db(args)
    for row in list_users(db):
        state = "disabled" if row["disabled"] else "active"
        print(f"{row['name']}\t{row['role']}\t{state}\t{row['sessions']} sessions")
    return 0
