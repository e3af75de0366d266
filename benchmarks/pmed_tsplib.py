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
``--set pmed-tsplib`` keeps each point's ``k`` nearest candidates (:func:`knn_arcs`), ``k``
chosen per row by :func:`list_length` (about ``K_FACTOR n / p``, ``SMALL_P_FACTOR n / p`` for
small p, at least ``K_MIN``, at most ``MAX_ARCS / n``, all ``n`` when that fits); where the
cap stops a list short of ``REACH n / p`` points, half of it goes to the nearest of a spread
sample of hub points instead (:func:`list_plan`, :func:`hub_arcs`). The problem passes
``unlisted_time_s`` = each point's k-th nearest distance (floored, minus 1), a lower bound on
its distance to every unlisted point (the nearest lists are nearest-first and floor is
monotone; a listed hub beyond them changes nothing), so the median engine's bound is PROVEN
for the full p-median (proof in :mod:`optimize.siting.median`). The problem also carries the
points' coordinates (a :class:`~optimize.siting.median_points.PointProblem`), so the median
engine may price plans on ALL pairs (its dense stage, :mod:`optimize.siting.median_dense`)
and serve a point by an unlisted nearest median. The objective reported is
recomputed from the open points on the FULL floor-Euclidean distances
(:func:`floor_euclid_objective`), independently of the engine.
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
from optimize.siting.median_points import with_points
from optimize.siting.problem import LocationProblem, LocationResult, StoreTier
from optimize.siting.solve import solve_location

K_FACTOR = 8.0  # list length about K_FACTOR x the mean cluster size n / p
K_MIN = 24  # shortest list
MAX_ARCS = 24_000_000  # longest total of the lists (memory)
SMALL_P_CLUSTER = 200  # mean cluster n / p from which lists are SMALL_P_FACTOR n / p long
SMALL_P_FACTOR = 2.0  # (rl5934 p=10: k = 4044 gave +2.25 %, k = 1200 +0.12 %, 60 s)
REACH = 2.0  # a list should reach REACH x n / p points; if it cannot, it adds hub arcs
SPARSE_NOTE = (
    "arcs = each point's k nearest points (floor-Euclid, k per row: 'k_nearest'); the "
    "LocationProblem carries unlisted_time_s = each point's farthest listed distance, so the "
    "median engine's 'bound' is a proven lower bound of the FULL p-median (proof in "
    "optimize.siting.median); 'objective' is recomputed from 'open' on the full "
    "floor-Euclidean distances by benchmarks.pmed_tsplib.floor_euclid_objective"
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


def list_length(n: int, p: int) -> int:
    """Nearest candidates kept per point for ``p`` medians among ``n`` points.

    About ``K_FACTOR n / p`` (at least ``K_MIN``), all ``n`` when that many arcs would not
    fit but all ``n^2`` pairs do, at most ``MAX_ARCS / n``. For small ``p`` (``n / p >=
    SMALL_P_CLUSTER``) an incomplete list is ``SMALL_P_FACTOR n / p`` long: the clusters are
    large, a point's median is rarely past twice their size, and shorter lists make every
    search pass proportionally cheaper within the same work budget.
    """
    k = max(K_MIN, int(np.ceil(K_FACTOR * n / p)))
    k = n if k * n > MAX_ARCS and n * n <= MAX_ARCS else min(n, k, MAX_ARCS // n)
    if k < n and n >= SMALL_P_CLUSTER * p:
        k = min(k, max(K_MIN, int(np.ceil(SMALL_P_FACTOR * n / p))))
    return k


def list_plan(n: int, p: int) -> tuple[int, int, int]:
    """``(k_near, n_hubs, k_hub)``: each point lists its ``k_near`` nearest points and its
    ``k_hub`` nearest among ``n_hubs`` spread hub points (no hubs: ``0, 0``).

    Hubs are used when the arc total caps the list below ``REACH n / p`` points (small p on
    the largest files: sw24978 p = 10 keeps 960 of the 24,978, while a median serves about
    2,500, so 10 medians could not even reach every point through nearest lists). The list
    is then split in halves: ``k_near`` nearest points, and ``k_hub`` nearest hubs, with as
    many hubs as make those reach ``REACH n / p`` points (``n k_hub / n_hubs`` on average).
    """
    k = list_length(n, p)
    reach = int(np.ceil(REACH * n / p))
    if k >= n or k >= reach:
        return k, 0, 0
    k_near = k // 2
    k_hub = k - k_near
    return k_near, min(n, int(np.ceil(n * k_hub / reach))), k_hub


def spread_sample(coords: np.ndarray, count: int) -> np.ndarray:
    """``count`` point indices (sorted) spread over the points in proportion to their
    density: every ``n / count``-th point along a Morton (Z-order) curve of the points,
    so that, unlike a random sample, no area gets a clump or a hole of samples."""
    n = len(coords)
    count = min(max(count, 1), n)
    low, span = coords.min(axis=0), np.ptp(coords, axis=0)
    grid = np.floor((coords - low) / np.where(span > 0, span, 1.0) * 65535).astype(np.uint64)
    key = np.zeros(n, dtype=np.uint64)
    for bit in range(16):
        for axis in range(2):
            key |= ((grid[:, axis] >> np.uint64(bit)) & np.uint64(1)) << np.uint64(2 * bit + axis)
    order = np.lexsort((np.arange(n), key))
    step = n / count
    return np.sort(order[(np.arange(count) * step + step / 2).astype(np.int64)])


def hub_arcs(coords: np.ndarray, k_near: int, n_hubs: int, k_hub: int
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`knn_arcs` with ``k_near`` plus each point's ``k_hub`` nearest hubs
    (:func:`spread_sample` of ``n_hubs`` points), each pair once, ordered by point.

    The lower bound on unlisted distances stays the one of the ``k_near`` nearest: every
    point outside them is at least that far, listed hub or not, so the median engine's bound
    remains proven for the full p-median.
    """
    n = len(coords)
    demand, site, _, unlisted = knn_arcs(coords, k_near)
    hubs = spread_sample(coords, n_hubs)
    k_hub = min(k_hub, len(hubs))
    _, near = cKDTree(coords[hubs]).query(coords, k=k_hub)
    hub_site = hubs[np.asarray(near, dtype=np.int64).reshape(n, k_hub)].ravel()
    key = np.unique(np.concatenate([demand * n + site, np.repeat(np.arange(n), k_hub) * n
                                    + hub_site]))
    demand, site = np.divmod(key, n)
    return demand, site, floor_dist(coords, demand, site), unlisted


def knn_arcs(coords: np.ndarray, k: int
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each point's ``k`` nearest points (itself included) as arcs ``(demand, site, d)``,
    and per point a lower bound on its distance to every point not in its list.

    ``d`` is the floored Euclidean distance. If duplicates push a point's own index out of
    its ``k`` neighbours, its farthest neighbour is replaced by itself, so every point can
    always serve itself at 0. The lower bound is the floor of the k-th nearest distance
    (``inf`` when ``k = n``): every unlisted point is at least that far, floor is monotone.
    """
    n = len(coords)
    k = min(k, n)
    dist, near = cKDTree(coords).query(coords, k=k)
    near = np.asarray(near, dtype=np.int64).reshape(n, k)
    kth = np.asarray(dist, dtype=float).reshape(n, k)[:, -1]
    own = np.arange(n)
    missing = ~(near == own[:, None]).any(axis=1)
    near[missing, -1] = own[missing]
    demand = np.repeat(own, k)
    site = near.ravel()
    # the tree's distance may differ from hypot in the last bit: one unit off, still a bound
    unlisted = np.full(n, np.inf) if k == n else np.maximum(np.floor(kth) - 1.0, 0.0)
    return demand, site, floor_dist(coords, demand, site), unlisted


def pmedian_problem(
    arc_demand: np.ndarray, arc_site: np.ndarray, arc_cost: np.ndarray, n: int, p: int,
    time_limit_s: float, seed: int = 0, unlisted: np.ndarray | None = None,
    coords: np.ndarray | None = None,
) -> LocationProblem:
    """The p-median on ``n`` points (each a client and a site) as a ``LocationProblem``.

    Objective ``'time'`` with exactly ``p`` stores, supply 1 t and weight 1 per point, no
    budget, one tier of capacity ``n`` t (the total supply: never binding) and zero cost;
    point ``i`` is site ``i`` (``site_demand``). ``arc_cost`` must be whole non-negative
    numbers (they become ``arc_time_s``). The engine is ``'auto'`` (what plans use).
    ``unlisted``: per point a lower bound on its cost to any unlisted point (sparse lists).
    ``coords`` ``(n, 2)``: the points' coordinates; given, the problem is a
    :class:`PointProblem` (every pair's time is the floored distance, so the median engine
    may evaluate plans on all pairs; the arcs must be those distances).
    """
    cost = np.asarray(arc_cost)
    rounded = np.rint(cost).astype(np.int64)
    if np.any(np.abs(cost - rounded) > 1e-9):
        raise ValueError("p-median arc costs must be whole numbers")
    problem = LocationProblem(
        supply_t=np.ones(n), weight=np.ones(n),
        arc_demand=np.asarray(arc_demand, dtype=np.int64),
        arc_site=np.asarray(arc_site, dtype=np.int64), arc_time_s=rounded, n_sites=n,
        tiers=(StoreTier("uncapacitated", float(n), 0.0, 0.0),), n_stores=p,
        exact_store_count=True, budget_yuan=None, site_demand=np.arange(n, dtype=np.int64),
        objective="time", engine="auto", time_limit_s=time_limit_s, seed=seed,
        unlisted_time_s=unlisted,
    )
    return problem if coords is None else with_points(problem, coords, coords)


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
    is in ``folder`` (file order), or the rows given (a row without a reference is run too).

    A held-out folder (``pmed-tsplib-holdout``) has points but no ``references.csv``: its
    rows are given with ``--instances`` and run without a reference (the row then shows the
    engine's own proven bound and gap only)."""
    listed = folder / "references.csv"
    if not listed.exists():
        if only:
            return [(name, p, None) for name, p in only]
        raise SpecificationError(
            f"{listed}: no references.csv in this folder; name the rows to run with "
            "--instances NAME:P[,NAME:P...] (a held-out folder has no reference values)")
    refs = read_tsplib_references(listed)
    if only:
        return [(name, p, refs.get((name, p))) for name, p in only]
    return [(name, p, ref) for (name, p), ref in refs.items()
            if (folder / f"{name}.tsp").exists()]


def _bound_scope(row: dict[str, Any], complete: bool) -> str:
    """What the row's bound bounds: the full p-median when the lists are complete or the
    median engine capped its multipliers (unlisted_time_s), else only the listed arcs."""
    if complete:
        return "full p-median (complete lists)"
    if row["engine"] == "solve_location:median":
        return "full p-median (sparse lists, multipliers capped at the unlisted distance)"
    return "restricted to the listed arcs (this engine ignores unlisted_time_s)"


def run_tsplib(folder: Path, only: list[tuple[str, int]] | None, k: int | None,
               time_limit_s: float, seed: int) -> Iterator[dict[str, Any]]:
    """Solve each row through ``solve_location`` on nearest lists (``k`` per point, or
    :func:`list_plan` per row when None: nearest points, and hubs for small p on the
    largest files) with the unlisted bound; yield its result row,
    the objective recomputed on the full floor-Euclidean distances from the open points."""
    points: dict[str, TspPoints] = {}
    for name, p, ref in tsplib_rows(folder, only):
        if name not in points:
            points = {name: read_tsp(folder / f"{name}.tsp")}
        pts = points[name]
        n = len(pts.coords)
        k_row, n_hubs, k_hub = list_plan(n, p) if k is None else (min(k, n), 0, 0)
        t0 = time.perf_counter()
        arcs = (hub_arcs(pts.coords, k_row, n_hubs, k_hub) if n_hubs
                else knn_arcs(pts.coords, k_row))
        n_arcs = len(arcs[0])
        build_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        try:
            result = solve_location(pmedian_problem(*arcs[:3], n, p, time_limit_s, seed,
                                                    unlisted=arcs[3], coords=pts.coords))
        except (InfeasibleError, SpecificationError) as exc:
            row: dict[str, Any] = {"engine": "solve_location", "objective": None,
                                   "bound": None, "open": [], "error": str(exc),
                                   "time_s": time.perf_counter() - t0}
        else:
            row = pmedian_row(result, p, 0.0)
            row["objective"] = floor_euclid_objective(pts.coords, result.open_sites)
            row["open"] = pts.node[result.open_sites].tolist()
            row["assignment"] = pts.node[result.assignment].tolist()
        del arcs
        reference = None if ref is None else float(ref["value"])  # type: ignore[arg-type]
        row.update({
            "instance": name, "n": n, "p": p, "reference": reference,
            "reference_proven_optimal": None if ref is None else ref["proven_optimal"],
            "gap_pct": None if reference is None or row["objective"] is None else
            100.0 * (row["objective"] - reference) / reference,
            "bound_scope": _bound_scope(row, k_row == n),
            "k_nearest": k_row, "hubs": n_hubs, "k_hub": k_hub, "arcs": n_arcs,
            "build_s": build_s,
        })
        yield row
