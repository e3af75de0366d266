"""The Gansu 2020 cold-chain programme and the modelling defaults shared across modules.

Each figure is declared here once; :class:`optimize.scenario.Scenario` uses them as its
defaults (with their sources in ``optimize.scenario.PARAMS``) and the province's fleet
across seasons (``optimize.fleet.seasons``) as its defaults. Pure constants; the road
network's detour factor belongs to the approximate network and is only re-exported here.
"""

from __future__ import annotations

from geodata.speeds import DEFAULT_DETOUR_FACTOR

#: Cold stores of >= 100 t the programme builds in the province.
PROVINCE_STORES = 893
#: Refrigerated trucks of the programme, one fleet for the province.
PROVINCE_TRUCKS = 720
#: Poverty-alleviation funds of the programme, yuan.
PROVINCE_BUDGET_YUAN = 500_000_000.0
#: Road / straight-line distance on the approximate network (an assumption), declared once
#: in :mod:`geodata.speeds`.
DETOUR_FACTOR = DEFAULT_DETOUR_FACTOR
#: Payload of a 4.2 m box reefer, t (docs §2; an upper bound, an assumption).
TRUCK_CAPACITY_T = 3.0
#: Most collection trips a truck makes in a shift (a model cap, an assumption).
TRIPS_PER_TRUCK = 4

#: Gansu's 14 prefecture-level regions (NBS 2023 codes; names as in the 2020 census file,
#: ``../shared/data/census``, see :func:`geodata.datasets.load_census`).
GANSU_PREFECTURES: dict[str, str] = {
    "6201": "兰州市", "6202": "嘉峪关市", "6203": "金昌市", "6204": "白银市",
    "6205": "天水市", "6206": "武威市", "6207": "张掖市", "6208": "平凉市",
    "6209": "酒泉市", "6210": "庆阳市", "6211": "定西市", "6212": "陇南市",
    "6229": "临夏回族自治州", "6230": "甘南藏族自治州",
}
