"""HTML of the public page at ``/`` (German): the template ``flaechenpool/web/templates/index.html``
filled with escaped values. Only public fields reach this module; the map, list and forms are
built by the page's scripts (``flaechenpool/web/static/js``) from the public API."""

from __future__ import annotations

import json
from functools import cache
from html import escape
from string import Template
from typing import Any

from flaechenpool import consent
from flaechenpool.expose.html import NOINDEX
from flaechenpool.expose.labels import AVAILABILITY, KIND, number, price
from flaechenpool.settings import WebSettings
from flaechenpool.web import MAPLIBRE, MAPLIBRE_CSS, SWAGGER_UI, SWAGGER_UI_CSS, TEMPLATE_DIR, Assets

ATTRIBUTION = (
    "© GeoBasis-DE / BKG 2021 (Daten verändert), dl-de/by-2-0 · © GeoBasis-DE / TLBG 2025, dl-de/by-2-0 · "
    "Haltestellendaten © DB Station&amp;Service AG (2020), CC BY 4.0 · "
    "© OpenStreetMap-Mitwirkende, ODbL 1.0 · Gemarkungsliste: OK Lab Flensburg (CC0 1.0) · "
    "Gemeindeschlüssel © Statistisches Bundesamt (Destatis), 2024"
)

MAP_ATTRIBUTION = (
    "© GeoBasis-DE / BKG, TLBG (dl-de/by-2-0) · © OpenStreetMap-Mitwirkende (ODbL) · "
    "DB Station&amp;Service (CC BY 4.0) · <a href=\"#quellen\">alle Quellen</a>"
)


@cache
def _template(name: str) -> Template:
    return Template((TEMPLATE_DIR / name).read_text(encoding="utf-8"))


def _site_item(feature: dict[str, Any]) -> str:
    """One entry of the list (server-rendered for the first paint and for browsers without JavaScript)."""
    s = feature["properties"]
    site_id = int(s["id"])
    badge = ' <span class="badge" title="Erfundene Beispieldaten, kein reales Angebot">illustrativ</span>' \
        if s["illustrative"] else ""
    thumbnail = s.get("thumbnail")      # decorative here: the name follows (as in the script's list)
    image = (f'<img class="site-thumb" src="{escape(thumbnail["url"])}" alt="" loading="lazy" width="96" height="72">'
             if thumbnail else "")
    return (f'<li><a class="site-item{" with-thumb" if image else ""}" href="{escape(s["expose_url"])}" '
            f'data-site-id="{site_id}">{image}<span class="site-name">{escape(s["name"])}</span>{badge}'
            f'<span class="site-meta">{escape(s["municipality"])} · {escape(KIND.get(s["kind"], s["kind"]))}</span>'
            f'<span class="site-facts">{number(s["area_m2"])} m² · {price(s["asking_price_eur_m2"])} · verfügbar '
            f'{escape(AVAILABILITY.get(s["availability"], s["availability"]))}</span></a></li>')


def _json_in_script(value: Any) -> str:
    """JSON for a ``<script type="application/json">`` element (no ``</script>`` can end it early)."""
    return json.dumps(value, ensure_ascii=False).replace("<", "\\u003c")


def _basemap(web: WebSettings) -> dict[str, Any] | None:
    """The raster base map for the page's script (``web.basemap_*``)."""
    return {"tiles": web.basemap_tiles, "maxzoom": web.basemap_max_zoom} if web.basemap_tiles else None


DEMO_NOTE = """<p class="demo-note" id="demo-note">Diese Installation zeigt Demodaten. Einträge mit dem Hinweis
  <span class="badge">illustrativ</span> sind erfundene Beispieldaten und keine realen Angebote.</p>
"""


def index_page(sites: list[dict[str, Any]], municipalities: list[dict[str, Any]], assets: Assets,
               web: WebSettings, *, illustrative: bool) -> str:
    """The public map page: filters, list, card, construction projects and the report form.

    ``sites`` are GeoJSON features of ``GET /api/public/sites``; ``municipalities`` rows of
    ``/api/public/municipalities`` (ags, name, sites, bbox): the filter offers those with sites, the map
    labels all of them. With a base map configured (``web``), the map draws it under its own layers. When
    invented demo entries are published (``illustrative``), a note at the top says so and search engines are
    asked not to index the page."""
    options = "\n".join(f'              <option value="{escape(m["ags"])}">{escape(m["name"])} ({m["sites"]})</option>'
                        for m in municipalities if m["sites"])
    labels = [{"name": m["name"], "bbox": m["bbox"]} for m in municipalities if m.get("bbox")]
    basemap, credit = _basemap(web), escape(web.basemap_attribution or "") if web.basemap_tiles else ""
    items = "\n".join(_site_item(s) for s in sites) or "<li>Derzeit sind keine Flächen veröffentlicht.</li>"
    count = f"{len(sites)} veröffentlichte Flächen" if len(sites) != 1 else "1 veröffentlichte Fläche"
    return _template("index.html").substitute(
        favicon=escape(assets.url("favicon.svg")), municipalities_json=_json_in_script(labels),
        maplibre_css=escape(assets.url(MAPLIBRE_CSS)), page_css=escape(assets.url("css/page.css")),
        maplibre_js=escape(assets.url(MAPLIBRE)), app_js=escape(assets.url("js/app.js")),
        import_map=assets.import_map(), municipality_options=options, initial_count=count,
        initial_list=items, attribution=ATTRIBUTION,
        attribution_attr=escape(f"{credit} · {MAP_ATTRIBUTION}" if credit else MAP_ATTRIBUTION),
        basemap_attr=escape(json.dumps(basemap)) if basemap else "",
        basemap_credit=f" · Hintergrundkarte: {credit}" if credit else "",
        inquiry_consent_text=escape(consent.INQUIRY.text), inquiry_consent_version=escape(consent.INQUIRY.version),
        report_consent_text=escape(consent.REPORT_CONTACT.text),
        report_consent_version=escape(consent.REPORT_CONTACT.version),
        demo_note=DEMO_NOTE if illustrative else "",
        robots_meta=NOINDEX + "\n" if illustrative else "",
    )


def docs_page(openapi_url: str, title: str, assets: Assets) -> str:
    """``/docs``: Swagger UI over the OpenAPI description, from this server's own copy (FastAPI's default page
    loads it from a CDN, which would hand every visitor's address to a third party)."""
    return _template("docs.html").substitute(
        title=escape(title), openapi_url=escape(openapi_url), favicon=escape(assets.url("favicon.svg")),
        swagger_css=escape(assets.url(SWAGGER_UI_CSS)), swagger_js=escape(assets.url(SWAGGER_UI)),
        init_js=escape(assets.url("docs.js")))
