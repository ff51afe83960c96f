"""Cross-origin reads (api/cors.py): /ogc and /api/public may be read by pages of any origin, including the answers
of the HTTP protocol's fast paths (cached tiles, items pages); writes, the public forms and the staff API stay
closed to other origins."""

from __future__ import annotations

from collections.abc import Callable

import httpx
from fastapi.testclient import TestClient

from tests.live import LiveServer

Auth = Callable[[str | None], dict[str, str]]
ORIGIN = {"Origin": "https://www.ilmenau.de"}


def preflight(client: TestClient | httpx.Client, path: str, method: str, headers: str = "") -> httpx.Response:
    request = {**ORIGIN, "Access-Control-Request-Method": method}
    if headers:
        request["Access-Control-Request-Headers"] = headers
    return client.options(path, headers=request)


def test_reads_of_the_ogc_api_and_the_public_api_are_open_to_any_origin(ogc: TestClient, auth: Auth) -> None:
    for path in ("/ogc", "/ogc/collections", "/ogc/collections/sites/items?limit=1", "/ogc/collections/parcels/items/x",
                 "/api/public/sites", "/api/public/municipalities"):
        response = ogc.get(path, headers=ORIGIN)
        assert response.headers.get("access-control-allow-origin") == "*", path
    items = ogc.get("/ogc/collections/parcels/items?limit=1", headers=ORIGIN)
    exposed = {h.strip().lower() for h in items.headers["access-control-expose-headers"].split(",")}
    assert {"content-crs", "ogc-numbermatched", "etag"} <= exposed
    # a planner's token in a browser client elsewhere: the preflight admits the Authorization header
    allowed = preflight(ogc, "/ogc/collections/vacancies/items", "GET", "authorization")
    assert allowed.status_code == 204 and allowed.headers["access-control-allow-origin"] == "*"
    # a header not announced as allowed closes the preflight
    assert "access-control-allow-origin" not in preflight(ogc, "/ogc/collections", "GET", "x-secret").headers
    assert "authorization" in allowed.headers["access-control-allow-headers"].lower()
    assert ogc.get("/ogc/collections/vacancies/items", headers={**ORIGIN, **auth("planner")}).headers[
        "access-control-allow-origin"] == "*"


def test_writes_the_public_forms_and_the_staff_api_are_not_opened(ogc: TestClient, auth: Auth) -> None:
    for path, method in (("/ogc/collections/sites/items", "POST"), ("/ogc/collections/sites/items/1", "PATCH"),
                         ("/api/public/sites/1/inquiries", "POST"), ("/api/public/reports", "POST"),
                         ("/api/sites", "GET"), ("/api/parcels", "GET")):
        response = preflight(ogc, path, method, "content-type,authorization")
        assert "access-control-allow-origin" not in response.headers, (path, method)
    assert "access-control-allow-origin" not in ogc.get("/api/sites", headers={**ORIGIN, **auth("planner")}).headers
    # the OGC API's own OPTIONS (Part 4) still answers with Allow
    assert "POST" in ogc.options("/ogc/collections/sites/items", headers=auth("lm_jena")).headers["allow"]


def test_the_fast_paths_answer_with_the_same_header(live_server: LiveServer) -> None:
    with httpx.Client(base_url=live_server.url, headers=ORIGIN) as http:
        for _ in range(2):      # built, then from the cache (answered by the HTTP protocol itself)
            tile = http.get("/ogc/collections/municipalities/tiles/WebMercatorQuad/8/86/136")
            assert tile.status_code == 200 and tile.headers["access-control-allow-origin"] == "*"
        again = http.get("/ogc/collections/municipalities/tiles/WebMercatorQuad/8/86/136",
                         headers={"If-None-Match": tile.headers["etag"]})
        assert again.status_code == 304 and again.headers["access-control-allow-origin"] == "*"
        for _ in range(2):      # an items page through the items front
            page = http.get("/ogc/collections/parcels/items", params={"limit": 2})
            assert page.status_code == 200 and page.headers["access-control-allow-origin"] == "*"
            assert "OGC-NumberMatched" in page.headers.get("access-control-expose-headers", "")
