"""Specification and infeasibility errors: one base, structured reasons, same messages."""

from __future__ import annotations

from geodata.errors import PlannerError, Reason
from optimize.errors import InfeasibleError, SpecificationError


def test_errors_keep_their_builtin_bases_and_share_one() -> None:
    assert issubclass(SpecificationError, ValueError)
    assert issubclass(InfeasibleError, RuntimeError)
    assert issubclass(SpecificationError, PlannerError)
    assert issubclass(InfeasibleError, PlannerError)


def test_list_of_messages_renders_as_before() -> None:
    err = SpecificationError(["n_stores = 0: must be > 0", "tiers: at least one"])
    assert str(err) == "n_stores = 0: must be > 0; tiers: at least one"
    assert err.reasons == ["n_stores = 0: must be > 0", "tiers: at least one"]
    assert [r.field for r in err.details] == [None, None]
    assert str(InfeasibleError([])) == "no reason given"


def test_reasons_with_fields() -> None:
    err = SpecificationError(["expected >= 1"], field="detour_factor")
    assert err.details == (Reason("detour_factor", "expected >= 1"),)
    err = InfeasibleError([Reason("budget_yuan", "budget: too small")])
    assert err.details[0].field == "budget_yuan" and str(err) == "budget: too small"
    moved = err.prefixed("prefecture 6229 (临夏)")
    assert type(moved) is InfeasibleError
    assert moved.reasons == ["prefecture 6229 (临夏): budget: too small"]
    assert moved.details[0].field == "budget_yuan"
