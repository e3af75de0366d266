"""The road-data subcommands of ``coldchain``: ``matrix`` and ``data fetch|synth-roads``.

``app.cli`` wires them with one call, ``cli_geo.register(sub)``. Bad input (files,
columns, coordinates, an OSM file without roads) prints one message naming the culprit
and exits with status 2; nothing is half-written.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

EXIT_BAD_INPUT = 2


def register(sub: Any) -> None:
    """Add ``matrix`` and ``data`` (``fetch``, ``synth-roads``) to argparse ``sub``."""
    _register_matrix(sub)
    data = sub.add_parser("data", help="download or generate road data")
    data_sub = data.add_subparsers(required=True, metavar="ACTION")
    _register_fetch(data_sub)
    _register_synth(data_sub)


def _register_matrix(sub: Any) -> None:
    matrix = sub.add_parser(
        "matrix", help="travel-time matrix between two point files on an OSM road graph"
    )
    matrix.add_argument("--osm", type=Path, required=True, help="OSM extract (.osm.pbf, .osm)")
    matrix.add_argument("--from", dest="sources", type=Path, required=True,
                        help="CSV of sources: id,lon,lat (EPSG:4326)")
    matrix.add_argument("--to", dest="targets", type=Path, required=True,
                        help="CSV of targets: id,lon,lat (EPSG:4326)")
    matrix.add_argument("--cutoff-min", type=float, default=None,
                        help="longest travel time kept (minutes); default: no limit")
    matrix.add_argument("--out", type=Path, required=True, help="long-form CSV to write")
    matrix.add_argument("--graph-out", type=Path,
                        help="write the exact graph used as GraphML (edge travel_time in s)")
    matrix.add_argument("--max-snap-m", type=float, default=5000.0,
                        help="points farther than this from every road node are reported "
                        "off-network and left out (default 5000 m)")
    matrix.add_argument("--workers", type=int, default=None,
                        help="processes for the matrix (default: all cores)")
    matrix.add_argument("--simplify", action="store_true",
                        help="merge road chains between junctions (smaller graph; points "
                        "then snap to junctions)")
    matrix.add_argument("--no-cache", action="store_true", help="do not use the graph cache")
    matrix.set_defaults(func=_cmd_matrix)


def _register_fetch(data_sub: Any) -> None:
    fetch = data_sub.add_parser("fetch", help="download an OSM extract (resumable, checked)")
    fetch.add_argument("url")
    fetch.add_argument("--out", type=Path, help="file to write (default: the URL's name)")
    fetch.add_argument("--sha256", help="expected SHA-256 (hex)")
    fetch.add_argument("--quiet", action="store_true", help="no progress bar")
    fetch.set_defaults(func=_cmd_fetch)


def _register_synth(data_sub: Any) -> None:
    synth = data_sub.add_parser(
        "synth-roads", help="write a SYNTHETIC Gansu-sized road network (for measurement)"
    )
    synth.add_argument("--nodes", type=int, required=True, help="number of nodes (>= 4)")
    synth.add_argument("--seed", type=int, default=0)
    synth.add_argument("--buildings", type=int, default=0,
                       help="add this many SYNTHETIC buildings as non-road filler (file size)")
    synth.add_argument("--out", type=Path, required=True, help=".osm.pbf to write")
    synth.set_defaults(func=_cmd_synth)


# --- matrix ---------------------------------------------------------------------------------


def _cmd_matrix(args: argparse.Namespace) -> int:
    from geodata.errors import DataError

    try:
        return _run_matrix(args)
    except DataError as exc:
        return _fail("matrix", str(exc))
    except ValueError as exc:
        return _fail("matrix", str(exc))


def _run_matrix(args: argparse.Namespace) -> int:
    from geodata.csr import graph_to_csr
    from geodata.matrix import travel_time_matrix
    from geodata.roads import road_graph_from_osm

    if args.cutoff_min is not None and not args.cutoff_min >= 0:
        raise ValueError(f"--cutoff-min must be >= 0, got {args.cutoff_min}")
    sources, targets = read_points_csv(args.sources), read_points_csv(args.targets)
    started = time.perf_counter()
    graph = road_graph_from_osm(args.osm, simplify=args.simplify, cache=not args.no_cache)
    _say(f"road graph: {graph.number_of_nodes():,} nodes, {graph.number_of_edges():,} edges "
         f"({graph.graph.get('cache', 'no cache')}, {time.perf_counter() - started:.1f} s)")
    src = _snapped(graph, sources, args.max_snap_m, args.sources)
    dst = _snapped(graph, targets, args.max_snap_m, args.targets)
    cutoff_s = None if args.cutoff_min is None else args.cutoff_min * 60.0
    started = time.perf_counter()
    csr = graph_to_csr(graph)
    matrix = travel_time_matrix(csr, list(src["node"]), list(dst["node"]), cutoff_s=cutoff_s,
                                workers=args.workers)
    _say(f"matrix: {len(matrix.time_s):,} reachable pairs of {len(src):,} x {len(dst):,} "
         f"({time.perf_counter() - started:.1f} s)")
    _write_long_csv(matrix, src, dst, args.out)
    if args.graph_out is not None:
        write_graphml(graph, args.graph_out)
    return 0


def read_points_csv(path: Path) -> Any:
    """A points CSV (``id,lon,lat``) as a DataFrame; ids read as text.

    Raises
    ------
    DataError
        Missing file or columns, repeated ids, or coordinates that are not lon/lat degrees.
    """
    import numpy as np
    import pandas as pd

    from geodata.errors import DataError

    try:
        table = pd.read_csv(path, dtype={"id": str})
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataError(f"cannot read the points CSV: {exc}", path=path) from exc
    missing = {"id", "lon", "lat"} - set(table.columns)
    if missing:
        raise DataError(f"points CSV lacks the columns {sorted(missing)}", path=path)
    lon = pd.to_numeric(table["lon"], errors="coerce").to_numpy(float)
    lat = pd.to_numeric(table["lat"], errors="coerce").to_numpy(float)
    bad = ~(np.isfinite(lon) & np.isfinite(lat) & (np.abs(lon) <= 180) & (np.abs(lat) <= 90))
    if bad.any():
        raise DataError("coordinates are not lon/lat degrees", path=path,
                        item=table["id"][bad].tolist()[:10])
    repeated = table["id"][table["id"].duplicated()]
    if len(repeated):
        raise DataError("repeated ids", path=path, item=repeated.tolist()[:10])
    return pd.DataFrame({"id": table["id"].to_numpy(), "lon": lon, "lat": lat})


def _snapped(graph: Any, points: Any, max_snap_m: float, path: Path) -> Any:
    """``points`` on the network with their snapped ``node`` and ``snap_m``; the
    off-network ones are reported on stderr and left out."""
    from geodata.snap import snap_points

    if len(points) == 0:
        return points.assign(node=[], snap_m=[])
    snap = snap_points(graph, points["lon"], points["lat"], max_snap_m=max_snap_m)
    table = points.assign(node=snap.node, snap_m=snap.snap_m)
    off = table[snap.off_network]
    if len(off):
        worst = off.sort_values("snap_m", ascending=False).head(5)
        listed = ", ".join(f"{i} ({m / 1000:.1f} km)" for i, m in zip(worst["id"], worst["snap_m"],
                                                                      strict=True))
        _say(f"{path.name}: {len(off)} of {len(points)} points are off the road network "
             f"(> {max_snap_m:g} m from any node) and left out: {listed}")
    return table[~snap.off_network].reset_index(drop=True)


def _write_long_csv(matrix: Any, src: Any, dst: Any, out: Path) -> None:
    """The matrix in long form, written to a temporary file then renamed."""
    import pandas as pd

    frame = pd.DataFrame({
        "source_id": src["id"].to_numpy()[matrix.source_idx],
        "target_id": dst["id"].to_numpy()[matrix.target_idx],
        "source_node": src["node"].to_numpy()[matrix.source_idx],
        "target_node": dst["node"].to_numpy()[matrix.target_idx],
        "travel_time_s": matrix.time_s,
        "distance_m": matrix.distance_m,
    })
    _atomic_write(out, lambda tmp: frame.to_csv(tmp, index=False))


def write_graphml(graph: Any, out: Path) -> None:
    """Write ``graph`` as GraphML with the attributes needed to recompute any pair.

    Nodes keep ``x``, ``y`` (degrees); edges (with their keys) keep ``travel_time`` (s),
    ``length`` (m), ``speed_kph`` and ``highway``. Geometries and merged tag lists are
    left out (GraphML holds scalars only); the routing weights are exactly those used.
    """
    import networkx as nx

    plain = nx.MultiDiGraph()
    plain.graph.update({k: str(v) for k, v in graph.graph.items()})
    plain.add_nodes_from((n, {"x": float(d["x"]), "y": float(d["y"])})
                         for n, d in graph.nodes(data=True))
    plain.add_edges_from(
        (u, v, k, {"travel_time": float(d["travel_time"]), "length": float(d["length"]),
                   "speed_kph": float(d.get("speed_kph", 0.0)),
                   "highway": str(d.get("highway", ""))})
        for u, v, k, d in graph.edges(keys=True, data=True)
    )
    _atomic_write(out, lambda tmp: nx.write_graphml(plain, tmp))


def _atomic_write(out: Path, write: Callable[[Path], None]) -> None:
    """Run ``write`` on a temporary sibling of ``out``, then rename it into place."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    try:
        write(tmp)
        tmp.replace(out)
    finally:
        tmp.unlink(missing_ok=True)


# --- data -----------------------------------------------------------------------------------


def _cmd_fetch(args: argparse.Namespace) -> int:
    from urllib.parse import urlparse

    from rich.progress import DownloadColumn, Progress, TransferSpeedColumn

    from geodata.fetch import FetchError, fetch

    out = args.out or Path(Path(urlparse(args.url).path).name or "download.osm.pbf")
    try:
        if args.quiet:
            fetch(args.url, out, sha256=args.sha256)
        else:
            with Progress(*Progress.get_default_columns(), DownloadColumn(),
                          TransferSpeedColumn()) as bar:
                task = bar.add_task(f"fetch {out.name}", total=None)
                fetch(args.url, out, sha256=args.sha256,
                      progress=lambda done, total: bar.update(task, completed=done, total=total))
    except FetchError as exc:
        return _fail("data fetch", str(exc))
    print(f"downloaded {out} (SHA-256 in {out.name}.sha256)")
    return 0


def _cmd_synth(args: argparse.Namespace) -> int:
    from geodata.synth import write_synthetic_roads

    try:
        summary = write_synthetic_roads(args.out, args.nodes, seed=args.seed,
                                        buildings=args.buildings)
    except ValueError as exc:
        return _fail("data synth-roads", str(exc))
    print(f"SYNTHETIC road network (for measurement only, not real roads): {summary.nodes:,} "
          f"nodes, {summary.ways:,} ways, seed {summary.seed} -> {summary.path}")
    return 0


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _fail(command: str, message: str) -> int:
    print(f"coldchain {command}: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT
