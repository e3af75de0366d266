"""A store's site as the routing stage sees it: its village, graph node and legs.

The routing stage itself is :mod:`optimize.pipeline.season_plan` (every season's trips of
every store, :mod:`optimize.pipeline.trips`) and :mod:`optimize.pipeline.fleet_day` (the
shared fleet packed over them); both place a store by its :class:`Depot`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Depot:
    """A store's site: its village, graph node and the village's legs."""

    settlement_id: str
    node: Any
    leg_s: float
    leg_m: float
