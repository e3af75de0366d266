"""Snapping report for the Linxia (6229) settlements: how many are off the road network,
and by how much.

Snaps the 1,197 Linxia village-level units (placed at their township centres; no source
gives village coordinates) and the Linxia township points to a road graph, to nodes
(``snap_points``, what the pipeline uses) and onto edges (``snap_points_to_edges``), and
writes :func:`geodata.snap.snap_report` of each as JSON.

With a real extract: ``--pbf linxia.osm.pbf``. Without one (this environment), a
SYNTHETIC province network is generated and the report says so: its figures describe the
synthetic grid, not Gansu's roads.

Run:  .venv/bin/python benchmarks/snap_linxia.py [--pbf FILE] [--nodes 300000]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from geodata.places import load_townships, load_villages, region_prefix  # noqa: E402
from geodata.roads import road_graph_from_osm  # noqa: E402
from geodata.snap import snap_points, snap_points_to_edges, snap_report  # noqa: E402
from geodata.synth import write_synthetic_roads  # noqa: E402

LINXIA = "6229"


def linxia_report(graph: Any, max_snap_m: float) -> dict[str, Any]:
    """Node and edge snapping reports of Linxia's villages and townships on ``graph``."""
    villages = load_villages(region_code=LINXIA)
    towns = load_townships()
    towns = towns[towns["township_code"].str.startswith(region_prefix(LINXIA))]
    out: dict[str, Any] = {}
    for name, frame in (("villages", villages), ("townships", towns)):
        lon, lat = frame.geometry.x.to_numpy(), frame.geometry.y.to_numpy()
        out[name] = {
            "to_nodes": snap_report(snap_points(graph, lon, lat, max_snap_m=max_snap_m)),
            "onto_edges": snap_report(snap_points_to_edges(graph, lon, lat,
                                                           max_snap_m=max_snap_m)),
        }
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pbf", type=Path)
    parser.add_argument("--nodes", type=int, default=300_000)
    parser.add_argument("--max-snap-m", type=float, default=5000.0)
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results" /
                        "snap-linxia.json")
    args = parser.parse_args(argv)
    result: dict[str, Any] = {"region": "临夏 Linxia (6229)"}
    with tempfile.TemporaryDirectory() as work:
        pbf = args.pbf
        if pbf is None:
            pbf = Path(work) / f"SYNTHETIC-gansu-{args.nodes}.osm.pbf"
            write_synthetic_roads(pbf, args.nodes, seed=1)
            result["network"] = ("SYNTHETIC road network (geodata.synth, seed 1): NOT Gansu's "
                                 "roads; the figures show the report, not real off-network "
                                 "villages")
        graph = road_graph_from_osm(pbf, simplify=False, cache=args.pbf is not None)
    result.update(nodes=graph.number_of_nodes(), edges=graph.number_of_edges(),
                  **linxia_report(graph, args.max_snap_m))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
