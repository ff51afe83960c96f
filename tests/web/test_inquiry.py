"""The inquiry form of a site card: client-side checks and server errors in German, and an inquiry that
reaches the land managers of the site's municipality and nobody else."""

from __future__ import annotations

import re

import httpx
import pytest
from sqlalchemy import Connection, text

from tests.live import ILMENAU
from tests.web.conftest import TEST_MAIL_DOMAIN, Site

pytestmark = pytest.mark.usefixtures("submitted")
PURPOSE = "Browsertest: Anfrage prüfen"


def _ilmenau_sites(conn: Connection) -> list[tuple[int, str]]:
    rows = conn.execute(text("SELECT id, name FROM core.sites WHERE published AND retired_at IS NULL "
                             "AND municipality_ags = :m ORDER BY id"), {"m": ILMENAU}).all()
    assert len(rows) >= 2
    return [(r.id, r.name) for r in rows]


def _fill(site: Site, *, name: str, email: str, message: str, consent: bool = True) -> None:
    form = site.page.locator("form.inquiry")
    form.get_by_label("Name", exact=True).fill(name)
    form.get_by_label("E-Mail-Adresse", exact=True).fill(email)
    form.get_by_label("Unternehmen (freiwillig)").fill("Porzellan & Technik GmbH (Test)")
    form.get_by_label("Nachricht", exact=True).fill(message)
    form.locator("#i-consent").set_checked(consent)


def test_inquiry_reaches_only_the_land_managers_of_the_municipality(site: Site, conn: Connection) -> None:
    site_id, _ = _ilmenau_sites(conn)[0]
    page = site.open(f"?site={site_id}")
    email = f"investorin.{site_id}@{TEST_MAIL_DOMAIN}"
    _fill(site, name="Ida Investorin", email=email, message="Wir suchen 10.000 m² für eine Fertigung. Termin?")
    page.get_by_role("button", name="Anfrage senden").click()
    success = page.locator("form.inquiry .form-success")
    success.wait_for()
    reference = re.search(r"A-\d{4}-[0-9A-F]{8}", success.inner_text())
    assert reference and "Vielen Dank" in success.inner_text()
    assert page.locator("form.inquiry").get_by_label("Name", exact=True).input_value() == ""   # the form is emptied

    server, tokens = site.server, site.server.tokens

    def inquiries(user: str | None) -> httpx.Response:
        headers = {"Authorization": f"Bearer {tokens[user]}"} if user else {}
        return httpx.get(f"{server.url}/api/inquiries", params={"purpose": PURPOSE}, headers=headers, timeout=10)

    ilmenau = inquiries("ogc-lm-ilmenau")
    assert ilmenau.status_code == 200
    mine = [i for i in ilmenau.json() if i["reference"] == reference.group()]
    assert len(mine) == 1 and mine[0]["email"] == email and mine[0]["site_id"] == site_id
    jena = inquiries("ogc-lm-jena")
    assert jena.status_code == 200 and all(i["reference"] != reference.group() for i in jena.json())
    assert email not in jena.text
    assert inquiries("ogc-planner").status_code == 403
    assert inquiries(None).status_code == 401
    # nothing public repeats it: the page, the site's API document and the list
    for path in ("/", f"/api/public/sites/{site_id}", "/api/public/sites", f"/flaechen/{site_id}"):
        body = httpx.get(server.url + path, timeout=30).text
        assert email not in body and "Ida Investorin" not in body, path
    assert site.errors == []


def test_inquiry_form_explains_errors_in_german(site: Site, conn: Connection) -> None:
    site_id, _ = _ilmenau_sites(conn)[1]
    page = site.open(f"?site={site_id}")
    form = page.locator("form.inquiry")
    form.get_by_role("button", name="Anfrage senden").click()
    assert form.locator(".form-errors").inner_text() == "Bitte korrigieren Sie die markierten Angaben."
    assert form.locator("#i-name-error").inner_text() == "Bitte füllen Sie dieses Feld aus."
    assert form.locator("#i-consent-error").inner_text() == "Bitte bestätigen Sie die Einwilligung."
    assert page.evaluate("document.activeElement.id") == "i-name"
    assert form.get_by_label("Name", exact=True).get_attribute("aria-invalid") == "true"

    _fill(site, name="Otto Test", email="otto@", message="zu kurz")
    form.get_by_role("button", name="Anfrage senden").click()
    assert "gültige E-Mail-Adresse" in form.locator("#i-email-error").inner_text()
    assert "mindestens 10 Zeichen" in form.locator("#i-message-error").inner_text()

    # the browser accepts "otto@localhost"; the server does not: its problem+json is shown in German
    _fill(site, name="Otto Test", email="otto@localhost", message="Bitte senden Sie mir das Exposé zu.")
    form.get_by_role("button", name="Anfrage senden").click()
    form.locator(".form-errors").filter(has_text="Bitte prüfen Sie").wait_for()
    assert form.locator(".form-errors").inner_text() == "Bitte prüfen Sie: E-Mail-Adresse."
    assert form.get_by_label("E-Mail-Adresse", exact=True).get_attribute("aria-invalid") == "true"

    # the rate limit (3 per client and site on the test server) answers 429: shown in German
    body = {"name": "Otto Test", "email": f"otto@{TEST_MAIL_DOMAIN}", "message": "Anfrage zum Ausschöpfen der Grenze.",
            "consent": True}
    for _ in range(3):
        httpx.post(f"{site.server.url}/api/public/sites/{site_id}/inquiries", json=body, timeout=10)
    _fill(site, name="Otto Test", email=f"otto@{TEST_MAIL_DOMAIN}", message="Bitte senden Sie mir das Exposé zu.")
    form.get_by_role("button", name="Anfrage senden").click()
    form.locator(".form-errors").filter(has_text="Zu viele").wait_for()
    assert re.fullmatch(r"Zu viele Anfragen in kurzer Zeit\. Bitte versuchen Sie es in \d+ (Minuten|Sekunden) erneut\.",
                        form.locator(".form-errors").inner_text())
    assert form.locator(".form-success").inner_text() == ""
