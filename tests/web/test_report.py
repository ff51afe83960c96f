"""Second tab "Bauvorhaben" (public construction projects) and third tab "Fläche melden" (a report with a
location picked on the map, a photo and a contact with consent)."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from PIL import Image
from sqlalchemy import Connection, text

from tests.live import ILMENAU
from tests.web.conftest import REPORT_MARK, TEST_MAIL_DOMAIN, Site


def test_projects_tab_lists_and_draws_public_projects(site: Site, conn: Connection) -> None:
    public = conn.execute(text("SELECT name FROM core.construction_projects WHERE public ORDER BY name")).scalars().all()
    private = conn.execute(text("SELECT name FROM core.construction_projects WHERE NOT public")).scalars().all()
    assert public, "the demo has public construction projects"
    page = site.open()
    page.get_by_role("tab", name="Bauvorhaben").click()
    assert page.get_by_role("tab", name="Bauvorhaben").get_attribute("aria-selected") == "true"
    page.locator("#project-list li.project").first.wait_for()
    names = page.locator("#project-list li.project .site-name").all_inner_texts()
    assert sorted(names) == sorted(public) and not set(names) & set(private)
    assert page.locator("#project-count").inner_text() in (f"{len(public)} Bauvorhaben", "1 Bauvorhaben")
    months = ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
              "November", "Dezember"]
    starts = conn.execute(text("SELECT start_on FROM core.construction_projects WHERE public AND start_on IS NOT NULL "
                               "AND extract(day FROM start_on) = 1")).scalars().all()
    listed = page.locator("#project-list").inner_text()
    assert starts and all(f"{months[d.month - 1]} {d.year}" in listed for d in starts)   # the first of a month too
    assert "tab=projects" in page.url
    assert page.evaluate("window.flaechenpool.map.getLayoutProperty('project-circle', 'visibility')") == "visible"
    assert page.evaluate("async () => (await window.flaechenpool.map.getSource('projects').getData()).features.length") \
        == len(public)
    page.locator("#project-list li.project button").first.click()   # zooms the map to the project
    page.wait_for_function("() => window.flaechenpool.map.getZoom() > 12")
    site.screenshot("desktop-projects")
    assert site.errors == []


@pytest.mark.usefixtures("submitted")
def test_report_with_location_photo_and_contact(site: Site, conn: Connection, tmp_path: Path) -> None:
    lng, lat = conn.execute(text("SELECT ST_X(p), ST_Y(p) FROM core.municipalities m, "
                                 "LATERAL ST_Transform(ST_PointOnSurface(m.geom), 4326) p WHERE m.ags = :a"),
                            {"a": ILMENAU}).one()
    photo = tmp_path / "halle.png"
    Image.new("RGB", (64, 48), (150, 120, 90)).save(photo)
    page = site.open(f"?tab=report&map=14/{lat}/{lng}")
    form = page.locator("#report-form")
    assert form.is_visible()
    form.get_by_role("button", name="Meldung absenden").click()          # nothing chosen yet: German hints
    assert form.locator("#r-location-error").inner_text() == "Bitte wählen Sie einen Ort auf der Karte."
    assert form.locator("#r-kind-error").inner_text() == "Bitte wählen Sie eine Angabe."

    box = page.locator("#map").bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)   # the location: the map's centre
    assert form.get_by_label("Gewählter Ort (Breite, Länge)").input_value() != ""
    assert page.locator(".report-marker").count() == 1
    form.get_by_label("Art").select_option("vacant_building")
    description = f"{REPORT_MARK} Leerstehende Lagerhalle hinter dem Bahnhof, Tore offen."
    form.get_by_label("Beschreibung").fill(description)
    form.get_by_label("Foto (JPEG, PNG oder WebP, höchstens 5 MB, freiwillig)").set_input_files(photo)
    email = f"melder@{TEST_MAIL_DOMAIN}"
    form.get_by_label("Name", exact=True).fill("Max Melder")
    form.get_by_label("E-Mail-Adresse", exact=True).fill(email)
    form.get_by_role("button", name="Meldung absenden").click()
    assert "Einwilligung" in form.locator("#r-consent-error").inner_text()   # contact without consent
    form.locator("#r-consent").check()
    form.get_by_role("button", name="Meldung absenden").click()
    success = form.locator(".form-success")
    success.wait_for()
    reference = re.search(r"M-\d{4}-[0-9A-F]{8}", success.inner_text())
    assert reference, success.inner_text()
    assert page.locator(".report-marker").count() == 0 and form.get_by_label("Beschreibung").input_value() == ""
    site.screenshot("desktop-report")

    row = conn.execute(text(
        "SELECT r.kind, r.municipality_ags, r.description, ST_Distance(r.geom, ST_Transform("
        "ST_SetSRID(ST_Point(:lng, :lat), 4326), 25832)) AS off, p.width, c.email FROM core.site_reports r "
        "LEFT JOIN core.site_report_photos p ON p.report_id = r.id "
        "LEFT JOIN personal.report_contacts c ON c.report_id = r.id WHERE r.reference = :ref"),
        {"lng": lng, "lat": lat, "ref": reference.group()}).one()
    assert (row.kind, row.municipality_ags, row.description, row.width, row.email) == \
        ("vacant_building", ILMENAU, description, 64, email)
    assert row.off < 5    # metres between the centre of the map and the stored point
    queue = httpx.get(f"{site.server.url}/api/reports",
                      headers={"Authorization": f"Bearer {site.server.tokens['ogc-lm-ilmenau']}"}, timeout=10)
    assert reference.group() in queue.text and email not in queue.text   # the contact only with a purpose
    assert site.errors == []
