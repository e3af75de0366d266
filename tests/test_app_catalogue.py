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
    app/; f-string fields filled with a number."""
    found: set[str] = set()
    for folder, source_regex in (("optimize", r"""report\(f?"([^"]+)\""""),
                            ("app", r"""stage="([^"]+)\"""")):
        for path in (REPO / folder).rglob("*.py"):
            for text in re.findall(source_regex, path.read_text(encoding="utf-8")):
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
