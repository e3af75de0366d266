"""Read saved plans (``coldchain-plan/1``, see ``docs/PLAN-FORMAT.md``) for the web app.

The web app only reads plan directories written by ``coldchain plan``; nothing is
re-solved here. Every plan id is checked against ``[a-z0-9_-]+`` and resolved inside
``PLANS_DIR`` only, so a request can never name a file elsewhere. Parsed files are
cached keyed by ``(path, mtime)``: a plan rewritten on disk is re-read on the next
request, an unchanged one is parsed once.
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from flask import current_app

from optimize.plan.format import LAYERS, PLAN_FILE, PLAN_KEYS, SCHEMA, layer_path
from optimize.plan.model import PlanMeta

PLAN_ID_RE = re.compile(r"[a-z0-9_-]{1,128}")  # bounded: no ENAMETOOLONG from the OS
EXTENSION_KEY = "coldchain.plans"


class PlanError(Exception):
    """Base of the errors a plan request can raise; ``http_status`` maps it to HTTP."""

    http_status = 500

    def __init__(self, message: str, *, plan_id: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.plan_id = plan_id


class PlanNotFound(PlanError):
    """No plan directory of that id (or the id is not a valid plan id)."""

    http_status = 404


class LayerNotFound(PlanError):
    """The layer name is not one of :data:`LAYERS` (a known layer whose file is missing
    makes the plan broken: :class:`PlanFormatError`)."""

    http_status = 404


class PlanFormatError(PlanError):
    """A plan file is missing, unreadable or does not follow ``coldchain-plan/1``: the
    server's data is at fault (500); the message names the file inside the plans folder,
    never the server's path."""

    http_status = 500


@dataclass(frozen=True)
class PlanSummary:
    """One row of the plan list: what the list page and ``/api/plans`` show."""

    plan_id: str
    name: str
    region_name: str
    created_at: str
    coverage_pct: float | None
    approximate: bool
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict of the summary."""
        return asdict(self)


class _FileCache:
    """Parsed files keyed by path, valid while the file's ``mtime_ns`` is unchanged (LRU)."""

    def __init__(self, max_entries: int) -> None:
        self._entries: OrderedDict[Path, tuple[int, Any]] = OrderedDict()
        self._max_entries = max_entries
        self._lock = threading.Lock()

    def get(self, path: Path, parse: Callable[[Path], Any]) -> Any:
        """Return ``parse(path)``, cached while the file's mtime stays the same."""
        mtime = path.stat().st_mtime_ns
        with self._lock:
            hit = self._entries.get(path)
            if hit is not None and hit[0] == mtime:
                self._entries.move_to_end(path)
                return hit[1]
        value = parse(path)
        with self._lock:
            self._entries[path] = (mtime, value)
            self._entries.move_to_end(path)
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)
        return value


def _no_nan(constant: str) -> None:
    """Read ``NaN`` / ``Infinity`` as ``null`` so what we serve stays valid JSON."""
    return None


def read_json(path: Path, source: str | None = None) -> Any:
    """Parse a UTF-8 JSON file; raise :class:`PlanFormatError` naming the file as
    ``source`` (e.g. ``p1/layers/routes.geojson``; default its name, never the server's
    path) if broken."""
    try:
        return json.loads(path.read_text(encoding="utf-8"), parse_constant=_no_nan)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PlanFormatError(f"{source or path.name}: not valid JSON ({exc})") from exc


#: How many bytes at the end of a layer file :func:`layer_problem` reads.
TAIL_BYTES = 64


def layer_problem(path: Path, source: str) -> str | None:
    """What is visibly wrong with a layer file without parsing it (the plan list checks
    every plan's layers this way): missing, empty, or truncated (its last non-blank byte
    is not the ``}`` that closes a FeatureCollection). ``None`` when it looks whole; a
    file that looks whole may still fail the full check when its page is opened."""
    try:
        with path.open("rb") as file:
            size = file.seek(0, os.SEEK_END)
            file.seek(max(0, size - TAIL_BYTES))
            tail = file.read().rstrip()
    except FileNotFoundError:
        return f"{source}: missing"
    except OSError as exc:
        return f"{source}: cannot be read ({exc.strerror})"
    if not tail:
        return f"{source}: empty"
    if not tail.endswith(b"}"):
        return f"{source}: truncated (it does not end with the '}}' of a GeoJSON object)"
    return None


def validate_plan_meta(meta: Any, source: str) -> dict[str, Any]:
    """Check ``plan.json`` against ``coldchain-plan/1``; return it unchanged.

    Raises
    ------
    PlanFormatError
        Not an object, a different schema, or missing keys (all of them are named).
    """
    if not isinstance(meta, dict):
        raise PlanFormatError(f"{source}: plan.json is not a JSON object")
    if meta.get("schema") != SCHEMA:
        raise PlanFormatError(f"{source}: schema {meta.get('schema')!r}, expected {SCHEMA!r}")
    missing = [key for key in PLAN_KEYS if key not in meta]
    if missing:
        raise PlanFormatError(f"{source}: plan.json lacks {', '.join(missing)}")
    return meta


def parse_plan_meta(meta: dict[str, Any], source: str) -> PlanMeta:
    """The typed view of a validated ``plan.json``.

    Raises
    ------
    PlanFormatError
        A key inside the plan is missing or of the wrong kind (the error names it).
    """
    try:
        return PlanMeta.from_json(meta)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise PlanFormatError(f"{source}: plan.json does not follow {SCHEMA} ({exc})") from exc


def validate_layer(data: Any, source: str) -> dict[str, Any]:
    """Check that a layer file is a GeoJSON FeatureCollection of features with properties."""
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise PlanFormatError(f"{source}: not a GeoJSON FeatureCollection")
    features = data.get("features")
    if not isinstance(features, list):
        raise PlanFormatError(f"{source}: 'features' is not a list")
    bad = [i for i, f in enumerate(features) if not _is_feature(f)]
    if bad:
        raise PlanFormatError(f"{source}: features {bad[:10]} lack geometry or properties")
    return data


def _is_feature(feature: Any) -> bool:
    """True for a dict with a ``geometry`` object and a ``properties`` object."""
    return (
        isinstance(feature, dict)
        and isinstance(feature.get("geometry"), dict)
        and isinstance(feature.get("properties"), dict)
    )


class PlanStore:
    """Read-only access to the plan directories under one ``plans_dir``.

    Parameters
    ----------
    plans_dir
        Directory holding one sub-directory per plan (``plans_dir/<plan_id>/plan.json``).
    max_entries
        How many parsed files the cache keeps (least recently used are dropped).
    """

    def __init__(self, plans_dir: str | Path, max_entries: int = 64) -> None:
        self.plans_dir = Path(plans_dir).resolve()
        self._cache = _FileCache(max_entries)
        self._infos = _FileCache(max_entries)

    def plan_dir(self, plan_id: str) -> Path:
        """The directory of ``plan_id``, checked to be a direct child of ``plans_dir``."""
        if not PLAN_ID_RE.fullmatch(plan_id):
            raise PlanNotFound(f"no plan {plan_id!r}", plan_id=plan_id)
        path = (self.plans_dir / plan_id).resolve()
        if path.parent != self.plans_dir or not (path / PLAN_FILE).is_file():
            raise PlanNotFound(f"no plan {plan_id!r}", plan_id=plan_id)
        return path

    def metadata(self, plan_id: str) -> dict[str, Any]:
        """Parsed and validated ``plan.json`` of ``plan_id`` as served by the API (shared:
        do not mutate); readers use :meth:`info`."""
        path = self.plan_dir(plan_id) / PLAN_FILE
        source = f"{plan_id}/{PLAN_FILE}"
        return self._read(path, lambda p: validate_plan_meta(read_json(p, source), source),
                          plan_id)

    def info(self, plan_id: str) -> PlanMeta:
        """The typed ``plan.json`` of ``plan_id``, parsed once per version of the file."""
        path = self.plan_dir(plan_id) / PLAN_FILE
        source = f"{plan_id}/{PLAN_FILE}"
        return self._read_with(self._infos, path, lambda p: parse_plan_meta(
            self.metadata(plan_id), source), plan_id)

    def layer(self, plan_id: str, layer: str) -> dict[str, Any]:
        """Parsed FeatureCollection ``layers/<layer>.geojson`` (shared: do not mutate)."""
        if layer not in LAYERS:
            raise LayerNotFound(f"no layer {layer!r}; layers are {', '.join(LAYERS)}",
                                plan_id=plan_id)
        path = self.plan_dir(plan_id) / layer_path(layer)
        source = f"{plan_id}/{layer_path(layer)}"
        if not path.is_file():  # a plan without one of its layers is broken, not absent
            raise PlanFormatError(f"{source}: missing (the plan has no {layer} layer)",
                                  plan_id=plan_id)
        return self._read(path, lambda p: validate_layer(read_json(p, source), source),
                          plan_id)

    def layers(self, plan_id: str) -> dict[str, dict[str, Any]]:
        """All four layers of ``plan_id`` by name."""
        return {name: self.layer(plan_id, name) for name in LAYERS}

    def signature(self, plan_id: str) -> tuple[tuple[str, int], ...]:
        """``(path, mtime_ns)`` of every file of the plan: a key for derived caches."""
        root = self.plan_dir(plan_id)
        files = [root / PLAN_FILE, *(root / layer_path(n) for n in LAYERS)]
        return tuple((str(f), f.stat().st_mtime_ns if f.is_file() else -1) for f in files)

    def list_plans(self) -> list[PlanSummary]:
        """Summaries of every plan directory, newest first; broken plans carry ``error``."""
        if not self.plans_dir.is_dir():
            return []
        ids = sorted(p.name for p in self.plans_dir.iterdir()
                     if PLAN_ID_RE.fullmatch(p.name) and (p / PLAN_FILE).is_file())
        rows = [self._summary(plan_id) for plan_id in ids]
        return sorted(rows, key=lambda r: r.created_at, reverse=True)

    def _summary(self, plan_id: str) -> PlanSummary:
        """Summary of one plan, or a row naming its error: ``plan.json`` is parsed, each
        layer only looked at (:func:`layer_problem`: missing, empty or truncated)."""
        try:
            info = self.info(plan_id)
        except PlanError as exc:
            return PlanSummary(plan_id, plan_id, "", "", None, False, error=exc.message)
        root = self.plans_dir / plan_id
        problems = [p for p in (layer_problem(root / layer_path(n), f"{plan_id}/"
                                              f"{layer_path(n)}") for n in LAYERS) if p]
        if problems:
            return PlanSummary(plan_id, str(info.name), str(info.region.name),
                               str(info.created_at), None, False, error="; ".join(problems))
        return PlanSummary(
            plan_id=plan_id,
            name=str(info.name),
            region_name=str(info.region.name),
            created_at=str(info.created_at),
            coverage_pct=info.kpis.coverage_pct,
            approximate=bool(info.road_network.approximate),
        )

    def _read(self, path: Path, parse: Callable[[Path], Any], plan_id: str) -> Any:
        """Cached parse; a file that vanished meanwhile is 'not found', not a crash."""
        return self._read_with(self._cache, path, parse, plan_id)

    @staticmethod
    def _read_with(cache: _FileCache, path: Path, parse: Callable[[Path], Any],
                   plan_id: str) -> Any:
        """:meth:`_read` through ``cache``."""
        try:
            return cache.get(path, parse)
        except FileNotFoundError as exc:
            raise PlanNotFound(f"no plan {plan_id!r}", plan_id=plan_id) from exc
        except OSError as exc:
            raise PlanFormatError(f"{path.name}: cannot be read ({exc.strerror})",
                                  plan_id=plan_id) from exc


def current_store() -> PlanStore:
    """The :class:`PlanStore` of the running app (made by ``create_app``)."""
    store: PlanStore = current_app.extensions[EXTENSION_KEY]
    return store
