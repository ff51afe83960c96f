"""The printable exposé as PDF (WeasyPrint; needs Debian's pango). Nothing is fetched from outside:
the map is inline SVG and every other URL is refused."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection

from flaechenpool import public_sites
from flaechenpool.errors import FlaechenpoolError
from flaechenpool.expose.html import detail_page, print_document
from flaechenpool.expose.mapsvg import site_map_svg


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    raise FlaechenpoolError(f"the exposé may not load {url!r}")


def _site_and_map(conn: Connection, site_id: int) -> tuple[dict[str, Any], str]:
    site = public_sites.site_feature(conn, site_id)["properties"]
    return site, site_map_svg(conn, site_id, title=f"Karte: {site['name']}, {site['municipality']}")


def expose_page(conn: Connection, site_id: int) -> str:
    """The German detail page of a published site (404 otherwise)."""
    return detail_page(*_site_and_map(conn, site_id))


def expose_pdf(conn: Connection, site_id: int, *, today: dt.date | None = None, base_url: str = "") -> tuple[bytes, str]:
    """The PDF exposé of a published site and a file name for it; ``base_url`` is where the service is
    reached (printed as the address of the detail page)."""
    from weasyprint import HTML

    site, svg = _site_and_map(conn, site_id)
    html = print_document(site, svg, today=today or dt.date.today(), base_url=base_url)
    pdf = HTML(string=html, base_url=None, url_fetcher=_no_fetch).write_pdf()
    assert pdf is not None
    return pdf, f"expose-flaeche-{site_id}.pdf"
