"""The province-wide network of the one siting problem.

One graph over the chosen prefectures (the approximate network over their township
points, or an OSM extract clipped to their counties), built as the regional pipeline
builds a region's (:func:`optimize.pipeline.network.road_graph`), with the rural villages,
their legs to the township centre and the candidate sites of every prefecture, and the
access arcs across prefecture borders (:func:`optimize.pipeline.network.network_frames`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from pathlib import Path

import geopandas as gpd
import networkx as nx
import pandas as pd
from shapely.ops import unary_union

from geodata.village_points import place_villages, read_osm_places
from optimize.pipeline.network import Network, network_frames, road_graph
from optimize.pipeline.province.tasks import RegionTask
from optimize.pipeline.region import Region
from optimize.pipeline.settlements import candidate_sites, with_legs, with_supply
from optimize.scenario import Scenario


def province_frames(scenario: Scenario, province: Region, tasks: Sequence[RegionTask],
                    osm_path: str | Path | None,
                    slots: Callable[[Scenario, RegionTask], int]
                    ) -> tuple[nx.MultiDiGraph, Network, gpd.GeoDataFrame]:
    """One graph over the chosen prefectures, their rural villages and candidate sites,
    and the access arcs between them across prefecture borders.

    Village legs use the province's township cells (as the border villages see them);
    with ``osm_path`` the extract is clipped to the chosen prefectures' counties. A
    prefecture's candidate sites are those of its stand-alone plan for ``slots(scenario,
    task)`` stores (:func:`optimize.pipeline.settlements.candidate_sites`).
    """
    codes = [t.code for t in tasks]
    villages = province.villages[province.villages["village_code"].str[:4].isin(codes)]
    if osm_path is not None:
        villages = place_villages(villages, read_osm_places(osm_path))
    counties = province.counties[province.counties["county_code"].str[:4].isin(codes)]
    whole = set(codes) == set(province.villages["village_code"].str[:4])
    region = dataclasses.replace(
        province, villages=villages,
        polygon=province.polygon if whole else unary_union(list(counties.geometry)))
    settlements = with_legs(with_supply(villages, province.census, scenario), province,
                            scenario)
    home = settlements["village_code"].str[:4]
    parts = [candidate_sites(settlements[home == t.code], slots(scenario, t))
             for t in tasks]
    sites = pd.concat(parts).sort_values("village_code").reset_index(drop=True)
    sites["region"] = sites["village_code"].str[:4]
    graph = road_graph(scenario, region, osm_path)
    net = network_frames(graph, settlements, gpd.GeoDataFrame(sites, crs=4326), scenario)
    return graph, net, gpd.GeoDataFrame(sites, geometry="geometry", crs=4326)
