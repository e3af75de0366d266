"""User site tables: villages where a store must stand (existing or decided) or may not.

Columns: ``settlement_id`` (12-digit NBS village code) and ``status``: ``required`` (an
existing store, or a site already decided: always opened) or ``excluded`` (no store may
be built there: protected land, flood zone, the owner refuses). Read from CSV or XLSX
with every error naming the file, row and value.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from geodata.datasets import Column
from geodata.errors import DataError
from geodata.supply import check_unique_ids, read_user_table

SITE_COLUMNS = (Column("settlement_id", "code", digits=12), Column("status", "text"))
STATUSES = ("required", "excluded")


def read_sites_table(path: str | Path) -> pd.DataFrame:
    """Read and check a site table: ``settlement_id`` (str), ``status`` (required|excluded)."""
    frame = read_user_table(path, SITE_COLUMNS, "site table")
    frame["status"] = frame["status"].str.strip().str.lower()
    bad = frame.index[~frame["status"].isin(STATUSES)]
    if len(bad):
        i = int(bad[0])
        raise DataError(f"status must be {' or '.join(STATUSES)}", path=Path(path),
                        row=i + 2, item=frame.loc[i, "status"])
    check_unique_ids(Path(path), frame)
    return frame
