"""The ``coldchain`` command: ``plan`` builds a plan, ``serve`` shows saved plans.

Errors in the user's input (scenario, data files, OSM file) print one clear message
naming the culprit and exit with status 2; nothing is half-written.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from optimize.plan.io import save_plan_atomically

EXIT_BAD_INPUT = 2


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``coldchain`` console script."""
    parser = _parser()
    args = parser.parse_args(argv)
    return int(args.func(args))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="coldchain", description=__doc__)
    sub = parser.add_subparsers(required=True, metavar="COMMAND")
    plan = sub.add_parser("plan", help="build a plan from a scenario file")
    plan.add_argument("scenario", type=Path, help="scenario TOML file")
    plan.add_argument("--out", type=Path, required=True, help="plan directory to write")
    plan.add_argument("--osm", type=Path, help="OSM extract (.osm.pbf, .osm, .osm.bz2)")
    plan.add_argument("--data-dir", type=Path, help="reference data (default: "
                      "$COLDCHAIN_DATA_DIR or ../shared/data)")
    plan.add_argument("--quiet", action="store_true", help="no progress display")
    plan.add_argument("--workers", type=int, default=2, help="whole province (region 62): "
                      "worker processes of the local Dask cluster (default 2)")
    plan.add_argument("--scheduler", help="whole province (region 62): address of an "
                      "existing Dask scheduler, e.g. tcp://HOST:8786, instead of a local one")
    plan.add_argument("--regions", help="whole province (region 62): only these prefectures, "
                      "comma-separated 4-digit codes (each keeps its province share)")
    plan.set_defaults(func=_cmd_plan)
    serve = sub.add_parser("serve", help="serve saved plans in a browser")
    serve.add_argument("--plans", type=Path, default=Path("plans"),
                       help="directory holding plan directories (default: plans)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=5000)
    serve.add_argument("--tiles", default="none", choices=["none", "osm", "tianditu"],
                       help="base-map tiles: none (offline, default), osm, or tianditu "
                       "(key in $COLDCHAIN_TIANDITU_KEY)")
    serve.set_defaults(func=_cmd_serve)
    from app import cli_geo
    from app.accounts import register_cli

    cli_geo.register(sub)
    register_cli(sub)
    return parser


def plan_id_for(out: Path) -> str:
    """A directory-safe plan id from the output directory's name."""
    slug = re.sub(r"[^a-z0-9_-]+", "-", out.resolve().name.lower()).strip("-")
    return slug or "plan"


def _cmd_plan(args: argparse.Namespace) -> int:
    from geodata.errors import DataError
    from optimize.errors import InfeasibleError, SpecificationError
    from optimize.pipeline.entry import plan_for
    from optimize.scenario import Scenario

    console = Console(stderr=True)
    try:
        scenario = Scenario.from_toml(args.scenario)
        if args.workers < 1:
            raise SpecificationError([f"--workers {args.workers}: at least one worker is "
                                      "needed"])
        regions = [r.strip() for r in args.regions.split(",") if r.strip()] \
            if args.regions else None
        with _progress(console, args.quiet) as report:
            plan = plan_for(scenario, data_dir=args.data_dir, osm_path=args.osm,
                            plan_id=plan_id_for(args.out), progress=report,
                            workers=args.workers, scheduler=args.scheduler, regions=regions)
    except (SpecificationError, InfeasibleError) as exc:
        return _fail("cannot plan", exc.reasons)
    except DataError as exc:
        return _fail("bad input data", [str(exc)])
    save_plan_atomically(plan, args.out)
    print(plan.summary())
    print(f"plan written to {args.out}")
    return 0


def _fail(what: str, reasons: list[str]) -> int:
    """Print every reason on its own line (plain text: no markup, no wrapping)."""
    print(f"coldchain plan: {what}:", file=sys.stderr)
    for reason in reasons:
        print(f"  - {reason}", file=sys.stderr)
    return EXIT_BAD_INPUT


@contextmanager
def _progress(console: Console, quiet: bool) -> Iterator[Callable[[str, float], None]]:
    """A rich progress bar fed by the pipeline's ``progress(stage, fraction)`` calls."""
    if quiet:
        yield lambda stage, fraction: None
        return
    with Progress(TextColumn("{task.description:<44}"), BarColumn(),
                  TextColumn("{task.percentage:>3.0f}%"), TimeElapsedColumn(),
                  console=console) as bar:
        task = bar.add_task("starting", total=1.0)
        yield lambda stage, fraction: bar.update(task, description=stage, completed=fraction)


def _cmd_serve(args: argparse.Namespace) -> int:
    from waitress import serve

    from app import create_app
    from app.jobs import take_up_jobs

    if not args.plans.is_dir():
        print(f"coldchain serve: plans directory {args.plans} does not exist", file=sys.stderr)
        return EXIT_BAD_INPUT
    flask_app = create_app({"PLANS_DIR": str(args.plans.resolve()), "TILES": args.tiles})
    take_up_jobs(flask_app)  # queued jobs of the last run start now, not at the first visit
    print(f"serving plans from {args.plans} at http://{args.host}:{args.port}/", flush=True)
    serve(flask_app, host=args.host, port=args.port, threads=8)
    return 0


if __name__ == "__main__":
    sys.exit(main())
