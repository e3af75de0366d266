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
