"""Village access legs: how far a village without coordinates is from its township centre.

The NBS code lists give villages no points, so the service places each village at its
township centre. Left there, every trip inside a township would cost nothing. Instead,
each village gets an *expected* leg to its centre: the township's area ``A`` is its
Voronoi cell among the region's township centres (clipped to the region), and the mean
distance from the centre of a disc of that area to a uniformly placed village is
``(2/3) * sqrt(A / pi)``; times the detour factor, this is the leg in road metres. It is
an approximation and plans that use it say so.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from shapely.geometry.base import BaseGeometry


def local_equal_area_crs(geometry: BaseGeometry) -> CRS:
    """A Lambert azimuthal equal-area CRS centred on ``geometry`` (areas in m²)."""
    c = geometry.centroid
    return CRS.from_proj4(
        f"+proj=laea +lat_0={c.y:.6f} +lon_0={c.x:.6f} +ellps=WGS84 +units=m +no_defs")


def township_areas_m2(towns: gpd.GeoDataFrame, region: BaseGeometry) -> pd.Series:
    """Area (m²) of each township's Voronoi cell within ``region``, by ``township_code``.

    Townships that share one point share its cell equally.
    """
    crs = local_equal_area_crs(region)
    pts = towns.to_crs(crs)
    region_m = gpd.GeoSeries([region], crs=4326).to_crs(crs).iloc[0]
    key = [(round(p.x, 1), round(p.y, 1)) for p in pts.geometry]
    uniq = list(dict.fromkeys(key))
    if len(uniq) == 1:
        cells = np.array([region_m.area])
    else:
        polys = shapely.voronoi_polygons(shapely.MultiPoint(uniq), extend_to=region_m,
                                         ordered=True)
        cells = np.array([g.intersection(region_m).area for g in polys.geoms])
    share = pd.Series(key).map(pd.Series(key).value_counts())
    area = pd.Series(key).map(dict(zip(uniq, cells, strict=True))) / share
    return pd.Series(area.to_numpy(), index=towns["township_code"].to_numpy(), name="area_m2")


def village_leg_m(area_m2: pd.Series, detour_factor: float) -> pd.Series:
    """Expected road metres from a village to its township centre, per township."""
    radius_m = np.sqrt(area_m2.astype(float) / math.pi)
    return (2.0 / 3.0 * radius_m * detour_factor).rename("leg_m")
