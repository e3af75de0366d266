"""The planning pipeline: the only code that calls both geodata and the solvers.

``plan_for(scenario)`` (:mod:`optimize.pipeline.entry`) plans one region with the stages
``region`` -> ``settlements`` -> ``network`` -> ``siting`` -> ``trips`` (every season) ->
``fleet_day`` (the shared fleet, :mod:`optimize.pipeline.season_plan`) -> ``assemble``
(:mod:`optimize.pipeline.regional`), or the whole province by decomposition
(:mod:`optimize.pipeline.province`). Nothing is imported here: ``plan_for`` is loaded on
first use, so importing a pure module of the package pulls in no solver.
"""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    """``optimize.pipeline.plan_for``, imported on first use."""
    if name == "plan_for":
        from optimize.pipeline.entry import plan_for

        return plan_for
    raise AttributeError(f"module 'optimize.pipeline' has no attribute {name!r}")
