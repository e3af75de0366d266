"""GPKG export latency: the first request (built from the plan files and cached) and the
cached ones after it, through the product's HTTP route on 127.0.0.1.

The app runs under waitress in a separate process (as in :mod:`benchmarks.load`), with
a throw-away instance folder, so the first request always builds the GeoPackage; the
next ``--repeats`` requests of the same plan file version are served from the instance's
export cache (``app.exports.cached_export``). Every response must be 200 and byte-equal
to the first (its SHA-256 and size are in the JSON, so anyone can check the file)::

    python -m benchmarks.export_cache --plans /tmp/realplans --plan-id linxia \
        --out benchmarks/results/export_cache.json
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.load import Client, percentiles, serving


def timed_get(client: Client, path: str) -> tuple[float, bytes]:
    """One GET: (milliseconds to the whole body, body); a status other than 200 fails."""
    t0 = time.perf_counter()
    status, body = client.request("GET", path)
    ms = (time.perf_counter() - t0) * 1000
    if status != 200:
        raise RuntimeError(f"GET {path} answered {status}")
    return ms, body


def measure(port: int, plan_id: str, repeats: int) -> dict[str, Any]:
    """First (uncached) and ``repeats`` cached GPKG downloads of ``plan_id``."""
    client = Client(port)
    client.login()
    path = f"/plans/{plan_id}/export/gpkg"
    first_ms, first = timed_get(client, path)
    cached: list[float] = []
    for _ in range(repeats):
        ms, body = timed_get(client, path)
        if body != first:
            raise RuntimeError("a cached export differs from the first")
        cached.append(ms)
    return {"benchmark": "gpkg-export-cache", "plan_id": plan_id, "path": path,
            "bytes": len(first), "sha256": hashlib.sha256(first).hexdigest(),
            "first_ms": round(first_ms, 1), "cached": percentiles(cached),
            "cached_ms": [round(ms, 1) for ms in cached], "goal_cached_ms": 200,
            "cached_p95_within_goal": percentiles(cached)["p95_ms"] <= 200}


def main(argv: list[str] | None = None) -> int:
    """Run the measurement and write the JSON result."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plans", type=Path, default=Path("plans"))
    parser.add_argument("--plan-id", default="linxia")
    parser.add_argument("--repeats", type=int, default=10, help="cached requests")
    parser.add_argument("--out", type=Path,
                        default=Path("benchmarks/results/export_cache.json"))
    args = parser.parse_args(argv)
    if not (args.plans / args.plan_id / "plan.json").is_file():
        print(f"no plan {args.plans / args.plan_id}: build it with `coldchain plan`",
              file=sys.stderr)
        return 2
    with serving(args.plans, threads=4) as port:
        result = measure(port, args.plan_id, args.repeats)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(json.dumps({k: result[k] for k in ("plan_id", "bytes", "first_ms", "cached")}),
          f"-> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
