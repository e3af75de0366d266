"""Small named errors that carry the offending file, row, id or parameter.

Every error the planner raises on purpose derives from :class:`PlannerError`: bad input
data (:class:`DataError`, here), a specification that cannot work and a problem without a
solution (``optimize.errors``). Each carries its reasons twice: as plain messages
(``reasons``, what people read) and as :class:`Reason` s (``details``: the message and the
parameter it names, so a form can show it beside that field without parsing text).
The base lives in ``geodata`` because imports point ``geodata`` <- ``optimize`` <- ``app``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Self


@dataclass(frozen=True)
class Reason:
    """One defect: the parameter (or form field) it names, if any, and the message.

    Attributes
    ----------
    field
        The parameter at fault, e.g. a scenario key (``"crop"``); ``None`` when the
        reason names no single parameter (a missing file, a whole table).
    message
        The full text shown to people, e.g. ``"crop 'durian': unknown; ..."``.
    """

    field: str | None
    message: str

    def __str__(self) -> str:
        return self.message


#: What an error's constructor accepts as its reasons.
Reasons = str | Reason | Iterable[str | Reason]


def as_reasons(reasons: Reasons, field: str | None = None) -> tuple[Reason, ...]:
    """Reasons as :class:`Reason` s; plain strings get ``field`` (default none)."""
    items = [reasons] if isinstance(reasons, str | Reason) else list(reasons)
    return tuple(r if isinstance(r, Reason) else Reason(field, str(r)) for r in items)


def joined(reasons: list[str]) -> str:
    """One message line per reason, so a log or an HTTP error shows them all."""
    return "; ".join(reasons) if reasons else "no reason given"


class PlannerError(Exception):
    """Base of the planner's named errors; carries every reason found.

    Parameters
    ----------
    reasons
        A message, a :class:`Reason`, or a list of either (every defect found).
    field
        The parameter plain-string reasons name (``Reason`` s keep their own).

    Attributes
    ----------
    details
        The reasons as :class:`Reason` s (field and message).
    reasons
        Their messages, in order (what ``str(error)`` joins with ``"; "``).
    """

    def __init__(self, reasons: Reasons = (), *, field: str | None = None) -> None:
        self.details = as_reasons(reasons, field)
        self.reasons = [r.message for r in self.details]
        super().__init__(joined(self.reasons))

    def prefixed(self, where: str) -> Self:
        """The same error with ``where: `` before every message (fields kept)."""
        return type(self)([Reason(r.field, f"{where}: {r.message}") for r in self.details])


class DataError(PlannerError):
    """Bad or missing input data; the message names the file, row and item at fault."""

    def __init__(
        self,
        message: Reasons,
        *,
        path: str | Path | None = None,
        row: int | None = None,
        item: object | None = None,
        field: str | None = None,
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
        reasons = as_reasons(message, field)
        if where:
            at = ", ".join(where)
            reasons = tuple(Reason(r.field, f"{at}: {r.message}") for r in reasons)
        super().__init__(reasons)


class DataDirNotFound(DataError):
    """No reference-data directory could be found."""


class RoadDataError(DataError):
    """A road network cannot be built from the given input (no roads, bad file...)."""
