"""Scenarios: list, create, copy, edit (validated forms), upload supply/site tables, run.

A form is turned into the plain mapping :meth:`optimize.scenario.Scenario.from_mapping`
takes (blank fields are left out, so the scenario's documented default applies), and
that method's reasons are shown beside the field each names (``Reason.field``). A supply
table upload is checked by :func:`geodata.supply.read_supply_table` before it is kept: its row-level
message is shown with the file name the user chose (never the server's path).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import FileStorage, MultiDict

from app.accounts import require_role
from app.db import current_db
from app.jobs import JobLimitError, current_runner

bp = Blueprint("scenarios", __name__)
UPLOAD_SUFFIXES = (".csv", ".xlsx")
XLSX_MAGIC = b"PK\x03\x04"
NAME_MAX = 120
# form field -> kind; order is the form's order
FIELDS: dict[str, str] = {
    "region_code": "str", "stores": "int", "trucks": "int", "budget_yuan": "float",
    "crop": "str", "freshness_limit_s": "int", "max_access_time_s": "int",
    "objective": "str", "poverty_weight": "float", "truck_capacity_t": "float",
    "shift_s": "int", "trips_per_truck": "int", "siting_time_limit_s": "float",
    "routing_time_limit_s": "float", "seed": "int", "siting_engine": "str",
    "county_min_stores": "int",
}
# every key a reason may be shown beside (the others go to the form as a whole)
FORM_KEYS = (*FIELDS, "tiers", "name", "supply_file", "sites_file")


@dataclass
class FormResult:
    """A parsed scenario form: the mapping for ``Scenario.from_mapping`` and errors by field."""

    name: str
    params: dict[str, Any]
    errors: dict[str, list[str]] = field(default_factory=dict)

    def add(self, key: str, message: str) -> None:
        """Record an error against a form field (``_`` = the form as a whole)."""
        self.errors.setdefault(key, []).append(message)


def _number(kind: str, text: str) -> int | float:
    """A form number: ``int`` for whole-number fields (``1e3`` or ``2.5`` refused)."""
    if kind == "int":
        return int(text)
    value = float(text)
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError("not a finite number")
    return value


def parse_tiers(text: str) -> list[dict[str, float]]:
    """Tiers from lines ``capacity_t, build_cost_yuan, subsidy_yuan``.

    Raises
    ------
    ValueError
        A line without exactly three numbers (the line number is named).
    """
    tiers = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.replace("，", ",").split(",")]
        try:
            cap, cost, subsidy = (_number("float", p) for p in parts)
        except ValueError:
            raise ValueError(f"line {number}: expected 3 numbers "
                             "'capacity_t, build_cost_yuan, subsidy_yuan'") from None
        tiers.append({"capacity_t": cap, "build_cost_yuan": cost, "subsidy_yuan": subsidy})
    return tiers


def parse_form(form: MultiDict[str, str]) -> FormResult:
    """Read the scenario form into a mapping; type errors are recorded by field."""
    name = form.get("name", "").strip()
    result = FormResult(name=name, params={"name": name})
    if not name or len(name) > NAME_MAX:
        result.add("name", f"1 to {NAME_MAX} characters")
    for key, kind in FIELDS.items():
        text = form.get(key, "").strip()
        if not text:
            continue
        try:
            result.params[key] = text if kind == "str" else _number(kind, text)
        except ValueError:
            result.add(key, f"{text!r}: expected a {'whole ' if kind == 'int' else ''}number")
    tiers_text = form.get("tiers", "").strip()
    if tiers_text:
        try:
            result.params["tiers"] = parse_tiers(tiers_text)
        except ValueError as exc:
            result.add("tiers", str(exc))
    return result


def validate(result: FormResult, supply_file: str | None,
             sites_file: str | None = None) -> None:
    """Check the mapping with ``Scenario.from_mapping``; file each reason under its key."""
    from optimize.errors import SpecificationError
    from optimize.scenario import Scenario

    if result.errors:
        return
    files = {"supply_file": supply_file, "sites_file": sites_file}
    params = dict(result.params, **{k: v for k, v in files.items() if v})
    try:
        Scenario.from_mapping(params)
    except SpecificationError as exc:
        for reason in exc.details:
            result.add(form_key(reason.field), reason.message)


def form_key(field: str | None) -> str:
    """The form field a scenario reason names (``_``, the form as a whole, when it names
    none the form shows)."""
    return field if field is not None and field in FORM_KEYS else "_"


# ---- uploads ----------------------------------------------------------------------------


class UploadError(ValueError):
    """An uploaded file is refused; the message is for the user."""


def save_upload(upload: FileStorage, upload_dir: Path,
                kind: str = "supply_file") -> tuple[str, str]:
    """Check and keep an uploaded table; return ``(server path, user's file name)``.

    ``kind`` is ``supply_file`` (checked by ``read_supply_table``) or ``sites_file``
    (checked by ``read_sites_table``).

    The server picks the stored name (random, with the checked suffix), so a file name
    like ``../../x.csv`` can never choose where the file goes.

    Raises
    ------
    UploadError
        Wrong type, unreadable content, or a row-level error from the supply reader.
    """
    from geodata.errors import DataError
    from geodata.sites import read_sites_table
    from geodata.supply import read_supply_table

    reader = read_sites_table if kind == "sites_file" else read_supply_table
    original = Path(upload.filename or "").name
    suffix = Path(original).suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        raise UploadError(f"{original or 'file'}: only CSV or XLSX files are accepted "
                          "(仅接受 CSV 或 XLSX 文件)")
    data = upload.read()
    _check_content(original, suffix, data)
    upload_dir.mkdir(parents=True, exist_ok=True)
    target = upload_dir / f"{secrets.token_hex(12)}{suffix}"
    target.write_bytes(data)
    try:
        reader(target)
    except DataError as exc:
        target.unlink(missing_ok=True)
        raise UploadError(str(exc).replace(str(target), original)) from None
    return str(target), original


def _check_content(original: str, suffix: str, data: bytes) -> None:
    """Refuse content that does not match the suffix (a renamed binary, an empty file)."""
    if not data:
        raise UploadError(f"{original}: the file is empty")
    if suffix == ".xlsx" and not data.startswith(XLSX_MAGIC):
        raise UploadError(f"{original}: not an XLSX workbook")
    if suffix == ".csv":
        try:
            data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise UploadError(f"{original}: a CSV file must be UTF-8 text") from None


def _file_from_request(result: FormResult, current: tuple[str | None, str | None],
                       kind: str = "supply_file") -> tuple[str | None, str | None]:
    """A scenario's uploaded table after this form: kept, removed or replaced by an upload.

    ``kind`` is the form field: ``supply_file`` (removed by ``remove_supply``) or
    ``sites_file`` (removed by ``remove_sites``).
    """
    upload = request.files.get(kind)
    if upload is not None and upload.filename:
        try:
            return save_upload(upload, Path(current_app.config["INSTANCE_DIR"]) / "uploads",
                               kind)
        except UploadError as exc:
            result.add(kind, str(exc))
            return current
    if request.form.get("remove_" + kind.removesuffix("_file")):
        return None, None
    return current


# ---- views ------------------------------------------------------------------------------


def _scenario_or_404(scenario_id: int) -> dict[str, Any]:
    row = current_db().scenario(scenario_id)
    if row is None:
        abort(404, description=f"no scenario {scenario_id}")
    return row


def form_values(params: dict[str, Any]) -> dict[str, str]:
    """A scenario's mapping as form text (tiers as lines)."""
    values = {k: "" if v is None else str(v) for k, v in params.items() if k != "tiers"}
    tiers = params.get("tiers") or []
    values["tiers"] = "\n".join(f"{t['capacity_t']:g}, {t['build_cost_yuan']:g}, "
                                f"{t['subsidy_yuan']:g}" for t in tiers)
    return values


def _render_form(values: dict[str, str], errors: dict[str, list[str]],
                 scenario: dict[str, Any] | None, status: int = 200) -> ResponseReturnValue:
    from optimize.crops import CROPS
    from optimize.scenario import PARAMS, Scenario
    from optimize.siting.problem import OBJECTIVES

    defaults = Scenario()
    return render_template("scenario_form.html", values=values, errors=errors,
                           scenario=scenario, fields=FIELDS, params=PARAMS, crops=CROPS,
                           objectives=OBJECTIVES, defaults=defaults), status


@bp.get("/scenarios")
def list_scenarios() -> ResponseReturnValue:
    """Every scenario, most recently changed first."""
    return render_template("scenarios.html", scenarios=current_db().scenarios())


@bp.route("/scenarios/new", methods=["GET", "POST"])
@require_role("planner")
def new_scenario() -> ResponseReturnValue:
    """Create a scenario from the form."""
    if request.method == "GET":
        return _render_form({"region_code": "622924"}, {}, None)
    return _save(None, (None, None), (None, None))


@bp.route("/scenarios/<int:scenario_id>/edit", methods=["GET", "POST"])
@require_role("planner")
def edit_scenario(scenario_id: int) -> ResponseReturnValue:
    """Edit a scenario."""
    row = _scenario_or_404(scenario_id)
    if request.method == "GET":
        return _render_form(form_values(row["params"]), {}, row)
    return _save(row, (row["supply_file"], row["supply_name"]),
                 (row["sites_file"], row["sites_name"]))


def _save(row: dict[str, Any] | None, supply: tuple[str | None, str | None],
          sites: tuple[str | None, str | None]) -> ResponseReturnValue:
    """Validate and store the posted form; re-show it with errors (422) if invalid."""
    result = parse_form(request.form)
    supply = _file_from_request(result, supply, "supply_file")
    sites = _file_from_request(result, sites, "sites_file")
    validate(result, supply[0], sites[0])
    if result.errors:
        values = {k: v for k, v in request.form.items() if k != "csrf_token"}
        return _render_form(values, result.errors, row, 422)
    scenario_id = current_db().save_scenario(row["id"] if row else None, result.name,
                                             result.params, supply, g.user["name"], sites)
    return redirect(url_for("scenarios.list_scenarios", saved=scenario_id))


@bp.post("/scenarios/<int:scenario_id>/copy")
@require_role("planner")
def copy_scenario(scenario_id: int) -> ResponseReturnValue:
    """Duplicate a scenario (name suffixed ``(copy)``) and open it for editing."""
    row = _scenario_or_404(scenario_id)
    name = f"{row['name']} (copy)"[:NAME_MAX]
    new_id = current_db().save_scenario(None, name, dict(row["params"], name=name),
                                        (row["supply_file"], row["supply_name"]),
                                        g.user["name"], (row["sites_file"], row["sites_name"]))
    return redirect(url_for("scenarios.edit_scenario", scenario_id=new_id))


@bp.post("/scenarios/<int:scenario_id>/run")
@require_role("planner")
def run_scenario(scenario_id: int) -> ResponseReturnValue:
    """Start a job for the scenario and show its progress."""
    row = _scenario_or_404(scenario_id)
    params = dict(row["params"])
    for key in ("supply_file", "sites_file"):
        if row[key]:
            params[key] = row[key]
    try:
        job_id = current_runner().start(row, params, g.user["name"])
    except JobLimitError as exc:
        abort(409, description=str(exc))
    return redirect(url_for("jobs.job_page", job_id=job_id))


def scenario_view(row: dict[str, Any]) -> dict[str, Any]:
    """A scenario as the API shows it (no server paths)."""
    return {"id": row["id"], "name": row["name"], "params": row["params"],
            "supply_name": row["supply_name"], "sites_name": row["sites_name"],
            "created_by": row["created_by"],
            "created_at": row["created_at"], "updated_at": row["updated_at"]}


@bp.get("/api/scenarios")
def api_scenarios() -> ResponseReturnValue:
    """Every scenario as JSON."""
    return jsonify(scenarios=[scenario_view(r) for r in current_db().scenarios()])


@bp.get("/api/scenarios/<int:scenario_id>")
def api_scenario(scenario_id: int) -> ResponseReturnValue:
    """One scenario as JSON."""
    return jsonify(scenario_view(_scenario_or_404(scenario_id)))
