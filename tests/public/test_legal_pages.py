"""Impressum, Datenschutzerklärung and Erklärung zur Barrierefreiheit: German pages written from the operator's
settings and from what the service does (retention periods, rate-limit window, access log, consent versions);
missing operator details are said to be missing. (axe-core checks them in tests/web/test_accessibility.py.)"""

from __future__ import annotations

from fastapi.testclient import TestClient

from flaechenpool import consent, legal
from flaechenpool.settings import ApiSettings, OperatorSettings, PublicSettings, Settings

PAGES = ("/impressum", "/datenschutz", "/barrierefreiheit")
ILMENAU = OperatorSettings(
    name="Stadt Ilmenau", address="Am Markt 7|98693 Ilmenau", represented_by="den Oberbürgermeister",
    email="flaechen@ilmenau.example", phone="03677 600-0", content_responsible="Amt für Stadtentwicklung",
    data_protection_officer="Datenschutzbeauftragte der Stadt Ilmenau, datenschutz@ilmenau.example",
    accessibility_contact="barrierefrei@ilmenau.example", accessibility_reviewed="30.11.2026")


# what the routes answer for other settings (an app per settings would also start their background jobs)
def pages(settings: Settings) -> tuple[str, str, str]:
    return legal.imprint(settings), legal.privacy_statement(settings), legal.accessibility_statement(settings)


def test_the_pages_are_german_linked_from_the_map_and_say_when_the_operator_is_missing(client: TestClient) -> None:
    start = client.get("/").text
    for path in PAGES:
        assert f'href="{path}"' in start
        page = client.get(path)
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert '<html lang="de">' in page.text and "Zum Inhalt springen" in page.text
        assert "Angaben zum Betreiber dieses Dienstes sind noch nicht eingetragen" in page.text
        assert all(f'href="{other}"' in page.text for other in PAGES)       # each links to the others
    assert "GeoBasis-DE / TLBG" in client.get("/impressum").text           # the data sources' attributions


def test_the_operator_and_contacts_come_from_the_settings() -> None:
    imprint, privacy, barriers = pages(Settings(load_demo=False, operator=ILMENAU))
    assert "noch nicht eingetragen" not in imprint + privacy + barriers
    assert "<strong>Stadt Ilmenau</strong><br>Am Markt 7<br>98693 Ilmenau<br>vertreten durch: den Oberbürgermeister" \
        in imprint
    assert 'href="mailto:flaechen@ilmenau.example"' in imprint and "Amt für Stadtentwicklung" in imprint
    assert "Datenschutzbeauftragte der Stadt Ilmenau" in privacy and "Stadt Ilmenau" in privacy
    assert "Thüringer Landesbeauftragter für den Datenschutz" in privacy          # the default authority
    assert 'href="mailto:barrierefrei@ilmenau.example"' in barriers and "zuletzt am 30.11.2026" in barriers


def test_the_privacy_statement_follows_the_settings_that_govern_the_processing() -> None:
    public = PublicSettings(inquiry_retention_days=180, report_contact_retention_days=30, rate_window_s=1800)
    quiet = legal.privacy_statement(Settings(load_demo=False, public=public))
    assert "180 Tage nach ihrem Eingang gelöscht" in quiet and "30 Tage nach der" in quiet
    assert "Zählfensters von 30 Minuten" in quiet
    assert "führt kein Protokoll der Seitenaufrufe" in quiet and "IP-Adresse, Zeitpunkt" not in quiet
    for text in consent.CURRENT.values():
        assert text.version in quiet
    logged = legal.privacy_statement(Settings(load_demo=False, api=ApiSettings(access_log=True)))
    assert "IP-Adresse, Zeitpunkt, aufgerufene Adresse" in logged and "365 Tage" in logged
