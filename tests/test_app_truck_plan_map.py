"""The truck plan's map layers (app.truck_plan_map): a trip's tooltip."""

from __future__ import annotations

from app.truck_plan_map import run_tip

TRIP = {"route_id": "autumn-T001-2", "truck_id": "T001", "season": "autumn",
        "kind": "collection", "base_id": "S1", "store_id": "S3", "start_s": 25200,
        "end_s": 30600, "load_t": 2.5, "distance_m": 23_000, "cost_yuan": 210.0}


def test_trip_tooltip_says_where_the_trip_starts() -> None:
    tip = run_tip({**TRIP, "start_id": "S2"})
    assert "base 基地: S1<br>from 出发: S2<br>to 送至: S3" in tip
    assert "07:00–08:30" in tip and "23.0 km" in tip
    # a layer without start_id (older plans) shows no start line
    assert "from 出发" not in run_tip(TRIP)
