"""Province-size travel-time matrix benchmark: ours vs osmnx (pairwise) vs pandana (CH).

Writes one JSON file (default ``benchmarks/results/matrix-<nodes>.json``) with: graph size,
load times (first build and from the cache), matrix size, cutoff, wall seconds, peak
memory, a check of 1,000 random pairs against a plain Dijkstra on the written GraphML,
and the same work timed with osmnx's pairwise ``shortest_path`` and with pandana's
contraction hierarchies, each on a sample of pairs and **extrapolated** (labelled so).

The road network is SYNTHETIC (``geodata.synth``): no Gansu OSM extract can be downloaded
here. Points: the real 17,718 village-level units (at their township centres) and 1,403
township points of Gansu (``geodata.places``), or, with ``--points random``, as many
distinct points drawn uniformly in Gansu's bounding box (the harder case: every village
its own source node).

Run:  .venv/bin/python benchmarks/matrix.py --nodes 300000 --points random
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import psutil

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from app.cli_geo import write_graphml  # noqa: E402
from geodata.csr import graph_to_csr  # noqa: E402
from geodata.matrix import travel_time_matrix  # noqa: E402
from geodata.roads import road_graph_from_osm  # noqa: E402
from geodata.snap import snap_points, snap_report  # noqa: E402
from geodata.synth import GANSU_BBOX, write_synthetic_roads  # noqa: E402


class PeakMemory:
    """Samples the proportional set size (PSS, shared pages split fairly) of this process
    and its children every 0.1 s; ``peak_gb`` is the largest total seen."""

    def __init__(self) -> None:
        self.peak_bytes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            total = 0
            for proc in [me, *me.children(recursive=True)]:
                with suppress(psutil.NoSuchProcess, psutil.AccessDenied):
                    total += proc.memory_full_info().pss
            self.peak_bytes = max(self.peak_bytes, total)
            self._stop.wait(0.1)

    @property
    def peak_gb(self) -> float:
        return round(self.peak_bytes / 1e9, 3)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


@contextmanager
def timed(record: dict[str, Any], name: str) -> Iterator[None]:
    start = time.perf_counter()
    yield
    record[name] = round(time.perf_counter() - start, 3)


def points(kind: str, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, str]:
    """(village lon, lat, site lon, lat, description)."""
    if kind == "gansu":
        from geodata.places import load_townships, load_villages

        villages, towns = load_villages(), load_townships()
        return (villages.geometry.x.to_numpy(), villages.geometry.y.to_numpy(),
                towns.geometry.x.to_numpy(), towns.geometry.y.to_numpy(),
                f"real Gansu points: {len(villages)} village-level units at their township "
                f"centres (many share a point) x {len(towns)} township points")
    rng = np.random.default_rng(seed)
    west, south, east, north = GANSU_BBOX

    def draw(n: int) -> tuple[np.ndarray, np.ndarray]:
        return rng.uniform(west, east, n), rng.uniform(south, north, n)

    (vx, vy), (sx, sy) = draw(17_718), draw(1_403)
    return vx, vy, sx, sy, ("random points uniform in Gansu's bbox: 17718 'villages' x 1403 "
                            "'sites', seed " + str(seed))


def check_against_graphml(graphml: Path, src: list[Any], dst: list[Any],
                          dense: dict[tuple[int, int], tuple[int, int]], cutoff_s: float,
                          n_pairs: int, seed: int) -> dict[str, Any]:
    """Plain Dijkstra (networkx, on the GraphML read back) for two samples of ``n_pairs``:
    pairs drawn uniformly among all sources x targets (most are beyond the cutoff, and must
    be absent), and pairs drawn uniformly among the matrix's entries (times must match to
    the second, distances to the metre, up to ties between equally fast paths). Each sample
    is drawn as 50 random sources x (n_pairs / 50) targets, so that one single-source
    Dijkstra serves 20 pairs."""
    started = time.perf_counter()
    graph = nx.read_graphml(graphml, node_type=int, force_multigraph=True)
    read_s = time.perf_counter() - started
    rng = random.Random(seed)
    per_source = max(1, n_pairs // 50)
    by_source: dict[int, list[int]] = {}
    for i, j in dense:
        by_source.setdefault(i, []).append(j)
    uniform = [(i, rng.sample(range(len(dst)), per_source))
               for i in rng.sample(range(len(src)), 50)]
    with_entries = [i for i, js in by_source.items() if len(js) >= per_source]
    reported = [(i, rng.sample(by_source[i], per_source))
                for i in rng.sample(with_entries, min(50, len(with_entries)))]
    out: dict[str, Any] = {"graphml_read_s": round(read_s, 1), "method": (
        "networkx single_source_dijkstra on nx.read_graphml of the written GraphML, weight "
        "travel_time, same cutoff")}
    started = time.perf_counter()
    for name, sample in (("uniform_pairs", uniform), ("reported_pairs", reported)):
        out[name] = _compare(graph, src, dst, dense, sample, cutoff_s)
    out["dijkstra_s"] = round(time.perf_counter() - started, 1)
    return out


def _compare(graph: nx.MultiDiGraph, src: list[Any], dst: list[Any],
             dense: dict[tuple[int, int], tuple[int, int]], sample: list[tuple[int, list[int]]],
             cutoff_s: float) -> dict[str, Any]:
    """Mismatches of the matrix against networkx on ``sample`` [(source, [targets])]."""
    mismatches, checked, reachable, distance_off = [], 0, 0, 0
    for i, targets in sample:
        times, paths = nx.single_source_dijkstra(graph, src[i], cutoff=cutoff_s,
                                                 weight="travel_time")
        for j in targets:
            expected = times.get(dst[j])
            expected_s = None if expected is None else round(expected)
            got = dense.get((i, j))
            checked += 1
            reachable += expected_s is not None
            if (got[0] if got else None) != expected_s:
                mismatches.append({"source": i, "target": j, "matrix": got,
                                   "dijkstra_s": expected_s})
            elif got is not None:
                distance_off += abs(got[1] - round(_path_length_m(graph, paths[dst[j]]))) > 1
    return {"pairs_checked": checked, "pairs_reachable": reachable,
            "time_mismatches": len(mismatches), "first_mismatches": mismatches[:5],
            "distance_differs_over_1m": distance_off}


def _path_length_m(graph: nx.MultiDiGraph, path: list[Any]) -> float:
    """Length (m) of ``path``, each step on its fastest parallel edge."""
    return sum(min(graph[u][v].values(), key=lambda d: (d["travel_time"], d["length"]))["length"]
               for u, v in zip(path, path[1:], strict=False))


def osmnx_pairwise(graph: nx.MultiDiGraph, src: list[Any], dst: list[Any], n_sample: int,
                   seed: int) -> dict[str, Any]:
    """osmnx.routing.shortest_path (pairwise, no cutoff) on a sample, extrapolated."""
    import osmnx as ox

    rng = random.Random(seed)
    pairs = [(rng.choice(src), rng.choice(dst)) for _ in range(n_sample)]
    started = time.perf_counter()
    for a, b in pairs:
        ox.routing.shortest_path(graph, a, b, weight="travel_time")
    per_pair = (time.perf_counter() - started) / n_sample
    total = per_pair * len(src) * len(dst)
    return {"label": "EXTRAPOLATED from a sample", "sample_pairs": n_sample,
            "seconds_per_pair": round(per_pair, 4), "pairs_total": len(src) * len(dst),
            "extrapolated_seconds": round(total, 0), "cores_used": 1}


def pandana_ch(graph: nx.MultiDiGraph, src: list[Any], dst: list[Any], n_sample: int,
               seed: int) -> dict[str, Any]:
    """pandana contraction hierarchies: build, then shortest_path_lengths on a sample of
    pairs, extrapolated to every pair. Same directed edges and travel_time weights."""
    import pandana
    import pandas as pd

    out: dict[str, Any] = {"label": "EXTRAPOLATED from a sample", "version": pandana.__version__}
    csr = graph_to_csr(graph)
    ids = np.array(list(csr.node_index), dtype=np.int64)
    n = len(ids)
    tail = np.repeat(np.arange(n), np.diff(csr.time_s.indptr))
    started = time.perf_counter()
    net = pandana.Network(
        pd.Series(np.array([graph.nodes[i]["x"] for i in ids]), index=ids),
        pd.Series(np.array([graph.nodes[i]["y"] for i in ids]), index=ids),
        pd.Series(ids[tail]), pd.Series(ids[csr.time_s.indices]),
        pd.DataFrame({"travel_time": csr.time_s.data.astype(float)}), twoway=False)
    out["build_ch_s"] = round(time.perf_counter() - started, 1)
    rng = np.random.default_rng(seed)
    a = np.asarray(src, dtype=np.int64)[rng.integers(0, len(src), n_sample)]
    b = np.asarray(dst, dtype=np.int64)[rng.integers(0, len(dst), n_sample)]
    started = time.perf_counter()
    net.shortest_path_lengths(a, b, imp_name="travel_time")
    query_s = time.perf_counter() - started
    total_pairs = len(src) * len(dst)
    out.update(sample_pairs=n_sample, sample_query_s=round(query_s, 2),
               pairs_total=total_pairs,
               extrapolated_query_seconds=round(query_s / n_sample * total_pairs, 0),
               extrapolated_seconds_with_build=round(out["build_ch_s"] + query_s / n_sample
                                                     * total_pairs, 0),
               note="no cutoff in pandana: every pair is computed, so the output is dense")
    return out


def step(message: str) -> None:
    print(f"[{time.strftime('%X')}] {message}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=300_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pbf", type=Path, help="use this PBF instead of a synthetic one")
    parser.add_argument("--points", choices=["random", "gansu"], default="random")
    parser.add_argument("--cutoff-min", type=float, default=180.0)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--check-pairs", type=int, default=1000)
    parser.add_argument("--osmnx-sample", type=int, default=20)
    parser.add_argument("--pandana-sample", type=int, default=200_000)
    parser.add_argument("--skip", nargs="*", default=[], choices=["osmnx", "pandana", "check"])
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="coldchain-bench-"))
    result: dict[str, Any] = {"benchmark": "travel_time_matrix", "machine": {
        "cores": os.cpu_count(), "python": platform.python_version(),
        "memory_gb": round(psutil.virtual_memory().total / 1e9, 1)}}
    try:
        pbf = args.pbf
        if pbf is None:
            pbf = work / f"SYNTHETIC-gansu-{args.nodes}.osm.pbf"
            with timed(result, "synth_write_s"):
                write_synthetic_roads(pbf, args.nodes, seed=args.seed)
            result["network"] = ("SYNTHETIC road network (geodata.synth), Gansu-sized, "
                                 f"seed {args.seed}: for measurement only, not real roads")
        result["pbf_mb"] = round(pbf.stat().st_size / 1e6, 2)
        cache = work / "cache"
        step("building the graph (cold)")
        with PeakMemory() as mem, timed(result, "load_first_s"):
            graph = road_graph_from_osm(pbf, simplify=False, cache=True, cache_dir=cache)
        result["load_first_peak_pss_gb"] = mem.peak_gb
        del graph
        step("loading the graph from the cache")
        with timed(result, "load_cached_s"):
            graph = road_graph_from_osm(pbf, simplify=False, cache=True, cache_dir=cache)
        result.update(nodes=graph.number_of_nodes(), edges=graph.number_of_edges(),
                      cache=graph.graph["cache"])
        vx, vy, sx, sy, described = points(args.points, args.seed)
        result["points"] = described
        with timed(result, "snap_s"):
            vs, ss = snap_points(graph, vx, vy), snap_points(graph, sx, sy)
        result["snap_villages"], result["snap_sites"] = snap_report(vs), snap_report(ss)
        src, dst = list(vs.node[~vs.off_network]), list(ss.node[~ss.off_network])
        result.update(sources=len(src), targets=len(dst), distinct_source_nodes=len(set(src)),
                      distinct_target_nodes=len(set(dst)), cutoff_s=args.cutoff_min * 60,
                      workers=args.workers or os.cpu_count())
        step(f"matrix {len(src)} x {len(dst)}")
        with timed(result, "csr_export_s"):
            csr = graph_to_csr(graph)
        with PeakMemory() as mem, timed(result, "matrix_s"):
            matrix = travel_time_matrix(csr, src, dst, cutoff_s=args.cutoff_min * 60,
                                        workers=args.workers)
        result["matrix_peak_pss_gb_incl_graph"] = mem.peak_gb
        result["reachable_pairs"] = len(matrix.time_s)
        result["matrix_result_mb"] = round(4 * 4 * len(matrix.time_s) / 1e6, 1)
        result["seconds"] = result["matrix_s"]
        result["peak_process_rss_gb"] = round(psutil.Process().memory_info().rss / 1e9, 3)
        if "check" not in args.skip:
            step("writing GraphML and checking pairs")
            graphml = work / "graph.graphml"
            with timed(result, "graphml_write_s"):
                write_graphml(graph, graphml)
            pairs = zip(matrix.source_idx.tolist(), matrix.target_idx.tolist(), strict=True)
            values = zip(matrix.time_s.tolist(), matrix.distance_m.tolist(), strict=True)
            dense = dict(zip(pairs, values, strict=True))
            result["check"] = check_against_graphml(graphml, src, dst, dense,
                                                    args.cutoff_min * 60, args.check_pairs,
                                                    args.seed)
            check = result["check"]
            step(f"check: {check['uniform_pairs']['time_mismatches']} + "
                 f"{check['reported_pairs']['time_mismatches']} mismatches")
        if "osmnx" not in args.skip:
            step("osmnx pairwise sample")
            result["osmnx"] = osmnx_pairwise(graph, src, dst, args.osmnx_sample, args.seed)
            result["ratio_osmnx_to_ours"] = round(result["osmnx"]["extrapolated_seconds"]
                                                  / result["matrix_s"], 1)
        if "pandana" not in args.skip:
            step("pandana CH")
            result["pandana"] = pandana_ch(graph, src, dst, args.pandana_sample, args.seed)
            result["ratio_pandana_to_ours"] = round(
                result["pandana"]["extrapolated_seconds_with_build"] / result["matrix_s"], 1)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    name = f"matrix-{args.points}-{result.get('nodes')}.json"
    out = args.out or REPO / "benchmarks" / "results" / name
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
