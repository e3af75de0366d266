"""Background jobs: a real small build to done, cancel, failure, restart -> interrupted."""

from __future__ import annotations

import multiprocessing
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from app.db import EXTENSION_KEY as DB_KEY
from app.jobs import RUNNER_KEY, run_job
from tests.conftest import csrf_of, login

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
    job_id = _run(client, _scenario(client, region_code="629999"))
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
    assert job["state"] == "interrupted" and "run it again" in job["message"]
    assert "interrupted" in client.get("/jobs?lang=en").get_data(as_text=True)


def test_one_job_at_a_time(job_app: Flask) -> None:
    client = login(job_app.test_client(), "planner")
    sid = _scenario(client)
    now = time.time()
    import os
    job_app.extensions[DB_KEY].run(
        "INSERT INTO jobs (scenario_id, scenario_name, plan_id, state, pid, created_by,"
        " created_at, updated_at) VALUES (?, 's', 'job-y', 'running', ?, 'p', ?, ?)",
        (sid, os.getpid(), now, now))
    response = client.post(f"/scenarios/{sid}/run", data={"csrf_token": csrf_of(client)})
    assert response.status_code == 409 and "already running" in response.get_data(as_text=True)


def test_a_reused_pid_is_not_a_worker(job_app: Flask) -> None:
    import os

    from app.jobs import _pid_alive
    assert _pid_alive(os.getpid()) is False  # pytest is alive but is no job worker
    assert _pid_alive(_dead_pid()) is False and _pid_alive(None) is False


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
