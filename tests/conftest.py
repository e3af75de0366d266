"""Shared fixtures: a tiny hand-made saved plan (``coldchain-plan/1``) and the Flask app.

The plan ``tiny-linxia`` has 2 square counties, 6 settlements (one unserved, one named
``<script>alert(1)</script>``, one whose name holds a backtick and ``${...}``), 2 stores
and 2 truck trips: small enough to check every count by hand. A second plan
``tiny-osm`` is the same with a non-approximate road network, created earlier.
"""

from __future__ import annotations

import copy
import json
import os
import re
import tempfile
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.security import generate_password_hash

from app import create_app
from app.assets import VENDOR_FILES, install_assets
from optimize.plan.io import Plan
from optimize.scenario import Scenario


@pytest.fixture(autouse=True)
def buffered_test_responses(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test request reads its whole response and closes it.

    A file response (static files, exports) otherwise keeps its file open until garbage
    collection, which ``filterwarnings = ["error"]`` rightly reports as a ResourceWarning
    in whatever test runs then. No test here streams a response.
    """
    original = FlaskClient.open

    def open_buffered(self: FlaskClient, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("buffered", True)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(FlaskClient, "open", open_buffered)


REPO = Path(__file__).resolve().parents[1]
#: Saved full-size plans (``linxia/``, ``gansu/``, as ``coldchain plan`` writes them) for the
#: tests that parse and draw a real province; they skip when the variable is not set.
REAL_PLANS_ENV = "COLDCHAIN_REAL_PLANS_DIR"


def wait_for_release(db: Any, job_id: int, gate_env: str) -> None:
    """In a stand-in job builder: report the stage 'waiting' (half done), then wait until
    the test creates ``release-<job id>`` in the folder ``$gate_env`` names (2 min at most)."""
    import time

    db.update_job(job_id, stage="waiting", fraction=0.5, only_if=("running",))
    gate = Path(os.environ[gate_env]) / f"release-{job_id}"
    deadline = time.monotonic() + 120
    while not gate.exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"job {job_id} was never released")
        time.sleep(0.02)


def real_plan(name: str) -> Path:
    """The saved real plan ``name`` under ``$COLDCHAIN_REAL_PLANS_DIR``; skip without it."""
    root = os.environ.get(REAL_PLANS_ENV)
    path = Path(root) / name if root else None
    if path is None or not (path / "plan.json").is_file():
        pytest.skip(f"no saved {name} plan: set {REAL_PLANS_ENV} to a folder of plans")
    return path
#: 广河县 (622924), a real county with short solver limits: the regional pipeline's tests.
GUANGHE = Scenario(name="广河县 test", region_code="622924", siting_time_limit_s=10.0,
                   routing_time_limit_s=0.5)
PASSWORD = "correct-horse-9"
ROLE_USERS = {"viewer": "vera", "planner": "pete", "admin": "ada"}


def pytest_configure(config: pytest.Config) -> None:
    """Apps made without an INSTANCE_DIR write into a temporary folder, never the repo;
    tests serve plain http://127.0.0.1, so session cookies must not be Secure-only."""
    os.environ.setdefault("COLDCHAIN_INSTANCE_DIR", tempfile.mkdtemp(prefix="coldchain-inst-"))
    os.environ["COLDCHAIN_COOKIE_SECURE"] = "0"


# A deliberately cheap hash for the test users (the app's own default is scrypt): logging
# in a hundred test clients then costs milliseconds, not seconds.
_CHEAP_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")


def ensure_user(app: Flask, role: str) -> str:
    """Create the test user of ``role`` in ``app``'s database; return its name."""
    from app.db import EXTENSION_KEY as DB_KEY

    name = ROLE_USERS[role]
    db = app.extensions[DB_KEY]
    if db.one("SELECT id FROM users WHERE name = ? AND role = ?", (name, role)) is None:
        db.run("INSERT OR REPLACE INTO users (name, password_hash, role, created_at)"
               " VALUES (?, ?, ?, 0)", (name, _CHEAP_HASH, role))
    return name


def csrf_of(client: FlaskClient) -> str:
    """The CSRF token of the client's session (a GET of /login makes one)."""
    html = client.get("/login").get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token on the login page"
    return match.group(1)


def login(client: FlaskClient, role: str = "viewer") -> FlaskClient:
    """Log ``client`` in as the test user of ``role`` (created if needed)."""
    app = client.application
    name = ensure_user(app, role)
    response = client.post("/login", data={"name": name, "password": PASSWORD,
                                           "csrf_token": csrf_of(client)})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client


def browser_login(page: Any, base_url: str, app: Flask, role: str = "viewer") -> None:
    """Log a Playwright page in through the login form."""
    name = ensure_user(app, role)
    page.goto(f"{base_url}/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_load_state()
SCRIPT_NAME = "<script>alert(1)</script>"
TICK_NAME = "Back`tick ${1+1} 村"
STORE_B_NAME = "东乡 <b>冷库</b> B"

COUNTIES = [  # code, name, lon range, poverty
    ("622921", "临夏县", (103.0, 103.4), True),
    ("622926", "东乡族自治县", (103.4, 103.8), False),
]
SETTLEMENTS = [  # id, name, county code, lon, lat, store, access_s, reason
    ("622921100001", "祁家村", "622921", 103.10, 35.50, "S1", 600, None),
    ("622921100002", TICK_NAME, "622921", 103.20, 35.60, "S1", 1500, None),
    ("622921100003", SCRIPT_NAME, "622921", 103.30, 35.70, None, None,
     "no store within 240 min"),
    ("622926100001", "马家村", "622926", 103.50, 35.50, "S2", 900, None),
    ("622926100002", "王家村", "622926", 103.60, 35.60, "S2", 1200, None),
    ("622926100003", "锁南村", "622926", 103.70, 35.70, "S2", 2400, None),
]
STORES = [  # id, name, site, county, capacity_t, colour, lon, lat
    ("S1", "临夏冷库 A", "622921100001", "622921", 500, "#1f77b4", 103.10, 35.50),
    ("S2", STORE_B_NAME, "622926100001", "622926", 2000, "#ff7f0e", 103.50, 35.50),
]
ROUTES = [  # id, truck, store, colour, coordinates
    ("R1", "T1", "S1", "#2ca02c", [[103.10, 35.50], [103.20, 35.60], [103.10, 35.50]]),
    ("R2", "T2", "S2", "#d62728",
     [[103.50, 35.50], [103.60, 35.60], [103.70, 35.70], [103.50, 35.50]]),
]


def _fc(features: list[dict[str, Any]]) -> dict[str, Any]:
    """A FeatureCollection."""
    return {"type": "FeatureCollection", "features": features}


def _feature(geometry: dict[str, Any], props: dict[str, Any]) -> dict[str, Any]:
    """A Feature."""
    return {"type": "Feature", "geometry": geometry, "properties": props}


def counties_layer() -> dict[str, Any]:
    """Two square counties side by side."""
    feats = []
    for code, name, (x0, x1), poverty in COUNTIES:
        ring = [[x0, 35.4], [x1, 35.4], [x1, 35.8], [x0, 35.8], [x0, 35.4]]
        feats.append(_feature({"type": "Polygon", "coordinates": [ring]}, {
            "county_code": code, "county_name": name, "poverty_county": poverty,
            "settlements": 3, "supply_t": 30.0, "covered_t": 20.0 if poverty else 30.0,
            "coverage_pct": 66.7 if poverty else 100.0, "stores": 1,
            "access_time_mean_s": 1050 if poverty else 1500}))
    return _fc(feats)


def settlements_layer() -> dict[str, Any]:
    """Six villages, three per county."""
    feats = []
    for sid, name, county, lon, lat, store, access, reason in SETTLEMENTS:
        feats.append(_feature({"type": "Point", "coordinates": [lon, lat]}, {
            "settlement_id": sid, "name": name, "township_name": "城关镇",
            "county_code": county, "county_name": dict((c[0], c[1]) for c in COUNTIES)[county],
            "poor": county == "622921", "supply_t": 10.0, "store_id": store,
            "access_time_s": access, "location_method": "township_centre",
            "unserved_reason": reason}))
    return _fc(feats)


def store_props() -> list[dict[str, Any]]:
    """Properties of the two stores (also listed in plan.json)."""
    return [{"store_id": sid, "name": name, "site_settlement_id": site, "county_code": county,
             "tier": "small" if cap < 1000 else "large", "capacity_t": cap,
             "build_cost_yuan": cap * 1000, "subsidy_yuan": cap * 300, "load_t": 20.0,
             "settlements_served": 2 if sid == "S1" else 3, "trucks": 1, "colour": colour}
            for sid, name, site, county, cap, colour, _, _ in STORES]


def stores_layer() -> dict[str, Any]:
    """Two stores as points."""
    coords = {s[0]: [s[6], s[7]] for s in STORES}
    return _fc([_feature({"type": "Point", "coordinates": coords[p["store_id"]]}, p)
                for p in store_props()])


def route_props() -> list[dict[str, Any]]:
    """Properties of the two truck trips (without geometry)."""
    return [{"route_id": rid, "truck_id": truck, "store_id": store, "trip": 1,
             "stops_count": len(coords) - 2, "load_t": 5.0, "distance_m": 25_000.0,
             "duration_s": 3600, "start_s": 21_600, "end_s": 25_200, "colour": colour,
             "approximate_geometry": rid == "R2"}
            for rid, truck, store, colour, coords in ROUTES]


def routes_layer() -> dict[str, Any]:
    """Two truck trips as LineStrings."""
    geoms = {r[0]: r[4] for r in ROUTES}
    return _fc([_feature({"type": "LineString", "coordinates": geoms[p["route_id"]]}, p)
                for p in route_props()])


def plan_meta(plan_id: str, approximate: bool, created_at: str) -> dict[str, Any]:
    """plan.json of the tiny plan."""
    routes = [dict(p, stops=[]) for p in route_props()]
    return {
        "schema": "coldchain-plan/1", "plan_id": plan_id,
        "name": f"临夏 tiny test plan ({plan_id})", "created_at": created_at,
        "region": {"level": "prefecture", "code": "6229", "name": "临夏回族自治州",
                   "bbox": [103.0, 35.4, 103.8, 35.8]},
        "scenario": {"max_access_time_s": {"value": 14400, "unit": "s", "source": "test",
                                           "assumption": False},
                     "truck_capacity_t": {"value": 5, "unit": "t", "source": "",
                                          "assumption": True}},
        "road_network": {"source": "approximate" if approximate else "osm:tiny.osm",
                         "approximate": approximate, "nodes": 12, "edges": 30,
                         "dropped_nodes": 0, "note": "straight lines x 1.3 detour factor"},
        "approximations": ["travel times from straight-line distance x 1.3 at 40 km/h"]
        if approximate else [],
        "assumptions": ["truck_capacity_t"],
        "kpis": _kpis(),
        "stores": store_props(),
        "trucks_per_depot": [{"store_id": "S1", "trucks": 1}, {"store_id": "S2", "trucks": 1}],
        "routes": routes,
        "unserved": [{"settlement_id": "622921100003", "name": SCRIPT_NAME,
                      "county_code": "622921", "stage": "siting",
                      "reason": "no store within 240 min"}],
        "solver": {"siting": {"status": "OPTIMAL", "objective": 123.4, "bound": 123.4,
                              "gap_pct": 0.0, "time_s": 0.2,
                              "binding": ["store count (=2)", "capacity at 1 sites"],
                              "engine": "CP-SAT, lexicographic stages (optimize.siting.cpsat)"},
                   "routing": {"status": "SUCCESS", "time_s": 1.0}},
        "attributions": [{"dataset": "OpenStreetMap", "license": "ODbL-1.0",
                          "attribution": "© OpenStreetMap contributors"}],
    }


def _kpis() -> dict[str, Any]:
    """KPIs of the tiny plan (hand-computed)."""
    return {"settlements": 6, "settlements_served": 5, "supply_t": 60.0,
            "supply_covered_t": 50.0, "coverage_pct": 83.3, "poor_settlements": 3,
            "poor_covered_pct": 66.7, "stores": 2, "storage_capacity_t": 2500,
            "build_cost_yuan": 2_500_000, "subsidy_yuan": 750_000, "budget_yuan": 3_000_000,
            "access_time_mean_s": 1320, "access_time_p95_s": 2220, "access_time_max_s": 2400,
            "county_fairness_jain": 0.98, "trucks": 2, "trucks_used": 2, "truck_trips": 2,
            "route_distance_m": 50_000.0, "route_duration_s": 7200, "daily_pickup_t": 10.0,
            "daily_pickup_routed_t": 10.0}


def write_plan(root: Path, plan_id: str, *, approximate: bool, created_at: str) -> Path:
    """Write the tiny plan as ``root/plan_id`` (plan.json + layers/*.geojson)."""
    plan_dir = root / plan_id
    (plan_dir / "layers").mkdir(parents=True)
    meta = plan_meta(plan_id, approximate, created_at)
    (plan_dir / "plan.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    layers = {"counties": counties_layer(), "settlements": settlements_layer(),
              "stores": stores_layer(), "routes": routes_layer()}
    for name, data in layers.items():
        (plan_dir / "layers" / f"{name}.geojson").write_text(
            json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return plan_dir


@pytest.fixture(scope="session")
def plans_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A PLANS_DIR with ``tiny-linxia`` (approximate, newest) and ``tiny-osm``."""
    root = tmp_path_factory.mktemp("plans")
    write_plan(root, "tiny-linxia", approximate=True, created_at="2025-06-02T08:00:00Z")
    write_plan(root, "tiny-osm", approximate=False, created_at="2025-06-01T08:00:00Z")
    (root / "secret.txt").write_text("must never be served", encoding="utf-8")
    return root


@pytest.fixture(scope="session")
def plan_layers() -> dict[str, dict[str, Any]]:
    """The tiny plan's layers (fresh copies)."""
    return copy.deepcopy({"counties": counties_layer(), "settlements": settlements_layer(),
                          "stores": stores_layer(), "routes": routes_layer()})


@pytest.fixture(scope="session")
def tiny_plan() -> dict[str, Any]:
    """The tiny plan's plan.json."""
    return plan_meta("tiny-linxia", True, "2025-06-02T08:00:00Z")


@pytest.fixture(scope="session")
def vendor_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Vendored Leaflet/jQuery installed from the repository's node_modules."""
    node_modules = REPO / "node_modules"
    if not node_modules.is_dir():
        pytest.fail("node_modules is missing: run `npm ci --ignore-scripts` (make assets)")
    target = tmp_path_factory.mktemp("vendor")
    install_assets(node_modules, target)
    return target


@pytest.fixture(scope="session")
def stub_vendor_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A VENDOR_DIR holding empty stand-ins of the map files (no npm needed)."""
    target = tmp_path_factory.mktemp("stub_vendor")
    for rel in VENDOR_FILES:
        (target / rel).parent.mkdir(parents=True, exist_ok=True)
        (target / rel).write_text("/* stub */", encoding="utf-8")
    return target


@pytest.fixture
def app(plans_dir: Path, stub_vendor_dir: Path, tmp_path: Path) -> Flask:
    """The app over the tiny plans; map files present (as stubs); its own instance."""
    return create_app({"TESTING": True, "PLANS_DIR": str(plans_dir),
                       "VENDOR_DIR": str(stub_vendor_dir),
                       "INSTANCE_DIR": str(tmp_path / "instance")})


@pytest.fixture
def anon_client(app: Flask) -> FlaskClient:
    """A test client of :func:`app`, not logged in."""
    return app.test_client()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client of :func:`app`, logged in as a viewer."""
    return login(app.test_client(), "viewer")


@pytest.fixture
def planner(app: Flask) -> FlaskClient:
    """A test client of :func:`app`, logged in as a planner."""
    return login(app.test_client(), "planner")


class _LinkParser(HTMLParser):
    """Collects every src/href attribute value of an HTML document."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.links += [v for k, v in attrs if k in ("src", "href") and v]


def scan_urls(html_text: str) -> tuple[list[str], set[str]]:
    """(src/href attribute values, every absolute http(s) URL anywhere in the text)."""
    parser = _LinkParser()
    parser.feed(html_text)
    absolute = set(re.findall(r"""https?://[^\s"'<>`)\\]+""", html_text))
    return parser.links, absolute


@pytest.fixture(scope="session")
def url_scan() -> Callable[[str], tuple[list[str], set[str]]]:
    """:func:`scan_urls` for tests."""
    return scan_urls


@pytest.fixture(scope="session")
def plan_writer() -> Callable[..., Path]:
    """:func:`write_plan` for tests that need their own plan directories."""
    return write_plan


@pytest.fixture(scope="session")
def guanghe_plan() -> Plan:
    """The 广河县 plan (:data:`GUANGHE`), built once; its progress reports rise to 1."""
    from optimize.pipeline.regional import build_plan

    stages: list[tuple[str, float]] = []
    p = build_plan(GUANGHE, plan_id="guanghe", progress=lambda s, f: stages.append((s, f)))
    fractions = [f for _, f in stages]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    return p
