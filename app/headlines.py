"""What a plan really does, from ``plan.json`` alone: the one source of every summary.

A plan's KPI ``coverage_pct`` counts the villages that have a store *within reach* (the
siting stage). Whether a truck then comes is a second question that routing answers:
a village is collected if it is a stop of some trip in ``routes``; it is left if
``unserved`` lists it (stage ``siting``: no store within reach; stage ``routing``: a store
within reach but no truck). The plan list, KPI cards, report, compare page and exports all
read :func:`plan_headlines`, so no page can show a 100 % that a section lower contradicts.

Figures the plan does not carry are ``None`` and shown as "not in this plan", never
guessed: e.g. a plan whose routes list no stops cannot say which villages a truck visits,
and produce delivered to a store by the farmers themselves is not modelled at all.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from collections.abc import Mapping
from typing import Any

from app.catalogue import N_, message_in, translate_message
from optimize.plan.model import PlanMeta

#: Per-village states (the ``state`` property of the settlements layer in maps and exports).
TRUCK = "store_within_reach+truck"
NO_TRUCK = "store_within_reach_no_truck"
NOTHING_TO_COLLECT = "store_within_reach_nothing_to_collect"
TRUCK_UNKNOWN = "store_within_reach_truck_unknown"
NO_STORE = "no_store_within_reach"
STATES = (TRUCK, NO_TRUCK, NOTHING_TO_COLLECT, TRUCK_UNKNOWN, NO_STORE)
SITING, ROUTING = "siting", "routing"

_DETAIL = re.compile(r"\s*(\([^)]*\)|:.*)")


def reason_kind(reason: str) -> str:
    """A reason without its per-village detail (numbers after ``:``, fleet in brackets),
    so that "needs 122 min" and "needs 125 min" count as one reason."""
    return _DETAIL.sub("", str(reason)).strip(" ;") or str(reason)


@dataclasses.dataclass(frozen=True)
class ReasonCount:
    """How many villages one stage left out for one kind of reason."""

    stage: str
    reason: str
    count: int


@dataclasses.dataclass(frozen=True)
class Headlines:
    """What the plan does for its villages and their produce (``None`` = not in the plan).

    Counts are villages; ``*_t_day`` are tonnes a day at the routed harvest peak;
    ``unreached_supply_t`` is the yearly supply of villages without a store within reach.
    """

    settlements: int | None
    within_reach: int | None
    with_truck: int | None
    nothing_to_collect: int | None
    left: int
    left_siting: int
    left_routing: int
    reasons: tuple[ReasonCount, ...]
    daily_needed_t: float | None
    daily_collected_t: float
    unreached_supply_t: float | None

    @property
    def with_truck_pct(self) -> float | None:
        """Villages a truck visits, in % of all villages."""
        return pct(self.with_truck, self.settlements)

    @property
    def within_reach_pct(self) -> float | None:
        """Villages with a store within reach, in % of all villages."""
        return pct(self.within_reach, self.settlements)

    @property
    def left_pct(self) -> float | None:
        """Villages left without a truck (either stage), in % of all villages."""
        return pct(self.left, self.settlements)

    @property
    def collected_pct(self) -> float | None:
        """Daily pickup collected by the trucks, in % of the daily pickup to collect."""
        return pct(self.daily_collected_t, self.daily_needed_t)

    @property
    def daily_left_t(self) -> float | None:
        """Daily pickup of villages within reach that no truck collects (t/day)."""
        if self.daily_needed_t is None:
            return None
        return max(self.daily_needed_t - self.daily_collected_t, 0.0)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready figures, percentages included (for exports and the API)."""
        out = dataclasses.asdict(self)
        out["reasons"] = [dataclasses.asdict(r) for r in self.reasons]
        for name in ("within_reach_pct", "with_truck_pct", "left_pct", "collected_pct",
                     "daily_left_t"):
            value = getattr(self, name)
            out[name] = None if value is None else round(value, 3)
        return out


def pct(part: float | None, whole: float | None) -> float | None:
    """``100 * part / whole``, or ``None`` if either is missing or ``whole`` is zero."""
    if part is None or not whole:
        return None
    return 100.0 * part / whole


def plan_headlines(plan: PlanMeta) -> Headlines:
    """The headline figures of ``plan`` (see the module docstring for their meaning)."""
    k = plan.kpis
    stages = Counter(u.stage for u in plan.unserved)
    left_siting, left_routing = stages[SITING], stages[ROUTING]
    settlements = k.settlements
    within = None if settlements is None else settlements - left_siting
    truck_ids = {s.settlement_id for r in plan.routes for s in r.stops}
    with_truck = len(truck_ids) if truck_ids or not plan.routes else None
    nothing = None
    if within is not None and with_truck is not None:
        nothing = max(within - with_truck - left_routing, 0)
    unreached = None
    if k.supply_t is not None and k.supply_covered_t is not None:
        unreached = max(k.supply_t - k.supply_covered_t, 0.0)
    return Headlines(
        settlements=settlements, within_reach=within, with_truck=with_truck,
        nothing_to_collect=nothing, left=left_siting + left_routing,
        left_siting=left_siting, left_routing=left_routing,
        reasons=reason_counts(plan), daily_needed_t=k.daily_pickup_t,
        daily_collected_t=round(sum(r.load_t for r in plan.routes), 3),
        unreached_supply_t=unreached)


def reason_counts(plan: PlanMeta) -> tuple[ReasonCount, ...]:
    """(stage, reason kind, villages) of the unserved list, most frequent first."""
    counts = Counter((str(u.stage), reason_kind(u.reason)) for u in plan.unserved)
    return tuple(ReasonCount(stage, reason, n) for (stage, reason), n in counts.most_common())


# ---- each village's state --------------------------------------------------------------


def village_states(plan: PlanMeta) -> dict[str, tuple[str, str | None]]:
    """``settlement_id -> (state, reason)`` for every village the plan names (stops and
    unserved); villages in neither are within reach with nothing to collect, or of
    unknown truck service when the routes list no stops (see :func:`settlement_state`)."""
    out: dict[str, tuple[str, str | None]] = {}
    for route in plan.routes:
        for stop in route.stops:
            out[str(stop.settlement_id)] = (TRUCK, None)
    for u in plan.unserved:
        state = NO_STORE if u.stage == SITING else NO_TRUCK
        out[str(u.settlement_id)] = (state, str(u.reason))
    return out


def settlement_state(props: Mapping[str, Any], known: Mapping[str, tuple[str, str | None]],
                     stops_listed: bool) -> tuple[str, str | None]:
    """The state and reason of one settlements-layer feature."""
    hit = known.get(str(props.get("settlement_id")))
    if hit is not None:
        return hit[0], hit[1] or props.get("unserved_reason")
    if props.get("store_id") is None:
        return NO_STORE, props.get("unserved_reason")
    return (NOTHING_TO_COLLECT if stops_listed else TRUCK_UNKNOWN), None


def settlements_with_state(plan: PlanMeta, layer: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of the settlements layer whose features carry ``state`` and the
    ``unserved_reason`` of ``plan.unserved`` (routing reasons too); the input is shared
    with the plan cache and is not changed."""
    known = village_states(plan)
    stops_listed = any(r.stops for r in plan.routes) or not plan.routes
    features = []
    for feature in layer.get("features", []):
        props = dict(feature.get("properties") or {})
        props["state"], props["unserved_reason"] = settlement_state(props, known,
                                                                    stops_listed)
        features.append(dict(feature, properties=props))
    return dict(layer, features=features)


def layers_with_state(plan: PlanMeta,
                      layers: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """All layers, the settlements one with each village's state (see above)."""
    out = dict(layers)
    out["settlements"] = settlements_with_state(plan, layers["settlements"])
    return out


def county_truck_counts(plan: PlanMeta) -> dict[str, dict[str, int]]:
    """Per county code (first 6 digits of a village code): villages a truck visits and
    villages left at routing."""
    out: dict[str, dict[str, int]] = {}
    for route in plan.routes:
        for stop in route.stops:
            row = out.setdefault(str(stop.settlement_id)[:6], {"truck": 0, "no_truck": 0})
            row["truck"] += 1
    for u in plan.unserved:
        if u.stage == ROUTING:
            row = out.setdefault(str(u.county_code), {"truck": 0, "no_truck": 0})
            row["no_truck"] += 1
    return out


# ---- words: one sentence, cards and table rows ------------------------------------------

DASH = "–"
#: A figure the plan does not give (English msgid, Chinese in the zh catalogue).
NOT_IN_PLAN = N_("not in this plan")
#: The stage words of the reasons (the catalogue's "siting" / "routing").
STAGE_WORDS = {SITING: N_("siting"), ROUTING: N_("routing")}


def fmt(value: float | None, digits: int = 0) -> str:
    """Thousands separators and ``digits`` decimals; an en dash for a missing figure."""
    if value is None or isinstance(value, bool):
        return DASH
    return f"{value:,.{digits}f}"


def fmt_pct(value: float | None) -> str:
    """A percentage with one decimal (``"59.0 %"``), an en dash if missing."""
    return DASH if value is None else f"{value:,.1f} %"


def stage_word(stage: str, lang: str) -> str:
    """``siting`` / ``routing`` in ``lang`` (another stage as it is)."""
    word = STAGE_WORDS.get(stage)
    return stage if word is None else message_in(lang, word)


def reasons_text(h: Headlines, lang: str) -> str:
    """``stage: reason ×n; ...`` for the sentence (all reason kinds, most frequent first)."""
    return message_in(lang, "; ").join(
        message_in(lang, N_("%(stage)s: %(reason)s ×%(n)s"), stage=stage_word(r.stage, lang),
                   reason=translate_message(r.reason, lang), n=fmt(r.count))
        for r in h.reasons)


def headline_sentence(h: Headlines, lang: str = "zh") -> str:
    """The plan in one sentence in ``lang``, every figure from :func:`plan_headlines`."""
    gap = message_in(lang, NOT_IN_PLAN)
    truck = gap if h.with_truck is None else fmt(h.with_truck)
    needed = gap if h.daily_needed_t is None else f"{fmt(h.daily_needed_t, 1)}"
    parts = [
        message_in(lang, N_("%(reach)s of %(total)s villages have a store within reach"),
                   reach=fmt(h.within_reach), total=fmt(h.settlements)),
        message_in(lang, N_("%(truck)s get a truck (%(pct)s)"), truck=truck,
                   pct=fmt_pct(h.with_truck_pct)),
        message_in(lang, N_("%(collected)s of %(needed)s t/day of pickup collected "
                            "(%(pct)s)"), collected=fmt(h.daily_collected_t, 1),
                   needed=needed, pct=fmt_pct(h.collected_pct)),
        message_in(lang, N_("%(left)s villages left without a truck (%(pct)s)"),
                   left=fmt(h.left), pct=fmt_pct(h.left_pct))]
    joined = message_in(lang, "; ").join(parts)
    if not h.reasons:
        return message_in(lang, N_("%(parts)s."), parts=joined)
    return message_in(lang, N_("%(parts)s. Reasons: %(reasons)s."), parts=joined,
                      reasons=reasons_text(h, lang))


def headline_cards(h: Headlines) -> list[dict[str, str]]:
    """The headline cards above the map: key, bilingual label, value, small print."""
    truck = NOT_IN_PLAN if h.with_truck is None else fmt(h.with_truck)
    return [
        {"key": "reach", "label": "有冷库可达 Store within reach",
         "value": f"{fmt(h.within_reach)} / {fmt(h.settlements)}",
         "note": fmt_pct(h.within_reach_pct)},
        {"key": "truck", "label": "有车收集 Villages with a truck",
         "value": f"{truck} / {fmt(h.settlements)}", "note": fmt_pct(h.with_truck_pct)},
        {"key": "collected", "label": "日收集 Daily pickup collected",
         "value": fmt_pct(h.collected_pct),
         "note": f"{fmt(h.daily_collected_t, 1)} / {fmt(h.daily_needed_t, 1)} t/day"},
        {"key": "left", "label": "无车村 Villages left", "value": fmt(h.left),
         "note": fmt_pct(h.left_pct)},
    ]


def headline_rows(h: Headlines) -> list[tuple[str, str]]:
    """(bilingual label, value with unit) rows that open the key-figure tables."""
    truck = NOT_IN_PLAN if h.with_truck is None else fmt(h.with_truck)
    return [
        ("有冷库可达村 Villages with a store within reach (siting)",
         f"{fmt(h.within_reach)} / {fmt(h.settlements)} ({fmt_pct(h.within_reach_pct)})"),
        ("有车收集村 Villages a truck visits",
         f"{truck} / {fmt(h.settlements)} ({fmt_pct(h.with_truck_pct)})"),
        ("日收集 Daily pickup collected / to collect",
         f"{fmt(h.daily_collected_t, 1)} / {fmt(h.daily_needed_t, 1)} t/day "
         f"({fmt_pct(h.collected_pct)})"),
        ("日未收 Daily pickup left (store within reach, no truck)",
         f"{fmt(h.daily_left_t, 1)} t/day"),
        ("无车村 Villages left without a truck",
         f"{fmt(h.left)} ({fmt_pct(h.left_pct)}): 选址 siting {fmt(h.left_siting)}, "
         f"路径 routing {fmt(h.left_routing)}"),
        ("无需收集村 Villages within reach with nothing to collect",
         NOT_IN_PLAN if h.nothing_to_collect is None else fmt(h.nothing_to_collect)),
        ("无冷库可达供应 Yearly supply without a store within reach",
         f"{fmt(h.unreached_supply_t, 1)} t"),
        ("自送 Produce farmers deliver themselves", "方案未建模 not modelled in this plan"),
    ]
