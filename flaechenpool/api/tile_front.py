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
"""

from __future__ import annotations

import re

import psycopg
from psycopg_pool import PoolTimeout
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from flaechenpool.api.deps import Opener, get_connection_opener, opener_for
from flaechenpool.api.principal_cache import PrincipalCache
from flaechenpool.api.security import known_caller
from flaechenpool.async_reads import AsyncReader
from flaechenpool.errors import FlaechenpoolError
from flaechenpool.features import tiles
from flaechenpool.features.documents import MVT
from flaechenpool.features.state import OgcState

_TILE_PATH = re.compile(r"/ogc/(?:collections/([^/]+)/)?tiles/([^/]+)/(\d{1,2})/(\d{1,9})/(\d{1,9})")


def _route_path(scope: Scope) -> str:
    """The path the routes match: without the ``root_path`` a proxy serves the application under."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root):] if root and path.startswith(root) else path


def _header(scope: Scope, name: bytes) -> bytes | None:
    """A request header's first value, as Starlette's ``request.headers.get`` reads it."""
    return next((value for key, value in scope["headers"] if key == name), None)


def tile_headers(tile: tiles.Tile) -> dict[str, str]:
    """The headers of a tile answer (200 and 304): validator, caching and who may keep it."""
    return {"ETag": tile.etag, "Vary": "Authorization",
            "Cache-Control": ("public" if tile.public else "private") + ", no-cache"}


def is_not_modified(tile: tiles.Tile, if_none_match: str | None) -> bool:
    """Whether the client's ``If-None-Match`` names the tile's current ETag (answer 304)."""
    return bool(if_none_match) and tile.etag in [v.strip() for v in if_none_match.split(",")]  # type: ignore[union-attr]


class TileFront:
    """Answers the tile requests of known callers without entering the application (see the module)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET" and not scope.get("query_string"):
            match = _TILE_PATH.fullmatch(_route_path(scope))
            if match is not None:
                tile = await self._tile(scope, _header(scope, b"authorization"), match)
                if tile is not None:
                    await self._answer(tile, _header(scope, b"if-none-match"), send)
                    return
        await self.app(scope, receive, send)

    @staticmethod
    async def _tile(scope: Scope, authorization: bytes | None, match: re.Match[str]) -> tiles.Tile | None:
        app = scope["app"]
        state: OgcState | None = getattr(app.state, "ogc", None)
        cache: PrincipalCache | None = getattr(app.state, "principals", None)
        if state is None or cache is None or not tiles.servable(state):
            return None     # first use, or the change log is due for its poll: the route does both
        collection, tms, z, y, x = match.groups()
        tileset = tiles.ALL if collection is None else collection
        try:
            principal = known_caller(None if authorization is None else authorization.decode("latin-1"), cache)
            if principal is None:
                return None
            planned = tiles.plan_tile(state, principal, tileset, tms, int(z), int(x), int(y))
            if isinstance(planned, tiles.Tile):
                return planned
            assert planned.sql is not None
            reader: AsyncReader | None = getattr(app.state, "reader", None)
            if reader is None or get_connection_opener in app.dependency_overrides:
                # no reader, or the tests' savepoint connection: build in a worker thread
                return await run_in_threadpool(_build, opener_for(app), planned)
            return planned.finish(await reader.row_as(planned.sql, planned.params, role=principal.role))
        except (FlaechenpoolError, SQLAlchemyError, psycopg.Error, PoolTimeout):
            return None     # the route answers it (problem+json): the error again, or the tile

    @staticmethod
    async def _answer(tile: tiles.Tile, if_none_match: bytes | None, send: Send) -> None:
        headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in tile_headers(tile).items()]
        if is_not_modified(tile, None if if_none_match is None else if_none_match.decode("latin-1")):
            await send({"type": "http.response.start", "status": 304, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return
        headers += [(b"content-type", MVT.encode("latin-1")), (b"content-length", str(len(tile.data)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": tile.data})


def _build(opener: Opener, planned: tiles.TileBuild) -> tiles.Tile:
    with opener() as conn:
        return tiles.build_tile(conn, planned)
