"""/api/sites: create (drawn or from parcels), edit with ETag/If-Match, workflow, retire, visibility."""

from __future__ import annotations

import json
from collections.abc import Callable

import shapely
from fastapi.testclient import TestClient
from shapely.geometry import box, mapping
from sqlalchemy import Connection, text

from tests.api.conftest import ILMENAU, JENA

Auth = Callable[[str | None], dict[str, str]]


def jena_keys(conn: Connection, n: int = 2) -> list[str]:
    """Adjacent current parcels in Jena that are not part of a site."""
    first = conn.execute(text(
        "SELECT p.flurstueckskennzeichen FROM core.parcels p WHERE p.municipality_ags = :m AND p.valid_to IS NULL "
        "AND NOT EXISTS (SELECT 1 FROM core.site_parcels sp WHERE sp.flurstueckskennzeichen = p.flurstueckskennzeichen) "
        "ORDER BY p.flurstueckskennzeichen LIMIT 1"), {"m": JENA}).scalar_one()
    neighbours = conn.execute(text(
        "SELECT n.flurstueckskennzeichen FROM core.parcels p JOIN core.parcels n ON ST_Touches(n.geom, p.geom) "
        "AND n.valid_to IS NULL WHERE p.flurstueckskennzeichen = :k AND p.valid_to IS NULL "
        "ORDER BY n.flurstueckskennzeichen LIMIT :n"), {"k": first, "n": n - 1}).scalars().all()
    return [first, *neighbours]


def create(client: TestClient, auth: Auth, conn: Connection, user: str = "lm_jena", **extra: object):  # type: ignore[no-untyped-def]
    body = {"municipality_ags": JENA, "name": "Brache Teststraße", "kind": "brownfield",
            "parcels": jena_keys(conn), "obstacles": ["contamination"], "description": "intern: Altlastverdacht"}
    body.update(extra)
    return client.post("/api/sites", json=body, headers=auth(user))


def test_create_from_parcels_gives_their_union_an_etag_and_an_audit_entry(client: TestClient, auth: Auth,
                                                                          conn: Connection) -> None:
    keys = jena_keys(conn)
    response = create(client, auth, conn, parcels=keys)
    assert response.status_code == 201, response.text
    site = response.json()
    site_id = site["id"]
    assert response.headers["Location"] == f"/api/sites/{site_id}"
    assert response.headers["ETag"] == f'"site-{site_id}-v1"'
    assert site["properties"]["status"] == "identified" and sorted(site["properties"]["parcels"]) == sorted(keys)
    union_area = conn.execute(text("SELECT ST_Area(ST_Union(geom)) FROM core.parcels WHERE valid_to IS NULL "
                                   "AND flurstueckskennzeichen = ANY(:k)"), {"k": keys}).scalar()
    assert abs(site["properties"]["area_m2"] - union_area) < 0.01
    audit = conn.execute(text("SELECT actor, action FROM audit.log WHERE table_name = 'core.sites' AND row_key = :k"),
                         {"k": str(site_id)}).all()
    assert [tuple(a) for a in audit] == [("lm-jena", "insert")]


def test_create_with_a_drawn_geometry_in_utm(client: TestClient, auth: Auth, conn: Connection) -> None:
    x, y = conn.execute(text("SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) p FROM "
                             "core.municipalities WHERE ags = :m) s"), {"m": JENA}).one()
    drawn = box(x, y, x + 80, y + 50)
    response = client.post("/api/sites", params={"crs": "EPSG:25832"}, headers=auth("lm_jena"), json={
        "municipality_ags": JENA, "name": "Gezeichnet", "kind": "infill_gap", "geometry": mapping(drawn)})
    assert response.status_code == 201, response.text
    assert abs(response.json()["properties"]["area_m2"] - 4000) < 0.01
    # the same numbers declared as CRS84 are no longitude/latitude: refused
    wrong = client.post("/api/sites", headers=auth("lm_jena"), json={
        "municipality_ags": JENA, "name": "Falsch", "kind": "infill_gap", "geometry": mapping(drawn)})
    assert wrong.status_code == 400 and wrong.headers["content-type"] == "application/problem+json"
    assert "are no longitude/latitude; name the CRS of projected coordinates" in wrong.json()["detail"]


def test_who_may_create(client: TestClient, auth: Auth, conn: Connection) -> None:
    assert create(client, auth, conn, user=None).status_code == 401  # type: ignore[arg-type]
    assert create(client, auth, conn, user="planner").status_code == 403
    assert create(client, auth, conn, user="lm_ilmenau").status_code == 403
    assert create(client, auth, conn, user="admin").status_code == 201


def test_bad_bodies_are_problems(client: TestClient, auth: Auth, conn: Connection) -> None:
    for extra in ({"kind": "castle"}, {"asking_price_eur_m2": "cheap"}, {"unknown_field": 1},
                  {"parcels": ["16030400100001______", "nonsense"]}, {"obstacles": ["ghosts"]},
                  {"geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]},
                   "parcels": None}):
        response = create(client, auth, conn, **extra)
        assert response.status_code in (400, 422), (extra, response.text)
        assert response.headers["content-type"] == "application/problem+json"
    missing = create(client, auth, conn, parcels=["160304999999990000__"])
    assert missing.status_code == 422 and "160304999999990000__" in missing.json()["detail"]
    count = conn.execute(text("SELECT count(*) FROM core.sites WHERE name = 'Brache Teststraße'")).scalar()
    assert count == 0


def test_optimistic_concurrency(client: TestClient, auth: Auth, conn: Connection) -> None:
    created = create(client, auth, conn)
    site_id, tag = created.json()["id"], created.headers["ETag"]
    url = f"/api/sites/{site_id}"
    assert client.patch(url, json={"asking_price_eur_m2": 80}, headers=auth("lm_jena")).status_code == 412
    first = client.patch(url, json={"asking_price_eur_m2": 80}, headers={**auth("lm_jena"), "If-Match": tag})
    assert first.status_code == 200 and first.headers["ETag"] == f'"site-{site_id}-v2"'
    stale = client.patch(url, json={"asking_price_eur_m2": 90}, headers={**auth("lm_jena"), "If-Match": tag})
    assert stale.status_code == 412 and stale.headers["content-type"] == "application/problem+json"
    assert client.get(url, headers=auth("planner")).json()["properties"]["asking_price_eur_m2"] == 80


def test_workflow_moves_with_reason_and_refusals(client: TestClient, auth: Auth, conn: Connection) -> None:
    site_id = create(client, auth, conn).json()["id"]
    url = f"/api/sites/{site_id}/status"
    ok = client.post(url, json={"status": "assessed", "reason": "Begehung am 3.11.", "date": "2026-11-03"},
                     headers=auth("lm_jena"))
    assert ok.status_code == 200 and ok.json()["properties"]["status"] == "assessed"
    refused = client.post(url, json={"status": "sold", "reason": "zu schnell"}, headers=auth("lm_jena"))
    assert refused.status_code == 409 and "assessed → sold" in refused.json()["detail"]
    assert client.post(url, json={"status": "marketed", "reason": "x"}, headers=auth("lm_jena")).status_code == 400
    history = client.get(f"/api/sites/{site_id}/history", headers=auth("planner")).json()["status_history"]
    assert [(h["from_status"], h["to_status"], h["author"]) for h in history] == [
        (None, "identified", "lm-jena"), ("identified", "assessed", "lm-jena")]
    assert history[1]["changed_on"] == "2026-11-03" and history[1]["reason"] == "Begehung am 3.11."


def test_retire_keeps_the_site_and_blocks_edits(client: TestClient, auth: Auth, conn: Connection) -> None:
    created = create(client, auth, conn)
    site_id = created.json()["id"]
    retired = client.post(f"/api/sites/{site_id}/retire", json={"reason": "bebaut"}, headers=auth("lm_jena"))
    assert retired.status_code == 200 and retired.json()["properties"]["retired_at"]
    edit = client.patch(f"/api/sites/{site_id}", json={"name": "neu"},
                        headers={**auth("lm_jena"), "If-Match": retired.headers["ETag"]})
    assert edit.status_code == 422
    assert conn.execute(text("SELECT count(*) FROM core.sites WHERE id = :i"), {"i": site_id}).scalar() == 1


def test_anonymous_callers_see_published_sites_with_public_fields_only(client: TestClient, conn: Connection) -> None:
    body = client.get("/api/sites", params={"limit": 1000}).json()
    published = set(conn.execute(text("SELECT id FROM core.sites WHERE published AND retired_at IS NULL")).scalars())
    assert {f["id"] for f in body["features"]} == published
    for feature in body["features"]:
        assert not {"description", "owner_contact", "obstacles", "owner_objection_200_3"} & set(feature["properties"])
    hidden = conn.execute(text("SELECT id FROM core.sites WHERE NOT published LIMIT 1")).scalar_one()
    assert client.get(f"/api/sites/{hidden}").status_code == 404
    porcelain = conn.execute(text("SELECT id FROM core.sites WHERE name LIKE 'Ehemaliges Porzellanwerk%'")).scalar_one()
    page = json.dumps(client.get(f"/api/sites/{porcelain}").json())
    assert "Altlastenverdacht" not in page  # the internal description stays internal


def test_planners_see_internal_fields(client: TestClient, auth: Auth) -> None:
    body = client.get("/api/sites", params={"municipality": ILMENAU}, headers=auth("planner")).json()
    assert body["features"] and "obstacles" in body["features"][0]["properties"]
    assert all(f["properties"]["municipality_ags"] == ILMENAU for f in body["features"])
    assert shapely.geometry.shape(body["features"][0]["geometry"]).is_valid


def test_no_staff_user_name_reaches_anonymous_callers(client: TestClient, auth: Auth, conn: Connection) -> None:
    created = create(client, auth, conn, published=True, publication_basis="municipal_property",
                     public_description="Gewerbefläche am Rand")
    assert created.status_code == 201, created.text
    site_id = created.json()["id"]
    internal = client.get(f"/api/sites/{site_id}", headers=auth("planner")).json()["properties"]
    assert internal["created_by"] == "lm-jena"          # staff see who entered it
    for url in (f"/api/sites/{site_id}", f"/ogc/collections/sites/items/{site_id}", "/api/sites?limit=1000",
                "/ogc/collections/sites/items?limit=1000"):
        response = client.get(url)
        assert response.status_code == 200, (url, response.text)
        assert "lm-jena" not in response.text, url
        assert str(site_id) in response.text, url
