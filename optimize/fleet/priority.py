"""Poor villages first: when the packing for tonnes leaves them behind, pack for weighted tonnes.

The seed (PLANNING-MODEL.md): "the eight counties that were still poverty counties in 2020
and the poorest villages come first". :func:`optimize.fleet.shared.plan_fleet_day` packs
the day for the most tonnes (``Job.worth``). Where trips of poor villages carry fewer
tonnes per truck-hour than the rest, a short fleet drops them first: measured on the
Gansu plan of session 4, the poverty counties' produce was collected at 41.4 / 66.1 /
52.9 % (early summer / summer / autumn) against 63.9 / 54.7 / 66.6 % for the rest, and
宕昌, 西和 and 礼县 got nothing in autumn.

Rule (:func:`pack_with_priority`): pack for plain tonnes with the greedy pass alone (step
1-3 of :mod:`optimize.fleet.shared`, a few seconds); if the priority produce (tonnes of
villages weighing more than 1, the scenario's ``poverty_weight``) then keeps a smaller
share of its trips' tonnes than the rest keeps of theirs, the day is packed with every job
worth its weighted tonnes (``Job.value``), else for plain tonnes (the full packing, once).
The first version packed fully twice: on the Gansu plan that put the plan at 36 min under
a load of 5 on 2 cores (1,101 s of CPU against 890 s before). Measured on Gansu with the full
packing as the test (session 5, load ~5): early summer and autumn packed for weighted
tonnes, the poverty counties 41.4 -> 77.0 % and 52.9 -> 86.4 %, the rest 63.9 -> 55.7 % and
66.6 -> 57.2 %, all truck-needed produce 60.8 -> 58.6 % and 64.3 -> 62.2 % (陇南 0.0 ->
22.3 % and 0.6 -> 28.7 %); summer stayed packed for tonnes (66.1 % against 54.7 %).
Where poor villages already do at least as well (Linxia: 99.7 % of the
poverty counties' trip tonnes against 92.5 %), the packing for tonnes stands: weighting
there measured 100.0 % against 91.8 %, 94.84 % of all truck-needed produce instead of
95.13 %.
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
    plain = [dataclasses.replace(j, value=None) for j in jobs]
    probe = plan_fleet_day(plain, drive_s, n_trucks, shift_s, reach_s=reach_s,
                           lead_s=lead_s, improve=False)
    shares = kept_shares(jobs, probe.dropped, priority_t)
    weighted = bool(probe.dropped) and shares is not None and shares[0] < shares[1] - 1e-9
    return plan_fleet_day(list(jobs) if weighted else plain, drive_s, n_trucks, shift_s,
                          reach_s=reach_s, lead_s=lead_s), WEIGHTED if weighted else PLAIN
