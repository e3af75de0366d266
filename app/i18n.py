"""Language: Chinese by default, English on a switch (``?lang=en`` / ``?lang=zh``), on
Flask-Babel.

The choice is kept in a ``lang`` cookie (a year, SameSite=Lax) and given to Flask-Babel
as the request's locale (:func:`current_lang`). Every string is a gettext message with
English as the source language (msgid) and its Chinese in the zh catalogue
``app/translations/zh/LC_MESSAGES/messages.po``; the ``.mo`` is compiled from it when the
app starts if it is missing or older (:func:`app.catalogue.compile_catalogues`), so a
fresh clone needs no step of its own and no generated file is committed.

Templates call ``t('key')`` or ``t('key', n=3)`` (a short key: :data:`LABELS` gives its
English msgid, whose ``%(n)s`` parameters are filled), and
the filters ``tr`` / ``tr_span`` for the English texts of plans and jobs
(:mod:`app.catalogue`). English msgids keep the source and the fallback readable: a
message without Chinese shows its English, never a key or a blank. The plan page's
figure tables keep their bilingual labels (both languages side by side), because
planners share printouts across offices.

New strings: mark them ``N_("...")`` (tables) or ``gettext("...")`` and run::

    pybabel extract -F babel.cfg -c TRANSLATORS: --no-wrap -o /tmp/messages.pot .
    pybabel update -i /tmp/messages.pot -d app/translations --no-wrap --no-fuzzy-matching

then write the Chinese into the msgstr; ``tests/test_app_i18n.py`` fails while a msgid of
the code has none.
"""

from __future__ import annotations

from flask import Flask, Response, g, has_request_context, request
from flask_babel import Babel, gettext
from markupsafe import Markup

from app.catalogue import (
    N_,
    SOURCE_LANG,
    TRANSLATIONS_DIR,
    compile_catalogues,
    translate_message,
)

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"
COOKIE = "lang"

#: ``t(key)``'s English msgid per key; other modules add theirs when the app is built
#: (:mod:`app.account_labels`).
LABELS: dict[str, str] = {
    "app_title": N_("Cold-chain planner · Gansu"),
    "plans": N_("Plans"),
    "scenarios": N_("Scenarios"),
    "jobs": N_("Jobs"),
    "compare": N_("Compare plans"),
    "logout": N_("Log out"),
    "login": N_("Log in"),
    "user_name": N_("User name"),
    "password": N_("Password"),
    "wrong_login": N_("Wrong user name or password"),
    "new_scenario": N_("New scenario"),
    "edit": N_("Edit"),
    "copy": N_("Copy"),
    "run": N_("Run"),
    "save": N_("Save"),
    "cancel": N_("Cancel"),
    "name": N_("Name"),
    "region": N_("Region"),
    "updated": N_("Updated"),
    "state": N_("State"),
    "progress": N_("Progress"),
    "stage": N_("Stage"),
    "open_plan": N_("Open plan"),
    "no_scenarios": N_("No scenarios yet"),
    "no_jobs": N_("No jobs yet"),
    "fix_errors": N_("Please fix these errors"),
    "supply_file": N_("Supply table (CSV/XLSX)"),
    "supply_help": N_("Columns: settlement_id (12-digit village code), supply_t (t)"),
    "sites_file": N_("Site table (CSV/XLSX)"),
    "sites_help": N_("Columns: settlement_id (12-digit village code), status (required / "
                     "excluded)"),
    "remove_file": N_("Remove the uploaded file"),
    "tiers_help": N_("One size a line: capacity (t), build cost (10,000 yuan), subsidy "
                     "(10,000 yuan); empty = the 4 defaults"),
    "blank_default": N_("blank = default"),
    "state_queued": N_("queued"),
    "state_running": N_("running"),
    "state_done": N_("done"),
    "state_failed": N_("failed"),
    "state_cancelled": N_("cancelled"),
    "state_interrupted": N_("interrupted"),
    "exports": N_("Exports"),
    "report": N_("Printable report"),
    "route_sheets": N_("Route sheets"),
    "search_village": N_("Search a village"),
    "search": N_("Search"),
    "plan_a": N_("Plan A"),
    "plan_b": N_("Plan B"),
    "difference": N_("Difference B−A"),
    "kpi": N_("Figure"),
    "county_table": N_("Per county"),
    "print": N_("Print"),
    # TRANSLATORS: the switch shows the name of the OTHER language ("English" in zh).
    "language": N_("中文"),
    "created_by": N_("Created by"),
    # ---- the scenario form: field labels (f_) and help (h_) --------------------------
    "f_region_code": N_("Region"),
    "h_region_code": N_("The province, one prefecture or one county; the province is planned "
                        "prefecture by prefecture"),
    "f_stores": N_("Stores"),
    "h_stores": N_("Blank = this region's share of the province's 893 by 2020 rural population"),
    "f_trucks": N_("Refrigerated trucks"),
    "h_trucks": N_("Blank = this region's share of the province's 720 by rural population"),
    "f_budget_yuan": N_("Store subsidy budget"),
    "h_budget_yuan": N_("Blank = this region's share of the province's 500 M yuan, less its "
                        "truck subsidies"),
    "f_crop": N_("Main crop"),
    "h_crop": N_("Sets the freshness limit"),
    "f_freshness_limit_s": N_("Freshness limit"),
    "h_freshness_limit_s": N_("Longest time from harvest to store; blank = from the crop"),
    "f_max_access_time_s": N_("Longest village-to-store drive"),
    "h_max_access_time_s": N_("Blank = the freshness limit"),
    "f_objective": N_("Objective"),
    "h_objective": N_("coverage_then_time: most priority produce first, then least travel time"),
    "f_poverty_weight": N_("Poverty-county weight"),
    "h_poverty_weight": N_("Priority of produce from the 2020 poverty counties (policy choice)"),
    "f_truck_capacity_t": N_("Truck load"),
    "h_truck_capacity_t": N_("A 4.2 m box truck carries about 3 t"),
    "f_shift_s": N_("Working shift"),
    "h_shift_s": N_("A truck's working day (Labour Law: 8 h)"),
    "f_shift_start_s": N_("Shift start"),
    "h_shift_start_s": N_("When the trucks' shift starts (route sheet times count from it): "
                          "6 = 06:00, 6.5 = 06:30"),
    "f_service_s": N_("Loading time per village"),
    "h_service_s": N_("Time to load at one village pickup"),
    "f_unload_s": N_("Unloading time at the store"),
    "h_unload_s": N_("Unloading at the store between trips"),
    "f_trips_per_truck": N_("Most trips per truck a day"),
    "h_trips_per_truck": N_("A model cap; the shift and freshness limits bind first on most "
                            "days"),
    "f_max_snap_m": N_("Farthest from a road"),
    "h_max_snap_m": N_("Villages farther from any road are off-network"),
    "f_siting_time_limit_s": N_("Siting solver time"),
    "h_siting_time_limit_s": N_("Solver setting: the same settings give the same plan"),
    "f_routing_time_limit_s": N_("Routing solver time per store"),
    "h_routing_time_limit_s": N_("Solver setting"),
    "f_seed": N_("Random seed"),
    "h_seed": N_("Solver setting: same seed, same plan"),
    "f_siting_engine": N_("Siting engine"),
    "h_siting_engine": N_("cpsat (exact), lagrange (province size) or auto (by size)"),
    "f_county_min_stores": N_("Least stores per county"),
    "h_county_min_stores": N_("Policy choice; 0 = no floor"),
    "f_tiers": N_("Store sizes"),
    "pick_region": N_("— choose a region —"),
    "whole_province": N_("whole province"),
    "whole_prefecture": N_("whole prefecture"),
    "range": N_("range"),
    "default": N_("default"),
    "derived": N_("derived"),
    "kept_settings": N_("Other settings (from the template, kept when saved)"),
    "delete": N_("Delete"),
    "templates": N_("Scenario templates"),
    "templates_help": N_("The project's scenario files (used by make demo); copy one to "
                         "change it"),
    "use_template": N_("Copy as a new scenario"),
    "plan_admin": N_("Plan files"),
    "scenario_saved": N_("Saved the scenario"),
    "siting_in_province_solve": N_("sited in the one province-wide solve: its gap is in "
                                   "the siting report"),
}


def current_lang() -> str:
    """The request's language: ``?lang=``, else the cookie, else Chinese."""
    lang = g.get("lang")
    if lang is None:
        asked = request.args.get("lang") or request.cookies.get(COOKIE)
        lang = asked if asked in LANGS else DEFAULT_LANG
        g.lang = lang
    return str(lang)


def select_locale() -> str:
    """Flask-Babel's locale selector: :func:`current_lang` in a request; English (the
    source, as the CLI speaks) in an app context without one (a CLI command)."""
    return current_lang() if has_request_context() else SOURCE_LANG


def t(key: str, **params: object) -> str:
    """The label ``key`` in the request's language (English outside a request), its
    ``%(name)s`` parameters filled from ``params``; an unknown key shows itself."""
    entry = LABELS.get(key)
    if entry is None:
        return key
    return str(gettext(entry, **params))


def remember_lang(response: Response) -> Response:
    """``after_request``: keep an explicit ``?lang=`` choice in a cookie."""
    asked = request.args.get("lang")
    if asked in LANGS:
        response.set_cookie(COOKIE, asked, max_age=365 * 86400, samesite="Lax",
                            httponly=True)
    return response


def tr(text: object) -> object:
    """A plan's or a job's English text (reason, status, stage, note, assumption) in the
    request's language (:mod:`app.catalogue`); unknown text stays as it is."""
    try:
        lang = current_lang()
    except RuntimeError:  # no request: the CLI, tests
        return text
    return translate_message(text, lang)


def tr_span(text: object) -> object:
    """:func:`tr` for page text: the translation in a ``<span>`` whose ``title`` keeps the
    plan's own English words (shown on hover, found by search); unknown text as it is."""
    shown = tr(text)
    if shown is text or not isinstance(text, str):
        return text
    return Markup('<span class="tr" lang="zh" title="{}">{}</span>').format(text, shown)


def init_i18n(app: Flask) -> None:
    """Flask-Babel (zh default, locale from :func:`select_locale`, the catalogues compiled
    if stale); template globals ``t`` and ``current_lang``, filters ``tr`` and
    ``tr_span``; the cookie hook."""
    compile_catalogues()
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANG)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS_DIR))
    Babel(app, locale_selector=select_locale)
    app.jinja_env.globals["t"] = t
    app.jinja_env.filters["tr"] = tr
    app.jinja_env.filters["tr_span"] = tr_span
    app.jinja_env.globals["current_lang"] = current_lang
    app.after_request(remember_lang)
