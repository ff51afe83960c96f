"""Vector tiles answered in front of the application: ASGI middleware.

A map view sends dozens of tile requests. This middleware answers a ``GET`` of a tile
(``/ogc/tiles/…`` or ``/ogc/collections/{id}/tiles/…``, no query string) itself when the caller is
known without the database (anonymous, or a token fresh in the ``PrincipalCache``): from the tile
cache, or built on the event loop through the app's ``AsyncReader`` (one statement under the
caller's role, no worker thread; ``async_reads``). Everything else — a query string, an unknown or
stale token, malformed credentials, an unknown collection or tile, a collection the caller may not
read, the first request and the once-a-second change-log poll, a failure while building — goes on to
the tile routes, which answer it (built tile, 400, 401, 403, 404, 503) exactly as without this
middleware. FastAPI's routing and its request and response objects cost more than the cache look-up
itself (about 0.1 ms a tile on this machine).

Served by ``flaechenpool serve``, most tiles do not reach this middleware: the HTTP protocol
(``api/server.py``) plans them with ``plan_request`` and answers cached ones or builds them with
``build``; a request whose build failed there comes here marked ``FRONT_TRIED`` and goes on to the routes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

import psycopg
from fastapi import FastAPI
from psycopg_pool import PoolTimeout
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from flaechenpool.api.cors import READ_HEADERS
from flaechenpool.api.deps import Opener, opener_for, reader_for
from flaechenpool.api.ogc_requests import ready_caller
from flaechenpool.api.responses import is_not_modified
from flaechenpool.api.security import known_caller
from flaechenpool.auth import Principal
from flaechenpool.errors import FlaechenpoolError
from flaechenpool.features import tiles
from flaechenpool.features.documents import MVT
from flaechenpool.features.state import OgcState
from flaechenpool.features.tilecache import TileKey

_MVT = MVT.encode("latin-1")
FRONT_TRIED = "flaechenpool.front_tried"  # scope key: the HTTP protocol tried the front already; the routes answer
_TILE_PATH = re.compile(r"/ogc/(?:collections/([^/]+)/)?tiles/([^/]+)/(\d{1,2})/(\d{1,9})/(\d{1,9})")


def route_path(scope: Scope) -> str:
    """The path the routes match: without the ``root_path`` a proxy serves the application under."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root):] if root and path.startswith(root) else path


def _header(scope: Scope, name: bytes) -> bytes | None:
    """A request header's first value, as Starlette's ``request.headers.get`` reads it."""
    return next((value for key, value in scope["headers"] if key == name), None)


def tile_headers(tile: tiles.Tile) -> dict[str, str]:
    """The headers of a tile answer (200 and 304): validator, caching, who may keep it, and that pages of any
    origin may read it (``cors``)."""
    return {"ETag": tile.etag, "Vary": "Authorization",
            "Cache-Control": ("public" if tile.public else "private") + ", no-cache", **READ_HEADERS}


class TileFront:
    """Answers the tile requests of known callers without entering the application (see the module)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET" and not scope.get("query_string") \
                and not scope.get(FRONT_TRIED):
            match = _TILE_PATH.fullmatch(route_path(scope))
            known = None if match is None else _plan(scope["app"], _header(scope, b"authorization"), match)
            tile = None
            if known is not None:
                tile = await build(scope["app"], known) if isinstance(known.tile, tiles.TileBuild) else known.tile
            if tile is not None:
                await send_answer(send, tile, _header(scope, b"if-none-match"))
                return
        await self.app(scope, receive, send)


async def build(app: FastAPI, known: Planned) -> tiles.Tile | None:
    """The tile ``known`` plans to build, built under the caller's role (on the event loop through the
    app's ``AsyncReader``); ``None`` when that fails — the route then answers (problem+json: the error
    again, or the tile)."""
    planned = known.tile
    assert isinstance(planned, tiles.TileBuild) and planned.sql is not None
    principal = known.principal
    try:
        reader = reader_for(app)
        if reader is None:
            # no reader, a resting one (the database is unreachable: no second wait for its pool's
            # timeout), or the tests' savepoint connection: build in a worker thread
            return await run_in_threadpool(_build, opener_for(app), planned)
        return planned.finish(await reader.row_as(planned.sql, planned.params, role=principal.role,
                                                  actor=principal.username))
    except (FlaechenpoolError, SQLAlchemyError, psycopg.Error, PoolTimeout):
        return None


class Planned(NamedTuple):
    state: OgcState
    principal: Principal
    key: TileKey
    tile: tiles.Tile | tiles.TileBuild


def _plan(app: FastAPI, authorization: bytes | None, match: re.Match[str]) -> Planned | None:
    """The caller and the tile (cached) or what building it takes, when both are known without the
    database; else ``None`` (the route decides)."""
    collection, tms = match.group(1, 2)
    z, y, x = (int(n) for n in match.group(3, 4, 5))
    tileset = tiles.ALL if collection is None else collection
    try:
        ready = ready_caller(app, None if authorization is None else authorization.decode("latin-1"))
        if ready is None:
            return None
        state, principal = ready
        planned = tiles.plan_tile(state, principal, tileset, tms, z, x, y)
    except FlaechenpoolError:
        return None     # malformed credentials, unknown tile or collection, not readable: the route's answer
    return Planned(state, principal, tiles.cache_key(tileset, principal.role, z, x, y), planned)


Answer = tuple[int, list[tuple[bytes, bytes]], bytes]   # status, headers, body


@dataclass(frozen=True)
class KnownTile:
    """A tile answered from the cache to a caller at a URL, to be answered again without planning:
    valid while ``still_cached`` finds the same state needing no poll, the caller known with the same
    role, and the same bytes (ETag) under the key in the tile cache."""
    state: OgcState
    role: str
    key: TileKey
    etag: str
    public: bool


def plan_request(app: FastAPI, path: str, authorization: bytes | None) -> Planned | None:
    """What answering ``GET path`` (no query string; ``path`` as the routes match it) takes when the
    caller and the tile are known without the database: the cached tile, or what building it takes;
    ``None`` otherwise (the routes answer)."""
    match = _TILE_PATH.fullmatch(path)
    return None if match is None else _plan(app, authorization, match)


def known_again(planned: Planned) -> KnownTile:
    """What answering the cached tile ``planned`` again takes (see ``KnownTile``)."""
    tile = planned.tile
    assert isinstance(tile, tiles.Tile)
    return KnownTile(planned.state, planned.principal.role, planned.key, tile.etag, tile.public)


def still_cached(app: FastAPI, known: KnownTile, authorization: bytes | None) -> tiles.Tile | None:
    """The tile ``known`` stands for, if answering it again is still right (see ``KnownTile``)."""
    state: OgcState | None = getattr(app.state, "ogc", None)
    if state is not known.state or not state.current:
        return None
    if authorization is not None:
        try:
            principal = known_caller(authorization.decode("latin-1"), app.state.principals)
        except FlaechenpoolError:
            return None
        if principal is None or principal.role != known.role:
            return None
    entry = state.tiles.get(known.key)
    if entry is None or entry.etag != known.etag:
        return None
    return tiles.Tile(entry.data, entry.etag, known.public)


def raw_tile_headers(tile: tiles.Tile) -> list[tuple[bytes, bytes]]:
    """``tile_headers`` as ASGI sends them (the headers of a 304)."""
    return [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in tile_headers(tile).items()]


def answer(tile: tiles.Tile, if_none_match: bytes | None) -> Answer:
    """Status, headers and body of a tile answer: 304 when ``If-None-Match`` names its ETag, else 200."""
    headers = raw_tile_headers(tile)
    if is_not_modified(tile.etag, None if if_none_match is None else if_none_match.decode("latin-1")):
        return 304, headers, b""
    headers += [(b"content-type", _MVT), (b"content-length", str(len(tile.data)).encode())]
    return 200, headers, tile.data


async def send_answer(send: Send, tile: tiles.Tile, if_none_match: bytes | None) -> None:
    """``answer`` as the two ASGI messages of a response."""
    status, headers, body = answer(tile, if_none_match)
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _build(opener: Opener, planned: tiles.TileBuild) -> tiles.Tile:
    with opener() as conn:
        return tiles.build_tile(conn, planned)
