"""p-median as the siting engine's ``LocationProblem``, and the large TSPLIB p-median set.

Used by ``benchmarks/location.py --set pmed`` (OR-Library, dense distances) and
``--set pmed-tsplib`` (TSPLIB points of ``../shared/benchmarks/pmed-tsplib``, read its
PROVENANCE.md): every point is a client of weight 1 and a candidate site (N = M), the
distance is the Euclidean distance rounded DOWN in float64, an open point serves itself at
0, and the objective is the sum over all points of the distance to the nearest open point.

A p-median is a :class:`LocationProblem` with objective ``'time'`` (every point served),
exactly ``p`` stores, supply 1 t and weight 1 per point, no budget and one tier whose
capacity is the total supply (so no capacity can bind) at zero cost; ``arc_time_s`` holds
the distances (whole numbers here, so nothing is rounded). Its ``'time'`` objective is then
``sum_i 1 t x d(i, store)``, the p-median objective in t*s.

A dense N x N arc list is impossible for the big instances (usa13509: 182 M pairs), so
``--set pmed-tsplib`` keeps each point's ``k`` nearest candidates (:func:`knn_arcs`). That
is a RESTRICTED problem: a point may only use one of its ``k`` nearest points, so the
engine's bound is a bound of the restricted problem, not of the full p-median (no proof
here that it is one). The objective reported is recomputed from the open points on the FULL
floor-Euclidean distances (:func:`floor_euclid_objective`), so it is the true p-median
value of those open points.
"""

from __future__ import annotations

import csv
import dataclasses
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy.spatial import cKDTree

from optimize.errors import InfeasibleError, SpecificationError
from optimize.siting.problem import LocationProblem, LocationResult, StoreTier
from optimize.siting.solve import solve_location

RESTRICTED_NOTE = (
    "arcs = each point's k nearest points (floor-Euclid); the LocationProblem solved is the "
    "p-median RESTRICTED to those arcs, so 'bound' is a lower bound of the restricted problem "
    "only, NOT a proven bound of the full p-median (no proof given here); 'objective' is "
    "recomputed from 'open' on the full floor-Euclidean distances"
)


@dataclass(frozen=True)
class TspPoints:
    """The points of a TSPLIB ``.tsp`` file: ``node`` numbers as written (1-based) and
    ``coords`` ``(n, 2)`` float64, in file order."""

    name: str
    node: np.ndarray
    coords: np.ndarray


def read_tsp(path: str | Path) -> TspPoints:
    """Read a TSPLIB ``NODE_COORD_SECTION`` file (EUC_2D), coordinates as float64.

    Header lines ``KEY : VALUE`` up to ``NODE_COORD_SECTION``, then ``node x y`` lines up to
    ``EOF`` or the end of the file (usa13509 has no ``EOF``). The number of points must equal
    ``DIMENSION``.
    """
    header: dict[str, str] = {}
    rows: list[list[str]] = []
    lines = Path(path).read_text().splitlines()
    it = iter(lines)
    for line in it:
        if line.strip().startswith("NODE_COORD_SECTION"):
            break
        key, _, value = line.partition(":")
        header[key.strip().upper()] = value.strip()
    for line in it:
        parts = line.split()
        if not parts or parts[0] == "EOF":
            if parts:
                break
            continue
        rows.append(parts[:3])
    if not rows:
        raise ValueError(f"{path}: no NODE_COORD_SECTION points")
    table = np.asarray(rows, dtype=np.float64)
    dimension = int(header.get("DIMENSION", len(rows)))
    if dimension != len(rows):
        raise ValueError(f"{path}: {len(rows)} points, DIMENSION says {dimension}")
    node = table[:, 0].astype(np.int64)
    return TspPoints(header.get("NAME", Path(path).stem), node, table[:, 1:3].copy())


def read_tsplib_references(path: str | Path) -> dict[tuple[str, int], dict[str, object]]:
    """``{(instance, p): {"value", "proven_optimal", "n"}}`` from ``references.csv``."""
    refs: dict[tuple[str, int], dict[str, object]] = {}
    with Path(path).open(newline="") as handle:
        for row in csv.DictReader(handle):
            refs[(row["instance"], int(row["p"]))] = {
                "value": float(row["value"]), "n": int(row["n"]),
                "proven_optimal": row["proven_optimal"].strip().lower() == "yes",
            }
    return refs


def floor_dist(coords: np.ndarray, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """``floor(sqrt((x_i - x_j)^2 + (y_i - y_j)^2))`` in float64, as int64."""
    diff = coords[i] - coords[j]
    return np.floor(np.hypot(diff[..., 0], diff[..., 1])).astype(np.int64)


def floor_euclid_objective(coords: np.ndarray, open_idx: np.ndarray | list[int]) -> int:
    """Sum over all points of the floored distance to the nearest open point (0-based).

    The nearest few open points come from a k-d tree; each distance is recomputed with
    ``np.hypot`` and floored, and the least floor is kept (floor is monotone, so the least
    floor is the floor of the least distance; taking a few candidates guards against the
    tree's own rounding on near ties).
    """
    chosen = np.unique(np.asarray(open_idx, dtype=np.int64))
    if chosen.size == 0:
        raise ValueError("no open point")
    k = min(4, chosen.size)
    _, near = cKDTree(coords[chosen]).query(coords, k=k)
    near = chosen[np.asarray(near).reshape(len(coords), k)]
    rows = np.arange(len(coords))[:, None]
    return int(floor_dist(coords, np.broadcast_to(rows, near.shape), near).min(axis=1).sum())


def knn_arcs(coords: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each point's ``k`` nearest points (itself included) as arcs ``(demand, site, d)``.

    ``d`` is the floored Euclidean distance. If duplicates push a point's own index out of
    its ``k`` neighbours, its farthest neighbour is replaced by itself, so every point can
    always serve itself at 0.
    """
    n = len(coords)
    k = min(k, n)
    _, near = cKDTree(coords).query(coords, k=k)
    near = np.asarray(near, dtype=np.int64).reshape(n, k)
    own = np.arange(n)
    missing = ~(near == own[:, None]).any(axis=1)
    near[missing, -1] = own[missing]
    demand = np.repeat(own, k)
    site = near.ravel()
    return demand, site, floor_dist(coords, demand, site)


def pmedian_problem(
    arc_demand: np.ndarray, arc_site: np.ndarray, arc_cost: np.ndarray, n: int, p: int,
    time_limit_s: float, seed: int = 0,
) -> LocationProblem:
    """The p-median on ``n`` points (each a client and a site) as a ``LocationProblem``.

    Objective ``'time'`` with exactly ``p`` stores, supply 1 t and weight 1 per point, no
    budget, one tier of capacity ``n`` t (the total supply: never binding) and zero cost;
    point ``i`` is site ``i`` (``site_demand``). ``arc_cost`` must be whole non-negative
    numbers (they become ``arc_time_s``). The engine is ``'auto'`` (what plans use).
    """
    cost = np.asarray(arc_cost)
    rounded = np.rint(cost).astype(np.int64)
    if np.any(np.abs(cost - rounded) > 1e-9):
        raise ValueError("p-median arc costs must be whole numbers")
    return LocationProblem(
        supply_t=np.ones(n), weight=np.ones(n),
        arc_demand=np.asarray(arc_demand, dtype=np.int64),
        arc_site=np.asarray(arc_site, dtype=np.int64), arc_time_s=rounded, n_sites=n,
        tiers=(StoreTier("uncapacitated", float(n), 0.0, 0.0),), n_stores=p,
        exact_store_count=True, budget_yuan=None, site_demand=np.arange(n, dtype=np.int64),
        objective="time", engine="auto", time_limit_s=time_limit_s, seed=seed,
    )


def dense_arcs(dist: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All ``n x n`` pairs of a distance matrix as arcs ``(demand, site, cost)``."""
    n = dist.shape[0]
    demand, site = np.divmod(np.arange(n * n, dtype=np.int64), n)
    return demand, site, dist.ravel()


def parse_rows(spec: str) -> list[tuple[str, int]]:
    """``"fl1400:50,rl5934:1000"`` -> ``[("fl1400", 50), ("rl5934", 1000)]``."""
    rows = []
    for item in (s.strip() for s in spec.split(",")):
        if item:
            name, _, p = item.partition(":")
            rows.append((name.strip(), int(p)))
    return rows


def pmedian_row(result: LocationResult, p: int, objective: float) -> dict[str, Any]:
    """A p-median row from ``solve_location``: engine, stages and the whole solution.

    ``objective`` is recomputed by the caller from ``open``; ``open`` and ``assignment``
    (each point's serving point) are 1-based point numbers.
    """
    if len(result.open_sites) != p or np.any(result.assignment < 0):
        raise AssertionError(f"{len(result.open_sites)} open for p = {p}, or a point unserved")
    return {
        "engine": f"solve_location:{result.engine}", "objective": objective,
        "objective_reported": result.objective, "bound": result.bound,
        "bound_gap_pct": result.gap_pct, "status": result.status, "time_s": result.time_s,
        "stages": [dataclasses.asdict(stage) for stage in result.stages],
        "open": (result.open_sites + 1).tolist(),
        "assignment": (result.assignment + 1).tolist(),
    }


def tsplib_rows(folder: Path, only: list[tuple[str, int]] | None
                ) -> list[tuple[str, int, dict[str, object] | None]]:
    """``(instance, p, reference or None)``: every row of ``references.csv`` whose ``.tsp``
    is in ``folder`` (file order), or the rows given (a row without a reference is run too)."""
    refs = read_tsplib_references(folder / "references.csv")
    if only:
        return [(name, p, refs.get((name, p))) for name, p in only]
    return [(name, p, ref) for (name, p), ref in refs.items()
            if (folder / f"{name}.tsp").exists()]


def run_tsplib(folder: Path, only: list[tuple[str, int]] | None, k: int, time_limit_s: float,
               seed: int) -> Iterator[dict[str, Any]]:
    """Solve each row through ``solve_location`` on the k-nearest restricted problem; yield
    its result row with the objective recomputed on the full floor-Euclidean distances."""
    cache: dict[str, tuple[TspPoints, tuple[np.ndarray, np.ndarray, np.ndarray], float]] = {}
    for name, p, ref in tsplib_rows(folder, only):
        if name not in cache:
            t0 = time.perf_counter()
            pts = read_tsp(folder / f"{name}.tsp")
            cache = {name: (pts, knn_arcs(pts.coords, k), time.perf_counter() - t0)}
        pts, arcs, build_s = cache[name]
        n = len(pts.coords)
        t0 = time.perf_counter()
        try:
            result = solve_location(pmedian_problem(*arcs, n, p, time_limit_s, seed))
        except (InfeasibleError, SpecificationError) as exc:
            row: dict[str, Any] = {"engine": "solve_location", "objective": None,
                                   "bound": None, "open": [], "error": str(exc),
                                   "time_s": time.perf_counter() - t0}
        else:
            row = pmedian_row(result, p, 0.0)
            row["objective"] = floor_euclid_objective(pts.coords, result.open_sites)
            row["open"] = pts.node[result.open_sites].tolist()
            row["assignment"] = pts.node[result.assignment].tolist()
        reference = None if ref is None else float(ref["value"])  # type: ignore[arg-type]
        row.update({
            "instance": name, "n": n, "p": p, "reference": reference,
            "reference_proven_optimal": None if ref is None else ref["proven_optimal"],
            "gap_pct": None if reference is None or row["objective"] is None else
            100.0 * (row["objective"] - reference) / reference,
            "bound_scope": "restricted (k-nearest arcs): not a bound of the full p-median",
            "k_nearest": k, "arcs": len(arcs[0]), "build_s": build_s,
        })
        yield row
