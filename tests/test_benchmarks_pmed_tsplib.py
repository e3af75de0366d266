"""benchmarks/pmed_tsplib.py: list plans for small p, spread hub samples, hub arcs and the
rows of a folder with or without references."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from benchmarks.pmed_tsplib import (
    MAX_ARCS,
    hub_arcs,
    knn_arcs,
    list_length,
    list_plan,
    spread_sample,
    tsplib_rows,
)
from optimize.errors import SpecificationError


def test_small_p_lists_are_twice_the_mean_cluster() -> None:
    assert list_length(5934, 10) == 1187  # ceil(2 x 593.4); 8 x would be 4748, capped 4044
    assert list_length(3038, 10) == 608  # ceil(2 x 303.8), not 2431
    assert list_length(5934, 50) == 950  # n / p = 118.7 < 200: still ceil(8 x 118.68)
    assert list_length(3795, 5) == 3795  # complete lists stay complete (14.4 M pairs fit)
    assert list_length(24978, 10) == MAX_ARCS // 24978  # 4,996 capped at 960


def test_list_plan_adds_hubs_only_where_the_cap_stops_the_reach() -> None:
    assert list_plan(5934, 10) == (1187, 0, 0)  # reach 1,187 fits
    assert list_plan(24978, 1000) == (200, 0, 0)
    # 960 per point, reach 2 x 2497.8 -> 4,996 points: 480 nearest + 480 of 2,400 hubs
    # (24,978 x 480 / 4,996 = 2,399.8)
    assert list_plan(24978, 10) == (480, 2400, 480)
    assert list_plan(13509, 10) == (888, 4440, 888)  # 1,776 capped; 13,509 x 888 / 2,702


def test_spread_sample_takes_every_fourth_point_of_a_grid_evenly() -> None:
    xs, ys = np.meshgrid(np.arange(16.0), np.arange(16.0))
    coords = np.column_stack([xs.ravel(), ys.ravel()])
    pick = spread_sample(coords, 64)
    assert len(pick) == 64 and len(np.unique(pick)) == 64 and np.all(np.diff(pick) > 0)
    # on a 16 x 16 grid the Z-order visits the 2 x 2 blocks one by one: one point in each
    block = (coords[pick, 0] // 2) * 8 + coords[pick, 1] // 2
    assert sorted(block.tolist()) == list(range(64))


def test_hub_arcs_keep_the_nearest_lists_and_add_each_points_nearest_hubs() -> None:
    rng = np.random.default_rng(3)
    coords = rng.integers(0, 1000, size=(300, 2)).astype(float)
    demand, site, dist, unlisted = hub_arcs(coords, 10, 30, 5)
    k_dem, k_site, _, k_unlisted = knn_arcs(coords, 10)
    key = demand * 300 + site
    assert len(np.unique(key)) == len(key) and np.all(np.diff(key) > 0)  # each pair once
    assert set((k_dem * 300 + k_site).tolist()) <= set(key.tolist())
    np.testing.assert_array_equal(unlisted, k_unlisted)  # the bound keeps the nearest-10 cap
    hubs = spread_sample(coords, 30)
    extra = ~np.isin(key, k_dem * 300 + k_site)
    assert extra.any() and np.isin(site[extra], hubs).all()
    # point 0's listed hubs are its 5 nearest hubs
    d0 = np.floor(np.hypot(*(coords[hubs] - coords[0]).T))
    listed = np.isin(hubs, site[demand == 0])
    assert listed.sum() == 5 and d0[listed].max() <= d0[~listed].min()
    np.testing.assert_array_equal(dist, np.floor(np.hypot(*(coords[demand] - coords[site]).T)))
    # every unlisted pair is at least as far as the point's cap
    full = np.floor(np.hypot(*(coords[:, None] - coords[None]).transpose(2, 0, 1)))
    mask = np.ones((300, 300), dtype=bool)
    mask[demand, site] = False
    assert mask.any() and np.all(full[mask] >= np.broadcast_to(unlisted[:, None], mask.shape)[mask])


def test_a_held_out_folder_runs_the_given_rows_without_references(tmp_path: Path) -> None:
    # the held-out folder has points but no references.csv
    (tmp_path / "tiny.tsp").write_text("NAME : tiny\nDIMENSION : 2\nNODE_COORD_SECTION\n"
                                       "1 0 0\n2 3 4\nEOF\n")
    assert tsplib_rows(tmp_path, [("tiny", 1), ("tiny", 2)]) == [("tiny", 1, None),
                                                                ("tiny", 2, None)]
    with pytest.raises(SpecificationError, match="references.csv.*--instances"):
        tsplib_rows(tmp_path, None)
