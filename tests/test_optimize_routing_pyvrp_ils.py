"""The shared PyVRP search parts: seeded like pyvrp.solve, only the operators that apply."""

from __future__ import annotations

from optimize.routing.multi_pyvrp import pyvrp_data, search_params
from optimize.routing.pyvrp_ils import ils_parts
from tests.multidepot_cases import ride_case


def test_same_seed_same_random_stream_and_supported_operators_only() -> None:
    data = pyvrp_data(ride_case())
    params = search_params()
    rng_a, search_a, pm_a = ils_parts(data, params, 7)
    rng_b, _, _ = ils_parts(data, params, 7)
    rng_c, _, _ = ils_parts(data, params, 8)
    first_a = [rng_a.randint(1000) for _ in range(5)]
    assert first_a == [rng_b.randint(1000) for _ in range(5)]
    assert first_a != [rng_c.randint(1000) for _ in range(5)]
    supported = [op for op in params.operators if op.supports(data)]
    assert supported  # the case has operators that apply
    assert len(search_a.binary_operators) + len(search_a.unary_operators) == len(supported)
    assert pm_a.cost_evaluator() is not None
