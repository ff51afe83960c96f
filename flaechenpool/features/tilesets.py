"""Tile documents: tile matrix sets, OGC tileset lists and tileset metadata, and TileJSON 3.0."""

from __future__ import annotations

import json
from typing import Any

import morecantile

from flaechenpool.features.documents import JSON, MVT, link
from flaechenpool.features.registry import Collection
from flaechenpool.features.tiles import ALL, MAX_ZOOM, TMS_ID, tile_properties

TMS_URI = "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"
WEB_MERCATOR = "http://www.opengis.net/def/crs/EPSG/0/3857"
THURINGIA = [9.8, 50.2, 12.7, 51.65]   # CRS84 bounds of the service area
DIMENSION = {"Point": 0, "MultiLineString": 1, "MultiPolygon": 2}
MVT_TYPES = {"integer": "Number", "number": "Number", "boolean": "Boolean"}


def tile_matrix_sets(base: str) -> dict[str, Any]:
    return {"tileMatrixSets": [{"id": TMS_ID, "title": "Google Maps Compatible for the World", "uri": TMS_URI,
                                "links": [link(f"{base}/tileMatrixSets/{TMS_ID}", "self", JSON, TMS_ID)]}]}


def tile_matrix_set() -> dict[str, Any]:
    return json.loads(morecantile.tms.get(TMS_ID).model_dump_json(exclude_none=True))  # type: ignore[no-any-return]


def _prefix(base: str, tileset: str) -> str:
    return f"{base}/tiles" if tileset == ALL else f"{base}/collections/{tileset}/tiles"


def tileset_list(base: str, tileset: str, title: str) -> dict[str, Any]:
    prefix = _prefix(base, tileset)
    return {"links": [link(prefix, "self", JSON, "Kachelsätze")],
            "tilesets": [{"title": title, "dataType": "vector", "crs": WEB_MERCATOR, "tileMatrixSetURI": TMS_URI,
                          "links": [link(f"{prefix}/{TMS_ID}", "self", JSON, title),
                                    link(f"{base}/tileMatrixSets/{TMS_ID}",
                                         "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme", JSON, TMS_ID)]}]}


def tileset(base: str, tileset_id: str, title: str, layers: list[Collection], role: str) -> dict[str, Any]:
    prefix = f"{_prefix(base, tileset_id)}/{TMS_ID}"
    return {
        "title": title, "dataType": "vector", "crs": WEB_MERCATOR, "tileMatrixSetURI": TMS_URI,
        "links": [
            link(prefix, "self", JSON, title),
            link(f"{base}/tileMatrixSets/{TMS_ID}", "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme", JSON,
                 TMS_ID),
            link(prefix + "/{tileMatrix}/{tileRow}/{tileCol}", "item", MVT, "Kacheln", templated=True),
            link(prefix + "/tilejson.json", "describedby", JSON, "TileJSON"),
            link(f"{base}/styles/default", "stylesheet", "application/vnd.mapbox.style+json", "MapLibre-Stil"),
        ],
        "layers": [{"id": c.id, "title": c.title, "description": c.description, "dataType": "vector",
                    "geometryDimension": DIMENSION[c.geometry_type], "minTileMatrix": str(c.min_zoom),
                    "maxTileMatrix": str(MAX_ZOOM),
                    "propertiesSchema": {"type": "object", "properties": {
                        p.name: {"title": p.title, "type": p.type if p.type in MVT_TYPES else "string"}
                        for p in tile_properties(c, role)}}}
                   for c in layers],
    }


def tilejson(base: str, tileset_id: str, title: str, layers: list[Collection], role: str) -> dict[str, Any]:
    prefix = f"{_prefix(base, tileset_id)}/{TMS_ID}"
    return {
        "tilejson": "3.0.0", "name": title, "scheme": "xyz",
        "tiles": [prefix + "/{z}/{y}/{x}"],
        "minzoom": min((c.min_zoom for c in layers), default=0), "maxzoom": MAX_ZOOM,
        "bounds": THURINGIA, "center": [11.03, 50.98, 8],
        "attribution": "© GeoBasis-DE / BKG, © GeoBasis-DE / TLBG (dl-de/by-2-0), © OpenStreetMap-Mitwirkende (ODbL)",
        "vector_layers": [{"id": c.id, "description": c.title, "minzoom": c.min_zoom, "maxzoom": MAX_ZOOM,
                           "fields": {p.name: MVT_TYPES.get(p.type, "String") for p in tile_properties(c, role)}}
                          for c in layers],
    }
