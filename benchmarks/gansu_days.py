"""``benchmarks/routing.py --set gansu``: the Gansu plan's own day instances, re-solved.

What the plan runs (:mod:`optimize.pipeline.province`): the province's stores are sited as
one problem on one network across prefecture borders; each prefecture then builds every
season's trips of its stores with :func:`optimize.pipeline.trips.store_days` (one
:class:`~optimize.routing.problem.RoutingProblem` per store, season and crop mix, engine
``"ortools"``, budget ``routing_time_limit_s / seasons`` converted to a solution count,
seed ``scenario.seed``, wall-clock cap ``WALL_SAFETY`` = 10 x the budget); the province's
trucks are packed over the trips, then market runs use the time left.

This module rebuilds those problems from a saved plan (``plan.json`` and
``layers/settlements.geojson``: which store serves which village) with the pipeline's own
code: the province's graph (:func:`optimize.pipeline.province.network.province_graph`,
the plan's ``road_network`` must be the approximate one), the villages with supply and legs
as :func:`~optimize.pipeline.province.network.province_frames` makes them, and
:func:`optimize.pipeline.trips.store_season_problems`. No siting is re-run: the access
arcs are not needed to route. Each rebuilt instance is compared with the plan's own
collection trips of that store and season (``plan``), which shows whether the extraction
is the plan's.

Per collection instance (a store's season day) it reports the plan's engine at the plan's
budget, the same engine at ``time_factor`` x (time limit and solution count), and peers at
the plan's budget. Which engines express the ride-time (freshness) limit:

- ``ortools`` (the plan's): yes, a freshness dimension in the model;
- ``pyvrp`` (PyVRP 0.14, unchecked): no, it cannot see the age of produce at the store;
  its plan is checked and its violations counted (what the cheapest routes do);
- ``auto`` (the store path's PyVRP, then OR-Tools whenever PyVRP's plan breaks a limit):
  yes, by check and fallback;
- ``multidepot`` (:func:`~optimize.routing.multi_solve.solve_multidepot` on the store's day
  as a one-depot ``MultiDepotProblem``: PyVRP, our ride-time repair, OR-Tools fallback):
  yes, by repair; PyVRP's reload depots and several depots are what the shared fleet
  needs, the store day uses one depot and one trip per truck.

Every engine's result is checked: store results with
:func:`optimize.routing.check.check_trips` (capacity, freshness at the store, shift,
times, distances, coverage), multi-depot ones with
:func:`optimize.routing.multi_check.check_multidepot` (ride times included).

Market runs are a deterministic greedy construction (:mod:`optimize.markets.runs`) with
no search budget: their figures are read from the saved plan per prefecture and season,
with no 10x run and no peer (there is nothing to compare at another budget).
"""

from __future__ import annotations

import dataclasses
import json
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from geodata import datasets
from geodata.csr import graph_to_csr
from geodata.snap import snap_points
from optimize.errors import SpecificationError
from optimize.pipeline.network import Network
from optimize.pipeline.province.network import prefecture, province_graph
from optimize.pipeline.province.solve import WALL_SAFETY
from optimize.pipeline.region import PROVINCE_CODE, load_region
from optimize.pipeline.routing import Depot
from optimize.pipeline.settlements import with_legs, with_supply
from optimize.pipeline.trips import (
    SeasonDay,
    SeasonProblems,
    region_seasons,
    store_season_problems,
    store_villages,
)
from optimize.routing.check import check_trips
from optimize.routing.multi_check import check_multidepot
from optimize.routing.multidepot import MultiDepotProblem
from optimize.routing.problem import RoutingProblem
from optimize.routing.solve import solve_routing
from optimize.scenario import Scenario

#: The multi-depot engine (``solve_routing`` on a one-depot ``MultiDepotProblem``).
MULTIDEPOT = "multidepot"
#: Engines run at the plan's budget beside the plan's own: ``RoutingProblem.engine``
#: values, and :data:`MULTIDEPOT`.
PEER_ENGINES = ("pyvrp", "auto", MULTIDEPOT)
MARKET_ENGINE = ("greedy construction (optimize.markets.runs): deterministic, no search "
                 "budget; figures from the saved plan, no 10x run and no peer")


@dataclass(frozen=True)
class PlanStore:
    """A store of the saved plan: id, prefecture, its site village and served villages."""

    store_id: str
    prefecture: str
    site_id: str
    villages: tuple[str, ...]


@dataclass(frozen=True)
class ProvinceNet:
    """The province's routing inputs: the graph, the network and each village's row."""

    graph: nx.MultiDiGraph
    net: Network
    row_of: dict[str, int]


def read_plan(plan_dir: Path) -> tuple[dict[str, Any], list[PlanStore]]:
    """The saved plan's meta and its stores with the villages each serves."""
    for name in ("plan.json", "layers/settlements.geojson"):
        if not (plan_dir / name).is_file():
            raise SpecificationError([f"{plan_dir / name}: no such file (a saved plan "
                                      "directory, as `coldchain plan --out` writes it)"])
    meta = json.loads((plan_dir / "plan.json").read_text(encoding="utf-8"))
    layer = json.loads((plan_dir / "layers" / "settlements.geojson").read_text(
        encoding="utf-8"))
    served: dict[str, list[str]] = {}
    for f in layer["features"]:
        sid = f["properties"].get("store_id")
        if sid:
            served.setdefault(sid, []).append(str(f["properties"]["settlement_id"]))
    stores = [PlanStore(s["store_id"], s["store_id"].split("-")[0],
                        str(s["site_settlement_id"]), tuple(sorted(served.get(s["store_id"],
                                                                              []))))
              for s in meta["stores"]]
    return meta, stores


def province_net(scenario: Scenario, data_dir: str | Path | None = None,
                 codes: Sequence[str] = ()) -> ProvinceNet:
    """The province plan's network over its prefectures ``codes`` (default: all),
    without access arcs.

    Villages, supply and legs as :func:`optimize.pipeline.province.network.province_frames`
    builds them; the graph by
    :func:`~optimize.pipeline.province.network.province_graph` (approximate network).
    """
    province = load_region(PROVINCE_CODE, datasets.data_dir(data_dir))
    codes = sorted(codes) or sorted(province.villages["village_code"].str[:4].unique())
    villages = province.villages[province.villages["village_code"].str[:4].isin(codes)]
    rural = with_supply(villages, province.census, scenario)
    home = rural["village_code"].str[:4]
    settlements = pd.concat([with_legs(rural[home == c], prefecture(province, c), scenario)
                             for c in codes]).sort_values("village_code")
    settlements = settlements.reset_index(drop=True)
    graph = province_graph(scenario, province, villages, codes, None)
    snap = snap_points(graph, settlements.geometry.x.to_numpy(),
                       settlements.geometry.y.to_numpy(), max_snap_m=scenario.max_snap_m)
    net = Network(settlements, graph_to_csr(graph), snap.node, snap.snap_m, snap.off_network,
                  np.zeros(0, dtype=object),
                  pd.DataFrame(columns=["demand", "site", "time_s", "distance_m"]))
    row_of = {str(v): n for n, v in enumerate(settlements["village_code"])}
    return ProvinceNet(graph, net, row_of)


def store_inputs(scenario: Scenario, pn: ProvinceNet, store: PlanStore
                 ) -> tuple[Scenario, Depot, pd.DataFrame, tuple[SeasonDay, ...]]:
    """What the prefecture's routing stage hands :mod:`optimize.pipeline.trips` for one
    plan store: its scenario, depot, villages and seasons (as ``depots_of`` and
    ``route_seasons`` make them)."""
    net, row = pn.net, pn.row_of[store.site_id]
    settle = net.settlements
    depot = Depot(store.site_id, net.settle_node[row], float(settle["leg_s"].iloc[row]),
                  float(settle["leg_m"].iloc[row]))
    members = np.array(sorted(pn.row_of[v] for v in store.villages), dtype=np.int64)
    sub = dataclasses.replace(scenario, region_code=store.prefecture)
    return sub, depot, store_villages(net, members, row), region_seasons(sub, store.prefecture)


def store_problems(scenario: Scenario, pn: ProvinceNet, store: PlanStore,
                   wall_safety: float = WALL_SAFETY) -> list[SeasonProblems]:
    """Every season's routing problems of one plan store, by the pipeline's code."""
    sub, depot, villages, seasons = store_inputs(scenario, pn, store)
    return store_season_problems(sub, pn.net, depot, villages, seasons,
                                 wall_safety=wall_safety)


def select_instances(stores: Sequence[PlanStore], seasons: dict[str, list[str]],
                     sample: int, seed: int) -> list[tuple[PlanStore, str]]:
    """(store, season) pairs: all, or ``sample`` per season drawn with ``seed``."""
    pairs = [(s, name) for s in stores for name in seasons[s.prefecture]]
    if sample <= 0:
        return pairs
    rng = random.Random(seed)
    out = []
    for name in sorted({n for _, n in pairs}):
        these = [p for p in pairs if p[1] == name]
        out += rng.sample(these, min(sample, len(these)))
    return sorted(out, key=lambda p: (p[0].store_id, p[1]))


def scaled(problem: RoutingProblem, factor: float, engine: str | None = None
           ) -> RoutingProblem:
    """The problem at ``factor`` x its budget (time limit and solution count)."""
    solutions = problem.search_solutions
    return dataclasses.replace(
        problem, time_limit_s=problem.time_limit_s * factor,
        search_solutions=None if solutions is None else int(round(solutions * factor)),
        engine=engine or problem.engine)


def run_parts(sp: SeasonProblems, factor: float = 1.0,
              engine: str | None = None) -> dict[str, Any]:
    """Solve every part of a store-season at ``factor`` x budget; figures and routes."""
    routes, violations, statuses = [], [], []
    cost, tonnes, seconds, unserved = 0, 0.0, 0.0, 0
    ids = sp.pickups["settlement_id"].to_numpy()
    for k, (index, problem) in enumerate(sp.parts):
        if engine == MULTIDEPOT:
            multi = multidepot_problem(scaled(problem, factor))
            result: Any = solve_routing(multi)
            violations += check_multidepot(multi, result)
            tonnes += float(sum(t.load_t for t in result.trips))
        else:
            p = scaled(problem, factor, engine)
            result = solve_routing(p)
            violations += check_trips(p, result)
            tonnes += float(result.served_t)
        routes += [{"part": k, "nodes": [s + 1 for s in t.stops],
                    "settlements": [str(ids[index[s]]) for s in t.stops],
                    "distance_m": int(t.distance_m)} for t in result.trips]
        cost += int(result.distance_m)
        seconds += result.time_s
        unserved += len(result.unserved)
        statuses.append(result.status)
    return {"engine": engine or (sp.parts[0][1].engine if sp.parts else "ortools"),
            "budget": budget(sp, factor), "cost": cost, "tonnes": round(tonnes, 6),
            "trips": len(routes), "unserved": unserved, "routes": routes,
            "time_s": round(seconds, 3),
            "status": ", ".join(sorted(set(statuses))) or "no pickups",
            "violations": len(violations), "violation_examples": violations[:3]}


def multidepot_problem(problem: RoutingProblem) -> MultiDepotProblem:
    """The store's day as a one-depot :class:`MultiDepotProblem` (the shared-fleet model:
    PyVRP with our ride-time repair, OR-Tools fallback), same budget and seed: node 0 the
    store, pickup ``i`` node ``i + 1``, one trip per truck, the shift as horizon and shift,
    each pickup's freshness limit as its ride limit (loading start to store arrival, the
    store checker's age)."""
    n = problem.n_pickups
    return MultiDepotProblem(
        time_s=problem.time_s, distance_m=problem.distance_m, n_depots=1,
        trucks_per_depot=(problem.n_trucks,), pickup_t=problem.pickup_t,
        service_s=problem.service_s, truck_capacity_t=problem.truck_capacity_t,
        horizon_s=problem.shift_s, shift_s=problem.shift_s,
        max_trips_per_truck=problem.trips_per_truck, unload_s=problem.unload_s,
        ride_limit_s=np.array([problem.freshness_s(i) for i in range(n)], dtype=np.int64),
        time_limit_s=problem.time_limit_s, seed=problem.seed, engine="auto",
        wall_safety=problem.wall_safety)


def budget(sp: SeasonProblems, factor: float) -> dict[str, Any]:
    """The budget of each part: time limit (s) and solutions accepted."""
    return {"time_limit_s": [round(p.time_limit_s * factor, 6) for _, p in sp.parts],
            "search_solutions": [None if p.search_solutions is None
                                 else int(round(p.search_solutions * factor))
                                 for _, p in sp.parts],
            "wall_safety": sp.parts[0][1].wall_safety if sp.parts else None,
            "seed": sp.parts[0][1].seed if sp.parts else None}


def route_cost_m(parts: Sequence[dict[str, Any]], routes: Sequence[dict[str, Any]]) -> int:
    """Metres of ``routes`` from the instance's matrices (node 0 = the store)."""
    total = 0
    for r in routes:
        d = parts[r["part"]]["distance_m"]
        path = [0, *r["nodes"], 0]
        total += sum(int(d[a][b]) for a, b in zip(path, path[1:], strict=False))
    return total


def gap_pct(cost: float, reference: float) -> float | None:
    """``100 (cost - reference) / reference``; None when the reference is 0."""
    return round(100.0 * (cost - reference) / reference, 4) if reference > 0 else None


def plan_figures(meta: dict[str, Any], store_id: str, season: str,
                 rebuilt: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The saved plan's collection trips of one store and season, and how many of them
    the rebuilt plan-budget run drives too (same stops in order, same metres; a trip that
    leaves from another store, ``start_id``, by its stops alone: its metres include the
    first leg from there); the plan may have fewer trips: the fleet packing drops trips
    when every truck is busy."""
    trips = [r for r in meta["routes"] if r["kind"] == "collection"
             and r["store_id"] == store_id and r["season"] == season]
    mine = [(tuple(r["settlements"]), r["distance_m"]) for r in rebuilt]
    found = 0
    for r in trips:
        stops = tuple(str(s["settlement_id"]) for s in r["stops"])
        own = str(r.get("start_id") or store_id) == store_id
        hit = next((m for m in mine if m[0] == stops
                    and (not own or m[1] == int(r["distance_m"]))), None)
        if hit is not None:
            mine.remove(hit)
            found += 1
    return {"trips": len(trips), "cost": int(sum(r["distance_m"] for r in trips)),
            "tonnes": round(sum(float(r["load_t"]) for r in trips), 6),
            "trips_found_in_rebuilt": found}


def collection_row(store: PlanStore, sp: SeasonProblems, factor: float,
                   meta: dict[str, Any], peers: Sequence[str]) -> dict[str, Any]:
    """One collection instance: the plan's engine at 1x and ``factor`` x, and peers."""
    base = run_parts(sp)
    long = run_parts(sp, factor)
    parts = [{"crop": str(sp.pickups["crop"].iloc[int(idx[0])]) if len(idx) else "",
              "distance_m": p.distance_m.tolist(),
              "freshness_limit_s": int(p.freshness_limit_s), "pickups": p.n_pickups}
             for idx, p in sp.parts]
    plan = plan_figures(meta, store.store_id, sp.season.name, base["routes"])
    row = {"instance": f"{store.prefecture}/{sp.season.name}/{store.store_id}",
           "kind": "collection", "prefecture": store.prefecture, "season": sp.season.name,
           "store_id": store.store_id, "pickups": len(sp.pickups), **base, "parts": parts,
           "long": {**long, "time_factor": factor},
           "gap_to_long_pct": gap_pct(base["cost"], long["cost"]),
           "tonnes_short_of_long_t": round(long["tonnes"] - base["tonnes"], 6),
           "plan": plan, "matches_plan": plan["trips_found_in_rebuilt"] == plan["trips"],
           "same_as_plan": plan["trips"] == base["trips"] and plan["cost"] == base["cost"]}
    row["peers"] = {}
    for engine in peers:
        peer = run_parts(sp, 1.0, engine)
        peer["gap_to_plan_engine_pct"] = gap_pct(peer["cost"], base["cost"])
        row["peers"][engine] = peer
    return row


def market_rows(meta: dict[str, Any], prefectures: Sequence[str]) -> list[dict[str, Any]]:
    """Each prefecture's market runs per season, from the saved plan (no budget to vary).

    A run belongs to the prefecture of its first store; ``cost`` is its metres, each run
    listed with its stops and ``distance_m`` so the total can be recomputed.
    """
    out = []
    seasons = sorted({r["season"] for r in meta["routes"] if r["kind"] == "market"})
    for code in prefectures:
        for season in seasons:
            runs = [r for r in meta["routes"] if r["kind"] == "market"
                    and r["season"] == season and r["store_id"].split("-")[0] == code]
            routes = [{"route_id": r["route_id"], "truck_id": r["truck_id"],
                       "stops": [s.get("store_id") or s.get("market_id") for s in r["stops"]],
                       "distance_m": int(r["distance_m"]), "load_t": float(r["load_t"])}
                      for r in runs]
            out.append({"instance": f"{code}/{season}/market", "kind": "market",
                        "prefecture": code, "season": season, "engine": MARKET_ENGINE,
                        "budget": None, "cost": sum(r["distance_m"] for r in routes),
                        "tonnes": round(sum(r["load_t"] for r in routes), 6),
                        "trips": len(routes), "routes": routes, "time_s": None,
                        "long": None, "gap_to_long_pct": None, "peers": {}})
    return out


def summarise(rows: Sequence[dict[str, Any]], left_out: dict[str, int]) -> dict[str, Any]:
    """Per kind and season: instances, mean / worst gap to the long run, tonnes."""
    out: dict[str, Any] = {}
    for kind in ("collection", "market"):
        for season in sorted({r["season"] for r in rows if r["kind"] == kind}):
            these = [r for r in rows if r["kind"] == kind and r["season"] == season]
            gaps = [r["gap_to_long_pct"] for r in these if r["gap_to_long_pct"] is not None]
            entry: dict[str, Any] = {
                "instances": len(these), "tonnes": round(sum(r["tonnes"] for r in these), 3),
                "cost_m": int(sum(r["cost"] for r in these)), "trips": sum(r["trips"]
                                                                          for r in these)}
            if kind == "collection":
                entry.update(_collection_summary(these, gaps))
            else:
                entry["gap"] = "none: no search budget (deterministic construction)"
            out[f"{kind}/{season}"] = entry
    out["left_out"] = left_out
    return out


def _collection_summary(these: Sequence[dict[str, Any]], gaps: list[float]
                        ) -> dict[str, Any]:
    long_cost = sum(r["long"]["cost"] for r in these)
    entry: dict[str, Any] = {
        "with_gap": len(gaps), "mean_gap_pct": round(float(np.mean(gaps)), 4) if gaps else None,
        "worst_gap_pct": round(max(gaps), 4) if gaps else None,
        "total_gap_pct": gap_pct(sum(r["cost"] for r in these), long_cost),
        "long_tonnes": round(sum(r["long"]["tonnes"] for r in these), 3),
        "matches_plan": sum(1 for r in these if r["matches_plan"]),
        "same_as_plan": sum(1 for r in these if r["same_as_plan"]),
        "violations": sum(r["violations"] + r["long"]["violations"] for r in these)}
    for engine in sorted({e for r in these for e in r["peers"]}):
        peer = [r["peers"][engine] for r in these if engine in r["peers"]]
        pg = [p["gap_to_plan_engine_pct"] for p in peer if p["gap_to_plan_engine_pct"]
              is not None]
        entry[f"peer_{engine}"] = {
            "instances": len(peer), "tonnes": round(sum(p["tonnes"] for p in peer), 3),
            "mean_gap_to_plan_engine_pct": round(float(np.mean(pg)), 4) if pg else None,
            "instances_with_violations": sum(1 for p in peer if p["violations"])}
    return entry


def run_gansu(scenario: Scenario, plan_dir: Path, *, prefectures: Sequence[str] = (),
              sample: int = 0, seed: int = 0, time_factor: float = 10.0,
              peers: Sequence[str] = PEER_ENGINES, data_dir: str | Path | None = None,
              log: Any = None, pn: ProvinceNet | None = None) -> dict[str, Any]:
    """The ``--set gansu`` JSON: collection instances re-solved, market runs reported
    (``pn``: the province network if already built, :func:`province_net`)."""
    started = time.perf_counter()
    meta, stores = read_plan(plan_dir)
    if meta.get("road_network", {}).get("source") != "approximate":
        raise SpecificationError([f"{plan_dir}: only plans on the approximate network are "
                                  "rebuilt (an OSM plan needs its extract)"])
    codes = sorted({s.prefecture for s in stores})
    chosen = [c for c in codes if not prefectures or c in prefectures]
    unknown = sorted(set(prefectures) - set(codes))
    if unknown:
        raise SpecificationError([f"--prefectures {','.join(unknown)}: not in the plan "
                                  f"({','.join(codes)})"])
    # the plan's graph is over the prefectures it planned (``regions``; else all)
    planned = [str(r["code"]) for r in meta.get("regions", [])]
    pn = pn or province_net(scenario, data_dir, planned)
    here = [s for s in stores if s.prefecture in chosen]
    seasons = {c: [s.name for s in region_seasons(dataclasses.replace(
        scenario, region_code=c), c)] for c in chosen}
    picked = select_instances(here, seasons, sample, seed)
    rows = []
    problems: dict[str, list[SeasonProblems]] = {}
    for n, (store, season) in enumerate(picked):
        if store.store_id not in problems:  # one matrix per store, as the pipeline
            problems = {store.store_id: store_problems(scenario, pn, store)}
        sp = next(p for p in problems[store.store_id] if p.season.name == season)
        rows.append(collection_row(store, sp, time_factor, meta, peers))
        if log:
            r = rows[-1]
            log(f"{n + 1}/{len(picked)} {r['instance']}: {r['cost']} m vs {r['long']['cost']} m "
                f"({r['gap_to_long_pct']} %), plan match {r['matches_plan']}")
    rows += market_rows(meta, chosen)
    total = sum(len(v) for c, v in seasons.items() for s in here if s.prefecture == c)
    left = {"collection_instances_not_run": total - len(picked),
            "prefectures_not_run": len(codes) - len(chosen)}
    return {"set": "gansu", "plan": str(plan_dir), "prefectures": chosen, "sample": sample,
            "seed": seed, "time_factor": time_factor, "peers": list(peers),
            "time_s": round(time.perf_counter() - started, 1), "results": rows,
            "summary": summarise(rows, left)}
