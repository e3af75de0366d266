"""A SYNTHETIC saved plan of any size (labelled so in its name and approximations).

Used by the 17,718-settlement page benchmark (``benchmarks/page_perf.py``) and a browser
test that checks the page is correct at that size. Settlements sit on a jittered grid
over 8 square "counties" in Linxia's bounding box; stores, trucks and routes are
deterministic (seeded), so two runs write identical files.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

GANSU_SETTLEMENTS = 17_718
BBOX = (102.6, 35.1, 103.9, 36.3)
COUNTIES = 8


def _fc(features: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": features}


def _point(lon: float, lat: float, props: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": props}


def _county_of(lon: float) -> int:
    width = (BBOX[2] - BBOX[0]) / COUNTIES
    return min(COUNTIES - 1, int((lon - BBOX[0]) / width))


def _counties(rows: list[dict[str, Any]]) -> dict[str, Any]:
    width = (BBOX[2] - BBOX[0]) / COUNTIES
    feats = []
    for i in range(COUNTIES):
        x0, x1 = BBOX[0] + i * width, BBOX[0] + (i + 1) * width
        ring = [[x0, BBOX[1]], [x1, BBOX[1]], [x1, BBOX[3]], [x0, BBOX[3]], [x0, BBOX[1]]]
        mine = [r for r in rows if r["county_code"] == f"6299{i:02d}"]
        served = sum(1 for r in mine if r["store_id"])
        feats.append({"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]},
                      "properties": {"county_code": f"6299{i:02d}", "county_name": f"合成县 {i}",
                                     "poverty_county": i % 2 == 0, "settlements": len(mine),
                                     "supply_t": float(len(mine)), "covered_t": float(served),
                                     "coverage_pct": round(100 * served / max(1, len(mine)), 1),
                                     "stores": 0, "access_time_mean_s": 1200}})
    return _fc(feats)


def synthetic_layers(n: int, stores: int = 100, seed: int = 0) -> tuple[dict, dict]:
    """(plan.json, layers) of a synthetic plan with ``n`` settlements."""
    rng = random.Random(seed)
    store_pts = [(rng.uniform(BBOX[0], BBOX[2]), rng.uniform(BBOX[1], BBOX[3]))
                 for _ in range(stores)]
    colours = [f"#{rng.randrange(0x1000000):06x}" for _ in range(stores)]
    settlements, rows = [], []
    for i in range(n):
        lon, lat = rng.uniform(BBOX[0], BBOX[2]), rng.uniform(BBOX[1], BBOX[3])
        county = _county_of(lon)
        near = min(range(stores), key=lambda s: (store_pts[s][0] - lon) ** 2
                   + (store_pts[s][1] - lat) ** 2)
        served = i % 50 != 0
        props = {"settlement_id": f"6299{county:02d}{i:06d}", "name": f"合成村 {i}",
                 "township_name": "合成镇", "county_code": f"6299{county:02d}",
                 "county_name": f"合成县 {county}", "poor": county % 2 == 0, "supply_t": 1.0,
                 "store_id": f"S{near}" if served else None,
                 "access_time_s": 600 + i % 3000 if served else None,
                 "location_method": "synthetic",
                 "unserved_reason": None if served else "synthetic: beyond the access limit"}
        rows.append(props)
        settlements.append(_point(lon, lat, props))
    store_props = [{"store_id": f"S{s}", "name": f"合成冷库 {s}", "site_settlement_id": "",
                    "county_code": f"6299{_county_of(store_pts[s][0]):02d}", "tier": "500 t",
                    "capacity_t": 500, "build_cost_yuan": 750000, "subsidy_yuan": 370000,
                    "load_t": 100.0, "settlements_served": n // stores, "trucks": 1,
                    "colour": colours[s]} for s in range(stores)]
    store_fc = _fc([_point(*store_pts[s], p) for s, p in enumerate(store_props)])
    routes = []
    for s in range(stores):
        x, y = store_pts[s]
        line = [[x, y], [x + 0.02, y + 0.01], [x + 0.03, y - 0.01], [x, y]]
        routes.append({"type": "Feature", "geometry": {"type": "LineString", "coordinates": line},
                       "properties": {"route_id": f"R{s}", "truck_id": f"T{s}",
                                      "store_id": f"S{s}", "trip": 1, "stops_count": 2,
                                      "load_t": 3.0, "distance_m": 9000.0, "duration_s": 1800,
                                      "start_s": 21600, "store_arrival_s": 23400,
                                      "end_s": 24600, "max_age_s": 1800,
                                      "colour": colours[s], "approximate_geometry": True}})
    layers = {"counties": _counties(rows), "settlements": _fc(settlements),
              "stores": store_fc, "routes": _fc(routes)}
    return _meta(n, store_props, routes), layers


def _meta(n: int, store_props: list[dict], routes: list[dict]) -> dict[str, Any]:
    served = sum(1 for i in range(n) if i % 50 != 0)
    return {
        "schema": "coldchain-plan/1", "plan_id": "synthetic", "name": f"SYNTHETIC {n} settlements",
        "created_at": "2026-01-01T00:00:00Z",
        "region": {"level": "prefecture", "code": "6299", "name": "合成 SYNTHETIC",
                   "bbox": list(BBOX)},
        "scenario": {}, "road_network": {"source": "approximate", "approximate": True,
                                         "nodes": 0, "edges": 0, "dropped_nodes": 0,
                                         "note": "synthetic"},
        "approximations": ["SYNTHETIC plan for a page-size benchmark: nothing here is real"],
        "assumptions": [],
        "kpis": {"settlements": n, "settlements_served": served, "coverage_pct": 98.0,
                 "stores": len(store_props), "trucks": len(routes),
                 "trucks_used": len(routes), "truck_trips": len(routes)},
        "stores": store_props,
        "trucks_per_depot": [{"store_id": p["store_id"], "trucks": 1} for p in store_props],
        "routes": [dict(r["properties"], stops=[]) for r in routes],
        "unserved": [{"settlement_id": f"x{i}", "name": f"合成村 {i}", "county_code": "629900",
                      "stage": "siting", "reason": "synthetic"} for i in range(0, n, 50)],
        "solver": {"siting": {"status": "SYNTHETIC", "gap_pct": 0.0}, "routing": {}},
        "attributions": [],
    }


def write_synthetic_plan(root: Path, n: int = GANSU_SETTLEMENTS,
                         plan_id: str = "synthetic") -> Path:
    """Write the synthetic plan as ``root/plan_id``; return its directory."""
    meta, layers = synthetic_layers(n)
    meta["plan_id"] = plan_id
    out = root / plan_id
    (out / "layers").mkdir(parents=True, exist_ok=True)
    (out / "plan.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    for name, data in layers.items():
        (out / "layers" / f"{name}.geojson").write_text(json.dumps(data, ensure_ascii=False),
                                                        encoding="utf-8")
    return out
