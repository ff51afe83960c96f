"""Browser tests of the public page: Debian's Chromium driven by Playwright against the live test server.

One browser for the session, a fresh context (no cache, no cookies) per test. What the tests submit
(inquiries, reports) is committed by the server; the ``submitted`` fixture deletes it afterwards.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from sqlalchemy import create_engine, text

from flaechenpool.settings import PROJECT_ROOT
from tests.live import LiveServer

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-gpu"]
DESKTOP = {"width": 1280, "height": 800}
MOBILE = {"width": 390, "height": 844}
TEST_MAIL_DOMAIN = "flaechenpool-browsertest.de"
REPORT_MARK = "[Browsertest]"
ARTIFACTS = PROJECT_ROOT / "artifacts"


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        pytest.fail("Debian's chromium is missing: run 'bash scripts/test.sh' (installs it) or apt-get install chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@dataclass
class Site:
    """The live server and a page on it, plus what the browser logged as errors."""

    server: LiveServer
    page: Page
    errors: list[str]

    def open(self, query: str = "", *, wait_for_map: bool = True) -> Page:
        self.page.goto(f"{self.server.url}/{query}")
        if wait_for_map:
            self.page.wait_for_function("() => performance.getEntriesByName('map-idle').length > 0", timeout=30_000)
            self.page.wait_for_function("() => document.getElementById('result-count').textContent.includes('von')")
        return self.page

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"web-{name}.png"
        self.page.screenshot(path=str(path))
        return path


def _site(browser: Browser, live_server: LiveServer, viewport: dict[str, int]) -> Iterator[Site]:
    # a visitor west of Greenwich: a date read as UTC midnight would show the day (or month) before
    context = browser.new_context(viewport=viewport, locale="de-DE", timezone_id="America/Los_Angeles",
                                  accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        yield Site(live_server, page, errors)
    finally:
        context.close()


@pytest.fixture
def site(browser: Browser, live_server: LiveServer) -> Iterator[Site]:
    """The public page at desktop width (1280x800)."""
    yield from _site(browser, live_server, DESKTOP)


@pytest.fixture
def phone(browser: Browser, live_server: LiveServer) -> Iterator[Site]:
    """The public page at phone width (390x844)."""
    yield from _site(browser, live_server, MOBILE)


@pytest.fixture(scope="session")
def submitted(live_server: LiveServer) -> Iterator[None]:
    """Deletes, after the session, the inquiries and reports the browser tests committed (and their notifications)."""
    yield
    engine = create_engine(live_server.database_url)
    with engine.begin() as conn:
        # the e-mail notifications the public page's submissions queued (no mail server: never sent)
        conn.execute(text("DELETE FROM core.notifications WHERE reference IN (SELECT reference FROM personal.inquiries "
                          "WHERE email LIKE :d UNION SELECT reference FROM core.site_reports WHERE description LIKE :m)"),
                     {"d": f"%@{TEST_MAIL_DOMAIN}", "m": f"{REPORT_MARK}%"})
        conn.execute(text("DELETE FROM personal.inquiries WHERE email LIKE :d"), {"d": f"%@{TEST_MAIL_DOMAIN}"})
        reports = "SELECT id FROM core.site_reports WHERE description LIKE :m"
        for table in ("personal.report_contacts", "core.site_report_photos"):
            conn.execute(text(f"DELETE FROM {table} WHERE report_id IN ({reports})"), {"m": f"{REPORT_MARK}%"})
        conn.execute(text(f"DELETE FROM core.site_reports WHERE id IN ({reports})"), {"m": f"{REPORT_MARK}%"})
    engine.dispose()
