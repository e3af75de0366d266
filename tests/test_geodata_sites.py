"""Site tables: required/excluded villages from CSV or XLSX, bad rows named."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from geodata.errors import DataError
from geodata.sites import read_sites_table


def test_csv_and_xlsx(tmp_path: Path) -> None:
    rows = pd.DataFrame({"settlement_id": ["622924100201", "622924100202"],
                         "status": ["Required", " excluded "]})
    rows.to_csv(tmp_path / "s.csv", index=False)
    rows.to_excel(tmp_path / "s.xlsx", index=False)
    for name in ("s.csv", "s.xlsx"):
        table = read_sites_table(tmp_path / name)
        assert table["status"].tolist() == ["required", "excluded"]


def test_bad_status_and_duplicate_are_named(tmp_path: Path) -> None:
    f = tmp_path / "s.csv"
    f.write_text("settlement_id,status\n622924100201,required\n622924100202,maybe\n",
                 encoding="utf-8")
    with pytest.raises(DataError, match=r"s\.csv, row 3, item 'maybe'"):
        read_sites_table(f)
    f.write_text("settlement_id,status\n622924100201,required\n622924100201,excluded\n",
                 encoding="utf-8")
    with pytest.raises(DataError, match="row 3.*listed twice|listed twice"):
        read_sites_table(f)


def test_an_empty_site_table_is_refused(tmp_path: Path) -> None:
    f = tmp_path / "s.csv"
    f.write_text("settlement_id,status\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"s\.csv: the site table has no data rows"):
        read_sites_table(f)
