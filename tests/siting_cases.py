"""Siting instances small enough to solve on paper, shared by the siting tests.

The base instance: 4 villages d0..d3 with supply [1, 2, 3, 4] t and 3 candidate sites
s0..s2, every pair an arc, travel times in seconds:

          s0   s1   s2
    d0    10   40   60
    d1    20   10   50
    d2    50   20   30
    d3    60   30   10

Supply-weighted time (t*s) of serving everyone from one site:
    s0: 1*10 + 2*20 + 3*50 + 4*60 = 440
    s1: 1*40 + 2*10 + 3*20 + 4*30 = 240   <- 1-median
    s2: 1*60 + 2*50 + 3*30 + 4*10 = 290
From two sites (each village to the nearer one):
    {s0, s1}: 10 + 20 + 60 + 120 = 210
    {s0, s2}: 10 + 40 + 90 +  40 = 180
    {s1, s2}: 40 + 20 + 60 +  40 = 160   <- 2-median
"""

from __future__ import annotations

import dataclasses

import numpy as np

from optimize.errors import SpecificationError
from optimize.siting.problem import LocationProblem, StoreTier
from optimize.siting.validate import validate

TIMES_S = np.array([[10, 40, 60], [20, 10, 50], [50, 20, 30], [60, 30, 10]])
SMALL = StoreTier("small", capacity_t=5.0, build_cost_yuan=1.0, subsidy_yuan=1.0)
BIG = StoreTier("big", capacity_t=20.0, build_cost_yuan=3.0, subsidy_yuan=3.0)


def base(times_s: np.ndarray = TIMES_S, **changes: object) -> LocationProblem:
    """The base instance with all arcs; ``changes`` replace problem fields."""
    demand, site = np.nonzero(np.ones_like(times_s, dtype=bool))
    problem = LocationProblem(
        supply_t=np.array([1.0, 2.0, 3.0, 4.0]),
        weight=np.ones(4),
        arc_demand=demand,
        arc_site=site,
        arc_time_s=times_s[demand, site],
        n_sites=times_s.shape[1],
        tiers=(BIG,),
        n_stores=1,
        objective="time",
        time_limit_s=10.0,
    )
    return dataclasses.replace(problem, **changes)  # type: ignore[arg-type]


def reasons_of(problem: LocationProblem) -> list[str]:
    """The reasons ``validate`` gives, or none."""
    try:
        validate(problem)
    except SpecificationError as error:
        return error.reasons
    return []


COUNTIES = {"site_group": np.array([0, 1, 1]), "group_names": ("A", "B")}
