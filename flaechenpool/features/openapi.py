"""The OpenAPI 3.0 description of ``/ogc`` (``/ogc/api``), per caller: the collections they may read.

Clients read their page size from it: QGIS and GDAL take ``components.parameters.limit.schema``
``default`` and ``maximum``; QGIS also offers each ``/collections/{id}/items`` query parameter in
``form`` style as a simple filter (property=value).
"""

from __future__ import annotations

from typing import Any

from flaechenpool import __version__
from flaechenpool.db import MAX_OFFSET
from flaechenpool.features.crs import CRS84, SUPPORTED
from flaechenpool.features.registry import Collection
from flaechenpool.features.tiles import MAX_ZOOM

CRS_ENUM = [c.uri for c in SUPPORTED]
SIMPLE_TYPES = {"integer": "integer", "number": "number", "boolean": "boolean"}


def _param(name: str, description: str, schema: dict[str, Any], *, where: str = "query",
           required: bool = False) -> dict[str, Any]:
    style = "form" if where == "query" else "simple"      # the styles OpenAPI 3.0 allows in a query and a path
    return {"name": name, "in": where, "description": description, "required": required, "style": style,
            "explode": False, "schema": schema}


def _tile_params() -> list[dict[str, Any]]:
    return [_param("tileMatrix", "Zoomstufe", {"type": "integer", "minimum": 0, "maximum": MAX_ZOOM}, where="path",
                   required=True),
            _param("tileRow", "Zeile (von Norden)", {"type": "integer", "minimum": 0}, where="path", required=True),
            _param("tileCol", "Spalte (von Westen)", {"type": "integer", "minimum": 0}, where="path", required=True)]


def _tile_responses() -> dict[str, Any]:
    return {"200": _response("Mapbox Vector Tile", "application/vnd.mapbox-vector-tile"),
            "304": _response("Unverändert (If-None-Match)"),
            "404": _response("Keine solche Kachel", "application/problem+json")}


def parameters(default_limit: int, max_limit: int) -> dict[str, Any]:
    return {
        "limit": _param("limit", f"Objekte je Seite; mehr als {max_limit} werden auf {max_limit} begrenzt.",
                        {"type": "integer", "minimum": 1, "maximum": max_limit, "default": default_limit}),
        "offset": _param("offset", "Anzahl zu überspringender Objekte (Blättern über next/prev-Links).",
                         {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET, "default": 0}),
        "bbox": _param("bbox", "minx,miny,maxx,maxy im bbox-crs (Standard CRS84).",
                       {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}}),
        "bbox-crs": _param("bbox-crs", "CRS des bbox.", {"type": "string", "format": "uri", "enum": CRS_ENUM,
                                                        "default": CRS84.uri}),
        "crs": _param("crs", "CRS der Ausgabe.", {"type": "string", "format": "uri", "enum": CRS_ENUM,
                                                  "default": CRS84.uri}),
        "datetime": _param("datetime", "Zeitpunkt oder Zeitraum (RFC 3339, '..' offen).", {"type": "string"}),
        "filter": _param("filter", "CQL2-Filter (Text oder JSON).", {"type": "string"}),
        # cql-text: the draft's name; GDAL sends CQL only when it finds it here (read as cql2-text)
        "filter-lang": _param("filter-lang", "Sprache des Filters (cql-text: wie cql2-text).",
                              {"type": "string", "enum": ["cql2-text", "cql2-json", "cql-text"], "default": "cql2-text"}),
        "filter-crs": _param("filter-crs", "CRS der Geometrien im Filter.",
                             {"type": "string", "format": "uri", "enum": CRS_ENUM, "default": CRS84.uri}),
        "sortby": _param("sortby", "Sortierung, z. B. -area_m2,name.", {"type": "array", "items": {"type": "string"}}),
        "properties": _param("properties", "Nur diese Eigenschaften ausgeben.",
                             {"type": "array", "items": {"type": "string"}}),
        "skipGeometry": _param("skipGeometry", "Ohne Geometrie.", {"type": "boolean", "default": False}),
        "f": _param("f", "Format.", {"type": "string", "enum": ["json", "html"]}),
        "featureId": _param("featureId", "Kennung des Objekts.", {"type": "string"}, where="path", required=True),
    }


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/parameters/{name}"}


def _response(description: str, media: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"description": description}
    if media:
        out["content"] = {media: {"schema": {"type": "object"}}}
    return out


ITEMS_PARAMS = ("limit", "offset", "bbox", "bbox-crs", "crs", "datetime", "filter", "filter-lang", "filter-crs",
                "sortby", "properties", "skipGeometry", "f")


def _collection_paths(c: Collection, role: str, *, writer: bool) -> dict[str, Any]:
    simple = [_param(p.name, p.title, {"type": SIMPLE_TYPES.get(p.type, "string")})
              for p in c.visible(role) if p.type != "array"]
    items: dict[str, Any] = {"get": {
        "summary": f"{c.title}: Objekte", "operationId": f"getItems_{c.id}", "tags": [c.id],
        "parameters": [_ref(n) for n in ITEMS_PARAMS if n != "datetime" or c.temporal] + simple,
        "responses": {"200": _response("Objekte (GeoJSON)", "application/geo+json"),
                      "400": _response("Ungültige Anfrage", "application/problem+json")}}}
    item: dict[str, Any] = {"get": {
        "summary": f"{c.title}: ein Objekt", "operationId": f"getItem_{c.id}", "tags": [c.id],
        "parameters": [_ref("featureId"), _ref("crs"), _ref("f")],
        "responses": {"200": _response("Objekt (GeoJSON)", "application/geo+json"),
                      "404": _response("Nicht gefunden", "application/problem+json")}}}
    if c.writable and writer:
        body = {"required": True, "content": {"application/geo+json": {"schema": {"type": "object"}}}}
        items["post"] = {"summary": f"{c.title}: anlegen", "operationId": f"createItem_{c.id}", "tags": [c.id],
                         "requestBody": body, "responses": {"201": _response("Angelegt (Location)")}}
        for method, summary in (("put", "ersetzen"), ("patch", "ändern")):
            item[method] = {"summary": f"{c.title}: {summary}", "operationId": f"{method}Item_{c.id}",
                            "tags": [c.id], "parameters": [_ref("featureId")], "requestBody": body,
                            "responses": {"200": _response("Geändert"), "412": _response("If-Match passt nicht")}}
        item["delete"] = {"summary": f"{c.title}: beenden (bleibt mit Historie erhalten)",
                          "operationId": f"deleteItem_{c.id}", "tags": [c.id], "parameters": [_ref("featureId")],
                          "responses": {"204": _response("Beendet")}}
    here = f"/collections/{c.id}"
    paths = {
        here: {"get": {"summary": c.title, "operationId": f"describeCollection_{c.id}", "tags": [c.id],
                       "responses": {"200": _response("Sammlung", "application/json")}}},
        here + "/items": items,
        here + "/items/{featureId}": item,
        here + "/queryables": {"get": {"summary": "Abfragbare Eigenschaften", "operationId": f"queryables_{c.id}",
                                       "tags": [c.id], "responses": {"200": _response("JSON Schema",
                                                                                     "application/schema+json")}}},
        here + "/schema": {"get": {"summary": "Schema", "operationId": f"schema_{c.id}", "tags": [c.id],
                                   "responses": {"200": _response("JSON Schema", "application/schema+json")}}},
        here + "/tiles": {"get": {"summary": "Vektorkachelsätze", "operationId": f"tilesets_{c.id}", "tags": [c.id],
                                  "responses": {"200": _response("Kachelsätze", "application/json")}}},
        here + "/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}": {"get": {
            "summary": f"{c.title}: Vektorkachel (MVT)", "operationId": f"getTile_{c.id}", "tags": [c.id],
            "parameters": _tile_params(), "responses": _tile_responses()}},
    }
    return {k: v for k, v in paths.items() if not (c.per_user and "/tiles" in k)}


def document(base: str, collections: list[Collection], role: str, *, default_limit: int, max_limit: int,
             writer: bool) -> dict[str, Any]:
    paths: dict[str, Any] = {
        "/": {"get": {"summary": "Startseite", "operationId": "getLandingPage",
                      "responses": {"200": _response("Startseite", "application/json")}}},
        "/conformance": {"get": {"summary": "Konformitätsklassen", "operationId": "getConformance",
                                 "responses": {"200": _response("Konformität", "application/json")}}},
        "/api": {"get": {"summary": "Diese API-Beschreibung", "operationId": "getApi",
                         "responses": {"200": _response("OpenAPI 3.0")}}},
        "/collections": {"get": {"summary": "Sammlungen", "operationId": "getCollections",
                                 "responses": {"200": _response("Sammlungen", "application/json")}}},
        "/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}": {"get": {
            "summary": "Vektorkachel aller Ebenen (MVT)", "operationId": "getTile", "parameters": _tile_params(),
            "responses": _tile_responses()}},
        "/tiles": {"get": {"summary": "Vektorkachelsätze aller Ebenen", "operationId": "getTilesets",
                           "responses": {"200": _response("Kachelsätze", "application/json")}}},
        "/tileMatrixSets": {"get": {"summary": "Kachelmatrixsätze", "operationId": "getTileMatrixSets",
                                    "responses": {"200": _response("Kachelmatrixsätze", "application/json")}}},
    }
    for c in collections:
        paths.update(_collection_paths(c, role, writer=writer))
    return {
        "openapi": "3.0.3",
        "info": {"title": "Flächenpool – OGC API", "version": __version__,
                 "description": "OGC API – Features (Teile 1–5) und Tiles über Flurstücke, Potenzialflächen, "
                                "Flächenpool, Leerstand und Referenzdaten. Anmeldung: API-Token als Bearer "
                                "oder als Passwort (HTTP Basic).",
                 "contact": {"name": "Flächenpool", "url": base},
                 "license": {"name": "Daten: siehe Quellenangaben je Objekt (source, provenance)"}},
        "servers": [{"url": base}],
        "paths": paths,
        "components": {
            "parameters": parameters(default_limit, max_limit),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"},
                                "basic": {"type": "http", "scheme": "basic",
                                          "description": "Benutzername und API-Token als Passwort"}},
        },
        "security": [{}, {"bearer": []}, {"basic": []}],
    }
