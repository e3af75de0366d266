"""Markets a refrigerated truck delivers to: the record, the defaults, a user's table.

1. :class:`Market`: one market or outlet (the ``markets`` entries of plan.json).
2. :func:`default_markets`: the hubs and markets of PARAMETERS.md §7, each at the township
   or county seat its source names (points of :mod:`geodata.places`, read from the
   reference data), one wholesale market per county seat, and the partner-city outlets
   (Tianjin, Xiamen, Qingdao, Fuzhou) at their city centres as long-haul destinations.
   Every point is flagged ``approximate_location``: the sources name places, not
   coordinates. Intakes and opening hours without a source are listed in ``assumptions``.
3. :func:`read_markets_table`: a user's CSV/XLSX table that replaces the defaults.

County-seat markets (a choice, documented): §7 names no market per county, but produce is
traded at every county seat; so every county-level unit (88, incl. 兰州新区 and the city
districts) gets one generic wholesale market at its seat (:func:`geodata.places.
county_seats`) taking every crop, with an assumed intake. ``region_code`` keeps those of
one prefecture or county; the named hubs and the partner outlets are always kept (they are
the province's destinations, reached by the straight-line estimate when outside the plan's
network).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from geodata.places import county_seats, load_townships, region_prefix
from optimize.crops import CROPS

#: Seconds in an hour / a day.
HOUR_S = 3600
DAY_S = 86_400
MarketKind = Literal["wholesale", "long_haul"]
KINDS: tuple[str, ...] = ("wholesale", "long_haul")

#: Opening hours assumed where no source gives them (06:00-22:00).
DEFAULT_OPEN_S = 6 * HOUR_S
DEFAULT_CLOSE_S = 22 * HOUR_S
HOURS_ASSUMPTION = ("opening hours 06:00-22:00: assumption (no published hours found; "
                    "wholesale produce markets trade from early morning into the evening)")
APPROX_POINT = "approximate location: the source names the place, not the market's address"
COUNTY_INTAKE_T = 100.0
PARTNER_INTAKE_T = 100.0
FRUIT_VEG = ("vegetables", "apple", "cherry", "peach", "grape", "potato", "lily")


@dataclass(frozen=True)
class Market:
    """A market or outlet that takes produce from the stores.

    Attributes
    ----------
    market_id
        Unique id (``"M:..."`` named hubs, ``"C:<county code>"`` county-seat markets,
        ``"P:<city>"`` partner outlets, or the user's ids).
    name
        Name as the source gives it.
    lon, lat
        Point in WGS84 degrees.
    crops
        Crops taken (keys of :data:`optimize.crops.CROPS`).
    daily_intake_t
        Tonnes a day the market takes from the plan's stores at most.
    open_s, close_s
        Opening hours, seconds from midnight; ``close_s`` may pass 86,400 (overnight).
        A truck must arrive within them (it waits if early).
    kind
        ``"wholesale"`` (day runs) or ``"long_haul"`` (multi-day full-truckload legs).
    source
        Where the market (and its intake, if sourced) comes from.
    approximate_location
        True when the point stands for a township, county seat or city centre.
    assumptions
        What is assumed (intake, hours, crops, point), in plain words.
    serves_regions
        Region code prefixes of the stores that may ship to it (empty = every store):
        partner outlets serve their paired prefectures (PARAMETERS.md §7).
    """

    market_id: str
    name: str
    lon: float
    lat: float
    crops: tuple[str, ...]
    daily_intake_t: float
    open_s: int = DEFAULT_OPEN_S
    close_s: int = DEFAULT_CLOSE_S
    kind: MarketKind = "wholesale"
    source: str = ""
    approximate_location: bool = True
    assumptions: tuple[str, ...] = ()
    serves_regions: tuple[str, ...] = field(default=())

    def takes(self, crop: str) -> bool:
        """Whether the market takes ``crop``."""
        return crop in self.crops

    def serves(self, region_code: str) -> bool:
        """Whether a store of ``region_code`` may ship here."""
        return not self.serves_regions or any(region_code.startswith(p)
                                              for p in self.serves_regions)

    def to_mapping(self) -> dict[str, Any]:
        """The plan.json ``markets`` entry (spec17), plus ``serves_regions``."""
        return {"market_id": self.market_id, "name": self.name, "lon": self.lon,
                "lat": self.lat, "crops": list(self.crops),
                "daily_intake_t": self.daily_intake_t, "open_s": self.open_s,
                "close_s": self.close_s, "kind": self.kind, "source": self.source,
                "approximate_location": self.approximate_location,
                "assumptions": list(self.assumptions),
                "serves_regions": list(self.serves_regions)}


@dataclass(frozen=True)
class _Named:
    market_id: str
    name: str
    place: str            # 9-digit township code or 6-digit county code (its seat)
    crops: tuple[str, ...]
    daily_intake_t: float
    source: str
    intake_note: str


_GSRB_2020 = "甘肃日报 2020-02-05 http://gansu.gscn.com.cn/system/2020/02/05/012313527.shtml"
_PLAN_2018 = ("甘肃省特色农产品冷链物流体系建设实施方案 2018, repost "
              "http://y.tt/209518900070hk.htm")
_TSRB_2025 = "天水日报 2025 (PARAMETERS.md §7 row 江楠/烟铺/伯阳镇)"
_ASSUMED = "daily intake {t:g} t: assumption (no figure found)"

NAMED_MARKETS: tuple[_Named, ...] = (
    _Named("M:lanzhou_plateau_veg", "兰州国际高原夏菜副食品采购中心", "620123107", FRUIT_VEG,
           5480.0, _GSRB_2020 + "; site 榆中县定远镇: 甘肃经济日报 2019-04-01, "
           "https://www.xinxilanzhou.com/2019/0401/10430.shtml",
           "daily intake 5,480 t: derived, ~2 Mt/yr / 365 d (chaxiaohao.com, weak source, "
           "PARAMETERS.md §7)"),
    _Named("M:yihe", "毅和农产品市场 (榆中县)", "620123", FRUIT_VEG, 1000.0,
           _GSRB_2020 + " (names 榆中县 only: placed at the county seat)",
           _ASSUMED.format(t=1000)),
    _Named("M:dingxi_potato", "国家级定西马铃薯批发市场 (安定区)", "621102", ("potato",),
           2000.0, "http://www.lab-designltd.com/zx/show-2178.html (PARAMETERS.md §7)",
           _ASSUMED.format(t=2000)),
    _Named("M:tianshui_jiangnan", "江楠果蔬批发市场 (秦州区)", "620502",
           ("apple", "cherry", "peach", "grape", "vegetables"), 500.0, _TSRB_2025,
           _ASSUMED.format(t=500)),
    _Named("M:tianshui_yanpu", "烟铺樱桃市场 (秦州区)", "620502", ("cherry",), 300.0,
           _TSRB_2025, _ASSUMED.format(t=300)),
    _Named("M:maiji_boyang", "伯阳镇果品市场 (麦积区)", "620503109", ("apple", "cherry"),
           500.0, _TSRB_2025, _ASSUMED.format(t=500)),
    _Named("M:minxian_herbs", "当归城中药材鲜货交易市场 (岷县)", "621126", ("herbs",), 1000.0,
           "光明日报 2023-10-17 https://gansuci.cn/2023/1017/383058.shtml",
           _ASSUMED.format(t=1000)),
    _Named("M:longnan", "陇南特色农产品交易市场", "621202",
           ("walnut", "sichuan_pepper", "herbs", "vegetables"), 500.0,
           _PLAN_2018 + " (names 陇南 only: placed at 武都区, the prefecture seat)",
           _ASSUMED.format(t=500) + "; crops assumed (特色农产品 of Longnan, §6)"),
    _Named("M:zhangye", "张掖玉米种子暨农产品交易中心", "620702", ("vegetables", "potato"),
           500.0, _PLAN_2018 + " (placed at 甘州区, the prefecture seat)",
           _ASSUMED.format(t=500) + "; crops assumed"),
    _Named("M:linxia_chama", "临夏优质特色产品展销中心 (茶马古市)", "622901",
           ("vegetables", "sichuan_pepper", "beef_mutton"), 300.0,
           "http://8037eee.com/news/xmnews/gqbd/2019-07-23/2285461_3.html (repost, "
           "PARAMETERS.md §7: ships to Xiamen)", _ASSUMED.format(t=300) + "; crops assumed"),
)


@dataclass(frozen=True)
class _Partner:
    market_id: str
    name: str
    lon: float
    lat: float
    crops: tuple[str, ...]
    serves: tuple[str, ...]
    source: str


_CENTRE = ("city centre coordinates: general knowledge, not from a source (the outlets' "
           "addresses were not found, PARAMETERS.md §7)")
PARTNERS: tuple[_Partner, ...] = (
    _Partner("P:tianjin", "天津 甘肃农产品专区 (甘货进津; 环渤海农产品交易市场)", 117.20, 39.13,
             ("apple", "potato", "vegetables"), ("62",),
             "https://wanbiaoku.com/new/0b6c6c7ee4ce41558e1b7006a3af7c67; "
             "http://cnlxw.com.cn/News/8/59182.html (PARAMETERS.md §7)"),
    _Partner("P:xiamen", "厦门 临夏特色产品销售 (厦门-临夏 协作)", 118.09, 24.48,
             ("vegetables", "sichuan_pepper", "beef_mutton"), ("6229",),
             "http://8037eee.com/news/xmnews/gqbd/2019-07-23/2285461_3.html (repost)"),
    _Partner("P:qingdao", "青岛 陇货入青 (陇南-青岛)", 120.38, 36.07,
             ("walnut", "sichuan_pepper", "herbs", "vegetables", "apple"), ("6212",),
             "中国甘肃网 2019-12-18 http://gansu.gscn.com.cn/system/2019/12/18/012289209.shtml"),
    _Partner("P:fuzhou", "福州 甘肃特产汇·定西大卖场 (仓山区)", 119.30, 26.08,
             ("potato", "herbs", "vegetables"), ("6211",),
             "福州日报 2020-10-28 https://duobangwang.com/html/11/20201028/5f98c4b3ae361.shtml"),
)


def default_markets(root: str | Path | None = None,
                    region_code: str | None = None) -> list[Market]:
    """The default markets (module docstring), in a fixed order: named, county, partner.

    Parameters
    ----------
    root
        Reference-data directory (``None``: :func:`geodata.datasets.data_dir`).
    region_code
        Keep only the county-seat markets of this prefecture/county code prefix
        (``None``: all 88).
    """
    towns = load_townships(root).set_index("township_code")
    seats = county_seats(root).set_index("county_code")
    out = [_named_market(m, towns, seats) for m in NAMED_MARKETS]
    prefix = region_prefix(region_code)
    for code, seat in seats.iterrows():
        if not str(code).startswith(prefix):
            continue
        out.append(Market(
            f"C:{code}", f"{seat['county_name']} 县城批发市场", round(seat.geometry.x, 6),
            round(seat.geometry.y, 6), tuple(CROPS), COUNTY_INTAKE_T,
            source=f"county seat of {seat['county_name']} (geodata.places.county_seats: "
                   f"{seat['township_name'] or 'polygon point'}, {seat['point_source']}); "
                   "no market named by a source",
            assumptions=(f"a wholesale market at every county seat taking every crop "
                         f"(assumption); daily intake {COUNTY_INTAKE_T:g} t (assumption)",
                         HOURS_ASSUMPTION, APPROX_POINT)))
    out += [_partner_market(p) for p in PARTNERS]
    return out


def _named_market(spec: _Named, towns: Any, seats: Any) -> Market:
    if len(spec.place) == 9:
        row = towns.loc[spec.place]
        where = f"{row['county_name']}{row['township_name']} ({row['point_source']})"
    else:
        row = seats.loc[spec.place]
        where = (f"{row['county_name']} county seat {row['township_name'] or ''} "
                 f"({row['point_source']})")
    assumptions = [HOURS_ASSUMPTION, f"{APPROX_POINT}; point: {where}"]
    assumptions.insert(0, spec.intake_note)
    return Market(spec.market_id, spec.name, round(row.geometry.x, 6),
                  round(row.geometry.y, 6), spec.crops, spec.daily_intake_t,
                  source=spec.source, assumptions=tuple(assumptions))


def _partner_market(spec: _Partner) -> Market:
    return Market(spec.market_id, spec.name, spec.lon, spec.lat, spec.crops, PARTNER_INTAKE_T,
                  kind="long_haul", source=spec.source, serves_regions=spec.serves,
                  assumptions=(f"daily intake {PARTNER_INTAKE_T:g} t (assumption)",
                               "receiving hours 06:00-22:00 (assumption)",
                               "crops: the paired prefecture's crops (assumption)", _CENTRE))


def markets_geojson(markets: Sequence[Market]) -> dict[str, Any]:
    """``layers/markets.geojson``: one Point per market, its ``to_mapping()`` as properties."""
    return {"type": "FeatureCollection",
            "features": [{"type": "Feature",
                          "geometry": {"type": "Point", "coordinates": [m.lon, m.lat]},
                          "properties": m.to_mapping()} for m in markets]}


def check_unique_ids(markets: Sequence[Market]) -> None:
    """Raise ``ValueError`` naming a market id used twice."""
    seen: set[str] = set()
    for m in markets:
        if m.market_id in seen:
            raise ValueError(f"market id {m.market_id!r} used twice")
        seen.add(m.market_id)
