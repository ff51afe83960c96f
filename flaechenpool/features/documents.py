"""JSON documents of the OGC service: landing page, conformance, collections, queryables and schema.

Links are absolute, built from ``base`` (the URL of ``/ogc``). Extents (CRS84 box, time interval)
are computed in PostGIS and kept until the collection's tables change.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, text

from flaechenpool import __version__
from flaechenpool.features.crs import CRS84, STORAGE, SUPPORTED
from flaechenpool.features.registry import Collection, Property
from flaechenpool.features.state import OgcState

GEOJSON = "application/geo+json"
JSON = "application/json"
HTML = "text/html"
SCHEMA_JSON = "application/schema+json"
MVT = "application/vnd.mapbox-vector-tile"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
REL_QUERYABLES = "http://www.opengis.net/def/rel/ogc/1.0/queryables"
REL_SCHEMA = "http://www.opengis.net/def/rel/ogc/1.0/schema"
REL_TILESETS = "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector"
GREGORIAN = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"

_F1 = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/"
_F3 = "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/"
_CQL = "http://www.opengis.net/spec/cql2/1.0/conf/"
_TILES = "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-common-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-common-1/1.0/conf/landing-page",
    "http://www.opengis.net/spec/ogcapi-common-1/1.0/conf/json",
    "http://www.opengis.net/spec/ogcapi-common-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-common-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-common-2/1.0/conf/collections",
    _F1 + "core", _F1 + "geojson", _F1 + "html", _F1 + "oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    _F3 + "queryables", _F3 + "queryables-query-parameters", _F3 + "filter", _F3 + "features-filter",
    _CQL + "cql2-text", _CQL + "cql2-json", _CQL + "basic-cql2", _CQL + "advanced-comparison-operators",
    _CQL + "case-insensitive-comparison", _CQL + "basic-spatial-functions", _CQL + "basic-spatial-functions-plus",
    _CQL + "spatial-functions", _CQL + "temporal-functions", _CQL + "array-functions", _CQL + "property-property",
    _CQL + "arithmetic",
    # the name of basic-spatial-functions in the CQL2 drafts; QGIS up to 3.44 looks for it
    _CQL + "basic-spatial-operators",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/update",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/features",
    "http://www.opengis.net/spec/ogcapi-features-5/1.0/conf/schemas",
    "http://www.opengis.net/spec/ogcapi-features-5/1.0/conf/core-roles-features",
    "http://www.opengis.net/spec/ogcapi-features-8/1.0/conf/sorting",
    _TILES + "core", _TILES + "tileset", _TILES + "tilesets-list", _TILES + "geodata-tilesets",
    _TILES + "dataset-tilesets", _TILES + "mvt", _TILES + "oas30",
    "http://www.opengis.net/spec/tms/2.0/conf/tilematrixset", "http://www.opengis.net/spec/tms/2.0/conf/json-tilematrixset",
]
GEOMETRY_FORMAT = {"Point": "geometry-point", "MultiPolygon": "geometry-multipolygon",
                   "MultiLineString": "geometry-multilinestring"}


def link(href: str, rel: str, type_: str, title: str | None = None, **extra: Any) -> dict[str, Any]:
    out = {"href": href, "rel": rel, "type": type_}
    if title:
        out["title"] = title
    out.update(extra)
    return out


def landing(base: str) -> dict[str, Any]:
    return {
        "title": "Flächenpool – OGC API",
        "description": "Flurstücke, Potenzialflächen, Flächenpool, Leerstand und Referenzdaten als OGC API – "
                       "Features (mit CRS, CQL2, Schreibzugriff für Potenzialflächen) und Vektorkacheln.",
        "links": [
            link(base, "self", JSON, "Diese Seite"),
            link(base + "?f=html", "alternate", HTML, "Diese Seite als HTML"),
            link(base + "/api", "service-desc", OPENAPI, "API-Beschreibung (OpenAPI 3.0)"),
            link(base + "/api?f=html", "service-doc", HTML, "API-Dokumentation"),
            link(base + "/conformance", "conformance", JSON, "Konformitätsklassen"),
            link(base + "/collections", "data", JSON, "Sammlungen"),
            link(base + "/tiles", "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector", JSON,
                 "Vektorkacheln aller Ebenen"),
            link(base + "/tileMatrixSets", "http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes", JSON,
                 "Kachelschemata"),
            link(base + "/styles/default", "stylesheet", "application/vnd.mapbox.style+json", "MapLibre-Stil"),
        ],
    }


def conformance() -> dict[str, Any]:
    return {"conformsTo": CONFORMANCE}


def _extent(conn: Connection, state: OgcState, c: Collection, role: str) -> dict[str, Any]:
    def compute() -> dict[str, Any]:
        start, end = ((c.prop(c.temporal[0]).expr, c.prop(c.temporal[1]).expr if c.temporal[1] else None)
                      if c.temporal else (None, None))
        time_sql = (f", to_json(min({start}))::text AS t0, "
                    f"CASE WHEN bool_or({end or start} IS NULL) THEN NULL ELSE to_json(max({end or start}))::text END AS t1"
                    if start else "")
        where = " AND ".join(f"({w})" for w in c.conditions(role, with_time=False)) or "true"
        row = conn.execute(text(
            f"SELECT ST_XMin(b) AS x0, ST_YMin(b) AS y0, ST_XMax(b) AS x1, ST_YMax(b) AS y1{', t0, t1' if start else ''} "
            f"FROM (SELECT ST_Transform(ST_Segmentize(ST_SetSRID(ST_Extent(t.geom)::geometry, 25832), 500), 4326) AS b"
            f"{time_sql} FROM {c.source} t WHERE {where}) e")).one()
        extent: dict[str, Any] = {}
        if row.x0 is not None:
            extent["spatial"] = {"bbox": [[round(row.x0, 6), round(row.y0, 6), round(row.x1, 6), round(row.y1, 6)]],
                                 "crs": CRS84.uri}
        if start:
            t0 = row.t0.strip('"') if row.t0 else None
            t1 = row.t1.strip('"') if row.t1 else None
            extent["temporal"] = {"interval": [[t0, t1]], "trs": GREGORIAN}
        return extent

    return compute() if c.per_user else state.cached(("extent", c.id, role), c.tables, compute)


def collection(conn: Connection, state: OgcState, base: str, c: Collection, role: str) -> dict[str, Any]:
    here = f"{base}/collections/{c.id}"
    doc: dict[str, Any] = {
        "id": c.id, "title": c.title, "description": c.description, "keywords": list(c.keywords),
        "itemType": "feature",
        "crs": [crs.uri for crs in SUPPORTED], "storageCrs": STORAGE.uri,
        "extent": _extent(conn, state, c, role),
        "links": [
            link(here, "self", JSON, c.title),
            link(here + "?f=html", "alternate", HTML, c.title + " (HTML)"),
            link(here + "/items", "items", GEOJSON, "Objekte"),
            link(here + "/items?f=html", "items", HTML, "Objekte (HTML)"),
            link(here + "/queryables", REL_QUERYABLES, SCHEMA_JSON, "Abfragbare Eigenschaften"),
            link(here + "/schema", REL_SCHEMA, SCHEMA_JSON, "Schema der Objekte"),
            *([] if c.per_user else [link(here + "/tiles", REL_TILESETS, JSON, "Vektorkacheln")]),
        ],
    }
    if c.temporal is None:
        doc["extent"].pop("temporal", None)
    return doc


def collections(conn: Connection, state: OgcState, base: str, role: str) -> dict[str, Any]:
    return {
        "links": [link(base + "/collections", "self", JSON, "Sammlungen"),
                  link(base + "/collections?f=html", "alternate", HTML, "Sammlungen (HTML)")],
        "crs": [crs.uri for crs in SUPPORTED],
        "collections": [collection(conn, state, base, c, role) for c in state.registry.for_role(role)],
    }


def _property_schema(p: Property, seq: int | None, *, read_only: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"title": p.title}
    if p.description:
        out["description"] = p.description
    if p.type in ("date", "date-time"):
        out.update(type="string", format=p.type)
    elif p.type == "array":
        out.update(type="array", items={"type": p.items})
    else:
        out["type"] = p.type
    if p.enum:
        out["enum"] = list(p.enum)
    if seq is not None:
        out["x-ogc-propertySeq"] = seq
    if read_only:
        out["readOnly"] = True
    return out


def _geometry_schema(c: Collection) -> dict[str, Any]:
    return {"title": "Geometrie", "x-ogc-role": "primary-geometry", "format": GEOMETRY_FORMAT[c.geometry_type],
            "$ref": f"https://geojson.org/schema/{c.geometry_type}.json"}


def queryables(base: str, c: Collection, role: str) -> dict[str, Any]:
    props: dict[str, Any] = {"geometry": _geometry_schema(c)}
    props.update({p.name: _property_schema(p, None, read_only=False) for p in c.visible(role)})
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": f"{base}/collections/{c.id}/queryables", "type": "object",
            "title": c.title, "properties": props, "additionalProperties": False}


def schema(base: str, c: Collection, role: str) -> dict[str, Any]:
    """Part 5 schema: German titles (QGIS aliases), types, order, readOnly, the id and geometry roles."""
    props: dict[str, Any] = {}
    for seq, p in enumerate(c.visible(role), start=1):
        entry = _property_schema(p, seq, read_only=not (c.writable and p.writable))
        if p.name == c.id_property:
            entry["x-ogc-role"] = "id"
        props[p.name] = entry
    geometry = _geometry_schema(c)
    geometry.pop("$ref")
    geometry["x-ogc-propertySeq"] = len(props) + 1
    props["geometry"] = geometry
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": f"{base}/collections/{c.id}/schema", "type": "object", "title": c.title,
            "description": c.description, "properties": props,
            "x-flaechenpool-version": __version__}
