"""Tests of benchmarks.engines.province_cases: the seeded synthetic province case."""

from __future__ import annotations

import dataclasses

import numpy as np

from benchmarks.engines.province_cases import ProvinceCase


def test_same_case_same_numbers() -> None:
    a, b = ProvinceCase.generate(3, 30, seed=9), ProvinceCase.generate(3, 30, seed=9)
    assert np.array_equal(a.stop_km, b.stop_km) and a.members == b.members
    assert sorted(i for m in a.members for i in m) == list(range(30))
    assert dataclasses.replace(a.problem(0, a.members[0], 2), n_trucks=2).n_trucks == 2
