"""Background plan builds: a queue, one worker process per running job, state in SQLite.

A job row moves ``queued -> running -> done | failed | cancelled``. A planner's run while
``MAX_RUNNING_JOBS`` jobs run is queued (its position shown) and started, oldest first,
when a running one ends; a queued job can be cancelled and then never starts. A job
whose worker is gone becomes ``interrupted`` and stays listed: at start-up (the server
stopped while it ran) or once its heartbeat is older than ``JOB_STALE_AFTER_S`` and no
worker of this server runs it. Queued jobs survive a restart and are taken up again.

The worker (:mod:`app.job_worker`) writes progress and a heartbeat to the job row and
ends itself when the server process is gone. The web process never imports OR-Tools.
A watcher thread of the server reaps workers and starts queued jobs while jobs are active.

Cancel sets the row to ``cancelled`` first, then terminates the worker (SIGTERM); the
worker only ever moves a job out of ``running``, so a late finish cannot undo a cancel.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from dataclasses import dataclass
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
from flask_babel import gettext

from app.accounts import require_role
from app.catalogue import N_, translate_message
from app.db import ACTIVE_STATES, Database, current_db
from app.db import EXTENSION_KEY as DB_KEY
from app.i18n import current_lang
from app.job_worker import DEFAULT_BUILDER, SERVER_GONE, run_job

__all__ = ["JobLimitError", "JobRunner", "JobSettings", "run_job", "init_jobs"]

bp = Blueprint("jobs", __name__)
RUNNER_KEY = "coldchain.jobs"
STALE = "the job's worker stopped reporting (no heartbeat); run it again"
CANCELLED = "cancelled by a user"
#: The job pages' labels: key -> English msgid (Chinese in the zh catalogue). The
#: messages the server writes on jobs (:data:`SERVER_GONE`, :data:`STALE`,
#: :data:`CANCELLED`) are stored in English and shown through the catalogue's patterns
#: (:func:`message_text`).
LABELS = {
    "queue_position": N_("Position in the queue: %(n)s"),
    "queue_full": N_("the job queue is full (%(n)s queued); try again later"),
}


class JobLimitError(RuntimeError):
    """The queue is full; the message says how many wait."""


@dataclass(frozen=True)
class JobSettings:
    """How jobs run (from the app config).

    Attributes
    ----------
    max_running
        Jobs solved at the same time (``MAX_RUNNING_JOBS``, default 1: each takes a core).
    max_queued
        Jobs allowed to wait (``MAX_QUEUED_JOBS``, default 20); one more is refused.
    heartbeat_s
        Seconds between a worker's heartbeats (``JOB_HEARTBEAT_S``, default 2).
    stale_after_s
        A running job without a heartbeat for this long, and no worker of this server,
        is ``interrupted`` (``JOB_STALE_AFTER_S``, default 30).
    poll_s
        Seconds between the watcher's looks at the jobs (``JOB_POLL_S``, default 1).
    builder
        ``module:function`` that builds a plan in the worker (``JOB_BUILDER``).
    """

    max_running: int = 1
    max_queued: int = 20
    heartbeat_s: float = 2.0
    stale_after_s: float = 30.0
    poll_s: float = 1.0
    builder: str = DEFAULT_BUILDER

    @classmethod
    def from_config(cls, config: Any) -> JobSettings:
        """Settings from a Flask config (missing keys keep their defaults)."""
        return cls(max_running=int(config.get("MAX_RUNNING_JOBS", 1)),
                   max_queued=int(config.get("MAX_QUEUED_JOBS", 20)),
                   heartbeat_s=float(config.get("JOB_HEARTBEAT_S", 2.0)),
                   stale_after_s=float(config.get("JOB_STALE_AFTER_S", 30.0)),
                   poll_s=float(config.get("JOB_POLL_S", 1.0)),
                   builder=str(config.get("JOB_BUILDER", DEFAULT_BUILDER)))


def pid_alive(pid: int | None) -> bool:
    """True if ``pid`` is a live job worker (signal 0 probes without touching it).

    Where ``/proc`` exists, a live process whose command line is not a multiprocessing
    worker is a reused pid (e.g. after a reboot), so the job it names is gone; so is a
    zombie (its command line is empty).
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
    """Queues, starts, watches and cancels the worker processes of one app.

    Parameters
    ----------
    db
        The app's database (job rows).
    plans_dir
        Where finished plans are written.
    data_dir
        Reference data for the pipeline (``None``: its default).
    settings
        Limits and timings (:class:`JobSettings`).
    """

    def __init__(self, db: Database, plans_dir: str | Path, data_dir: str | None,
                 settings: JobSettings) -> None:
        self.db = db
        self.plans_dir = Path(plans_dir)
        self.data_dir = data_dir
        self.settings = settings
        self._procs: dict[int, BaseProcess] = {}
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._watcher: threading.Thread | None = None
        self._taken_up = False

    def mark_lost_jobs(self) -> int:
        """At start-up: running jobs whose worker is gone become ``interrupted``."""
        lost = [j for j in self.db.all("SELECT * FROM jobs WHERE state = 'running'")
                if not pid_alive(j["pid"])]
        for job in lost:
            self.db.update_job(job["id"], state="interrupted", only_if=("running",),
                               message=SERVER_GONE)
        return len(lost)

    def take_up(self) -> None:
        """Once, when serving starts: lost running jobs become ``interrupted``, queued jobs
        of the last run start (as room allows), and the watcher runs while jobs wait."""
        if self._taken_up:  # every request calls this: no lock once done
            return
        with self._lock:
            if self._taken_up:
                return
            self._taken_up = True
            self.mark_lost_jobs()
            self.refresh()
            if self._procs or self.db.queued_count():
                self.watch()

    def start(self, scenario: dict[str, Any], params: dict[str, Any], user: str) -> int:
        """Queue a job (started at once if there is room); return the job id."""
        with self._lock:
            waiting = self.db.queued_count()
            if waiting >= self.settings.max_queued:
                raise JobLimitError(label("queue_full", n=waiting))
            job_id = self.db.add_job(scenario, params, user)
            self.refresh()
            self.watch()
        return job_id

    def cancel(self, job_id: int) -> bool:
        """Cancel an active job (terminate its worker); False if it was not active."""
        job = self.db.job(job_id)
        if job is None or not self.db.update_job(job_id, state="cancelled",
                                                 only_if=ACTIVE_STATES, message=CANCELLED):
            return False
        with self._lock:
            proc = self._procs.pop(job_id, None)
        if proc is not None:
            proc.terminate()
            proc.join(timeout=5)
        elif job["state"] == "running" and pid_alive(job["pid"]):
            os.kill(job["pid"], signal.SIGTERM)
        self.refresh()
        return True

    def refresh(self) -> None:
        """Reap finished workers, interrupt stale jobs, start queued jobs if there is room."""
        with self._lock:
            self._reap()
            self._interrupt_stale()
            while not self._stop.is_set() and self.db.queued_count():
                job = self.db.claim_next_job(self.settings.max_running)
                if job is None:
                    break
                self._spawn(job)

    def _reap(self) -> None:
        """A worker of ours that ended with its job still active: the job ``failed``."""
        for job_id, proc in list(self._procs.items()):
            if proc.is_alive():
                continue
            proc.join()
            self._procs.pop(job_id, None)
            self.db.update_job(job_id, state="failed", only_if=ACTIVE_STATES,
                               message=f"the worker process stopped (exit code "
                                       f"{proc.exitcode})")

    def _interrupt_stale(self) -> None:
        """Running jobs of no worker of ours whose heartbeat is too old: ``interrupted``."""
        limit = time.time() - self.settings.stale_after_s
        for job in self.db.all("SELECT * FROM jobs WHERE state = 'running'"):
            beat = job["heartbeat_at"] or job["updated_at"]
            if job["id"] not in self._procs and beat < limit:
                self.db.update_job(job["id"], state="interrupted", only_if=("running",),
                                   message=STALE)

    def _spawn(self, job: dict[str, Any]) -> None:
        """Start the worker process of a claimed job."""
        proc = multiprocessing.get_context("spawn").Process(
            target=run_job, daemon=True, name=f"coldchain-job-{job['id']}",
            args=(str(self.db.path), job["id"], job["params"], str(self.plans_dir),
                  self.data_dir),
            kwargs={"builder": self.settings.builder,
                    "heartbeat_s": self.settings.heartbeat_s, "parent_pid": os.getpid()})
        try:
            proc.start()
        except OSError as exc:  # no memory or process slots: say so on the job
            self.db.update_job(job["id"], state="failed", only_if=("running",),
                               message=f"the worker process could not start: {exc}")
            return
        self._procs[job["id"]] = proc
        self.db.update_job(job["id"], pid=proc.pid, only_if=("running",))

    def watch(self) -> None:
        """Run the watcher thread (if not running): it refreshes while jobs are active."""
        with self._lock:
            if self._watcher is None and not self._stop.is_set():
                self._watcher = threading.Thread(target=self._watch_loop, daemon=True,
                                                 name="coldchain-job-watcher")
                self._watcher.start()

    def _watch_loop(self) -> None:
        while not self._stop.wait(self.settings.poll_s):
            self.refresh()
            with self._lock:
                if not self._procs and not self.db.all(
                        "SELECT id FROM jobs WHERE state IN (?, ?)", ACTIVE_STATES):
                    self._watcher = None
                    return

    def shutdown(self) -> None:
        """Stop the watcher and terminate every worker of ours (tests, server exit)."""
        self._stop.set()
        watcher = self._watcher
        if watcher is not None:
            watcher.join()
        for job_id in list(self._procs):
            self.cancel(job_id)


def label(key: str, **params: object) -> str:
    """A job-page label in the request's language (English outside a request), its
    ``%(n)s`` filled from ``params``."""
    return str(gettext(LABELS[key], **params))


def message_text(message: str) -> str:
    """A message the server wrote on a job, in the request's language."""
    try:
        lang = current_lang()
    except RuntimeError:
        return message
    return str(translate_message(message, lang)) if message else message


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
    out["message"] = message_text(job["message"])
    out["stage_text"] = message_text(job["stage"])  # "stage" stays the optimizer's words
    out["queue_position"] = current_db().queue_position(job["id"]) \
        if job["state"] == "queued" else None
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
    """Create the app's runner and register the views.

    The runner takes up the jobs of the last run (:meth:`JobRunner.take_up`) at the first
    request, or when ``coldchain serve`` starts: an app made for a CLI command such as
    ``coldchain users add`` starts no worker.
    """
    runner = JobRunner(app.extensions[DB_KEY], app.config["PLANS_DIR"],
                       app.config.get("DATA_DIR"), JobSettings.from_config(app.config))
    app.extensions[RUNNER_KEY] = runner
    app.before_request(runner.take_up)
    app.register_blueprint(bp)
    app.jinja_env.globals.setdefault("g", g)
    app.jinja_env.globals["job_label"] = label


def take_up_jobs(app: Flask) -> None:
    """Take up the jobs of the last run now (``coldchain serve``): :meth:`JobRunner.take_up`."""
    runner: JobRunner = app.extensions[RUNNER_KEY]
    runner.take_up()
