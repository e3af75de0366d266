"""The data directory, the checked CSV reader and the table loaders, on the real data."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from geodata.datasets import (
    CENSUS_CSV,
    ENV_VAR,
    Column,
    attributions,
    data_dir,
    load_census,
    load_county_codes,
    load_poverty_counties,
    load_prefecture_codes,
    load_township_codes,
    load_village_codes,
    read_csv_checked,
)
from geodata.errors import DataDirNotFound, DataError

CENSUS_HEADER = (
    "adcode,prefecture,county,pop_total,pop_male,pop_female,pop_urban,pop_rural,households,"
    "household_size,minority_pct,age_0_14_pct,age_15_64_pct,age_65plus_pct,"
    "mean_years_schooling,level"
)


@pytest.fixture(scope="module")
def root() -> Path:
    return data_dir()


def _census_copy(tmp_path: Path, root: Path, edit: dict[int, str] | None = None) -> Path:
    """Copy the census CSV into ``tmp_path`` (same layout), replacing lines by number."""
    lines = (root / CENSUS_CSV).read_text(encoding="utf-8").splitlines()
    for number, text in (edit or {}).items():
        lines[number - 1] = text
    target = tmp_path / CENSUS_CSV
    target.parent.mkdir(parents=True)
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target


# -- data_dir ---------------------------------------------------------------------------


def test_data_dir_explicit_env_and_default(
    root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert (root / "README.md").is_file()
    assert data_dir(tmp_path) == tmp_path.resolve()
    monkeypatch.setenv(ENV_VAR, str(tmp_path))
    assert data_dir() == tmp_path.resolve()
    assert data_dir(root) == root  # explicit beats the environment
    monkeypatch.delenv(ENV_VAR)
    assert data_dir() == root


def test_data_dir_missing_names_what_was_tried(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "nowhere"
    monkeypatch.setenv(ENV_VAR, str(missing))
    with pytest.raises(DataDirNotFound, match=ENV_VAR) as info:
        data_dir()
    assert str(missing) in str(info.value)
    with pytest.raises(DataDirNotFound, match="nowhere"):
        data_dir(missing)


# -- census -------------------------------------------------------------------------------


def test_census_province_total_equals_county_rows(root: Path) -> None:
    census = load_census(root)
    assert list(census.columns) == ["adcode", "name", "prefecture", "level", "pop_total",
                                    "pop_urban", "pop_rural", "households"]
    assert len(census) == 102
    assert census["level"].value_counts().to_dict() == {
        "county": 87, "prefecture": 13, "province": 1, "prefecture_and_county": 1}
    assert census["adcode"].str.fullmatch(r"\d{6}").all()
    assert str(census["households"].dtype) == "int64"
    by_code = census.set_index("adcode")
    assert by_code.loc["620000", "pop_total"] == 25_019_831
    assert by_code.loc["620200", "level"] == "prefecture_and_county"  # 嘉峪关, no counties
    county_level = census["level"].isin(["county", "prefecture_and_county"])
    prefecture_level = census["level"].isin(["prefecture", "prefecture_and_county"])
    assert census.loc[county_level, "pop_total"].sum() == 25_019_831
    assert census.loc[prefecture_level, "pop_total"].sum() == 25_019_831
    assert by_code.loc["620100", "pop_total"] == 4_359_446  # Lanzhou, The Paper 2022-02-17


def test_census_loads_are_independent_copies(root: Path) -> None:
    first = load_census(root)
    first.loc[0, "pop_total"] = -1
    assert load_census(root).loc[0, "pop_total"] == 25_019_831


# -- facts and NBS codes --------------------------------------------------------------------


def test_poverty_counties(root: Path) -> None:
    poor = load_poverty_counties(root)
    assert list(poor.columns) == ["county_code", "county_name", "prefecture_name",
                                  "exit_approved"]
    assert len(poor) == 8
    assert "622926" in set(poor["county_code"])  # 东乡族自治县
    assert set(poor["exit_approved"]) == {"2020-11-21"}
    assert poor.set_index("county_code").loc["621226", "county_name"] == "礼县"


def test_admin_code_lists_keep_codes_as_strings(root: Path) -> None:
    prefectures = load_prefecture_codes(root)
    counties = load_county_codes(root)
    townships = load_township_codes(root)
    villages = load_village_codes(root)
    assert [len(prefectures), len(counties), len(townships), len(villages)] == [
        14, 88, 1403, 17718]
    assert list(villages.columns) == ["village_code", "village_name", "township_code",
                                      "county_code", "prefecture_code"]
    assert villages["village_code"].str.len().eq(12).all()
    assert townships["township_code"].str.len().eq(9).all()
    assert prefectures.set_index("prefecture_code").loc["6229", "prefecture_name"] == \
        "临夏回族自治州"
    # NBS gives 嘉峪关 as 620201, unchanged here (places maps it to 620200)
    assert "620201" in set(counties["county_code"])
    assert (villages["county_code"] == "620201").sum() == 48
    assert (villages["prefecture_code"] == "6229").sum() == 1197


# -- attributions -------------------------------------------------------------------------------


def test_attributions_match_provenance(root: Path) -> None:
    entries = attributions(root)
    assert all(set(e) == {"dataset", "attribution", "license"} for e in entries)
    text = " | ".join(f"{e['attribution']} {e['license']}" for e in entries)
    for phrase in ("Vonng/adcode", "© OpenStreetMap contributors", "ODbL", "GeoNames",
                   "Lei Dong et al.", "WTFPL", "Amap", "cnmaps", "Xinhua", "China Daily"):
        assert phrase in text
    assert sum(e["license"] == "CC BY 4.0" for e in entries) == 2


def test_attributions_fail_when_provenance_changes(root: Path, tmp_path: Path) -> None:
    for provenance in root.glob("*/PROVENANCE.md"):
        target = tmp_path / provenance.parent.name / "PROVENANCE.md"
        target.parent.mkdir()
        shutil.copy(provenance, target)
    assert attributions(tmp_path) == attributions(root)
    census = tmp_path / "census" / "PROVENANCE.md"
    census.write_text(census.read_text(encoding="utf-8").replace("MIT", "GPL"),
                      encoding="utf-8")
    with pytest.raises(DataError, match="census.*MIT"):
        attributions(tmp_path)


# -- errors name the file, the row and the value ------------------------------------------------


def test_bad_number_names_file_row_and_value(root: Path, tmp_path: Path) -> None:
    lanzhou = "620100,兰州市,兰州市,4359446,2239998,2119448,3622550,73x896,1488899," \
        "2.43,5.22,14.19,74.11,11.7,10.91,prefecture"
    path = _census_copy(tmp_path, root, {3: lanzhou})
    with pytest.raises(DataError) as info:
        load_census(tmp_path)
    message = str(info.value)
    assert str(path) in message and "row 3" in message and "'73x896'" in message
    assert "pop_rural" in message
    assert info.value.row == 3


def test_bad_code_names_row(root: Path, tmp_path: Path) -> None:
    jiayuguan = "62020,嘉峪关市,嘉峪关市,312663,0,0,295257,17406,122353,2.41,0,0,0,0,0," \
        "prefecture_and_county"
    _census_copy(tmp_path, root, {13: jiayuguan})
    with pytest.raises(DataError, match=r"row 13.*6-digit code, got '62020'"):
        load_census(tmp_path)


def test_inconsistent_population_names_row(root: Path, tmp_path: Path) -> None:
    lanzhou = "620100,兰州市,兰州市,4359446,2239998,2119448,3622550,736895,1488899," \
        "2.43,5.22,14.19,74.11,11.7,10.91,prefecture"
    _census_copy(tmp_path, root, {3: lanzhou})
    with pytest.raises(DataError, match=r"row 3, item '620100'.*pop_urban \+ pop_rural"):
        load_census(tmp_path)


def test_missing_column_and_missing_file(root: Path, tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"gansu_census2020_county.csv: file not found"):
        load_census(tmp_path)
    path = _census_copy(tmp_path, root, {1: CENSUS_HEADER.replace("households", "hh")})
    with pytest.raises(DataError, match=r"missing column\(s\) \['households'\]") as info:
        load_census(tmp_path)
    assert info.value.path == str(path)


def test_coordinates_out_of_range_and_bom(tmp_path: Path) -> None:
    path = tmp_path / "points.csv"
    path.write_text("\ufeffname,lon,lat\nA,103.2,35.6\nB,35.6,103.2\n", encoding="utf-8")
    columns = [Column("name"), Column("lon", "lon"), Column("lat", "lat")]
    with pytest.raises(DataError, match=r"row 3.*longitude in 70\.\.140 deg, got '35.6'"):
        read_csv_checked(path, columns)
    path.write_text("\ufeffname,lon,lat\nA,103.2,35.6\n", encoding="utf-8")
    frame = read_csv_checked(path, columns)  # BOM stripped from the first column name
    assert frame.loc[0, "name"] == "A" and frame.loc[0, "lat"] == 35.6


def test_empty_and_date_values(tmp_path: Path) -> None:
    path = tmp_path / "facts.csv"
    path.write_text("code,when\n622926,2020-11-21\n,2020-11-31\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"row 3.*'code': empty value, got ''"):
        read_csv_checked(path, [Column("code", "code", 6), Column("when", "date")])
    with pytest.raises(DataError, match=r"row 3.*date YYYY-MM-DD, got '2020-11-31'"):
        read_csv_checked(path, [Column("code", "code", 6, nullable=True),
                                Column("when", "date")])
