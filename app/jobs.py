"""Background plan builds: one worker process per job, progress and state in SQLite.

A job row moves ``queued -> running -> done | failed | cancelled``; a job the server
lost (its process died with a restart) becomes ``interrupted`` and stays listed. The
worker process (``spawn``: a clean interpreter, no threads or locks inherited from the
web server) calls :func:`optimize.pipeline.entry.plan_for` (one region, or the whole
province on a local Dask cluster of :data:`JOB_WORKERS` processes), writes every progress
report to the job row, and saves the plan atomically into ``PLANS_DIR/job-<id>``. The web
process never imports OR-Tools: only the worker does, through the pipeline.

Cancel terminates the worker (SIGTERM); the row is set to ``cancelled`` first, and the
worker only ever moves a job out of ``running``, so a late finish cannot undo a cancel.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Sequence
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    g,
    jsonify,
    redirect,
    render_template,
    url_for,
)
from flask.typing import ResponseReturnValue

from app.accounts import require_role
from app.db import ACTIVE_STATES, Database, current_db
from app.db import EXTENSION_KEY as DB_KEY

bp = Blueprint("jobs", __name__)
RUNNER_KEY = "coldchain.jobs"
PROGRESS_EVERY_S = 0.2
#: Dask worker processes of a whole-province job (as the CLI's default).
JOB_WORKERS = 2


class JobLimitError(RuntimeError):
    """Too many jobs are running; the message says how many."""


def _pid_alive(pid: int | None) -> bool:
    """True if ``pid`` is a live job worker (signal 0 probes without touching it).

    Where ``/proc`` exists, a live process whose command line is not a multiprocessing
    worker is a reused pid (e.g. after a reboot), so the job it names is gone.
    """
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    cmdline = Path(f"/proc/{pid}/cmdline")
    try:
        return b"multiprocessing" in cmdline.read_bytes()
    except OSError:
        return not Path("/proc").is_dir()


class JobRunner:
    """Starts, watches and cancels the worker processes of one app.

    Parameters
    ----------
    db
        The app's database (job rows).
    plans_dir
        Where finished plans are written.
    data_dir
        Reference data for the pipeline (``None``: its default).
    max_running
        Jobs allowed to run at once.
    """

    def __init__(self, db: Database, plans_dir: str | Path, data_dir: str | None,
                 max_running: int) -> None:
        self.db = db
        self.plans_dir = Path(plans_dir)
        self.data_dir = data_dir
        self.max_running = max_running
        self._procs: dict[int, BaseProcess] = {}
        self._lock = threading.Lock()

    def mark_lost_jobs(self) -> int:
        """At start-up: active jobs whose process is gone become ``interrupted``."""
        lost = [j for j in self.db.all("SELECT * FROM jobs WHERE state IN (?, ?)",
                                       ACTIVE_STATES) if not _pid_alive(j["pid"])]
        for job in lost:
            self.db.update_job(job["id"], state="interrupted", only_if=ACTIVE_STATES,
                               message="the server stopped while this job ran; run it again")
        return len(lost)

    def start(self, scenario: dict[str, Any], params: dict[str, Any], user: str) -> int:
        """Create a job row and its worker process; return the job id."""
        with self._lock:
            self.refresh()
            running = len(self.db.all("SELECT id FROM jobs WHERE state IN (?, ?)",
                                      ACTIVE_STATES))
            if running >= self.max_running:
                raise JobLimitError(f"{running} job(s) already running (limit "
                                    f"{self.max_running}); wait or cancel one")
            now = time.time()
            job_id = self.db.run(
                "INSERT INTO jobs (scenario_id, scenario_name, plan_id, state, created_by,"
                " created_at, updated_at) VALUES (?, ?, '', 'queued', ?, ?, ?)",
                (scenario["id"], scenario["name"], user, now, now))
            plan_id = f"job-{job_id}"
            self.db.update_job(job_id, plan_id=plan_id)
            proc = multiprocessing.get_context("spawn").Process(
                target=run_job, daemon=True, name=f"coldchain-job-{job_id}",
                args=(str(self.db.path), job_id, params, str(self.plans_dir), self.data_dir))
            proc.start()
            self._procs[job_id] = proc
            self.db.update_job(job_id, pid=proc.pid)
        return job_id

    def cancel(self, job_id: int) -> bool:
        """Cancel an active job (terminate its worker); False if it was not active."""
        job = self.db.job(job_id)
        if job is None or not self.db.update_job(job_id, state="cancelled",
                                                 only_if=ACTIVE_STATES,
                                                 message="cancelled by a user"):
            return False
        proc = self._procs.pop(job_id, None)
        if proc is not None:
            proc.terminate()
            proc.join(timeout=5)
        elif _pid_alive(job["pid"]):
            os.kill(job["pid"], signal.SIGTERM)
        return True

    def refresh(self) -> None:
        """Reap finished workers; an active job whose worker died becomes ``failed``."""
        for job_id, proc in list(self._procs.items()):
            if proc.is_alive():
                continue
            self._procs.pop(job_id, None)
            self.db.update_job(job_id, state="failed", only_if=ACTIVE_STATES,
                               message=f"the worker process stopped (exit code "
                                       f"{proc.exitcode})")

    def shutdown(self) -> None:
        """Terminate every worker (tests, server exit)."""
        for job_id in list(self._procs):
            self.cancel(job_id)


# ---- the worker process -----------------------------------------------------------------


def run_job(db_path: str, job_id: int, params: dict[str, Any], plans_dir: str,
            data_dir: str | None, regions: Sequence[str] | None = None) -> None:
    """Worker entry point: build the plan, report progress, save it, set the final state.

    ``regions``: a whole-province job planned for these prefectures only (default all).
    """
    db = Database(db_path)
    if not db.update_job(job_id, state="running", stage="starting", only_if=("queued",)):
        return  # cancelled before it began
    # A whole-province job starts Dask worker processes, and a daemonic process may not
    # have children. The server still sees this worker as daemonic (it is terminated when
    # the server exits); the Dask workers exit when their parent goes.
    multiprocessing.current_process().daemon = False
    try:
        plan = _build(db, job_id, params, data_dir, regions)
        from optimize.plan.io import save_plan_atomically

        save_plan_atomically(plan, Path(plans_dir) / f"job-{job_id}")
    except Exception as exc:  # every failure is reported on the job, never lost
        db.update_job(job_id, state="failed", only_if=("running",), message=_reason(exc))
        return
    db.update_job(job_id, state="done", stage="done", fraction=1.0, only_if=("running",))


def _build(db: Database, job_id: int, params: dict[str, Any], data_dir: str | None,
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


# ---- views ------------------------------------------------------------------------------


def current_runner() -> JobRunner:
    """The :class:`JobRunner` of the running app."""
    runner: JobRunner = current_app.extensions[RUNNER_KEY]
    return runner


def job_view(job: dict[str, Any]) -> dict[str, Any]:
    """A job row as the API and pages show it (plan URL once done)."""
    out = {k: job[k] for k in ("id", "scenario_id", "scenario_name", "plan_id", "state",
                               "stage", "fraction", "message", "created_by", "created_at",
                               "updated_at")}
    out["plan_url"] = (url_for("pages.plan_page", plan_id=job["plan_id"])
                       if job["state"] == "done" else None)
    return out


def _job_or_404(job_id: int) -> dict[str, Any]:
    current_runner().refresh()
    job = current_db().job(job_id)
    if job is None:
        abort(404, description=f"no job {job_id}")
    return job


@bp.get("/jobs")
def jobs_page() -> ResponseReturnValue:
    """Every job, newest first, with its state."""
    current_runner().refresh()
    return render_template("jobs.html", jobs=[job_view(j) for j in current_db().jobs()])


@bp.get("/jobs/<int:job_id>")
def job_page(job_id: int) -> ResponseReturnValue:
    """One job: a live progress bar (polls ``/api/jobs/<id>``) and a cancel button."""
    return render_template("job.html", job=job_view(_job_or_404(job_id)))


@bp.post("/jobs/<int:job_id>/cancel")
@require_role("planner")
def cancel_job(job_id: int) -> ResponseReturnValue:
    """Cancel a queued or running job."""
    _job_or_404(job_id)
    current_runner().cancel(job_id)
    return redirect(url_for("jobs.job_page", job_id=job_id))


@bp.get("/api/jobs")
def api_jobs() -> ResponseReturnValue:
    """Every job as JSON."""
    current_runner().refresh()
    return jsonify(jobs=[job_view(j) for j in current_db().jobs()])


@bp.get("/api/jobs/<int:job_id>")
def api_job(job_id: int) -> ResponseReturnValue:
    """One job's state and progress as JSON."""
    return jsonify(job_view(_job_or_404(job_id)))


@bp.post("/api/jobs/<int:job_id>/cancel")
@require_role("planner")
def api_cancel_job(job_id: int) -> ResponseReturnValue:
    """Cancel a job (``X-CSRF-Token`` header needed); returns the job."""
    _job_or_404(job_id)
    current_runner().cancel(job_id)
    return jsonify(job_view(_job_or_404(job_id)))


def init_jobs(app: Flask) -> None:
    """Create the app's runner, mark jobs lost by a restart, register the views."""
    runner = JobRunner(app.extensions[DB_KEY], app.config["PLANS_DIR"],
                       app.config.get("DATA_DIR"), int(app.config["MAX_RUNNING_JOBS"]))
    runner.mark_lost_jobs()
    app.extensions[RUNNER_KEY] = runner
    app.register_blueprint(bp)
    app.jinja_env.globals.setdefault("g", g)
