"""The permission matrix (roles × endpoints) and the audit trail's visibility."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, text

from tests.api.conftest import JENA

Auth = Callable[[str | None], dict[str, str]]
ROLES = [None, "planner", "lm_ilmenau", "lm_jena", "admin"]

# endpoint → expected status per role (anonymous, planner, land manager elsewhere, land manager Jena, admin)
READS = {
    "/health": [200, 200, 200, 200, 200],
    "/api/parcels?municipality=16053000&limit=5": [401, 200, 200, 200, 200],
    "/api/parcels/16011500200872______": [401, 200, 200, 200, 200],
    "/api/sites": [200, 200, 200, 200, 200],
    "/api/pool/holdings?municipality=16053000": [401, 200, 200, 200, 200],
    "/api/pool/transactions?municipality=16053000": [401, 200, 200, 200, 200],
    "/api/pool/transactions?municipality=16053000&purpose=Bericht": [401, 403, 403, 200, 200],
    "/api/vacancies/summary": [401, 200, 200, 200, 200],
    "/api/estates/1/balance": [401, 200, 200, 200, 200],
    "/api/audit?limit=5": [401, 200, 200, 200, 200],
}


@pytest.mark.parametrize("url", list(READS))
def test_read_permissions(client: TestClient, auth: Auth, url: str) -> None:
    got = [client.get(url, headers=auth(role)).status_code for role in ROLES]
    assert got == READS[url]


def test_writes_need_a_land_manager_of_the_municipality(client: TestClient, auth: Auth, conn: Connection) -> None:
    key = conn.execute(text("SELECT flurstueckskennzeichen FROM core.parcels WHERE municipality_ags = :m "
                            "AND valid_to IS NULL ORDER BY 1 DESC LIMIT 1"), {"m": JENA}).scalar_one()
    site = {"municipality_ags": JENA, "name": "Matrix", "kind": "infill_gap", "parcels": [key]}
    got = [client.post("/api/sites", json=site, headers=auth(role)).status_code for role in ROLES]
    assert got == [401, 403, 403, 201, 201]


def test_bad_tokens_are_401_problems(client: TestClient) -> None:
    for header in ("Bearer fp_nonsense", "Basic !!!", "Digest abc", "Bearer "):
        response = client.get("/api/audit", headers={"Authorization": header})
        assert response.status_code == 401 and response.headers["content-type"] == "application/problem+json"


def test_token_as_basic_password_works_and_user_must_match(client: TestClient, tokens: dict[str, str]) -> None:
    good = client.get("/api/audit", auth=("planner", tokens["planner"]))
    assert good.status_code == 200
    assert client.get("/api/audit", auth=("admin", tokens["planner"])).status_code == 401


def test_audit_shows_who_changed_what_and_hides_personal_tables(client: TestClient, auth: Auth,
                                                               conn: Connection) -> None:
    key = conn.execute(text("SELECT flurstueckskennzeichen FROM core.parcels WHERE municipality_ags = :m "
                            "AND valid_to IS NULL ORDER BY 1 DESC LIMIT 1"), {"m": JENA}).scalar_one()
    created = client.post("/api/sites", json={"municipality_ags": JENA, "name": "Audit", "kind": "infill_gap",
                                              "parcels": [key]}, headers=auth("lm_jena"))
    site_id = created.json()["id"]
    client.patch(f"/api/sites/{site_id}", json={"asking_price_eur_m2": 120},
                 headers={**auth("lm_jena"), "If-Match": created.headers["ETag"]})
    entries = client.get("/api/audit", params={"table": "core.sites", "row_key": str(site_id)},
                         headers=auth("planner")).json()
    assert [e["action"] for e in entries] == ["update", "insert"]
    assert entries[0]["actor"] == "lm-jena" and entries[0]["after"]["asking_price_eur_m2"] == 120
    assert entries[0]["before"]["asking_price_eur_m2"] is None
    history = client.get(f"/api/sites/{site_id}/history", headers=auth("planner")).json()
    assert [c["action"] for c in history["changes"]] == ["insert", "update"]
    planner_tables = {e["table_name"] for e in client.get("/api/audit", params={"limit": 10000},
                                                          headers=auth("planner")).json()}
    admin_tables = {e["table_name"] for e in client.get("/api/audit", params={"limit": 10000},
                                                        headers=auth("admin")).json()}
    assert "auth.users" in admin_tables and not any(t.startswith(("personal.", "auth.")) for t in planner_tables)
    typo = client.get("/api/audit", params={"table": "core.site"}, headers=auth("planner"))
    assert typo.status_code == 400 and "no table 'core.site'" in typo.json()["detail"]
    for odd in ("a.b.c.d", '"core".sites', ""):
        assert client.get("/api/audit", params={"table": odd}, headers=auth("planner")).status_code == 400, odd
    assert client.get("/api/audit", params={"table": "core.estates"}, headers=auth("planner")).status_code == 200
