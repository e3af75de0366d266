"""Villages at their own points, from the ``place=*`` nodes of an OSM extract.

The NBS code lists give villages no coordinates, so by default a village sits at its
township's point (``location_method = 'township_centre'``). An OSM extract usually maps
villages as ``place=village|hamlet|isolated_dwelling`` nodes with a Chinese ``name``.
:func:`place_villages` moves a village onto such a node when the match is unambiguous:

- names are compared on a *key*: the name with its administrative suffix removed
  (``石那奴村委会`` and ``石那奴村`` both give ``石那奴``; see :data:`SUFFIXES`);
- the node must lie within ``max_distance_m`` of the village's township point (village
  names repeat across a province; this keeps the match local);
- among several nodes with that key the nearest to the township point wins;
- a node claimed by two villages of the same key (namesakes in neighbouring townships)
  places neither of them: a wrong point is worse than a flagged approximate one.

Placed villages get ``location_method = 'osm_place'`` and ``osm_place_id``; the others keep
their township point and method. Nothing here guesses beyond these rules.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import Point

from geodata.errors import RoadDataError
from geodata.osm_reader import read_place_nodes

#: OSM ``place`` values that name a settlement a village committee may stand for.
PLACE_VALUES = frozenset({"village", "hamlet", "isolated_dwelling", "neighbourhood", "locality"})
#: Administrative suffixes stripped from names before comparing, longest first.
SUFFIXES = ("村民委员会", "居民委员会", "社区居委会", "村委会", "居委会", "委员会", "社区", "村")
#: Default largest distance from the township point to the village's OSM node, metres.
MAX_DISTANCE_M = 15_000.0
_EARTH_RADIUS_M = 6_371_008.8


def name_key(name: str) -> str:
    """``name`` without spaces and its administrative suffix (once), for comparing."""
    text = "".join(str(name).split())
    for suffix in SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix):
            return text[: -len(suffix)]
    return text


def read_osm_places(path: str | Path) -> pd.DataFrame:
    """Named ``place=*`` nodes of an OSM file (.osm.pbf, .osm, .osm.bz2/.gz).

    Returns
    -------
    pandas.DataFrame
        ``osm_id``, ``name`` (``name:zh`` when present, else ``name``), ``place``,
        ``lon_deg``, ``lat_deg``; only nodes whose ``place`` is in :data:`PLACE_VALUES`.

    Raises
    ------
    RoadDataError
        The file is missing or cannot be read as OSM (the path is named).
    """
    path = Path(path)
    if not path.is_file():
        raise RoadDataError("OSM file not found", path=str(path))
    return read_place_nodes(path, PLACE_VALUES)


def _distance_m(lon1: np.ndarray, lat1: np.ndarray, lon2: np.ndarray,
                lat2: np.ndarray) -> np.ndarray:
    """Great-circle distance, metres."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    a = (np.sin((p2 - p1) / 2) ** 2
         + np.cos(p1) * np.cos(p2) * np.sin(np.radians(lon2 - lon1) / 2) ** 2)
    return 2 * _EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def place_villages(villages: gpd.GeoDataFrame, places: pd.DataFrame, *,
                   max_distance_m: float = MAX_DISTANCE_M) -> gpd.GeoDataFrame:
    """Move villages onto their OSM place nodes where the match is unambiguous.

    Parameters
    ----------
    villages
        From :func:`geodata.places.load_villages` (``village_name``, township point as
        geometry, ``location_method``).
    places
        From :func:`read_osm_places`.
    max_distance_m
        Largest distance from the township point to the node.

    Returns
    -------
    geopandas.GeoDataFrame
        A copy with ``geometry``, ``location_method`` and ``osm_place_id`` (-1 when not
        placed) updated; ``osm_place_m``: distance moved, metres (0 when not placed).
    """
    out = villages.copy()
    out["osm_place_id"] = np.int64(-1)
    out["osm_place_m"] = 0.0
    if places.empty or out.empty:
        return out
    keyed = places.assign(key=places["name"].map(name_key))
    wanted = pd.DataFrame({"row": np.arange(len(out)),
                           "key": out["village_name"].map(name_key).to_numpy(),
                           "lon": out.geometry.x.to_numpy(), "lat": out.geometry.y.to_numpy()})
    pairs = wanted.merge(keyed, on="key")
    pairs["dist_m"] = _distance_m(pairs["lon"].to_numpy(), pairs["lat"].to_numpy(),
                                  pairs["lon_deg"].to_numpy(), pairs["lat_deg"].to_numpy())
    pairs = pairs[pairs["dist_m"] <= max_distance_m]
    best = pairs.sort_values(["row", "dist_m", "osm_id"]).drop_duplicates("row")
    claimed = best["osm_id"].value_counts()
    best = best[best["osm_id"].map(claimed) == 1]
    rows = best["row"].to_numpy()
    geometry = out.geometry.to_numpy().copy()
    geometry[rows] = [Point(x, y) for x, y in zip(best["lon_deg"], best["lat_deg"], strict=True)]
    out = out.set_geometry(gpd.GeoSeries(geometry, index=out.index, crs=out.crs))
    column = out.columns.get_loc
    out.iloc[rows, column("location_method")] = "osm_place"
    out.iloc[rows, column("osm_place_id")] = best["osm_id"].to_numpy()
    out.iloc[rows, column("osm_place_m")] = best["dist_m"].round(1).to_numpy()
    return out
