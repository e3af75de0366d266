"""The people's edges: Flask pages, GeoJSON API and the ``coldchain`` CLI."""
