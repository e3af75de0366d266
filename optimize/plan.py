"""The Plan: what a planning run produced, its KPIs, and its files on disk.

A plan is frozen: the metadata of ``plan.json`` (see ``docs/PLAN-FORMAT.md``) plus four
GeoDataFrames in EPSG:4326 (counties, settlements, stores, routes). ``save_plan`` writes
the directory the web app reads; ``load_plan`` reads it back. Nothing here solves.
"""

from __future__ import annotations

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

SCHEMA = "coldchain-plan/1"
LAYERS = ("counties", "settlements", "stores", "routes")


@dataclass(frozen=True)
class Plan:
    """A finished plan: ``meta`` is plan.json; the layers are GeoDataFrames (EPSG:4326)."""

    meta: dict[str, Any]
    counties: gpd.GeoDataFrame
    settlements: gpd.GeoDataFrame
    stores: gpd.GeoDataFrame
    routes: gpd.GeoDataFrame

    @property
    def kpis(self) -> dict[str, Any]:
        """The plan's key figures (see ``docs/PLAN-FORMAT.md``)."""
        return dict(self.meta["kpis"])

    def summary(self) -> str:
        """A few lines for the terminal: coverage, stores, trucks, access time, gap."""
        k = self.kpis
        gap = self.meta["solver"]["siting"].get("gap_pct")
        lines = [
            f"{self.meta['name']} ({self.meta['region']['name']})",
            f"  stores {k['stores']} ({k['storage_capacity_t']:,.0f} t), subsidy "
            f"{k['subsidy_yuan']:,.0f} of {k['budget_yuan']:,.0f} yuan",
            f"  supply covered {k['supply_covered_t']:,.0f} of {k['supply_t']:,.0f} t "
            f"({k['coverage_pct']:.1f} %); poor-county villages served "
            + (f"{k['poor_covered_pct']:.1f} %" if k["poor_covered_pct"] is not None
               else "n/a (none in region)"),
            f"  access time mean {k['access_time_mean_s'] / 60:.0f} min, p95 "
            f"{k['access_time_p95_s'] / 60:.0f} min, max {k['access_time_max_s'] / 60:.0f} min",
            f"  trucks {k['trucks_used']} used of {k['trucks']}, {k['truck_trips']} trips, "
            f"{k['route_distance_m'] / 1000:,.0f} km/day; picked up "
            f"{k['daily_pickup_routed_t']:,.1f} of {k['daily_pickup_t']:,.1f} t/day",
            f"  siting gap {gap:.2f} %" if gap is not None else "  siting gap: unknown",
        ]
        if self.meta["road_network"]["approximate"]:
            lines.append("  ROAD NETWORK IS APPROXIMATE (no OSM extract): see approximations")
        return "\n".join(lines)


def jain_index(values: np.ndarray) -> float:
    """Jain's fairness index of non-negative values: 1 = all equal, 1/n = one takes all."""
    x = np.asarray(values, dtype=float)
    if len(x) == 0 or not np.any(x > 0):
        return float("nan")
    return float(x.sum() ** 2 / (len(x) * np.square(x).sum()))


def compute_kpis(
    settlements: pd.DataFrame,
    stores: pd.DataFrame,
    routes: pd.DataFrame,
    *,
    trucks: int,
    budget_yuan: float,
    daily_pickup_t: float,
) -> dict[str, Any]:
    """The plan's KPIs from its layers (one place, so verify and pipeline agree).

    ``settlements`` needs supply_t, store_id, access_time_s, poor, county_code;
    ``stores`` capacity_t, build_cost_yuan, subsidy_yuan; ``routes`` truck_id,
    distance_m, duration_s, load_t.
    """
    served = settlements["store_id"].notna()
    times = settlements.loc[served, "access_time_s"].to_numpy(dtype=float)
    weights = settlements.loc[served, "supply_t"].to_numpy(dtype=float)
    poor = settlements["poor"].astype(bool)
    by_county = settlements.assign(covered=settlements["supply_t"].where(served, 0.0)) \
        .groupby("county_code")[["supply_t", "covered"]].sum()
    by_county = by_county[by_county["supply_t"] > 0]
    supply = float(settlements["supply_t"].sum())
    covered = float(settlements.loc[served, "supply_t"].sum())
    return {
        "settlements": int(len(settlements)),
        "settlements_served": int(served.sum()),
        "supply_t": round(supply, 3),
        "supply_covered_t": round(covered, 3),
        "coverage_pct": _pct(covered, supply),
        "poor_settlements": int(poor.sum()),
        "poor_covered_pct": _pct(float((served & poor).sum()), float(poor.sum()))
        if poor.any() else None,
        "stores": int(len(stores)),
        "storage_capacity_t": float(stores["capacity_t"].sum()) if len(stores) else 0.0,
        "build_cost_yuan": float(stores["build_cost_yuan"].sum()) if len(stores) else 0.0,
        "subsidy_yuan": float(stores["subsidy_yuan"].sum()) if len(stores) else 0.0,
        "budget_yuan": float(budget_yuan),
        "access_time_mean_s": _weighted_mean(times, weights),
        "access_time_p95_s": float(np.percentile(times, 95)) if len(times) else 0.0,
        "access_time_max_s": float(times.max()) if len(times) else 0.0,
        "county_fairness_jain": jain_index(
            (by_county["covered"] / by_county["supply_t"]).to_numpy()),
        "trucks": int(trucks),
        "trucks_used": int(routes["truck_id"].nunique()) if len(routes) else 0,
        "truck_trips": int(len(routes)),
        "route_distance_m": float(routes["distance_m"].sum()) if len(routes) else 0.0,
        "route_duration_s": float(routes["duration_s"].sum()) if len(routes) else 0.0,
        "daily_pickup_t": round(float(daily_pickup_t), 3),
        "daily_pickup_routed_t": round(float(routes["load_t"].sum()), 3) if len(routes) else 0.0,
    }


def _pct(part: float, whole: float) -> float:
    return round(100.0 * part / whole, 2) if whole > 0 else 0.0


def _weighted_mean(values: np.ndarray, weights: np.ndarray) -> float:
    if len(values) == 0:
        return 0.0
    if weights.sum() <= 0:
        return float(values.mean())
    return float(np.average(values, weights=weights))


# -- files ------------------------------------------------------------------------------
def save_plan(plan: Plan, out_dir: str | Path) -> Path:
    """Write ``plan.json`` and ``layers/*.geojson`` (EPSG:4326) into ``out_dir``."""
    out = Path(out_dir)
    (out / "layers").mkdir(parents=True, exist_ok=True)
    text = json.dumps(_json_default(plan.meta), ensure_ascii=False, indent=1,
                      default=_json_default, allow_nan=False)
    (out / "plan.json").write_text(text, encoding="utf-8")
    for name in LAYERS:
        frame: gpd.GeoDataFrame = getattr(plan, name)
        frame = frame.to_crs(4326) if frame.crs is not None else frame.set_crs(4326)
        (out / "layers" / f"{name}.geojson").write_text(_geojson(frame), encoding="utf-8")
    return out


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
    meta = json.loads((root / "plan.json").read_text(encoding="utf-8"))
    if meta.get("schema") != SCHEMA:
        raise ValueError(f"{root / 'plan.json'}: schema {meta.get('schema')!r}, expected {SCHEMA}")
    layers = {n: _read_layer(root / "layers" / f"{n}.geojson") for n in LAYERS}
    return Plan(meta=meta, **layers)


def _read_layer(path: Path) -> gpd.GeoDataFrame:
    data = json.loads(path.read_text(encoding="utf-8"))
    if not data["features"]:
        return gpd.GeoDataFrame(geometry=[], crs=4326)
    return gpd.GeoDataFrame.from_features(data["features"], crs=4326)


def _geojson(frame: gpd.GeoDataFrame) -> str:
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
