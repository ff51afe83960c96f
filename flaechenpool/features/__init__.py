"""OGC API – Features and Tiles over the land pool (served under ``/ogc``).

Modules:

- ``registry`` / ``catalog``: the published collections — tables, whitelisted properties with German
  titles, which role sees which collection and field, time and geometry columns.
- ``crs``: the coordinate reference systems offered (Part 2), axis order, parsing of ``crs``/``bbox-crs``.
- ``cql``: CQL2 text/JSON (parsed by the ``cql2`` package) translated to SQL with bound parameters.
- ``items``: the items query (bbox, datetime, CQL2, sortby, properties, paging); GeoJSON built in PostGIS.
- ``changes``: follows ``audit.log`` so caches (tiles, counts, extents) drop what a change touched.
- ``documents`` / ``openapi`` / ``html``: landing page, conformance, collections, queryables, schema.
- ``tiles`` / ``tilecache`` / ``style``: Mapbox vector tiles (one ``ST_AsMVT`` query per tile), cache, style.
- ``edit``: Part 4 create/replace/update/delete of sites through ``flaechenpool.sites``.

Nothing here imports FastAPI; functions take a SQLAlchemy ``Connection`` and plain values.
"""
