"""Small named errors of the optimisers; each carries every reason in plain words."""

from __future__ import annotations


def _joined(reasons: list[str]) -> str:
    """One message line per reason, so a log or an HTTP error shows them all."""
    return "; ".join(reasons) if reasons else "no reason given"


class SpecificationError(ValueError):
    """A problem specification that cannot work, rejected before any solving.

    Parameters
    ----------
    reasons
        Every defect found, each naming the offending item (index, tier, number).
    """

    def __init__(self, reasons: list[str]) -> None:
        self.reasons = list(reasons)
        super().__init__(_joined(self.reasons))


class InfeasibleError(RuntimeError):
    """The solver proved (or could not disprove in time) that no plan satisfies the problem.

    Parameters
    ----------
    reasons
        Which constraint group makes the problem infeasible, as far as it could be told.
    """

    def __init__(self, reasons: list[str]) -> None:
        self.reasons = list(reasons)
        super().__init__(_joined(self.reasons))
