"""Items pages answered in front of the application: ASGI middleware.

QGIS and GDAL page through ``/ogc/collections/{id}/items`` request after request, and a page of a small
box or a narrow filter takes the database a few milliseconds. This middleware answers a ``GET`` of an
items page (GeoJSON) itself when the caller is known without the database (anonymous, or a token fresh
in the ``PrincipalCache``) and the OGC state needs no change-log poll: the page is read on the event
loop through the app's ``AsyncReader`` (``features.async_pages``), with the same statements, role and
links as the route. FastAPI's routing, its dependency handling and its request and response objects
cost about half a millisecond of CPU per page on this machine, as much as the database needs for a
filtered page.

Served by ``flaechenpool serve``, the HTTP protocol (``api/server.py``) calls ``page_of`` itself, past the
middlewares in front of this one, and hands what it does not answer to the application marked
``FRONT_TRIED``: this middleware then passes it on without trying again.

Everything else goes on to the route, which answers it exactly as without this middleware: HTML, an
unknown or stale token, malformed credentials, an unknown collection or one the caller may not read,
any bad parameter (the route's 400 problem), the first request and the poll, and every database error
(the route reads in a worker thread).
"""

from __future__ import annotations

import re

import psycopg
from fastapi import Request
from psycopg_pool import PoolTimeout
from starlette.types import ASGIApp, Receive, Scope, Send

from flaechenpool.api.cors import READ_HEADERS
from flaechenpool.api.deps import reader_for
from flaechenpool.api.ogc_requests import base_url, params_of, ready_caller, wants_html
from flaechenpool.api.responses import PartsResponse
from flaechenpool.api.tile_front import FRONT_TRIED, route_path
from flaechenpool.errors import FlaechenpoolError
from flaechenpool.features import documents, service

_ITEMS_PATH = re.compile(r"/ogc/collections/([^/]+)/items")


def items_response(result: service.ItemsResult) -> PartsResponse:
    """The GeoJSON answer of an items page: its parts, ``Content-Crs`` and ``OGC-NumberMatched``, readable by
    pages of any origin (``cors``)."""
    headers = {"Content-Crs": result.crs.header, **READ_HEADERS}
    if result.matched is not None:
        headers["OGC-NumberMatched"] = str(result.matched)
    return PartsResponse(result.parts, media_type=documents.GEOJSON, headers=headers)


class ItemsFront:
    """Answers the items pages of known callers without entering the application (see the module)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        result = await page_of(scope)
        if result is not None:
            await items_response(result)(scope, receive, send)
            return
        await self.app(scope, receive, send)


async def page_of(scope: Scope) -> service.ItemsResult | None:
    """The items page a request asks for, when it can be read here (see the module); ``None`` when the
    route is to answer — also for a request the HTTP protocol tried here already (``FRONT_TRIED``)."""
    if scope["type"] != "http" or scope["method"] != "GET" or scope.get(FRONT_TRIED):
        return None
    match = _ITEMS_PATH.fullmatch(route_path(scope))
    return None if match is None else await _page(Request(scope), match.group(1))


async def _page(request: Request, collection_id: str) -> service.ItemsResult | None:
    """The page, when it can be read here; ``None`` when the route is to answer."""
    app = request.app
    reader = reader_for(app)
    if reader is None:
        return None         # no reader (resting after a failure, the tests' connection)
    try:
        ready = ready_caller(app, request.headers.get("authorization"))
        if ready is None:
            return None     # first use, the change-log poll, an unknown caller
        state, principal = ready
        params = params_of(request)
        if wants_html(request, params):
            return None
        settings = app.state.settings
        return await service.items_async(reader, state, principal, collection_id, params, base=base_url(request),
                                         default_limit=settings.api.default_limit, max_limit=settings.api.max_limit)
    except (FlaechenpoolError, psycopg.Error, PoolTimeout):
        return None         # the route answers: the 400/401/403/404 problem, or the page read in a worker thread
