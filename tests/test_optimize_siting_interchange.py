"""Fast interchange on sparse lists: nearest sites, swap profits against brute force, descent."""

from __future__ import annotations

import itertools

import numpy as np

from optimize.siting.interchange import (
    NearLists,
    SwapState,
    Touch,
    descend,
    kick_round,
    kick_state,
    nearest,
    swap_candidates,
)


def line_lists(xs: list[float]) -> NearLists:
    """Every point a client and a site, all pairs listed, cost |x_i - x_j|."""
    n = len(xs)
    dem, site = np.divmod(np.arange(n * n), n)
    cost = np.abs(np.asarray(xs)[dem] - np.asarray(xs)[site])
    return NearLists.build(dem, site, cost, n, n)


def full_cost(lists: NearLists, is_open: np.ndarray) -> float:
    """Brute force: each point's cheapest open listed arc, or ``miss``."""
    total = 0.0
    for i in range(lists.n):
        entries = range(lists.ptr[i], lists.ptr[i + 1])
        costs = [lists.cost[e] for e in entries if is_open[lists.site[e]]]
        total += min(costs) if costs else lists.miss[i]
    return total


def test_nearest_by_hand_with_a_missing_second_site() -> None:
    lists = line_lists([0, 1, 2, 10, 11, 12])
    is_open = np.zeros(6, dtype=bool)
    is_open[[1, 4]] = True
    near = nearest(lists, is_open)
    assert near.c1.tolist() == [1, 1, 1, 4, 4, 4]
    assert near.d1.tolist() == [1, 0, 1, 1, 0, 1]
    assert near.c2.tolist() == [4, 4, 4, 1, 1, 1]
    assert near.d2.tolist() == [11, 10, 9, 9, 10, 11]
    assert near.value() == 4
    # only site 1 open and the lists cut to 2 entries: far points have no open site
    short = NearLists.build(*_first_two(lists), 6, 6)
    one = np.zeros(6, dtype=bool)
    one[1] = True
    near = nearest(short, one)
    assert near.c1.tolist() == [1, 1, 1, -1, -1, -1] and near.c2.tolist() == [-1] * 6
    # miss = 1 + the summed largest listed costs (1 each): more than any plan costs
    assert short.miss.tolist() == [7] * 6 and near.d1[3] == 7 and near.d2.tolist() == [7] * 6


def _first_two(lists: NearLists) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    keep = np.concatenate([np.arange(lists.ptr[i], lists.ptr[i] + 2) for i in range(lists.n)])
    return lists.dem[keep], lists.site[keep], lists.cost[keep]


def test_swap_profits_match_brute_force_on_random_sparse_lists() -> None:
    rng = np.random.default_rng(3)
    n, m = 25, 12
    cost = rng.integers(1, 60, size=(n, m)).astype(float)
    keep = rng.random((n, m)) < 0.5
    keep[np.arange(n), rng.integers(0, m, n)] = True
    dem, site = np.nonzero(keep)
    lists = NearLists.build(dem, site, cost[dem, site], n, m)
    is_open = np.zeros(m, dtype=bool)
    is_open[[0, 3, 7, 9]] = True
    near = nearest(lists, is_open)
    allowed = np.ones(m, dtype=bool)
    table = swap_candidates(lists, is_open, near, allowed, allowed)
    assert len(table)
    before = full_cost(lists, is_open)
    for r, f, profit in table:
        trial = is_open.copy()
        trial[int(r)], trial[int(f)] = False, True
        # sparse rows are exact, the paired best-gain rows a lower bound
        assert before - full_cost(lists, trial) >= profit - 1e-9
    best = max(before - full_cost(lists, _swap(is_open, r, f))
               for r in np.flatnonzero(is_open) for f in np.flatnonzero(~is_open))
    assert table[0, 2] == best  # the best swap is found with its exact profit


def _swap(is_open: np.ndarray, r: int, f: int) -> np.ndarray:
    out = is_open.copy()
    out[r], out[f] = False, True
    return out


def test_descend_reaches_the_two_cluster_optimum_from_a_bad_start() -> None:
    lists = line_lists([0, 1, 2, 10, 11, 12, 30, 31, 32])
    start = np.zeros(9, dtype=bool)
    start[[0, 1, 2]] = True
    allowed = np.ones(9, dtype=bool)
    is_open, near = descend(lists, start, allowed, allowed, work_end=1e9)
    assert np.flatnonzero(is_open).tolist() == [1, 4, 7]
    assert near.value() == 6
    assert lists.work > 0
    # no other 3-set is cheaper (brute force)
    assert min(full_cost(lists, _opened(c, 9)) for c in itertools.combinations(range(9), 3)) == 6


def _opened(chosen: tuple[int, ...], m: int) -> np.ndarray:
    out = np.zeros(m, dtype=bool)
    out[list(chosen)] = True
    return out


def test_kick_round_keeps_count_and_required_sites_and_never_worsens() -> None:
    rng = np.random.default_rng(11)
    xs = sorted(rng.integers(0, 400, size=60).tolist())
    lists = line_lists(xs)
    closable = np.ones(60, dtype=bool)
    closable[5] = False  # a required site never closes
    allowed = np.ones(60, dtype=bool)
    is_open = _opened(tuple(range(0, 60, 6)), 60)  # 10 medians, site 5 not among them
    is_open[5], is_open[0] = True, False
    near = nearest(lists, is_open)
    values = [near.value()]
    swaps = np.random.default_rng(0)
    for _ in range(15):
        is_open, near = kick_round(lists, is_open, near, closable, allowed, swaps, 3, 1e12)
        assert is_open.sum() == 10 and is_open[5]
        assert near.value() == full_cost(lists, is_open)
        values.append(near.value())
    assert values == sorted(values, reverse=True) and values[-1] < values[0]


def _random_lists(rng: np.random.Generator) -> NearLists:
    """Random points on a grid, each listing its k nearest sites, supplies 1-3."""
    n = int(rng.integers(6, 30))
    k = int(rng.integers(2, n + 1))
    xy = rng.integers(0, 60, size=(n, 2))
    dist = np.abs(xy[:, None] - xy[None]).sum(axis=-1)
    near_sites = np.argsort(dist, axis=1, kind="stable")[:, :k]
    dem, site = np.repeat(np.arange(n), k), near_sites.ravel()
    cost = dist[dem, site] * rng.integers(1, 4, size=n)[dem]
    return NearLists.build(dem, site, cost.astype(float), n, n)


def test_incremental_swaps_match_a_full_recompute_on_random_cases() -> None:
    rng = np.random.default_rng(5)
    passes = 0
    for _ in range(60):
        lists = _random_lists(rng)
        n = lists.n
        is_open = _opened(tuple(rng.choice(n, int(rng.integers(1, n)), replace=False)), n)
        state = SwapState(lists, is_open, nearest(lists, is_open))
        allowed = np.ones(n, dtype=bool)
        for _ in range(4):
            table = state.table(allowed, allowed)
            fresh = nearest(lists, state.is_open)
            # the kept parts give the rows a full pass gives
            assert np.array_equal(table, swap_candidates(lists, state.is_open, fresh,
                                                          allowed, allowed))
            if not len(table):
                break
            touch = Touch(lists, state.near)
            done = [(int(r), int(f)) for r, f, _ in table if touch.take(int(r), int(f))]
            before = state.value()
            state.apply(done, np.flatnonzero(touch.mark))
            passes += 1
            # every point's cheapest and second cost, by brute force
            assert state.value() == full_cost(lists, state.is_open)
            again = nearest(lists, state.is_open)
            assert np.array_equal(state.near.d1, again.d1)
            assert np.array_equal(state.near.d2, again.d2)
            assert np.array_equal(state.near.c1, again.c1)
            # disjoint swaps: the value falls by at least their best listed profits
            best = {}
            for r, f, profit in table:
                best.setdefault((int(r), int(f)), profit)
            assert before - state.value() >= sum(best[pair] for pair in done) - 1e-9
    assert passes > 60


def test_descend_is_deterministic_and_ends_in_a_local_optimum() -> None:
    rng = np.random.default_rng(8)
    for _ in range(20):
        lists = _random_lists(rng)
        n = lists.n
        start = _opened(tuple(rng.choice(n, max(1, n // 4), replace=False)), n)
        allowed = np.ones(n, dtype=bool)
        is_open, near = descend(lists, start, allowed, allowed, work_end=1e12)
        twin, _ = descend(lists, start, allowed, allowed, work_end=1e12)
        assert np.array_equal(is_open, twin) and is_open.sum() == start.sum()
        value = full_cost(lists, is_open)
        assert near.value() == value
        # no single swap lowers the value (brute force)
        assert min(full_cost(lists, _swap(is_open, r, f)) for r in np.flatnonzero(is_open)
                   for f in np.flatnonzero(~is_open)) >= value


def test_kick_state_keeps_its_parts_exact_and_is_deterministic() -> None:
    rng = np.random.default_rng(21)
    rounds = 0
    for case in range(15):
        lists = _random_lists(rng)
        n = lists.n
        if n < 8:
            continue
        start = _opened(tuple(rng.choice(n, n // 4, replace=False)), n)
        allowed = np.ones(n, dtype=bool)
        runs = []
        for _ in range(2):
            state = SwapState(lists, start, nearest(lists, start))
            kicks = np.random.default_rng(case)
            values = [state.value()]
            for _ in range(5):
                kick_state(state, allowed, allowed, kicks, 2, 1e12)
                rounds += 1
                values.append(state.value())
                # the kept parts equal a fresh build of the plan kept (brute-force value)
                assert state.value() == full_cost(lists, state.is_open)
                fresh = SwapState(lists, state.is_open, nearest(lists, state.is_open))
                assert np.array_equal(state.gain, fresh.gain)
                assert np.array_equal(state.loss, fresh.loss)
                assert np.array_equal(state.table(allowed, allowed),
                                      fresh.table(allowed, allowed))
            assert values == sorted(values, reverse=True) and state.is_open.sum() == n // 4
            runs.append(state.is_open.copy())
        assert np.array_equal(runs[0], runs[1])  # the same seed, the same plan
    assert rounds > 50
