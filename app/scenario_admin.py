"""Deleting scenarios and plans (asked first, then confirmed by a POST with its CSRF token),
and the repository's scenario files offered as templates for a new scenario.

A planner deletes the scenarios they created, an admin any scenario; only an admin deletes
a plan. A plan directory is renamed out of the listing first (one atomic step in
``PLANS_DIR``), then removed; its id must name a direct child of ``PLANS_DIR`` (never a
link), and a plan a queued or running job is writing is refused.

Templates are the ``*.toml`` files of ``SCENARIO_TEMPLATES_DIR`` (default: the
repository's ``scenarios/`` beside the app package, when it exists).
"""

from __future__ import annotations

import re
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from app.accounts import has_role, require_role
from app.db import current_db
from app.plans import PLAN_ID_RE, current_store

bp = Blueprint("scenario_admin", __name__)
TEMPLATE_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
#: Keys of a template file that name files next to it: not copied (the form uploads them).
FILE_KEYS = ("supply_file", "sites_file")
ACTIVE_JOB_STATES = ("queued", "running")


# ---- scenarios --------------------------------------------------------------------------


def may_delete(row: dict[str, Any]) -> bool:
    """Whether the logged-in user may delete scenario ``row`` (its creator or an admin)."""
    user = g.get("user")
    if user is None or not has_role(user, "planner"):
        return False
    return bool(has_role(user, "admin") or row["created_by"] == user["name"])


def _deletable_scenario(scenario_id: int) -> dict[str, Any]:
    row = current_db().scenario(scenario_id)
    if row is None:
        abort(404, description=f"no scenario {scenario_id}")
    if not may_delete(row):
        abort(403, description=gettext("you can delete only your own scenarios"))
    return row


@bp.get("/scenarios/<int:scenario_id>/delete")
@require_role("planner")
def confirm_scenario_delete(scenario_id: int) -> ResponseReturnValue:
    """Ask before deleting a scenario."""
    row = _deletable_scenario(scenario_id)
    return render_template(
        "confirm_delete.html", title=row["name"], cancel=url_for("scenarios.list_scenarios"),
        question=gettext("Delete the scenario “%(name)s”? Plans made from it are kept.",
                         name=row["name"]))


@bp.post("/scenarios/<int:scenario_id>/delete")
@require_role("planner")
def delete_scenario(scenario_id: int) -> ResponseReturnValue:
    """Delete a scenario and the uploaded tables no other scenario uses."""
    row = _deletable_scenario(scenario_id)
    db = current_db()
    db.run("DELETE FROM scenarios WHERE id = ?", (scenario_id,))
    for column in FILE_KEYS:
        path = row[column]
        if path and db.one(f"SELECT id FROM scenarios WHERE {column} = ?", (path,)) is None:
            Path(path).unlink(missing_ok=True)
    flash(gettext("Deleted the scenario “%(name)s”", name=row["name"]))
    return redirect(url_for("scenarios.list_scenarios"))


# ---- plans ------------------------------------------------------------------------------


def _plan_path(plan_id: str) -> Path:
    """The directory of ``plan_id`` in ``PLANS_DIR`` (404 for a bad id, a link, or none)."""
    if not PLAN_ID_RE.fullmatch(plan_id):
        abort(404, description=f"no plan {plan_id!r}")
    store = current_store()
    path = store.plans_dir / plan_id
    if path.is_symlink() or not path.is_dir() or path.resolve().parent != store.plans_dir:
        abort(404, description=f"no plan {plan_id!r}")
    return path


@bp.get("/plans/<plan_id>/delete")
@require_role("admin")
def confirm_plan_delete(plan_id: str) -> ResponseReturnValue:
    """Ask before deleting a plan."""
    _plan_path(plan_id)
    return render_template(
        "confirm_delete.html", title=plan_id, cancel=url_for("pages.index"),
        question=gettext("Delete the plan %(plan)s and all its files for good?",
                         plan=plan_id))


@bp.post("/plans/<plan_id>/delete")
@require_role("admin")
def delete_plan(plan_id: str) -> ResponseReturnValue:
    """Delete a plan directory: renamed out of the listing, then removed."""
    path = _plan_path(plan_id)
    busy = current_db().one(
        "SELECT id FROM jobs WHERE plan_id = ? AND state IN (?, ?)",
        (plan_id, *ACTIVE_JOB_STATES))
    if busy is not None:
        abort(409, description=gettext("job %(job)s is writing the plan %(plan)s; wait "
                                       "until it ends", job=busy["id"], plan=plan_id))
    doomed = path.with_name(f".deleting-{plan_id}-{secrets.token_hex(6)}")
    path.rename(doomed)
    shutil.rmtree(doomed, ignore_errors=True)
    flash(gettext("Deleted the plan %(plan)s", plan=plan_id))
    return redirect(url_for("pages.index"))


# ---- templates --------------------------------------------------------------------------


@dataclass(frozen=True)
class Template:
    """A scenario file offered as a template: ``key`` is its file name without ``.toml``."""

    key: str
    name: str
    region_code: str
    params: dict[str, Any]


def templates_dir() -> Path | None:
    """``SCENARIO_TEMPLATES_DIR``, else the repository's ``scenarios/`` when it exists."""
    configured = current_app.config.get("SCENARIO_TEMPLATES_DIR")
    folder = Path(configured) if configured else Path(current_app.root_path).parent / "scenarios"
    return folder if folder.is_dir() else None


def scenario_templates() -> list[Template]:
    """The valid scenario files of :func:`templates_dir`, by file name (broken ones logged)."""
    from optimize.errors import SpecificationError
    from optimize.scenario import Scenario, read_toml

    folder = templates_dir()
    if folder is None:
        return []
    found = []
    for path in sorted(folder.glob("*.toml")):
        if not TEMPLATE_NAME.fullmatch(path.stem):
            continue
        try:
            params = {k: v for k, v in read_toml(path).items() if k not in FILE_KEYS}
            scenario = Scenario.from_mapping(params)
        except (SpecificationError, OSError, ValueError):
            current_app.logger.exception("scenario template %s is not valid", path.name)
            continue
        found.append(Template(path.stem, scenario.name or path.stem, scenario.region_code,
                              params))
    return found


@bp.post("/scenarios/templates/<key>/copy")
@require_role("planner")
def copy_template(key: str) -> ResponseReturnValue:
    """A new scenario from a template file, opened for editing."""
    from app.scenario_form import NAME_MAX

    template = next((t for t in scenario_templates() if t.key == key), None)
    if template is None:
        abort(404, description=f"no scenario template {key!r}")
    name = template.name[:NAME_MAX]
    new_id = current_db().save_scenario(None, name, dict(template.params, name=name),
                                        (None, None), g.user["name"], (None, None))
    flash(gettext("Created the scenario “%(name)s” from %(file)s; change it here and save",
                  name=name, file=f"{key}.toml"))
    return redirect(url_for("scenarios.edit_scenario", scenario_id=new_id))
