"""A user's markets table: CSV and XLSX alike; each defect named by file, row and column."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from geodata.errors import DataError
from optimize.markets.user_table import read_markets_table

GOOD = pd.DataFrame({
    "name": ["临夏果蔬市场", "厦门 outlet"],
    "lon": [103.21, 118.09], "lat": [35.60, 24.48],
    "crops": ["蔬菜;apple", "vegetables"],
    "daily_intake_t": [120, 40.5],
    "opening_hours": ["05:30-21:00", "20:00-04:00"],
    "kind": ["wholesale", "long_haul"],
    "note": ["ignored", ""],
})


def test_csv_and_xlsx_read_alike(tmp_path: Path) -> None:
    GOOD.to_csv(tmp_path / "m.csv", index=False)
    GOOD.to_excel(tmp_path / "m.xlsx", index=False)
    a, b = read_markets_table(tmp_path / "m.csv"), read_markets_table(tmp_path / "m.xlsx")
    same = ("market_id", "name", "lon", "lat", "crops", "daily_intake_t", "open_s", "close_s",
            "kind")
    assert [[getattr(m, k) for k in same] for m in a] == \
        [[getattr(m, k) for k in same] for m in b]
    assert b[0].source == "user table m.xlsx, row 2"
    first, second = a
    assert first.crops == ("vegetables", "apple") and first.daily_intake_t == 120.0
    assert (first.open_s, first.close_s) == (5 * 3600 + 1800, 21 * 3600)
    assert first.market_id == "U:2" and not first.approximate_location
    assert second.kind == "long_haul" and (second.open_s, second.close_s) == (72000, 100800)


def test_point_column_and_open_close_columns(tmp_path: Path) -> None:
    f = tmp_path / "p.csv"
    f.write_text("market_id,name,point,crops,daily_intake_t,open,close\n"
                 "LX1,市场,\"103.21, 35.60\",potato,10,06:00,18:00:00\n", encoding="utf-8")
    (m,) = read_markets_table(f)
    assert (m.market_id, m.lon, m.lat, m.open_s, m.close_s) == ("LX1", 103.21, 35.6,
                                                                 21600, 64800)


@pytest.mark.parametrize(("change", "row", "column", "words"), [
    ({"crops": ["apple", "durian"]}, 3, "crops", "unknown crop 'durian'"),
    ({"lon": [108.94, 118.09], "lat": [34.34, 24.48]}, 2, "lon/lat", "outside Gansu"),
    ({"daily_intake_t": [120, -5]}, 3, "daily_intake_t", "must be >= 0"),
    ({"opening_hours": ["", "06:00-22:00"]}, 2, "opening_hours", "missing opening hours"),
    ({"kind": ["wholesale", "retail"]}, 3, "kind", "'retail'"),
    ({"lon": [35.6, 118.09], "lat": [103.21, 24.48]}, 2, "lon/lat", "not a point in China"),
])
def test_bad_rows_get_one_message_naming_file_row_and_column(
        tmp_path: Path, change: dict[str, list[object]], row: int, column: str,
        words: str) -> None:
    bad = GOOD.assign(**change)
    for suffix in (".csv", ".xlsx"):
        f = tmp_path / f"bad{suffix}"
        bad.to_csv(f, index=False) if suffix == ".csv" else bad.to_excel(f, index=False)
        with pytest.raises(DataError) as err:
            read_markets_table(f)
        text = str(err.value)
        assert len(err.value.reasons) == 1
        assert text.startswith(f"{f}, row {row}: column '{column}'")
        assert words in text


def test_missing_columns_duplicate_ids_and_wrong_files(tmp_path: Path) -> None:
    f = tmp_path / "m.csv"
    GOOD.drop(columns=["opening_hours", "lat"]).to_csv(f, index=False)
    with pytest.raises(DataError, match=r"row 1: markets table: missing column\(s\) lon and "
                                        r"lat \(or point\), opening_hours"):
        read_markets_table(f)
    GOOD.assign(market_id=["A", "A"]).to_csv(f, index=False)
    with pytest.raises(DataError, match=r"row 3: column 'market_id': 'A' is also on row 2"):
        read_markets_table(f)
    (tmp_path / "m.txt").write_text("x", encoding="utf-8")
    with pytest.raises(DataError, match="must be .csv or .xlsx"):
        read_markets_table(tmp_path / "m.txt")
    (tmp_path / "fake.xlsx").write_text("not a workbook", encoding="utf-8")
    with pytest.raises(DataError, match="not a readable XLSX"):
        read_markets_table(tmp_path / "fake.xlsx")
