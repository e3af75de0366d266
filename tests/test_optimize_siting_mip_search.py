"""Open sets priced by their transportation LP, and the drop/swap/add search between them.

Hand case of ``tests/split_cases.py``: A and B open cost 60 (d1 split), C alone 220.
"""

from __future__ import annotations

import time

import numpy as np
import pytest

from optimize.siting.mip import prepare_split
from optimize.siting.mip_search import as_plan, local_search, transport
from tests.split_cases import split_problem


def test_transport_prices_a_and_b_with_d1_split() -> None:
    data = prepare_split(split_problem())
    priced = transport(data, np.array([0, 1]))
    assert priced is not None
    assert priced.cost == pytest.approx(60.0)
    # d1's arcs (point by point, sites within): A half, B half, C none
    assert priced.fraction[3:6].tolist() == pytest.approx([0.5, 0.5, 0.0], abs=1e-9)
    # a tonne more of d1 would go to B at 4 yuan/t: d1's demand-row dual is 40 yuan
    assert priced.duals[1] == pytest.approx(40.0)


def test_transport_refuses_sets_too_small_or_out_of_reach() -> None:
    data = prepare_split(split_problem())
    assert transport(data, np.array([1])) is None  # 25 t < 40 t
    far = prepare_split(split_problem(excluded_sites=(0,)))
    with_a = transport(far, np.array([0, 2]))  # excluded A has no arcs: C serves all
    assert with_a is not None and with_a.cost == pytest.approx(5 + 60 + 35 + 60 + 60)
    assert transport(far, np.array([0])) is None


def test_local_search_from_c_alone_reaches_a_and_b() -> None:
    data = prepare_split(split_problem())
    start = transport(data, np.array([2]))
    assert start is not None and start.cost == pytest.approx(220.0)
    best, solved = local_search(data, start, time.perf_counter() + 30)
    assert best.sites.tolist() == [0, 1]
    assert best.cost == pytest.approx(60.0)
    assert solved >= 2
    plan = as_plan(data, best)
    assert plan.objective == pytest.approx(60.0)
    assert plan.site_tier.tolist() == [0, 0, -1]
