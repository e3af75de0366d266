"""The plan's KPIs from its layers, in one place, so the pipeline and the check agree.

The keys are those of ``plan.json``'s ``kpis`` (see ``docs/PLAN-FORMAT.md`` and
:class:`optimize.plan.model.Kpis`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd


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
    season: str | None = None,
) -> dict[str, Any]:
    """The plan's KPIs from its layers (one place, so verify and pipeline agree).

    ``settlements`` needs supply_t, store_id, access_time_s, poor, county_code;
    ``stores`` capacity_t, build_cost_yuan, subsidy_yuan; ``routes`` truck_id,
    distance_m, duration_s, load_t. With ``season`` (a seasonal plan's headline season),
    the route figures count only that season's collection trips (a ``season`` column).
    """
    if season is not None and "season" in routes.columns:
        keep = routes["season"] == season
        if "kind" in routes.columns:
            keep &= routes["kind"] == "collection"
        routes = routes[keep]
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
