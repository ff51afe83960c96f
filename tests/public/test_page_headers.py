"""Security headers of the HTML pages (``api/page_headers.py``), /docs from the project's own Swagger UI copy, and
the settings of the optional base map and of framing. The browser's side (nothing blocked, nothing loaded from
elsewhere, the base map drawn) is in tests/web/test_page_security.py."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest
from fastapi.testclient import TestClient

from flaechenpool import legal
from flaechenpool.api.page_headers import inline_hashes
from flaechenpool.errors import ConfigurationError
from flaechenpool.settings import Settings, WebSettings, load_settings

HTML_PAGES = ("/", "/impressum", "/datenschutz", "/barrierefreiheit", "/docs", "/ogc?f=html",
              "/ogc/collections/sites/items?f=html")
TILES = "https://sgx.geodatenzentrum.de/wmts_basemapde/tile/1.0.0/de_basemapde_web_raster_grau/default/" \
        "GLOBAL_WEBMERCATOR/{z}/{y}/{x}.png"


def directives(response_headers: dict[str, str] | object) -> dict[str, list[str]]:
    policy = response_headers["content-security-policy"]  # type: ignore[index]
    return {d.split()[0]: d.split()[1:] for d in policy.split("; ")}


def sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def test_every_html_page_may_load_and_run_only_what_comes_from_this_server(client: TestClient) -> None:
    for path in HTML_PAGES:
        response = client.get(path)
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/html"), path
        policy = directives(response.headers)
        assert policy["default-src"] == ["'self'"] and policy["object-src"] == ["'none'"], path
        assert policy["frame-ancestors"] == ["'self'"] and policy["img-src"] == ["'self'", "data:", "blob:"], path
        assert policy["connect-src"] == ["'self'"], path
        assert "'unsafe-inline'" not in policy["script-src"] + policy["style-src"], path
        assert response.headers["x-content-type-options"] == "nosniff", path
        assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin", path


def test_inline_code_is_allowed_by_the_hash_of_exactly_its_text(client: TestClient) -> None:
    start = client.get("/")
    import_map = re.search(r'<script type="importmap">(.*?)</script>', start.text, re.S)
    assert import_map is not None
    assert directives(start.headers)["script-src"] == ["'self'", sha256(import_map.group(1))]
    ogc = client.get("/ogc?f=html")
    style = re.search(r"<style>(.*?)</style>", ogc.text, re.S)
    assert style is not None and directives(ogc.headers)["style-src"] == ["'self'", sha256(style.group(1))]


def test_inline_hashes_leave_out_external_scripts_and_data_blocks() -> None:
    html = (b'<script src="/static/a.js"></script><script type="application/json" id="m">{"a": 1}</script>'
            b'<script type="application/ld+json">{}</script><script>run()</script><STYLE media="print">p{}</STYLE>')
    scripts, styles = inline_hashes(html)
    assert scripts == [sha256("run()")] and styles == [sha256("p{}")]


def test_other_responses_pass_untouched(client: TestClient) -> None:
    for path in ("/api/public/sites", "/ogc/collections", "/health", "/openapi.json"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "content-security-policy" not in response.headers, path


def test_docs_load_swagger_ui_from_this_server_and_redoc_is_gone(client: TestClient) -> None:
    docs = client.get("/docs")
    assert docs.status_code == 200
    assert not re.search(r"(src|href)=\"(https?:)?//", docs.text), "no script, style or icon from elsewhere"
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', docs.text)
    assert any("swagger-ui-bundle.js" in a for a in assets) and any("swagger-ui.css" in a for a in assets)
    for asset in assets:
        assert client.get(asset).status_code == 200, asset
    assert 'data-openapi="/openapi.json"' in docs.text
    assert client.get("/redoc").status_code == 404
    assert "/docs" not in client.get("/openapi.json").json()["paths"]


class TestWithABaseMap:
    @pytest.fixture
    def settings(self) -> Settings:
        return Settings(load_demo=False, web=WebSettings(
            basemap_tiles=TILES, basemap_attribution="© basemap.de / BKG <CC BY 4.0>",
            basemap_name="Bundesamt für Kartographie und Geodäsie (basemap.de)", basemap_max_zoom=19,
            frame_ancestors="https://www.ilmenau.de https://www.jena.de"))

    def test_the_page_draws_it_credits_it_and_the_policy_admits_its_host_only(self, client: TestClient) -> None:
        start = client.get("/")
        policy = directives(start.headers)
        host = "https://sgx.geodatenzentrum.de"
        assert policy["img-src"][-1] == host and policy["connect-src"] == ["'self'", host]
        assert policy["script-src"][0] == "'self'" and host not in policy["script-src"]
        assert policy["frame-ancestors"] == ["'self'", "https://www.ilmenau.de", "https://www.jena.de"]
        basemap = re.search(r'data-basemap="([^"]*)"', start.text)
        assert basemap is not None and "{z}" in basemap.group(1) and "&quot;maxzoom&quot;: 19" in basemap.group(1)
        # the attribution is text, never markup: escaped in the footer and once more in the map's attribute
        assert "Hintergrundkarte: © basemap.de / BKG &lt;CC BY 4.0&gt;" in start.text
        assert 'data-attribution="© basemap.de / BKG &amp;lt;CC BY 4.0&amp;gt; · ' in start.text

    def test_the_privacy_statement_names_the_provider_and_what_it_receives(self, settings: Settings) -> None:
        privacy = legal.privacy_statement(settings)
        assert "Bundesamt für Kartographie und Geodäsie (basemap.de) (https://sgx.geodatenzentrum.de)" in privacy
        assert "IP-Adresse" in privacy and "ausschließlich von diesem Server" not in privacy
        assert "ausschließlich von diesem Server" in legal.privacy_statement(Settings(load_demo=False))


def test_without_a_base_map_the_page_draws_its_own(client: TestClient) -> None:
    start = client.get("/").text
    assert 'data-basemap=""' in start and "Hintergrundkarte" not in start


@pytest.mark.parametrize(("variable", "value", "message"), [
    ("FLAECHENPOOL_WEB__BASEMAP_TILES", "http://tiles.example.de/{z}/{x}/{y}.png", "https URL template"),
    ("FLAECHENPOOL_WEB__BASEMAP_TILES", "https://tiles.example.de/{z}/{x}.png", "{z}, {x} and {y}"),
    ("FLAECHENPOOL_WEB__BASEMAP_TILES", "https://tiles.example.de/{z}/{x}/{y}.png; script-src *", "https URL"),
    ("FLAECHENPOOL_WEB__BASEMAP_TILES", "https://tiles.example.de/{z}/{x}/{y}.png", "basemap_attribution is required"),
    ("FLAECHENPOOL_WEB__FRAME_ANCESTORS", "https://www.ilmenau.de/karte", "is not an origin"),
    ("FLAECHENPOOL_WEB__FRAME_ANCESTORS", "*", "is not an origin"),
])
def test_impossible_web_settings_are_one_clear_error(monkeypatch: pytest.MonkeyPatch, variable: str, value: str,
                                                      message: str) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigurationError, match=re.escape(message)) as error:
        load_settings()
    assert "web." in str(error.value)
