"""Pre-emption cases as an OGC collection for land managers: each sees the cases of the municipalities they work
for (the database decides, from the acting user), nothing derived from the rows is shared between users, and
there are no vector tiles (their cache is shared by a role)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import mapbox_vector_tile
import morecantile
import pytest
import shapely
from fastapi.testclient import TestClient
from sqlalchemy import Connection, text

from tests.ogc.conftest import ILMENAU, JENA, stored_geometries

Auth = Callable[[str | None], dict[str, str]]
ITEMS = "/ogc/collections/preemption_cases/items"


@pytest.fixture
def ilmenau_case(conn: Connection) -> int:
    """A notice in Ilmenau (the demo has Jena's only), of two parcels, due in 3 to 5 days (three months from a
    notice at the end of a month may end a day or two before the same day of the month)."""
    keys = list(conn.execute(text(
        "SELECT flurstueckskennzeichen FROM core.parcels WHERE municipality_ags = :m AND valid_to IS NULL "
        "ORDER BY 1 LIMIT 2"), {"m": ILMENAU}).scalars())
    return int(conn.execute(text(
        "INSERT INTO core.preemption_cases (municipality_ags, file_reference, legal_basis, parcels, contract_date, "
        "notified_on, price_eur) SELECT :m, 'IK-1', 'statute', :k, n - 10, n, 120000 "
        "FROM (SELECT CAST(current_date + 5 - interval '3 months' AS date) AS n) d RETURNING id"),
        {"m": ILMENAU, "k": keys}).scalar_one())


def case_ids(conn: Connection, municipality: str | None = None) -> set[int]:
    return set(conn.execute(text("SELECT id FROM core.preemption_cases WHERE CAST(:m AS text) IS NULL "
                                 "OR municipality_ags = :m"), {"m": municipality}).scalars())


def test_each_land_manager_sees_the_cases_of_their_municipality(ogc: TestClient, conn: Connection, auth: Auth,
                                                                  ilmenau_case: int) -> None:
    assert ogc.get(ITEMS).status_code == 401
    assert ogc.get(ITEMS, headers=auth("planner")).status_code == 403                  # prices of private sales
    assert "preemption_cases" not in {c["id"] for c in ogc.get("/ogc/collections", headers=auth("planner")).json()[
        "collections"]}
    jena, ilmenau = case_ids(conn, JENA), case_ids(conn, ILMENAU)
    assert len(jena) >= 3 and ilmenau == {ilmenau_case}
    for who, expected in (("lm_jena", jena), ("lm_ilmenau", ilmenau), ("admin", jena | ilmenau),
                          ("lm_jena", jena)):                     # numberMatched is not one user's for another
        page = ogc.get(ITEMS, params={"limit": 100}, headers=auth(who)).json()
        assert {f["id"] for f in page["features"]} == expected, who
        assert page["numberMatched"] == len(expected), who
        narrow = ogc.get(ITEMS, params={"limit": 1}, headers=auth(who)).json()
        assert narrow["numberMatched"] == len(expected), who
    some_jena = min(jena)
    assert ogc.get(f"{ITEMS}/{some_jena}", headers=auth("lm_ilmenau")).status_code == 404
    assert ogc.get(f"{ITEMS}/{some_jena}", headers=auth("lm_jena")).status_code == 200
    # the extent is the caller's too: Ilmenau's lies south-west of Jena's
    extents = {who: ogc.get("/ogc/collections/preemption_cases", headers=auth(who)).json()["extent"]["spatial"][
        "bbox"][0] for who in ("lm_jena", "lm_ilmenau", "lm_jena")}
    assert extents["lm_ilmenau"][2] < extents["lm_jena"][0]


def test_the_features_show_the_land_deadline_and_state(ogc: TestClient, conn: Connection, auth: Auth,
                                                       ilmenau_case: int) -> None:
    feature = ogc.get(f"{ITEMS}/{ilmenau_case}", params={"crs": "http://www.opengis.net/def/crs/EPSG/0/25832"},
                      headers=auth("lm_ilmenau")).json()
    case = ogc.get(f"/api/preemption/{ilmenau_case}", headers=auth("lm_ilmenau")).json()
    props = feature["properties"]
    assert props["state"] == case["state"] == "due" and props["days_left"] == case["days_left"]
    assert 3 <= case["days_left"] <= 5
    assert props["deadline"] == case["deadline"] and props["price_eur"] == 120000
    assert props["parcels"] == ", ".join(case["parcels"])
    parcels = stored_geometries(conn, "SELECT flurstueckskennzeichen, ST_AsBinary(geom) FROM core.parcels "
                                      "WHERE flurstueckskennzeichen = ANY(:k) AND valid_to IS NULL", k=case["parcels"])
    land = shapely.union_all(list(parcels.values()))
    got = shapely.geometry.shape(feature["geometry"])
    assert got.symmetric_difference(land).area < land.length * 0.01           # coordinates to the centimetre
    assert props["area_m2"] == pytest.approx(land.area, abs=0.1)
    # CQL2 on the computed state; datetime over the time from notice to deadline
    due = ogc.get(ITEMS, params={"filter": "state = 'due'"}, headers=auth("lm_ilmenau")).json()
    assert [f["id"] for f in due["features"]] == [ilmenau_case]
    later = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    assert ogc.get(ITEMS, params={"datetime": f"{later}/.."}, headers=auth("lm_ilmenau")).json()["features"] == []


def test_the_land_stays_as_recorded_when_the_parcels_change(conn: Connection, ilmenau_case: int) -> None:
    """A later change of a parcel (a new version) does not move the land the contract was about."""
    before = conn.execute(text("SELECT ST_AsBinary(geom) FROM core.preemption_cases WHERE id = :i"),
                          {"i": ilmenau_case}).scalar_one()
    key = conn.execute(text("SELECT parcels[1] FROM core.preemption_cases WHERE id = :i"),
                       {"i": ilmenau_case}).scalar_one()
    conn.execute(text("UPDATE core.parcels SET geom = ST_Multi(ST_Buffer(geom, 5)) WHERE flurstueckskennzeichen = :k "
                      "AND valid_to IS NULL"), {"k": key})
    conn.execute(text("UPDATE core.preemption_cases SET notes = 'geprüft' WHERE id = :i"), {"i": ilmenau_case})
    after = conn.execute(text("SELECT ST_AsBinary(geom) FROM core.preemption_cases WHERE id = :i"),
                         {"i": ilmenau_case}).scalar_one()
    assert bytes(after) == bytes(before)


def test_no_vector_tiles_of_the_cases(ogc: TestClient, conn: Connection, auth: Auth) -> None:
    """A tile cached for one land manager would be served to another of the same role: the collection has no
    tiles, the combined tiles, their TileJSON and the style leave it out, and the API description too."""
    headers = auth("lm_jena")
    assert ogc.get("/ogc/collections/preemption_cases/tiles", headers=headers).status_code == 404
    r = ogc.get("/ogc/collections/preemption_cases/tiles/WebMercatorQuad/15/10896/17428", headers=headers)
    assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"
    doc = ogc.get("/ogc/collections/preemption_cases", headers=headers).json()
    assert not [link for link in doc["links"] if "/tiles" in link["href"]]
    layers = {layer["id"] for layer in ogc.get("/ogc/tiles/WebMercatorQuad/tilejson.json",
                                                headers=headers).json()["vector_layers"]}
    assert "pool_holdings" in layers and "preemption_cases" not in layers
    style = ogc.get("/ogc/styles/default", headers=headers).json()
    assert not [layer for layer in style["layers"] if layer.get("source-layer") == "preemption_cases"]
    paths = ogc.get("/ogc/api", headers=headers).json()["paths"]
    assert "/collections/preemption_cases/items" in paths
    assert not [p for p in paths if p.startswith("/collections/preemption_cases/tiles")]
    # a combined tile over a case holds the pool but not the case
    lon, lat = conn.execute(text("SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_Transform(ST_PointOnSurface(geom), 4326) p "
                                 "FROM core.preemption_cases WHERE municipality_ags = :m ORDER BY id LIMIT 1) c"),
                            {"m": JENA}).one()
    tile = morecantile.tms.get("WebMercatorQuad").tile(lon, lat, 15)
    mvt = ogc.get(f"/ogc/tiles/WebMercatorQuad/15/{tile.y}/{tile.x}", headers=headers)
    assert mvt.status_code == 200
    decoded = mapbox_vector_tile.decode(mvt.content)
    assert "parcels" in decoded and "preemption_cases" not in decoded
