"""The message catalogue: every English text a real plan or a job shows has its Chinese.

The real plans (``$COLDCHAIN_REAL_PLANS_DIR``/{linxia,gansu}/plan.json)
are read when present; their tests skip otherwise. The job stages are read from the
optimizer's and the app's own source, so a new stage without Chinese fails here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.catalogue import CATALOGUE, load, pattern, translate_message
from app.db import EXTENSION_KEY as DB_KEY
from app.headlines import reason_kind
from app.job_worker import SERVER_GONE
from app.jobs import CANCELLED, STALE
from optimize.crops import CROPS
from optimize.scenario import Scenario
from tests.conftest import real_plan

REPO = Path(__file__).resolve().parents[1]
CJK = re.compile(r"[\u4e00-\u9fff]")
NUMBER = re.compile(r"\d+(?:\.\d+)?")


def assert_chinese(text: str) -> None:
    """``text`` translates to Chinese that keeps every number of the original."""
    zh = translate_message(text, "zh")
    assert isinstance(zh, str) and zh != text and CJK.search(zh), f"untranslated: {text!r}"
    for number in NUMBER.findall(text):
        assert number in zh, f"{number} lost in {zh!r} (from {text!r})"


def _walk_strings(value: Any, key: str) -> Iterator[str]:
    """Every string under the keys named ``key`` in a nested structure."""
    if isinstance(value, dict):
        for k, v in value.items():
            if k == key and isinstance(v, str):
                yield v
            elif k == key and isinstance(v, list):
                yield from (s for s in v if isinstance(s, str))
            else:
                yield from _walk_strings(v, key)
    elif isinstance(value, list):
        for item in value:
            yield from _walk_strings(item, key)


def plan_texts(plan: dict[str, Any]) -> set[str]:
    """Reasons (and their kinds), assumptions, approximations, statuses, notes of a plan."""
    texts = {u["reason"] for u in plan["unserved"]}
    texts |= {reason_kind(r) for r in texts}
    # one-letter entries come from an optimizer bug (a string merged as a list of its
    # letters into the province plan's assumptions); they are not texts
    texts |= {a for a in plan["assumptions"] if len(a) > 1}
    texts |= set(plan["approximations"])
    texts |= {plan["road_network"]["note"]}
    solver = plan["solver"]
    texts |= set(_walk_strings(solver, "status")) | set(_walk_strings(solver, "binding"))
    texts |= set(_walk_strings(solver, "engine")) | set(_walk_strings(solver, "note"))
    texts |= {s["name"] for s in solver["siting"].get("stages", [])}
    texts |= {u["stage"] for u in plan["unserved"]}
    return {t for t in texts if t}


@pytest.mark.parametrize("region", ["linxia", "gansu"])
def test_every_text_of_a_real_plan_is_translated(region: str) -> None:
    path = real_plan(region) / "plan.json"
    texts = plan_texts(json.loads(path.read_text(encoding="utf-8")))
    assert len(texts) > 10
    for text in sorted(texts):
        assert_chinese(text)


def test_every_parameter_source_is_translated() -> None:
    """The parameter table's sources (optimize.scenario, one scenario per crop) and a
    scenario's assumptions in Chinese: a new or reworded one without Chinese fails here."""
    sources = {row["source"] for crop in CROPS
               for row in Scenario(name="x", region_code="622924", crop=crop).describe().values()}
    assert len(sources) > 30
    assumptions = Scenario(name="x", region_code="6229", county_min_stores=1).assumptions()
    assert any(a.startswith("seasons = default Gansu calendar") for a in assumptions)
    for text in sorted(sources) + assumptions:
        assert_chinese(text)


def source_stages() -> set[str]:
    """Progress stages in the source: ``report("...")`` of optimize/, ``stage="..."`` of
    app/ (adjacent literals joined, as Python does); f-string fields filled with a
    number."""
    found: set[str] = set()
    literals = r"""((?:f?"[^"]*"\s*)+)"""
    for folder, source_regex in (("optimize", r"report\(" + literals),
                                 ("app", r"stage=" + literals)):
        for path in (REPO / folder).rglob("*.py"):
            for group in re.findall(source_regex, path.read_text(encoding="utf-8")):
                text = "".join(re.findall(r'"([^"]*)"', group))
                found.add(re.sub(r"\{[^}]*\}", "7", text))
    return found


def test_every_job_stage_and_message_is_translated() -> None:
    stages = source_stages()
    assert {"loading reference data", "routing store 7 of 7", "done"} <= stages
    for text in sorted(stages) + [SERVER_GONE, STALE, CANCELLED,
                                  "the worker process stopped (exit code -9)"]:
        assert_chinese(text)


@pytest.mark.parametrize(("english", "chinese"), [
    ("routing store 3 of 100", "正在规划第 3/100 座冷库的线路"),
    ("fleet at this store cannot fit it within shifts (2 trucks x 4 trips)",
     "该冷库车队在班次内安排不下（2 辆车 × 每车 4 趟）"),
    ("no truck based at this store; cannot reach the store within the freshness limit: "
     "needs 131 min, limit 120 min",
     "该冷库没有配备冷藏车；保鲜时限内到不了冷库：需要 131 分钟，时限 120 分钟"),
    ("FEASIBLE, OPTIMAL", "可行，最优"),
    ("6201: store count (=55)", "6201：冷库数量（=55）"),
    ("no store within 240 min", "240 分钟车程内没有冷库"),
    # texts of the shared-fleet and province pipelines (branches in progress)
    ("routing store 3 of 7, every season", "正在规划第 3/7 座冷库各季节的线路"),
    ("siting the province's stores as one problem (and, on Dask, each prefecture alone for "
     "comparison)", "正在把全省冷库作为一个问题选址（并在 Dask 上单独求解各市州以作对比）"),
    ("fleet capacity reached: all 80 trucks are in use (580.1 of 640.0 truck-hours driven; 1 "
     "trip left need 6.5 more truck-hours and none fits a truck's remaining shift)",
     "车队运力已满：80 辆车全部在用（已行驶 580.1 / 640.0 车·小时；剩余 1 趟还需 6.5 车·小时，"
     "且每一趟都放不进任何一辆车剩余的班次）"),
    ("shift start 06:30 for every truck (trip clock times are seconds from midnight): no "
     "source, an assumption",
     "每辆车的班次 06:30 开始（趟次时刻为自零点起的秒数）：无来源，属假设"),
])
def test_placeholders_carry_the_numbers(english: str, chinese: str) -> None:
    assert translate_message(english, "zh") == chinese
    assert translate_message(english, "en") == english


@pytest.mark.parametrize("text", [
    "a reason nobody wrote down yet",
    "no truck based at this store; a new reason",  # one unknown part: all stays English
    "", "   ",
])
def test_unknown_text_falls_back_unchanged(text: str) -> None:
    assert translate_message(text, "zh") == text


def test_non_text_values_pass_through() -> None:
    assert translate_message(None, "zh") is None
    assert translate_message(12.5, "zh") == 12.5


def test_catalogue_entries_are_chinese() -> None:
    """Each message's Chinese (from the zh gettext catalogue) has Chinese words, or only
    parameters and punctuation ("%(code)s：%(msg)s")."""
    assert len(CATALOGUE) > 100
    zh_catalogue = load("zh")
    for msgid in CATALOGUE:
        zh = zh_catalogue.gettext(msgid)
        assert zh != msgid or not re.search("[A-Za-z]", msgid), f"no Chinese for {msgid!r}"
        assert CJK.search(zh) or not re.search("[A-Za-z]", re.sub(r"%\(\w+\)s", "", zh)), zh


@pytest.mark.parametrize(("english", "chinese"), [
    ("capacity at 1 site", "1 个库址满载"),  # "[s]": an optional English plural
    ("capacity at 12 sites", "12 个库址满载"),
    ("no store within 1,200.5 min", "1,200.5 分钟车程内没有冷库"),
    ("OPTIMAL; OR-Tools used: PyVRP found no solution", "最优；改用 OR-Tools：PyVRP found no "
     "solution"),  # %(msg)s translated again, %(why)s any text kept as it is
    ("the worker process stopped (exit code -9)", "计算进程意外退出（退出码 -9）"),
])
def test_parameters_by_kind(english: str, chinese: str) -> None:
    assert translate_message(english, "zh") == chinese


def test_a_number_parameter_matches_only_numbers() -> None:
    assert pattern("no store within %(m)s min")[0].fullmatch("no store within an hour min") \
        is None
    assert translate_message("no store within many min", "zh") == "no store within many min"
    regex, nested = pattern("%(msg)s; OR-Tools used: %(why)s")
    assert nested == {"msg"} and regex.fullmatch("x; OR-Tools used: y") is not None


def test_a_language_without_a_catalogue_keeps_the_english() -> None:
    assert translate_message("routing store 3 of 100", "fr") == "routing store 3 of 100"


def test_job_stage_and_message_in_both_languages(app: Flask, client: FlaskClient) -> None:
    db = app.extensions[DB_KEY]
    job_id = db.add_job({"id": 1, "name": "s"}, {"name": "s"}, "pete")
    db.update_job(job_id, state="failed", stage="routing store 3 of 100",
                  message="the worker process stopped (exit code -9)")
    zh = client.get(f"/api/jobs/{job_id}?lang=zh").get_json()
    assert zh["stage"] == "routing store 3 of 100"  # the API keeps the optimizer's words
    assert zh["stage_text"] == "正在规划第 3/100 座冷库的线路"
    assert zh["message"] == "计算进程意外退出（退出码 -9）"
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "正在规划第 3/100 座冷库的线路" in page
    assert "正在规划第 3/100 座冷库的线路" in client.get("/jobs").get_data(as_text=True)
    en = client.get(f"/api/jobs/{job_id}?lang=en").get_json()
    assert en["stage_text"] == "routing store 3 of 100"
    assert en["message"] == "the worker process stopped (exit code -9)"
    assert "routing store 3 of 100" in client.get(f"/jobs/{job_id}").get_data(as_text=True)


# ---- why a job failed: the optimizer's reasons, produced by the optimizer itself ----------

def _siting_problem(**changes: Any) -> Any:
    """Three villages (the third reaches no site), two sites, the default tiers."""
    import numpy as np

    from optimize.scenario import DEFAULT_TIERS
    from optimize.siting.problem import LocationProblem

    base: dict[str, Any] = dict(
        supply_t=np.array([10.0, 10.0, 5.0]), weight=np.ones(3),
        arc_demand=np.array([0, 1]), arc_site=np.array([0, 1]),
        arc_time_s=np.array([600, 600]), n_sites=2, tiers=DEFAULT_TIERS, n_stores=1,
        time_limit_s=2.0)
    base.update(changes)
    return LocationProblem(**base)


def _refusal(**changes: Any) -> str:
    """The job message of a refused siting problem (reasons joined as a failed job's)."""
    from optimize.errors import SpecificationError
    from optimize.siting.validate import validate

    with pytest.raises(SpecificationError) as caught:
        validate(_siting_problem(**changes))
    return "; ".join(caught.value.reasons)


@pytest.mark.parametrize(("changes", "chinese"), [
    ({"budget_yuan": 1.0},
     "预算 1 元低于 1 座冷库 × 最便宜规格 '100 t' 的补贴 105,000 元 = 105,000 元"),
    ({"n_stores": 5}, "冷库数 n_stores = 5 超过未排除的候选库址 2 处（共 2 处，排除 0 处）"),
    ({"required_sites": (0, 1)}, "必建库址 2 处，超过冷库数 n_stores = 1"),
    ({"n_stores": 0}, "冷库数 n_stores 至少为 1，当前为 0"),
    ({"n_stores": 2, "site_group": [0, 1], "group_min": (2, 0), "group_max": (None, None),
      "group_names": ("临夏县", "广河县")},
     "临夏县 的配额：最少 2 座冷库，超过其未排除的候选库址 1 处"),
    ({"n_stores": 1, "site_group": [0, 1], "group_min": (1, 1), "group_max": (None, None),
      "group_names": ("临夏县", "广河县")},
     "各县最少冷库数（含必建库址）合计 2 座，超过冷库数 n_stores = 1"),
    ({"n_stores": 4, "site_group": [0, 1], "group_min": (2, 2), "group_max": (None, None),
      "group_names": ("临夏县 622921", "广河县 622924")},  # every reason, each translated
     "冷库数 n_stores = 4 超过未排除的候选库址 2 处（共 2 处，排除 0 处）；"
     "临夏县 622921 的配额：最少 2 座冷库，超过其未排除的候选库址 1 处；"
     "广河县 622924 的配额：最少 2 座冷库，超过其未排除的候选库址 1 处"),
    ({"objective": "time"},
     "需求点 [2] 在最长车程内没有未排除的库址；目标 'time' 要求服务每个需求点"),
    ({"objective": "time", "supply_t": [0.0, 2000.0, 0.0]},
     "总供应量 2,000.00 吨超过 1 座冷库 × 最大规格 '1000 t'（1,000.00 吨）= 1,000.00 吨"),
])
def test_a_refused_siting_problem_fails_the_job_in_chinese(changes: dict[str, Any],
                                                           chinese: str) -> None:
    english = _refusal(**changes)
    assert translate_message(english, "zh") == chinese
    assert translate_message(english, "en") == english


def test_an_infeasible_siting_fails_the_job_in_chinese() -> None:
    """CP-SAT proves 'every village served by one store' infeasible and names the cause."""
    import numpy as np

    from optimize.errors import InfeasibleError
    from optimize.siting.solve import solve_location

    problem = _siting_problem(objective="time", engine="cpsat", supply_t=np.array([10.0, 10.0]),
                              weight=np.ones(2))
    with pytest.raises(InfeasibleError) as caught:
        solve_location(problem)
    english = "; ".join(caught.value.reasons)
    assert english.startswith("access time and store count: no exactly 1 stores")
    assert translate_message(english, "zh") == (
        "到达时间与冷库数：恰好 1 座冷库（必建 0 处，排除 0 处）无法在最长车程内覆盖每个需求点")


def test_a_scenario_value_out_of_range_fails_the_job_in_chinese() -> None:
    from optimize.errors import SpecificationError

    with pytest.raises(SpecificationError) as caught:
        Scenario(name="x", region_code="622924", truck_capacity_t=1e30)
    english = "; ".join(caught.value.reasons)
    assert translate_message(english, "zh") == (
        "truck_capacity_t = 1e+30：须在 0.1 到 50 之间（t）")


@pytest.mark.parametrize(("english", "chinese"), [
    ("no plan serving every demand point was found within 12.5 s (CP-SAT status UNKNOWN); "
     "infeasibility was not proven, allow more time_limit_s",
     "12.5 秒内未找到服务每个需求点的方案（CP-SAT 状态 UNKNOWN）；未证明无解，请放宽选址求解时间"),
    ("store capacity: at most 3 stores (1 required, 2 excluded, 4 county quotas) cannot hold "
     "the supply of the demand points within their reach (5,000.00 t in all)",
     "库容：至多 3 座冷库（必建 1 处，排除 2 处，县配额 4 个）容纳不下其可达范围内需求点的供应"
     "（共 5,000.00 吨）"),
    ("budget: 1,000,000 yuan of subsidy cannot pay for exactly 10 stores large enough to "
     "serve every demand point",
     "预算：1,000,000 元补贴不足以建设恰好 10 座能服务每个需求点的冷库"),
    ("prefecture 6229 (临夏回族自治州): 3 required sites exceed n_stores = 2",
     "市州 6229（临夏回族自治州）：必建库址 3 处，超过冷库数 n_stores = 2"),
    ("item '622999': no villages in region", "地区 '622999' 内没有村"),
    ("stores = -3: must be between 0 and 2,000 (stores); 2 required sites exceed n_stores = 1",
     "stores = -3：须在 0 到 2,000 之间（stores）；必建库址 2 处，超过冷库数 n_stores = 1"),
])
def test_optimizer_failures_carry_their_numbers(english: str, chinese: str) -> None:
    assert translate_message(english, "zh") == chinese


def test_a_failed_jobs_reason_shows_in_chinese(app: Flask, client: FlaskClient) -> None:
    db = app.extensions[DB_KEY]
    job_id = db.add_job({"id": 1, "name": "s"}, {"name": "s"}, "pete")
    reason = _refusal(n_stores=5)
    db.update_job(job_id, state="failed", message=reason)
    zh = client.get(f"/api/jobs/{job_id}?lang=zh").get_json()
    assert zh["message"] == "冷库数 n_stores = 5 超过未排除的候选库址 2 处（共 2 处，排除 0 处）"
    assert zh["message"] in client.get(f"/jobs/{job_id}?lang=zh").get_data(as_text=True)
    assert client.get(f"/api/jobs/{job_id}?lang=en").get_json()["message"] == reason
