"""The worker process of one background job: build, report, save; die with the server.

:func:`run_job` runs in a ``spawn``-ed process (a clean interpreter, no threads or locks
inherited from the web server). Beside the build, a watchdog thread

- writes the job's heartbeat every ``heartbeat_s`` seconds, so the server can tell a
  worker that died from one that is slow;
- stops the worker when its parent (the server) is gone: after ``kill -9`` of the server
  the worker is re-parented, :func:`os.getppid` changes, and the worker marks its job
  ``interrupted`` and exits (with its own child processes, e.g. Dask workers);
- stops the worker when the job left ``running`` elsewhere (cancelled, interrupted).

``prctl(PR_SET_PDEATHSIG)`` is not used: Linux sends it when the *thread* that forked
the child ends, and the server starts workers from short-lived threads.
"""

from __future__ import annotations

import importlib
import multiprocessing
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from app.db import Database

PROGRESS_EVERY_S = 0.2
#: Dask worker processes of a whole-province job (as the CLI's default).
JOB_WORKERS = 2
#: The default plan builder (``module:function``), see :func:`build_plan`.
DEFAULT_BUILDER = "app.job_worker:build_plan"
#: How often the watchdog looks for its parent (seconds).
PARENT_POLL_S = 0.5
SERVER_GONE = "the server stopped while this job ran; run it again"

Builder = Callable[[Database, int, dict[str, Any], "str | None", "Sequence[str] | None"], Any]


def run_job(db_path: str, job_id: int, params: dict[str, Any], plans_dir: str,
            data_dir: str | None, regions: Sequence[str] | None = None, *,
            builder: str = DEFAULT_BUILDER, heartbeat_s: float = 2.0,
            parent_pid: int | None = None) -> None:
    """Worker entry point: build the plan, report progress, save it, set the final state.

    ``regions``: a whole-province job planned for these prefectures only (default all).
    ``builder``: ``module:function`` that builds the plan (tests use a stand-in).
    ``parent_pid``: the server's pid (default: this process's parent at start).
    """
    db = Database(db_path)
    if not db.update_job(job_id, state="running", stage="starting", pid=os.getpid(),
                         heartbeat_at=time.time(), only_if=("queued", "running")):
        return  # cancelled before it began
    # A whole-province job starts Dask worker processes, and a daemonic process may not
    # have children. The server still sees this worker as daemonic (it is terminated when
    # the server exits); the Dask workers are stopped with it (see stop_worker).
    multiprocessing.current_process().daemon = False
    stop = threading.Event()
    watchdog = threading.Thread(target=watch, daemon=True, name="coldchain-watchdog",
                                args=(db, job_id, parent_pid or os.getppid(), heartbeat_s,
                                      stop))
    watchdog.start()
    try:
        plan = resolve_builder(builder)(db, job_id, params, data_dir, regions)
        if _still_running(db, job_id):
            from optimize.plan.io import save_plan_atomically

            save_plan_atomically(plan, Path(plans_dir) / f"job-{job_id}")
    except Exception as exc:  # every failure is reported on the job, never lost
        _finish(stop, watchdog)
        db.update_job(job_id, state="failed", only_if=("running",), message=_reason(exc))
        return
    _finish(stop, watchdog)
    db.update_job(job_id, state="done", stage="done", fraction=1.0, only_if=("running",))


def _still_running(db: Database, job_id: int) -> bool:
    """True unless the job was cancelled or interrupted meanwhile (its plan is not kept)."""
    job = db.job(job_id)
    return job is not None and job["state"] == "running"


def _finish(stop: threading.Event, watchdog: threading.Thread) -> None:
    """Stop the watchdog before the final state (its next beat would fail and exit)."""
    stop.set()
    watchdog.join()


def watch(db: Database, job_id: int, parent_pid: int, heartbeat_s: float,
          stop: threading.Event) -> None:
    """The watchdog loop: parent check every :data:`PARENT_POLL_S`, heartbeat when due."""
    next_beat = 0.0
    while not stop.wait(min(PARENT_POLL_S, heartbeat_s)):
        if os.getppid() != parent_pid:
            _quietly(lambda: db.update_job(job_id, state="interrupted",
                                           only_if=("running",), message=SERVER_GONE))
            stop_worker(1)
        if time.monotonic() >= next_beat:
            next_beat = time.monotonic() + heartbeat_s
            if _quietly(lambda: db.beat_job(job_id)) is False and not stop.is_set():
                stop_worker(1)  # cancelled or interrupted: nobody waits for this plan


def _quietly(write: Callable[[], bool]) -> bool | None:
    """A database write of the watchdog; ``None`` if the database was busy (try later)."""
    try:
        return write()
    except sqlite3.Error:
        return None


def stop_worker(code: int) -> None:
    """End this worker now, with its child processes (Dask nannies)."""
    for child in multiprocessing.active_children():
        child.terminate()
    os._exit(code)


def resolve_builder(spec: str) -> Builder:
    """The function named by ``module:function``."""
    module, _, name = spec.partition(":")
    function: Builder = getattr(importlib.import_module(module), name)
    return function


def build_plan(db: Database, job_id: int, params: dict[str, Any], data_dir: str | None,
               regions: Sequence[str] | None = None) -> Any:
    """Validate the scenario and run the pipeline, writing progress to the job row."""
    from optimize.pipeline.entry import plan_for
    from optimize.scenario import Scenario

    scenario = Scenario.from_mapping(params)
    last = [0.0]

    def progress(stage: str, fraction: float) -> None:
        now = time.monotonic()
        if now - last[0] >= PROGRESS_EVERY_S or fraction >= 1.0:
            last[0] = now
            db.update_job(job_id, stage=stage, fraction=float(fraction),
                          only_if=("running",))

    return plan_for(scenario, data_dir=data_dir, plan_id=f"job-{job_id}", progress=progress,
                    workers=JOB_WORKERS, regions=regions)


def _reason(exc: Exception) -> str:
    """A one-paragraph message for a failed job (every reason of a named error)."""
    reasons = getattr(exc, "reasons", None)
    if isinstance(reasons, list) and reasons:
        return "; ".join(str(r) for r in reasons)
    return f"{type(exc).__name__}: {exc}"
