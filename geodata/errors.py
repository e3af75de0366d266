"""Small named errors that carry the offending file, row or id."""

from __future__ import annotations

from pathlib import Path


class DataError(Exception):
    """Bad or missing input data; the message names the file, row and item at fault."""

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        row: int | None = None,
        item: object | None = None,
    ) -> None:
        self.path = str(path) if path is not None else None
        self.row = row
        self.item = item
        where = []
        if self.path is not None:
            where.append(self.path)
        if row is not None:
            where.append(f"row {row}")
        if item is not None:
            where.append(f"item {item!r}")
        super().__init__(f"{': '.join([', '.join(where), message]) if where else message}")


class DataDirNotFound(DataError):
    """No reference-data directory could be found."""


class RoadDataError(DataError):
    """A road network cannot be built from the given input (no roads, bad file...)."""
