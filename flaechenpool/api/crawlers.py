"""``/robots.txt`` and ``/sitemap.xml`` for search engines: investors find a site's detail page through a
search. Listed are the map page and the detail pages of published real sites; the demo's invented sites
stay out (their pages also say ``noindex``), and so do the APIs, the OGC API and ``/docs``."""

from __future__ import annotations

import datetime as dt
from typing import Any
from xml.sax.saxutils import escape

DISALLOWED = ("/api/", "/ogc", "/docs", "/openapi.json", "/health")
ALLOWED = ("/api/public/sites/*/photos/",)     # the photos of published sites (image search, link previews)


def robots_txt(base_url: str) -> str:
    lines = ["User-agent: *", *(f"Allow: {path}" for path in ALLOWED), *(f"Disallow: {path}" for path in DISALLOWED),
             "",
             f"Sitemap: {base_url.rstrip('/')}/sitemap.xml"]
    return "\n".join(lines) + "\n"


def sitemap_xml(base_url: str, sites: list[dict[str, Any]]) -> str:
    """The sitemap (sitemaps.org 0.9): the map page (changed with the latest site) and each site's page."""
    base = base_url.rstrip("/")
    latest = max((s["changed"] for s in sites), default=None)
    urls = [_url(f"{base}/", latest), *(_url(f"{base}/flaechen/{int(s['id'])}", s["changed"]) for s in sites)]
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            + "".join(urls) + "</urlset>\n")


def _url(location: str, changed: dt.date | None) -> str:
    lastmod = f"<lastmod>{changed.isoformat()}</lastmod>" if changed else ""
    return f"<url><loc>{escape(location)}</loc>{lastmod}</url>\n"
