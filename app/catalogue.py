"""Chinese for the English texts a plan and a job carry: reasons, statuses, stages, notes.

``plan.json`` keeps its texts in English (the file format); the optimizer's progress
stages and the job runner's messages are English too. They are translated at display
time by :func:`translate_message`, from a table of English *patterns* with placeholders
and their Chinese::

    "routing store {n} of {total}"  ->  "正在规划第 {n}/{total} 座冷库的线路"

A placeholder ``{name}`` matches any text, ``{name:n}`` a number, ``{msg:t}`` a text that
is itself translated (a status inside a status). ``[s]`` is an optional plural ``s``.
The whole text must match. A text made of parts joined by ``"; "`` or ``", "`` is
translated part by part, but only if every part is known. Anything else comes back
unchanged, in English: no information is ever lost.

Why not gettext (Flask-Babel, .po/.mo)? These texts are data with numbers inside, not
strings of the app's own source: gettext finds messages by exact key, so it would need
this pattern table anyway. The app's own labels stay in :data:`app.i18n.LABELS`.
"""

from __future__ import annotations

import re
from functools import lru_cache

_TOKEN = re.compile(r"\{(\w+)(?::([nt]))?\}|\[s\]")
_KINDS = {None: r".+?", "n": r"-?\d[\d,]*(?:\.\d+)?", "t": r".+?"}

#: Known unserved reasons (full and as :func:`app.headlines.reason_kind` shortens them).
REASONS: dict[str, str] = {
    "no store within {m:n} min": "{m} 分钟车程内没有冷库",
    "no candidate site within the longest access time": "最长车程内没有候选库址",
    "no open store within the longest access time": "最长车程内没有建成的冷库",
    "no truck based at this store": "该冷库没有配备冷藏车",
    "no truck at this store": "该冷库没有冷藏车",
    "no store": "无冷库",
    "unserved": "未覆盖",
    "fleet at this store cannot fit it within shifts ({trucks:n} truck[s] x {trips:n} trip[s])":
        "该冷库车队在班次内安排不下（{trucks} 辆车 × 每车 {trips} 趟）",
    "fleet at this store cannot fit it within shifts ({trucks:n} truck[s] x {trips:n} trip[s]),"
    " or serving it costs more than the drop penalty {p:n}":
        "该冷库车队在班次内安排不下（{trucks} 辆车 × 每车 {trips} 趟），或收集成本高于放弃罚金 {p}",
    "fleet at this store cannot fit it within shifts": "该冷库车队在班次内安排不下",
    "cannot reach the store within the freshness limit: needs {need:n} min, limit {limit:n} min":
        "保鲜时限内到不了冷库：需要 {need} 分钟，时限 {limit} 分钟",
    "cannot reach the store within the freshness limit": "保鲜时限内到不了冷库",
    "load {load:n} t exceeds truck capacity {cap:n} t": "货量 {load} 吨超过冷藏车载重 {cap} 吨",
    "delivery {load:n} t exceeds truck capacity {cap:n} t":
        "送货量 {load} 吨超过冷藏车载重 {cap} 吨",
    "load": "货量超过冷藏车载重",
    "delivery": "送货量超过冷藏车载重",
    "store -> pickup -> store with loading and unloading needs {need:n} min, longer than the "
    "shift of {shift:n} min":
        "冷库→村→冷库往返（含装卸）需要 {need} 分钟，超过 {shift} 分钟的班次",
    "store -> pickup -> store with loading and unloading needs":
        "冷库→村→冷库往返（含装卸）超过班次",
    "time window closes at {a:n} min into the shift, the drive from the store takes {b:n} min":
        "收货时段在班次开始后 {a} 分钟结束，而从冷库开过去要 {b} 分钟",
    "time window opens at {a:n} min into the shift, so a trip to it ends at {b:n} min, after the "
    "shift of {c:n} min":
        "收货时段在班次开始后 {a} 分钟才开始，一趟要到 {b} 分钟才结束，超过 {c} 分钟的班次",
    "time window closes at": "收货时段结束太早",
    "time window opens at": "收货时段开始太晚",
    "off the road network: {km:n} km from the nearest road node":
        "不在路网上：距最近的道路节点 {km} 公里",
    "off the road network": "不在路网上",
}

#: Siting and routing statuses, binding constraints, solver notes.
STATUSES: dict[str, str] = {
    "OPTIMAL": "最优", "FEASIBLE": "可行", "INFEASIBLE": "无可行解", "UNKNOWN": "未知",
    "MODEL_INVALID": "模型无效",
    "success": "成功", "optimal": "最优", "fail": "失败", "not solved": "未求解",
    "fail: time limit before a first solution": "失败：时限内未找到第一个解",
    "invalid model": "模型无效", "infeasible": "无可行解",
    "time limit (not reproducible)": "达到时间上限（结果不可复现）",
    "nothing to route": "无需规划线路", "no pickups": "无收集点", "no stores": "无冷库",
    "status {n:n}": "状态 {n}",
    "{msg:t}; OR-Tools used: {why}": "{msg}；改用 OR-Tools：{why}",
    "store count (={n:n})": "冷库数量（={n}）",
    "store count (<={n:n})": "冷库数量（≤{n}）",
    "capacity at {n:n} site[s]": "{n} 个库址满载",
    "access time ({n:n} demand points)": "车程（{n} 个需求点）",
    "{code:n}: {msg:t}": "{code}：{msg}",
    "coverage+time (weighted sum)": "覆盖率+车程（加权和）",
    "coverage": "覆盖率", "time": "车程", "cost": "成本",
    "CP-SAT, lexicographic stages (optimize.siting.cpsat)":
        "CP-SAT，按优先级分阶段求解（optimize.siting.cpsat）",
    "Lagrangian bound + heuristics, weighted sum (optimize.siting.lagrange)":
        "拉格朗日下界 + 启发式，加权和（optimize.siting.lagrange）",
    "objective and bound are the sums of the regional final-stage objectives and proven "
    "bounds: a bound only for the decomposed problem (regional quotas of stores, trucks and "
    "budget fixed, no village served across a prefecture border), not for the province-wide "
    "problem; the border repair after the solves is not reflected in them.":
        "目标值和界为各市州最后阶段目标值与已证明界之和：仅是分解后问题的界（各市州冷库、"
        "车辆和预算配额固定，村不跨市州服务），不是全省问题的界；求解后的跨界调整未计入。",
}

#: Progress stages of the optimizer and messages the job runner writes.
JOB_TEXTS: dict[str, str] = {
    "starting": "正在启动", "waiting": "等待中", "done": "完成",
    "loading reference data": "正在加载基础数据",
    "building the road network": "正在构建路网",
    "snapping and travel-time matrix": "正在匹配道路并计算行车时间矩阵",
    "siting cold stores (OR-Tools CP-SAT)": "正在选址冷库（OR-Tools CP-SAT）",
    "allocating trucks and routing (OR-Tools)": "正在分配冷藏车并规划线路（OR-Tools）",
    "routing store {n:n} of {total:n}": "正在规划第 {n}/{total} 座冷库的线路",
    "assembling the plan": "正在汇总方案",
    "apportioning the province to prefectures": "正在把全省指标分配到各市州",
    "solving {n:n} prefectures on Dask": "正在用 Dask 求解 {n} 个市州",
    "prefecture {code:n} {name} done ({n:n} of {total:n})":
        "市州 {code} {name} 已完成（{n}/{total}）",
    "merging the regional plans": "正在合并各市州方案",
    "repairing across prefecture borders": "正在跨市州边界调整",
    "the server stopped while this job ran; run it again": "服务在任务运行时停止；请重新运行",
    "the job's worker stopped reporting (no heartbeat); run it again":
        "任务的计算进程已无响应（心跳超时）；请重新运行",
    "cancelled by a user": "已被用户取消",
    "the worker process stopped (exit code {code})": "计算进程意外退出（退出码 {code}）",
    "the worker process could not start: {why}": "计算进程无法启动：{why}",
}

_VORONOI = ("they are placed at their township centre, and each trip between a village and "
            "the centre is the expected distance over the township's area (its Voronoi cell, "
            "x the detour factor) at village-road speed.")

#: Approximation notes and road-network notes of a plan.
NOTES: dict[str, str] = {
    "Road network is approximate: no OSM extract was loaded; travel times use straight-line "
    "distance x {f:n} (detour factor, an assumption) at class speeds between township "
    "centres.":
        "路网为近似：未加载 OSM 路网数据；行车时间按乡镇中心之间直线距离 × {f}（绕行系数，"
        "属假设）和道路等级车速估算。",
    "{n} villages have no coordinates of their own (NBS code lists); " + _VORONOI:
        "{n} 个村没有自己的坐标（国家统计局区划代码表）；它们放在所属乡镇中心，村与中心之间的"
        "每趟行程按乡镇面积（其泰森多边形，× 绕行系数）上的期望距离、以村道车速计算。",
    "{n} villages are at their OSM place node, matched by name within 15 km of their township "
    "(geodata.village_points); a namesake match cannot be ruled out.":
        "{n} 个村位于 OSM 地名点，按名称在所属乡镇 15 公里内匹配（geodata.village_points）；"
        "不能排除同名误配。",
    "Supply is an estimate: 2020 county rural population x {kg:n} kg per rural resident, spread "
    "evenly over each county's villages; no crop production data by village.":
        "供应量为估算：2020 年各县农村人口 × 每人 {kg} 公斤，平均分到县内各村；没有分村的"
        "农产品产量数据。",
    "Routes are one day of the season '{season}' (the largest province-wide daily pickup); "
    "other seasons have trucks per prefecture and moves (seasons table) but no routes. Daily "
    "pickup is the season's share of the annual produce spread evenly over its days.":
        "线路为“{season}”季中的一天（全省日收集量最大的季节）；其他季节只有各市州车辆数和"
        "调车（见季节表），没有线路。日收集量为该季占全年农产品的份额平均分到各天。",
    "The province is planned prefecture by prefecture with fixed quotas (see decomposition); "
    "villages cross prefecture borders only through the border repair, whose times come from "
    "one province-wide approximate network.":
        "全省按市州分别规划，各市州配额固定（见分解说明）；村只有在跨界调整时才跨市州，"
        "调整所用车程来自一张全省近似路网。",
    "approximate network over township centres: straight lines x detour factor, speeds by "
    "class": "基于乡镇中心的近似路网：直线距离 × 绕行系数，按道路等级取车速",
    "OpenStreetMap roads, truck speeds by class": "OpenStreetMap 道路，按道路等级取货车车速",
    "one network per prefecture ({n:n}): {msg:t}": "每个市州一张路网（{n} 张）：{msg}",
    "straight lines x {f:n} detour factor": "直线距离 × {f} 绕行系数",
    "travel times from straight-line distance x {f:n} at {v:n} km/h":
        "行车时间按直线距离 × {f}、时速 {v} 公里估算",
}

#: Assumptions (``name = value unit: source`` of parameters without a source).
ASSUMPTIONS: dict[str, str] = {
    "harvest_peak_days = {v:n} days: days over which a store fills at the harvest peak "
    "(docs §5: ~2-month windows)":
        "收获高峰天数 harvest_peak_days = {v} 天：冷库在收获高峰期装满所用的天数（文档 §5："
        "约 2 个月的收获期）",
    "poverty_weight = {v:n} weight: priority of produce from the 2020 poverty counties "
    "(policy choice)":
        "脱贫县权重 poverty_weight = {v}：2020 年脱贫县农产品的优先倍数（政策选择）",
    "truck_capacity_t = {v:n} t: docs §2: a 4.2 m box truck carries 3 t (upper bound; reefer "
    "payload not found)":
        "冷藏车载重 truck_capacity_t = {v} 吨：文档 §2：4.2 米厢式货车载重 3 吨（上限；"
        "未找到冷藏车实际载重）",
    "trips_per_truck = {v:n} trips/day: most collection trips a truck makes in a shift (a "
    "model cap; the shift and freshness limits bind first on most days)":
        "每车每天最多趟数 trips_per_truck = {v} 趟/天：一辆车一个班次最多收集趟数（模型上限；"
        "多数日子工作时长和保鲜时限先起作用）",
    "service_s = {v:n} s: loading time at a village pickup":
        "每村装货时间 service_s = {v} 秒：在一个村收货装车的时间",
    "unload_s = {v:n} s: unloading time at the store between trips":
        "冷库卸货时间 unload_s = {v} 秒：两趟之间在冷库卸货的时间",
    "detour_factor = {v:n} ratio: road distance / straight-line distance on the approximate "
    "network":
        "绕行系数 detour_factor = {v}：近似路网上道路距离与直线距离之比",
    "max_snap_m = {v:n} m: points farther than this from any road are off-network":
        "离路最远距离 max_snap_m = {v} 米：离道路更远的点视为不在路网上",
    "county_min_stores = {v:n} stores: policy choice: every county of the region gets at least "
    "this many stores (0 = no floor)":
        "每县至少冷库数 county_min_stores = {v} 座：政策选择，本地区每县至少建这么多座冷库"
        "（0＝不设下限）",
    "county_stores = {v} stores: policy choice: per-county minimum and maximum store counts "
    "([county_stores] table, county code -> {min, max})":
        "分县冷库数 county_stores = {v}：政策选择，各县冷库数的上下限（[county_stores] 表，"
        "县代码 → {{min, max}}）",
    "seasons = {v} : harvest calendar: months from PARAMETERS.md §5 rows; every share of a "
    "region's produce over seasons is an assumption (no output by crop and prefecture was "
    "found, §6)":
        "收获季节 seasons = {v}：收获日历，月份取自 PARAMETERS.md §5；各地区农产品在各季的"
        "份额都是假设（未找到分作物、分市州的产量，§6）",
    "default Gansu calendar (optimize.seasons)": "甘肃默认收获日历（optimize.seasons）",
    "harvest_peak_days": "收获高峰天数 harvest_peak_days",
    "poverty_weight": "脱贫县权重 poverty_weight",
    "truck_capacity_t": "冷藏车载重 truck_capacity_t",
    "trips_per_truck": "每车每天最多趟数 trips_per_truck",
    "service_s": "每村装货时间 service_s",
    "unload_s": "冷库卸货时间 unload_s",
    "detour_factor": "绕行系数 detour_factor",
    "max_snap_m": "离路最远距离 max_snap_m",
    "county_min_stores": "每县至少冷库数 county_min_stores",
    "county_stores": "分县冷库数 county_stores",
    "seasons": "收获季节 seasons",
    "siting": "选址", "routing": "线路",
}

#: Every table, in the order they are tried.
CATALOGUE: dict[str, str] = {**REASONS, **STATUSES, **JOB_TEXTS, **NOTES, **ASSUMPTIONS}


def _compile(pattern: str) -> tuple[re.Pattern[str], frozenset[str]]:
    """The anchored regex of a catalogue pattern and its placeholders to translate again."""
    out, pos, nested = [], 0, set()
    for token in _TOKEN.finditer(pattern):
        out.append(re.escape(pattern[pos:token.start()]))
        name, kind = token.group(1), token.group(2)
        if name is None:  # [s]
            out.append("s?")
        else:
            out.append(f"(?P<{name}>{_KINDS[kind]})")
            if kind == "t":
                nested.add(name)
        pos = token.end()
    out.append(re.escape(pattern[pos:]))
    return re.compile("".join(out), re.DOTALL), frozenset(nested)


_COMPILED = [(*_compile(en), zh) for en, zh in CATALOGUE.items()]


def _lookup(text: str) -> str | None:
    """The Chinese of one whole text, or None if no pattern matches it."""
    for regex, nested, zh in _COMPILED:
        match = regex.fullmatch(text)
        if match is None:
            continue
        values = {k: (_to_zh(v) or v) if k in nested else v
                  for k, v in match.groupdict().items()}
        return zh.format(**values)
    return None


@lru_cache(maxsize=4096)
def _to_zh(text: str) -> str | None:
    """The Chinese of ``text``, part by part if need be; None unless all of it is known."""
    text = text.strip()
    whole = _lookup(text)
    if whole is not None:
        return whole
    for sep, zh_sep in (("; ", "；"), (", ", "，")):
        if sep in text:
            parts = [_to_zh(p) for p in text.split(sep)]
            if all(p is not None for p in parts):
                return zh_sep.join(p for p in parts if p is not None)
    return None


def translate_message(text: object, lang: str = "zh") -> object:
    """``text`` in ``lang``: the Chinese from the catalogue, or the original if unknown.

    Anything not a non-empty string (None, numbers) comes back as it is, so the function
    is safe on any value a template prints.
    """
    if lang != "zh" or not isinstance(text, str) or not text.strip():
        return text
    return _to_zh(text) or text
