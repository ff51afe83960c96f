"""Input a fuzzer sends (schemathesis found these as 500s): offsets beyond the database's integers and NUL
characters, which PostgreSQL's text cannot hold, in query strings and bodies. Each is a 400 problem (German on
the public paths) and leaves what is stored untouched."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, text

from flaechenpool.db import MAX_OFFSET

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
