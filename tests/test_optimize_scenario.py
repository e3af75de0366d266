"""Scenario files: defaults with sources, assumptions flagged, bad input named."""

from __future__ import annotations

from pathlib import Path

import pytest

from optimize.crops import CROPS, Season
from optimize.errors import SpecificationError
from optimize.scenario import DEFAULT_TIERS, PARAMS, Scenario

REPO = Path(__file__).resolve().parents[1]


def test_linxia_file_reads_with_documented_defaults() -> None:
    s = Scenario.from_toml(REPO / "scenarios" / "linxia.toml")
    assert s.region_code == "6229"
    assert s.freshness_s == 2 * 3600 and s.access_limit_s == 2 * 3600  # vegetables
    assert s.stores is None and s.trucks is None  # apportioned, not hard-coded
    described = s.describe()
    assert set(PARAMS) <= set(described)
    assert all(v["source"] for v in described.values())
    assert described["truck_capacity_t"]["assumption"] is True
    assert any(a.startswith("truck_capacity_t = 3.0 t") for a in s.assumptions())


def test_default_tiers_follow_the_subsidy_rule() -> None:
    # 1,050 yuan/t capped at 370,000: 100 t -> 105,000; 500 t -> 370,000 (cap)
    assert [t.subsidy_yuan for t in DEFAULT_TIERS] == [105_000, 315_000, 370_000, 370_000]
    assert [t.build_cost_yuan for t in DEFAULT_TIERS] == [200_000, 450_000, 750_000, 1_300_000]


def test_crop_assumption_is_flagged() -> None:
    s = Scenario(crop="potato")
    assert s.freshness_s == 72 * 3600
    assert CROPS["potato"].assumption
    assert any(a.startswith("freshness_limit_s") for a in s.assumptions())


def test_bad_file_names_key_and_file(tmp_path: Path) -> None:
    f = tmp_path / "bad.toml"
    f.write_text('region_code = "6229"\ntrucks = "many"\ncolour = 3\n', encoding="utf-8")
    with pytest.raises(SpecificationError) as err:
        Scenario.from_toml(f)
    assert "unknown key 'colour'" in str(err.value)
    assert str(f) in str(err.value)
    f.write_text('trucks = "many"\n', encoding="utf-8")
    with pytest.raises(SpecificationError, match="trucks: expected a whole number"):
        Scenario.from_toml(f)


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(SpecificationError) as err:
        Scenario(region_code="1101", crop="durian", truck_capacity_t=0, detour_factor=0.5)
    reasons = err.value.reasons
    assert any("region_code" in r for r in reasons)
    assert any("durian" in r for r in reasons)
    assert any("truck_capacity_t" in r for r in reasons)
    assert any("detour_factor" in r for r in reasons)


def test_tiers_table_and_minimum_size(tmp_path: Path) -> None:
    f = tmp_path / "tiers.toml"
    f.write_text("[[tiers]]\ncapacity_t = 50\nbuild_cost_yuan = 1\nsubsidy_yuan = 1\n",
                 encoding="utf-8")
    with pytest.raises(SpecificationError, match="100 t minimum"):
        Scenario.from_toml(f)
    f.write_text("[[tiers]]\ncapacity_t = 200\nbuild_cost_yuan = 3e5\nsubsidy_yuan = 2e5\n",
                 encoding="utf-8")
    s = Scenario.from_toml(f)
    assert s.tiers[0].name == "200 t" and s.describe()["tiers"]["assumption"] is True


def test_missing_file() -> None:
    with pytest.raises(SpecificationError, match="not found"):
        Scenario.from_toml("/nonexistent/x.toml")


def test_county_quotas_and_engine_from_toml(tmp_path: Path) -> None:
    f = tmp_path / "q.toml"
    f.write_text('region_code = "6203"\ncounty_min_stores = 1\nsiting_engine = "cpsat"\n'
                 '[county_stores]\n"620321" = {max = 2}\n"620302" = {min = 3, max = 5}\n',
                 encoding="utf-8")
    s = Scenario.from_toml(f)
    assert s.county_stores == (("620302", 3, 5), ("620321", 0, 2))
    described = s.describe()
    assert described["county_stores"]["value"]["620321"] == {"min": 0, "max": 2}
    assert described["county_stores"]["assumption"] is True
    assert described["county_min_stores"]["assumption"] is True
    assert Scenario().describe()["county_min_stores"]["assumption"] is False
    f.write_text('[county_stores]\n"6203" = {min = 4, max = 2}\n"620321" = {most = 1}\n',
                 encoding="utf-8")
    with pytest.raises(SpecificationError, match=r"county 620321: expected \{min = N"):
        Scenario.from_toml(f)
    with pytest.raises(SpecificationError) as err:
        Scenario(county_stores=(("6203", 4, 2),), siting_engine="magic")
    assert "county_stores '6203': expected a 6-digit Gansu county code" in err.value.reasons
    assert (
        "county_stores '6203': expected 0 <= min <= max <= 2,000, got min 4, max 2") in (
        err.value.reasons)
    assert any(r.startswith("siting_engine 'magic'") for r in err.value.reasons)


def test_seasons_in_a_scenario_file_are_checked(tmp_path: Path) -> None:
    f = tmp_path / "seasons.toml"
    f.write_text('region_code = "62"\n[[seasons]]\nname = "all year"\nmonths = [5, 6, 7]\n'
                 '[[seasons.peaks]]\nregion = "*"\ncrop = "vegetables"\nshare = 1.0\n',
                 encoding="utf-8")
    s = Scenario.from_toml(f)
    assert s.seasons[0].name == "all year" and isinstance(s.seasons[0], Season)
    assert s.describe()["seasons"]["assumption"] is True
    f.write_text(f.read_text(encoding="utf-8").replace('"vegetables"', '"mango"'),
                 encoding="utf-8")
    with pytest.raises(SpecificationError) as err:
        Scenario.from_toml(f)
    assert any(r.startswith(f"{f}: seasons[1] 'all year' peaks[1] crop 'mango'")
               for r in err.value.reasons), err.value.reasons


def test_reasons_name_their_scenario_key(tmp_path: Path) -> None:
    with pytest.raises(SpecificationError) as err:
        Scenario(region_code="1101", crop="durian", stores=-1, detour_factor=0.5,
                 county_stores=(("6203", 0, None),), tiers=())
    fields = [r.field for r in err.value.details]
    assert fields == ["region_code", "crop", "stores", "detour_factor", "county_stores",
                      "tiers"]
    with pytest.raises(SpecificationError) as err:
        Scenario.from_mapping({"colour": 1, "trucks": 2})
    assert [(r.field, r.message) for r in err.value.details] == [
        ("colour", "unknown key 'colour'")]
    f = tmp_path / "bad.toml"
    f.write_text('trucks = "many"\n[[seasons]]\nname = "x"\nmonths = [13]\npeaks = []\n',
                 encoding="utf-8")
    with pytest.raises(SpecificationError) as err:
        Scenario.from_toml(f)
    assert [r.field for r in err.value.details] == ["trucks"]
    assert err.value.reasons == [f"{f}: trucks: expected a whole number, got 'many'"]
    f.write_text('crop = "durian"\n[[seasons]]\nname = "x"\nmonths = [13]\npeaks = []\n'
                 "[[tiers]]\ncapacity_t = 50\nbuild_cost_yuan = 1\nsubsidy_yuan = 1\n",
                 encoding="utf-8")
    with pytest.raises(SpecificationError) as err:
        Scenario.from_toml(f)
    # every problem at once, in the order Scenario.problems lists them
    assert [r.field for r in err.value.details] == ["crop", "seasons", "tiers"]
    assert all(r.startswith(f"{f}: ") for r in err.value.reasons)


def test_programme_figures_are_the_defaults() -> None:
    from optimize import programme

    s = Scenario()
    assert (s.province_stores, s.province_trucks, s.province_budget_yuan) == (
        programme.PROVINCE_STORES, programme.PROVINCE_TRUCKS, programme.PROVINCE_BUDGET_YUAN)
    assert (s.detour_factor, s.truck_capacity_t, s.trips_per_truck) == (
        programme.DETOUR_FACTOR, programme.TRUCK_CAPACITY_T, programme.TRIPS_PER_TRUCK)
    assert "893 stores" in PARAMS["province_stores"].source
    assert "500 M yuan" in PARAMS["province_budget_yuan"].source


def test_every_number_has_bounds_in_its_params_entry() -> None:
    import dataclasses
    numbers = [f.name for f in dataclasses.fields(Scenario)
               if str(f.type).split(" ")[0] in ("int", "float")]
    assert "shift_s" in numbers and "truck_capacity_t" in numbers and "stores" in numbers
    missing = [k for k in numbers if k not in PARAMS or PARAMS[k].bounds is None]
    assert missing == [], f"give these PARAMS entries bounds=(low, high): {missing}"
    for key in numbers:  # every default lies within its own range
        low, high = PARAMS[key].bounds  # type: ignore[misc]
        value = getattr(Scenario(), key)
        assert value is None or low <= value <= high, key


@pytest.mark.parametrize(("text", "message"), [
    ("truck_capacity_t = 1e30", "truck_capacity_t = 1e+30: must be between 0.1 and 50 (t)"),
    ("stores = 100000000000000000000",
     "stores = 100,000,000,000,000,000,000: must be between 0 and 2,000 (stores)"),
    ("shift_s = -1", "shift_s = -1: must be between 3,600 and 86,400 (s)"),
    ("budget_yuan = nan", "budget_yuan = nan: must be between 0 and 10,000,000,000 (yuan)"),
    ("detour_factor = 0.5", "detour_factor = 0.5: must be between 1 and 5 (ratio)"),
    ("harvest_peak_days = inf",
     "harvest_peak_days = inf: must be between 1 and 1,000,000,000 (days)"),
    ("shift_start_s = 86400",
     "shift_start_s = 86,400: must be between 0 and 82,800 (s after midnight)"),
])
def test_a_value_outside_its_range_names_key_and_range(tmp_path: Path, text: str,
                                                       message: str) -> None:
    f = tmp_path / "absurd.toml"
    f.write_text(f'region_code = "622924"\n{text}\n', encoding="utf-8")
    with pytest.raises(SpecificationError) as err:
        Scenario.from_toml(f)
    assert err.value.reasons == [f"{f}: {message}"]
    assert [r.field for r in err.value.details] == [text.split(" ")[0]]


def test_range_ends_are_allowed_and_tiers_and_quotas_have_ranges() -> None:
    s = Scenario(truck_capacity_t=50.0, shift_s=3600, stores=2000, shift_start_s=0)
    assert (s.truck_capacity_t, s.shift_s, s.stores) == (50.0, 3600, 2000)
    with pytest.raises(SpecificationError) as err:
        Scenario.from_mapping({"tiers": [{"capacity_t": 1e30, "build_cost_yuan": -1,
                                          "subsidy_yuan": 0}],
                               "county_stores": {"620302": {"min": 10**9}}})
    assert err.value.reasons == [
        "county_stores '620302': expected 0 <= min <= max <= 2,000, got min 1000000000, "
        "max None",
        "tiers[1] '1e+30 t': capacity_t = 1e+30: must be between 100 and 100,000 (t)",
        "tiers[1] '1e+30 t': build_cost_yuan = -1: must be between 0 and 10,000,000,000 "
        "(yuan)"]


def test_shift_start_is_an_assumption_recorded_for_the_plan() -> None:
    described = Scenario().describe()["shift_start_s"]
    assert described["value"] == 6 * 3600 and described["assumption"] is True
    assert described["unit"] == "s after midnight"
    assert Scenario.from_mapping({"shift_start_s": 7 * 3600}).shift_start_s == 25_200


def test_store_quota_policy_is_checked_for_any_region() -> None:
    # a prefecture scenario with a misspelt policy was accepted (only the province checked)
    with pytest.raises(SpecificationError, match="store_quota 'county': expected one of "
                       "none, prefecture"):
        Scenario.from_mapping({"name": "x", "region_code": "6229", "store_quota": "county"})
    assert Scenario.from_mapping({"name": "x", "region_code": "6229",
                                  "store_quota": "prefecture"}).store_quota == "prefecture"

def test_collection_target_is_a_bounded_policy_choice(tmp_path: Path) -> None:
    described = Scenario().describe()["collection_target_pct"]
    assert described["value"] == 95.0 and described["unit"] == "%"
    assert described["assumption"] is True and "policy choice" in described["source"]
    assert Scenario.from_mapping({"collection_target_pct": 100}).collection_target_pct == 100
    f = tmp_path / "target.toml"
    f.write_text('region_code = "622924"\ncollection_target_pct = 101\n', encoding="utf-8")
    with pytest.raises(SpecificationError) as err:
        Scenario.from_toml(f)
    assert err.value.reasons == [
        f"{f}: collection_target_pct = 101: must be between 0 and 100 (%)"]
