"""Small named errors of the optimisers; each carries every reason in plain words.

Both derive from :class:`geodata.errors.PlannerError` (one base for data, specification
and infeasibility errors): ``reasons`` are the messages, ``details`` the
:class:`geodata.errors.Reason` s with the parameter each names, when it names one.
"""

from __future__ import annotations

from geodata.errors import PlannerError


class SpecificationError(PlannerError, ValueError):
    """A problem specification that cannot work, rejected before any solving.

    Parameters
    ----------
    reasons
        Every defect found, each naming the offending item (index, tier, number): a
        message, a :class:`geodata.errors.Reason`, or a list of either.
    field
        The parameter that plain-string reasons name, if one does.
    """


class InfeasibleError(PlannerError, RuntimeError):
    """The solver proved (or could not disprove in time) that no plan satisfies the problem.

    Parameters
    ----------
    reasons
        Which constraint group makes the problem infeasible, as far as it could be told.
    field
        The parameter that plain-string reasons name, if one does.
    """
