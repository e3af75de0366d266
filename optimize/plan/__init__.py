"""Plans: the saved format, its typed metadata, KPIs, files on disk and an independent check.

- :mod:`optimize.plan.format`: constants of ``coldchain-plan/1`` (pure Python);
- :mod:`optimize.plan.model`: :class:`PlanMeta`, the typed ``plan.json`` (pure Python);
- :mod:`optimize.plan.kpis`: the KPIs from a plan's layers (pandas);
- :mod:`optimize.plan.io`: the :class:`~optimize.plan.io.Plan` (GeoDataFrames), saving and
  loading plan directories (geopandas);
- :mod:`optimize.plan.verify`: recompute KPIs and constraints of a plan.

Only the pure modules are re-exported here, so ``import optimize.plan`` stays light.
"""

from optimize.plan.format import LAYERS, SCHEMA
from optimize.plan.model import PlanMeta

__all__ = ["LAYERS", "SCHEMA", "PlanMeta"]
