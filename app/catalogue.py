"""Chinese for the English texts a plan and a job carry: reasons, statuses, stages, notes.

``plan.json`` keeps its texts in English (the file format, read by other programs); the
optimizer's progress stages and the job runner's messages are English too. They are
translated at display time by :func:`translate_message`. Each text the app knows is a
gettext message (English source, marked ``N_``) whose Chinese lives in the zh catalogue
``app/translations/zh/LC_MESSAGES/messages.po``, like every other string of the app
(:mod:`app.i18n`). Numbers and names inside a text are named parameters::

    msgid  "routing store %(n)s of %(total)s"
    msgstr "正在规划第 %(n)s/%(total)s 座冷库的线路"

Why a lookup in front of gettext: a plan file holds the *filled-in* sentence ("routing
store 3 of 100"), and gettext finds messages by their exact msgid. So each msgid is also
read as a pattern, the first whose pattern matches the whole text gives the message and
its parameters, and the parameters go into the Chinese (``msgstr % params``). A
parameter matches a number unless it is in :data:`TEXT_PARAMS` (any text without "; "),
:data:`WORD_PARAMS` (one word: a key, a value as written) or :data:`NESTED_PARAMS` (a text
translated in turn when known: a status inside a status, a default inside an assumption,
a store count inside a failure). ``[s]`` in a msgid is an optional English plural ``s``. A
text made of parts joined by ``"; "`` or ``", "`` is translated part by part, but only if
every part is known. Anything else comes back unchanged, in English: no information is
ever lost.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from app.catalogue_target import MARKET_ROAD_TEXTS, TARGET_TEXTS

#: The gettext catalogues: ``<lang>/LC_MESSAGES/messages.po`` (committed) and ``.mo``
#: (compiled from it by :func:`compile_catalogues`, never committed).
TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"
DOMAIN = "messages"
SOURCE_LANG = "en"


def N_(msgid: str) -> str:  # noqa: N802 (the gettext marker name pybabel extracts)
    """Mark ``msgid`` as a message for ``pybabel extract``; returns it unchanged."""
    return msgid


def compile_catalogues(directory: Path = TRANSLATIONS_DIR) -> list[Path]:
    """Compile each ``messages.po`` under ``directory`` whose ``.mo`` is missing or older.

    The ``.mo`` is written to a temporary file and renamed, so a server thread or a job
    worker reading it meanwhile sees the old or the new file, never half of one.

    Returns
    -------
    list of Path
        The ``.mo`` files written (empty when all are up to date).

    Raises
    ------
    ValueError
        A msgstr whose ``%(name)s`` parameters differ from its msgid's (named, with the
        file and line).
    """
    written = []
    for po in sorted(directory.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as file:
            catalog = read_po(file, locale=po.parents[1].name)
        for message, errors in catalog.check():
            raise ValueError(f"{po}:{message.lineno}: msgid {message.id!r}: "
                             + "; ".join(str(e) for e in errors))
        temporary = mo.with_name(f".{mo.name}.{os.getpid()}.tmp")
        with temporary.open("wb") as file:
            write_mo(file, catalog)
        os.replace(temporary, mo)
        written.append(mo)
    return written


@lru_cache(maxsize=8)
def load(lang: str) -> NullTranslations:
    """The compiled catalogue of ``lang`` (compiled first if stale); for English, the
    source language, or a language without a catalogue, a :class:`NullTranslations`
    whose ``gettext`` returns the msgid."""
    if lang == SOURCE_LANG:
        return NullTranslations()
    compile_catalogues()
    return Translations.load(str(TRANSLATIONS_DIR), [lang], DOMAIN)


def has_catalogue(lang: str) -> bool:
    """Whether ``lang`` has a catalogue of its own (English is the source: no)."""
    return isinstance(load(lang), Translations)


def message_in(lang: str, msgid: str, **params: object) -> str:
    """The message ``msgid`` in ``lang`` (its English for ``en`` or a language without a
    catalogue), ``%(name)s`` filled from ``params``; for code that is given the language
    (no request needed). An empty msgid stays empty.

    >>> message_in("en", "%(n)s queued", n=3)
    '3 queued'
    """
    if not msgid:
        return msgid
    text = str(load(lang).gettext(msgid))
    return text % params if params else text


#: Parameters that match any text; :data:`NESTED_PARAMS` are translated again; every other
#: parameter matches a number (``-12``, ``1,004``, ``3.5``).
TEXT_PARAMS = frozenset({"why", "name", "season", "clock", "tier", "list", "what", "status",
                         "file", "region", "rows", "item", "county", "unit"})
#: Parameters that match one word without spaces or ";" (a key, a value as written).
WORD_PARAMS = frozenset({"param", "given", "lo", "hi"})
NESTED_PARAMS = frozenset({"msg", "value", "count", "sites"})
_NUMBER = r"-?\d[\d,]*(?:\.\d+)?"
_TOKEN = re.compile(r"%\((\w+)\)s|\[s\]|%%")

#: Known unserved reasons (full and as :func:`app.headlines.reason_kind` shortens them).
REASONS: tuple[str, ...] = (
    N_("no store within %(m)s min"),
    N_("no candidate site within the longest access time"),
    N_("no open store within the longest access time"),
    N_("no truck based at this store"),
    N_("no truck at this store"),
    N_("no store"),
    N_("unserved"),
    # TRANSLATORS: "[s]" marks an optional English plural "s" (1 truck, 2 trucks).
    N_("fleet at this store cannot fit it within shifts (%(trucks)s truck[s] x %(trips)s "
       "trip[s])"),
    N_("fleet at this store cannot fit it within shifts (%(trucks)s truck[s] x %(trips)s "
       "trip[s]), or serving it costs more than the drop penalty %(p)s"),
    N_("fleet at this store cannot fit it within shifts"),
    N_("cannot reach the store within the freshness limit: needs %(need)s min, limit "
       "%(limit)s min"),
    N_("cannot reach the store within the freshness limit"),
    N_("load %(load)s t exceeds truck capacity %(cap)s t"),
    N_("delivery %(load)s t exceeds truck capacity %(cap)s t"),
    N_("load"),
    N_("delivery"),
    N_("store -> pickup -> store with loading and unloading needs %(need)s min, longer "
       "than the shift of %(shift)s min"),
    N_("store -> pickup -> store with loading and unloading needs"),
    N_("time window closes at %(a)s min into the shift, the drive from the store takes "
       "%(b)s min"),
    N_("time window opens at %(a)s min into the shift, so a trip to it ends at %(b)s min, "
       "after the shift of %(c)s min"),
    N_("time window closes at"),
    N_("time window opens at"),
    N_("off the road network: %(km)s km from the nearest road node"),
    N_("off the road network"),
    N_("fleet capacity reached: all %(n)s trucks are in use (%(used)s of %(total)s "
       "truck-hours driven; %(left)s trip[s] left need %(more)s more truck-hours and none "
       "fits a truck's remaining shift)"),
    N_("fleet capacity reached"),
    N_("no truck can reach it within its freshness limit even alone (%(msg)s)"),
    N_("no truck can reach it within its freshness limit even alone"),
)

#: Siting and routing statuses, binding constraints, solver notes.
STATUSES: tuple[str, ...] = (
    N_("OPTIMAL"),
    N_("FEASIBLE"),
    N_("INFEASIBLE"),
    N_("UNKNOWN"),
    N_("MODEL_INVALID"),
    N_("success"),
    N_("optimal"),
    N_("fail"),
    N_("not solved"),
    N_("fail: time limit before a first solution"),
    N_("invalid model"),
    N_("infeasible"),
    N_("time limit (not reproducible)"),
    N_("nothing to route"),
    N_("no pickups"),
    N_("no stores"),
    N_("status %(n)s"),
    N_("%(msg)s; OR-Tools used: %(why)s"),
    N_("store count (=%(n)s)"),
    N_("store count (<=%(n)s)"),
    # TRANSLATORS: "[s]" marks an optional English plural "s".
    N_("capacity at %(n)s site[s]"),
    N_("access time (%(n)s demand points)"),
    N_("%(code)s: %(msg)s"),
    N_("coverage+time (weighted sum)"),
    N_("coverage"),
    N_("time"),
    N_("cost"),
    N_("CP-SAT, lexicographic stages (optimize.siting.cpsat)"),
    N_("Lagrangian bound + heuristics, weighted sum (optimize.siting.lagrange)"),
    N_("Lagrangian bound + heuristics, weighted sum (optimize.location_lagrange)"),
    N_("objective and bound are the sums of the regional final-stage objectives and "
       "proven bounds: a bound only for the decomposed problem (regional quotas of "
       "stores, trucks and budget fixed, no village served across a prefecture border), "
       "not for the province-wide problem; the border repair after the solves is not "
       "reflected in them."),
)

#: Progress stages of the optimizer and messages the job runner writes.
JOB_TEXTS: tuple[str, ...] = (
    N_("starting"),
    N_("waiting"),
    N_("done"),
    N_("loading reference data"),
    N_("building the road network"),
    N_("snapping and travel-time matrix"),
    N_("siting cold stores (OR-Tools CP-SAT)"),
    N_("allocating trucks and routing (OR-Tools)"),
    N_("routing store %(n)s of %(total)s"),
    N_("assembling the plan"),
    N_("apportioning the province to prefectures"),
    N_("solving %(n)s prefectures on Dask"),
    N_("prefecture %(code)s %(name)s done (%(n)s of %(total)s)"),
    N_("merging the regional plans"),
    N_("repairing across prefecture borders"),
    N_("building the province's siting problem"),
    N_("siting the province's stores as one problem (and, on Dask, each prefecture alone "
       "for comparison)"),
    N_("routing %(n)s prefectures on Dask"),
    N_("routing every season (OR-Tools) and sharing the fleet"),
    N_("routing store %(n)s of %(total)s, every season"),
    N_("packing the province's fleet over every prefecture's trips, then market runs"),
    N_("sharing the fleet over the stores' trips"),
    N_("the server stopped while this job ran; run it again"),
    N_("the job's worker stopped reporting (no heartbeat); run it again"),
    N_("cancelled by a user"),
    N_("the worker process stopped (exit code %(code)s)"),
    N_("the worker process could not start: %(why)s"),
)

#: Why a job failed: the reasons of the optimizer's SpecificationError, InfeasibleError and
#: DataError that a scenario of the form can run into (the job page shows them).
FAILURES: tuple[str, ...] = (
    N_("budget %(b)s yuan is below %(n)s stores x the cheapest tier %(tier)s subsidy %(s)s "
       "yuan = %(total)s yuan"),
    N_("n_stores = %(n)s exceeds the %(a)s candidate sites not excluded (%(total)s sites, "
       "%(ex)s excluded)"),
    N_("n_stores must be at least 1, got %(n)s"),
    N_("%(n)s required sites exceed n_stores = %(s)s"),
    N_("sites %(list)s are both required and excluded"),
    N_("quota of %(name)s: minimum %(low)s stores is above its %(c)s candidate sites not "
       "excluded"),
    N_("quota of %(name)s: %(f)s required sites exceed its maximum of %(high)s stores"),
    N_("county minimums (with required sites) add up to %(n)s stores, above n_stores = "
       "%(s)s"),
    N_("county maximums allow at most %(n)s stores, below n_stores = %(s)s"),
    N_("demand points %(list)s have no arc to a site that is not excluded; objective "
       "%(what)s must serve every demand point"),
    N_("total supply %(t)s t exceeds %(n)s stores x the largest tier %(tier)s (%(cap)s t) = "
       "%(total)s t"),
    N_("no plan serving every demand point was found within %(t)s s (CP-SAT status "
       "%(status)s); infeasibility was not proven, allow more time_limit_s"),
    N_("access time and store count: no %(count)s stores (%(sites)s) reach every demand "
       "point within the longest access time"),
    N_("store capacity: %(count)s stores (%(sites)s) cannot hold the supply of the demand "
       "points within their reach (%(t)s t in all)"),
    N_("budget: %(b)s yuan of subsidy cannot pay for %(count)s stores large enough to serve "
       "every demand point"),
    N_("infeasible; the constraint at fault was not found in %(t)s s"),
    # TRANSLATORS: how many stores a plan opens ("exactly 5" / "at most 5").
    N_("exactly %(n)s"),
    N_("at most %(n)s"),
    N_("%(r)s required, %(e)s excluded"),
    N_("%(r)s required, %(e)s excluded, %(q)s county quotas"),
    N_("no plan serving every demand point was found by the Lagrangian heuristics within "
       "%(t)s s; capacity, budget or the store count may make it infeasible (try engine "
       "'cpsat' for a proof)"),
    N_("objective 'cost' is not supported by the Lagrangian engine; use engine 'cpsat'"),
    N_("prefecture %(code)s (%(name)s): %(msg)s"),
    N_("%(file)s: %(n)s settlement_id(s) are not rural villages of region %(region)s "
       "(不是该地区的村): rows %(rows)s"),
    N_("item %(item)s: no villages in region"),
    N_("item %(item)s: no townships in region"),
    N_("county_stores %(county)s: not a county of region %(region)s"),
    N_("%(param)s = %(given)s: must be between %(lo)s and %(hi)s (%(unit)s)"),
    N_("%(param)s = %(given)s: must be between %(lo)s and %(hi)s"),
)

#: Approximation notes and road-network notes of a plan.
NOTES: tuple[str, ...] = (
    N_("objective and bound are those of the one province-wide siting problem (scope "
       "'province'): the bound is a proven lower bound of the province problem itself; "
       "solver.siting.decomposed gives the prefecture-by-prefecture figures on the same "
       "instance."),
    N_("one network over the chosen prefectures, across their borders: %(msg)s"),
    N_("Road network is approximate: no OSM extract was loaded; travel times use "
       "straight-line distance x %(f)s (detour factor, an assumption) at class speeds "
       "between township centres."),
    N_("%(n)s villages have no coordinates of their own (NBS code lists); they are placed "
       "at their township centre, and each trip between a village and the centre is the "
       "expected distance over the township's area (its Voronoi cell, x the detour "
       "factor) at village-road speed."),
    N_("%(n)s villages are at their OSM place node, matched by name within 15 km of their "
       "township (geodata.village_points); a namesake match cannot be ruled out."),
    N_("Supply is an estimate: 2020 county rural population x %(kg)s kg per rural "
       "resident, spread evenly over each county's villages; no crop production data by "
       "village."),
    N_("Routes cover every season of the calendar with produce: each prefecture builds "
       "every season's trips of its stores (optimize.pipeline.season_plan), and the "
       "province's trucks are packed over all prefectures' trips per season, across "
       "borders (optimize.pipeline.province_fleet). Daily pickup is the season's share of "
       "the annual produce spread evenly over its days."),
    N_("Routes cover every season of the calendar with produce (each prefecture's plan "
       "routes all its seasons, optimize.pipeline.season_plan); each prefecture shares its "
       "trucks of the season '%(season)s' (the largest province-wide daily pickup) over its "
       "stores in every season, unless the province's fleet step re-packs all prefectures' "
       "trips (optimize.pipeline.province_fleet). Daily pickup is the season's share of the "
       "annual produce spread evenly over its days."),
    N_("Routes are one day of the season '%(season)s' (the largest province-wide daily "
       "pickup); other seasons have trucks per prefecture and moves (seasons table) but "
       "no routes. Daily pickup is the season's share of the annual produce spread evenly "
       "over its days."),
    N_("The province is planned prefecture by prefecture with fixed quotas (see "
       "decomposition); villages cross prefecture borders only through the border repair, "
       "whose times come from one province-wide approximate network."),
    N_("approximate network over township centres: straight lines x detour factor, speeds "
       "by class"),
    N_("OpenStreetMap roads, truck speeds by class"),
    N_("one network per prefecture (%(n)s): %(msg)s"),
    N_("straight lines x %(f)s detour factor"),
    N_("travel times from straight-line distance x %(f)s at %(v)s km/h"),
)

#: Assumptions (``name = value unit: source`` of parameters without a source).
ASSUMPTIONS: tuple[str, ...] = (
    N_("store_quota_tolerance_pct = %(v)s %%: policy choice: how far a prefecture's store "
       "count may stray from its rural-population share under store_quota = \"prefecture\" "
       "(no source)"),
    N_("harvest_peak_days = %(v)s days: days over which a store fills at the harvest peak "
       "(docs §5: ~2-month windows)"),
    N_("poverty_weight = %(v)s weight: priority of produce from the 2020 poverty counties "
       "(policy choice)"),
    N_("truck_capacity_t = %(v)s t: docs §2: a 4.2 m box truck carries 3 t (upper bound; "
       "reefer payload not found)"),
    N_("trips_per_truck = %(v)s trips/day: most collection trips a truck makes in a shift "
       "(a model cap; the shift and freshness limits bind first on most days)"),
    N_("service_s = %(v)s s: loading time at a village pickup"),
    N_("unload_s = %(v)s s: unloading time at the store between trips"),
    N_("detour_factor = %(v)s ratio: road distance / straight-line distance on the "
       "approximate network"),
    N_("max_snap_m = %(v)s m: points farther than this from any road are off-network"),
    N_("county_min_stores = %(v)s stores: policy choice: every county of the region gets "
       "at least this many stores (0 = no floor)"),
    N_("county_stores = %(value)s stores: policy choice: per-county minimum and maximum "
       "store counts ([county_stores] table, county code -> {min, max})"),
    N_("seasons = %(value)s : harvest calendar: months from PARAMETERS.md §5 rows; every "
       "share of a region's produce over seasons is an assumption (no output by crop and "
       "prefecture was found, §6)"),
    N_("default Gansu calendar (optimize.seasons)"),
    N_("default Gansu calendar (optimize.crops)"),
    N_("farm_vehicle_speed_kmh = %(v)s km/h: average road speed of a farm tricycle or "
       "tractor with a load (no source found: an assumption)"),
    N_("self_delivery_reach_s = %(v)s s: farmers bring produce to the store themselves "
       "when the road trip by farm vehicle takes at most this long (no source found: an "
       "assumption)"),
    N_("shift_start_s = %(v)s s after midnight: the clock time the trucks' shift starts "
       "(docs §2 gives the working day's length, not its start: no source found)"),
    N_("shift start %(clock)s for every truck (trip clock times are seconds from "
       "midnight): no source, an assumption"),
    N_("harvest_peak_days"),
    N_("poverty_weight"),
    N_("truck_capacity_t"),
    N_("trips_per_truck"),
    N_("service_s"),
    N_("unload_s"),
    N_("detour_factor"),
    N_("max_snap_m"),
    N_("county_min_stores"),
    N_("county_stores"),
    N_("seasons"),
    N_("siting"),
    N_("routing"),
)

#: Where each scenario parameter comes from (``optimize.scenario`` ``ParamDoc.source``,
#: the crops' sources), shown in the plan's parameter table.
PARAMETER_SOURCES: tuple[str, ...] = (
    N_("policy choice: how far a prefecture's store count may stray from its "
       "rural-population share under store_quota = \"prefecture\" (no source)"),
    N_("scenario file"),
    N_("4-digit prefecture or 6-digit county code; \"62\" = all of Gansu (planned by "
       "prefecture, optimize.pipeline.province)"),
    N_("the Gansu 2020 programme: 893 stores of >= 100 t"),
    N_("the Gansu 2020 programme: 720 refrigerated trucks"),
    N_("the Gansu 2020 programme: 500 M yuan of poverty funds"),
    N_("apportioned from province_stores by 2020 rural population"),
    N_("apportioned from province_trucks by 2020 rural population"),
    N_("public subsidy for stores: the region's rural-population share of "
       "province_budget_yuan minus truck_subsidy_yuan for each of its trucks"),
    N_("derived: Gansu 2020 batch added 600,000 t of storage (docs §3.1) / 11,952,499 "
       "rural residents (2020 census) = 50.2 kg; spread evenly over a county's villages "
       "(estimate)"),
    N_("user supply table (CSV/XLSX: settlement_id, supply_t), relative to the scenario "
       "file; empty = the census estimate above"),
    N_("user site table (CSV/XLSX: settlement_id, status = required|excluded), relative "
       "to the scenario file; empty = every township may host a store"),
    N_("days over which a store fills at the harvest peak (docs §5: ~2-month windows)"),
    N_("the main crop; sets the freshness limit (docs §4)"),
    N_("docs §4: pre-cool within 48 h (foagr.com)"),
    N_("longest village-to-store time; defaults to the freshness limit"),
    N_("priority of produce from the 2020 poverty counties (policy choice)"),
    N_("coverage_then_time: most priority produce, then least time"),
    N_("docs §2: a 4.2 m box truck carries 3 t (upper bound; reefer payload not found)"),
    N_("docs §2: Gansu 2018, 150,000 per box reefer"),
    N_("docs §2: 8 h working day (Labour Law Art. 36)"),
    N_("the clock time the trucks' shift starts (docs §2 gives the working day's length, "
       "not its start: no source found)"),
    N_("average road speed of a farm tricycle or tractor with a load (no source found: an "
       "assumption)"),
    N_("farmers bring produce to the store themselves when the road trip by farm vehicle "
       "takes at most this long (no source found: an assumption)"),
    N_("most collection trips a truck makes in a shift (a model cap; the shift and "
       "freshness limits bind first on most days)"),
    N_("loading time at a village pickup"),
    N_("unloading time at the store between trips"),
    N_("road distance / straight-line distance on the approximate network"),
    N_("points farther than this from any road are off-network"),
    N_("solver setting: CP-SAT deterministic-time budget (about seconds; the same budget "
       "gives the same plan on any machine; wall-clock cap 3x); the Lagrangian engine "
       "counts its steps and windows and stops at this wall-clock limit at most"),
    N_("solver setting per store: a search budget calibrated to about seconds and counted "
       "in solutions, so the same plan every run (wall-clock cap 3x)"),
    N_("solver setting; same seed, same plan"),
    N_("solver setting: cpsat (exact model), lagrange (Lagrangian bound and heuristics, "
       "province size) or auto (by instance size)"),
    N_("policy choice: every county of the region gets at least this many stores (0 = no "
       "floor)"),
    N_("policy choice: per-county minimum and maximum store counts ([county_stores] "
       "table, county code -> {min, max})"),
    N_("harvest calendar: %(n)s assumed items (shares of produce by season and crop; even "
       "spread over a season's days); see meta.seasons"),
    N_("harvest calendar: months from PARAMETERS.md §5 rows; every share of a region's "
       "produce over seasons is an assumption (no output by crop and prefecture was "
       "found, §6)"),
    N_("docs §3.2: 100/300/500/1,000 t; build cost 2,000/1,500/1,500/1,300 yuan/t "
       "(derived from vendor quotes); subsidy 1,050 yuan/t capped at 370,000 yuan (Gansu "
       "2018 opinion)"),
    N_("docs §4: cool below 5 °C within 4 h (USDA HB-66, isofruit)"),
    N_("docs §4: no hour limit found; borrowed from cherry"),
    N_("docs §4: Table 20.1, rotundifolia row"),
    N_("docs §4: leafy vegetables, start cooling within 1-2 h"),
    N_("docs §4: no hour limit found"),
    N_("docs §4: fresh pepper limit not found"),
    N_("docs §4: hulling after 4-7 days; hour limit not found"),
    N_("docs §4: fresh herb limit not found"),
    N_("docs §4: Lanzhou lily limit not found"),
    N_("docs §4: chilling within 1 h of bleed-out (USDA)"),
)

#: Market runs and costs (issue 17, optimize.pipeline.season_markets / optimize.costs /
#: optimize.markets): assumptions, the split rule, the stage, the new parameters' sources.
MARKET_TEXTS: tuple[str, ...] = (
    N_("legs without a road route in the plan: great circle x %(f)s (detour factor, "
       "assumption) at %(v)s km/h (assumption); long-haul legs at %(w)s km/h (expressway "
       "class default, assumption)"),
    N_("loading at a store: %(v)s min per stop (assumption)"),
    N_("unloading at a market: %(v)s min (assumption)"),
    N_("a stop of at least the break length (loading, unloading, waiting) counts as the "
       "driver's rest (assumption)"),
    N_("a truck starts its market run rested (assumption)"),
    N_("shelf life of sichuan_pepper: %(v)s days (PARAMETERS.md §4: fresh pepper storage "
       "life not found; %(w)s days assumed)"),
    N_("shelf life of walnut: %(v)s days (PARAMETERS.md §4: green walnuts are hulled after "
       "4-7 days of piling; %(w)s days assumed for fresh nuts)"),
    N_("shelf life of herbs: %(v)s days (PARAMETERS.md §4: fresh herb storage life not "
       "found; %(w)s days assumed)"),
    N_("shelf life of lily: %(v)s days (PARAMETERS.md §4: Lanzhou lily keeps 'to next "
       "spring' at 0 °C; %(w)s days assumed)"),
    N_("co2_kg_per_l = %(v)s kg CO2/L: IPCC 2006 Guidelines vol. 2 ch. 3 table 3.2.1: diesel"
       " 74,100 kg CO2/TJ x NCV 43.0 TJ/Gg (vol. 2 ch. 1 table 1.2) x density 0.84 kg/L; the"
       " density is a typical value, not sourced"),
    N_("diesel_yuan_per_l = %(v)s yuan/L: no source in PARAMETERS.md: about the 2020 retail "
       "price of 0# diesel (assumption)"),
    N_("driver_yuan_per_h = %(v)s yuan/h: no source: about 5,000 yuan a month over 200 "
       "working hours (assumption)"),
    N_("collection first: trucks collect within the freshness limits, then use the time left"
       " in their shift for market runs (nearest stock first, nearest open market that takes"
       " the crop); trucks without a collection trip are first lent to full-truckload "
       "long-haul legs to the partner cities (a leg of D days moves one load per D days); "
       "what no truck carries is left for buyers' own trucks at the store"),
    N_("market runs not planned: no truck takes stored produce to a market in this plan; all"
       " of it is left for buyers' own trucks"),
    N_("user markets table (CSV/XLSX: name, point or lon/lat, crops, daily_intake_t, "
       "opening_hours; optimize.markets.user_table), relative to the scenario file; empty = "
       "the default markets of PARAMETERS.md §7 for the region"),
    N_("plan market runs with the truck time left after collection (true) or leave all "
       "stored produce for buyers' own trucks (false)"),
    N_("market runs"),
    N_("shift_start_s = %(v)s s after midnight: the clock time the trucks' shift starts "
       "(docs §2 gives the working day's length, not its start: no source found)"),
    N_("the clock time the trucks' shift starts (docs §2 gives the working day's length, not"
       " its start: no source found)"),
    N_("farmers bring produce to the store themselves when the road trip by farm vehicle "
       "takes at most this long (no source found: an assumption)"),
    N_("average road speed of a farm tricycle or tractor with a load (no source found: an "
       "assumption)"),
)

#: The separators of a text made of parts ("a; b", "a, b").
SEPARATORS: tuple[str, ...] = (
    # TRANSLATORS: separates the parts of a text (keep the trailing space if any).
    N_("; "),
    # TRANSLATORS: separates the items of a list (keep the trailing space if any).
    N_(", "),
)

#: Every message, in the order they are tried (the first whose pattern matches wins).
CATALOGUE: tuple[str, ...] = (*REASONS, *STATUSES, *JOB_TEXTS, *FAILURES, *NOTES,
                               *ASSUMPTIONS, *PARAMETER_SOURCES, *MARKET_TEXTS)


def pattern(msgid: str) -> tuple[re.Pattern[str], frozenset[str]]:
    """The anchored regex that finds ``msgid``'s filled-in English, and its parameters to
    translate again.

    >>> pattern("routing store %(n)s of %(total)s")[0].fullmatch("routing store 3 of 1,004")[2]
    '1,004'
    """
    out, pos, nested = [], 0, set()
    for token in _TOKEN.finditer(msgid):
        out.append(re.escape(msgid[pos:token.start()]))
        name = token.group(1)
        if token.group(0) == "[s]":
            out.append("s?")
        elif token.group(0) == "%%":
            out.append("%")
        elif name in WORD_PARAMS:
            out.append(f"(?P<{name}>[^\\s;]+)")
        elif name in NESTED_PARAMS:
            out.append(f"(?P<{name}>.+?)")
            nested.add(name)
        elif name in TEXT_PARAMS:  # never across a "; " between reasons
            out.append(f"(?P<{name}>(?:(?!; ).)+?)")
        else:
            out.append(f"(?P<{name}>{_NUMBER})")
        pos = token.end()
    out.append(re.escape(msgid[pos:]))
    return re.compile("".join(out), re.DOTALL), frozenset(nested)


_COMPILED = [(*pattern(msgid), msgid) for msgid in CATALOGUE]


def _lookup(text: str, translations: NullTranslations, lang: str) -> str | None:
    """The translation of one whole text, or None if no message matches it."""
    for regex, nested, msgid in _COMPILED:
        match = regex.fullmatch(text)
        if match is None:
            continue
        values = {k: (_translate(v, lang) or v) if k in nested else v
                  for k, v in match.groupdict().items()}
        found = translations.gettext(msgid)
        return found % values if values else found
    return None


@lru_cache(maxsize=8192)
def _translate(text: str, lang: str) -> str | None:
    """``text`` in ``lang``, part by part if need be; None unless all of it is known."""
    text = text.strip()
    translations = load(lang)
    whole = _lookup(text, translations, lang)
    if whole is not None:
        return whole
    for sep in ("; ", ", "):
        if sep in text:
            parts = [_translate(p, lang) for p in text.split(sep)]
            if all(p is not None for p in parts):
                joiner = translations.gettext(sep)  # zh: "；" and "，"
                return joiner.join(p for p in parts if p is not None)
    return None


def translate_message(text: object, lang: str = "zh") -> object:
    """``text`` in ``lang``: the catalogue's translation, or the original if unknown.

    English is the catalogue's source language, so ``lang='en'`` (or any language
    without a catalogue) returns ``text`` itself. Anything not a non-empty string (None,
    numbers) comes back as it is, so the function is safe on any value a template prints.
    """
    if not isinstance(text, str) or not text.strip() or not has_catalogue(lang):
        return text
    return _translate(text, lang) or text


# -- issue 17's texts kept in app.catalogue_target (the collection target, market legs)
CATALOGUE = (*CATALOGUE, *TARGET_TEXTS, *MARKET_ROAD_TEXTS)
_COMPILED += [(*pattern(m), m) for m in (*TARGET_TEXTS, *MARKET_ROAD_TEXTS)]
