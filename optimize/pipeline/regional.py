"""One prefecture or county, end to end: the stages of the regional plan in order.

Steps (each reported to ``progress``):

1. region data: villages (NBS 2023, at their township's point), counties, census, poverty
   (:mod:`optimize.pipeline.region`);
2. the region's share of the province's stores, trucks and budget (``optimize.apportion``);
3. supply per village: county rural population x kg per rural resident, spread evenly
   over the county's rural villages (an estimate, labelled so);
4. candidate sites: one slot per township (more when stores outnumber townships);
5. road graph: an OSM extract, or the approximate network over township points;
6. sparse travel-time matrix villages x sites within the access limit;
7. siting (``optimize.siting``), fleet allocation (``optimize.fleet``),
   per-store routing (``optimize.routing``);
8. the Plan with KPIs, provenance and every approximation named.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from geodata import datasets
from geodata.village_points import place_villages, read_osm_places
from optimize.errors import SpecificationError
from optimize.pipeline.assemble import assemble_plan
from optimize.pipeline.network import network_frames, road_graph
from optimize.pipeline.region import PROVINCE_CODE, Region, Share, load_region, regional_share
from optimize.pipeline.season_markets import load_markets
from optimize.pipeline.season_plan import route_seasons
from optimize.pipeline.settlements import candidate_sites, site_rules, with_legs, with_supply
from optimize.pipeline.siting import DEFAULT_WALL_SAFETY, SitedRegion, site
from optimize.plan.io import Plan
from optimize.scenario import Scenario

Progress = Callable[[str, float], None]


def build_plan(
    scenario: Scenario,
    *,
    data_dir: str | Path | None = None,
    osm_path: str | Path | None = None,
    plan_id: str = "plan",
    progress: Progress | None = None,
    wall_safety: float = DEFAULT_WALL_SAFETY,
    fleet_trucks: int | None = None,
) -> Plan:
    """Load the scenario's region and plan it (:func:`plan_region`)."""
    if len(scenario.region_code) == len(PROVINCE_CODE):
        raise SpecificationError([f"region_code {scenario.region_code!r} is the whole "
                                  "province: it is planned by prefecture with "
                                  "optimize.pipeline.province (plan_for, `coldchain plan`)"])
    report = progress or (lambda stage, fraction: None)
    report("loading reference data", 0.02)
    region = load_region(scenario.region_code, datasets.data_dir(data_dir))
    return plan_region(scenario, region, osm_path=osm_path, plan_id=plan_id,
                       progress=report, wall_safety=wall_safety, fleet_trucks=fleet_trucks,
                       data_dir=data_dir)


def plan_region(
    scenario: Scenario,
    region: Region,
    *,
    osm_path: str | Path | None = None,
    plan_id: str = "plan",
    progress: Progress | None = None,
    wall_safety: float = DEFAULT_WALL_SAFETY,
    fleet_trucks: int | None = None,
    data_dir: str | Path | None = None,
    sited: SitedRegion | None = None,
) -> Plan:
    """Run the stages on a loaded region and return the finished plan.

    ``osm_path``: an OSM extract, clipped to the region, for the road graph and the
    villages it maps as named places. ``wall_safety``: the solvers' wall-clock caps as a
    multiple of their deterministic budgets. ``fleet_trucks``: trucks shared over the
    stores' trips in each season (default: the region's share; 0: no limit, for a
    province whose fleet is packed over all prefectures afterwards,
    :mod:`optimize.pipeline.province_fleet`). The markets table (``markets_file`` or
    the defaults) is read first: a bad table fails before any solving. ``sited``: the
    region's stores and their villages decided elsewhere (the province's one siting
    problem); then steps 3-7's siting is skipped and the region is routed on
    ``sited.graph`` as given.
    """
    report = progress or (lambda stage, fraction: None)
    markets = load_markets(scenario.markets_file, region.code, data_dir) \
        if scenario.market_runs else None
    share = regional_share(scenario, region.census)
    if sited is None:
        sited = site_region(scenario, region, share, osm_path=osm_path, report=report,
                            wall_safety=wall_safety)
    graph, net, sites, siting = sited.graph, sited.net, sited.sites, sited.siting
    report("allocating trucks and routing (OR-Tools)", 0.55)
    trucks = share.trucks if fleet_trucks is None else fleet_trucks
    routing = route_seasons(scenario, region.code, graph, net, sites, siting, trucks,
                            report, wall_safety=wall_safety, markets=markets)
    report("assembling the plan", 0.97)
    plan = assemble_plan(scenario, region, share, graph, net, sites, siting, routing, plan_id)
    report("done", 1.0)
    return plan


def site_region(scenario: Scenario, region: Region, share: Share, *,
                osm_path: str | Path | None, report: Progress,
                wall_safety: float = DEFAULT_WALL_SAFETY) -> SitedRegion:
    """Steps 3-7 (siting part): supply, candidate sites, road graph, arcs, siting."""
    villages = region.villages
    if osm_path is not None:
        villages = place_villages(villages, read_osm_places(osm_path))
    settlements = with_legs(with_supply(villages, region.census, scenario), region, scenario)
    required, excluded = site_rules(settlements, scenario)
    sites = candidate_sites(settlements, share.stores, required=required, excluded=excluded)
    report("building the road network", 0.10)
    graph = road_graph(scenario, region, osm_path)
    report("snapping and travel-time matrix", 0.20)
    net = network_frames(graph, settlements, sites, scenario)
    report("siting cold stores (OR-Tools CP-SAT)", 0.30)
    siting = site(scenario, net, sites, share, wall_safety=wall_safety)
    return SitedRegion(graph, net, sites, siting)
