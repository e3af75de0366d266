"""Market runs on hand-checkable cases: two stores and one market, hours that cut a run,
a 4 h drive that needs a break, the shift end, the market's intake, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from optimize.errors import SpecificationError
from optimize.markets.model import StoreStock, TruckTime
from optimize.markets.runs import RunOptions, plan_market_runs
from optimize.markets.table import Market
from optimize.markets.travel import table_from_pairs

H = 3600


def _travel(ids: list[str], legs: dict[tuple[str, str], tuple[float, float]]):
    """Symmetric table; ``legs`` gives (time_s, distance_km) per pair; diagonal 0."""
    n = len(ids)
    t, d = np.full((n, n), np.nan), np.full((n, n), np.nan)
    np.fill_diagonal(t, 0.0)
    np.fill_diagonal(d, 0.0)
    for (a, b), (sec, km) in legs.items():
        i, j = ids.index(a), ids.index(b)
        t[i, j] = t[j, i] = sec
        d[i, j] = d[j, i] = km * 1000
    return table_from_pairs(ids, t, d)


def _market(mid: str = "M", open_h: float = 6, close_h: float = 22, intake: float = 100.0,
            crops: tuple[str, ...] = ("apple",)) -> Market:
    return Market(mid, mid, 104.0, 36.0, crops, intake, int(open_h * H), int(close_h * H))


def _two_stores():
    travel = _travel(["S1", "S2", "M"], {("S1", "S2"): (1800, 30), ("S2", "M"): (H, 60),
                                         ("S1", "M"): (H, 60)})
    stores = [StoreStock("S1", {"apple": 2.0}, "one"), StoreStock("S2", {"apple": 2.0}, "two")]
    return travel, stores


def test_two_stores_one_market_one_run_picks_up_both() -> None:
    travel, stores = _two_stores()
    truck = TruckTime("T1", "S1", 14 * H, 22 * H, 5.0)
    flow = plan_market_runs([truck], stores, [_market()], travel)
    assert len(flow.runs) == 1
    run = flow.runs[0]
    # 14:00 at S1, load 20 min; S2 at 14:50, load; market at 15:10 + 1 h = 16:10;
    # unload 30 min; back at S1 17:40. 0 + 30 + 60 + 60 km.
    assert [s.store_id for s in run.stops] == ["S1", "S2"]
    assert [s.arrival_s for s in run.stops] == [14 * H, 14 * H + 3000]
    assert run.market_arrival_s == 14 * H + 3000 + 1200 + H
    assert run.end_s == run.market_arrival_s + 1800 + H
    assert run.distance_m == 150_000
    assert [s.load_after_t for s in run.stops] == [2.0, 4.0]
    assert run.breaks == ()
    assert run.tonne_km == 30 * 2.0 + 60 * 4.0 and run.paid_s == 3 * H + 2400
    assert flow.delivered_t_by_market == {"M": 4.0}
    assert flow.left_for_buyers_t_by_store == {"S1": 0.0, "S2": 0.0}


def test_capacity_and_intake_leave_the_rest_for_buyers() -> None:
    travel, stores = _two_stores()
    truck = TruckTime("T1", "S1", 14 * H, 22 * H, 5.0)
    flow = plan_market_runs([truck], stores, [_market(intake=3.0)], travel)
    assert flow.delivered_t_by_market == {"M": 3.0}
    assert flow.left_for_buyers_t_by_store == {"S1": 0.0, "S2": 1.0}
    assert flow.market_t + flow.left_for_buyers_t == pytest.approx(4.0)


def test_closing_hours_cut_the_near_market_and_the_far_one_is_taken() -> None:
    travel = _travel(["S1", "A", "B"], {("S1", "A"): (H, 60), ("S1", "B"): (2 * H, 120),
                                        ("A", "B"): (H, 60)})
    stores = [StoreStock("S1", {"apple": 3.0})]
    truck = TruckTime("T1", "S1", 14 * H, 22 * H, 5.0)
    # A closes at 15:00; the truck reaches it at 15:20 at the earliest (load 20 min + 1 h).
    near_closed = [_market("A", close_h=15), _market("B")]
    flow = plan_market_runs([truck], stores, near_closed, travel)
    assert [r.market_id for r in flow.runs] == ["B"]
    assert flow.runs[0].market_arrival_s == 14 * H + 1200 + 2 * H
    only_closed = plan_market_runs([truck], stores, [_market("A", close_h=15)],
                                   _travel(["S1", "A"], {("S1", "A"): (H, 60)}))
    assert only_closed.runs == []
    assert only_closed.left_for_buyers_t_by_store == {"S1": 3.0}


def test_early_truck_waits_for_the_market_to_open() -> None:
    travel = _travel(["S1", "M"], {("S1", "M"): (H, 60)})
    truck = TruckTime("T1", "S1", 5 * H, 22 * H, 5.0)
    flow = plan_market_runs([truck], [StoreStock("S1", {"apple": 1.0})],
                            [_market(open_h=8)], travel)
    assert flow.runs[0].market_arrival_s == 8 * H        # there at 6:20, waits until 8:00
    assert flow.runs[0].end_s == 8 * H + 1800 + H


def test_a_five_hour_drive_takes_a_break_after_four_hours() -> None:
    travel = _travel(["S1", "M"], {("S1", "M"): (5 * H, 300)})
    truck = TruckTime("T1", "S1", 6 * H, 20 * H, 5.0)
    flow = plan_market_runs([truck], [StoreStock("S1", {"apple": 4.0})], [_market()], travel)
    run = flow.runs[0]
    # load 6:00-6:20, drive 4 h, rest 10:20-10:40, 1 h more: market 11:40; unload 30 min
    # (a rest); 4 h, rest 16:10-16:30, 1 h: back 17:30.
    assert [(b.start_s, b.duration_s) for b in run.breaks] == [(6 * H + 1200 + 4 * H, 1200),
                                                               (16 * H + 600, 1200)]
    assert run.market_arrival_s == 11 * H + 2400
    assert run.end_s == 17 * H + 1800
    assert run.drive_s == 10 * H and run.distance_m == 600_000
    short = TruckTime("T1", "S1", 6 * H, 17 * H, 5.0)      # shift ends before 17:30
    assert plan_market_runs([short], [StoreStock("S1", {"apple": 4.0})], [_market()],
                            travel).runs == []


def test_a_truck_makes_a_second_run_when_time_is_left() -> None:
    travel = _travel(["S1", "M"], {("S1", "M"): (H, 60)})
    truck = TruckTime("T1", "S1", 8 * H, 18 * H, 5.0)
    flow = plan_market_runs([truck], [StoreStock("S1", {"apple": 12.0})], [_market()], travel)
    # each run: 20 min load + 1 h + 30 min unload + 1 h = 2 h 50 min; four fit in 10 h
    assert [r.load_t for r in flow.runs] == [5.0, 5.0, 2.0]
    assert [r.start_s for r in flow.runs] == [8 * H, 8 * H + 10200, 8 * H + 20400]
    assert flow.left_for_buyers_t_by_store == {"S1": 0.0}


def test_only_crops_the_market_takes_are_loaded() -> None:
    travel = _travel(["S1", "M"], {("S1", "M"): (H, 60)})
    truck = TruckTime("T1", "S1", 8 * H, 18 * H, 10.0)
    flow = plan_market_runs([truck], [StoreStock("S1", {"apple": 2.0, "potato": 3.0})],
                            [_market(crops=("potato",))], travel)
    assert flow.runs[0].load_by_crop == {"potato": 3.0}
    assert flow.left_for_buyers_by_crop == {"S1": {"apple": 2.0}}


def test_a_long_haul_leg_is_lent_an_idle_truck_and_counts_its_days() -> None:
    travel = _travel(["S1", "P"], {("S1", "P"): (10 * H, 800)})
    outlet = Market("P", "P", 118.0, 24.5, ("apple",), 100.0, 6 * H, 22 * H, "long_haul")
    idle = TruckTime("T9", "S1", 6 * H, 14 * H, 6.0, has_collection=False)
    busy = TruckTime("T1", "S1", 14 * H, 14 * H, 6.0)   # collected all shift: no time left
    flow = plan_market_runs([busy, idle], [StoreStock("S1", {"apple": 5.0})], [outlet], travel)
    assert flow.lent_truck_ids == ["T9"]
    run = flow.runs[0]
    # 8 h a day: day 1 load 20 min, 4 h, rest, 3 h 20 min; day 2 2 h 40 min -> 08:40
    # unload; 4 h, rest, 30 min; day 3 4 h, rest, 1 h 30 min: back at 11:50 on day 3.
    assert run.market_arrival_s == 86_400 + 8 * H + 2400
    assert run.end_s == 2 * 86_400 + 11 * H + 3000
    assert run.days == 3 and flow.long_haul_truck_days == 3
    assert run.load_t == 6.0 and run.distance_m == 1_600_000
    assert run.tonne_km == 6.0 * 800
    assert run.paid_s == 20 * H + 3 * 1200 + 1200 + 1800   # drive, 3 rests, load, unload
    assert flow.delivered_t_by_market == {"P": pytest.approx(2.0)}      # 6 t / 3 days
    assert flow.left_for_buyers_t_by_store == {"S1": pytest.approx(3.0)}


def test_no_long_haul_without_a_full_truckload_or_within_shelf_life() -> None:
    travel = _travel(["S1", "P"], {("S1", "P"): (10 * H, 800)})
    outlet = Market("P", "P", 118.0, 24.5, ("apple", "vegetables"), 100.0, 6 * H, 22 * H,
                    "long_haul")
    idle = TruckTime("T9", "S1", 6 * H, 14 * H, 6.0, has_collection=False)
    thin = plan_market_runs([idle], [StoreStock("S1", {"apple": 1.0})], [outlet], travel)
    assert thin.runs == [] and thin.lent_truck_ids == []        # 3 days x 1 t < 6 t
    far = _travel(["S1", "P"], {("S1", "P"): (64 * H, 5000)})
    flow = plan_market_runs([idle], [StoreStock("S1", {"vegetables": 9.0, "apple": 9.0})],
                            [outlet], far)
    # 64 h of driving at 7 h 40 min a day is more than 7 days: vegetables (7 days) stay
    assert flow.runs[0].load_by_crop == {"apple": 6.0}
    assert flow.runs[0].market_arrival_s - flow.runs[0].stops[0].arrival_s > 7 * 86_400


def test_bad_input_names_the_item() -> None:
    travel, stores = _two_stores()
    trucks = [TruckTime("T1", "X", 14 * H, 13 * H, 0.0)]
    with pytest.raises(SpecificationError) as err:
        plan_market_runs(trucks, [*stores, StoreStock("S1", {"durian": 1.0})], [_market()],
                         travel)
    text = str(err.value)
    for words in ("store 'S1': given twice", "truck 'T1': capacity_t 0.0",
                  "free_until_s 46800 before", "'durian'", "truck base 'X': no row"):
        assert words in text


def test_min_load_skips_a_tiny_run() -> None:
    travel = _travel(["S1", "M"], {("S1", "M"): (H, 60)})
    truck = TruckTime("T1", "S1", 8 * H, 18 * H, 5.0)
    flow = plan_market_runs([truck], [StoreStock("S1", {"apple": 0.2})], [_market()], travel,
                            options=RunOptions(min_load_t=0.5))
    assert flow.runs == [] and flow.left_for_buyers_t_by_store == {"S1": 0.2}


def test_idle_trucks_go_long_haul_first_unless_told_otherwise() -> None:
    travel = _travel(["S1", "M", "P"], {("S1", "M"): (H, 60), ("S1", "P"): (10 * H, 800),
                                        ("M", "P"): (10 * H, 800)})
    outlet = Market("P", "P", 118.0, 24.5, ("apple",), 100.0, 6 * H, 22 * H, "long_haul")
    idle = TruckTime("T9", "S1", 6 * H, 14 * H, 6.0, has_collection=False)
    stores = [StoreStock("S1", {"apple": 5.0})]
    first = plan_market_runs([idle], stores, [_market(), outlet], travel)
    assert [r.kind for r in first.runs] == ["long_haul"]
    # the 3 t a day the leg leaves (6 t per 3 days) are not carried: the truck is away
    assert first.delivered_t_by_market == {"M": 0.0, "P": pytest.approx(2.0)}
    later = plan_market_runs([idle], stores, [_market(), outlet], travel,
                             options=RunOptions(long_haul_first=False))
    assert [r.kind for r in later.runs] == ["wholesale"]
    assert later.lent_truck_ids == [] and later.delivered_t_by_market["M"] == 5.0


def test_invariants_on_a_seeded_random_day() -> None:
    from optimize.markets.travel import travel_with_markets

    rng = np.random.default_rng(3)
    points = {f"S{k}": (103.0 + rng.uniform(0, 1.5), 35.0 + rng.uniform(0, 1.0))
              for k in range(30)}
    crops = ("apple", "vegetables", "potato")
    stores = [StoreStock(s, {crops[k % 3]: float(rng.uniform(0, 12))}, s, "622901")
              for k, s in enumerate(points)]
    markets = [Market(f"M{k}", f"M{k}", 103.0 + rng.uniform(0, 1.5), 35.0 + rng.uniform(0, 1),
                      crops[: 1 + k % 3], float(rng.uniform(5, 60)), int(rng.uniform(4, 10) * H),
                      int(rng.uniform(15, 23) * H)) for k in range(5)]
    markets.append(Market("P", "P", 118.09, 24.48, ("apple", "potato"), 30.0, 6 * H, 22 * H,
                          "long_haul", serves_regions=("6229",)))
    trucks = [TruckTime(f"T{k}", f"S{k}", float(rng.uniform(6, 15)) * H, 18 * H, 5.0,
                        has_collection=k % 4 != 0) for k in range(12)]
    flow = plan_market_runs(trucks, stores, markets, travel_with_markets(None, points, markets))
    assert flow.runs and any(r.kind == "long_haul" for r in flow.runs)
    supply = sum(sum(s.stock_t.values()) for s in stores)
    assert flow.market_t + flow.left_for_buyers_t == pytest.approx(supply)
    by_id = {m.market_id: m for m in markets}
    for market_id, tonnes in flow.delivered_t_by_market.items():
        assert tonnes <= by_id[market_id].daily_intake_t + 1e-9
    free = {t.truck_id: t for t in trucks}
    for run in flow.runs:
        assert run.load_t <= free[run.truck_id].capacity_t + 1e-9
        assert sum(s.pickup_t for s in run.stops) == pytest.approx(run.load_t)
        if run.kind == "wholesale":
            m = by_id[run.market_id]
            assert m.open_s <= run.market_arrival_s <= m.close_s
            assert free[run.truck_id].free_from_s <= run.start_s
            assert run.end_s <= free[run.truck_id].free_until_s
        else:
            assert run.load_t == pytest.approx(5.0) and run.days > 1
    for truck_id in free:
        mine = sorted((r.start_s, r.end_s) for r in flow.runs if r.truck_id == truck_id)
        assert all(a[1] <= b[0] for a, b in zip(mine, mine[1:], strict=False))
