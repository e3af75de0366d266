"""Where the trucks are based and how they move between seasons.

- :mod:`optimize.fleet.shared`: one day of a shared fleet: every store's trips packed into
  truck-days (bases decided by the packing, trips chained across stores and borders);
- :mod:`optimize.fleet.bound`: the proven bound on what any plan collects with a fleet;
- :mod:`optimize.fleet.allocation`: tonnage need and the D'Hondt rule;
- :mod:`optimize.fleet.distances`: distances between region seats (approximate);
- :mod:`optimize.fleet.seasons`: the province's fleet per season and region, and the
  least truck-km moves between seasons (OR-Tools min-cost flow).
"""
