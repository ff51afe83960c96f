"""Construction projects: the public layer shows what land managers marked public, never a private
builder's name; land managers of the municipality record and publish; everything is audited."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from pyproj import Transformer
from shapely import wkb
from shapely.geometry import shape
from sqlalchemy import Connection, text

JENA = "16053000"
ILMENAU = "16070029"
NEW = {"municipality_ags": JENA, "name": "Neubau Kita Testweg (Test)", "kind": "public_building", "status": "planned",
       "builder_type": "public", "builder_name": "Stadt Jena", "start_on": "2027-01-01", "end_on": "2028-06-30",
       "geometry": {"type": "Point", "coordinates": [11.5886, 50.9271]}}


def test_the_public_layer_shows_public_projects_without_private_builders(client: TestClient, conn: Connection) -> None:
    rows = conn.execute(text("SELECT id, name, builder_type, builder_name, public, ST_AsBinary(geom) AS g "
                             "FROM core.construction_projects")).mappings().all()
    r = client.get("/api/public/projects")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/geo+json")
    body = r.json()
    assert {f["id"] for f in body["features"]} == {p["id"] for p in rows if p["public"]}
    assert body["number_matched"] == len(body["features"]) >= 5
    hidden = [p for p in rows if not p["public"]]
    assert hidden and not any(p["name"] in r.text for p in hidden)
    for p in rows:
        if p["builder_type"] == "private" and p["builder_name"]:
            assert p["builder_name"] not in r.text
    by_id = {f["id"]: f for f in body["features"]}
    to_wgs = Transformer.from_crs(25832, 4326, always_xy=True)
    for p in rows:
        if p["public"]:
            props = by_id[p["id"]]["properties"]
            assert props["builder_name"] == (p["builder_name"] if p["builder_type"] == "public" else None)
            assert props["illustrative"] and props["name"].endswith("(fiktiv)")
            stored = wkb.loads(bytes(p["g"]))
            centroid = to_wgs.transform(stored.centroid.x, stored.centroid.y)
            got = shape(by_id[p["id"]]["geometry"]).centroid
            assert got.x == pytest.approx(centroid[0], abs=1e-5) and got.y == pytest.approx(centroid[1], abs=1e-5)
    kinds = {f["geometry"]["type"] for f in body["features"]}
    assert kinds == {"Point", "MultiPolygon"}


def test_public_filters(client: TestClient, conn: Connection) -> None:
    planned = client.get("/api/public/projects", params={"status": "planned", "municipality": ILMENAU}).json()
    assert planned["features"] and all(f["properties"]["status"] == "planned"
                                       and f["properties"]["municipality_ags"] == ILMENAU for f in planned["features"])
    several = client.get("/api/public/projects", params={"status": "planned,completed"}).json()
    assert {f["properties"]["status"] for f in several["features"]} == {"planned", "completed"}
    r = client.get("/api/public/projects", params={"status": "demolished"})
    assert r.status_code == 400 and "Unbekannter Wert" in r.json()["detail"]


def test_land_managers_record_and_publish_projects(client: TestClient, conn: Connection, auth: Callable) -> None:
    r = client.post("/api/projects", json=NEW, headers=auth("lm_jena"))
    assert r.status_code == 201, r.text
    project_id, etag = r.json()["id"], r.headers["etag"]
    assert r.json()["properties"]["public"] is False and r.json()["properties"]["provenance"] == "user"
    assert project_id not in {f["id"] for f in client.get("/api/public/projects").json()["features"]}
    stale = client.patch(f"/api/projects/{project_id}", json={"public": True},
                         headers={**auth("lm_jena"), "If-Match": '"project-1-v99"'})
    assert stale.status_code == 412
    r = client.patch(f"/api/projects/{project_id}", json={"public": True, "status": "under_construction"},
                     headers={**auth("lm_jena"), "If-Match": etag})
    assert r.status_code == 200 and r.json()["properties"]["version"] == 2
    one = client.get(f"/api/projects/{project_id}", headers=auth("planner"))
    assert one.status_code == 200 and one.headers["etag"] == f'"project-{project_id}-v2"'
    assert client.get(f"/api/projects/{project_id}").status_code == 401
    assert client.get("/api/projects/999999", headers=auth("planner")).status_code == 404
    public = {f["id"]: f for f in client.get("/api/public/projects").json()["features"]}
    assert public[project_id]["properties"]["status"] == "under_construction"
    assert public[project_id]["properties"]["builder_name"] == "Stadt Jena"
    actions = conn.execute(text("SELECT action, actor FROM audit.log WHERE table_name = 'core.construction_projects' "
                                "AND row_key = :k ORDER BY id"), {"k": str(project_id)}).all()
    assert [a for a, _ in actions] == ["insert", "update"] and {u for _, u in actions} == {"lm-jena"}
    listed = client.get("/api/projects", params={"municipality": JENA}, headers=auth("planner")).json()
    assert project_id in {f["id"] for f in listed["features"]}
    assert "Erika Beispiel-Bauherrin (fiktiv)" in str(listed)     # planners see the internal builder name


def test_who_may_do_what(client: TestClient, auth: Callable) -> None:
    assert client.get("/api/projects").status_code == 401
    assert client.post("/api/projects", json=NEW).status_code == 401
    assert client.post("/api/projects", json=NEW, headers=auth("planner")).status_code == 403
    r = client.post("/api/projects", json=NEW, headers=auth("lm_ilmenau"))
    assert r.status_code == 403 and r.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(("change", "status"), [
    ({"geometry": {"type": "Point", "coordinates": [10.0, 53.5]}}, 422),                  # Hamburg, not Jena
    ({"geometry": {"type": "LineString", "coordinates": [[11.58, 50.92], [11.59, 50.93]]}}, 400),
    ({"end_on": "2020-01-01"}, 400),
    ({"kind": "castle"}, 400),
])
def test_bad_projects_are_refused_and_nothing_stored(client: TestClient, conn: Connection, auth: Callable,
                                                     change: dict, status: int) -> None:
    before = conn.execute(text("SELECT count(*) FROM core.construction_projects")).scalar()
    r = client.post("/api/projects", json={**NEW, **change}, headers=auth("lm_jena"))
    assert r.status_code == status and r.headers["content-type"] == "application/problem+json"
    assert conn.execute(text("SELECT count(*) FROM core.construction_projects")).scalar() == before
