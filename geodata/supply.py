"""User tables (CSV or XLSX): supply per village, and the shared checked reader.

Columns: ``settlement_id`` (the 12-digit NBS village code) and ``supply_t`` (tonnes of
produce to store at the harvest peak, >= 0). Other columns are ignored. Every error names
the file, the row (header = row 1, first data row = row 2) and the value; a table without
data rows (a header only, or every row blank) is refused as such.

A user table is read in a bounded way (:class:`Limits`): at most ``rows`` data rows and
``columns`` columns; an XLSX workbook is opened read-only (values streamed, never the
whole sheet in memory), its declared dimension and unpacked size are checked before a
cell is read, and reading stops at a time limit. So a small "zip bomb" costs little.
"""

from __future__ import annotations

import csv
import re
import tempfile
import time
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from geodata.datasets import Column, read_csv_checked
from geodata.errors import DataError

SUPPLY_COLUMNS = (Column("settlement_id", "code", digits=12), Column("supply_t", "float"))
SUFFIXES = (".csv", ".xlsx")


@dataclass(frozen=True)
class Limits:
    """How much of a user's table is read at most.

    Attributes
    ----------
    rows
        Data rows (the header not counted); Gansu has 17,718 village-level units.
    columns
        Columns of the sheet (a supply or site table needs two).
    unpacked_mb
        Total unpacked size of an XLSX archive, in MB (a 20,000 x 20 sheet of numbers is
        ~16 MB). It bounds the one full pass openpyxl makes over a sheet that declares no
        dimension (about 2 s for 32 MB).
    seconds
        Wall-clock limit for reading an XLSX sheet.
    """

    rows: int = 20_000
    columns: int = 20
    unpacked_mb: float = 32.0
    seconds: float = 20.0


LIMITS = Limits()


def read_supply_table(path: str | Path, limits: Limits = LIMITS) -> pd.DataFrame:
    """Read and check a supply table; returns ``settlement_id`` (str), ``supply_t`` (t)."""
    frame = read_user_table(path, SUPPLY_COLUMNS, "supply table", limits)
    _check_values(Path(path), frame)
    check_unique_ids(Path(path), frame)
    return frame


def read_user_table(path: str | Path, columns: tuple[Column, ...], what: str,
                    limits: Limits = LIMITS) -> pd.DataFrame:
    """A user's CSV or XLSX table, its ``columns`` checked row by row, within ``limits``."""
    file = Path(path)
    if file.suffix.lower() not in SUFFIXES:
        raise DataError(f"{what} must be {' or '.join(SUFFIXES)}", path=file)
    if not file.is_file():
        raise DataError(f"{what} not found", path=file)
    if file.suffix.lower() == ".xlsx":
        frame = _read_xlsx(file, columns, limits)
    else:
        if not _csv_has_data(file):
            raise _no_data_rows(file, what)
        frame = read_csv_checked(file, columns)
    if frame.empty:  # a workbook of a header and blank rows (blank rows are dropped)
        raise _no_data_rows(file, what)
    if len(frame) > limits.rows:
        raise _too_many_rows(file, limits)
    return frame


def _no_data_rows(file: Path, what: str) -> DataError:
    return DataError(f"the {what} has no data rows: only a header, or every row blank "
                     "(表中没有数据行)", path=file)


def _csv_has_data(file: Path) -> bool:
    """Whether a CSV file has a row below its header with a non-blank cell (stops at the
    first one; a file that is not UTF-8 text is left to the checked reader)."""
    try:
        with file.open(encoding="utf-8-sig", newline="") as text:
            rows = csv.reader(text)
            next(rows, None)  # the header
            return any(any(cell.strip() for cell in row) for row in rows)
    except (UnicodeDecodeError, csv.Error):
        return True


def check_unique_ids(file: Path, frame: pd.DataFrame) -> None:
    """Refuse a settlement listed twice, naming the row of its second listing."""
    dup = frame.index[frame["settlement_id"].duplicated()]
    if len(dup):
        i = int(dup[0])
        raise DataError("settlement listed twice", path=file, row=i + 2,
                        item=frame.loc[i, "settlement_id"])


def check_in_region(file: Path, frame: pd.DataFrame, villages: Iterable[str],
                    region: str, shown: int = 10) -> None:
    """Refuse settlements that are not rural villages of the region, naming their rows.

    ``villages`` are the region's rural village codes; ``region`` names it in the message
    (e.g. ``"622924 广河县"``); at most ``shown`` rows are listed.
    """
    outside = frame.index[~frame["settlement_id"].isin(set(villages))]
    if not len(outside):
        return
    rows = ", ".join(f"{i + 2} ({frame.loc[i, 'settlement_id']})" for i in outside[:shown])
    more = f" … (+{len(outside) - shown})" if len(outside) > shown else ""
    raise DataError(f"{len(outside)} settlement_id(s) are not rural villages of region "
                    f"{region} (不是该地区的村): rows {rows}{more}", path=file)


def _too_many_rows(file: Path, limits: Limits) -> DataError:
    return DataError(f"more than {limits.rows:,} data rows; split the table or delete the "
                     f"empty rows below it (超过 {limits.rows} 行)", path=file)


def _read_xlsx(file: Path, columns: tuple[Column, ...], limits: Limits) -> pd.DataFrame:
    """The first sheet, checked by the same rules as a CSV (rows numbered as in Excel)."""
    rows = _xlsx_rows(file, limits)
    if not rows:
        raise DataError("the first sheet is empty (工作表为空)", path=file)
    with tempfile.TemporaryDirectory() as tmp:
        text = Path(tmp) / file.with_suffix(".csv").name
        with text.open("w", encoding="utf-8", newline="") as out:
            csv.writer(out).writerows(rows)
        try:
            return read_csv_checked(text, columns)
        except DataError as exc:
            raise DataError(str(exc).replace(str(text), str(file))) from None


def _xlsx_rows(file: Path, limits: Limits) -> list[list[str]]:
    """The first sheet's rows as text, trailing empty rows dropped, within ``limits``."""
    from openpyxl import load_workbook

    check_unpacked_size(file, limits)
    _check_unsized_sheets(file, limits)
    try:
        book = load_workbook(file, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a non-workbook
        raise DataError(f"not a readable XLSX workbook ({type(exc).__name__})",
                        path=file) from None
    try:
        sheet = book.worksheets[0]
        _check_dimension(file, sheet.max_row, sheet.max_column, limits)
        cells = sheet.iter_rows(max_row=limits.rows + 2, max_col=limits.columns + 1,
                                values_only=True)
        rows = list(_bounded(file, cells, limits))
    except DataError:
        raise
    except Exception as exc:  # a broken sheet inside a valid archive
        raise DataError(f"not a readable XLSX workbook ({type(exc).__name__})",
                        path=file) from None
    finally:
        book.close()
    while rows and not any(rows[-1]):
        rows.pop()
    return _trimmed_to_header(rows)


def check_unpacked_size(file: Path, limits: Limits) -> None:
    """Refuse an archive that unpacks to more than ``limits.unpacked_mb`` (a zip bomb)."""
    try:
        with zipfile.ZipFile(file) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise DataError(f"not a readable XLSX workbook ({type(exc).__name__})",
                        path=file) from None
    if unpacked > limits.unpacked_mb * 1024 * 1024:
        raise DataError(f"the workbook unpacks to {unpacked / 2**20:,.0f} MB, more than "
                        f"{limits.unpacked_mb:g} MB (工作簿过大)", path=file)


#: A ``<row`` or ``<dimension`` start tag in a sheet's XML (any namespace prefix).
ROW_TAG = re.compile(rb"<(?:\w{1,16}:)?row[\s/>]")
DIMENSION_TAG = re.compile(rb"<(?:\w{1,16}:)?dimension[\s/>]")


def _check_unsized_sheets(file: Path, limits: Limits) -> None:
    """Refuse a workbook with a sheet that declares no size (no ``<dimension>``) and holds
    more rows than ``limits.rows``, counted in its raw XML before openpyxl opens it:
    openpyxl parses such a sheet whole to size it (seconds for a 1.5 MB bomb of empty
    rows); this count reads it as bytes and stops at the limit."""
    with zipfile.ZipFile(file) as archive:
        for info in archive.infolist():
            name = info.filename
            if name.startswith("xl/worksheets/") and name.endswith(".xml") and \
                    _unsized_rows_over(archive, info, limits.rows + 1):
                raise DataError(f"a sheet ({name}) declares no size and has more than "
                                f"{limits.rows:,} data rows; delete the empty or formatted "
                                f"rows below the table (超过 {limits.rows} 行)", path=file)


def _unsized_rows_over(archive: zipfile.ZipFile, info: zipfile.ZipInfo, most: int) -> bool:
    """Whether a sheet part without ``<dimension>`` in its first 4 KB has more than
    ``most`` ``<row`` tags (read in 1 MB chunks; a tag split between two is counted once)."""
    with archive.open(info) as part:
        head = part.read(4096)
        if DIMENSION_TAG.search(head):
            return False
        count, tail = len(ROW_TAG.findall(head)), head[-24:]
        while count <= most and (chunk := part.read(1 << 20)):
            data = tail + chunk
            count += sum(1 for m in ROW_TAG.finditer(data) if m.end() > len(tail))
            tail = data[-24:]
    return count > most


def _check_dimension(file: Path, max_row: int | None, max_column: int | None,
                     limits: Limits) -> None:
    """Refuse a sheet whose declared dimension (``A1:T20001``) exceeds the limits."""
    if max_row is not None and max_row > limits.rows + 1:
        raise DataError(f"the sheet declares {max_row:,} rows, more than {limits.rows:,} data "
                        f"rows; delete the empty or formatted rows below the table "
                        f"(超过 {limits.rows} 行)", path=file)
    if max_column is not None and max_column > limits.columns:
        raise _too_many_columns(file, limits)


def _too_many_columns(file: Path, limits: Limits) -> DataError:
    return DataError(f"more than {limits.columns} columns; keep settlement_id and its value "
                     f"columns (超过 {limits.columns} 列)", path=file)


def _bounded(file: Path, cells: Iterator[tuple[Any, ...]], limits: Limits) -> Iterator[list[str]]:
    """Rows as text; stop with an error past the row, column or time limit."""
    deadline = time.monotonic() + limits.seconds
    for number, row in enumerate(cells, start=1):
        if number > limits.rows + 1:
            raise _too_many_rows(file, limits)
        if len(row) > limits.columns and any(v is not None for v in row[limits.columns:]):
            raise _too_many_columns(file, limits)
        if time.monotonic() > deadline:
            raise DataError(f"reading took longer than {limits.seconds:g} s (读取超时)",
                            path=file)
        yield [_text(v) for v in row[:limits.columns]]


def _text(value: Any) -> str:
    """A cell as CSV text: empty for blank, whole numbers without ``.0``."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _trimmed_to_header(rows: list[list[str]]) -> list[list[str]]:
    """Every row cut to the header's width (its last non-empty cell)."""
    if not rows:
        return rows
    width = max((i + 1 for i, v in enumerate(rows[0]) if v), default=0)
    return [row[:width] for row in rows]


def _check_values(file: Path, frame: pd.DataFrame) -> None:
    negative = frame.index[frame["supply_t"] < 0]
    if len(negative):
        i = int(negative[0])
        raise DataError("supply_t must be >= 0", path=file, row=i + 2,
                        item=float(frame.loc[i, "supply_t"]))
