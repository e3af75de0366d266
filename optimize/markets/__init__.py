"""Markets and the market runs of the shared fleet (issue 17, items 4 and 5).

- :mod:`optimize.markets.table`: the :class:`~optimize.markets.table.Market` record, the
  default markets of PARAMETERS.md §7 and the reader of a user's markets table;
- :mod:`optimize.markets.shelf`: cold-chain shelf life per crop (PARAMETERS.md §4);
- :mod:`optimize.markets.clock`: the drivers' rules (4 h continuous driving, then 20 min);
- :mod:`optimize.markets.travel`: travel tables and the straight-line estimate for pairs
  without a road route;
- :mod:`optimize.markets.runs`: one season's day of market runs after collection;
- :mod:`optimize.markets.long_haul`: multi-day full-truckload legs to partner cities.
"""
