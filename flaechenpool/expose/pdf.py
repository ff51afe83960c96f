"""The printable exposé as PDF (WeasyPrint; needs Debian's pango). Nothing is fetched from outside:
the map is inline SVG, the photo a data: URI, and every other URL stops the rendering."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection

from flaechenpool import public_sites, site_photos
from flaechenpool.expose.html import detail_page, print_document
from flaechenpool.expose.mapsvg import site_map_svg


def _site_and_map(conn: Connection, site_id: int) -> tuple[dict[str, Any], str]:
    site = public_sites.site_feature(conn, site_id)["properties"]
    return site, site_map_svg(conn, site_id, title=f"Karte: {site['name']}, {site['municipality']}")


def expose_page(conn: Connection, site_id: int, *, base_url: str) -> str:
    """The German detail page of a published site (404 otherwise); ``base_url``: where the service is reached."""
    return detail_page(*_site_and_map(conn, site_id), base_url)


def expose_pdf(conn: Connection, site_id: int, *, today: dt.date | None = None, base_url: str = "") -> tuple[bytes, str]:
    """The PDF exposé of a published site and a file name for it; ``base_url`` is where the service is
    reached (printed as the address of the detail page)."""
    site, svg = _site_and_map(conn, site_id)
    photo = None
    if site.get("photos"):
        content, media_type, _ = site_photos.public_photo(conn, site_id, site["photos"][0]["id"])
        photo = (content, media_type)
    html = print_document(site, svg, today=today or dt.date.today(), base_url=base_url, photo=photo)
    return render_pdf(html), f"expose-flaeche-{site_id}.pdf"


def render_pdf(html: str) -> bytes:
    """A PDF of a self-contained HTML document: only what it carries itself (a photo as a data: URI) is
    read; any other URL stops the rendering."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    only_inline = URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)
    pdf = HTML(string=html, base_url=None, url_fetcher=only_inline).write_pdf()
    assert pdf is not None
    return pdf
