"""The shared fleet across seasons (optimize.fleet.seasons); every figure checked by hand."""

from __future__ import annotations

import numpy as np
import pytest

from optimize.crops import ANY_REGION, Peak, Season, default_gansu_seasons
from optimize.errors import SpecificationError
from optimize.fleet.distances import RegionDistances, region_distances
from optimize.fleet.seasons import fleet_for_load, seasonal_load, share_fleet
from optimize.programme import GANSU_PREFECTURES

H = 3600


def _line(*km: float) -> RegionDistances:
    """Regions A, B, C, ... on a line at the given km positions."""
    pos = np.array(km)
    names = [chr(ord("A") + i) for i in range(len(km))]
    return RegionDistances.from_matrix(names, np.abs(pos[:, None] - pos[None, :]))


# -- fleet sharing -------------------------------------------------------------------------
def test_need_met_when_trucks_suffice_and_every_season_sums_to_the_fleet() -> None:
    # need S1 [3, 0, 1], S2 [0, 3, 1]: 4 trucks meet both exactly
    fleet = share_fleet([[3, 0, 1], [0, 3, 1]], 4, _line(0, 100, 250), seasons=["S1", "S2"])
    assert fleet.trucks.tolist() == [[3, 0, 1], [0, 3, 1]]
    assert fleet.trucks.sum(axis=1).tolist() == [4, 4]
    assert fleet.shortfalls == ()
    assert "need met" in fleet.reasons[0][0]
    assert fleet.reasons[0][1] == ""  # no need, no trucks: nothing to say


def test_spares_by_dhondt_ties_to_the_region_listed_first() -> None:
    # needs [1, 1, 0], weights [6, 6, 3], 4 trucks: 2 spare; quotients 6/2 = 3, 6/2 = 3,
    # 3/1 = 3: a three-way tie, so A, then B (next A would be 6/3 = 2 < 3)
    dist = _line(0, 10, 20)
    fleet = share_fleet([[1, 1, 0]], 4, dist, seasons=["S"], weight=[[6, 6, 3]])
    assert fleet.trucks.tolist() == [[2, 2, 0]]
    # a fifth truck goes to C (3/1 = 3 beats 6/3 = 2)
    fleet = share_fleet([[1, 1, 0]], 5, dist, seasons=["S"], weight=[[6, 6, 3]])
    assert fleet.trucks.tolist() == [[2, 2, 1]]
    assert "+1 spare by D'Hondt" in fleet.reasons[0][0]


def test_scarce_fleet_shares_the_need_by_dhondt_and_says_who_is_short() -> None:
    # need [3, 1], 2 trucks: 3 -> A (then 3/2 = 1.5), 1.5 beats B's 1 -> A again
    fleet = share_fleet([[3, 1]], 2, _line(0, 50), seasons=["S"])
    assert fleet.trucks.tolist() == [[2, 0]]
    assert [(s.region, s.need, s.got) for s in fleet.shortfalls] == [("A", 3, 2), ("B", 1, 0)]
    assert "1 short" in fleet.shortfalls[0].reason
    assert "needs 4 trucks in all, the fleet has 2" in fleet.shortfalls[1].reason
    # a 3rd truck: A 3/3 = 1 ties B 1/1 = 1 -> A, listed first
    assert share_fleet([[3, 1]], 3, _line(0, 50), seasons=["S"]).trucks.tolist() == [[3, 0]]


def test_moves_are_the_difference_of_allocations_and_wrap_to_next_year() -> None:
    fleet = share_fleet([[3, 0, 1], [0, 3, 1]], 4, _line(0, 100, 250), seasons=["S1", "S2"])
    first, wrap = fleet.transitions
    assert (first.from_season, first.to_season, first.wraps_year) == ("S1", "S2", False)
    assert (wrap.from_season, wrap.to_season, wrap.wraps_year) == ("S2", "S1", True)
    assert [(m.origin, m.destination, m.trucks, m.distance_km) for m in first.moves] == [
        ("A", "B", 3, 100.0)]
    assert [(m.origin, m.destination, m.trucks) for m in wrap.moves] == [("B", "A", 3)]
    assert fleet.repositioning_truck_km == pytest.approx(600.0)
    for t, (a, b) in zip(fleet.transitions, [(0, 1), (1, 0)], strict=True):
        net = np.zeros(3, dtype=int)
        for m in t.moves:
            net[fleet.regions.index(m.origin)] -= m.trucks
            net[fleet.regions.index(m.destination)] += m.trucks
        assert net.tolist() == (fleet.trucks[b] - fleet.trucks[a]).tolist()


def test_moves_minimise_truck_km_not_greedy_nearest() -> None:
    # A, B each lose 1 truck, C, D each gain 1. km: A-C 10, A-D 20, B-C 15, B-D 100.
    # Greedy nearest (A->C first) costs 10 + 100 = 110; the optimum A->D + B->C = 35.
    km = np.array([[0, 50, 10, 20],
                   [50, 0, 15, 100],
                   [10, 15, 0, 30],
                   [20, 100, 30, 0]], dtype=float)
    dist = RegionDistances.from_matrix(["A", "B", "C", "D"], km)
    fleet = share_fleet([[1, 1, 0, 0], [0, 0, 1, 1]], 2, dist, seasons=["S1", "S2"])
    moves = {(m.origin, m.destination): m.trucks for m in fleet.transitions[0].moves}
    assert moves == {("A", "D"): 1, ("B", "C"): 1}
    assert fleet.transitions[0].truck_km == pytest.approx(35.0)
    # B-D is 100 direct but 45 via C (15 + 30): moves are costed on shortest paths
    assert share_fleet([[0, 1, 0, 0], [0, 0, 0, 1]], 1, dist,
                       seasons=["S1", "S2"]).transitions[0].truck_km == pytest.approx(45.0)


def test_three_seasons_chain_and_wrap() -> None:
    # one truck follows the peak A -> B -> C and back to A next year
    dist = _line(0, 100, 300)
    fleet = share_fleet(np.eye(3, dtype=int), 1, dist, seasons=["spring", "summer", "autumn"])
    legs = [(t.from_season, t.to_season, t.wraps_year, t.moves[0].origin,
             t.moves[0].destination, t.truck_km) for t in fleet.transitions]
    assert legs == [("spring", "summer", False, "A", "B", 100.0),
                    ("summer", "autumn", False, "B", "C", 200.0),
                    ("autumn", "spring", True, "C", "A", 300.0)]
    assert fleet.repositioning_truck_km == pytest.approx(600.0)


def test_deterministic_and_read_only() -> None:
    args = ([[5, 2, 0], [1, 1, 6]], 9, _line(0, 40, 90))
    a = share_fleet(*args, seasons=["S1", "S2"], weight=[[5, 2, 1], [1, 1, 6]])
    b = share_fleet(*args, seasons=["S1", "S2"], weight=[[5, 2, 1], [1, 1, 6]])
    assert a.trucks.tolist() == b.trucks.tolist() and a.moves == b.moves
    with pytest.raises(ValueError):
        a.trucks[0, 0] = 99


def test_bad_fleet_inputs_name_the_item() -> None:
    with pytest.raises(SpecificationError, match="need: expected shape"):
        share_fleet([[1, 2]], 3, _line(0, 1, 2), seasons=["S"])
    with pytest.raises(SpecificationError, match="no seat for region 'Z'"):
        share_fleet([[1]], 3, _line(0, 1), seasons=["S"], regions=["Z"])
    with pytest.raises(SpecificationError, match="whole numbers"):
        share_fleet([[1.5, 0]], 3, _line(0, 1), seasons=["S"])


# -- load and freshness ----------------------------------------------------------------
def _two_regions() -> tuple[Season, ...]:
    return (
        Season("June", (6,), (Peak("A", "cherry", 0.5, "test"), Peak("A", "apple", 0.1, "t"),
                              Peak("B", "vegetables", 0.5, "test"))),
        Season("Sep", (9,), (Peak("A", "apple", 0.4, "test"), Peak("B", "potato", 0.5, "t"))),
    )


def test_daily_pickup_and_strictest_freshness() -> None:
    load = seasonal_load({"B": 600.0, "A": 300.0}, _two_regions())
    assert load.regions == ("A", "B") and load.season_days == (30, 30)
    # A in June: 300 t x (0.5 + 0.1) / 30 days = 6 t/day; B: 600 x 0.5 / 30 = 10
    np.testing.assert_allclose(load.daily_pickup_t, [[6.0, 10.0], [4.0, 10.0]])
    # cherry (4 h) is stricter than apple (48 h)
    assert load.strictest_crop[0] == ("cherry", "vegetables")
    assert load.freshness_limit_s.tolist() == [[4 * H, 2 * H], [48 * H, 72 * H]]
    assert load.freshness_assumption.tolist() == [[False, False], [False, True]]  # potato
    assert load.crops[0][0] == ("cherry", "apple")


def test_region_without_peaks_takes_the_wildcard_and_none_means_nothing() -> None:
    seasons = (Season("S1", (5,), (Peak("A", "cherry", 1.0, "t"),
                                   Peak(ANY_REGION, "vegetables", 1.0, "t"))),
               Season("S2", (7,), (Peak("A", "vegetables", 0.5, "t"),)))
    with pytest.raises(SpecificationError, match="region 'A': shares over the seasons add up "
                                                 "to 1.5, expected 1 \\('S1' 1, 'S2' 0.5\\)"):
        seasonal_load({"A": 1.0, "B": 1.0}, seasons)
    seasons = (seasons[0], Season("S2", (7,), ()))
    load = seasonal_load({"A": 31.0, "B": 62.0}, seasons)
    assert load.daily_pickup_t.tolist() == [[1.0, 2.0], [0.0, 0.0]]
    assert load.strictest_crop == (("cherry", "vegetables"), ("", ""))
    assert load.freshness_limit_s[1].tolist() == [0, 0]
    assert [r["region"] for r in load.rows()] == ["A", "B"]


def test_fleet_for_load_uses_tonnage_need() -> None:
    # 3 t x 4 trips = 12 t per truck-day; A: 6 t/day -> 1 truck, B: 10 -> 1 (June);
    # Sep: A 4 -> 1, B 10 -> 1; 5 trucks: 3 spare by daily load
    load = seasonal_load({"A": 300.0, "B": 600.0}, _two_regions())
    fleet = fleet_for_load(load, _line(0, 80), total_trucks=5)
    assert fleet.need.tolist() == [[1, 1], [1, 1]]
    # June spares: 6/2=3 vs 10/2=5 -> B; 6/2=3 vs 10/3=3.33 -> B; 3 vs 2.5 -> A
    assert fleet.trucks.tolist() == [[2, 3], [1, 4]]
    assert fleet.transitions[0].moves[0].origin == "A"
    assert fleet.distances_approximate


# -- default calendar --------------------------------------------------------------------
def test_default_calendar_on_the_province() -> None:
    annual = {code: 10_000.0 for code in GANSU_PREFECTURES}
    load = seasonal_load(annual, default_gansu_seasons())
    assert load.share.sum(axis=0) == pytest.approx(np.ones(14))
    ts = load.regions.index("6205")
    assert load.strictest_crop[0][ts] == "vegetables"  # 2 h beats cherry's 4 h
    assert load.strictest_crop[2][ts] == "apple"
    seats = {code: (100.0 + i, 35.0) for i, code in enumerate(GANSU_PREFECTURES)}
    fleet = fleet_for_load(load, region_distances(seats))
    assert fleet.trucks.sum(axis=1).tolist() == [720, 720, 720]
    assert len(fleet.transitions) == 3 and fleet.transitions[-1].wraps_year
