"""The prefectures of a whole-province plan: which ones, their shares and scenarios."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from geodata import datasets, places
from optimize.errors import SpecificationError
from optimize.pipeline.region import PROVINCE_CODE, Share, regional_share, rural_weights
from optimize.pipeline.siting import SitedRegion
from optimize.scenario import Scenario

#: Smallest CP-SAT siting budget of one prefecture, deterministic seconds.
MIN_REGION_SITING_S = 5.0


@dataclass(frozen=True)
class RegionTask:
    """One prefecture's share and the scenario its ``build_plan`` runs with."""

    code: str
    name: str
    villages: int  # rural villages (the plan's settlements)
    share: Share
    scenario: Scenario
    sited: SitedRegion | None = None  # its part of the province's one siting problem


def region_tasks(scenario: Scenario, root: Path,
                 regions: Sequence[str] | None = None) -> list[RegionTask]:
    """The prefectures to solve, largest first, each with its share and scenario.

    A region's CP-SAT siting budget is its share of the province's by rural village count,
    at least :data:`MIN_REGION_SITING_S`.
    """
    problems = province_problems(scenario)
    if problems:
        raise SpecificationError(problems)
    census = datasets.load_census(root)
    codes = sorted(k[:4] for k in rural_weights(census, 4))
    chosen = codes if regions is None else list(dict.fromkeys(regions))
    unknown = [c for c in chosen if c not in codes]
    if unknown:
        raise SpecificationError([f"region {c!r}: not a Gansu prefecture-level code "
                                  f"(known: {', '.join(codes)})" for c in unknown])
    if not chosen:
        raise SpecificationError(["regions: at least one prefecture is needed"])
    villages = places.load_villages(root, PROVINCE_CODE)
    rural = villages[villages["is_village"].astype(bool)]
    counts = rural["village_code"].str[:4].value_counts()
    total = int(counts.reindex(codes).fillna(0).sum())
    names = census.set_index("adcode")["name"]
    tasks = []
    for code in chosen:
        n = int(counts.get(code, 0))
        siting_s = max(MIN_REGION_SITING_S, scenario.siting_time_limit_s * n / max(total, 1))
        sub = dataclasses.replace(scenario, region_code=code,
                                  name=f"{scenario.name} · {names.get(code + '00', code)}",
                                  siting_time_limit_s=round(siting_s, 1))
        tasks.append(RegionTask(code, str(names.get(code + "00", code)), n,
                                regional_share(sub, census), sub))
    return sorted(tasks, key=lambda t: (-t.villages, t.code))


def province_problems(scenario: Scenario) -> list[str]:
    """What makes ``scenario`` unfit for a whole-province plan (empty: nothing)."""
    out = []
    if scenario.region_code != PROVINCE_CODE:
        out.append(f"region_code {scenario.region_code!r}: plan_province plans the whole "
                   f"province, expected {PROVINCE_CODE!r}")
    for key, instead in (("stores", "province_stores"), ("trucks", "province_trucks"),
                         ("budget_yuan", "province_budget_yuan")):
        if getattr(scenario, key) is not None:
            out.append(f"{key}: not used for the whole province (it is apportioned to the "
                       f"prefectures); set {instead} instead")
    for key in ("supply_file", "sites_file"):
        if getattr(scenario, key):
            out.append(f"{key}: not supported for a whole-province plan yet; plan the "
                       "prefectures one by one with their own tables")
    return out + quota_problems(scenario)


def quota_problems(scenario: Scenario) -> list[str]:
    """What is wrong with the scenario's store quota keys (empty: nothing)."""
    out = []
    if not 0 <= scenario.store_quota_tolerance_pct <= 100:
        out.append(f"store_quota_tolerance_pct {scenario.store_quota_tolerance_pct}: "
                   "expected 0 to 100 (%)")
    if scenario.store_quota == "prefecture" and (scenario.county_min_stores
                                                 or scenario.county_stores):
        out.append("store_quota = \"prefecture\" cannot be combined with county quotas "
                   "(county_min_stores, [county_stores]): the siting problem has one level "
                   "of site groups; use store_quota = \"none\" with county quotas")
    return out
