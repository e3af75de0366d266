"""Cold-store siting: which candidate sites get a store, of which size, serving whom.

Arrays in, frozen dataclasses out; no geopandas. ``problem`` holds the data types (pure,
no solver); ``validate`` checks a problem; ``solve.solve_location`` dispatches to an engine
and carries the formulation. Engines: ``cpsat`` (with ``cpsat_model``, ``greedy`` and
``moves``) and ``lagrange`` (with ``lagrange_bound``, ``lagrange_plans`` and
``lagrange_lns``); both share ``prepared`` (integer model units) and ``result``.
"""
