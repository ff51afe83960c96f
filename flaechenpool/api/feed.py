"""``/flaechen.atom``: the published sites as an Atom feed (RFC 4287), newest change first, in German, for
investors and economic-development agencies who follow the offers in a feed reader instead of visiting the
page. Built from the public site list (``public_sites.site_collection``): public fields only; invented demo
sites carry "(illustrativ)" in their title, as they carry the badge on the page."""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

from flaechenpool.expose.labels import AVAILABILITY, KIND, number, price

FEED_SIZE = 50
TITLE = "Flächenpool – verfügbare Gewerbe- und Potenzialflächen"


def atom_feed(base_url: str, sites: list[dict[str, Any]]) -> str:
    """The feed of ``sites`` (GeoJSON features of ``/api/public/sites``, newest change first)."""
    base = base_url.rstrip("/")
    updated = max((s["properties"]["updated_at"] for s in sites), default="1970-01-01T00:00:00Z")
    entries = "".join(_entry(base, s["properties"]) for s in sites)
    return (f'<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="de">\n'
            f"<title>{escape(TITLE)}</title>\n<id>{escape(base)}/flaechen.atom</id>\n<updated>{_time(updated)}</updated>\n"
            f'<link rel="self" type="application/atom+xml" href="{escape(base)}/flaechen.atom"/>\n'
            f'<link rel="alternate" type="text/html" href="{escape(base)}/"/>\n'
            f"<author><name>Flächenpool</name></author>\n{entries}</feed>\n")


def _entry(base: str, p: dict[str, Any]) -> str:
    url = f"{base}/flaechen/{int(p['id'])}"
    title = p["name"] + (" (illustrativ)" if p.get("illustrative") else "")
    summary = (f"{KIND.get(p['kind'], p['kind'])} in {p['municipality']}: {number(p['area_m2'])} m², "
               f"{price(p.get('asking_price_eur_m2'))}, "
               f"verfügbar {AVAILABILITY.get(p['availability'], p['availability'])}")
    if p.get("illustrative"):
        summary += ". Erfundenes Beispiel, kein reales Angebot."
    return (f"<entry><title>{escape(title)}</title><id>{escape(url)}</id><updated>{_time(p['updated_at'])}</updated>"
            f'<link rel="alternate" type="text/html" href="{escape(url)}"/><summary>{escape(summary)}</summary>'
            "</entry>\n")


def _time(value: str) -> str:
    """An RFC 3339 time as Atom wants it (PostgreSQL's JSON gives ``2026-11-30T08:05:24.123+00:00``)."""
    return value if value.endswith("Z") or value[-6] in "+-" else value + "Z"
