"""Language switch: Chinese by default, English with ?lang=en (kept in a cookie)."""

from __future__ import annotations

from flask.testing import FlaskClient

from app.i18n import LABELS


def test_chinese_default_english_switch(client: FlaskClient) -> None:
    assert "情景" in client.get("/scenarios").get_data(as_text=True)
    response = client.get("/scenarios?lang=en")
    assert "Scenarios" in response.get_data(as_text=True)
    assert "lang=en" in response.headers["Set-Cookie"]
    assert "Scenarios" in client.get("/scenarios").get_data(as_text=True)  # the cookie
    assert "情景" in client.get("/scenarios?lang=zh").get_data(as_text=True)


def test_labels_have_both_languages() -> None:
    assert all(len(pair) == 2 and all(pair) for pair in LABELS.values())


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
