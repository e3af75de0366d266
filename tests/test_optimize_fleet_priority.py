"""Poor villages first (optimize.fleet.priority) on hand-checkable days.

Two stores 600 s apart; one truck with a 2,000 s shift has room for one trip. P1 is a
poverty county's 1 t trip (1,200 s), A1 another county's 3 t trip (1,800 s). For tonnes
A1 goes (6 t/h against 3 t/h): the poverty county keeps 0 % of its trip tonnes, the rest
100 %, so the day is packed again for weighted tonnes. At weight 2 P1 is worth 6 t/h, a
tie that the longer A1 wins; at weight 4 (12 t/h) P1 goes.
"""

from __future__ import annotations

import numpy as np

from optimize.fleet.priority import PLAIN, WEIGHTED, kept_shares, pack_with_priority
from optimize.fleet.shared import Job

DRIVE_S = np.array([[0, 600], [600, 0]])


def jobs(weight: float) -> list[Job]:
    return [Job("P1", 1, 1200, 1.0, value=weight * 1.0), Job("A1", 0, 1800, 3.0, value=3.0)]


def test_shares_of_the_priority_and_other_tonnes_kept() -> None:
    assert kept_shares(jobs(2.0), ["P1"], {"P1": 1.0}) == (0.0, 1.0)
    assert kept_shares(jobs(2.0), [], {"P1": 1.0}) == (1.0, 1.0)
    assert kept_shares(jobs(2.0), ["A1"], {}) is None  # no priority tonnes at all


def test_packed_again_for_weighted_tonnes_when_the_poor_fall_behind() -> None:
    day, rule = pack_with_priority(jobs(4.0), {"P1": 1.0}, DRIVE_S, 1, 2000)
    assert rule == WEIGHTED and day.dropped == ("A1",)
    # weight 2: the second packing is made (the poor were behind) but A1 still wins
    # (2 t in 1,200 s = 6 t/h ties A1's 6 t/h; the longer job goes first)
    day, rule = pack_with_priority(jobs(2.0), {"P1": 1.0}, DRIVE_S, 1, 2000)
    assert rule == WEIGHTED and day.dropped == ("P1",)


def test_the_packing_for_tonnes_stands_when_the_poor_are_not_behind() -> None:
    # P1 is the 3 t trip now: kept for tonnes, the other county's trip is dropped
    rich = [Job("P1", 0, 1800, 3.0, value=6.0), Job("A1", 1, 1200, 1.0, value=1.0)]
    day, rule = pack_with_priority(rich, {"P1": 3.0}, DRIVE_S, 1, 2000)
    assert rule == PLAIN and day.dropped == ("A1",)
    # room for both: nothing dropped, nothing to weigh
    day, rule = pack_with_priority(jobs(4.0), {"P1": 1.0}, DRIVE_S, 2, 2000)
    assert rule == PLAIN and day.dropped == ()
