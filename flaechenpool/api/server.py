"""Serving the application with uvicorn, and cached tiles answered by the HTTP protocol itself.

``run(app, …)`` is what ``flaechenpool serve`` (and the live test server) runs: uvicorn with its C
parser (httptools) and uvloop, and ``TileProtocol`` as its HTTP protocol.

A map view sends dozens of tile requests, and most are answered from the tile cache. For those,
uvicorn's work per request — the ASGI scope, a request/response cycle, an asyncio task, the ASGI
messages — costs more than the answer itself. ``TileProtocol`` is uvicorn's httptools protocol with
one step added once a request's headers are parsed, for a tile of a caller known without the database
(``tile_front.plan_request``, the ``TileFront`` middleware's decision):

* a cached tile, 200 or 304: the protocol writes the answer to the socket itself and the request never
  becomes an ASGI task; a URL answered before is checked again by ``tile_front.still_cached`` without
  planning;
* a tile to build: uvicorn's request/response cycle runs with the build (``tile_front.build``) as its
  application — past the middleware stack and without planning the tile a second time. Should the
  build fail, the application answers as without this protocol.

An items page (``GET /ogc/collections/{id}/items``) goes the same way past the middleware stack to the
items front (``items_front.page_of``), and on to the application when that does not answer it.

Everything else — any other request, an unknown caller, a query string, pipelined requests behind one
still running, ``Expect``, HTTP/1.0, an access log to write, a client not reading — goes on through
uvicorn to the application as before. Measured on this machine: about 40 % more cached tiles per
second than through the ASGI middleware, and a built z16 tile at 0.93 instead of 0.78 of raw SQL
(docs/PERFORMANCE.md). Without this protocol (``uvicorn --factory flaechenpool.api.app:app_factory``)
the middleware answers the same requests.
"""

from __future__ import annotations

import copy
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import httptools
import uvicorn
import uvicorn.config
from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from flaechenpool.api.items_front import items_response, page_of
from flaechenpool.api.responses import is_not_modified
from flaechenpool.api.tile_front import (
    FRONT_TRIED,
    KnownTile,
    Planned,
    answer,
    build,
    known_again,
    plan_request,
    raw_tile_headers,
    send_answer,
    still_cached,
)
from flaechenpool.features import service
from flaechenpool.features.tiles import Tile


class _Signal:
    def set(self) -> None:
        pass


class _Answered:
    """Stands for uvicorn's request/response cycle of a request this protocol answered: complete, so
    the next request starts at once, and the rest of this one (a body) is ignored."""
    response_complete = True
    disconnected = False
    message_event = _Signal()


_ANSWERED = _Answered()
T = TypeVar("T")
log = logging.getLogger("flaechenpool.api")


def _lines(headers: list[tuple[bytes, bytes]]) -> bytes:
    return b"".join(b"%s: %s\r\n" % pair for pair in headers)


@dataclass(frozen=True)
class _Build:
    """A tile to build for a request: the plan and the request's ``If-None-Match``."""
    planned: Planned
    if_none_match: bytes | None


@dataclass(frozen=True)
class _Again:
    """How to answer a URL again for the same ``Authorization``: the tile and its two header blocks."""
    known: KnownTile
    ok: bytes               # header lines of the 200 (content type, length)
    not_modified: bytes     # header lines of the 304


class TileProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol that writes cached tile answers itself (see the module)."""

    application: FastAPI            # set by ``tile_protocol``
    again: dict[tuple[bytes, bytes | None], _Again]     # (URL, Authorization) → how to answer it again
    answered = 0                    # requests answered here, for tests and diagnostics
    built = 0                       # tiles built through ``_start_build``, for tests and diagnostics
    fast = True                     # answer cached tiles here (off after an unexpected error)
    AGAIN_MAX = 16_384              # remembered URLs (some 500 bytes each; no tile data, which the cache holds)

    def on_headers_complete(self) -> None:
        found = None
        if self.fast:
            try:
                found = self._fast_answer()
            except Exception:   # uvicorn's protocol changed, or a bug: from now on the application answers all
                log.exception("cached tiles are answered through the application from now on")
                type(self).fast = False
        if found is None:
            self._start(self._items_front() if self.fast and self._is_items_page() else None)
        elif isinstance(found, _Build):
            self._start_build(found)
        else:
            self._write(*found)

    def send_400_response(self, msg: str) -> None:
        """A request the HTTP parser refuses (malformed, or a request line and headers beyond its 64 KiB) is a
        problem+json like every other 400, not uvicorn's plain text; the connection closes."""
        body = json.dumps({"type": "about:blank", "title": "Bad request", "status": 400,
                           "detail": "The request could not be read: not valid HTTP/1.1, or its request line and "
                                     "headers are longer than 64 KiB (a long filter can be sent as CQL2 in fewer "
                                     "characters)."}).encode()
        self.transport.write(b"".join((STATUS_LINE[400], _lines(self.server_state.default_headers),
                                       b"content-type: application/problem+json\r\ncontent-length: ",
                                       str(len(body)).encode(), b"\r\nconnection: close\r\n\r\n", body)))
        self.transport.close()

    def _fast_answer(self) -> tuple[int, bytes, bytes] | _Build | None:
        """Status, header lines and body of the answer, if this request is a cached tile; what building
        it takes, if it is a tile to build (see the module); else ``None``."""
        parser = self.parser
        if b"/tiles/" not in self.url or b"?" in self.url:
            return None         # not a tile, or a query string: the application answers
        if (self.cycle is not None and not self.cycle.response_complete) or self.pipeline \
                or self.expect_100_continue or self.config.access_log or self.flow.write_paused \
                or parser.get_method() != b"GET" or parser.get_http_version() != "1.1" or parser.should_upgrade():
            return None
        authorization = if_none_match = None
        for name, value in self.headers:
            if name == b"authorization" and authorization is None:
                authorization = value
            elif name == b"if-none-match" and if_none_match is None:
                if_none_match = value
        key = (self.url, authorization)
        again = self.again.get(key)
        tile = None if again is None else still_cached(self.application, again.known, authorization)
        if again is None or tile is None:       # tile is None whenever again is
            planned = self._plan(key, authorization)
            if planned is None or isinstance(planned, Planned):
                return None if planned is None else _Build(planned, if_none_match)
            again, tile = planned
        if is_not_modified(tile.etag, None if if_none_match is None else if_none_match.decode("latin-1")):
            return 304, again.not_modified, b""
        return 200, again.ok, tile.data

    def _plan(self, key: tuple[bytes, bytes | None],
              authorization: bytes | None) -> tuple[_Again, Tile] | Planned | None:
        """How to answer a URL not answered before (or no longer so): ``plan_request``; a cached tile's
        answer is remembered, a tile to build is returned as planned."""
        self.again.pop(key, None)
        url = httptools.parse_url(self.url)
        if url.query or b"%" in url.path:
            return None
        planned = plan_request(self.application, url.path.decode("ascii"), authorization)
        if planned is None or not isinstance(planned.tile, Tile):
            return planned
        tile = planned.tile
        again = _Again(known_again(planned), _lines(answer(tile, None)[1]), _lines(raw_tile_headers(tile)))
        if len(self.again) >= self.AGAIN_MAX:
            self.again.clear()
        self.again[key] = again
        return again, tile

    def _is_items_page(self) -> bool:
        """A ``GET`` of ``/ogc/collections/{id}/items`` (any query string) that does not come through a
        proxy: the links of a page name the scheme and host the client used, which uvicorn's
        ``ProxyHeadersMiddleware`` takes from ``X-Forwarded-*``; those requests go its way."""
        path = self.url.partition(b"?")[0]
        if not (path.endswith(b"/items") and b"/ogc/collections/" in path and self.parser.get_method() == b"GET"):
            return False
        return not any(name.startswith(b"x-forwarded-") or name == b"forwarded" for name, _ in self.headers)

    def _items_front(self) -> ASGIApp:
        """The items front (``items_front.page_of``) past the middleware stack in front of it."""
        application = self.application

        async def read(scope: Scope) -> service.ItemsResult | None:
            scope["app"] = application      # as FastAPI sets it for its middlewares
            return await page_of(scope)

        async def respond(result: service.ItemsResult, scope: Scope, receive: Receive, send: Send) -> None:
            await items_response(result)(scope, receive, send)

        return self._front(read, respond, "reading an items page")

    def _front(self, read: Callable[[Scope], Awaitable[T | None]],
               respond: Callable[[T, Scope, Receive, Send], Awaitable[None]], doing: str) -> ASGIApp:
        """An application for uvicorn's cycle that answers with ``respond`` what ``read`` finds; what it does
        not find, or a bug in either, goes on to the whole application marked ``FRONT_TRIED`` (its fronts do
        not try again) and is answered as without this protocol (errors as problem+json)."""
        full = self.app

        async def front(scope: Scope, receive: Receive, send: Send) -> None:
            try:
                found = await read(scope)
            except Exception:   # a bug: the application answers it as it answers errors
                log.exception("%s in the HTTP protocol failed; the application answers it", doing)
                found = None
            if found is None:
                scope[FRONT_TRIED] = True
                await full(scope, receive, send)
            else:
                await respond(found, scope, receive, send)

        return front

    def _start(self, app: ASGIApp | None) -> None:
        """uvicorn's handling of the parsed request, with ``app`` as its application (``None``: the whole
        application)."""
        if app is None:
            super().on_headers_complete()
            return
        application = self.app
        self.app = app
        try:
            super().on_headers_complete()
        finally:
            self.app = application

    def _start_build(self, job: _Build) -> None:
        """uvicorn's request/response cycle with the tile's build as its application instead of the
        whole stack: the plan made here is not made again, and the middlewares are not passed (``_front``)."""
        application = self.application

        async def read(scope: Scope) -> Tile | None:
            return await build(application, job.planned)

        async def respond(tile: Tile, scope: Scope, receive: Receive, send: Send) -> None:
            await send_answer(send, tile, job.if_none_match)
            type(self).built += 1

        self._start(self._front(read, respond, "building a tile"))

    def _write(self, status: int, head: bytes, body: bytes) -> None:
        keep_alive = self.parser.should_keep_alive()
        self.transport.write(b"".join((STATUS_LINE[status], _lines(self.server_state.default_headers), head,
                                       b"\r\n" if keep_alive else b"connection: close\r\n\r\n", body)))
        self.cycle = _ANSWERED  # type: ignore[assignment]
        type(self).answered += 1
        if not keep_alive:
            self.transport.close()
        self.on_response_complete()     # counts the request, arms the keep-alive timeout


def tile_protocol(app: FastAPI) -> type[HttpToolsProtocol]:
    """``TileProtocol`` for one application (uvicorn creates one protocol per connection); uvicorn's own
    protocol if this uvicorn lacks what ``TileProtocol`` builds on."""
    if not all(callable(getattr(HttpToolsProtocol, name, None))
               for name in ("on_headers_complete", "on_response_complete")):
        log.warning("this uvicorn's httptools protocol is not the one TileProtocol knows: not used")
        return HttpToolsProtocol
    return type("TileProtocol", (TileProtocol,), {"application": app, "again": {}, "answered": 0, "built": 0,
                                                 "fast": True})


def log_config(level: str) -> dict[str, Any]:
    """uvicorn's logging configuration with the service's own loggers (``flaechenpool.*``: background jobs,
    warnings) on the same handler, so their messages reach the service's log (journald under systemd)."""
    config = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    config["loggers"]["flaechenpool"] = {"handlers": ["default"], "level": level.upper(), "propagate": False}
    return config


def run(app: FastAPI, host: str, port: int, *, log_level: str = "info", access_log: bool = False) -> None:
    """Serve ``app`` until interrupted (``TileProtocol``, uvloop when installed). ``access_log``: a line per
    request on stdout (uvicorn's access log); cached tiles are then answered by the application, which
    writes the line, not by the protocol."""
    uvicorn.run(app, host=host, port=port, log_level=log_level, log_config=log_config(log_level),
                access_log=access_log, http=tile_protocol(app))
