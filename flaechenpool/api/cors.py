"""Cross-origin reads (CORS) of the OGC API and the public API: a town's own website that shows the available
commercial land in its map, or an OGC API client in a browser, may read ``/ogc`` and ``/api/public`` from any
origin, as OGC API – Features recommends for browser clients and TiPg and pygeoapi do by default.

Only reads are opened: ``GET`` and ``HEAD`` (also with ``Authorization``, so a planner's token works in a browser
client elsewhere; a token is sent by the client, never ambient like a cookie) and their preflights. Writes, the
public forms and the staff API get no CORS headers, so a page of another origin cannot send them with a JSON
body or a token.

Every read answer carries ``Access-Control-Allow-Origin: *`` whether or not the request named an origin, so the
answer does not vary by origin and caches need no ``Vary: Origin``; the HTTP protocol's fast paths (cached tiles,
items pages) send the same header (``tile_front.tile_headers``, ``items_front.items_response``). Starlette's
``CORSMiddleware`` adds ``Vary: Origin`` and the header only when an origin is named, which would make the
application's answers differ from the fast paths'.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PATHS = ("/ogc", "/api/public/")
EXPOSED = ("ETag", "Content-Crs", "OGC-NumberMatched", "Link", "Content-Disposition")
ALLOWED_HEADERS = ("accept", "accept-language", "authorization", "if-none-match")
PREFLIGHT = [(b"access-control-allow-origin", b"*"), (b"access-control-allow-methods", b"GET, HEAD"),
             (b"access-control-allow-headers", ", ".join(ALLOWED_HEADERS).encode()),
             (b"access-control-max-age", b"86400"), (b"content-length", b"0")]
READ_HEADERS = {"Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": ", ".join(EXPOSED)}


class PublicReadsCors:
    """Answers the preflights of reads of ``PATHS`` and marks their answers readable by any origin; everything
    else passes to the application untouched."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(PATHS):
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        if method == "OPTIONS":
            headers = dict(scope["headers"])
            requested = headers.get(b"access-control-request-method", b"").upper()
            if b"origin" in headers and requested in (b"GET", b"HEAD") and _allowed(headers):
                await send({"type": "http.response.start", "status": 204, "headers": PREFLIGHT})
                await send({"type": "http.response.body", "body": b""})
                return
        if method not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return

        async def readable(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in READ_HEADERS.items():
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, readable)


def _allowed(headers: dict[bytes, bytes]) -> bool:
    """Whether every header the preflight announces may be sent."""
    announced = headers.get(b"access-control-request-headers", b"").decode("latin-1").lower()
    return all(h.strip() in ALLOWED_HEADERS for h in announced.split(",") if h.strip())
