"""One base error with structured reasons; messages render as before."""

from __future__ import annotations

import pytest

from geodata.errors import (
    DataDirNotFound,
    DataError,
    PlannerError,
    Reason,
    RoadDataError,
    as_reasons,
)


def test_data_error_names_file_row_and_item() -> None:
    err = DataError("supply_t must be >= 0", path="/d/s.csv", row=3, item="6229")
    assert str(err) == "/d/s.csv, row 3, item '6229': supply_t must be >= 0"
    assert (err.path, err.row, err.item) == ("/d/s.csv", 3, "6229")
    assert err.reasons == [str(err)]
    assert err.details == (Reason(None, str(err)),)
    assert str(DataError("plain")) == "plain"


def test_every_planner_error_shares_one_base() -> None:
    for kind in (DataError, DataDirNotFound, RoadDataError):
        assert issubclass(kind, PlannerError)
    with pytest.raises(PlannerError, match="no roads"):
        raise RoadDataError("no roads")


def test_reasons_keep_their_field_and_render_joined() -> None:
    err = PlannerError(["a", Reason("crop", "crop 'x': unknown")], field="stores")
    assert str(err) == "a; crop 'x': unknown"
    assert err.reasons == ["a", "crop 'x': unknown"]
    assert err.details == (Reason("stores", "a"), Reason("crop", "crop 'x': unknown"))
    assert str(err.details[1]) == "crop 'x': unknown"
    assert str(PlannerError()) == "no reason given"
    assert as_reasons("one") == (Reason(None, "one"),)


def test_prefixed_names_where_and_keeps_fields() -> None:
    err = DataError(Reason("supply_t", "bad"), field="ignored")
    moved = err.prefixed("prefecture 6229")
    assert type(moved) is DataError
    assert moved.details == (Reason("supply_t", "prefecture 6229: bad"),)
