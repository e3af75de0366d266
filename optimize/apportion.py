"""Apportion the province's 893 stores, 720 trucks and 500 M yuan to regions.

The documented rule (PLANNING-MODEL.md, "Regional share"): each unit of a level (the 14
prefecture-level units, or the 88 county-level units) gets its share of the province's
rural population in the 2020 census, rounded by the largest-remainder (Hamilton) method,
so that the shares of all units add up exactly to the province total.
"""

from __future__ import annotations

import math
from collections.abc import Mapping


def largest_remainder(weights: Mapping[str, float], total: int) -> dict[str, int]:
    """Split ``total`` whole items among keys in proportion to ``weights``.

    Each key first gets the floor of its exact quota; the items left over go one each to
    the keys with the largest fractional remainders (ties broken by key, so the result is
    deterministic). The shares always sum to ``total``.

    Parameters
    ----------
    weights
        Non-negative weight per key (e.g. rural population, persons); at least one > 0.
    total
        Whole items to split (stores, trucks), >= 0.
    """
    if total < 0:
        raise ValueError(f"total must be >= 0, got {total}")
    bad = sorted(k for k, w in weights.items() if not (w >= 0 and math.isfinite(w)))
    if bad:
        raise ValueError(f"weights must be finite and >= 0; bad keys: {bad}")
    weight_sum = sum(weights.values())
    if weight_sum <= 0:
        raise ValueError("at least one weight must be > 0")
    quotas = {k: total * w / weight_sum for k, w in weights.items()}
    shares = {k: math.floor(q) for k, q in quotas.items()}
    left = total - sum(shares.values())
    by_remainder = sorted(quotas, key=lambda k: (-(quotas[k] - shares[k]), k))
    for key in by_remainder[:left]:
        shares[key] += 1
    return shares


def proportional_share(weights: Mapping[str, float], key: str, total: float) -> float:
    """The continuous share of ``total`` (e.g. yuan) that ``key`` gets by ``weights``."""
    return total * weights[key] / sum(weights.values())
