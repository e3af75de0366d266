"""``solve_location``: one validation, then the engine ``engine_for`` picks.

Instances: the paper instance of ``tests/siting_cases.py``.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from optimize.errors import SpecificationError
from optimize.siting.solve import AUTO_LAGRANGE_ARCS, engine_for, solve_location
from tests.siting_cases import base, reasons_of


def test_all_site_reasons_are_listed_together() -> None:
    problem = base(n_stores=3, required_sites=(0, 1), excluded_sites=(1, 2))
    reasons = reasons_of(problem)
    assert "sites [1] are both required and excluded" in reasons
    assert "n_stores = 3 exceeds the 1 candidate sites not excluded (3 sites, 2 excluded)" in (
        reasons
    )
    # and the message carries them all
    with pytest.raises(SpecificationError, match="both required and excluded; n_stores"):
        solve_location(problem)


def test_auto_engine_chooses_by_arc_count_and_kind_and_never_lagrange_for_cost() -> None:
    assert engine_for(base()) == "cpsat"  # 12 arcs
    many = np.zeros(AUTO_LAGRANGE_ARCS, dtype=np.int64)
    big = dataclasses.replace(base(), arc_demand=many, arc_site=many, arc_time_s=many)
    # 'time', no budget, one tier holding all 10 t: nothing can bind, the median engine
    assert engine_for(big) == "median"
    assert engine_for(dataclasses.replace(big, budget_yuan=1e9)) == "lagrange"
    assert engine_for(dataclasses.replace(big, objective="coverage_then_time")) == "lagrange"
    assert engine_for(dataclasses.replace(big, objective="cost")) == "cpsat"
    assert engine_for(base(engine="lagrange")) == "lagrange"
    assert engine_for(dataclasses.replace(big, engine="cpsat")) == "cpsat"


def test_dispatches_to_the_chosen_engine() -> None:
    # the 1-median (module docstring of tests/siting_cases.py): site 1, 240 t*s, both engines
    exact = solve_location(base())
    assert exact.engine == "cpsat"
    lagrange = solve_location(base(engine="lagrange"))
    assert lagrange.engine == "lagrange"
    assert lagrange.open_sites.tolist() == exact.open_sites.tolist() == [1]
    assert lagrange.weighted_time == exact.weighted_time == 240.0


def test_split_demand_problems_go_to_the_mip_engine() -> None:
    from tests.split_cases import split_problem

    assert engine_for(split_problem()) == "mip"
    assert engine_for(split_problem(engine="mip")) == "mip"
    result = solve_location(split_problem())
    assert result.engine == "mip" and result.objective == pytest.approx(60.0, abs=1e-6)
