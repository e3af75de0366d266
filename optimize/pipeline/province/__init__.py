"""The whole province in one plan: apportion, solve the prefectures on Dask, merge, repair.

:func:`optimize.pipeline.province.plan.plan_province` plans all of Gansu
(``region_code = "62"``) as a decomposition of the one big problem into the 14
prefecture-level problems that the regional pipeline already solves, and keeps the plan
whole in three ways:

1. **Apportioning at the top** (``tasks``). The province's stores, trucks and budget are
   split over the 14 prefectures by the rule every regional plan already uses
   (:func:`optimize.pipeline.region.regional_share`: share of the 2020 census rural
   population, largest remainder; store budget = the same share of the province budget
   minus the subsidy of the region's trucks). The quotas are therefore the same as those
   of a stand-alone prefecture plan, and they sum to the province's figures. The harvest
   calendar then sets each prefecture's trucks, daily pickup and crop of the routed
   season (``seasons``).
2. **Regional solves in parallel** (``solve``). Each prefecture is one regional plan on a
   ``dask.distributed`` cluster. A region's CP-SAT siting budget is its share of the
   province's siting budget by rural village count; CP-SAT and the routing search are
   seeded and budgeted in deterministic units, so the plan does not depend on the number
   of workers, the scheduling order or the machine's load.
3. **Repair across regional borders** (``network``, ``repair``). After the merge
   (``merge``), villages unserved or much closer to an open store of a neighbouring
   prefecture move there if it has spare capacity within the access limit; the stores
   touched are routed again. No store is opened or resized.
"""
