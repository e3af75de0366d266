"""Supply tables: CSV and XLSX read alike; errors name the file, row and value."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from geodata.errors import DataError
from geodata.supply import Limits, read_supply_table


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


# ---- bounded XLSX reading: a small "bomb" is refused before it is read ------------------


def xlsx_bomb(path: Path, *, rows: int = 0, dimension: str | None = "A1:B2",
              tail: str = "", pad_mb: float = 0.0) -> Path:
    """A real two-row workbook whose sheet is rewritten: ``dimension`` declared (None = no
    tag), ``rows`` empty styled rows after the data, then ``tail`` (raw XML), and
    ``pad_mb`` of whitespace; all compressed small."""
    import re
    import zipfile

    pd.DataFrame({"settlement_id": ["622924100201"], "supply_t": [1.0]}).to_excel(
        path, index=False)
    with zipfile.ZipFile(path) as book:
        parts = {name: book.read(name) for name in book.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    sheet = re.sub(r"<dimension [^>]*/>", "" if dimension is None
                   else f'<dimension ref="{dimension}"/>', sheet)
    empty = "".join(f'<row r="{r}" customFormat="1" ht="15"/>' for r in range(3, rows + 3))
    sheet = sheet.replace("</sheetData>", empty + tail + " " * int(pad_mb * 2**20)
                          + "</sheetData>")
    parts["xl/worksheets/sheet1.xml"] = sheet.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        for name, data in parts.items():
            book.writestr(name, data)
    return path


def test_declared_dimension_is_refused_before_reading(tmp_path: Path) -> None:
    # the broken tail proves no row was read: reaching it would be an XML error
    bomb = xlsx_bomb(tmp_path / "bomb.xlsx", dimension="A1:B1048576", tail="<row r=")
    assert bomb.stat().st_size < 20_000
    with pytest.raises(DataError, match=r"bomb\.xlsx.*declares 1,048,576 rows"):
        read_supply_table(bomb)
    wide = xlsx_bomb(tmp_path / "wide.xlsx", dimension="A1:XFD2", tail="<row r=")
    with pytest.raises(DataError, match=r"wide\.xlsx.*more than 20 columns"):
        read_supply_table(wide)


def test_rows_beyond_a_false_dimension_stop_at_the_row_limit(tmp_path: Path) -> None:
    bomb = xlsx_bomb(tmp_path / "rows.xlsx", dimension="A1:B2", rows=5000, tail="<row r=")
    with pytest.raises(DataError, match=r"rows\.xlsx.*more than 100 data rows"):
        read_supply_table(bomb, Limits(rows=100))
    few = xlsx_bomb(tmp_path / "few.xlsx", dimension=None, rows=50)  # trailing empties
    assert read_supply_table(few, Limits(rows=100))["supply_t"].tolist() == [1.0]


def test_unpacked_size_is_checked_first(tmp_path: Path) -> None:
    bomb = xlsx_bomb(tmp_path / "pad.xlsx", pad_mb=2)
    assert bomb.stat().st_size < 50_000
    with pytest.raises(DataError, match=r"pad\.xlsx.*unpacks to 2 MB"):
        read_supply_table(bomb, Limits(unpacked_mb=1))


def test_csv_row_limit_and_empty_sheet(tmp_path: Path) -> None:
    f = tmp_path / "long.csv"
    f.write_text("settlement_id,supply_t\n" + "".join(
        f"622924100{i:03d},1\n" for i in range(6)), encoding="utf-8")
    with pytest.raises(DataError, match=r"long\.csv.*more than 5 data rows"):
        read_supply_table(f, Limits(rows=5))
    from openpyxl import Workbook
    Workbook().save(tmp_path / "blank.xlsx")
    with pytest.raises(DataError, match=r"blank\.xlsx.*empty"):
        read_supply_table(tmp_path / "blank.xlsx")


@pytest.mark.parametrize(("name", "body"), [
    ("header.csv", "settlement_id,supply_t\n"),
    ("blank_lines.csv", "settlement_id,supply_t\n\n\n"),
    ("commas.csv", "settlement_id,supply_t\n,\n , \n"),
    ("bom.csv", "\ufeffsettlement_id,supply_t\r\n,\r\n"),
])
def test_a_table_without_data_rows_is_refused(tmp_path: Path, name: str, body: str) -> None:
    f = tmp_path / name
    f.write_text(body, encoding="utf-8")
    with pytest.raises(DataError) as err:
        read_supply_table(f)
    assert str(err.value) == (f"{f}: the supply table has no data rows: only a header, or "
                              "every row blank (表中没有数据行)")


def test_a_workbook_of_a_header_and_blank_rows_is_refused(tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["settlement_id", "supply_t"])
    sheet.append([None, None])
    sheet["A5"] = None
    book.save(tmp_path / "blank_rows.xlsx")
    with pytest.raises(DataError, match=r"blank_rows\.xlsx: the supply table has no data rows"):
        read_supply_table(tmp_path / "blank_rows.xlsx")
    f = tmp_path / "one.csv"  # a blank row below data is a bad row, named, as before
    f.write_text("settlement_id,supply_t\n622924100201,1\n,\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"one\.csv, row 3.*empty value"):
        read_supply_table(f)


def test_an_unsized_sheet_of_many_rows_is_refused_before_openpyxl_reads_it(
        tmp_path: Path) -> None:
    """Issue 16 defect 5 (a 510 KB XLSX took 59 s): a sheet with no <dimension> and
    200,000 empty styled rows is counted as bytes; the broken tail proves openpyxl never
    parsed it (reaching it would be an XML error, "not a readable XLSX workbook")."""
    bomb = xlsx_bomb(tmp_path / "unsized.xlsx", dimension=None, rows=200_000,
                     tail="<row r=")
    assert bomb.stat().st_size < 600_000
    import tracemalloc

    tracemalloc.start()
    try:
        with pytest.raises(DataError) as err:
            read_supply_table(bomb)
        peak_b = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak_b < 10 * 2**20  # was +790 MB for a 510 KB file (3 MB measured here)
    assert str(err.value) == (
        f"{bomb}: a sheet (xl/worksheets/sheet1.xml) declares no size and has more than "
        "20,000 data rows; delete the empty or formatted rows below the table (超过 20000 行)")
    # header + 1 data row + 99 empty rows = 100 data rows: the limit, read (empties dropped)
    few = xlsx_bomb(tmp_path / "few.xlsx", dimension=None, rows=99)
    assert read_supply_table(few, Limits(rows=100))["supply_t"].tolist() == [1.0]
    more = xlsx_bomb(tmp_path / "more.xlsx", dimension=None, rows=100)  # 101 data rows
    with pytest.raises(DataError, match=r"declares no size and has more than 100 data rows"):
        read_supply_table(more, Limits(rows=100))


def test_reading_stops_at_the_time_limit(tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    import geodata.supply

    ticks = iter([0.0] + [100.0] * 10)  # the deadline is set at 0, every check sees 100 s
    monkeypatch.setattr(geodata.supply.time, "monotonic", lambda: next(ticks))
    book = xlsx_bomb(tmp_path / "slow.xlsx")
    with pytest.raises(DataError, match=r"slow\.xlsx: reading took longer than 20 s"):
        read_supply_table(book)
