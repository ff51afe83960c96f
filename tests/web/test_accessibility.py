"""Lighthouse-style basics: German language, a label for every form field, every control reachable with
the keyboard (in tab order, or with the arrow keys inside the tab list) and a visible focus."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator

import pytest
from PIL import Image
from playwright.sync_api import Page
from sqlalchemy import Connection, create_engine, text

from flaechenpool.photos import thumbnail_of
from flaechenpool.settings import PROJECT_ROOT
from tests.web.conftest import Site

UNLABELLED = """() => [...document.querySelectorAll('input, select, textarea')]
    .filter(el => !el.closest('.hp'))
    .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby'))
    .map(el => el.outerHTML)"""
# what a keyboard user must reach in the panel shown, the map and the footer
CONTROLS = """() => [...document.querySelectorAll(
        'a[href], button, input, select, textarea, [tabindex="0"], canvas.maplibregl-canvas')]
    .filter(el => !el.disabled && !el.closest('[hidden], .hp, template') && el.getAttribute('tabindex') !== '-1')
    .filter(el => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden')
    .map(el => el.id || el.getAttribute('aria-label') || el.getAttribute('href') || el.textContent.trim())"""
ACTIVE = """() => { const el = document.activeElement;
    return el.id || el.getAttribute('aria-label') || el.getAttribute('href') || el.textContent.trim(); }"""


def _tab_through(site: Site, limit: int = 150) -> list[str]:
    """What Tab reaches from the skip link (the first stop) until focus comes round to it again."""
    page = site.page
    page.locator(".skip-link").focus()
    seen: list[str] = ["#panel"]
    for _ in range(limit):
        page.keyboard.press("Tab")
        current = page.evaluate(ACTIVE)
        if current == "#panel":
            break
        seen.append(current)
    return seen


def test_language_labels_keyboard_and_focus(site: Site, conn: Connection) -> None:
    site_id = conn.execute(text("SELECT min(id) FROM core.sites WHERE published AND retired_at IS NULL")).scalar()
    page = site.open()
    assert page.evaluate("document.documentElement.lang") == "de"
    assert page.title().startswith("Flächenpool")
    # the skip link comes first, is visible when focused and leads to the panel
    page.keyboard.press("Tab")
    assert page.evaluate(ACTIVE) == "#panel"
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    assert page.locator(".skip-link").bounding_box()["y"] >= 0
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "panel"
    # the list: every site's link is reached with Tab, then Enter opens its card
    reached = _tab_through(site)
    assert set(page.evaluate(CONTROLS)) - set(reached) == set()
    page.locator(f"#site-list a[data-site-id='{site_id}']").focus()
    page.keyboard.press("Enter")
    page.locator("form.inquiry").wait_for()
    assert page.evaluate("document.activeElement.id") == "card-title"
    assert page.evaluate(UNLABELLED) == []      # filters, inquiry form (on the card) and report form

    # the card with its inquiry form: everything is reached with Tab, and focus is visible on a field
    reached = _tab_through(site)
    expected = page.evaluate(CONTROLS)
    assert set(expected) - set(reached) == set()
    assert {"i-name", "i-email", "i-company", "i-message", "i-consent", "tab-sites", "Karte"} <= set(reached)
    page.locator("#i-name").focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("getComputedStyle(document.activeElement).outlineWidth") not in ("0px", "")

    # the tabs follow the ARIA pattern: arrow keys move between them, the other panels are reachable
    page.locator("#tab-sites").focus()
    page.keyboard.press("ArrowRight")
    assert page.evaluate("document.activeElement.id") == "tab-projects"
    assert page.locator("#pane-projects").is_visible() and page.locator("#pane-sites").is_hidden()
    page.keyboard.press("ArrowRight")
    assert page.evaluate("document.activeElement.id") == "tab-report"
    reached = _tab_through(site)
    assert set(page.evaluate(CONTROLS)) - set(reached) == set()
    assert {"r-use-centre", "r-kind", "r-description", "r-photo", "r-consent"} <= set(reached)
    # without a mouse, the report takes the map's centre
    page.locator("#r-use-centre").focus()
    page.keyboard.press("Enter")
    assert page.locator("#r-location").input_value() != ""
    assert site.errors == []


AXE = PROJECT_ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_RUN = """tags => axe.run(document, {runOnly: {type: 'tag', values: tags}}).then(r => r.violations.map(v =>
    `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', ')}`))"""


def axe_violations(page: Page) -> list[str]:
    """The WCAG 2.1 A/AA rule violations axe-core (npm, web/package.json) finds on the page as shown."""
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.evaluate(AXE.read_text())      # through DevTools: the page's CSP refuses an injected <script>
    return list(page.evaluate(AXE_RUN, WCAG_AA))


def _map_page_violations(site: Site, site_id: int) -> dict[str, list[str]]:
    """axe-core's findings on the map page in each state: list, a site's card with the inquiry form, the
    construction projects and the report form."""
    page = site.open()
    found = {"list": axe_violations(page)}
    page.locator(f"#site-list a[data-site-id='{site_id}']").click()
    page.locator("form.inquiry").wait_for()
    found["card"] = axe_violations(page)
    for tab in ("projects", "report"):
        page.locator(f"#tab-{tab}").click()
        page.locator(f"#pane-{tab}").wait_for()
        found[tab] = axe_violations(page)
    return {state: v for state, v in found.items() if v}


@pytest.fixture
def photographed(site: Site) -> Iterator[int]:
    """A published site with a photo, committed for the live server (removed afterwards)."""
    image = io.BytesIO()
    Image.new("RGB", (80, 50), (110, 140, 90)).save(image, format="PNG")
    engine = create_engine(site.server.database_url)
    with engine.begin() as conn:
        site_id, photo_id = conn.execute(text(
            "INSERT INTO core.site_photos (site_id, caption, credit, media_type, width, height, content, thumbnail, "
            "sha256) SELECT min(id), 'Luftbild der Fläche (Test)', 'Browsertest', 'image/png', 80, 50, :b, :t, :h "
            "FROM core.public_sites RETURNING site_id, id"),
            {"b": image.getvalue(), "t": thumbnail_of(image.getvalue()),
             "h": hashlib.sha256(image.getvalue()).hexdigest()}).one()
    try:
        yield int(site_id)
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM core.site_photos WHERE id = :i"), {"i": photo_id})
        engine.dispose()


def test_axe_finds_no_wcag_violations_on_the_map_page(site: Site, phone: Site, photographed: int) -> None:
    page = site.open()
    thumb = page.locator(f"#site-list a[data-site-id='{photographed}'] img.site-thumb")
    thumb.wait_for()
    assert thumb.get_attribute("alt") == ""         # decorative in the list: the site's name follows
    page.wait_for_function("img => img.complete && img.naturalWidth === 80", arg=thumb.element_handle())
    assert page.locator("#site-list img.site-thumb").count() == 1      # the other sites have no photo
    assert _map_page_violations(site, photographed) == {}
    assert site.page.locator(".card-photo img").get_attribute("alt") == "Luftbild der Fläche (Test)"
    assert site.page.evaluate("document.querySelector('.card-photo img').naturalWidth") == 80    # loaded
    assert _map_page_violations(phone, photographed) == {}


def test_axe_finds_no_wcag_violations_on_the_detail_and_legal_pages(site: Site, photographed: int) -> None:
    site_id = photographed
    found = {}
    for path in (f"/flaechen/{site_id}", "/impressum", "/datenschutz", "/barrierefreiheit"):
        site.page.goto(site.server.url + path)
        found[path] = axe_violations(site.page)
    assert {path: v for path, v in found.items() if v} == {}
