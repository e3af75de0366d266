"""Language switch: Chinese by default, English with ?lang=en (kept in a cookie), on
Flask-Babel with gettext catalogues (app/translations)."""

from __future__ import annotations

import os
from pathlib import Path

import flask_babel
import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient

from app.catalogue import TRANSLATIONS_DIR, compile_catalogues
from app.i18n import LABELS, t

REPO = Path(__file__).resolve().parents[1]
ZH_PO = TRANSLATIONS_DIR / "zh" / "LC_MESSAGES" / "messages.po"


def test_chinese_default_english_switch(client: FlaskClient) -> None:
    assert "情景" in client.get("/scenarios").get_data(as_text=True)
    response = client.get("/scenarios?lang=en")
    assert "Scenarios" in response.get_data(as_text=True)
    assert "lang=en" in response.headers["Set-Cookie"]
    assert "Scenarios" in client.get("/scenarios").get_data(as_text=True)  # the cookie
    assert "情景" in client.get("/scenarios?lang=zh").get_data(as_text=True)


def test_labels_are_messages() -> None:
    """Each label is an English msgid (or a (zh, en) pair another module added)."""
    assert len(LABELS) > 100
    assert all(entry and (isinstance(entry, str) or all(entry)) for entry in LABELS.values())


def code_msgids() -> set[str]:
    """The msgids ``pybabel extract -F babel.cfg`` finds in the code (N_, gettext, _)."""
    with (REPO / "babel.cfg").open(encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found = extract_from_dir(str(REPO), method_map, options_map)
    return {msgid for _file, _line, msgid, _comments, _context in found}


def zh_catalogue() -> dict[str, str]:
    """``{msgid: msgstr}`` of the zh .po (fuzzy entries kept out, as the compiler does)."""
    with ZH_PO.open("rb") as file:
        catalog = read_po(file, locale="zh")
    return {m.id: m.string for m in catalog if m.id and not m.fuzzy}


def test_every_msgid_of_the_code_has_chinese() -> None:
    msgids = code_msgids()
    assert {"Scenarios", "routing store %(n)s of %(total)s", "; "} <= msgids
    zh = zh_catalogue()
    missing = sorted(m for m in msgids if not zh.get(m))
    assert not missing, f"no Chinese in {ZH_PO.name} for {missing}: run pybabel update"
    unused = sorted(set(zh) - msgids)  # messages the code lost: keep the .po honest
    assert not unused, f"{ZH_PO.name} translates msgids no code uses: {unused}"


def test_compiled_catalogue_matches_the_po() -> None:
    """The .mo the app reads (compiled at start when missing or older) says what the .po
    says: a stale .mo fails here."""
    compile_catalogues()  # what create_app does
    with ZH_PO.with_suffix(".mo").open("rb") as file:
        compiled = {m.id: m.string for m in read_mo(file) if m.id}
    assert compiled == zh_catalogue()


PO = """msgid ""
msgstr ""
"Content-Type: text/plain; charset=utf-8\\n"

msgid "Plans"
msgstr "{plans}"

msgid "routing store %(n)s of %(total)s"
msgstr "{routing}"
"""


def write_po(root: Path, plans: str, routing: str = "第 %(n)s/%(total)s") -> Path:
    po = root / "zh" / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True, exist_ok=True)
    po.write_text(PO.format(plans=plans, routing=routing), encoding="utf-8")
    return po


def test_stale_or_missing_mo_is_compiled_again(tmp_path: Path) -> None:
    po = write_po(tmp_path, "方案")
    mo = po.with_suffix(".mo")
    assert compile_catalogues(tmp_path) == [mo]  # missing: compiled
    assert compile_catalogues(tmp_path) == []  # up to date: left alone
    write_po(tmp_path, "计划")
    os.utime(mo, (1, 1))  # the .po is now newer than the .mo
    assert compile_catalogues(tmp_path) == [mo]
    with mo.open("rb") as file:
        assert {m.id: m.string for m in read_mo(file)}["Plans"] == "计划"
    assert sorted(p.name for p in mo.parent.iterdir()) == ["messages.mo", "messages.po"]


def test_a_msgstr_with_other_parameters_is_refused(tmp_path: Path) -> None:
    write_po(tmp_path, "方案", routing="第 %(m)s/%(total)s")
    with pytest.raises(ValueError, match=r"messages.po:\d+: msgid 'routing store"):
        compile_catalogues(tmp_path)


def test_flask_babel_locale_follows_the_switch(app: Flask) -> None:
    with app.test_request_context("/"):
        assert str(flask_babel.get_locale()) == "zh"
        assert flask_babel.gettext("Scenarios") == "情景" == t("scenarios")
        assert t("language") == "English" and t("no such key") == "no such key"
    with app.test_request_context("/?lang=en"):
        assert str(flask_babel.get_locale()) == "en"
        assert flask_babel.gettext("Scenarios") == "Scenarios" == t("scenarios")
        assert t("language") == "中文"
    with app.test_request_context("/", headers={"Cookie": "lang=en"}):
        assert t("plans") == "Plans"
    with app.app_context():  # a CLI command: no request, no crash, the source English
        assert flask_babel.gettext("Scenarios") == "Scenarios"


def test_plan_page_translates_reasons_and_notes(client: FlaskClient) -> None:
    """The tiny plan's unserved reason, approximation, assumption and statuses in Chinese;
    the English switch shows plan.json's own words."""
    zh = client.get("/plans/tiny-linxia?lang=zh").get_data(as_text=True)
    assert "240 分钟车程内没有冷库" in zh
    assert "行车时间按直线距离 × 1.3、时速 40 公里估算" in zh
    assert "冷藏车载重 truck_capacity_t" in zh
    assert "冷库数量（=2）" in zh and ">选址</span></td>" in zh
    assert 'title="no store within 240 min">240 分钟车程内没有冷库</span>' in zh  # kept on hover
    en = client.get("/plans/tiny-linxia?lang=en").get_data(as_text=True)
    assert "no store within 240 min" in en and "240 分钟车程内没有冷库" not in en
    assert "travel times from straight-line distance x 1.3 at 40 km/h" in en


def test_report_translates_reasons(client: FlaskClient) -> None:
    zh = client.get("/plans/tiny-linxia/report?lang=zh").get_data(as_text=True)
    assert "240 分钟车程内没有冷库" in zh
    assert 'title="OPTIMAL">最优</span>' in zh  # the solver table too
    en = client.get("/plans/tiny-linxia/report?lang=en").get_data(as_text=True)
    assert "最优" not in en and ">OPTIMAL<" in en


def test_every_label_is_a_msgid_with_chinese(app: Flask) -> None:
    """No hand-written (zh, en) pair is left: each label, the account pages' too (added
    when the app is built), is an English msgid with Chinese in the catalogue, and its
    parameters are filled in either language."""
    from app.account_labels import ACCOUNT_LABELS

    assert ACCOUNT_LABELS and set(ACCOUNT_LABELS) <= set(LABELS)
    assert all(isinstance(msgid, str) for msgid in LABELS.values())
    zh = zh_catalogue()
    assert not [m for m in LABELS.values() if not zh.get(m)]
    with app.test_request_context("/"):
        assert t("login_locked", minutes=15, time="10:15") == (
            "登录失败次数过多，已暂时锁定。请在 15 分钟后（10:15 之后）重试。")
        assert t("confirm_delete", name="pete") == "确定删除账户 pete？此操作不可撤销。"
    with app.test_request_context("/?lang=en"):
        assert t("password_rule", n=12) == "at least 12 characters"
