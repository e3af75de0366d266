"""Background jobs: a real small build to done, cancel, failure, restart -> interrupted."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from app.db import EXTENSION_KEY as DB_KEY
from app.db import Database
from app.jobs import RUNNER_KEY, run_job
from tests.browser import chromium_page, live_server, requires_chromium
from tests.conftest import browser_login, csrf_of, login, wait_for_release, write_plan

SCENARIO = {"name": "广河县 job", "region_code": "622924", "siting_time_limit_s": "5",
            "routing_time_limit_s": "0.2"}


@pytest.fixture
def job_app(tmp_path: Path, stub_vendor_dir: Path) -> Any:
    """An app with its own plans dir and instance; workers are stopped afterwards."""
    app = create_app({"TESTING": True, "PLANS_DIR": str(tmp_path / "plans"),
                      "VENDOR_DIR": str(stub_vendor_dir),
                      "INSTANCE_DIR": str(tmp_path / "instance")})
    yield app
    app.extensions[RUNNER_KEY].shutdown()


def _scenario(client: FlaskClient, **fields: str) -> int:
    response = client.post("/scenarios/new", data=dict(SCENARIO, **fields,
                                                       csrf_token=csrf_of(client)))
    assert response.status_code == 302, response.get_data(as_text=True)[:400]
    return int(client.get("/api/scenarios").get_json()["scenarios"][0]["id"])


def _run(client: FlaskClient, sid: int) -> int:
    response = client.post(f"/scenarios/{sid}/run", data={"csrf_token": csrf_of(client)})
    assert response.status_code == 302, response.get_data(as_text=True)[:400]
    return int(response.location.rsplit("/", 1)[1])


def _wait(client: FlaskClient, job_id: int, timeout_s: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    seen = set()
    while time.monotonic() < deadline:
        job = client.get(f"/api/jobs/{job_id}").get_json()
        seen.add(job["stage"])
        if job["state"] not in ("queued", "running"):
            job["stages_seen"] = seen
            return dict(job)
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} still {job['state']}")


@pytest.mark.slow
def test_job_runs_to_a_plan(job_app: Flask) -> None:
    client = login(job_app.test_client(), "planner")
    job_id = _run(client, _scenario(client))
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert 'id="job-progress"' in page and 'id="cancel-job"' in page
    job = _wait(client, job_id)
    assert job["state"] == "done", job["message"]
    assert job["fraction"] == 1.0 and job["plan_url"] == f"/plans/job-{job_id}"
    assert len(job["stages_seen"]) >= 2  # progress was reported along the way
    plans = client.get("/api/plans").get_json()["plans"]
    assert [p["plan_id"] for p in plans] == [f"job-{job_id}"]
    assert client.get(f"/plans/job-{job_id}").status_code == 200


def test_cancel_stops_the_worker(job_app: Flask) -> None:
    client = login(job_app.test_client(), "planner")
    job_id = _run(client, _scenario(client))
    pid = job_app.extensions[DB_KEY].job(job_id)["pid"]
    response = client.post(f"/jobs/{job_id}/cancel", data={"csrf_token": csrf_of(client)})
    assert response.status_code == 302
    job = client.get(f"/api/jobs/{job_id}").get_json()
    assert job["state"] == "cancelled" and job["plan_url"] is None
    time.sleep(0.3)
    assert subprocess.run(["kill", "-0", str(pid)], capture_output=True).returncode != 0
    assert not (Path(job_app.config["PLANS_DIR"]) / f"job-{job_id}").exists()


def test_failure_is_reported(job_app: Flask) -> None:
    client = login(job_app.test_client(), "planner")
    # The form now refuses an unknown region; a scenario saved before that check (or
    # whose region vanished from the data) still fails in the job, with its reason.
    db = job_app.extensions[DB_KEY]
    sid = db.save_scenario(None, "x", {"name": "x", "region_code": "629999",
                                       "siting_time_limit_s": 5, "routing_time_limit_s": 0.2},
                           (None, None), "pete")
    job_id = _run(client, sid)
    job = _wait(client, job_id, 60)
    assert job["state"] == "failed" and "629999" in job["message"]
    assert "failed" in client.get("/jobs").get_data(as_text=True)


def test_viewer_cannot_start_a_job(job_app: Flask) -> None:
    planner = login(job_app.test_client(), "planner")
    sid = _scenario(planner)
    viewer = login(job_app.test_client(), "viewer")
    response = viewer.post(f"/scenarios/{sid}/run", data={"csrf_token": csrf_of(viewer)})
    assert response.status_code == 403
    assert viewer.get("/api/jobs").get_json()["jobs"] == []


def _dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def test_restart_marks_running_jobs_interrupted(job_app: Flask) -> None:
    db = job_app.extensions[DB_KEY]
    now = time.time()
    job_id = db.run("INSERT INTO jobs (scenario_id, scenario_name, plan_id, state, pid,"
                    " created_by, created_at, updated_at) VALUES (1, 's', 'job-x', 'running',"
                    " ?, 'pete', ?, ?)", (_dead_pid(), now, now))
    again = create_app({"TESTING": True, "PLANS_DIR": job_app.config["PLANS_DIR"],
                        "INSTANCE_DIR": job_app.config["INSTANCE_DIR"]})
    client = login(again.test_client(), "viewer")
    job = client.get(f"/api/jobs/{job_id}").get_json()
    assert job["state"] == "interrupted" and "请重新运行" in job["message"]  # Chinese first
    job = client.get(f"/api/jobs/{job_id}?lang=en").get_json()
    assert "run it again" in job["message"]
    assert "interrupted" in client.get("/jobs?lang=en").get_data(as_text=True)


def test_a_run_while_one_runs_is_queued(job_app: Flask) -> None:
    # Was test_one_job_at_a_time (409 "already running"): a second run now waits its turn
    client = login(job_app.test_client(), "planner")
    sid = _scenario(client)
    now = time.time()
    job_app.extensions[DB_KEY].run(
        "INSERT INTO jobs (scenario_id, scenario_name, plan_id, state, pid, created_by,"
        " created_at, updated_at, heartbeat_at) VALUES (?, 's', 'job-y', 'running', ?, 'p',"
        " ?, ?, ?)", (sid, os.getpid(), now, now, now))
    job_id = _run(client, sid)
    job = client.get(f"/api/jobs/{job_id}").get_json()
    assert job["state"] == "queued" and job["queue_position"] == 1
    assert job_app.extensions[DB_KEY].job(job_id)["pid"] is None  # no worker yet


def test_a_reused_pid_is_not_a_worker(job_app: Flask) -> None:
    from app.jobs import pid_alive
    assert pid_alive(os.getpid()) is False  # pytest is alive but is no job worker
    assert pid_alive(_dead_pid()) is False and pid_alive(None) is False


@pytest.mark.slow
def test_a_province_job_runs_on_dask(job_app: Flask) -> None:
    # As JobRunner.start runs it: a daemonic spawned worker, which starts Dask workers
    db = job_app.extensions[DB_KEY]
    now = time.time()
    job_id = db.run("INSERT INTO jobs (scenario_id, scenario_name, plan_id, state, created_by,"
                    " created_at, updated_at) VALUES (1, 'Gansu job', 'job-p', 'queued',"
                    " 'pete', ?, ?)", (now, now))
    params = {"name": "Gansu job", "region_code": "62", "siting_time_limit_s": 10.0,
              "routing_time_limit_s": 0.3}
    proc = multiprocessing.get_context("spawn").Process(
        target=run_job, daemon=True, args=(str(db.path), job_id, params,
                                           job_app.config["PLANS_DIR"], None, ["6202"]))
    proc.start()
    proc.join(300)
    job = db.job(job_id)
    assert job["state"] == "done", job["message"]
    assert job["fraction"] == 1.0
    client = login(job_app.test_client(), "viewer")
    plan = client.get(f"/api/plans/job-{job_id}").get_json()
    assert plan["region"]["level"] == "province"
    assert plan["region"]["prefectures"] == ["6202"]
    page = client.get(f"/plans/job-{job_id}")
    assert page.status_code == 200
    assert "嘉峪关市" in page.get_data(as_text=True)  # the one prefecture's summary row


# ---- the queue, heartbeats and workers that end with the server --------------------------
# These jobs run a stand-in builder (JOB_BUILDER) in real worker processes: it reports a
# stage, waits until the test releases it (a file named after the job), and returns the
# tiny hand-made plan. The tests decide when a job ends; nothing depends on timing.

GATE_ENV = "COLDCHAIN_TEST_JOB_GATE"
GATED = {"JOB_BUILDER": "tests.test_app_jobs:gated_build", "JOB_POLL_S": 0.05,
         "JOB_HEARTBEAT_S": 0.2}


def gated_build(db: Database, job_id: int, params: dict[str, Any], data_dir: str | None,
                regions: Any = None) -> Any:
    """Worker-side stand-in for ``build_plan``: wait for ``release-<job id>``, then plan."""
    from optimize.plan.io import load_plan

    wait_for_release(db, job_id, GATE_ENV)
    root = Path(tempfile.mkdtemp(prefix="gated-"))
    return load_plan(write_plan(root, f"job-{job_id}", approximate=True,
                                created_at="2025-06-03T08:00:00Z"))


def gated_config(tmp_path: Path, **more: Any) -> dict[str, Any]:
    """App config of a test app whose jobs run :func:`gated_build`."""
    return dict(GATED, TESTING=True, PLANS_DIR=str(tmp_path / "plans"),
                INSTANCE_DIR=str(tmp_path / "instance"), **more)


@pytest.fixture
def gated_app(tmp_path: Path, stub_vendor_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """An app whose jobs wait for :func:`release`; workers are stopped afterwards."""
    (tmp_path / "gates").mkdir()
    monkeypatch.setenv(GATE_ENV, str(tmp_path / "gates"))  # inherited by the workers
    app = create_app(gated_config(tmp_path, VENDOR_DIR=str(stub_vendor_dir)))
    yield app
    app.extensions[RUNNER_KEY].shutdown()


def release(job_id: int) -> None:
    """Let a gated job finish."""
    (Path(os.environ[GATE_ENV]) / f"release-{job_id}").touch()


def until(check: Callable[[], Any], what: str, timeout_s: float = 60) -> Any:
    """Poll ``check`` until it returns something true (a bounded wait, never a fixed one)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def _api(client: FlaskClient, job_id: int) -> dict[str, Any]:
    return dict(client.get(f"/api/jobs/{job_id}").get_json())


def _waiting(client: FlaskClient, job_id: int) -> bool:
    job = _api(client, job_id)
    return job["state"] == "running" and job["stage"] == "waiting"


def test_second_run_is_queued_then_starts(gated_app: Flask) -> None:
    client = login(gated_app.test_client(), "planner")
    sid = _scenario(client)
    first = _run(client, sid)
    until(lambda: _waiting(client, first), "the first job to run")
    second = _run(client, sid)
    job = _api(client, second)
    assert job["state"] == "queued" and job["queue_position"] == 1
    assert _api(client, first)["queue_position"] is None
    page = client.get(f"/jobs/{second}").get_data(as_text=True)
    assert "排队位置：第 1 位" in page
    assert 'data-queue-label="排队位置：第 {n} 位"' in page  # job.js fills {n}
    assert "Position in the queue: 1" in client.get(f"/jobs/{second}?lang=en").get_data(
        as_text=True)
    assert "排队位置：第 1 位" in client.get("/jobs?lang=zh").get_data(as_text=True)
    release(first)
    until(lambda: _waiting(client, second), "the queued job to start")
    assert _api(client, first)["state"] == "done"
    release(second)
    done = until(lambda: _api(client, second)["state"] == "done" and _api(client, second),
                 "the second job to finish")
    assert done["plan_url"] == f"/plans/job-{second}"
    assert client.get(done["plan_url"]).status_code == 200


def test_cancel_while_queued(gated_app: Flask) -> None:
    client = login(gated_app.test_client(), "planner")
    sid = _scenario(client)
    first = _run(client, sid)
    until(lambda: _waiting(client, first), "the first job to run")
    second, third = _run(client, sid), _run(client, sid)
    assert _api(client, third)["queue_position"] == 2
    response = client.post(f"/jobs/{second}/cancel", data={"csrf_token": csrf_of(client)})
    assert response.status_code == 302
    assert _api(client, second)["state"] == "cancelled"
    assert _api(client, third)["queue_position"] == 1
    release(first)
    release(second)  # even released, a cancelled job never starts
    until(lambda: _waiting(client, third), "the third job to start")
    release(third)
    until(lambda: _api(client, third)["state"] == "done", "the third job to finish")
    row = gated_app.extensions[DB_KEY].job(second)
    assert row["state"] == "cancelled" and row["pid"] is None
    assert not (Path(gated_app.config["PLANS_DIR"]) / f"job-{second}").exists()


def test_a_stale_heartbeat_interrupts_and_the_queue_moves_on(gated_app: Flask) -> None:
    client = login(gated_app.test_client(), "planner")
    sid = _scenario(client)
    db = gated_app.extensions[DB_KEY]
    now = time.time()
    lost = db.run("INSERT INTO jobs (scenario_id, scenario_name, plan_id, state, pid,"
                  " created_by, created_at, updated_at, heartbeat_at) VALUES (?, 's', 'job-z',"
                  " 'running', ?, 'pete', ?, ?, ?)", (sid, _dead_pid(), now, now, now))
    queued = _run(client, sid)
    assert _api(client, queued)["queue_position"] == 1  # a fresh heartbeat still counts
    db.run("UPDATE jobs SET heartbeat_at = ? WHERE id = ?", (now - 3600, lost))
    until(lambda: _waiting(client, queued), "the queued job to start")
    job = _api(client, lost)
    assert job["state"] == "interrupted" and "心跳" in job["message"]
    en = client.get(f"/api/jobs/{lost}?lang=en").get_json()
    assert "no heartbeat" in en["message"]
    release(queued)
    until(lambda: _api(client, queued)["state"] == "done", "the queued job to finish")


def test_restart_takes_up_queued_jobs(gated_app: Flask, tmp_path: Path) -> None:
    db = gated_app.extensions[DB_KEY]
    job_id = db.add_job({"id": 1, "name": "s"}, {"name": "s"}, "pete")
    again = create_app(gated_config(tmp_path, VENDOR_DIR=gated_app.config["VENDOR_DIR"]))
    try:
        client = login(again.test_client(), "viewer")
        until(lambda: _waiting(client, job_id), "the queued job to start after a restart")
        release(job_id)
        until(lambda: _api(client, job_id)["state"] == "done", "the job to finish")
    finally:
        again.extensions[RUNNER_KEY].shutdown()


def serve_one_job(root: str) -> None:
    """A stand-in server (run with ``python -c``): start one gated job, then idle."""
    app = create_app(gated_config(Path(root)))
    app.extensions[RUNNER_KEY].start({"id": 1, "name": "s"}, {"name": "s"}, "pete")
    time.sleep(300)  # killed by the test long before


def _gone(pid: int) -> bool:
    """True if ``pid`` has exited (a zombie nobody reaped counts as exited)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state in ("Z", "X")


def _check_alive(server: subprocess.Popen[bytes]) -> None:
    assert server.poll() is None, f"the stand-in server exited ({server.returncode})"


def test_the_worker_ends_when_its_server_is_killed(gated_app: Flask) -> None:
    root = Path(gated_app.config["INSTANCE_DIR"]).parent  # the same database
    server = subprocess.Popen(
        [sys.executable, "-c", "import sys; from tests.test_app_jobs import serve_one_job;"
         " serve_one_job(sys.argv[1])", str(root)],
        cwd=Path(__file__).resolve().parents[1], env=dict(os.environ,
                                                          PYTHONPATH=os.pathsep.join(sys.path)))
    db = gated_app.extensions[DB_KEY]
    try:
        job = until(lambda: server.poll() is None and db.one(
            "SELECT * FROM jobs WHERE stage = 'waiting'") or _check_alive(server),
                    "the stand-in server's job to run")
        server.send_signal(signal.SIGKILL)
        server.wait(10)
        until(lambda: _gone(job["pid"]), "the orphaned worker to exit", 30)
    finally:
        server.kill()
        server.wait(10)
    row = db.job(job["id"])
    assert row["state"] == "interrupted" and "server stopped" in row["message"]


def test_a_full_queue_refuses_a_run(tmp_path: Path, stub_vendor_dir: Path) -> None:
    app = create_app(gated_config(tmp_path, VENDOR_DIR=str(stub_vendor_dir),
                                  MAX_QUEUED_JOBS=1))
    try:
        client = login(app.test_client(), "planner")
        sid = _scenario(client)
        now = time.time()
        app.extensions[DB_KEY].run(
            "INSERT INTO jobs (scenario_id, scenario_name, plan_id, state, pid, created_by,"
            " created_at, updated_at, heartbeat_at) VALUES (?, 's', 'job-y', 'running', ?,"
            " 'p', ?, ?, ?)", (sid, os.getpid(), now, now, now))
        assert _api(client, _run(client, sid))["queue_position"] == 1
        response = client.post(f"/scenarios/{sid}/run", data={"csrf_token": csrf_of(client)})
        assert response.status_code == 409 and "队列已满" in response.get_data(as_text=True)
    finally:
        app.extensions[RUNNER_KEY].shutdown()


@pytest.mark.browser
@requires_chromium
def test_the_job_page_follows_the_queue(gated_app: Flask) -> None:
    client = login(gated_app.test_client(), "planner")
    sid = _scenario(client)
    first = _run(client, sid)
    until(lambda: _waiting(client, first), "the first job to run")
    second = _run(client, sid)
    errors: list[str] = []
    with live_server(gated_app) as url, chromium_page() as page:
        page.on("pageerror", lambda e: errors.append(str(e)))
        browser_login(page, url, gated_app, "viewer")
        page.goto(f"{url}/jobs/{second}")
        assert page.inner_text("#job-queue") == "排队位置：第 1 位"
        release(first)  # the page's polling shows the start, then the end
        page.wait_for_selector("#job-state[data-state=running]", timeout=60_000)
        assert page.is_hidden("#job-queue")
        release(second)
        page.wait_for_selector("#job-state[data-state=done]", timeout=60_000)
        assert page.is_visible("#job-plan-link")
    assert errors == []
