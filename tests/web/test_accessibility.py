"""Lighthouse-style basics: German language, a label for every form field, every control reachable with
the keyboard (in tab order, or with the arrow keys inside the tab list) and a visible focus."""

from __future__ import annotations

from sqlalchemy import Connection, text

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
