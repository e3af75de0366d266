"""User tables (CSV or XLSX): supply per village, and the shared checked reader.

Columns: ``settlement_id`` (the 12-digit NBS village code) and ``supply_t`` (tonnes of
produce to store at the harvest peak, >= 0). Other columns are ignored. Every error names
the file, the row (header = row 1, first data row = row 2) and the value.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd

from geodata.datasets import Column, read_csv_checked
from geodata.errors import DataError

SUPPLY_COLUMNS = (Column("settlement_id", "code", digits=12), Column("supply_t", "float"))
SUFFIXES = (".csv", ".xlsx")


def read_supply_table(path: str | Path) -> pd.DataFrame:
    """Read and check a supply table; returns ``settlement_id`` (str), ``supply_t`` (t)."""
    frame = read_user_table(path, SUPPLY_COLUMNS, "supply table")
    _check_values(Path(path), frame)
    check_unique_ids(Path(path), frame)
    return frame


def read_user_table(path: str | Path, columns: tuple[Column, ...], what: str) -> pd.DataFrame:
    """A user's CSV or XLSX table, its ``columns`` checked row by row."""
    file = Path(path)
    if file.suffix.lower() not in SUFFIXES:
        raise DataError(f"{what} must be {' or '.join(SUFFIXES)}", path=file)
    if not file.is_file():
        raise DataError(f"{what} not found", path=file)
    if file.suffix.lower() == ".xlsx":
        frame = _read_xlsx(file, columns)
    else:
        frame = read_csv_checked(file, columns)
    return frame


def check_unique_ids(file: Path, frame: pd.DataFrame) -> None:
    """Refuse a settlement listed twice, naming the row of its second listing."""
    dup = frame.index[frame["settlement_id"].duplicated()]
    if len(dup):
        i = int(dup[0])
        raise DataError("settlement listed twice", path=file, row=i + 2,
                        item=frame.loc[i, "settlement_id"])


def _read_xlsx(file: Path, columns: tuple[Column, ...]) -> pd.DataFrame:
    """The first sheet, checked by the same rules as a CSV (rows numbered as in Excel)."""
    try:
        sheet = pd.read_excel(file, dtype=str, keep_default_na=False)
    except Exception as exc:  # openpyxl raises many kinds for a non-workbook
        raise DataError(f"not a readable XLSX workbook ({type(exc).__name__})",
                        path=file) from None
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / file.with_suffix(".csv").name
        sheet.to_csv(csv, index=False)
        try:
            return read_csv_checked(csv, columns)
        except DataError as exc:
            raise DataError(str(exc).replace(str(csv), str(file))) from None


def _check_values(file: Path, frame: pd.DataFrame) -> None:
    negative = frame.index[frame["supply_t"] < 0]
    if len(negative):
        i = int(negative[0])
        raise DataError("supply_t must be >= 0", path=file, row=i + 2,
                        item=float(frame.loc[i, "supply_t"]))
