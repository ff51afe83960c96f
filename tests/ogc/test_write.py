"""OGC API – Features Part 4 (create, replace, update, delete) for sites, with the site register's
validation, rights and audit."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
import shapely
from fastapi.testclient import TestClient
from sqlalchemy import Connection, text

from tests.ogc.conftest import reproject

Auth = Callable[[str | None], dict[str, str]]
ITEMS = "/ogc/collections/sites/items"
SQUARE = shapely.box(681100, 5644000, 681160, 5644050)   # 60 m × 50 m in Jena, EPSG:25832


def _feature(geometry: shapely.Geometry, **props: object) -> str:
    properties = {"municipality_ags": "16053000", "name": "Baulücke Teststraße", "kind": "infill_gap", **props}
    return json.dumps({"type": "Feature", "geometry": shapely.geometry.mapping(geometry), "properties": properties})


def _post(ogc: TestClient, auth: Auth, body: str, crs: str | None = None, user: str = "lm_jena"):  # type: ignore[no-untyped-def]
    headers = {**auth(user), "Content-Type": "application/geo+json"}
    if crs:
        headers["Content-Crs"] = crs
    return ogc.post(ITEMS, content=body, headers=headers)


def test_options_lists_allowed_methods(ogc: TestClient, auth: Auth) -> None:
    anonymous = ogc.options(ITEMS)
    assert anonymous.status_code == 204 and "POST" not in anonymous.headers["Allow"]
    assert "POST" in ogc.options(ITEMS, headers=auth("lm_jena")).headers["Allow"]
    allow = ogc.options(f"{ITEMS}/1", headers=auth("lm_jena")).headers["Allow"]
    assert {"GET", "PUT", "PATCH", "DELETE"} <= {m.strip() for m in allow.split(",")}
    assert "POST" not in ogc.options("/ogc/collections/parcels/items", headers=auth("lm_jena")).headers["Allow"]


@pytest.mark.parametrize("crs", [None, "<http://www.opengis.net/def/crs/EPSG/0/25832>",
                                 "http://www.opengis.net/def/crs/EPSG/0/25832",
                                 "<http://www.opengis.net/def/crs/EPSG/0/4326>"])
def test_create_in_any_content_crs(ogc: TestClient, conn: Connection, auth: Auth, crs: str | None) -> None:
    """201 with Location and ETag; the geometry lands where it was drawn, whatever the Content-Crs."""
    if crs is None:
        geometry = reproject(SQUARE, 25832, 4326)
    elif crs.endswith("4326>"):
        geometry = shapely.transform(reproject(SQUARE, 25832, 4326), lambda xy: xy[:, ::-1])  # latitude first
    else:
        geometry = SQUARE
    r = _post(ogc, auth, _feature(geometry, intended_uses=["residential"], id=999, status="sold"), crs)
    assert r.status_code == 201, r.text
    location = r.headers["Location"]
    assert location.startswith("http") and "/ogc/collections/sites/items/" in location
    site_id = int(location.rsplit("/", 1)[1])
    assert r.headers["ETag"] == f'"site-{site_id}-v1"'
    stored = conn.execute(text("SELECT ST_AsBinary(geom), status, created_by FROM core.sites WHERE id = :i"),
                          {"i": site_id}).one()
    assert shapely.from_wkb(bytes(stored[0])).symmetric_difference(SQUARE).area < 0.5   # m²
    assert stored.status == "identified" and stored.created_by == "t-lm-jena"           # read-only values ignored
    assert ogc.get(location.removeprefix("http://testserver"), headers=auth("lm_jena")).json()["properties"][
        "name"] == "Baulücke Teststraße"
    audit = conn.execute(text("SELECT actor, action FROM audit.log WHERE table_name = 'core.sites' "
                              "AND row_key = :k"), {"k": str(site_id)}).all()
    assert [tuple(a) for a in audit] == [("t-lm-jena", "insert")]


def test_replace_update_and_if_match(ogc: TestClient, conn: Connection, auth: Auth) -> None:
    created = _post(ogc, auth, _feature(SQUARE, description="intern"), "EPSG:25832")
    url = created.headers["Location"].removeprefix("http://testserver")
    headers = {**auth("lm_jena"), "Content-Crs": "<http://www.opengis.net/def/crs/EPSG/0/25832>"}
    stale = ogc.put(url, content=_feature(SQUARE, name="Neu"), headers={**headers, "If-Match": '"site-1-v77"'})
    assert stale.status_code == 412
    bigger = shapely.box(681100, 5644000, 681200, 5644050)
    replaced = ogc.put(url, content=_feature(bigger, name="Neu"), headers={**headers, "If-Match": created.headers["ETag"]})
    assert replaced.status_code == 200 and replaced.headers["ETag"].endswith('-v2"')
    row = conn.execute(text("SELECT name, description, area_m2 FROM core.sites WHERE id = :i"),
                       {"i": int(url.rsplit("/", 1)[1])}).one()
    assert row.name == "Neu" and row.description is None and abs(row.area_m2 - 5000) < 0.5  # replaced entirely
    patched = ogc.patch(url, content=json.dumps({"properties": {"owner_contact": "contacted"}}), headers=auth("lm_jena"))
    assert patched.status_code == 200 and patched.json()["properties"]["name"] == "Neu"
    assert patched.json()["properties"]["owner_contact"] == "contacted"
    moved = ogc.patch(url, content=json.dumps({"properties": {"municipality_ags": "16070029"}}), headers=auth("lm_jena"))
    assert moved.status_code == 422


def test_delete_retires(ogc: TestClient, conn: Connection, auth: Auth) -> None:
    created = _post(ogc, auth, _feature(SQUARE), "EPSG:25832")
    url = created.headers["Location"].removeprefix("http://testserver")
    assert ogc.delete(url, headers={**auth("lm_jena"), "If-Match": '"site-0-v0"'}).status_code == 412
    assert ogc.delete(url + "?reason=Doppelt%20erfasst", headers=auth("lm_jena")).status_code == 204
    assert ogc.get(url, headers=auth("lm_jena")).status_code == 404
    retired = conn.execute(text("SELECT retired_reason FROM core.sites WHERE id = :i"),
                           {"i": int(url.rsplit("/", 1)[1])}).scalar_one()
    assert retired == "Doppelt erfasst"


@pytest.mark.parametrize(("user", "status"), [(None, 401), ("planner", 403), ("lm_ilmenau", 403)])
def test_who_may_write(ogc: TestClient, auth: Auth, user: str | None, status: int) -> None:
    r = ogc.post(ITEMS, content=_feature(SQUARE), headers={**auth(user), "Content-Crs": "EPSG:25832"})
    assert r.status_code == status


@pytest.mark.parametrize(("body", "status"), [
    (_feature(SQUARE, kind="castle"), 422),
    (_feature(shapely.box(600000, 5600000, 600050, 5600050)), 422),          # outside Jena
    (_feature(SQUARE, colour="red"), 400),
    ("not json", 400),
    (json.dumps({"type": "FeatureCollection", "features": []}), 400),
])
def test_invalid_features(ogc: TestClient, auth: Auth, body: str, status: int) -> None:
    assert _post(ogc, auth, body, "EPSG:25832").status_code == status


def test_a_point_or_projected_coordinates_without_their_crs_are_named(ogc: TestClient, conn: Connection,
                                                                      auth: Auth) -> None:
    before = conn.execute(text("SELECT count(*) FROM core.sites")).scalar_one()
    point = _post(ogc, auth, _feature(shapely.Point(681100, 5644000)), "EPSG:25832")
    assert point.status_code == 400
    assert point.json()["detail"] == "geometry: an area is needed (Polygon or MultiPolygon), not a Point"
    unlabelled = _post(ogc, auth, _feature(SQUARE))            # UTM metres sent as if CRS84
    assert unlabelled.status_code == 400
    assert "(681100 5644000) are no longitude/latitude" in unlabelled.json()["detail"]
    assert "Content-Crs" in unlabelled.json()["detail"]
    assert conn.execute(text("SELECT count(*) FROM core.sites")).scalar_one() == before


def test_read_only_collections_and_unknown_crs(ogc: TestClient, auth: Auth) -> None:
    headers = {**auth("lm_jena"), "Content-Crs": "EPSG:25832"}
    assert ogc.post("/ogc/collections/parcels/items", content=_feature(SQUARE), headers=headers).status_code == 403
    assert _post(ogc, auth, _feature(SQUARE), "EPSG:2056").status_code == 400
