"""Point problems: coordinates beside the arcs, every pair's time their floored distance."""

from __future__ import annotations

import numpy as np
import pytest

from optimize.errors import SpecificationError
from optimize.siting.median_points import (
    PointCosts,
    PointProblem,
    check_point_times,
    point_coords,
    with_points,
)
from optimize.siting.problem import LocationProblem, StoreTier

FREE = StoreTier("free", capacity_t=1000.0, build_cost_yuan=0.0, subsidy_yuan=0.0)
XY = np.array([[0.0, 0.0], [3.0, 4.0], [6.0, 8.5]])


def problem(times: list[float]) -> LocationProblem:
    """Three points, each a site; arcs 0->1, 0->2, 1->2 with the given times."""
    return LocationProblem(
        supply_t=np.ones(3), weight=np.ones(3), arc_demand=np.array([0, 0, 1]),
        arc_site=np.array([1, 2, 2]), arc_time_s=np.array(times), n_sites=3, tiers=(FREE,),
        n_stores=1, objective="time", site_demand=np.arange(3))


def test_with_points_keeps_every_field_and_adds_the_coordinates() -> None:
    base = problem([5, 10, 5])
    point = with_points(base, XY, XY)
    assert isinstance(point, PointProblem)
    assert point.n_stores == 1 and point.objective == "time"
    assert np.array_equal(point.arc_site, base.arc_site)
    coords = point_coords(point)
    assert coords is not None and np.array_equal(coords[0], XY)
    assert point_coords(base) is None


def test_arc_times_must_be_the_floored_distances_and_a_wrong_one_is_named() -> None:
    # |0-1| = 5, |0-2| = hypot(6, 8.5) = 10.40 -> 10, |1-2| = hypot(3, 4.5) = 5.41 -> 5
    good = with_points(problem([5, 10, 5]), XY, XY)
    check_point_times(good, XY, XY)
    bad = with_points(problem([5, 11, 5]), XY, XY)
    with pytest.raises(SpecificationError, match=r"arc 1 \(demand 0, site 2: 11 s, distance 10"):
        check_point_times(bad, XY, XY)


def test_a_site_away_from_its_own_point_is_refused() -> None:
    moved = XY.copy()
    moved[2] = [6.0, 9.0]
    point = with_points(problem([5, 10, 5]), XY, moved)
    with pytest.raises(SpecificationError, match="site 2 .* demand point 2"):
        check_point_times(point, XY, moved)


def test_coordinates_of_the_wrong_shape_are_refused() -> None:
    point = with_points(problem([5, 10, 5]), XY[:2], XY)
    with pytest.raises(SpecificationError, match=r"demand_xy has shape \(2, 2\)"):
        point_coords(point)


def test_costs_are_weight_times_floored_distance_and_counted() -> None:
    costs = PointCosts(XY, XY, np.array([1.0, 2.0, 3.0]))
    got = costs.to_sites(np.array([0, 2]))
    # site 0: 0, 5, 10 -> x q = 0, 10, 30; site 2: 10, 5, 0 -> 10, 10, 0
    assert got.tolist() == [[0.0, 10.0, 30.0], [10.0, 10.0, 0.0]]
    assert costs.work == 6
    assert costs.to_sites(np.array([1]), np.array([2])).tolist() == [[15.0]]
