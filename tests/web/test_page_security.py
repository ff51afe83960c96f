"""The pages' Content-Security-Policy in Chromium: every HTML page works with it (no console error, nothing refused),
loads nothing from another server, and the browser enforces it; with a base map configured, its tiles (from a local
tile server here) are drawn and nothing else leaves the page's origin."""

from __future__ import annotations

import io
import math
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import Browser, Page

from tests.live import LiveServer, live_server
from tests.web.conftest import DESKTOP

PAGES = ("/impressum", "/datenschutz", "/barrierefreiheit", "/docs", "/ogc?f=html", "/ogc/collections?f=html",
         "/ogc/collections/sites/items?f=html", "/ogc/conformance?f=html")
VIOLATIONS = """window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => window.__violations.push(e.violatedDirective + " " + e.blockedURI));"""


def _open(browser: Browser, url: str) -> tuple[Page, list[str], list[str]]:
    """A page in a fresh context that records console errors and every request to another origin."""
    page = browser.new_context(viewport=DESKTOP, locale="de-DE").new_page()
    page.add_init_script(VIOLATIONS)
    origin = re.match(r"https?://[^/]+", url).group(0)  # type: ignore[union-attr]
    errors: list[str] = []
    foreign: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: None if r.url.startswith((origin + "/", "data:", "blob:")) else foreign.append(r.url))
    page.goto(url)
    return page, errors, foreign


def _map_ready(page: Page) -> None:
    page.wait_for_function("() => performance.getEntriesByName('map-idle').length > 0", timeout=30_000)


def test_the_map_page_works_under_its_policy_and_loads_nothing_from_elsewhere(browser: Browser,
                                                                             live_server: LiveServer) -> None:
    page, errors, foreign = _open(browser, live_server.url + "/")
    _map_ready(page)
    page.locator(".site-item").first.click()             # the card (a site's photo and data from the API)
    page.wait_for_selector("#site-card:not([hidden])")
    assert errors == [] and foreign == []
    assert page.evaluate("window.__violations") == []
    # the policy is enforced: a script injected into the page is refused
    page.evaluate("""() => { const s = document.createElement("script"); s.textContent = "window.__ran = true";
                             document.body.append(s); }""")
    page.wait_for_function("() => window.__violations.length > 0")
    assert page.evaluate("window.__ran === undefined")
    assert page.evaluate("window.__violations")[0].startswith("script-src")
    page.context.close()


def test_every_other_page_works_under_its_policy(browser: Browser, live_server: LiveServer) -> None:
    site = live_server.url + "/flaechen/" + re.search(  # type: ignore[union-attr]
        r'data-site-id="(\d+)"', _first_page_html(browser, live_server)).group(1)
    for url in [live_server.url + p for p in PAGES] + [site]:
        page, errors, foreign = _open(browser, url)
        page.wait_for_load_state("networkidle")
        if url.endswith("/docs"):       # Swagger UI ran (from this server) and read the OpenAPI description
            page.wait_for_selector(".swagger-ui .info .title")
            assert "Flächenpool" in page.locator(".swagger-ui .info .title").inner_text()
            assert page.locator(".opblock").count() > 20
        assert errors == [], url
        assert foreign == [], url
        assert page.evaluate("window.__violations") == [], url
        page.context.close()


def _first_page_html(browser: Browser, live_server: LiveServer) -> str:
    page, _, _ = _open(browser, live_server.url + "/")
    html = page.content()
    page.context.close()
    return html


def _corner(z: int, x: int, y: int) -> tuple[float, float]:
    """Longitude and latitude of a Web Mercator tile's north-west corner."""
    return x / 2**z * 360 - 180, math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y / 2**z))))


class Tiles(BaseHTTPRequestHandler):
    """A raster tile server: a light blue PNG for every /{z}/{x}/{y}.png, the paths it was asked for."""

    requested: list[str] = []
    body = b""

    def do_GET(self) -> None:  # noqa: N802
        Tiles.requested.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def tile_server() -> Iterator[str]:
    buffer = io.BytesIO()
    Image.new("RGB", (256, 256), (30, 144, 255)).save(buffer, "PNG")
    Tiles.body = buffer.getvalue()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Tiles)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_configured_base_map_is_drawn_under_the_sites_and_credited(browser: Browser, database_url: str,
                                                                      tile_server: str) -> None:
    env = {"FLAECHENPOOL_WEB__BASEMAP_TILES": tile_server + "/{z}/{x}/{y}.png",
           "FLAECHENPOOL_WEB__BASEMAP_ATTRIBUTION": "© Testkarte <i>CC BY 4.0</i>"}
    Tiles.requested.clear()
    with live_server(database_url, env) as live:
        page, errors, foreign = _open(browser, live.url + "/")
        _map_ready(page)
        assert errors == [] and page.evaluate("window.__violations") == []
        tiles = [tuple(map(int, re.fullmatch(r"/(\d+)/(\d+)/(\d+)\.png", p).groups())) for p in Tiles.requested]  # type: ignore[union-attr]
        assert tiles and set(foreign) == {f"{tile_server}/{z}/{x}/{y}.png" for z, x, y in tiles}
        for z, x, y in tiles:           # inside the map's bounds (x and y where the template puts them)
            west, north = _corner(z, x, y)
            east, south = _corner(z, x + 1, y + 1)
            assert east > 8.5 and west < 14.0 and north > 49.6 and south < 52.3, (z, x, y)
        # the map shows the tiles' blue where none of the project's own layers covers them (a screenshot: the
        # WebGL buffer itself is not readable)
        with Image.open(io.BytesIO(page.locator("canvas.maplibregl-canvas").screenshot())) as image:
            pixels = np.asarray(image.convert("RGB")).astype(int)
        assert float((np.abs(pixels - np.array([30, 144, 255])).max(axis=2) <= 24).mean()) > 0.5
        attribution = page.locator(".maplibregl-ctrl-attrib-inner").inner_text()
        assert attribution.startswith("© Testkarte <i>CC BY 4.0</i> ·")        # as text, not as markup
        assert "Hintergrundkarte: © Testkarte <i>CC BY 4.0</i>" in page.locator("#quellen").inner_text()
        page.context.close()
