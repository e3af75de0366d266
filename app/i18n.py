"""Language: Chinese by default, English on a switch (``?lang=en`` / ``?lang=zh``).

The choice is kept in a ``lang`` cookie (a year, SameSite=Lax). Templates call
``t('key')``; a key missing from the table shows the key itself (tests catch that).
The plan page's figure tables keep their bilingual labels (both languages side by side),
because planners share printouts across offices.
"""

from __future__ import annotations

from flask import Flask, Response, g, request
from markupsafe import Markup

from app.catalogue import translate_message

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
    "tiers_help": ("每行一种：容量（吨）, 建设成本（万元）, 补贴（万元）；留空＝默认四种",
                   "One size a line: capacity (t), build cost (10,000 yuan), subsidy "
                   "(10,000 yuan); empty = the 4 defaults"),
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
    # ---- the scenario form: field labels (f_) and help (h_) --------------------------
    "f_region_code": ("地区", "Region"),
    "h_region_code": ("全省、一个市州或一个县区；全省按市州分别规划",
                      "The province, one prefecture or one county; the province is planned "
                      "prefecture by prefecture"),
    "f_stores": ("冷库数量", "Stores"),
    "h_stores": ("留空＝按 2020 年农村人口从全省 893 座中分配",
                 "Blank = this region's share of the province's 893 by 2020 rural population"),
    "f_trucks": ("冷藏车数量", "Refrigerated trucks"),
    "h_trucks": ("留空＝按农村人口从全省 720 辆中分配",
                 "Blank = this region's share of the province's 720 by rural population"),
    "f_budget_yuan": ("冷库补贴预算", "Store subsidy budget"),
    "h_budget_yuan": ("留空＝全省 5 亿元按农村人口分配，减去本地冷藏车补贴",
                      "Blank = this region's share of the province's 500 M yuan, less its "
                      "truck subsidies"),
    "f_crop": ("主要农产品", "Main crop"),
    "h_crop": ("决定保鲜时限", "Sets the freshness limit"),
    "f_freshness_limit_s": ("保鲜时限", "Freshness limit"),
    "h_freshness_limit_s": ("采摘到入库的最长时间；留空＝按农产品",
                            "Longest time from harvest to store; blank = from the crop"),
    "f_max_access_time_s": ("村到冷库最长车程", "Longest village-to-store drive"),
    "h_max_access_time_s": ("留空＝等于保鲜时限", "Blank = the freshness limit"),
    "f_objective": ("规划目标", "Objective"),
    "h_objective": ("coverage_then_time：先覆盖最多重点农产品，再缩短车程",
                    "coverage_then_time: most priority produce first, then least travel time"),
    "f_poverty_weight": ("脱贫县权重", "Poverty-county weight"),
    "h_poverty_weight": ("2020 年脱贫县农产品的优先倍数（政策选择）",
                         "Priority of produce from the 2020 poverty counties (policy choice)"),
    "f_truck_capacity_t": ("冷藏车载重", "Truck load"),
    "h_truck_capacity_t": ("4.2 米厢式冷藏车约 3 吨", "A 4.2 m box truck carries about 3 t"),
    "f_shift_s": ("每班工作时长", "Working shift"),
    "h_shift_s": ("一天出车的工作时间（劳动法：8 小时）",
                  "A truck's working day (Labour Law: 8 h)"),
    "f_service_s": ("每村装货时间", "Loading time per village"),
    "h_service_s": ("在一个村收货装车所用时间", "Time to load at one village pickup"),
    "f_unload_s": ("冷库卸货时间", "Unloading time at the store"),
    "h_unload_s": ("两趟之间在冷库卸货的时间", "Unloading at the store between trips"),
    "f_trips_per_truck": ("每车每天最多趟数", "Most trips per truck a day"),
    "h_trips_per_truck": ("模型上限；多数日子工作时长和保鲜时限先起作用",
                          "A model cap; the shift and freshness limits bind first on most days"),
    "f_max_snap_m": ("离路最远距离", "Farthest from a road"),
    "h_max_snap_m": ("超过此距离的村视为不通路", "Villages farther from any road are off-network"),
    "f_siting_time_limit_s": ("选址计算时间", "Siting solver time"),
    "h_siting_time_limit_s": ("求解器设置：相同设置得到相同方案",
                              "Solver setting: the same settings give the same plan"),
    "f_routing_time_limit_s": ("每座冷库路线计算时间", "Routing solver time per store"),
    "h_routing_time_limit_s": ("求解器设置", "Solver setting"),
    "f_seed": ("随机种子", "Random seed"),
    "h_seed": ("求解器设置：种子相同，方案相同", "Solver setting: same seed, same plan"),
    "f_siting_engine": ("选址算法", "Siting engine"),
    "h_siting_engine": ("cpsat 精确模型；lagrange 适合全省规模；auto 按规模自动选",
                        "cpsat (exact), lagrange (province size) or auto (by size)"),
    "f_county_min_stores": ("每县至少冷库数", "Least stores per county"),
    "h_county_min_stores": ("政策选择；0＝不设下限", "Policy choice; 0 = no floor"),
    "f_tiers": ("冷库规格", "Store sizes"),
    "pick_region": ("— 请选择地区 —", "— choose a region —"),
    "whole_province": ("全省", "whole province"),
    "whole_prefecture": ("全州/市", "whole prefecture"),
    "range": ("范围", "range"),
    "default": ("默认", "default"),
    "derived": ("自动推算", "derived"),
    "kept_settings": ("其他设置（来自模板，保存时保留）",
                      "Other settings (from the template, kept when saved)"),
    "delete": ("删除", "Delete"),
    "templates": ("模板情景", "Scenario templates"),
    "templates_help": ("项目自带的情景文件（make demo 使用），复制后可修改",
                       "The project's scenario files (used by make demo); copy one to change it"),
    "use_template": ("复制为新情景", "Copy as a new scenario"),
    "plan_admin": ("方案管理", "Plan files"),
    "scenario_saved": ("已保存情景", "Saved the scenario"),
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


def tr(text: object) -> object:
    """A plan's or a job's English text (reason, status, stage, note, assumption) in the
    request's language (:mod:`app.catalogue`); unknown text stays as it is."""
    try:
        lang = current_lang()
    except RuntimeError:  # no request: the CLI, tests
        return text
    return translate_message(text, lang)


def tr_span(text: object) -> object:
    """:func:`tr` for page text: the translation in a ``<span>`` whose ``title`` keeps the
    plan's own English words (shown on hover, found by search); unknown text as it is."""
    shown = tr(text)
    if shown is text or not isinstance(text, str):
        return text
    return Markup('<span class="tr" lang="zh" title="{}">{}</span>').format(text, shown)


def init_i18n(app: Flask) -> None:
    """Template globals ``t`` and ``lang``, the filter ``tr``; the cookie hook."""
    app.jinja_env.globals["t"] = t
    app.jinja_env.filters["tr"] = tr
    app.jinja_env.filters["tr_span"] = tr_span
    app.jinja_env.globals["current_lang"] = current_lang
    app.after_request(remember_lang)
