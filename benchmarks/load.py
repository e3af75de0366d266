"""Load test of the API: N concurrent logged-in clients on 127.0.0.1, latency percentiles.

The app runs under waitress (the production server of ``coldchain serve``) in a separate
process, with a throw-away instance folder and one viewer account. Each client logs in
through the form (CSRF token included), then loops over the API routes a plan page uses.
Nothing leaves 127.0.0.1. Results (per route and overall p50/p90/p95/p99, ms) go to JSON::

    .venv/bin/python benchmarks/load.py --plans plans --plan-id linxia --clients 50 \
        --requests 20 --out benchmarks/results/load.json
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

SERVER = """
import logging, sys
from waitress import serve
logging.getLogger("waitress.queue").setLevel(logging.ERROR)
from app import create_app
from app.accounts import add_user
app = create_app({"PLANS_DIR": sys.argv[1], "INSTANCE_DIR": sys.argv[2],
                  "SESSION_COOKIE_SECURE": False})
add_user(app.extensions["coldchain.db"], "bench", "bench-password", "viewer")
print("ready", flush=True)
serve(app, host="127.0.0.1", port=int(sys.argv[3]), threads=int(sys.argv[4]),
      connection_limit=500, _quiet=True)
"""


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def routes(plan_id: str) -> list[str]:
    """The API calls one client repeats (what a plan page and its search ask for)."""
    base = f"/api/plans/{plan_id}"
    return ["/api/plans", base, f"{base}/counties", f"{base}/routes",
            f"{base}/layers/stores.geojson", f"{base}/layers/counties.geojson",
            f"{base}/layers/settlements.geojson", f"{base}/layers/routes.geojson",
            f"{base}/search?q=" + urllib.parse.quote("村"), "/api/jobs"]


class Client:
    """One keep-alive HTTP connection with the session cookie of a logged-in viewer."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookie = ""

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, bytes]:
        """Send one request; keep any new session cookie."""
        headers = {"Cookie": self.cookie} if self.cookie else {}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        data = response.read()
        cookie = response.getheader("Set-Cookie")
        if cookie:
            self.cookie = cookie.split(";", 1)[0]
        return response.status, data

    def login(self) -> None:
        """Log in through the form with its CSRF token."""
        _, page = self.request("GET", "/login")
        match = re.search(rb'name="csrf_token" value="([^"]+)"', page)
        assert match, "no CSRF token"
        body = urllib.parse.urlencode({"name": "bench", "password": "bench-password",
                                       "csrf_token": match.group(1).decode()})
        status, _ = self.request("POST", "/login", body)
        assert status == 302, f"login failed: {status}"


def run_client(port: int, paths: list[str], n: int, out: list[tuple[str, float, int]],
               start: threading.Barrier) -> None:
    """Log in, wait for the others, then make ``n`` requests cycling through ``paths``."""
    client = Client(port)
    client.login()
    start.wait()
    for i in range(n):
        path = paths[i % len(paths)]
        t0 = time.perf_counter()
        status, _ = client.request("GET", path)
        out.append((path.split("?")[0], (time.perf_counter() - t0) * 1000, status))


def percentiles(values: list[float]) -> dict[str, float]:
    """p50/p90/p95/p99/max of ``values`` (ms), nearest-rank."""
    ordered = sorted(values)

    def rank(p: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))], 1)

    return {"count": len(ordered), "p50_ms": rank(50), "p90_ms": rank(90), "p95_ms": rank(95),
            "p99_ms": rank(99), "max_ms": round(ordered[-1], 1)}


def main(argv: list[str] | None = None) -> int:
    """Run the load test and write the JSON result."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plans", type=Path, default=Path("plans"))
    parser.add_argument("--plan-id", default="linxia")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=20, help="per client")
    parser.add_argument("--threads", type=int, default=16, help="waitress threads")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/load.json"))
    args = parser.parse_args(argv)
    if not (args.plans / args.plan_id / "plan.json").is_file():
        print(f"no plan {args.plans / args.plan_id}: build it with `coldchain plan`",
              file=sys.stderr)
        return 2
    with serving(args.plans, threads=args.threads) as port:
        result = measure(port, args)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(json.dumps(result["overall"]), f"-> {args.out}")
    return 0


@contextlib.contextmanager
def serving(plans: Path, *, threads: int) -> Iterator[int]:
    """The app under waitress on a free port of 127.0.0.1 serving ``plans`` (a fresh
    instance folder), once it accepts connections; stopped afterwards. Yields the port."""
    port = free_port()
    with tempfile.TemporaryDirectory() as instance:
        server = subprocess.Popen([sys.executable, "-c", SERVER, str(plans.resolve()),
                                   instance, str(port), str(threads)],
                                  stdout=subprocess.PIPE, text=True)
        try:
            assert server.stdout is not None and server.stdout.readline().strip() == "ready"
            wait_for(port)
            yield port
        finally:
            server.terminate()
            server.wait(timeout=10)


def wait_for(port: int, timeout_s: float = 60.0) -> None:
    """Block until the server accepts connections on ``port`` (it prints ``ready`` just
    before it binds)."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def measure(port: int, args: argparse.Namespace) -> dict[str, Any]:
    """Warm the caches, run the clients, and summarise the latencies."""
    warm = Client(port)
    warm.login()
    paths = routes(args.plan_id)
    for path in paths:
        assert warm.request("GET", path)[0] == 200, path
    samples: list[tuple[str, float, int]] = []
    barrier = threading.Barrier(args.clients + 1)
    threads = [threading.Thread(target=run_client, args=(port, paths, args.requests, samples,
                                                         barrier)) for _ in range(args.clients)]
    for t in threads:
        t.start()
    barrier.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    by_path: dict[str, list[float]] = {}
    for path, ms, _ in samples:
        by_path.setdefault(path, []).append(ms)
    return {"benchmark": "api-load", "plan_id": args.plan_id, "clients": args.clients,
            "requests_per_client": args.requests, "server": f"waitress threads={args.threads}",
            "errors": sum(1 for *_, status in samples if status != 200),
            "throughput_rps": round(len(samples) / wall, 1),
            "overall": percentiles([ms for _, ms, _ in samples]),
            "by_route": {p: percentiles(v) for p, v in sorted(by_path.items())}}


if __name__ == "__main__":
    sys.exit(main())
