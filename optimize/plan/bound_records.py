"""The typed ``seasons.seasons[*].kpis.fleet_bound`` of ``plan.json`` (issue 17).

Pure Python, like :mod:`optimize.plan.model` (whose :class:`~optimize.plan.model.SeasonKpis`
uses it); ``docs/PLAN-FORMAT.md`` (season kpis) documents the keys and
:mod:`optimize.fleet.bound` the proof.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from optimize.plan.record import Record


@dataclasses.dataclass(frozen=True)
class FleetBoundReport(Record):
    """What recomputes a season's proven bound: the fleet's truck-seconds ``hours_s``
    (trucks x ``shift_s``), the ``basis`` and the ``items``: one
    ``[settlement_id, q_t, cost_s, arrive_s]`` per pickup any plan could collect, ``cost_s``
    the least truck-seconds any plan spends collecting it, ``arrive_s`` its drive part."""

    hours_s: int
    shift_s: int
    basis: str
    items: tuple[Any, ...]
