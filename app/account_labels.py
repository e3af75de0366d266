"""Labels of the login, lockout and account-management pages, in the app's i18n table.

They are merged into :data:`app.i18n.LABELS` when the app is built (keys already there
win), so templates call ``t('key')`` as everywhere else.
"""

from __future__ import annotations

from app.i18n import LABELS

ACCOUNT_LABELS: dict[str, tuple[str, str]] = {  # key: (zh, en)
    "login_locked": ("登录失败次数过多，已暂时锁定。请在 {minutes} 分钟后（{time} 之后）重试。",
                     "Too many failed logins: locked for now. Try again in {minutes} min "
                     "(after {time})."),
    "account_disabled": ("该账户已停用，请联系管理员", "This account is disabled: ask an "
                         "administrator"),
    "accounts": ("账户管理", "Accounts"),
    "role": ("角色", "Role"),
    "role_viewer": ("查看者", "viewer"),
    "role_planner": ("规划员", "planner"),
    "role_admin": ("管理员", "admin"),
    "status": ("状态", "Status"),
    "created": ("创建时间", "Created"),
    "open_sessions": ("在线会话", "Open sessions"),
    "actions": ("操作", "Actions"),
    "active": ("正常", "active"),
    "disabled": ("已停用", "disabled"),
    "you": ("（本人）", "(you)"),
    "action_disable": ("停用", "Disable"),
    "action_enable": ("启用", "Enable"),
    "action_delete": ("删除", "Delete"),
    "action_reset": ("重置密码", "Reset password"),
    "confirm_disable": ("确定停用账户 {name}？其登录会话将立即失效。",
                        "Disable the account {name}? Its open sessions stop working at once."),
    "confirm_enable": ("确定启用账户 {name}？", "Enable the account {name}?"),
    "confirm_delete": ("确定删除账户 {name}？此操作不可撤销。",
                       "Delete the account {name}? This cannot be undone."),
    "confirm_reset": ("确定重置 {name} 的密码？其登录会话将立即失效。",
                      "Reset the password of {name}? Its open sessions stop working at once."),
    "confirm": ("确定", "Confirm"),
    "done_disable": ("账户 {name} 已停用", "Account {name} disabled"),
    "done_enable": ("账户 {name} 已启用", "Account {name} enabled"),
    "done_delete": ("账户 {name} 已删除", "Account {name} deleted"),
    "not_yourself": ("不能对自己的账户执行此操作", "You cannot do this to your own account"),
    "new_password": ("新密码（仅显示一次）", "New password (shown only once)"),
    "new_password_help": ("请把此密码安全地交给 {name}；离开本页后无法再次查看。",
                          "Give this password to {name} safely; it cannot be shown again "
                          "after you leave this page."),
    "back_to_accounts": ("返回账户列表", "Back to accounts"),
    "audit_log": ("审计日志（最近 100 条）", "Audit log (latest 100)"),
    "time": ("时间", "Time"),
    "event": ("事件", "Event"),
    "account": ("账户", "Account"),
    "actor": ("操作人", "By"),
    "address": ("地址", "Address"),
    "detail": ("详情", "Detail"),
    "no_users": ("暂无账户", "No accounts"),
    "event_login": ("登录", "login"),
    "event_login_failed": ("登录失败", "failed login"),
    "event_lockout": ("锁定", "lockout"),
    "event_login_locked": ("锁定期间尝试登录", "login while locked"),
    "event_login_disabled": ("已停用账户尝试登录", "login to a disabled account"),
    "event_logout": ("退出", "logout"),
    "event_user_added": ("新建账户", "account added"),
    "event_user_disabled": ("停用账户", "account disabled"),
    "event_user_enabled": ("启用账户", "account enabled"),
    "event_user_deleted": ("删除账户", "account deleted"),
    "event_password_reset": ("重置密码", "password reset"),
    "event_password_changed": ("修改密码", "password changed"),
    "change_password": ("修改密码", "Change password"),
    "current_password": ("当前密码", "Current password"),
    "new_password_field": ("新密码", "New password"),
    "repeat_password": ("再次输入新密码", "New password again"),
    "password_rule": ("至少 {n} 个字符", "at least {n} characters"),
    "must_change_password": ("请先设置您自己的新密码（管理员重置后的密码只能使用一次）。",
                             "Choose your own new password first (a password reset by an "
                             "administrator is good for one login only)."),
    "password_changed": ("密码已修改；其他设备上的登录已退出", "Password changed; your other "
                         "sessions have been logged out"),
    "wrong_current_password": ("当前密码错误", "The current password is wrong"),
    "passwords_differ": ("两次输入的新密码不一致", "The two new passwords differ"),
    "password_too_short": ("新密码至少需要 {n} 个字符", "The new password needs at least {n} "
                           "characters"),
    "password_same": ("新密码不能与当前密码相同", "The new password must differ from the "
                      "current one"),
    "password_locked": ("失败次数过多，已暂时锁定，请 15 分钟后重试",
                        "Too many failures: locked for now, try again in 15 min"),
}


def install_labels() -> None:
    """Add :data:`ACCOUNT_LABELS` to the app's label table (idempotent)."""
    for key, pair in ACCOUNT_LABELS.items():
        LABELS.setdefault(key, pair)
