"""An on-disk cache of built road graphs, so that a second load takes seconds.

Building a graph from a province extract reads the whole PBF and computes every truck
speed; the result depends only on the file, the speed table, the clip polygon, the
simplification switch and this code. :func:`graph_cache_key` hashes exactly those, and
:func:`cached_graph` stores the graph under :func:`cache_dir` ``/roads/<key>/``:

- ``nodes.npz`` / ``edges.npz``: plain numpy arrays (no pickle): node ids, ``x``, ``y``;
  edge ends and keys; one array per attribute. Attributes that are floats, ints or
  bools on every node/edge are stored as such; any other attribute (strings, lists of
  tags merged by simplification, partly missing values) as JSON texts behind integer
  codes (``-1``: the attribute is absent on that edge); ``geometry`` LineStrings as
  their coordinates plus offsets.
- ``graph.json``: the ``graph.graph`` attributes.

A cache entry is written to a temporary directory and renamed into place, so an
interrupted write never leaves a half entry. Loading rebuilds an identical graph: same
nodes, edges, keys and attributes (JSON turns tuples into lists; the graphs built here
hold lists only).
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

CACHE_FORMAT = "coldchain-graph-cache/1"
"""Version of the code and layout; part of every key, so a change invalidates old entries."""

CACHE_ENV = "COLDCHAIN_CACHE_DIR"


def cache_dir(directory: str | Path | None = None) -> Path:
    """The cache root: ``directory``, else ``$COLDCHAIN_CACHE_DIR``, else ``./cache``
    (gitignored). Read at call time, never at import."""
    if directory is not None:
        return Path(directory)
    return Path(os.environ.get(CACHE_ENV) or "cache")


def graph_cache_key(
    path: str | Path,
    *,
    speed_profile: str,
    class_speed_kph: Mapping[str, float],
    clip_polygon: BaseGeometry | None,
    simplify: bool,
) -> str:
    """SHA-256 (hex) of what a graph built from ``path`` depends on.

    The file enters by resolved path, size and modification time (ns): hashing a 50 MB
    extract's bytes would cost a large part of the load it saves. The clip polygon enters
    by its WKB, the speeds by the profile name and the class table used.
    """
    stat = Path(path).stat()
    clip = None
    if clip_polygon is not None:
        clip = hashlib.sha256(shapely.to_wkb(clip_polygon)).hexdigest()
    parts = {
        "format": CACHE_FORMAT,
        "path": str(Path(path).resolve()),
        "size": stat.st_size,
        "mtime_ns": stat.st_mtime_ns,
        "speed_profile": speed_profile,
        "class_speed_kph": sorted(class_speed_kph.items()),
        "clip_wkb_sha256": clip,
        "simplify": simplify,
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def cached_graph(
    key: str, build: Callable[[], nx.MultiDiGraph], directory: str | Path | None = None
) -> nx.MultiDiGraph:
    """The graph cached under ``key``, or ``build()`` stored there and returned.

    ``graph.graph["cache"]`` tells which happened: ``"hit"`` or ``"miss"`` (not stored).
    """
    entry = cache_dir(directory) / "roads" / key
    if (entry / "graph.json").is_file():
        graph = load_graph(entry)
        graph.graph["cache"] = "hit"
        return graph
    graph = build()
    save_graph(graph, entry)
    graph.graph["cache"] = "miss"
    return graph


# --- writing ------------------------------------------------------------------------------


def save_graph(graph: nx.MultiDiGraph, entry: str | Path) -> None:
    """Write ``graph`` to the directory ``entry`` (replaced atomically if present)."""
    entry = Path(entry)
    entry.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{entry.name}-", dir=entry.parent))
    try:
        node_ids = list(graph.nodes)
        nodes = {"id": _encoded_ids(node_ids)}
        nodes.update(_encoded_columns([d for _, d in graph.nodes(data=True)], "n"))
        edges_data = list(graph.edges(keys=True, data=True))
        edges = {
            "u": _encoded_ids([u for u, _, _, _ in edges_data]),
            "v": _encoded_ids([v for _, v, _, _ in edges_data]),
            "key": _encoded_ids([k for _, _, k, _ in edges_data]),
        }
        edges.update(_encoded_columns([d for _, _, _, d in edges_data], "e"))
        _savez(tmp / "nodes.npz", _flat(nodes))
        _savez(tmp / "edges.npz", _flat(edges))
        graph_attrs = {k: v for k, v in graph.graph.items() if k != "cache"}
        (tmp / "graph.json").write_text(json.dumps(graph_attrs, ensure_ascii=False))
        if entry.exists():
            shutil.rmtree(entry)
        tmp.rename(entry)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)


_Column = dict[str, NDArray[Any]]


def _savez(path: Path, arrays: Mapping[str, NDArray[Any]]) -> None:
    """``np.savez`` of named arrays, uncompressed (loading speed matters more than size)."""
    savez: Any = np.savez  # numpy's stub types **kwargs as its bool option
    savez(path, **arrays)


def _flat(columns: Mapping[str, _Column]) -> dict[str, NDArray[Any]]:
    """``{name: {part: array}}`` as ``{"name|part": array}`` for one ``.npz``."""
    return {
        f"{name}|{part}": array
        for name, column in columns.items()
        for part, array in column.items()
    }


def _encoded_ids(values: list[Hashable]) -> _Column:
    """Node ids / edge keys: int64 when all are ints, else a JSON-coded column."""
    if all(type(value) is int for value in values):
        return {"int": np.array(values, dtype=np.int64)}
    return _json_column(values, [True] * len(values))


def _encoded_columns(rows: list[dict[str, Any]], _: str) -> dict[str, _Column]:
    """One encoded column per attribute name found in ``rows``."""
    names = sorted({name for row in rows for name in row})
    return {f"attr:{name}": _encoded(rows, name) for name in names}


def _encoded(rows: list[dict[str, Any]], name: str) -> _Column:
    """The attribute ``name`` of every row, in the tightest exact encoding."""
    missing = object()
    values = [row.get(name, missing) for row in rows]
    present = [value is not missing for value in values]
    if all(present):
        for kind, dtype in ((bool, np.bool_), (float, np.float64), (int, np.int64)):
            if all(type(value) is kind for value in values):
                return {dtype.__name__: np.array(values, dtype=dtype)}
    if all(isinstance(v, BaseGeometry) or v is missing for v in values):
        return _geometry_column(values, present)
    return _json_column(values, present)


def _json_column(values: list[Any], present: list[bool]) -> _Column:
    """JSON texts of the values behind int32 codes; ``-1`` where absent."""
    texts = [
        json.dumps(value, ensure_ascii=False) if here else ""
        for value, here in zip(values, present, strict=True)
    ]
    vocab, codes = np.unique(np.array(texts, dtype=object), return_inverse=True)
    codes = np.where(np.array(present, dtype=bool), codes.ravel(), -1).astype(np.int32)
    return {"codes": codes, "vocab": np.array(vocab.tolist(), dtype=str)}


def _geometry_column(values: list[Any], present: list[bool]) -> _Column:
    """LineStrings as coordinates (m, 2) and per-row coordinate counts (-1 absent)."""
    geoms = [v for v, p in zip(values, present, strict=True) if p]
    coords = shapely.get_coordinates(geoms) if geoms else np.empty((0, 2))
    counts = np.full(len(values), -1, dtype=np.int64)
    counts[np.array(present, dtype=bool)] = shapely.get_num_coordinates(geoms)
    return {"coords": coords, "counts": counts}


# --- reading ------------------------------------------------------------------------------


@contextmanager
def no_gc() -> Iterator[None]:
    """Pause Python's cyclic garbage collector: building millions of attribute dicts
    otherwise triggers a collection pass every few hundred objects, which cost about a
    third of a province graph's load. Nothing built here forms cycles."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def load_graph(entry: str | Path) -> nx.MultiDiGraph:
    """The graph saved by :func:`save_graph` in the directory ``entry``."""
    with no_gc():
        return _load_graph(Path(entry))


def _load_graph(entry: Path) -> nx.MultiDiGraph:
    """:func:`load_graph` with the collector paused."""
    with np.load(entry / "nodes.npz") as nodes_npz, np.load(entry / "edges.npz") as edges_npz:
        nodes, edges = _unflat(nodes_npz), _unflat(edges_npz)
    graph = nx.MultiDiGraph()
    graph.graph.update(json.loads((entry / "graph.json").read_text()))
    node_ids = _decoded(nodes.pop("id"))
    graph.add_nodes_from(zip(node_ids, _rows(nodes, len(node_ids)), strict=True))
    u, v, key = (_decoded(edges.pop(name)) for name in ("u", "v", "key"))
    _add_edges_fast(graph, zip(u, v, key, _rows(edges, len(u)), strict=True))
    return graph


def _add_edges_fast(graph: nx.MultiDiGraph, edges: Iterable[tuple[Any, Any, Any, dict[str, Any]]]
                    ) -> None:
    """Insert ``(u, v, key, data)`` edges between existing nodes straight into the
    adjacency dicts, as ``MultiDiGraph.add_edge`` does (one key dict shared by ``_succ``
    and ``_pred``) without its per-edge checks: four times faster on a province graph."""
    succ, pred = graph._succ, graph._pred
    for u, v, key, data in edges:
        key_dict = succ[u].get(v)
        if key_dict is None:
            key_dict = succ[u][v] = pred[v][u] = graph.edge_key_dict_factory()
        key_dict[key] = data


def _unflat(npz: Mapping[str, NDArray[Any]]) -> dict[str, _Column]:
    """``{"name|part": array}`` back to ``{name: {part: array}}``."""
    columns: dict[str, _Column] = {}
    for flat_name in npz:
        name, part = flat_name.split("|", 1)
        columns.setdefault(name, {})[part] = npz[flat_name]
    return columns


_ABSENT = object()


def _decoded(column: _Column) -> list[Any]:
    """Python values of one column; :data:`_ABSENT` where the attribute was absent."""
    if "codes" in column:
        vocab = [json.loads(text) if text else None for text in column["vocab"].tolist()]
        mutable = [isinstance(value, list | dict) for value in vocab]
        return [  # a list or dict per row, not one shared by every row with that value
            _ABSENT if code < 0 else vocab[code].copy() if mutable[code] else vocab[code]
            for code in column["codes"].tolist()
        ]
    if "coords" in column:
        return _decoded_geometry(column["coords"], column["counts"])
    (array,) = column.values()
    return list(array.tolist())


def _decoded_geometry(coords: NDArray[np.float64], counts: NDArray[np.int64]) -> list[Any]:
    """LineStrings rebuilt from coordinates and counts."""
    present = counts >= 0
    index = np.repeat(np.arange(int(present.sum())), counts[present])
    lines = shapely.linestrings(coords, indices=index) if len(coords) else []
    out: list[Any] = [_ABSENT] * len(counts)
    for position, line in zip(np.flatnonzero(present).tolist(), lines, strict=True):
        out[position] = line
    return out


def _rows(columns: Mapping[str, _Column], n: int) -> list[dict[str, Any]]:
    """One attribute dict per row from the ``attr:`` columns."""
    rows: list[dict[str, Any]] = [{} for _ in range(n)]
    for name, column in columns.items():
        attr = name.removeprefix("attr:")
        for row, value in zip(rows, _decoded(column), strict=True):
            if value is not _ABSENT:
                row[attr] = value
    return rows
