"""Greedy warm start of the CP-SAT engine: a complete plan the first stage is hinted with.

Sites are opened by covered weighted supply within the budget, ties broken by time saved;
villages are then assigned to the nearest store with room, improved by relocate/swap moves
(:mod:`optimize.siting.moves`), and the tiers right-sized.
"""

from __future__ import annotations

import numpy as np

from optimize.siting.moves import LOCAL_SEARCH_PASSES, Moves
from optimize.siting.prepared import PreparedData, SitingPlan, arcs_by, site_groups
from optimize.siting.problem import LocationProblem
from optimize.siting.result import right_size

_NO_ARCS = np.zeros(0, dtype=np.int64)


def greedy_plan(data: PreparedData) -> SitingPlan:
    """Warm start: open sites greedily, assign nearest-fit, right-size the tiers.

    Sites are added by covered weighted supply, ties (common when every store fills up)
    broken by the supply-weighted time saved, then by the lower index; so the hint follows
    the lexicographic objective. Required sites open first; each new store gets the largest
    tier the budget allows while keeping the cheapest tier affordable for the stores still
    to open. Deterministic.
    """
    problem = data.problem
    site_tier = np.full(problem.n_sites, -1, dtype=np.int64)
    taken = np.zeros(len(data.supply_u), dtype=bool)
    arcs_of = arcs_by(data.m_site, data)
    for j in sorted(set(problem.required_sites)):
        _open_greedy(data, arcs_of, site_tier, taken, j)
    group = site_groups(problem)
    for g, low in enumerate(problem.group_min):
        while np.count_nonzero((site_tier >= 0) & (group == g)) < low:
            j = _best_site(data, arcs_of, site_tier, taken, among=group == g, forced=True)
            _open_greedy(data, arcs_of, site_tier, taken, j)
    while np.count_nonzero(site_tier >= 0) < problem.n_stores:
        j = _best_site(data, arcs_of, site_tier, taken, among=_group_room(problem, site_tier))
        if j < 0:
            break
        _open_greedy(data, arcs_of, site_tier, taken, j)
    start = SitingPlan(site_tier, _nearest_fit(data, site_tier))
    plan = Moves(data, start).run(LOCAL_SEARCH_PASSES)
    return SitingPlan(right_size(data, plan), plan.arc_on)


def _group_room(problem: LocationProblem, site_tier: np.ndarray) -> np.ndarray:
    """``(n_sites,)`` True where opening the site keeps its group within its maximum."""
    group = site_groups(problem)
    if not problem.group_names:
        return np.ones(problem.n_sites, dtype=bool)
    opened = np.bincount(group[(site_tier >= 0) & (group >= 0)],
                         minlength=len(problem.group_names))
    high = np.array([h if h is not None else problem.n_sites for h in problem.group_max])
    return (group < 0) | (opened[np.maximum(group, 0)] < high[np.maximum(group, 0)])


def _affordable_tier(data: PreparedData, site_tier: np.ndarray) -> int:
    """Largest tier the budget allows, reserving the cheapest tier for stores still to open."""
    if data.budget_yuan is None:
        return int(np.lexsort((data.cost_yuan, -data.cap_u))[0])
    opened = site_tier[site_tier >= 0]
    left = data.budget_yuan - int(data.subsidy_yuan[opened].sum())
    to_open = data.problem.n_stores - len(opened) - 1 if data.problem.exact_store_count else 0
    fits = data.subsidy_yuan <= left - to_open * int(data.subsidy_yuan.min())
    if not fits.any():
        return int(np.argmin(data.subsidy_yuan))
    cap = np.where(fits, data.cap_u, -1)
    return int(np.lexsort((data.cost_yuan, -cap))[0])


def _fill(data: PreparedData, arcs: np.ndarray, taken: np.ndarray, cap_u: int) -> np.ndarray:
    """Untaken demand points on ``arcs`` (sorted by time) that fit ``cap_u`` in that order."""
    demand = data.m_demand[arcs]
    demand = demand[~taken[demand]]
    return demand[np.cumsum(data.supply_u[demand]) <= cap_u]


def _best_site(
    data: PreparedData,
    arcs_of: dict[int, np.ndarray],
    site_tier: np.ndarray,
    taken: np.ndarray,
    *,
    among: np.ndarray,
    forced: bool = False,
) -> int:
    """Closed, allowed site in ``among`` covering the most untaken weighted supply; -1 if
    none is left.

    Ties go to the largest time saving. With an exact store count (or ``forced``, for a
    county minimum) a site is still chosen when nothing is left to cover.
    """
    cap_u = int(data.cap_u[_affordable_tier(data, site_tier)])
    saving = _time_saving(data, site_tier)
    best, best_key = -1, (-1, -1.0)
    for j in np.flatnonzero(data.allowed & (site_tier < 0) & among):
        demand = _fill(data, arcs_of.get(int(j), _NO_ARCS), taken, cap_u)
        key = (int((data.weight_u[demand] * data.supply_u[demand]).sum()), float(saving[j]))
        if key > best_key:
            best, best_key = int(j), key
    if best_key[0] <= 0 and not (data.problem.exact_store_count or forced):
        return -1
    return best


def _time_saving(data: PreparedData, site_tier: np.ndarray) -> np.ndarray:
    """Per site, sum of supply * seconds saved if every point used its nearest open store."""
    nearest_s = np.full(len(data.supply_u), int(data.arc_time_s.max(initial=0)) + 1)
    opened = site_tier[data.m_site] >= 0
    np.minimum.at(nearest_s, data.m_demand[opened], data.m_time_s[opened])
    saved_s = np.maximum(nearest_s[data.m_demand] - data.m_time_s, 0)
    saving = data.supply_u[data.m_demand] * saved_s
    return np.bincount(data.m_site, weights=saving, minlength=len(site_tier))


def _open_greedy(
    data: PreparedData,
    arcs_of: dict[int, np.ndarray],
    site_tier: np.ndarray,
    taken: np.ndarray,
    j: int,
) -> None:
    """Open site ``j`` with the affordable tier and mark the demand it would cover."""
    k = _affordable_tier(data, site_tier)
    site_tier[j] = k
    taken[_fill(data, arcs_of.get(j, _NO_ARCS), taken, int(data.cap_u[k]))] = True


def _nearest_fit(data: PreparedData, site_tier: np.ndarray) -> np.ndarray:
    """Assign each demand point to the nearest open store with room.

    Order: highest weight first (what stage 1 values per tonne of capacity), then the
    largest supply (first-fit decreasing, as in bin packing), then the fewest open stores in
    reach. On two capacity-bound 1,200-point instances this order covered 0.3 % to 4 % more
    weighted supply than "fewest options first".
    """
    room = np.where(site_tier >= 0, data.cap_u[site_tier], 0)
    arc_on = np.zeros(len(data.model_arcs), dtype=bool)
    arcs_of = arcs_by(data.m_demand, data)
    options = np.bincount(data.m_demand[site_tier[data.m_site] >= 0], minlength=len(data.supply_u))
    for i in np.lexsort((options, -data.supply_u, -data.weight_u)):
        for a in arcs_of.get(int(i), ()):
            j = data.m_site[a]
            if room[j] >= data.supply_u[i]:
                room[j] -= data.supply_u[i]
                arc_on[a] = True
                break
    return arc_on
