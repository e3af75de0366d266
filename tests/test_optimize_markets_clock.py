"""The drivers' clock: 4 h of continuous driving then 20 min, stops as rests, nights."""

from __future__ import annotations

from optimize.markets.clock import Clock, DrivingRules

H = 3600


def test_a_break_each_four_hours_of_driving() -> None:
    clock = Clock(DrivingRules(), 0.0)
    clock.drive(9 * H, 700_000)
    assert [b.start_s for b in clock.breaks] == [4 * H, 8 * H + 1200]
    assert clock.t_s == 9 * H + 2400 and clock.drive_s == 9 * H
    assert clock.distance_m == 700_000


def test_exactly_four_hours_needs_no_break_until_driving_goes_on() -> None:
    clock = Clock(DrivingRules(), 0.0)
    clock.drive(4 * H, 1.0)
    assert clock.breaks == []
    clock.drive(60, 1.0)
    assert [b.start_s for b in clock.breaks] == [4 * H]


def test_a_long_stop_is_a_rest_a_short_one_is_not() -> None:
    clock = Clock(DrivingRules(), 0.0)
    clock.drive(3 * H, 1.0)
    clock.stop(600)                       # 10 min: not a rest
    clock.drive(2 * H, 1.0)
    assert [b.start_s for b in clock.breaks] == [4 * H + 600]
    clock = Clock(DrivingRules(), 0.0)
    clock.drive(3 * H, 1.0)
    clock.stop(1200)                      # 20 min: a rest
    clock.drive(2 * H, 1.0)
    assert clock.breaks == []


def test_multi_day_leg_stands_overnight() -> None:
    clock = Clock(DrivingRules(), 6 * H, day_work_s=8 * H)
    clock.drive(12 * H, 1.0)
    # day 1: 4 h, rest, 3 h 40 min (8 h of work); day 2 from 06:00: 4 h, rest, 20 min
    assert clock.nights == 1
    assert clock.t_s == 86_400 + 6 * H + 4 * H + 1200 + 1200
    assert [b.start_s for b in clock.breaks] == [10 * H, 86_400 + 10 * H]
