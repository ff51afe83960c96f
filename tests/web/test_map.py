"""The map renders the project's vector tiles, the list follows the map, a shared URL restores the view,
and the page looks right at desktop and phone width (screenshots in artifacts/)."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pytest
from PIL import Image
from sqlalchemy import Connection, text

from tests.web.conftest import Site

SITE_FILL = np.array([0x0B, 0x6E, 0x99]) * 0.45 + np.array([0xF6, 0xF7, 0xF4]) * 0.55   # fill over the background
MUNICIPALITY_LINE = np.array([0x6A, 0x3D, 0x9A])


def _pixels(site: Site) -> np.ndarray:
    """The map canvas as RGB pixels (a screenshot: the WebGL buffer itself is not readable)."""
    png = site.page.locator("canvas.maplibregl-canvas").screenshot()
    with Image.open(io.BytesIO(png)) as image:
        return np.asarray(image.convert("RGB")).astype(int)


def _share(pixels: np.ndarray, colour: np.ndarray, tolerance: int = 24) -> float:
    return float((np.abs(pixels - colour).max(axis=2) <= tolerance).mean())


def _published(conn: Connection) -> list[dict[str, Any]]:
    sql = """SELECT s.id, s.name, ST_X(p) AS lng, ST_Y(p) AS lat,
                    ST_XMin(b) AS w, ST_YMin(b) AS s, ST_XMax(b) AS e, ST_YMax(b) AS n
             FROM core.sites s,
                  LATERAL (SELECT ST_Transform(ST_PointOnSurface(s.geom), 4326) AS p,
                                  ST_Transform(s.geom, 4326)::box2d AS b) g
             WHERE s.published AND s.retired_at IS NULL ORDER BY s.id"""
    return [dict(r) for r in conn.execute(text(sql)).mappings()]


def test_map_renders_tiles_with_base_map_sites_and_attribution(site: Site, conn: Connection) -> None:
    tiles: list[tuple[int, str]] = []
    site.page.on("response", lambda r: tiles.append((r.status, r.headers.get("content-type", "")))
                 if "/ogc/tiles/WebMercatorQuad/" in r.url else None)
    page = site.open()
    assert tiles and all(status == 200 for status, _ in tiles)
    assert any("vnd.mapbox-vector-tile" in kind for _, kind in tiles)
    marks = page.evaluate("performance.getEntriesByType('mark').map(m => m.name)")
    assert {"map-load", "first-tile", "map-idle"} <= set(marks)
    overview = _pixels(site)
    assert _share(overview, np.array([0xF6, 0xF7, 0xF4]), 2) < 0.97      # not a blank canvas
    assert _share(overview, MUNICIPALITY_LINE) > 0.001                   # boundaries from the tiles
    # zoomed in on a published site: its polygon comes from the tiles (the dots stop at zoom 13)
    target = _published(conn)[0]
    site.open(f"?map=16/{target['lat']}/{target['lng']}")
    assert _share(_pixels(site), SITE_FILL) > 0.01
    attribution = page.locator(".maplibregl-ctrl-attrib").inner_text()
    assert "GeoBasis-DE" in attribution and "OpenStreetMap" in attribution
    footer = page.locator("footer").inner_text()
    assert "dl-de/by-2-0" in footer and "ODbL" in footer and "DB Station&Service" in footer
    assert site.errors == []


def test_list_follows_the_map(site: Site, conn: Connection) -> None:
    page = site.open()
    published = _published(conn)
    items = page.locator("#site-list a[data-site-id]")
    assert sorted(int(i) for i in items.evaluate_all("els => els.map(e => e.dataset.siteId)")) == \
        [s["id"] for s in published]     # the first view fits every published site
    jena = [s for s in published if s["lng"] > 11.3]
    assert jena, "the demo publishes a site in Jena"
    page.evaluate("([lng, lat]) => window.flaechenpool.map.jumpTo({center: [lng, lat], zoom: 13})",
                  [jena[0]["lng"], jena[0]["lat"]])
    page.wait_for_function("() => location.search.includes('map=13.00')")
    w, s, e, n = page.evaluate("window.flaechenpool.map.getBounds().toArray().flat()")
    expected = sorted(x["id"] for x in published if x["w"] <= e and x["e"] >= w and x["s"] <= n and x["n"] >= s)
    listed = sorted(int(i) for i in items.evaluate_all("els => els.map(e => e.dataset.siteId)"))
    assert listed == expected and len(listed) < len(published)
    assert page.locator("#result-count").inner_text() == f"{len(expected)} von {len(published)} passenden Flächen " \
        "im Kartenausschnitt"


def test_shared_url_restores_view_filters_and_card(site: Site, conn: Connection) -> None:
    target = next(s for s in _published(conn) if "Baufeld" in s["name"])
    page = site.open(f"?map=14.50/{target['lat']:.5f}/{target['lng']:.5f}&use=office&site={target['id']}")
    page.locator("#card-title").wait_for()
    assert page.locator("#card-title").inner_text().startswith(target["name"])
    assert "null" not in page.locator("#site-card").inner_text()      # no photo, no description: left out
    facts = page.locator(".facts").inner_text()
    assert "Bodenrichtwert" in facts and "€/m² (Stichtag 01.01.2024), illustrativ" in facts     # the demo's zone
    assert page.locator("#f-use").input_value() == "office"
    view = page.evaluate("(() => { const m = window.flaechenpool.map; const c = m.getCenter();"
                         " return [m.getZoom(), c.lat, c.lng]; })()")
    assert view == pytest.approx([14.5, target["lat"], target["lng"]], abs=1e-4)
    # the state written back is the same link
    assert f"site={target['id']}" in page.url and "use=office" in page.url and "map=14.50/" in page.url


def test_screenshots_at_desktop_and_phone_width(site: Site, phone: Site, conn: Connection) -> None:
    target = _published(conn)[0]
    for name, view in (("desktop", site), ("mobile", phone)):
        page = view.open()
        path = view.screenshot(f"{name}-map")
        with Image.open(path) as image:
            assert image.size[0] == page.viewport_size["width"]
        page.locator(f"#site-list a[data-site-id='{target['id']}']").click()
        page.locator("#card-title").wait_for()
        view.page.wait_for_function("() => performance.getEntriesByName('map-idle').length > 0")
        view.screenshot(f"{name}-card")
        # nothing wider than the viewport (no horizontal scrolling on phones)
        assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
        assert view.errors == []


def test_the_card_names_a_redevelopment_area(site: Site, conn: Connection) -> None:
    porcelain = conn.execute(text("SELECT id FROM core.sites WHERE name = 'Ehemaliges Porzellanwerk Ilmenau'")
                             ).scalar_one()
    page = site.open(f"?site={porcelain}")
    page.locator("#card-title").wait_for()
    facts = page.locator(".facts").inner_text()
    assert "Besonderes Städtebaurecht" in facts
    assert "„Sanierungsgebiet Porzellanwerk (illustrativ)“ (Sanierungsgebiet oder Entwicklungsbereich)" in facts
    assert site.errors == []
