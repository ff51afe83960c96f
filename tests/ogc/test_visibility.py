"""What a role may see decides what a collection returns (the database role of the request enforces it)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import shapely
from fastapi.testclient import TestClient
from sqlalchemy import Connection, text

Auth = Callable[[str | None], dict[str, str]]
PUBLIC_SITE_FIELDS = {"id", "municipality_ags", "name", "kind", "status", "planning_law", "land_use_type",
                      "intended_uses", "availability", "available_from", "asking_price_eur_m2", "utilities",
                      "broadband_mbit", "estate_id", "public_description", "contact_office", "area_m2", "version",
                      "updated_at", "provenance", "source"}


def test_anonymous_sees_published_sites_with_public_fields(ogc: TestClient, conn: Connection) -> None:
    fc = ogc.get("/ogc/collections/sites/items?limit=100").json()
    published = set(conn.execute(text("SELECT id FROM core.sites WHERE published AND retired_at IS NULL")).scalars())
    assert {f["id"] for f in fc["features"]} == published and fc["numberMatched"] == len(published)
    assert all(set(f["properties"]) == PUBLIC_SITE_FIELDS for f in fc["features"])
    hidden = conn.execute(text("SELECT id FROM core.sites WHERE NOT published LIMIT 1")).scalar_one()
    assert ogc.get(f"/ogc/collections/sites/items/{hidden}").status_code == 404


def test_planner_sees_every_current_site_and_internal_fields(ogc: TestClient, conn: Connection, auth: Auth) -> None:
    fc = ogc.get("/ogc/collections/sites/items?limit=100", headers=auth("planner")).json()
    current = conn.execute(text("SELECT count(*) FROM core.sites WHERE retired_at IS NULL")).scalar_one()
    assert fc["numberMatched"] == current
    assert {"owner_contact", "obstacles", "published", "description"} <= set(fc["features"][0]["properties"])


@pytest.mark.parametrize("collection", ["vacancies", "pool_holdings", "buildings"])
def test_internal_collections(ogc: TestClient, auth: Auth, collection: str) -> None:
    r = ogc.get(f"/ogc/collections/{collection}/items")
    assert r.status_code == 401 and "Bearer" in r.headers["WWW-Authenticate"]
    assert ogc.get(f"/ogc/collections/{collection}/items?limit=1", headers=auth("planner")).status_code == 200
    ids = [c["id"] for c in ogc.get("/ogc/collections", headers=auth("planner")).json()["collections"]]
    assert collection in ids


def test_token_as_basic_password(ogc: TestClient, tokens: dict[str, str]) -> None:
    """QGIS 3.22 and GDAL send the token as the password of HTTP Basic."""
    r = ogc.get("/ogc/collections/vacancies/items?limit=1", auth=("t-planner", tokens["planner"]))
    assert r.status_code == 200
    assert ogc.get("/ogc/collections/vacancies/items", auth=("someone-else", tokens["planner"])).status_code == 401
    assert ogc.get("/ogc/collections/sites/items", headers={"Authorization": "Bearer wrong"}).status_code == 401


def test_no_personal_data_anywhere(ogc: TestClient, auth: Auth) -> None:
    """Owners and counterparties are never part of a collection, whatever the role."""
    for c in ogc.get("/ogc/collections", headers=auth("admin")).json()["collections"]:
        props = ogc.get(f"/ogc/collections/{c['id']}/schema", headers=auth("admin")).json()["properties"]
        assert not {"owner", "owners", "counterparty_id", "counterparty", "party_id"} & set(props), c["id"]


def test_construction_projects_as_points_and_areas(ogc: TestClient, conn: Connection, auth: Auth) -> None:
    """Bauvorhaben for planners: every project as a point in it (a point stays itself), the areas as areas."""
    assert ogc.get("/ogc/collections/construction_projects/items").status_code == 401
    stored = {i: (kind, shapely.from_wkb(bytes(g))) for i, kind, g in conn.execute(text(
        "SELECT id, GeometryType(geom), ST_AsBinary(geom) FROM core.construction_projects")).all()}
    crs = {"crs": "http://www.opengis.net/def/crs/EPSG/0/25832", "limit": 100}
    points = ogc.get("/ogc/collections/construction_projects/items", params=crs, headers=auth("planner")).json()
    assert {f["id"] for f in points["features"]} == set(stored) and {"POINT", "MULTIPOLYGON"} == {
        kind for kind, _ in stored.values()}
    for f in points["features"]:
        point = shapely.geometry.shape(f["geometry"])
        assert point.geom_type == "Point" and stored[f["id"]][1].buffer(0.01).contains(point), f["id"]
    areas = ogc.get("/ogc/collections/construction_project_areas/items", params=crs, headers=auth("planner")).json()
    expected = {i for i, (kind, _) in stored.items() if kind == "MULTIPOLYGON"}
    assert {f["id"] for f in areas["features"]} == expected and areas["numberMatched"] == len(expected)
    assert all(f["geometry"]["type"] == "MultiPolygon" for f in areas["features"])
