"""/ogc tiles: OGC API – Tiles (per collection and one combined tileset), TileJSON and a MapLibre style.

Tiles are ``{tileMatrix}/{tileRow}/{tileCol}`` = z/y/x. Responses carry an ``ETag`` (a hash of the
bytes) and ``Cache-Control: no-cache`` so clients revalidate cheaply (304) and see changes at once.
"""

from __future__ import annotations

import json

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from flaechenpool.api.deps import Opener, opener_of
from flaechenpool.api.ogc_requests import base_url, params_of, state_of
from flaechenpool.api.responses import is_not_modified
from flaechenpool.api.routes.ogc import ParamsDep, StateDep
from flaechenpool.api.security import PrincipalDep, get_caller
from flaechenpool.api.tile_front import tile_headers
from flaechenpool.features import style, tiles, tilesets
from flaechenpool.features.documents import JSON, MVT
from flaechenpool.features.service import check_params
from flaechenpool.features.state import OgcState

router = APIRouter(prefix="/ogc", tags=["ogc-tiles"])
ALL_TITLE = "Flächenpool – alle Ebenen"


def _json(doc: object, media_type: str = JSON) -> Response:
    return Response(json.dumps(doc, ensure_ascii=False), media_type=media_type)


def _tile_response(tile: tiles.Tile, if_none_match: str | None) -> Response:
    if is_not_modified(tile.etag, if_none_match):
        return Response(status_code=304, headers=tile_headers(tile))
    return Response(tile.data, media_type=MVT, headers=tile_headers(tile))


async def _tile(request: Request, tileset: str, tms: str, z: int, x: int, y: int) -> Response:
    """A tile built in one worker thread with one round trip (``db.read_as`` on a reading connection).
    The tiles of known callers are answered before the application (``tile_front.TileFront``); what
    reaches this route is a caller to authenticate, the first tile, the once-a-second change-log poll,
    a test's savepoint connection or an error to report. The tile routes take
    no dependencies (FastAPI's dependency handling costs a quarter of a cached tile's time): query
    string, opener and If-None-Match are read here."""
    check_params(params_of(request), set())
    tile = await run_in_threadpool(_build_tile, request, opener_of(request), state_of(request), tileset, tms, z, x, y)
    return _tile_response(tile, request.headers.get("if-none-match"))


def _build_tile(request: Request, opener: Opener, state: OgcState, tileset: str, tms: str, z: int, x: int,
                y: int) -> tiles.Tile:
    with opener() as conn:
        return tiles.get_tile(conn, state, get_caller(request, conn), tileset, tms, z, x, y)


# the tile routes first: FastAPI matches route by route in this order, and tiles are most requests
@router.get("/collections/{collection_id}/tiles/{tms}/{z}/{y}/{x}", summary="A vector tile of a collection (MVT)")
async def collection_tile(collection_id: str, tms: str, z: int, y: int, x: int, request: Request) -> Response:
    return await _tile(request, collection_id, tms, z, x, y)


@router.get("/tiles/{tms}/{z}/{y}/{x}", summary="A vector tile of all layers (MVT)")
async def all_tile(tms: str, z: int, y: int, x: int, request: Request) -> Response:
    return await _tile(request, tiles.ALL, tms, z, x, y)


@router.get("/tileMatrixSets", summary="Tile matrix sets")
def tile_matrix_sets(request: Request, params: ParamsDep) -> Response:
    check_params(params, {"f"})
    return _json(tilesets.tile_matrix_sets(base_url(request)))


@router.get("/tileMatrixSets/{tms}", summary="A tile matrix set")
def tile_matrix_set(tms: str, params: ParamsDep) -> Response:
    check_params(params, {"f"})
    tiles.check_tile(tms, 0, 0, 0)
    return _json(tilesets.tile_matrix_set())


@router.get("/tiles", summary="Vector tilesets of all layers")
def all_tilesets(request: Request, params: ParamsDep) -> Response:
    check_params(params, {"f"})
    return _json(tilesets.tileset_list(base_url(request), tiles.ALL, ALL_TITLE))


@router.get("/tiles/{tms}", summary="The combined vector tileset")
def all_tileset(tms: str, request: Request, params: ParamsDep, state: StateDep, principal: PrincipalDep) -> Response:
    check_params(params, {"f"})
    tiles.check_tile(tms, 0, 0, 0)
    layers = state.registry.tiled_for_role(principal.role)
    return _json(tilesets.tileset(base_url(request), tiles.ALL, ALL_TITLE, layers, principal.role))


@router.get("/tiles/{tms}/tilejson.json", summary="TileJSON of the combined tileset")
def all_tilejson(tms: str, request: Request, params: ParamsDep, state: StateDep, principal: PrincipalDep) -> Response:
    check_params(params, set())
    tiles.check_tile(tms, 0, 0, 0)
    layers = state.registry.tiled_for_role(principal.role)
    return _json(tilesets.tilejson(base_url(request), tiles.ALL, ALL_TITLE, layers, principal.role))


@router.get("/collections/{collection_id}/tiles", summary="Vector tilesets of a collection")
def collection_tilesets(collection_id: str, request: Request, params: ParamsDep, state: StateDep,
                        principal: PrincipalDep) -> Response:
    check_params(params, {"f"})
    c = state.registry.get_tiled(collection_id, principal)
    return _json(tilesets.tileset_list(base_url(request), c.id, c.title))


@router.get("/collections/{collection_id}/tiles/{tms}", summary="The vector tileset of a collection")
def collection_tileset(collection_id: str, tms: str, request: Request, params: ParamsDep, state: StateDep,
                       principal: PrincipalDep) -> Response:
    check_params(params, {"f"})
    tiles.check_tile(tms, 0, 0, 0)
    c = state.registry.get_tiled(collection_id, principal)
    return _json(tilesets.tileset(base_url(request), c.id, c.title, [c], principal.role))


@router.get("/collections/{collection_id}/tiles/{tms}/tilejson.json", summary="TileJSON of a collection")
def collection_tilejson(collection_id: str, tms: str, request: Request, params: ParamsDep, state: StateDep,
                        principal: PrincipalDep) -> Response:
    check_params(params, set())
    tiles.check_tile(tms, 0, 0, 0)
    c = state.registry.get_tiled(collection_id, principal)
    return _json(tilesets.tilejson(base_url(request), c.id, c.title, [c], principal.role))


@router.get("/styles/default", summary="MapLibre style for the combined tileset")
def default_style(request: Request, params: ParamsDep, state: StateDep, principal: PrincipalDep) -> Response:
    check_params(params, {"f"})
    doc = style.style(base_url(request), state.registry.tiled_for_role(principal.role))
    return _json(doc, "application/vnd.mapbox.style+json")
