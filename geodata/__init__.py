"""GIS inputs: reference data, road networks, snapping and travel-time matrices.

Turns files (GeoJSON, CSV, OSM extracts) into plain data: GeoDataFrames with fixed
columns in EPSG:4326, networkx road graphs and integer travel-time matrices.
"""
