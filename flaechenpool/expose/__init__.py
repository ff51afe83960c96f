"""Exposés of published sites: the German detail page, the printable PDF (WeasyPrint) and the map
extract drawn server-side from PostGIS (SVG in EPSG:25832, no internet tiles)."""
