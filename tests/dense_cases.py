"""Hand-checkable point sets and helpers shared by the dense p-median tests."""

from __future__ import annotations

import numpy as np

from optimize.siting.median_dense import DenseState
from optimize.siting.median_points import PointCosts

#: Eight points on a line in two groups, {0, 1, 2, 3} and {10, 11, 12, 13}: with two
#: medians the optimum is a median at 1 or 2 in each group, 1 + 0 + 1 + 2 = 4 per group.
LINE = np.array([[x, 0.0] for x in (0, 1, 2, 3, 10, 11, 12, 13)])


def state_of(xy: np.ndarray, medians: list[int]) -> DenseState:
    """A plan on points ``xy`` (every point a site, weight 1) with ``medians`` open."""
    costs = PointCosts(xy, xy, np.ones(len(xy)))
    return DenseState(costs, np.array(medians), np.ones(len(xy), dtype=bool))


def full_value(xy: np.ndarray, medians: np.ndarray) -> float:
    """The plan's cost from scratch: each point to its nearest median, floored distances."""
    dist = np.floor(np.hypot(*(xy[:, None] - xy[None]).transpose(2, 0, 1)))
    return float(dist[:, medians].min(axis=1).sum())
