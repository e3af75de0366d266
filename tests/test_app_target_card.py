"""The season's collection-target card (app.target_card) on hand-made season kpis."""

from __future__ import annotations

from typing import Any

import pytest

from app.catalogue import translate_message
from app.target_card import priority_cards, target_cards
from app.truck_plan import season_cards, season_compare_rows, season_kpi_table
from optimize.fleet.target import (
    FOUND_NOTE,
    GREEDY_NOTE,
    MET_NOTE,
    UNREACHABLE_NOTE,
)
from tests.test_app_truck_plan import truck_plan_meta

#: 6 of the 10 t/d that need a truck are collected (60 %).
BASE = {"daily_truck_needed_t": 10.0, "daily_pickup_routed_t": 6.0, "target_pct": 95.0}


@pytest.mark.parametrize(("extra", "note"), [
    ({"trucks_for_target": 1400, "trucks_for_target_note": FOUND_NOTE},
     "95 % 需 1,400 辆车 would need 1,400 trucks (本方案车次 this plan's trips)"),
    ({"trucks_for_target": 1400, "trucks_for_target_note": GREEDY_NOTE},
     "95 % 需 至多 1,400 辆车 would need at most 1,400 trucks (本方案车次 this plan's trips)"),
    ({"trucks_for_target": None,
      "trucks_for_target_note": UNREACHABLE_NOTE.format(pct="60.0")},
     "95 %: 增加车辆也无法达到 not reachable by adding trucks"),
])
def test_the_card_says_what_the_target_needs(extra: dict[str, Any], note: str) -> None:
    (card,) = target_cards({**BASE, **extra})
    assert card["key"] == "target" and card["unit"] == "%"
    assert card["value"] == pytest.approx(60.0) and card["note"] == note


def test_a_met_target_and_an_older_plan() -> None:
    (card,) = target_cards({**BASE, "daily_pickup_routed_t": 9.6, "trucks_for_target": None,
                            "trucks_for_target_note": MET_NOTE})
    assert card["value"] == pytest.approx(96.0)
    assert card["note"] == "95 %: 本车队已达到 met by this fleet"
    assert target_cards({"daily_truck_needed_t": 10.0, "daily_pickup_routed_t": 6.0}) == []


def test_the_season_cards_end_with_it() -> None:
    meta = truck_plan_meta()
    kpis = meta["seasons"]["seasons"][1]["kpis"]  # autumn: 18 of 24 t/d (75 %)
    meta["seasons"]["seasons"][1]["kpis"] = {**kpis, "target_pct": 95.0,
                                             "trucks_for_target": 5,
                                             "trucks_for_target_note": FOUND_NOTE}
    cards = season_cards(meta, "autumn")
    assert cards[-1]["key"] == "target" and cards[-1]["value"] == pytest.approx(75.0)
    assert cards[-1]["note"].startswith("95 % 需 5 辆车 would need 5 trucks")
    assert "target" not in {c["key"] for c in season_cards(truck_plan_meta(), "autumn")}


@pytest.mark.parametrize("note", [FOUND_NOTE, GREEDY_NOTE, MET_NOTE,
                                  UNREACHABLE_NOTE.format(pct="61.5")])
def test_every_note_a_plan_stores_reads_in_chinese(note: str) -> None:
    zh = translate_message(note, "zh")
    assert isinstance(zh, str) and zh != note
    assert all(n in zh for n in ("61.5", "500") if n in note)


def test_compare_rows_and_xlsx_table_carry_the_target() -> None:
    a, b = truck_plan_meta("a"), truck_plan_meta("b")
    for meta, n in ((a, 5), (b, 4)):
        kpis = meta["seasons"]["seasons"][1]["kpis"]
        meta["seasons"]["seasons"][1]["kpis"] = {**kpis, "target_pct": 95.0,
                                                 "trucks_for_target": n,
                                                 "trucks_for_target_note": FOUND_NOTE}
    rows = {(r["season"], r["key"]): r for r in season_compare_rows(a, b)}
    assert rows[("autumn", "trucks_for_target")]["diff"] == -1
    assert rows[("autumn", "target_pct")]["a"] == 95.0
    assert rows[("summer", "trucks_for_target")]["a"] is None  # an older season: no figure
    assert season_kpi_table(a)["autumn"]["trucks_for_target"] == 5


# -- h17bound: the proven bound on the cards, the compare page and the XLSX table --
def test_the_cards_show_the_range_and_the_proven_bound() -> None:
    kpis = {**BASE, "trucks": 80, "trucks_for_target": 1400,
            "trucks_for_target_note": FOUND_NOTE, "trucks_for_target_lower": 900,
            "collectable_upper_t": 7.26, "collectable_upper_pct": 72.5}
    target, bound = target_cards(kpis)
    assert target["note"] == ("95 % 需 900–1,400 辆车 would need between 900 and 1,400 "
                              "trucks (下限已证明 lower bound proven; 上限按本方案车次 "
                              "upper: this plan's trips)")
    assert bound["key"] == "bound" and bound["value"] == 72.5 and bound["unit"] == "%"
    assert bound["note"] == ("7.3 t/d：任何方案用 80 辆车至多收集这么多 no plan with 80 "
                             "trucks collects more (已证明 proven bound)")
    # an older plan without the bound keeps one card and its note
    (card,) = target_cards({**BASE, "trucks_for_target": 1400,
                            "trucks_for_target_note": FOUND_NOTE})
    assert card["note"].startswith("95 % 需 1,400 辆车")


def test_compare_rows_and_xlsx_table_carry_the_bound() -> None:
    a, b = truck_plan_meta("a"), truck_plan_meta("b")
    for meta, low, pct in ((a, 3, 80.0), (b, 4, 90.5)):
        kpis = meta["seasons"]["seasons"][1]["kpis"]
        meta["seasons"]["seasons"][1]["kpis"] = {**kpis, "trucks_for_target_lower": low,
                                                 "collectable_upper_pct": pct}
    rows = {(r["season"], r["key"]): r for r in season_compare_rows(a, b)}
    assert rows[("autumn", "trucks_for_target_lower")]["diff"] == 1
    assert rows[("autumn", "collectable_upper_pct")]["diff"] == pytest.approx(10.5)
    assert rows[("summer", "collectable_upper_pct")]["a"] is None
    assert season_kpi_table(b)["autumn"]["collectable_upper_pct"] == 90.5


def test_the_poverty_counties_card_says_their_share_and_the_packing() -> None:
    (card,) = priority_cards({"priority_collected_pct": 88.25, "others_collected_pct": 61.5,
                              "packing": "poverty-weighted tonnes"})
    assert card["key"] == "priority" and card["value"] == 88.25 and card["unit"] == "%"
    assert card["note"] == ("其他地区 others 61.5 %；车队编排 packing 贫困县加权吨数 for "
                            "poverty-weighted tonnes")
    (plain,) = priority_cards({"priority_collected_pct": 99.7, "others_collected_pct": None,
                               "packing": "tonnes"})
    assert plain["note"] == "其他地区 others –；车队编排 packing 按吨数 for tonnes"
    assert priority_cards({"priority_collected_pct": None}) == []
    assert priority_cards(BASE) == []
