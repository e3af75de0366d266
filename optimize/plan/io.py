"""The Plan: what a planning run produced, and its files on disk.

A plan is frozen: the metadata of ``plan.json`` (see ``docs/PLAN-FORMAT.md``) plus four
GeoDataFrames in EPSG:4326 (counties, settlements, stores, routes). ``save_plan`` writes
the directory the web app reads; ``load_plan`` reads it back. Nothing here solves.
"""

from __future__ import annotations

import functools
import json
import math
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from optimize.plan.format import (
    LAYERS,
    LAYERS_DIR,
    MARKETS_LAYER,
    PLAN_FILE,
    SCHEMA,
    layer_path,
)
from optimize.plan.model import PlanMeta


@dataclass(frozen=True)
class Plan:
    """A finished plan: ``meta`` is plan.json; the layers are GeoDataFrames (EPSG:4326).

    ``info`` is the typed view of ``meta`` (:class:`~optimize.plan.model.PlanMeta`),
    parsed on first use and kept: ``meta`` must not change after that.
    """

    meta: dict[str, Any]
    counties: gpd.GeoDataFrame
    settlements: gpd.GeoDataFrame
    stores: gpd.GeoDataFrame
    routes: gpd.GeoDataFrame

    @functools.cached_property
    def info(self) -> PlanMeta:
        """The typed ``plan.json`` (parsed once per Plan)."""
        return PlanMeta.from_json(self.meta)

    @property
    def kpis(self) -> dict[str, Any]:
        """The plan's key figures (see ``docs/PLAN-FORMAT.md``)."""
        return dict(self.meta["kpis"])

    def summary(self) -> str:
        """A few lines for the terminal: coverage, stores, trucks, access time, gap."""
        info = self.info
        k = info.kpis
        gap = info.solver.siting.gap_pct
        lines = [
            f"{info.name} ({info.region.name})",
            f"  stores {k.stores} ({_f(k.storage_capacity_t):,.0f} t), subsidy "
            f"{_f(k.subsidy_yuan):,.0f} of {_f(k.budget_yuan):,.0f} yuan",
            f"  supply covered {_f(k.supply_covered_t):,.0f} of {_f(k.supply_t):,.0f} t "
            f"({_f(k.coverage_pct):.1f} %); poor-county villages served "
            + (f"{k.poor_covered_pct:.1f} %" if k.poor_covered_pct is not None
               else "n/a (none in region)"),
            f"  access time mean {_f(k.access_time_mean_s) / 60:.0f} min, p95 "
            f"{_f(k.access_time_p95_s) / 60:.0f} min, max "
            f"{_f(k.access_time_max_s) / 60:.0f} min",
            f"  trucks {k.trucks_used} used of {k.trucks}, {k.truck_trips} trips, "
            f"{_f(k.route_distance_m) / 1000:,.0f} km/day; picked up "
            f"{_f(k.daily_pickup_routed_t):,.1f} of {_f(k.daily_pickup_t):,.1f} t/day",
            f"  siting gap {gap:.2f} %" if gap is not None else "  siting gap: unknown",
        ]
        if info.road_network.approximate:
            lines.append("  ROAD NETWORK IS APPROXIMATE (no OSM extract): see approximations")
        return "\n".join(lines)


def _f(value: float | None) -> float:
    """A KPI as a float for formatting (NaN when the plan does not give it)."""
    return float("nan") if value is None else float(value)


# -- files ------------------------------------------------------------------------------
def save_plan(plan: Plan, out_dir: str | Path) -> Path:
    """Write ``plan.json`` and ``layers/*.geojson`` (EPSG:4326) into ``out_dir``."""
    out = Path(out_dir)
    (out / LAYERS_DIR).mkdir(parents=True, exist_ok=True)
    text = json.dumps(_json_default(plan.meta), ensure_ascii=False, indent=1,
                      default=_json_default, allow_nan=False)
    (out / PLAN_FILE).write_text(text, encoding="utf-8")
    for name in LAYERS:
        frame: gpd.GeoDataFrame = getattr(plan, name)
        frame = frame.to_crs(4326) if frame.crs is not None else frame.set_crs(4326)
        (out / layer_path(name)).write_text(layer_geojson(frame), encoding="utf-8")
    if plan.meta.get("markets"):
        (out / layer_path(MARKETS_LAYER)).write_text(json.dumps(
            markets_layer(plan.meta["markets"]), ensure_ascii=False, allow_nan=False),
            encoding="utf-8")
    return out


def markets_layer(markets: list[dict[str, Any]]) -> dict[str, Any]:
    """``layers/markets.geojson``: one Point per market, its plan.json entry as properties
    (as :func:`optimize.markets.table.markets_geojson`)."""
    return {"type": "FeatureCollection",
            "features": [{"type": "Feature",
                          "geometry": {"type": "Point", "coordinates": [m["lon"], m["lat"]]},
                          "properties": m} for m in markets]}


def save_plan_atomically(plan: Plan, out_dir: str | Path) -> Path:
    """Write into a temporary sibling, then swap it in: readers never see half a plan, and
    a failed write leaves the previous plan in place."""
    out = Path(out_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        save_plan(plan, tmp)
        if out.exists():
            shutil.rmtree(out)
        tmp.rename(out)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
    return out


def load_plan(plan_dir: str | Path) -> Plan:
    """Read a plan directory written by :func:`save_plan`."""
    root = Path(plan_dir)
    meta = json.loads((root / PLAN_FILE).read_text(encoding="utf-8"))
    if meta.get("schema") != SCHEMA:
        raise ValueError(f"{root / PLAN_FILE}: schema {meta.get('schema')!r}, expected {SCHEMA}")
    layers = {n: read_layer(root / layer_path(n)) for n in LAYERS}
    return Plan(meta=meta, **layers)


def read_layer(path: Path) -> gpd.GeoDataFrame:
    """One layer file as a GeoDataFrame (EPSG:4326; empty layers have no columns)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if not data["features"]:
        return gpd.GeoDataFrame(geometry=[], crs=4326)
    return gpd.GeoDataFrame.from_features(data["features"], crs=4326)


def layer_geojson(frame: gpd.GeoDataFrame) -> str:
    """GeoJSON text with plain JSON values (NaN -> null) and no index ids."""
    features = []
    for row, geom in zip(frame.drop(columns="geometry").to_dict("records"),
                         frame.geometry, strict=True):
        props = {k: _json_default(v) if not isinstance(v, str) else v for k, v in row.items()}
        features.append({"type": "Feature", "properties": props,
                         "geometry": geom.__geo_interface__ if geom is not None else None})
    return json.dumps({"type": "FeatureCollection", "features": features},
                      ensure_ascii=False, allow_nan=False)


def _json_default(value: Any) -> Any:
    """Plain JSON for numpy scalars, arrays, NaN/NA and tuples."""
    if isinstance(value, list | tuple):
        return [_json_default(v) for v in value]
    if isinstance(value, dict):
        return {k: _json_default(v) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return [_json_default(v) for v in value.tolist()]
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return None if not math.isfinite(float(value)) else float(value)
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    return value
