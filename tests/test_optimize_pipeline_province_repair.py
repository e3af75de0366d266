"""Border repair on a hand-checkable case."""

from __future__ import annotations

import pandas as pd

from optimize.pipeline.province.repair import reassign_across_borders


def test_border_repair_moves_only_what_qualifies() -> None:
    unserved = "no store within the access limit"
    settle = pd.DataFrame({
        "settlement_id": list("ABCDEFGH"),
        "county_code": ["620201"] * 8,
        "supply_t": [40.0, 30.0, 10.0, 60.0, 5.0, 20.0, 10.0, 5.0],
        "store_id": [None, "6202-S001", "6202-S001", None, None, None, None, "6202-S001"],
        "access_time_s": pd.array([None, 5000, 5000, None, None, None, None, 6000],
                                  dtype="Int64"),
        "unserved_reason": [unserved, None, None, unserved,
                            "off the road network: 9.0 km from the nearest road node",
                            unserved, unserved, None],
    })
    stores = pd.DataFrame({"store_id": ["6202-S001", "6203-S001", "6203-S002"],
                           "county_code": ["620201", "620301", "620302"],
                           "capacity_t": [300.0, 200.0, 100.0],
                           "load_t": [240.0, 70.0, 70.0]})  # spare 60, 130, 30 t
    times = pd.DataFrame([
        ("A", "6203-S001", 3000), ("B", "6202-S001", 5000), ("B", "6203-S001", 4000),
        ("C", "6202-S001", 5000), ("C", "6203-S001", 4700), ("D", "6203-S001", 3500),
        ("E", "6203-S001", 100), ("F", "6202-S001", 1000), ("F", "6203-S002", 2000),
        ("G", "6203-S001", 6000), ("H", "6203-S002", 3000)],
        columns=["settlement_id", "store_id", "time_s"])
    moves = reassign_across_borders(settle, stores, times, limit_s=7200)
    got = [(m.settlement_id, m.from_store, m.to_store, m.time_after_s) for m in moves]
    # Unserved first, largest supply first: D (60 t) and A (40 t) fill 6203-S001 from 130 to
    # 30 t spare; F skips its own prefecture's store for 6203-S002 (30 -> 10 t); G takes
    # 10 t more of 6203-S001 (-> 20 t). Then served villages by saving: H saves 3,000 s
    # and fits 6203-S002; B saves 1,000 s but 30 t no longer fit; C saves only 300 s
    # (< 600); E is off the network.
    assert got == [("D", None, "6203-S001", 3500), ("A", None, "6203-S001", 3000),
                   ("F", None, "6203-S002", 2000), ("G", None, "6203-S001", 6000),
                   ("H", "6202-S001", "6203-S002", 3000)]
    assert reassign_across_borders(settle, stores, times, limit_s=7200,
                                   min_saving_s=1000)[-1].settlement_id == "H"
