"""Constants of the saved plan format ``coldchain-plan/1`` (see ``docs/PLAN-FORMAT.md``).

Pure Python (no pandas, geopandas or numpy), so the web app imports it cheaply; the
writer (:mod:`optimize.plan.io`) and the readers (``app/``) share these names.
"""

from __future__ import annotations

SCHEMA = "coldchain-plan/1"
#: The layer files ``layers/<name>.geojson`` of a plan directory, in drawing order.
LAYERS = ("counties", "settlements", "stores", "routes")
#: The markets layer (``layers/markets.geojson``), written when the plan has markets.
MARKETS_LAYER = "markets"
PLAN_FILE = "plan.json"
LAYERS_DIR = "layers"
#: Top-level keys every ``plan.json`` has (a province plan has more).
PLAN_KEYS = (
    "schema", "plan_id", "name", "created_at", "region", "scenario", "road_network",
    "approximations", "assumptions", "kpis", "stores", "trucks_per_depot", "routes",
    "unserved", "solver", "attributions",
)

#: Documented properties of each layer's features.
COUNTY_COLUMNS = ("county_code", "county_name", "poverty_county", "settlements", "supply_t",
                  "covered_t", "coverage_pct", "stores", "access_time_mean_s")
SETTLEMENT_COLUMNS = ("settlement_id", "name", "township_name", "county_code", "county_name",
                      "poor", "supply_t", "store_id", "access_time_s", "location_method",
                      "unserved_reason")
STORE_COLUMNS = ("store_id", "name", "site_settlement_id", "county_code", "tier", "capacity_t",
                 "build_cost_yuan", "subsidy_yuan", "load_t", "settlements_served", "trucks",
                 "required_site", "colour")
ROUTE_COLUMNS = ("route_id", "truck_id", "store_id", "trip", "stops_count", "load_t",
                 "distance_m", "duration_s", "start_s", "store_arrival_s", "end_s",
                 "max_age_s", "colour", "approximate_geometry")
LAYER_COLUMNS = {"counties": COUNTY_COLUMNS, "settlements": SETTLEMENT_COLUMNS,
                 "stores": STORE_COLUMNS, "routes": ROUTE_COLUMNS}


def layer_path(name: str) -> str:
    """Path of layer ``name`` relative to the plan directory (``layers/<name>.geojson``)."""
    return f"{LAYERS_DIR}/{name}.geojson"
