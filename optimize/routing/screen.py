"""Which pickups no trip could serve, and why; the screened-in part handed to an engine.

Before any solving, :func:`screen_pickups` removes the pickups that no truck could serve
with a precise reason instead of handing them to the solver: no truck at the store, a
load over the largest truck's capacity, store -> pickup -> store longer than the longest
shift (or outside the pickup's time window), or loading plus the drive to the store longer
than the freshness limit. :func:`sub_problem` cuts the matrices down to the pickups kept,
in whole kilograms, for either engine; :func:`fleet_reason` is the reason given for a
pickup an engine left out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from optimize.routing.problem import RoutingProblem, kg_down, kg_up


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.0f} min"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def pickup_reasons(problem: RoutingProblem, i: int) -> list[str]:
    """Why pickup ``i`` cannot be on any trip, whatever the fleet (empty if it can).

    Loads are tested against the largest truck and round trips against the longest shift
    (:attr:`RoutingProblem.largest_capacity_t`, :attr:`RoutingProblem.longest_shift_s`),
    so a pickup only the big truck can take is kept for the solver.
    """
    t, node = problem.time_s, i + 1
    load_t, cap_t = float(problem.pickup_t[i]), problem.largest_capacity_t
    service = int(problem.service_s[i])
    out = []
    if kg_up(load_t) > kg_down(cap_t):
        out.append(f"load {load_t:g} t exceeds truck capacity {cap_t:g} t")
    if kg_up(problem.delivery_of(i)) > kg_down(cap_t):
        out.append(f"delivery {problem.delivery_of(i):g} t exceeds truck capacity {cap_t:g} t")
    to_store_s = service + int(t[node, 0])
    if to_store_s > problem.freshness_s(i):
        out.append("cannot reach the store within the freshness limit: needs "
                   f"{_minutes(to_store_s)}, limit {_minutes(problem.freshness_s(i))}")
    return out + _shift_reasons(problem, i, to_store_s)


def _shift_reasons(problem: RoutingProblem, i: int, to_store_s: int) -> list[str]:
    """A round trip to ``i`` that misses its window or ends after the longest shift."""
    out_s, shift_s, window = int(problem.time_s[0, i + 1]), problem.longest_shift_s, \
        problem.window_of(i)
    if window is None:
        round_s = out_s + to_store_s + problem.unload_s
        if round_s > shift_s:
            return [f"store -> pickup -> store with loading and unloading needs "
                    f"{_minutes(round_s)}, longer than the shift of {_minutes(shift_s)}"]
        return []
    if out_s > window[1]:
        return [f"time window closes at {_minutes(window[1])} into the shift, the drive "
                f"from the store takes {_minutes(out_s)}"]
    end_s = max(out_s, window[0]) + to_store_s + problem.unload_s
    if end_s > shift_s:
        return [f"time window opens at {_minutes(window[0])} into the shift, so a trip "
                f"to it ends at {_minutes(end_s)}, after the shift of {_minutes(shift_s)}"]
    return []


def screen_pickups(problem: RoutingProblem) -> dict[int, str]:
    """Pickups that no trip could serve, with every reason, before any solving.

    Checks, per pickup ``i`` (all that apply are joined with ``"; "``):

    - no truck based at the store (``n_trucks == 0``, or ``trucks`` empty);
    - load (or delivery) over the largest truck's capacity;
    - loading plus the drive to the store longer than the freshness limit, since even a
      trip with ``i`` alone would spoil it;
    - store -> ``i`` -> store with loading and unloading longer than the longest shift;
      with a time window: the window closes before a truck leaving at 0 can arrive, or
      it opens so late that the round trip ends after the longest shift.

    Returns
    -------
    dict
        ``{pickup index: reason}`` for the screened-out pickups only.
    """
    out = {}
    for i in range(problem.n_pickups):
        reasons = pickup_reasons(problem, i)
        if not problem.fleet:
            reasons.insert(0, "no truck based at this store")
        if reasons:
            out[i] = "; ".join(reasons)
    return out


def fleet_reason(problem: RoutingProblem) -> str:
    """Why the solver left a pickup out.

    With the default penalty, serving a pickup always pays, so a pickup left out is one
    the search found no room for. A caller's own penalty may be cheaper than a detour.
    """
    trucks = _plural(len(problem.fleet), "truck")
    trips = _plural(problem.trips_per_truck, "trip")
    reason = f"fleet at this store cannot fit it within shifts ({trucks} x {trips})"
    if problem.drop_penalty is not None:
        reason += f", or serving it costs more than the drop penalty {problem.drop_penalty}"
    return reason


@dataclass(frozen=True, eq=False)
class SubProblem:
    """The screened-in part of a problem: solver node ``k`` is pickup ``pickups[k - 1]``.

    Matrices are cut to the store and the pickups kept, with store -> store set to 0 so an
    unused vehicle costs nothing; loads and deliveries are whole kilograms rounded up.
    """

    pickups: tuple[int, ...]
    time_s: np.ndarray
    distance_m: np.ndarray
    service_s: np.ndarray
    load_kg: np.ndarray
    delivery_kg: np.ndarray


def sub_problem(problem: RoutingProblem, keep: list[int]) -> SubProblem:
    """The part of ``problem`` an engine sees: the store and the pickups ``keep``."""
    nodes = [0] + [i + 1 for i in keep]
    grid = np.ix_(nodes, nodes)
    time_s, distance_m = problem.time_s[grid].copy(), problem.distance_m[grid].copy()
    time_s[0, 0] = distance_m[0, 0] = 0  # an unused slot costs nothing
    service = np.array([0] + [int(problem.service_s[i]) for i in keep], dtype=np.int64)
    load = np.array([0] + [kg_up(float(problem.pickup_t[i])) for i in keep], dtype=np.int64)
    drop = np.array([0] + [kg_up(problem.delivery_of(i)) for i in keep], dtype=np.int64)
    return SubProblem(tuple(keep), time_s, distance_m, service, load, drop)
