"""Issue 17's texts for the catalogue: the collection target (:mod:`optimize.fleet.target`)
and the market legs by road (:mod:`optimize.markets.travel`).

The scenario's ``collection_target_pct`` (its source and its assumption line) and the
labels a plan stores in ``seasons.seasons[*].kpis.trucks_for_target_note``; their Chinese
is in ``app/translations/zh/LC_MESSAGES/messages.po``. :mod:`app.catalogue` adds them to
its messages.
"""

from __future__ import annotations


def N_(msgid: str) -> str:  # noqa: N802 (the gettext marker name pybabel extracts)
    """Mark ``msgid`` as a message for ``pybabel extract``; returns it unchanged."""
    return msgid


TARGET_TEXTS: tuple[str, ...] = (
    N_("policy choice: the share of the produce that needs a truck that the planners aim "
       "to collect in every season; below it, each season states how many trucks would "
       "reach it (issue 17's goal; no programme source found)"),
    N_("collection_target_pct = %(v)s %%: policy choice: the share of the produce that "
       "needs a truck that the planners aim to collect in every season; below it, each "
       "season states how many trucks would reach it (issue 17's goal; no programme "
       "source found)"),
    N_("with this plan's trips and packing; a better routing may need fewer"),
    N_("the plan's fleet reaches the target"),
    N_("an upper bound: searched with the packer's greedy pass alone (without its local "
       "improvement), with this plan's trips; a better packing or routing may need fewer"),
    N_("not reachable by adding trucks: with one truck per trip at most %(pct)s per cent "
       "of the produce that needs a truck is collected (the rest has no trip within its "
       "freshness limit and the shift)"),
)


#: How a wholesale market joins the plan's road network (optimize.markets.travel).
MARKET_ROAD_TEXTS: tuple[str, ...] = (
    N_("a wholesale market near the plan's road network joins it at the nearest node; its "
       "access leg is the great circle x %(f)s at %(v)s km/h (assumption, like a village's "
       "leg); each market run's legs say road or straight_line"),
)


# -- h17bound (issue 17 item 1: the proven fleet bound, optimize.fleet.bound) --
#: The bound's notes and basis (``seasons.seasons[*].kpis``) and what it adds to the
#: "fleet capacity reached" reason; appended to :data:`TARGET_TEXTS`.
BOUND_TEXTS: tuple[str, ...] = (
    N_("a proven lower bound: no plan with this siting, assignment and times reaches the "
       "target with fewer trucks"),
    N_("no fleet reaches the target: at most %(pct)s per cent of the produce that needs a "
       "truck can be collected within its freshness limit at all"),
    N_("proven bound: each collected pickup costs at least its loading, the cheapest drive "
       "to its village and its share of a trip's return and unloading; fractional knapsack "
       "over the fleet's truck-hours; this plan's siting, assignment and times"),
    N_("no plan with %(fleet)s trucks collects more than %(upper)s t/day (proven bound)"),
    N_("fleet capacity reached: all %(n)s trucks are in use (%(used)s of %(total)s "
       "truck-hours driven; %(left)s trip[s] left need %(more)s more truck-hours and none "
       "fits a truck's remaining shift); no plan with %(fleet)s trucks collects more than "
       "%(upper)s t/day (proven bound)"),
)
TARGET_TEXTS = (*TARGET_TEXTS, *BOUND_TEXTS)

# -- h17fix (issue 17: market legs off the network, estimated from measured medians) --
MARKET_ROAD_TEXTS = (
    *MARKET_ROAD_TEXTS,
    N_("market legs without a road route in the plan: great circle x %(f)s at %(v)s km/h, "
       "the medians of %(n)s road legs of the province plan's market runs (road metres / "
       "great circle, road speed) on its approximate network (assumption)"),
    N_("long-haul legs: great circle x %(f)s at %(w)s km/h (expressway class default, "
       "assumption)"),
)

# -- lead (issue 17: the season table per prefecture, optimize.pipeline.province_spread) --
SPREAD_TEXTS = (
    N_("per season the fleet is packed over every prefecture's trips for the most tonnes "
       "(trips in order of tonnes per truck-hour; a truck is based where its first trip "
       "starts), so where the fleet is short the prefectures with the fewest tonnes per stop "
       "lose most; each cell: the fewest trucks any plan needs there for the collection "
       "target (proven bound) / the trucks based there, and the share of its truck-needed "
       "produce collected; moves: min-cost transportation of surplus to deficit regions on "
       "shortest inter-region distances"),
)
TARGET_TEXTS = (*TARGET_TEXTS, *SPREAD_TEXTS)
