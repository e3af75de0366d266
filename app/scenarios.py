"""Scenarios: list, create, copy, edit (validated forms), upload supply/site tables, run.

The form's fields and how they are read and checked (units, the scenario's own ranges,
reasons beside their field) are :mod:`app.scenario_form`'s; a stored scenario that the
checks refuse (saved before a range existed) is shown with its reasons, never run.
Messages are Chinese unless the English switch is on.

Uploaded tables are checked when the form is saved, not when the job runs: the reader of
:mod:`geodata.supply` / :mod:`geodata.sites` (within its size limits), then every
settlement against the rural villages of the form's region. Each message names the file
the user chose and its rows, never the server's path. A refused form keeps no file it
uploaded.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from werkzeug.datastructures import FileStorage

from app import scenario_admin
from app.accounts import has_role, require_role
from app.catalogue import N_
from app.db import current_db
from app.form_units import (
    TIER_COST,
    form_bounds,
    number_text,
    to_form,
    unit_label,
)
from app.jobs import JobLimitError, current_runner
from app.regions import current_regions, region_name
from app.scenario_form import (
    FIELDS,
    NAME_MAX,
    REGION_CODE,
    FormResult,
    check_stored,
    field_text,
    form_field_bounds,
    parse_form,
    plain_number,
    validate,
)

if TYPE_CHECKING:
    import pandas as pd

bp = Blueprint("scenarios", __name__)
bp.register_blueprint(scenario_admin.bp)
UPLOAD_SUFFIXES = (".csv", ".xlsx")
XLSX_MAGIC = b"PK\x03\x04"
# ---- uploads ----------------------------------------------------------------------------


class UploadError(ValueError):
    """An uploaded file is refused; the message is for the user."""


def save_upload(upload: FileStorage, upload_dir: Path,
                kind: str = "supply_file") -> tuple[str, str]:
    """Check and keep an uploaded table; return ``(server path, user's file name)``.

    ``kind`` is ``supply_file`` (checked by ``read_supply_table``) or ``sites_file``
    (checked by ``read_sites_table``); both read within ``geodata.supply.LIMITS``.

    The server picks the stored name (random, with the checked suffix), so a file name
    like ``../../x.csv`` can never choose where the file goes. The file is written with
    mode 0600 in a 0700 folder, and removed again if it is refused.

    Raises
    ------
    UploadError
        Wrong type, unreadable content, or a row-level error from the table's reader.
    """
    original = Path(upload.filename or "").name
    suffix = Path(original).suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        raise UploadError(gettext("%(name)s: only CSV or XLSX files are accepted",
                                  name=original or gettext("file")))
    data = upload.read()
    _check_content(original, suffix, data)
    upload_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    upload_dir.chmod(0o700)
    target = upload_dir / f"{secrets.token_hex(12)}{suffix}"
    with os.fdopen(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out:
        out.write(data)
    try:
        read_table(kind, str(target), original)
    except UploadError:
        target.unlink(missing_ok=True)
        raise
    return str(target), original


def read_table(kind: str, path: str, name: str) -> pd.DataFrame:
    """A kept table read by its reader; any refusal as an :class:`UploadError` that names
    the user's file ``name``, never the server ``path``."""
    from geodata.errors import DataError
    from geodata.sites import read_sites_table
    from geodata.supply import read_supply_table

    reader = read_sites_table if kind == "sites_file" else read_supply_table
    try:
        return reader(path)
    except DataError as exc:
        raise UploadError(row_message(str(exc).replace(path, name), name, exc.row,
                                      exc.item)) from None
    except Exception:  # a reader's unforeseen failure must not leave a 500 and a file
        current_app.logger.exception("upload %s could not be read", name)
        raise UploadError(gettext("%(name)s: the file cannot be read", name=name)) from None


#: Row-level refusals of the table readers with a translation (English msgids; others
#: are shown as the reader wrote them).
ROW_REASONS = (N_("supply_t must be >= 0"), N_("settlement listed twice"))


def row_message(text: str, name: str, row: int | None, item: object) -> str:
    """A reader's row-level refusal (``name, row 3, item -2.0: reason``) with the row
    named in Chinese in the Chinese interface, the English kept beside it
    (``name 第 3 行 (row 3)（值 -2.0）：中文 (reason)``)."""
    where = ", ".join([name, f"row {row}"] + ([f"item {item!r}"] if item is not None else []))
    if row is None or not text.startswith(f"{where}: "):
        return text
    reason = text[len(where) + 2:]
    shown = gettext(reason) if reason in ROW_REASONS else reason
    if shown != reason:  # the reader's English kept beside its translation
        shown = f"{shown} ({reason})"
    if item is None:
        return gettext("%(file)s, row %(row)s: %(reason)s", file=name, row=row, reason=shown)
    return gettext("%(file)s, row %(row)s, item %(item)s: %(reason)s", file=name, row=row,
                   item=repr(item), reason=shown)


def _check_content(original: str, suffix: str, data: bytes) -> None:
    """Refuse content that does not match the suffix (a renamed binary, an empty file)."""
    if not data:
        raise UploadError(gettext("%(name)s: the file is empty", name=original))
    if suffix == ".xlsx" and not data.startswith(XLSX_MAGIC):
        raise UploadError(gettext("%(name)s: not an XLSX workbook", name=original))
    if suffix == ".csv":
        try:
            data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise UploadError(gettext("%(name)s: a CSV file must be UTF-8 text",
                                      name=original)) from None


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


@dataclass(frozen=True)
class UploadRegion:
    """The rural villages a scenario's tables may name: ``label`` e.g. ``622924 广河县``."""

    label: str
    villages: frozenset[str]


def upload_region(result: FormResult) -> UploadRegion | None:
    """The form's region (its default when blank) and its rural villages.

    ``None`` when the code is malformed (the scenario check names that field) or the
    region cannot be loaded (then a message is filed; server paths are never shown).
    """
    from geodata.errors import DataDirNotFound, DataError
    from geodata.places import load_villages
    from optimize.scenario import Scenario

    code = str(result.params.get("region_code") or Scenario().region_code)
    if not REGION_CODE.fullmatch(code):
        return None
    try:
        villages = load_villages(current_app.config["DATA_DIR"], code)
    except DataDirNotFound:
        current_app.logger.exception("reference data missing: uploads cannot be checked")
        result.add("_", gettext("the server lacks its reference data, so uploaded tables "
                                "cannot be checked; ask the administrator"))
        return None
    except DataError:
        result.add("region_code", gettext("region %(code)s: no villages found for this code",
                                          code=code))
        return None
    names = {6: "county_name", 4: "prefecture_name"}
    label = f"{code} {villages[names[len(code)]].iloc[0]}" if len(code) in names else code
    return UploadRegion(label, frozenset(villages.loc[villages["is_village"], "village_code"]))


def check_tables(result: FormResult, files: dict[str, tuple[str | None, str | None]]) -> None:
    """Refuse a kept or uploaded table that names villages outside the form's region
    (its rows listed, the user's file named): caught here, not when the job runs."""
    from geodata.errors import DataError
    from geodata.supply import check_in_region

    present = {k: f for k, f in files.items() if f[0] and f[1] and k not in result.errors}
    region = upload_region(result) if present else None
    if region is None:
        return
    for kind, (path, name) in present.items():
        assert path is not None and name is not None
        try:
            table = read_table(kind, path, name)
            check_in_region(Path(path), table, region.villages, region.label)
        except UploadError as exc:
            result.add(kind, str(exc))
        except DataError as exc:
            result.add(kind, str(exc).replace(path, name))


def remove_new_uploads(files: dict[str, tuple[str | None, str | None]],
                       kept: dict[str, str | None]) -> None:
    """Delete the files this refused form uploaded (never the scenario's kept ones)."""
    for kind, (path, _) in files.items():
        if path and path != kept[kind]:
            Path(path).unlink(missing_ok=True)


# ---- views ------------------------------------------------------------------------------


def _scenario_or_404(scenario_id: int) -> dict[str, Any]:
    row = current_db().scenario(scenario_id)
    if row is None:
        abort(404, description=f"no scenario {scenario_id}")
    return row


def form_values(params: dict[str, Any]) -> dict[str, str]:
    """A scenario's mapping as form text in the form's units (tiers as lines, in 万元)."""
    values = {}
    for key, value in params.items():
        shown = to_form(key, value)
        values[key] = "" if shown is None else number_text(shown) \
            if isinstance(shown, float) else str(shown)
    wan = TIER_COST.factor
    values["tiers"] = "\n".join(
        f"{number_text(t['capacity_t'])}, {number_text(t['build_cost_yuan'] / wan)}, "
        f"{number_text(t['subsidy_yuan'] / wan)}" for t in params.get("tiers") or [])
    return values


def kept_params(params: dict[str, Any]) -> dict[str, Any]:
    """Settings the form does not show (a template's ``province_stores``, seasons): an
    edit keeps them."""
    return {k: v for k, v in params.items() if k not in FIELDS and k not in ("name", "tiers")}


def _render_form(values: dict[str, str], errors: dict[str, list[str]],
                 scenario: dict[str, Any] | None, status: int = 200) -> ResponseReturnValue:
    from app.i18n import current_lang
    from optimize.crops import CROPS
    from optimize.scenario import PARAMS, Scenario
    from optimize.siting.problem import OBJECTIVES

    lang = current_lang()
    defaults = form_values({k: getattr(Scenario(), k) for k in FIELDS})
    defaults["region_code"] = region_name(defaults["region_code"])
    ranges = {k: "–".join(plain_number(v) for v in form_bounds(k, b))
              for k, b in form_field_bounds().items()}
    return render_template("scenario_form.html", values=values, errors=errors,
                           scenario=scenario, fields=FIELDS, params=PARAMS, crops=CROPS,
                           objectives=OBJECTIVES, defaults=defaults, ranges=ranges,
                           units={k: unit_label(k, lang) for k in FIELDS},
                           labels={k: field_text("f", k) for k in FIELDS},
                           helps={k: field_text("h", k) for k in FIELDS},
                           regions=current_regions(),
                           kept=kept_params(scenario["params"]) if scenario else {}), status


@bp.get("/scenarios")
def list_scenarios() -> ResponseReturnValue:
    """Every scenario, most recently changed first; the templates; plans (for admins)."""
    from app.plans import current_store

    plans = current_store().list_plans() if has_role(g.user, "admin") else []
    return render_template("scenarios.html", scenarios=current_db().scenarios(),
                           templates=scenario_admin.scenario_templates(), plans=plans,
                           may_delete=scenario_admin.may_delete, region_name=region_name)


@bp.route("/scenarios/new", methods=["GET", "POST"])
@require_role("planner")
def new_scenario() -> ResponseReturnValue:
    """Create a scenario from the form."""
    if request.method == "GET":
        return _render_form({}, {}, None)
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
    """Validate and store the posted form; re-show it with errors (422) if invalid (the
    files it uploaded are then removed)."""
    result = parse_form(request.form)
    if row is not None:
        result.params = {**kept_params(row["params"]), **result.params}
    kept = {"supply_file": supply[0], "sites_file": sites[0]}
    files = {kind: _file_from_request(result, current, kind)
             for kind, current in (("supply_file", supply), ("sites_file", sites))}
    check_tables(result, files)
    validate(result, files["supply_file"][0], files["sites_file"][0])
    if result.errors:
        remove_new_uploads(files, kept)
        values = {k: v for k, v in request.form.items() if k != "csrf_token"}
        return _render_form(values, result.errors, row, 422)
    scenario_id = current_db().save_scenario(row["id"] if row else None, result.name,
                                             result.params, files["supply_file"],
                                             g.user["name"], files["sites_file"])
    flash(gettext("Saved the scenario “%(name)s”", name=result.name))
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
    flash(gettext("Copied as “%(name)s”", name=name))
    return redirect(url_for("scenarios.edit_scenario", scenario_id=new_id))


@bp.post("/scenarios/<int:scenario_id>/run")
@require_role("planner")
def run_scenario(scenario_id: int) -> ResponseReturnValue:
    """Start a job for the scenario and show its progress; a stored scenario the checks
    now refuse (a value out of range) is shown in its form with the reasons (422)."""
    row = _scenario_or_404(scenario_id)
    params = dict(row["params"])
    for key in ("supply_file", "sites_file"):
        if row[key]:
            params[key] = row[key]
    refused = FormResult(row["name"], dict(row["params"]))
    check_stored(refused)
    validate(refused, row["supply_file"], row["sites_file"])
    if refused.errors:  # saved before a check existed (e.g. 1e30): shown, never run
        return _render_form(form_values(row["params"]), refused.errors, row, 422)
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
