"""The siting data types: pure (no solver imported) and with documented defaults."""

from __future__ import annotations

import subprocess
import sys

from tests.siting_cases import base


def test_problem_module_imports_no_solver() -> None:
    # the scenario reader and the app import these names without pulling in OR-Tools
    code = ("import sys, optimize.siting.problem, optimize.siting.validate; "
            "print(sorted(m for m in sys.modules if m.startswith('ortools')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"


def test_wall_safety_defaults_to_three_times_the_budget() -> None:
    assert base().wall_safety == 3.0
