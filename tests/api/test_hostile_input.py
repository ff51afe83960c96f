"""Input a fuzzer or an attacker sends (schemathesis found the first ones as 500s): offsets beyond the database's
integers, NUL characters (PostgreSQL's text cannot hold them) in query strings and bodies, digits other than ASCII
in ids, and filters or bodies nested deep enough to overflow a parser's stack (a CQL2 filter of 2,000 parentheses
killed the server process). Each is a 400 problem (German on the public paths), leaves what is stored untouched and
the server running."""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Callable

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, text

from flaechenpool.db import MAX_OFFSET
from tests.live import LiveServer

Auth = Callable[[str | None], dict[str, str]]
HUGE = "730199728440105978822656"      # beyond bigint


def problem(response: object, status: int = 400) -> dict[str, object]:
    assert response.status_code == status, response.text  # type: ignore[attr-defined]
    assert response.headers["content-type"] == "application/problem+json"  # type: ignore[attr-defined]
    return response.json()  # type: ignore[attr-defined,no-any-return]


@pytest.mark.parametrize("path", ["/api/sites", "/api/public/sites", "/api/parcels",
                                  "/api/audit", "/api/analysis/runs",
                                  "/ogc/collections/parcels/items"])
@pytest.mark.parametrize("offset", [str(MAX_OFFSET + 1), HUGE])
def test_an_offset_beyond_the_databases_integers_is_refused(client: TestClient, auth: Auth, path: str,
                                                            offset: str) -> None:
    body = problem(client.get(f"{path}{'&' if '?' in path else '?'}offset={offset}", headers=auth("admin")))
    assert "offset" in str(body["detail"]) and str(MAX_OFFSET) in str(body["detail"])


def test_the_largest_offset_is_an_empty_page(client: TestClient, auth: Auth) -> None:
    page = client.get("/api/public/sites", params={"offset": MAX_OFFSET})
    assert page.status_code == 200 and page.json()["features"] == []
    items = client.get("/ogc/collections/parcels/items", params={"offset": MAX_OFFSET, "limit": 1})
    assert items.status_code == 200 and items.json()["features"] == []


@pytest.mark.parametrize(("path", "params"), [
    ("/api/parcels", {"land_use": "a\x00"}),
    ("/ogc/collections/parcels/items", {"flurstueckskennzeichen": "16\x00"}),
    ("/ogc/collections/parcels/items", {"filter": "land_use = 'Wohnbaufl\x00che'"}),
])
def test_a_nul_character_in_a_query_is_a_400(client: TestClient, auth: Auth, path: str,
                                             params: dict[str, str]) -> None:
    assert "NUL character" in str(problem(client.get(path, params=params, headers=auth("admin")))["detail"])


def test_a_nul_character_on_the_public_paths_is_explained_in_german(client: TestClient) -> None:
    body = problem(client.get("/api/public/projects", params={"municipality": "\x00"}))
    assert body["title"] == "Ungültige Anfrage" and body["detail"] == \
        "Ein Text enthält ein NUL-Zeichen (0x00); das ist nicht zulässig."


def test_a_nul_character_in_a_site_writes_nothing(client: TestClient, auth: Auth, conn: Connection) -> None:
    before = conn.execute(text("SELECT count(*), max(id) FROM core.sites")).one()
    site = {"name": "Brache\x00Nord", "municipality_ags": "16053000", "kind": "brownfield",
            "geometry": {"type": "Polygon", "coordinates": [[[11.59, 50.93], [11.591, 50.93], [11.591, 50.931],
                                                             [11.59, 50.93]]]}}
    assert "NUL character" in str(problem(client.post("/api/sites", json=site, headers=auth("lm_jena")))["detail"])
    assert conn.execute(text("SELECT count(*), max(id) FROM core.sites")).one() == before


@pytest.mark.parametrize("fid", ["¹", "١٢", "²³"])      # digits to str.isdigit(), not to int() or not ASCII
def test_a_feature_id_of_other_digits_is_not_found(client: TestClient, auth: Auth, fid: str) -> None:
    for collection in ("analysis_candidates", "sites"):
        problem(client.get(f"/ogc/collections/{collection}/items/{fid}", headers=auth("admin")), 404)


def test_an_official_key_must_be_ascii_digits(client: TestClient, auth: Auth) -> None:
    body = problem(client.get("/api/parcels", params={"municipality": "١٦٠٥٣٠٠٠"}, headers=auth("planner")))
    assert "8-digit official key" in str(body["detail"])


DEEP_FILTERS = {   # each killed the server (cql2's parser overflowed the thread's stack) before it was refused
    "parentheses": "(" * 2000 + "flur = 1" + ")" * 2000,
    "NOT": "NOT " * 5000 + "flur = 1",
    "arithmetic": "flur = " + "+".join(["1"] * 10000),
    "OR": " OR ".join(f"flur = {i}" for i in range(3000)),
}


def test_a_filter_nested_too_deep_is_refused_and_the_server_lives_on(live_server: LiveServer) -> None:
    with httpx.Client(base_url=live_server.url, timeout=30) as http:
        for kind, cql in DEEP_FILTERS.items():
            response = http.get("/ogc/collections/parcels/items", params={"filter": cql})
            assert response.status_code == 400, kind
            assert response.headers["content-type"] == "application/problem+json", kind
            assert re.search(r"nested more than|more than \d+ (NOT|AND)", response.json()["detail"]), kind
        assert http.get("/health").status_code == 200
        # what a filter may hold stays usable: nesting, negations, long lists, negative coordinates
        fine = ("(" * 10 + "NOT (flur = 1 OR flur = -2)" + ")" * 10 + " AND flur IN (" + ",".join(map(str, range(3000)))
                + ") AND S_INTERSECTS(geometry, POLYGON((-1 -1, 60 -1, 60 80, -1 80, -1 -1)))")
        assert http.get("/ogc/collections/parcels/items", params={"filter": fine, "limit": 1}).status_code == 200


def test_a_request_the_http_parser_refuses_is_a_problem_too(live_server: LiveServer) -> None:
    host, port = live_server.url.removeprefix("http://").split(":")
    too_long = b"GET /ogc/collections/parcels/items?filter=" + b"a" * 70_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n"
    for raw in (too_long, b"GET / HTTP/1.1\r\nHost x\r\n\r\n", b"\x16\x03\x01 TLS hello\r\n\r\n"):
        with socket.create_connection((host, int(port)), timeout=10) as sock:
            sock.sendall(raw)
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 400 ") and b"content-type: application/problem+json" in head, raw[:30]
        assert b"connection: close" in head and json.loads(body)["status"] == 400
    with httpx.Client(base_url=live_server.url, timeout=30) as http:
        assert http.get("/health").status_code == 200


def test_a_body_nested_too_deep_is_a_400(client: TestClient, auth: Auth) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    for path, method, headers in (("/ogc/collections/sites/items", "POST", {"Content-Type": "application/geo+json"}),
                                  ("/ogc/collections/sites/items/1", "PATCH", {})):
        body = problem(client.request(method, path, content=deep, headers={**headers, **auth("lm_jena")}))
        assert body["detail"] == "the body is not JSON"
    public = problem(client.post("/api/public/sites/1/inquiries", content=deep,
                                 headers={"Content-Type": "application/json"}))
    assert public["title"] == "Ungültige Anfrage" and public["detail"] == \
        "Der Inhalt der Anfrage konnte nicht gelesen werden."


@pytest.mark.parametrize("path", ["/api/sites?munipality=16053000", "/api/parcels?municipality=16053000&limt=5",
                                  "/api/pool/holdings?municipality=16053000&asof=2020-01-01",
                                  "/api/analysis/runs?profil=default", "/api/projects?public=true&foo=1"])
def test_a_misspelt_query_parameter_is_refused_not_ignored(client: TestClient, auth: Auth, path: str) -> None:
    body = problem(client.get(path, headers=auth("admin")))
    misspelt = next(p.split("=")[0] for p in path.split("?")[1].split("&")
                    if p.split("=")[0] not in ("municipality", "public"))
    assert body["errors"] == [{"location": f"query.{misspelt}", "message": "Extra inputs are not permitted"}]
    spelt = path.split("?")[0] + "?" + "&".join(p for p in path.split("?")[1].split("&")
                                                 if p.split("=")[0] in ("municipality", "public"))
    assert client.get(spelt, headers=auth("admin")).status_code == 200, spelt


def test_the_public_api_names_an_unknown_parameter_in_german(client: TestClient) -> None:
    body = problem(client.get("/api/public/sites", params={"gemeinde": "16053000"}))
    assert body["detail"] == "gemeinde: unbekanntes Feld"
    ok = client.get("/api/public/sites", params={"municipality": "16053000", "bbox": "11,50,12,51",
                                                 "bbox-crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"})
    assert ok.status_code == 200 and ok.json()["number_matched"] > 0
