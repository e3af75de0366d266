"""Labels of the login, lockout and account-management pages, in the app's i18n table.

Each is an English msgid (parameters ``%(name)s``, filled by ``t(key, name=...)``)
whose Chinese is in the zh catalogue. They are merged into :data:`app.i18n.LABELS` when
the app is built (keys already there win), so templates call ``t('key')`` as everywhere
else.
"""

from __future__ import annotations

from app.catalogue import N_
from app.i18n import LABELS

ACCOUNT_LABELS: dict[str, str] = {  # key: English msgid (Chinese in the zh catalogue)
    "login_locked": N_("Too many failed logins: locked for now. Try again in %(minutes)s min "
                       "(after %(time)s)."),
    "account_disabled": N_("This account is disabled: ask an administrator"),
    "accounts": N_("Accounts"),
    "role": N_("Role"),
    "role_viewer": N_("viewer"),
    "role_planner": N_("planner"),
    "role_admin": N_("admin"),
    "status": N_("Status"),
    "created": N_("Created"),
    "open_sessions": N_("Open sessions"),
    "actions": N_("Actions"),
    "active": N_("active"),
    "disabled": N_("disabled"),
    "you": N_("(you)"),
    "action_disable": N_("Disable"),
    "action_enable": N_("Enable"),
    "action_delete": N_("Delete"),
    "action_reset": N_("Reset password"),
    "confirm_disable": N_("Disable the account %(name)s? Its open sessions stop working at once."),
    "confirm_enable": N_("Enable the account %(name)s?"),
    "confirm_delete": N_("Delete the account %(name)s? This cannot be undone."),
    "confirm_reset": N_("Reset the password of %(name)s? Its open sessions stop working at "
                        "once."),
    "confirm": N_("Confirm"),
    "done_disable": N_("Account %(name)s disabled"),
    "done_enable": N_("Account %(name)s enabled"),
    "done_delete": N_("Account %(name)s deleted"),
    "not_yourself": N_("You cannot do this to your own account"),
    "new_password": N_("New password (shown only once)"),
    "new_password_help": N_("Give this password to %(name)s safely; it cannot be shown again after "
                            "you leave this page."),
    "back_to_accounts": N_("Back to accounts"),
    "audit_log": N_("Audit log (latest 100)"),
    "time": N_("Time"),
    "event": N_("Event"),
    "account": N_("Account"),
    "actor": N_("By"),
    "address": N_("Address"),
    "detail": N_("Detail"),
    "no_users": N_("No accounts"),
    "event_login": N_("login"),
    "event_login_failed": N_("failed login"),
    "event_lockout": N_("lockout"),
    "event_login_locked": N_("login while locked"),
    "event_login_disabled": N_("login to a disabled account"),
    "event_logout": N_("logout"),
    "event_user_added": N_("account added"),
    "event_user_disabled": N_("account disabled"),
    "event_user_enabled": N_("account enabled"),
    "event_user_deleted": N_("account deleted"),
    "event_password_reset": N_("password reset"),
    "event_password_changed": N_("password changed"),
    "change_password": N_("Change password"),
    "current_password": N_("Current password"),
    "new_password_field": N_("New password"),
    "repeat_password": N_("New password again"),
    "password_rule": N_("at least %(n)s characters"),
    "must_change_password": N_("Choose your own new password first (a password reset by an "
                               "administrator is good for one login only)."),
    "password_changed": N_("Password changed; your other sessions have been logged out"),
    "wrong_current_password": N_("The current password is wrong"),
    "passwords_differ": N_("The two new passwords differ"),
    "password_too_short": N_("The new password needs at least %(n)s characters"),
    "password_same": N_("The new password must differ from the current one"),
    "password_locked": N_("Too many failures: locked for now, try again in 15 min"),
}


def install_labels() -> None:
    """Add :data:`ACCOUNT_LABELS` to the app's label table (idempotent)."""
    for key, msgid in ACCOUNT_LABELS.items():
        LABELS.setdefault(key, msgid)
