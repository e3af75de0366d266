"""Poor villages first: when the packing for tonnes leaves them behind, pack for weighted tonnes.

The seed (PLANNING-MODEL.md): "the eight counties that were still poverty counties in 2020
and the poorest villages come first". :func:`optimize.fleet.shared.plan_fleet_day` packs
the day for the most tonnes (``Job.worth``). Where trips of poor villages carry fewer
tonnes per truck-hour than the rest, a short fleet drops them first: measured on the
Gansu plan of session 4, the poverty counties' produce was collected at 41.4 / 66.1 /
52.9 % (early summer / summer / autumn) against 63.9 / 54.7 / 66.6 % for the rest, and
宕昌, 西和 and 礼县 got nothing in autumn.

Rule (:func:`pack_with_priority`): pack for plain tonnes; if the priority produce (tonnes
of villages weighing more than 1, the scenario's ``poverty_weight``) then keeps a smaller
share of its trips' tonnes than the rest keeps of theirs, pack again with every job worth
its weighted tonnes (``Job.value``) and keep that packing. Where poor villages already do
at least as well (Linxia: 99.7 % of the poverty counties' trip tonnes against 92.5 %),
the packing for tonnes stands: weighting there measured 100.0 % against 91.8 %, 94.84 %
of all truck-needed produce instead of 95.13 %.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

import numpy as np

from optimize.fleet.shared import DEFAULT_REACH_S, FleetDay, Job, plan_fleet_day

#: ``seasons.seasons[*].kpis.packing`` of each rule.
PLAIN, WEIGHTED = "tonnes", "poverty-weighted tonnes"


def kept_shares(jobs: Sequence[Job], dropped: Sequence[str],
                priority_t: Mapping[str, float]) -> tuple[float, float] | None:
    """(share of the priority tonnes kept, share of the other tonnes kept) over ``jobs``
    (``priority_t``: job id -> its priority villages' tonnes); ``None`` unless both
    kinds have tonnes."""
    gone = set(dropped)
    prio = np.array([priority_t.get(j.job_id, 0.0) for j in jobs])
    rest = np.array([j.load_t for j in jobs]) - prio
    kept = np.array([j.job_id not in gone for j in jobs])
    if prio.sum() <= 1e-9 or rest.sum() <= 1e-9:
        return None
    return float(prio[kept].sum() / prio.sum()), float(rest[kept].sum() / rest.sum())


def pack_with_priority(jobs: Sequence[Job], priority_t: Mapping[str, float],
                       drive_s: np.ndarray, n_trucks: int, shift_s: int, *,
                       reach_s: int = DEFAULT_REACH_S, lead_s: np.ndarray | None = None
                       ) -> tuple[FleetDay, str]:
    """The day packed by the rule of the module: (packing, :data:`PLAIN` or
    :data:`WEIGHTED`). ``jobs`` carry their weighted tonnes in ``value``."""
    plain = plan_fleet_day([dataclasses.replace(j, value=None) for j in jobs], drive_s,
                           n_trucks, shift_s, reach_s=reach_s, lead_s=lead_s)
    shares = kept_shares(jobs, plain.dropped, priority_t)
    if not plain.dropped or shares is None or shares[0] >= shares[1] - 1e-9:
        return plain, PLAIN
    return plan_fleet_day(list(jobs), drive_s, n_trucks, shift_s, reach_s=reach_s,
                          lead_s=lead_s), WEIGHTED
