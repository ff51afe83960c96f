"""Inquiries: validated and stored as personal data, readable only by land managers of the site's
municipality (and admins), every read logged; the database refuses everyone else itself."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from flaechenpool.db import set_context

ILMENAU = "16070029"
JENA = "16053000"
GOOD = {"name": "Testa Interessentin", "email": "testa@example.org", "company": "Testbau GmbH",
        "message": "Wir suchen 10.000 m² für eine Fertigung. Ist die Fläche teilbar?", "consent": True}


def site(conn: Connection, name: str) -> int:
    return int(conn.execute(text("SELECT id FROM core.sites WHERE name = :n"), {"n": name}).scalar_one())


def porcelain(conn: Connection) -> int:
    return site(conn, "Ehemaliges Porzellanwerk Ilmenau")


def stored(conn: Connection) -> int:
    return int(conn.execute(text("SELECT count(*) FROM personal.inquiries")).scalar_one())


def test_an_inquiry_is_stored_with_consent_and_only_a_reference_comes_back(client: TestClient, conn: Connection) -> None:
    site_id = porcelain(conn)
    r = client.post(f"/api/public/sites/{site_id}/inquiries", json={**GOOD, "email": "Testa@Example.org"})
    assert r.status_code == 201, r.text
    body = r.json()
    assert set(body) == {"reference", "message"} and body["reference"].startswith("A-")
    assert "Testa" not in r.text and "example.org" not in r.text
    row = conn.execute(text("SELECT * FROM personal.inquiries WHERE reference = :r"),
                       {"r": body["reference"]}).mappings().one()
    assert row["site_id"] == site_id and row["municipality_ags"] == ILMENAU and row["consent"]
    assert row["consent_text_version"] == client.get("/api/public/consent").json()["inquiry"]["version"]
    assert row["email"] == "Testa@example.org" and row["provenance"] == "user"
    assert row["consented_at"] is not None


@pytest.mark.parametrize(("change", "needle"), [
    ({"email": "not-an-address"}, "E-Mail"),
    ({"email": "a@b"}, "E-Mail"),
    ({"consent": False}, "Einwilligung"),
    ({"message": "kurz"}, "zu kurz"),
    ({"name": "x" * 201}, "zu lang"),
    ({"name": "Eve\nBcc: all@example.org"}, "Zeilenumbrüche"),
    ({"phone": "0123"}, "unbekanntes Feld"),
    ({"website": "http://spam.example"}, "nicht angenommen"),
    ({"consent_version": "erfunden"}, "Fassung"),
])
def test_bad_inquiries_get_a_german_problem_and_nothing_is_stored(client: TestClient, conn: Connection,
                                                                   change: dict, needle: str) -> None:
    before = stored(conn)
    r = client.post(f"/api/public/sites/{porcelain(conn)}/inquiries", json={**GOOD, **change})
    assert r.status_code == 400, r.text
    assert r.headers["content-type"] == "application/problem+json" and needle in r.json()["detail"]
    assert stored(conn) == before


def test_missing_fields_and_broken_json_are_refused(client: TestClient, conn: Connection) -> None:
    url = f"/api/public/sites/{porcelain(conn)}/inquiries"
    r = client.post(url, json={"name": "Nur Name"})
    assert r.status_code == 400 and "email: Angabe fehlt" in r.json()["detail"]
    r = client.post(url, content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 400 and "JSON" in r.json()["detail"]


def test_unpublished_or_missing_sites_take_no_inquiries(client: TestClient, conn: Connection) -> None:
    before = stored(conn)
    hidden = conn.execute(text("SELECT id FROM core.sites WHERE NOT published LIMIT 1")).scalar_one()
    for site_id in (hidden, 999999):
        r = client.post(f"/api/public/sites/{site_id}/inquiries", json=GOOD)
        assert r.status_code == 404 and "nicht veröffentlicht" in r.json()["detail"]
    assert stored(conn) == before


def test_land_managers_of_the_municipality_read_inquiries_and_the_read_is_logged(
        client: TestClient, conn: Connection, auth: Callable) -> None:
    reference = client.post(f"/api/public/sites/{porcelain(conn)}/inquiries", json=GOOD).json()["reference"]
    r = client.get("/api/inquiries", params={"purpose": "Rückruf zur Anfrage"}, headers=auth("lm_ilmenau"))
    assert r.status_code == 200, r.text
    mine = [i for i in r.json() if i["reference"] == reference]
    assert len(mine) == 1 and mine[0]["email"] == GOOD["email"] and mine[0]["site_name"].startswith("Ehemaliges")
    assert {i["municipality_ags"] for i in r.json()} == {ILMENAU}
    log = conn.execute(text("SELECT actor, purpose, what, keys, row_count FROM audit.personal_data_reads "
                            "ORDER BY id DESC LIMIT 1")).mappings().one()
    assert log["actor"] == "lm-ilmenau" and log["purpose"] == "Rückruf zur Anfrage" and log["what"] == "inquiries"
    assert str(mine[0]["id"]) in log["keys"] and log["row_count"] == len(r.json())
    admin = client.get("/api/inquiries", params={"purpose": "Prüfung", "site_id": porcelain(conn)},
                       headers=auth("admin"))
    assert reference in {i["reference"] for i in admin.json()}


def test_nobody_else_reads_inquiries(client: TestClient, conn: Connection, auth: Callable) -> None:
    reference = client.post(f"/api/public/sites/{porcelain(conn)}/inquiries", json=GOOD).json()["reference"]
    reads = conn.execute(text("SELECT count(*) FROM audit.personal_data_reads")).scalar_one()
    params = {"purpose": "Neugier"}
    assert client.get("/api/inquiries", params=params).status_code == 401
    assert client.get("/api/inquiries", params=params, headers=auth("planner")).status_code == 403
    other = client.get("/api/inquiries", params={**params, "municipality": ILMENAU}, headers=auth("lm_jena"))
    assert other.status_code == 403 and other.headers["content-type"] == "application/problem+json"
    assert client.get("/api/inquiries", params={**params, "site_id": porcelain(conn)},
                      headers=auth("lm_soemmerda")).status_code == 403
    own = client.get("/api/inquiries", params=params, headers=auth("lm_jena"))
    assert own.status_code == 200 and reference not in own.text and GOOD["email"] not in own.text
    assert client.get("/api/inquiries", headers=auth("lm_ilmenau")).status_code == 400   # no purpose
    assert conn.execute(text("SELECT count(*) FROM audit.personal_data_reads")).scalar_one() == reads + 1


@pytest.mark.parametrize("role", ["public", "planner", "land_manager"])
def test_the_database_refuses_direct_reads(conn: Connection, role: str) -> None:
    with pytest.raises(DBAPIError) as exc, conn.begin_nested():
        set_context(conn, actor="t-lm-ilmenau", role=role)
        conn.execute(text("SELECT name, email FROM personal.inquiries"))
    assert getattr(exc.value.orig, "sqlstate", "") == "42501"


def test_the_database_checks_the_municipality_of_the_acting_user(conn: Connection, tokens: dict) -> None:
    # lm-jena (from the tokens fixture) may read Jena's inquiries, not Ilmenau's, whatever the caller asks
    with pytest.raises(DBAPIError) as exc, conn.begin_nested():
        set_context(conn, actor="lm-jena", role="land_manager")
        conn.execute(text("SELECT * FROM personal.read_inquiries(ARRAY['16070029'], NULL, 'test')"))
    assert getattr(exc.value.orig, "sqlstate", "") == "FPA02"
    with conn.begin_nested():
        set_context(conn, actor="lm-ilmenau", role="land_manager")
        rows = conn.execute(text("SELECT municipality_ags FROM personal.read_inquiries(ARRAY['16070029'], NULL, "
                                 "'test')")).scalars().all()
        assert set(rows) <= {ILMENAU}
    with pytest.raises(DBAPIError) as exc, conn.begin_nested():
        set_context(conn, actor="planner", role="planner")
        conn.execute(text("SELECT * FROM personal.read_inquiries(ARRAY['16070029'], NULL, 'test')"))
    assert getattr(exc.value.orig, "sqlstate", "") == "42501"


def test_land_managers_record_how_an_inquiry_is_handled(client: TestClient, conn: Connection, auth: Callable) -> None:
    reference = client.post(f"/api/public/sites/{porcelain(conn)}/inquiries", json=GOOD).json()["reference"]
    change = {"status": "answered", "note": "Angebot per E-Mail an Frau Interessentin geschickt."}
    r = client.patch(f"/api/inquiries/{reference}", json=change, headers=auth("lm_ilmenau"))
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "answered" and r.json()["handled_by"] == "lm-ilmenau"
    assert r.json()["note"] == change["note"] and r.json()["status_changed_at"]

    params = {"purpose": "Stand der Anfragen", "status": "answered"}
    listed = client.get("/api/inquiries", params=params, headers=auth("lm_ilmenau")).json()
    assert [(i["reference"], i["status"], i["note"]) for i in listed] == [(reference, "answered", change["note"])]
    assert reference not in client.get("/api/inquiries", params={**params, "status": "new"},
                                       headers=auth("lm_ilmenau")).text
    logged = conn.execute(text("SELECT actor, before ->> 'status', after ->> 'status' FROM audit.log WHERE "
                               "table_name = 'personal.inquiries' AND action = 'update' ORDER BY id DESC LIMIT 1")).one()
    assert tuple(logged) == ("lm-ilmenau", "new", "answered")
    # only the status changes when no note is sent; an empty note removes it
    kept = client.patch(f"/api/inquiries/{reference}", json={"status": "closed"}, headers=auth("lm_ilmenau")).json()
    assert (kept["status"], kept["note"]) == ("closed", change["note"])
    cleared = client.patch(f"/api/inquiries/{reference}", json={"status": "closed", "note": ""},
                           headers=auth("lm_ilmenau")).json()
    assert cleared["note"] is None


def test_only_land_managers_of_the_municipality_change_the_handling(client: TestClient, conn: Connection,
                                                                    auth: Callable) -> None:
    reference = client.post(f"/api/public/sites/{porcelain(conn)}/inquiries", json=GOOD).json()["reference"]
    path, change = f"/api/inquiries/{reference}", {"status": "in_progress"}
    assert client.patch(path, json=change).status_code == 401
    assert client.patch(path, json=change, headers=auth("planner")).status_code == 403
    other = client.patch(path, json=change, headers=auth("lm_jena"))      # as if there were no such inquiry
    assert other.status_code == 404 and other.headers["content-type"] == "application/problem+json"
    assert client.patch("/api/inquiries/A-2026-00000000", json=change, headers=auth("lm_ilmenau")).status_code == 404
    for bad in ({"status": "done"}, {"status": "answered", "note": "x" * 2001}, {"status": "new", "extra": 1}):
        answer = client.patch(path, json=bad, headers=auth("lm_ilmenau"))
        assert answer.status_code in (400, 422) and answer.headers["content-type"] == "application/problem+json"
    assert conn.execute(text("SELECT status, handled_by FROM personal.inquiries WHERE reference = :r"),
                        {"r": reference}).one() == ("new", None)
    assert client.patch(path, json=change, headers=auth("admin")).json()["handled_by"] == "admin"


def test_the_note_is_erased_from_the_audit_log_with_the_inquiry(client: TestClient, conn: Connection,
                                                                 auth: Callable) -> None:
    reference = client.post(f"/api/public/sites/{porcelain(conn)}/inquiries", json=GOOD).json()["reference"]
    client.patch(f"/api/inquiries/{reference}", json={"status": "answered", "note": "Rückruf bei Frau Testa, 0361 123"},
                 headers=auth("lm_ilmenau"))
    inquiry_id = conn.execute(text("SELECT id FROM personal.inquiries WHERE reference = :r"), {"r": reference}).scalar()
    conn.execute(text("SELECT * FROM personal.erase(ARRAY[CAST(:i AS bigint)], NULL, 'Art. 17')"), {"i": inquiry_id})
    records = conn.execute(text("SELECT coalesce(before, '{}') || coalesce(after, '{}') FROM audit.log "
                                "WHERE table_name = 'personal.inquiries' AND row_key = :k"), {"k": str(inquiry_id)}).scalars().all()
    assert len(records) >= 3 and all("Testa" not in str(r) and "note" not in r for r in records)
    assert all(r["status"] in ("new", "answered") for r in records)       # what was done stays


def test_planners_see_the_demand_per_site_without_personal_data(client: TestClient, conn: Connection,
                                                                 auth: Callable) -> None:
    site_id = porcelain(conn)
    before = {r["site_id"]: r for r in client.get("/api/inquiries/demand", headers=auth("planner")).json()}
    references = [client.post(f"/api/public/sites/{site_id}/inquiries", json=GOOD).json()["reference"] for _ in range(2)]
    client.patch(f"/api/inquiries/{references[0]}", json={"status": "answered"}, headers=auth("lm_ilmenau"))
    r = client.get("/api/inquiries/demand", params={"municipality": ILMENAU}, headers=auth("planner"))
    assert r.status_code == 200, r.text
    mine = next(row for row in r.json() if row["site_id"] == site_id)
    old = before.get(site_id, {"inquiries": 0, "answered": 0, "new": 0})
    assert mine["inquiries"] == old["inquiries"] + 2 and mine["answered"] == old["answered"] + 1
    assert mine["new"] == old["new"] + 1 and mine["site_name"] == "Ehemaliges Porzellanwerk Ilmenau"
    assert {row["municipality_ags"] for row in r.json()} == {ILMENAU}
    assert GOOD["email"] not in r.text and GOOD["name"] not in r.text and "Testbau" not in r.text
    expected = conn.execute(text("SELECT count(*) FROM personal.inquiries WHERE site_id = :s"), {"s": site_id}).scalar()
    assert mine["inquiries"] == expected
    reads = conn.execute(text("SELECT count(*) FROM audit.personal_data_reads")).scalar_one()
    assert client.get("/api/inquiries/demand", headers=auth("lm_jena")).status_code == 200    # every municipality
    assert conn.execute(text("SELECT count(*) FROM audit.personal_data_reads")).scalar_one() == reads
    assert client.get("/api/inquiries/demand").status_code == 401
    assert client.get("/api/inquiries/demand", params={"municipality": "99999999"},
                      headers=auth("planner")).status_code == 404
