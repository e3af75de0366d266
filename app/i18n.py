"""Language: Chinese by default, English on a switch (``?lang=en`` / ``?lang=zh``).

The choice is kept in a ``lang`` cookie (a year, SameSite=Lax). Templates call
``t('key')``; a key missing from the table shows the key itself (tests catch that).
The plan page's figure tables keep their bilingual labels (both languages side by side),
because planners share printouts across offices.
"""

from __future__ import annotations

from flask import Flask, Response, g, request

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"
COOKIE = "lang"

LABELS: dict[str, tuple[str, str]] = {  # key: (zh, en)
    "app_title": ("冷链规划 · 甘肃", "Cold-chain planner · Gansu"),
    "plans": ("方案", "Plans"),
    "scenarios": ("情景", "Scenarios"),
    "jobs": ("任务", "Jobs"),
    "compare": ("方案对比", "Compare plans"),
    "logout": ("退出", "Log out"),
    "login": ("登录", "Log in"),
    "user_name": ("用户名", "User name"),
    "password": ("密码", "Password"),
    "wrong_login": ("用户名或密码错误", "Wrong user name or password"),
    "new_scenario": ("新建情景", "New scenario"),
    "edit": ("编辑", "Edit"),
    "copy": ("复制", "Copy"),
    "run": ("运行", "Run"),
    "save": ("保存", "Save"),
    "cancel": ("取消", "Cancel"),
    "name": ("名称", "Name"),
    "region": ("地区", "Region"),
    "updated": ("更新", "Updated"),
    "state": ("状态", "State"),
    "progress": ("进度", "Progress"),
    "stage": ("阶段", "Stage"),
    "open_plan": ("打开方案", "Open plan"),
    "no_scenarios": ("暂无情景", "No scenarios yet"),
    "no_jobs": ("暂无任务", "No jobs yet"),
    "fix_errors": ("请修正以下错误", "Please fix these errors"),
    "supply_file": ("供应表 (CSV/XLSX)", "Supply table (CSV/XLSX)"),
    "supply_help": ("列：settlement_id（12位村代码）, supply_t（吨）",
                    "Columns: settlement_id (12-digit village code), supply_t (t)"),
    "sites_file": ("选址表 (CSV/XLSX)", "Site table (CSV/XLSX)"),
    "sites_help": ("列：settlement_id（12位村代码）, status（required 必建 / excluded 禁建）",
                   "Columns: settlement_id (12-digit village code), status (required / "
                   "excluded)"),
    "remove_file": ("移除已上传文件", "Remove the uploaded file"),
    "tiers_help": ("每行一级：容量 t, 建设成本 元, 补贴 元；留空＝默认",
                   "One tier a line: capacity t, build cost yuan, subsidy yuan; empty = defaults"),
    "blank_default": ("留空＝默认值", "blank = default"),
    "state_queued": ("排队", "queued"),
    "state_running": ("运行中", "running"),
    "state_done": ("完成", "done"),
    "state_failed": ("失败", "failed"),
    "state_cancelled": ("已取消", "cancelled"),
    "state_interrupted": ("已中断", "interrupted"),
    "exports": ("导出", "Exports"),
    "report": ("打印报告", "Printable report"),
    "route_sheets": ("车辆路线单", "Route sheets"),
    "search_village": ("搜索村庄", "Search a village"),
    "search": ("搜索", "Search"),
    "plan_a": ("方案 A", "Plan A"),
    "plan_b": ("方案 B", "Plan B"),
    "difference": ("差值 B−A", "Difference B−A"),
    "kpi": ("指标", "Figure"),
    "county_table": ("分县统计", "Per county"),
    "print": ("打印", "Print"),
    "language": ("English", "中文"),
    "created_by": ("创建人", "Created by"),
}


def current_lang() -> str:
    """The request's language: ``?lang=``, else the cookie, else Chinese."""
    lang = g.get("lang")
    if lang is None:
        asked = request.args.get("lang") or request.cookies.get(COOKIE)
        lang = asked if asked in LANGS else DEFAULT_LANG
        g.lang = lang
    return str(lang)


def t(key: str) -> str:
    """The label ``key`` in the request's language."""
    pair = LABELS.get(key)
    if pair is None:
        return key
    return pair[LANGS.index(current_lang())]


def remember_lang(response: Response) -> Response:
    """``after_request``: keep an explicit ``?lang=`` choice in a cookie."""
    asked = request.args.get("lang")
    if asked in LANGS:
        response.set_cookie(COOKIE, asked, max_age=365 * 86400, samesite="Lax",
                            httponly=True)
    return response


def init_i18n(app: Flask) -> None:
    """Template globals ``t`` and ``lang``; the cookie hook."""
    app.jinja_env.globals["t"] = t
    app.jinja_env.globals["current_lang"] = current_lang
    app.after_request(remember_lang)
