"""The format constants: one pure module, shared by the writer and the web app."""

from __future__ import annotations

import subprocess
import sys

from optimize.plan.format import LAYER_COLUMNS, LAYERS, PLAN_KEYS, SCHEMA, layer_path


def test_constants() -> None:
    assert SCHEMA == "coldchain-plan/1"
    assert LAYERS == ("counties", "settlements", "stores", "routes")
    assert set(LAYER_COLUMNS) == set(LAYERS)
    assert PLAN_KEYS[0] == "schema" and "solver" in PLAN_KEYS
    assert layer_path("routes") == "layers/routes.geojson"


def test_pure_modules_import_no_data_libraries() -> None:
    code = ("import sys, optimize.plan, optimize.plan.format, optimize.plan.model; "
            "print(sorted(m for m in ('numpy', 'pandas', 'geopandas', 'shapely') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"
