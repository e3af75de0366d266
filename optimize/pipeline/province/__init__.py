"""The whole province in one plan: apportion, site as one problem, route by prefecture.

:func:`optimize.pipeline.province.plan.plan_province` plans all of Gansu
(``region_code = "62"``):

1. **Apportioning** (``tasks``, ``seasons``). Each prefecture's share of the province's
   stores, trucks and budget by the rule every regional plan uses
   (:func:`optimize.pipeline.region.regional_share`: 2020 census rural population, largest
   remainder); the harvest calendar sets each prefecture's trucks, daily pickup and crop
   of the routed season.
2. **One siting problem** (``network``, ``siting``). Every rural village of the chosen
   prefectures and their candidate sites on one network across prefecture borders, the
   province's stores and store budget, the store quota policy ``store_quota`` (``"none"``:
   the optimiser places the stores; ``"prefecture"``: the shares as bands), solved once
   by :func:`optimize.siting.solve.solve_location`: the plan's bound is a bound of the
   province problem itself.
3. **The decomposed comparison** (``compare``). The same instance cut at the prefecture
   borders with the shares fixed, as the old prefecture-by-prefecture path solved it,
   recomputed in the province objective.
4. **Routing by prefecture on Dask** (``solve``). Each prefecture routes its open stores
   and every village they serve (also across its border); the routing search is seeded
   and budgeted in deterministic units, so the plan does not depend on the number of
   workers or the scheduling order.
5. **Merge** (``merge``): ids prefixed by prefecture, KPIs over the whole, the siting
   report with its objective recomputed from the settlements layer.
"""
