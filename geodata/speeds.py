"""The one table of loaded light-reefer truck speeds (km/h) by OSM road class.

Every road graph in the service gets its ``speed_kph`` from :func:`truck_speed_kph`, so a
plan's travel times all follow this one documented table (its name,
:data:`SPEED_TABLE_NAME`, is recorded in ``graph.graph["speed_profile"]``).

Rule
----
A truck's speed on a road segment is the smallest of:

1. the **class default** (:data:`CLASS_SPEED_KPH`): openrouteservice's heavy-vehicle
   defaults, which ORS calls "rather conservative" and applies where no ``maxspeed`` is
   tagged, capped by the Chinese legal limits (PARAMETERS.md section 1.4). Only ``trunk``
   differs from ORS: 80 -> 70 km/h, the legal limit on a 公路 with one motor lane per
   direction (道路交通安全法实施条例 Art. 45), because most 国道 outside expressways are
   two-lane roads. For ``highway=track`` the ``tracktype`` grade replaces the class
   default (:data:`TRACKTYPE_SPEED_KPH`);
2. the tagged **maxspeed** (and ``maxspeed:hgv``) when it parses as a number
   (:func:`parse_maxspeed_kph`): a sign binds a truck too, and a truck is never assumed
   faster than its class default even where cars may go faster;
3. the **surface cap** (:data:`SURFACE_CAP_KPH`, ORS heavy-vehicle surface table);
4. the **design-speed cap** of the technical grade ``highway:CN`` (0 expressway ... 4
   Class IV) when tagged: the upper design speed of JTG B01-2014
   (:data:`DESIGN_SPEED_CAP_KPH`, PARAMETERS.md section 1.1).

No slope or mountain reduction is applied: no Gansu truck-speed measurement was found
(PARAMETERS.md section 1.4), so none is assumed.

Sources
-------
- openrouteservice, ``ors-engine/src/main/resources/resources/services/routing/
  speed_limits/heavyvehicle.json`` (GIScience/openrouteservice, commit 1026118) and
  ``docs/technical-details/travel-speeds/index.md``: class, ``tracktype`` and surface
  speeds.
- 道路交通安全法实施条例 Art. 45 (road without centre line 30 urban / 40 公路; one motor lane
  per direction 50 / 70), Art. 46; OSM wiki "Default speed limits" (CN row: goods vehicles
  on expressways <= 100).
- JTG B01-2014 design speeds as tabulated at https://wiki.openstreetmap.org/wiki/Key:highway:CN.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from types import MappingProxyType

SPEED_TABLE_NAME = "ors-hgv-cn-capped-v1"
"""Name of this table, stored as ``graph.graph["speed_profile"]`` and in plans."""

CLASS_SPEED_KPH: Mapping[str, float] = MappingProxyType(
    {
        # class: km/h           ORS HGV default -> legal cap (PARAMETERS.md 1.3/1.4)
        "motorway": 85.0,  # ORS 85; goods vehicles <= 100 on expressways
        "trunk": 70.0,  # ORS 80; 70 = Art. 45 limit for one lane per direction (公路)
        "primary": 60.0,  # ORS 60 (省道)
        "secondary": 60.0,  # ORS 60 (县道)
        "tertiary": 50.0,  # ORS 50 (乡道); approximate networks use 40, see below
        "unclassified": 30.0,  # ORS 30 (村道) = JTG Class IV upper design speed
        "residential": 30.0,  # ORS 30
        "living_street": 10.0,  # ORS 10
        "service": 20.0,  # ORS 20
        "road": 20.0,  # ORS 20 (class not yet known)
        "track": 15.0,  # ORS 15 when no tracktype is tagged
        "motorway_link": 50.0,  # ORS 50
        "trunk_link": 50.0,  # ORS 50
        "primary_link": 50.0,  # ORS 50
        "secondary_link": 50.0,  # ORS 50
        "tertiary_link": 40.0,  # ORS 40
    }
)
"""Class default truck speed (km/h) per OSM ``highway`` value, before any cap."""

UNKNOWN_CLASS_SPEED_KPH = 20.0
"""Speed (km/h) of a drivable ``highway`` value not in :data:`CLASS_SPEED_KPH` (e.g.
``busway``, ``escape``): ORS's 20 km/h for ``highway=road``, a road whose class is not
known. An assumption, not a measurement."""

TERTIARY_CONSERVATIVE_KPH = 40.0
"""The conservative 乡道 speed (km/h) used by approximate networks: the upper design speed
of a JTG Class III road (PARAMETERS.md 1.4 "50; conservative 40"). Straight-line networks
know nothing of surface or alignment, so they take the lower figure."""

DEFAULT_DETOUR_FACTOR = 1.3
"""Road length / great-circle length (dimensionless) of straight-line networks
(:func:`geodata.approximate.approximate_graph`) and of every other distance the programme
approximates from a straight line (scenario default, region distances, village legs):
the one declaration to import. An ASSUMPTION, not measured for Gansu; it sits beside the
approximate networks' speed because both stand in for roads nobody mapped."""

TRACKTYPE_SPEED_KPH: Mapping[str, float] = MappingProxyType(
    {"grade1": 40.0, "grade2": 30.0, "grade3": 20.0, "grade4": 15.0, "grade5": 10.0}
)
"""Speed (km/h) of ``highway=track`` by ``tracktype`` (ORS HGV tracktype table)."""

SURFACE_CAP_KPH: Mapping[str, float] = MappingProxyType(
    {
        # paved surfaces (asphalt, concrete, paved ...) have no cap in ORS (-1)
        "cement": 60.0,
        "compacted": 60.0,
        "fine_gravel": 50.0,
        "paving_stones": 40.0,
        "metal": 40.0,
        "bricks": 40.0,
        "grass": 30.0,
        "wood": 30.0,
        "sett": 30.0,
        "grass_paver": 30.0,
        "gravel": 30.0,
        "unpaved": 30.0,
        "ground": 30.0,
        "dirt": 30.0,
        "pebblestone": 30.0,
        "tartan": 30.0,
        "cobblestone": 20.0,
        "clay": 20.0,
        "earth": 15.0,
        "stone": 15.0,
        "rocky": 15.0,
        "sand": 15.0,
        "mud": 10.0,
        "unknown": 30.0,
    }
)
"""Upper bound (km/h) by ``surface`` value (ORS HGV surface table); values not listed
(asphalt, concrete, paved, ...) set no cap."""

DESIGN_SPEED_CAP_KPH: Mapping[str, float] = MappingProxyType(
    {"0": 120.0, "1": 100.0, "2": 80.0, "3": 40.0, "4": 30.0}
)
"""Upper design speed (km/h) by ``highway:CN`` technical grade (JTG B01-2014): 0
expressway, 1-4 Class I-IV highway."""

_KPH_PER_UNIT = {"": 1.0, "km/h": 1.0, "kmh": 1.0, "kph": 1.0, "mph": 1.609344, "knots": 1.852}
_MAXSPEED_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(km/h|kmh|kph|mph|knots)?\s*$", re.IGNORECASE)


def parse_maxspeed_kph(value: object) -> float | None:
    """Read an OSM ``maxspeed`` value as km/h, or ``None`` when it gives no number.

    Parameters
    ----------
    value
        The tag text (``"60"``, ``"60 mph"``, ``"50 km/h"``, ``"60;80"``), a number, or a
        list of those (osmnx merges the tags of the ways behind one edge into a list).

    Returns
    -------
    float or None
        The speed in km/h; for several values the smallest, as a truck must obey the
        strictest sign. ``None`` for implicit zone values (``"CN:urban"``, ``"RU:rural"``),
        ``"none"``, ``"signals"``, ``"walk"``, empty or missing values: their meaning
        varies by country and vehicle, so the class default stands.
    """
    speeds = [kph for part in _tag_values(value) if (kph := _one_maxspeed_kph(part))]
    return min(speeds) if speeds else None


def _tag_values(value: object) -> list[object]:
    """The single values inside a tag: list items (osmnx merges) and ``;``-separated parts."""
    if isinstance(value, str):
        return list(value.split(";"))
    if isinstance(value, Iterable):
        return [part for item in value for part in _tag_values(item)]
    return [value]


def _one_maxspeed_kph(value: object) -> float | None:
    """One maxspeed value in km/h, or ``None`` (not a positive finite number)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        kph = float(value)
    else:
        match = _MAXSPEED_RE.match(str(value))
        if match is None:
            return None
        kph = float(match.group(1)) * _KPH_PER_UNIT[(match.group(2) or "").lower()]
    return kph if math.isfinite(kph) and kph > 0 else None


def truck_speed_kph(
    highway: str | Iterable[str] | None,
    maxspeed: object = None,
    surface: object = None,
    tracktype: object = None,
    *,
    maxspeed_hgv: object = None,
    highway_cn: object = None,
    class_speed_kph: Mapping[str, float] | None = None,
) -> float:
    """Loaded light-reefer truck speed (km/h) on one road segment (see the module rule).

    Parameters
    ----------
    highway
        OSM ``highway`` value. A list (osmnx merges the ways behind one edge) counts as its
        first value that has a documented class default, as osmnx itself takes the first.
        A value without one (or ``None``) gets :data:`UNKNOWN_CLASS_SPEED_KPH`.
    maxspeed, maxspeed_hgv
        OSM ``maxspeed`` / ``maxspeed:hgv`` tags; caps when they parse
        (:func:`parse_maxspeed_kph`), ignored otherwise.
    surface
        OSM ``surface``; a cap from :data:`SURFACE_CAP_KPH` (the strictest of a list or of
        ``;``-separated values).
    tracktype
        OSM ``tracktype`` (``grade1`` ... ``grade5``); replaces the class default of
        ``highway=track`` only.
    highway_cn
        OSM ``highway:CN`` technical grade ``0`` ... ``4``; a cap from
        :data:`DESIGN_SPEED_CAP_KPH`.
    class_speed_kph
        Class defaults to use instead of (merged over) :data:`CLASS_SPEED_KPH`, e.g. a
        scenario's override; the caps still apply.

    Returns
    -------
    float
        Speed in km/h, always > 0.
    """
    table = CLASS_SPEED_KPH if class_speed_kph is None else {**CLASS_SPEED_KPH, **class_speed_kph}
    road_class = _documented_class(highway, table)
    speed = table.get(road_class, UNKNOWN_CLASS_SPEED_KPH)
    if road_class == "track":
        speed = _strictest(tracktype, TRACKTYPE_SPEED_KPH) or speed
    caps = (
        parse_maxspeed_kph(maxspeed),
        parse_maxspeed_kph(maxspeed_hgv),
        _strictest(surface, SURFACE_CAP_KPH),
        _strictest(highway_cn, DESIGN_SPEED_CAP_KPH),
    )
    return float(min([speed, *(cap for cap in caps if cap is not None)]))


def _documented_class(highway: str | Iterable[str] | None, table: Mapping[str, float]) -> str:
    """The class whose default applies: ``highway`` itself, or a list's first documented
    value (else its first value); ``""`` when missing."""
    if highway is None:
        return ""
    if isinstance(highway, str):
        return highway.strip()
    values = [str(value).strip() for value in highway]
    return next((value for value in values if value in table), values[0] if values else "")


def _strictest(value: object, table: Mapping[str, float]) -> float | None:
    """The smallest ``table`` entry among the values in ``value`` (a tag text with ``;``
    separators, or a list of them); ``None`` when no value is in the table."""
    if value is None or isinstance(value, float) and math.isnan(value):
        return None
    keys = (str(part).strip().lower() for part in _tag_values(value))
    found = [table[key] for key in keys if key in table]
    return min(found) if found else None
