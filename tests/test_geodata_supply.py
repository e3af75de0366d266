"""Supply tables: CSV and XLSX read alike; errors name the file, row and value."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from geodata.errors import DataError
from geodata.supply import read_supply_table


def test_csv_and_xlsx_agree(tmp_path: Path) -> None:
    rows = pd.DataFrame({"settlement_id": ["622924100201", "622924100202"],
                         "supply_t": [12.5, 0.0], "note": ["x", "y"]})
    rows.to_csv(tmp_path / "s.csv", index=False)
    rows.to_excel(tmp_path / "s.xlsx", index=False)
    a = read_supply_table(tmp_path / "s.csv")
    b = read_supply_table(tmp_path / "s.xlsx")
    assert list(a.columns) == ["settlement_id", "supply_t"]
    assert a["settlement_id"].tolist() == b["settlement_id"].tolist() == rows["settlement_id"]\
        .tolist()
    assert a["supply_t"].tolist() == b["supply_t"].tolist() == [12.5, 0.0]


@pytest.mark.parametrize(("body", "row", "words"), [
    ("settlement_id,supply_t\n622924100201,1\n622924100202,-2\n", 3, "supply_t must be >= 0"),
    ("settlement_id,supply_t\n622924100201,1\n622924100201,2\n", 3, "settlement listed twice"),
    ("settlement_id,supply_t\n622924100201,lots\n", 2, "supply_t"),
    ("settlement_id,supply_t\n6229241002,1\n", 2, "settlement_id"),
])
def test_bad_rows_are_named(tmp_path: Path, body: str, row: int, words: str) -> None:
    f = tmp_path / "bad.csv"
    f.write_text(body, encoding="utf-8")
    with pytest.raises(DataError) as err:
        read_supply_table(f)
    assert str(f) in str(err.value) and f"row {row}" in str(err.value)
    assert words in str(err.value)


def test_bad_xlsx_row_names_the_workbook(tmp_path: Path) -> None:
    pd.DataFrame({"settlement_id": ["622924100201"], "supply_t": ["?"]}).to_excel(
        tmp_path / "s.xlsx", index=False)
    with pytest.raises(DataError, match=r"s\.xlsx, row 2"):
        read_supply_table(tmp_path / "s.xlsx")


def test_missing_column_wrong_type_and_missing_file(tmp_path: Path) -> None:
    f = tmp_path / "s.csv"
    f.write_text("village,supply_t\n1,2\n", encoding="utf-8")
    with pytest.raises(DataError, match="settlement_id"):
        read_supply_table(f)
    (tmp_path / "s.txt").write_text("x", encoding="utf-8")
    with pytest.raises(DataError, match="must be .csv or .xlsx"):
        read_supply_table(tmp_path / "s.txt")
    (tmp_path / "fake.xlsx").write_text("not a workbook", encoding="utf-8")
    with pytest.raises(DataError, match="not a readable XLSX"):
        read_supply_table(tmp_path / "fake.xlsx")
    with pytest.raises(DataError, match="not found"):
        read_supply_table(tmp_path / "none.csv")
