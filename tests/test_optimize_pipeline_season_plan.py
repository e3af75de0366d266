"""The regional plan's seasons section (optimize.pipeline.season_plan) from a fleet day."""

from __future__ import annotations

from optimize.pipeline.season_plan import FLEET_RULE, SeasonalRouting, seasons_meta
from optimize.pipeline.trips import SeasonDay
from tests.test_optimize_pipeline_fleet_day import STORES, two_region_day


def routing(n_trucks: int) -> SeasonalRouting:
    rec = two_region_day(n_trucks)
    summer = SeasonDay("summer", 62, (("sichuan_pepper", 0.10), ("vegetables", 0.25)))
    return SeasonalRouting((summer,), STORES, ((),), (rec,), 0, n_trucks, 0.0)


def test_seasons_meta_of_one_region() -> None:
    r = routing(3)
    meta = seasons_meta(r, "622924", 1234.56)
    assert meta["routed_season"] == "summer" and meta["trucks_by_season"] == {"summer": 3}
    (load,) = meta["load"]
    assert load["region"] == "6229" and load["strictest_crop"] == "vegetables"
    assert load["share"] == 0.35 and load["daily_pickup_t"] == 9.0
    (fleet,) = meta["fleet"]
    assert (fleet["need"], fleet["trucks"]) == (1, 3)
    assert fleet["reason"].startswith("summer, 6229 临夏回族自治州: 1 trucks drive trips, 2 idle")
    assert meta["moves"] == [] and meta["rule"] == FLEET_RULE
    assert meta["seasons"] == [{"name": "summer", "days": 62, "kpis": r.records[0].kpis}]
    assert meta["annual_t"] == {"6229": 1234.6}


def test_trucks_per_store_in_the_headline_season() -> None:
    r = routing(3)
    based = [r.trucks_at(s) for s in STORES]
    assert sum(based) == 3  # the idle ones are parked at stores too
