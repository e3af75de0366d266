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
from optimize.pipeline.network import Network, network_frames, road_graph, township_graph
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

    Each prefecture's villages, legs and candidate sites are those of its stand-alone
    plan (legs over its own township cells; sites for ``slots(scenario, task)`` stores,
    :func:`optimize.pipeline.settlements.candidate_sites`), and the graph contains each
    prefecture's own network (:func:`province_graph`), so every pair a stand-alone plan
    links is at most as far here: the one problem relaxes the decomposed one. With
    ``osm_path`` the extract is clipped to the chosen prefectures' counties.
    """
    codes = [t.code for t in tasks]
    villages = province.villages[province.villages["village_code"].str[:4].isin(codes)]
    if osm_path is not None:
        villages = place_villages(villages, read_osm_places(osm_path))
    rural = with_supply(villages, province.census, scenario)
    home = rural["village_code"].str[:4]
    settlements = pd.concat([with_legs(rural[home == c], prefecture(province, c), scenario)
                             for c in codes]).sort_values("village_code")
    settlements = gpd.GeoDataFrame(settlements.reset_index(drop=True), geometry="geometry",
                                   crs=4326)
    home = settlements["village_code"].str[:4]
    parts = [candidate_sites(settlements[home == t.code], slots(scenario, t))
             for t in tasks]
    sites = pd.concat(parts).sort_values("village_code").reset_index(drop=True)
    sites["region"] = sites["village_code"].str[:4]
    sites = gpd.GeoDataFrame(sites, geometry="geometry", crs=4326)
    graph = province_graph(scenario, province, villages, codes, osm_path)
    return graph, network_frames(graph, settlements, sites, scenario), sites


def province_graph(scenario: Scenario, province: Region, villages: gpd.GeoDataFrame,
                   codes: Sequence[str], osm_path: str | Path | None) -> nx.MultiDiGraph:
    """The road graph of prefectures ``codes``: the OSM extract clipped to their counties,
    or the approximate network over all their township points composed with each
    prefecture's own approximate network (a triangulation of one prefecture's points
    links some of them directly that the province's links only through a neighbour)."""
    counties = province.counties[province.counties["county_code"].str[:4].isin(codes)]
    whole = set(codes) == set(province.villages["village_code"].str[:4])
    region = dataclasses.replace(
        province, villages=villages,
        polygon=province.polygon if whole else unary_union(list(counties.geometry)))
    graph = road_graph(scenario, region, osm_path)
    if osm_path is not None or len(codes) < 2:
        return graph
    own = [township_graph(villages[villages["village_code"].str[:4] == c], province.seats,
                          scenario.detour_factor) for c in codes]
    composed = nx.compose_all([graph, *own])
    composed.graph.update(graph.graph)
    return composed


def prefecture(province: Region, code: str) -> Region:
    """Prefecture ``code`` of the loaded province: its villages and the outline of its
    counties (the township cells of its village legs)."""
    counties = province.counties[province.counties["county_code"].str[:4] == code]
    return dataclasses.replace(
        province, code=code, counties=counties,
        villages=province.villages[province.villages["village_code"].str[:4] == code],
        polygon=unary_union(list(counties.geometry)))
