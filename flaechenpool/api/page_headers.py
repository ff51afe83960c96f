"""Security headers of every HTML page (the public page, detail pages, legal pages, /docs, the OGC
API's HTML): a Content-Security-Policy that lets a page load only from this server (and from the
base map's provider when one is configured, ``web.basemap_tiles``), run only its own scripts (files
from here, inline ones by the hash of their text), be framed only by the configured origins
(``web.frame_ancestors``); ``nosniff`` and a referrer policy that sends other sites no paths.

``PageHeaders`` is a pure ASGI middleware: it reads the start of every response and, for HTML only,
keeps the (small) body to hash its inline ``<script>`` and ``<style>`` blocks. Other responses pass
through untouched.
"""

from __future__ import annotations

import base64
import hashlib
import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from flaechenpool.settings import WebSettings

INLINE = re.compile(rb"<(script|style)\b([^>]*)>(.*?)</\1\s*>", re.S | re.I)
SOURCE_OR_DATA = re.compile(rb"""\bsrc\s*=|\btype\s*=\s*["']?application/(?:ld\+)?json""", re.I)


def _sha256(body: bytes) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(body).digest()).decode() + "'"


def inline_hashes(html: bytes) -> tuple[list[str], list[str]]:
    """CSP hashes of the inline scripts (import maps included; data blocks and external scripts are not
    run as inline code) and of the ``<style>`` blocks of a page."""
    scripts, styles = [], []
    for tag, attributes, body in INLINE.findall(html):
        if tag.lower() == b"style":
            styles.append(_sha256(body))
        elif not SOURCE_OR_DATA.search(attributes):
            scripts.append(_sha256(body))
    return sorted(set(scripts)), sorted(set(styles))


class PagePolicy:
    """The headers of the HTML pages under the web settings."""

    def __init__(self, web: WebSettings) -> None:
        remote = f" {web.basemap_origin}" if web.basemap_origin else ""
        ancestors = " ".join(["'self'", *(web.frame_ancestors or "").split()])
        self.template = ("default-src 'self'; script-src 'self'{scripts}; style-src 'self'{styles}; "
                         f"img-src 'self' data: blob:{remote}; connect-src 'self'{remote}; worker-src 'self' blob:; "
                         "font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
                         f"frame-ancestors {ancestors}")
        self.fixed = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"strict-origin-when-cross-origin")]

    def headers(self, html: bytes) -> list[tuple[bytes, bytes]]:
        scripts, styles = inline_hashes(html)
        policy = self.template.format(scripts="".join(" " + h for h in scripts),
                                      styles="".join(" " + h for h in styles))
        return [(b"content-security-policy", policy.encode()), *self.fixed]


def _is_html(message: Message) -> bool:
    for name, value in message.get("headers", ()):
        if name.lower() == b"content-type":
            return value.lower().startswith(b"text/html")
    return False


class PageHeaders:
    """Adds ``PagePolicy``'s headers to HTML responses (see the module's docstring)."""

    def __init__(self, app: ASGIApp, policy: PagePolicy) -> None:
        self.app = app
        self.policy = policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        parts: list[bytes] = []

        async def send_with_headers(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start" and _is_html(message):
                start = message
                return
            if start is None or message["type"] != "http.response.body":
                await send(message)
                return
            parts.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            body = b"".join(parts)
            headers = [(n, v) for n, v in start["headers"] if n.lower() != b"content-security-policy"]
            await send({**start, "headers": [*headers, *self.policy.headers(body)]})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, send_with_headers)
