"""Filters narrow the list and the map; the card of a site opens from the list and from the map and
links to the detail page and the PDF exposé."""

from __future__ import annotations

import io
from pathlib import Path

from pypdf import PdfReader
from sqlalchemy import Connection, text

from tests.web.conftest import Site

LISTED = "els => els.map(e => Number(e.dataset.siteId))"
DRAWN = """layer => [...new Set(window.flaechenpool.map.queryRenderedFeatures({layers: [layer]})
                       .map(f => Number(f.properties.id)))].sort((a, b) => a - b)"""


def _ids(conn: Connection, condition: str = "true", **params: object) -> list[int]:
    """Published sites matching a condition on core.sites (the filters' meaning, computed here)."""
    sql = f"""SELECT s.id FROM core.sites s WHERE s.published AND s.retired_at IS NULL AND {condition} ORDER BY s.id"""
    return list(conn.execute(text(sql), params).scalars())


def _wait_for_count(site: Site, total: int) -> None:
    site.page.wait_for_function("n => document.getElementById('result-count').textContent.endsWith("
                                "`von ${n} passenden Flächen im Kartenausschnitt`)", arg=total)


def test_filters_narrow_list_and_map(site: Site, conn: Connection) -> None:
    page = site.open()
    everything = _ids(conn)
    assert sorted(page.locator("#site-list a[data-site-id]").evaluate_all(LISTED)) == everything
    assert page.evaluate(DRAWN, "site-dots") == everything

    page.get_by_label("Nutzungsart", exact=True).select_option(label="Industrie")
    industrial = _ids(conn, "'industrial' = ANY(s.intended_uses)")
    assert 0 < len(industrial) < len(everything)
    _wait_for_count(site, len(industrial))
    assert sorted(page.locator("#site-list a[data-site-id]").evaluate_all(LISTED)) == industrial
    assert page.evaluate(DRAWN, "site-dots") == industrial
    assert "use=industrial" in page.url

    page.get_by_label("Nutzungsart", exact=True).select_option(label="Alle Nutzungen")
    page.locator("#f-area-min").fill("20000")
    large = _ids(conn, "s.area_m2 >= 20000")
    _wait_for_count(site, len(large))
    assert sorted(page.locator("#site-list a[data-site-id]").evaluate_all(LISTED)) == large
    page.locator("#f-price-max").fill("30")
    cheap = _ids(conn, "s.area_m2 >= 20000 AND s.asking_price_eur_m2 <= 30")
    _wait_for_count(site, len(cheap))
    assert sorted(page.locator("#site-list a[data-site-id]").evaluate_all(LISTED)) == cheap

    page.get_by_role("button", name="Zurücksetzen").click()
    page.get_by_label("Gemeinde", exact=True).select_option("16053000")
    jena = _ids(conn, "s.municipality_ags = '16053000'")
    _wait_for_count(site, len(jena))
    page.get_by_label("Bahnhof höchstens").select_option("500")
    near = _ids(conn, "s.municipality_ags = '16053000' AND EXISTS (SELECT 1 FROM ref.stations r "
                      "WHERE ST_DWithin(r.geom, s.geom, 500))")
    _wait_for_count(site, len(near))
    assert "station_max_m=500" in page.url and "municipality=16053000" in page.url
    # zoomed in, the polygons come from the vector tiles, filtered the same way
    page.get_by_label("Bahnhof höchstens").select_option("")
    _wait_for_count(site, len(jena))
    page.locator(f"#site-list a[data-site-id='{jena[0]}']").click()
    page.wait_for_function("() => performance.getEntriesByName('map-idle').length > 0")
    page.wait_for_function("() => !window.flaechenpool.map.isMoving() && window.flaechenpool.map.loaded()")
    assert set(page.evaluate(DRAWN, "site-fill")) <= set(jena) and jena[0] in page.evaluate(DRAWN, "site-fill")


def test_card_opens_from_the_map_and_links_the_pdf_expose(site: Site, conn: Connection) -> None:
    row = conn.execute(text(
        "SELECT s.id, s.name, round(s.area_m2) AS area, ST_X(p) AS lng, ST_Y(p) AS lat FROM core.sites s, "
        "LATERAL ST_Transform(ST_PointOnSurface(s.geom), 4326) p WHERE s.published AND s.retired_at IS NULL "
        "AND s.asking_price_eur_m2 IS NOT NULL ORDER BY s.area_m2 DESC LIMIT 1")).one()
    page = site.open(f"?map=16/{row.lat}/{row.lng}")
    x, y = page.evaluate("([lng, lat]) => Object.values(window.flaechenpool.map.project([lng, lat]))",
                         [row.lng, row.lat])
    box = page.locator("#map").bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + x, box["y"] + y)
    card = page.locator("#site-card")
    card.locator("#card-title").wait_for()
    assert card.locator("#card-title").inner_text().startswith(row.name)
    assert "illustrativ" in card.locator("#card-title").inner_text()
    facts = card.locator("dl.facts").inner_text()
    assert f"{int(row.area):,} m²".replace(",", ".") in facts and "€/m²" in facts
    assert "Planungsrecht" in facts and "Verfügbar" in facts
    assert f"site={row.id}" in page.url
    assert card.get_by_role("link", name="Detailseite").get_attribute("href") == f"/flaechen/{row.id}"
    with page.expect_download() as download_info:
        card.get_by_role("link", name="Exposé (PDF)").click()
    download = download_info.value
    pdf = PdfReader(io.BytesIO(Path(download.path()).read_bytes()))
    text_of_pdf = " ".join(p.extract_text() for p in pdf.pages)
    assert row.name in " ".join(text_of_pdf.split())
    # back to the list: the card closes, the selection is cleared
    card.get_by_role("button", name="← Zurück zur Liste").click()
    assert card.is_hidden() and "site=" not in page.url
    assert page.evaluate("document.activeElement.dataset.siteId") == str(row.id) or \
        page.evaluate("document.activeElement.id") == "site-list"
