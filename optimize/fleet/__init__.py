"""Where the trucks are based and how they move between seasons.

- :mod:`optimize.fleet.allocation`: trucks per store in one region (need, then D'Hondt);
- :mod:`optimize.fleet.distances`: distances between region seats (approximate);
- :mod:`optimize.fleet.seasons`: the province's fleet per season and region, and the
  least truck-km moves between seasons (OR-Tools min-cost flow).
"""
