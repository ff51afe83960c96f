"""GET /api/parcels: each filter against an independent computation, formats, errors, owners."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyogrio
import pyproj
import pytest
import shapely
from fastapi.testclient import TestClient
from shapely.geometry import box
from sqlalchemy import Connection, text

from flaechenpool import parcels
from tests.api.conftest import ILMENAU, JENA

Auth = Callable[[str | None], dict[str, str]]
PLANNER: dict[str, str] = {}
ERFURT = "16051000"


def keys(response: object) -> set[str]:
    body = response.json()  # type: ignore[attr-defined]
    return {f["properties"]["flurstueckskennzeichen"] for f in body["features"]}


@pytest.fixture(autouse=True)
def _planner(auth: Auth) -> None:
    """Candidate search is for the land office: these tests search as a planner."""
    PLANNER.clear()
    PLANNER.update(auth("planner"))


def test_anonymous_callers_cannot_search_parcels(client: TestClient) -> None:
    response = client.get("/api/parcels")
    assert response.status_code == 401 and "WWW-Authenticate" in response.headers


def parcels_25832(conn: Connection, where: str = "true", params: dict | None = None) -> dict[str, object]:
    rows = conn.execute(text(f"SELECT flurstueckskennzeichen, ST_AsBinary(geom) FROM core.parcels p "
                             f"WHERE valid_to IS NULL AND {where}"), params or {}).all()
    return {k: shapely.from_wkb(bytes(w)) for k, w in rows}


def test_municipality_and_area_filters_match_the_database(client: TestClient, conn: Connection) -> None:
    response = client.get("/api/parcels", headers=PLANNER, params={"municipality": ERFURT, "min_area": 700, "max_area": 3000})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/geo+json"
    expected = set(conn.execute(text(
        "SELECT flurstueckskennzeichen FROM core.parcels WHERE valid_to IS NULL AND municipality_ags = :m "
        "AND official_area_m2 BETWEEN 700 AND 3000"), {"m": ERFURT}).scalars())
    assert keys(response) == expected and 2 <= len(expected) < 10
    assert response.headers["X-Number-Matched"] == str(len(expected))


def test_crs84_bbox_matches_an_independent_shapely_computation(client: TestClient, conn: Connection) -> None:
    bbox = (11.0640, 50.9550, 11.0680, 50.9570)  # part of the real Erfurt-Melchendorf parcels
    response = client.get("/api/parcels", headers=PLANNER, params={"bbox": ",".join(map(str, bbox)), "limit": 1000})
    to_utm = pyproj.Transformer.from_crs(4326, 25832, always_xy=True)
    area = shapely.transform(shapely.segmentize(box(*bbox), 0.0001),
                             lambda c: np.column_stack(to_utm.transform(c[:, 0], c[:, 1])))
    geoms = parcels_25832(conn, "ST_Intersects(geom, ST_Expand(ST_Transform(ST_MakeEnvelope(11.06, 50.95, 11.07, "
                                "50.96, 4326), 25832), 500))")
    expected = {k for k, g in geoms.items() if g.intersects(area)}
    assert keys(response) == expected
    assert 0 < len(expected) < len(geoms)


def test_geojson_geometry_in_another_crs(client: TestClient, conn: Connection) -> None:
    area = box(645000, 5646950, 645200, 5647100)
    response = client.get("/api/parcels", headers=PLANNER, params={"intersects": json.dumps(shapely.geometry.mapping(area)),
                                                  "intersects_crs": "EPSG:25832", "crs": "EPSG:25832"})
    assert response.status_code == 200
    expected = {k for k, g in parcels_25832(conn, "municipality_ags = :m", {"m": ERFURT}).items() if g.intersects(area)}
    assert keys(response) == expected and expected
    assert "25832" in response.headers["Content-Crs"]
    x = response.json()["features"][0]["geometry"]["coordinates"][0][0][0][0]
    assert 640000 < x < 650000  # output in metres, not degrees


def test_station_distance_filter_matches_shapely(client: TestClient, conn: Connection) -> None:
    response = client.get("/api/parcels", headers=PLANNER, params={"municipality": ILMENAU, "station_within_m": 300, "limit": 5000})
    stations = [shapely.from_wkb(bytes(w)) for w in conn.execute(text(
        "SELECT ST_AsBinary(geom) FROM ref.stations")).scalars()]
    tree = shapely.STRtree(stations)
    geoms = parcels_25832(conn, "municipality_ags = :m", {"m": ILMENAU})
    expected = {k for k, g in geoms.items() if len(tree.query(g, predicate="dwithin", distance=300))}
    assert keys(response) == expected and 0 < len(expected) < len(geoms)
    assert all(f["properties"]["station_distance_m"] <= 300 for f in response.json()["features"])


def test_building_filters(client: TestClient, conn: Connection) -> None:
    free = client.get("/api/parcels", headers=PLANNER, params={"municipality": ILMENAU, "building_free": True, "limit": 5000}).json()
    low = client.get("/api/parcels", headers=PLANNER, params={"municipality": ILMENAU, "max_built_share": 20, "limit": 5000}).json()
    buildings = [shapely.from_wkb(bytes(w)) for w in conn.execute(text(
        "SELECT ST_AsBinary(geom) FROM core.buildings WHERE municipality_ags = :m"), {"m": ILMENAU}).scalars()]
    union = shapely.union_all(buildings)
    geoms = parcels_25832(conn, "municipality_ags = :m", {"m": ILMENAU})
    share = {k: g.intersection(union).area / g.area * 100 for k, g in geoms.items()}
    assert {f["properties"]["flurstueckskennzeichen"] for f in free["features"]} == {k for k, s in share.items() if s == 0}
    assert {f["properties"]["flurstueckskennzeichen"] for f in low["features"]} == {k for k, s in share.items() if s < 20}
    assert len(free["features"]) < len(low["features"]) < len(geoms)


def test_municipal_on_a_date_and_site_membership(client: TestClient, conn: Connection) -> None:
    held_2020 = set(conn.execute(text("SELECT flurstueckskennzeichen FROM core.pool_held(:m, DATE '2020-01-01')"),
                                 {"m": JENA}).scalars())
    response = client.get("/api/parcels", headers=PLANNER, params={"municipality": JENA, "municipal": True, "as_of": "2020-01-01"})
    assert keys(response) == held_2020 and held_2020
    in_site = client.get("/api/parcels", headers=PLANNER, params={"municipality": ILMENAU, "in_site": True, "limit": 1000})
    expected = set(conn.execute(text("SELECT sp.flurstueckskennzeichen FROM core.site_parcels sp JOIN core.sites s "
                                     "ON s.id = sp.site_id WHERE s.municipality_ags = :m AND s.retired_at IS NULL"),
                                {"m": ILMENAU}).scalars())
    assert keys(in_site) == expected


def test_flood_zone_and_zoning_filters(client: TestClient, conn: Connection) -> None:
    outside = keys(client.get("/api/parcels", headers=PLANNER, params={"municipality": JENA, "outside_flood_zones": True,
                                                      "limit": 10000}))
    flooded = set(conn.execute(text("SELECT p.flurstueckskennzeichen FROM core.parcels p JOIN ref.flood_zones f "
                                    "ON ST_Intersects(p.geom, f.geom) AND NOT ST_Touches(p.geom, f.geom) "
                                    "WHERE p.municipality_ags = :m AND p.valid_to IS NULL"), {"m": JENA}).scalars())
    assert flooded and not (outside & flooded)
    gi = keys(client.get("/api/parcels", headers=PLANNER, params={"municipality": JENA, "zoning": "GI", "limit": 10000}))
    assert gi and gi <= set(conn.execute(text(
        "SELECT p.flurstueckskennzeichen FROM core.parcels p JOIN ref.zoning_plans z ON z.land_use_type = 'GI' "
        "AND ST_Intersects(p.geom, z.geom) WHERE p.valid_to IS NULL")).scalars())


def test_sorting_paging_and_limit_clamp(client: TestClient) -> None:
    page = client.get("/api/parcels", headers=PLANNER, params={"municipality": JENA, "sortby": "-area", "limit": 50}).json()
    areas = [f["properties"]["area_m2"] for f in page["features"]]
    assert len(areas) == 50 and areas == sorted(areas, reverse=True)
    second = client.get("/api/parcels", headers=PLANNER, params={"municipality": JENA, "sortby": "-area", "limit": 50, "offset": 50}).json()
    assert second["features"][0]["properties"]["area_m2"] <= areas[-1]
    clamped = client.get("/api/parcels", headers=PLANNER, params={"limit": 50_000})
    assert clamped.status_code == 200 and int(clamped.headers["X-Number-Returned"]) == 10_000


def test_csv_and_geopackage_exports(client: TestClient, tmp_path: Path) -> None:
    csv_response = client.get("/api/parcels", headers=PLANNER, params={"municipality": ERFURT, "f": "csv"})
    lines = csv_response.text.strip().splitlines()
    assert csv_response.headers["content-type"].startswith("text/csv")
    assert lines[0].startswith("flurstueckskennzeichen,") and lines[0].endswith(",wkt") and len(lines) == 11
    gpkg = client.get("/api/parcels", headers=PLANNER, params={"municipality": ERFURT, "f": "gpkg", "crs": "EPSG:25832"})
    (tmp_path / "parcels.gpkg").write_bytes(gpkg.content)
    frame = pyogrio.read_dataframe(tmp_path / "parcels.gpkg")
    assert len(frame) == 10 and frame.crs.to_epsg() == 25832
    assert abs(frame.geometry.area.sum() - 37311) < 80


def test_an_export_without_rows_keeps_its_columns(client: TestClient, tmp_path: Path) -> None:
    none = {"municipality": ERFURT, "min_area": 10_000_000, "crs": "EPSG:25832"}
    csv_response = client.get("/api/parcels", headers=PLANNER, params={**none, "f": "csv"})
    assert csv_response.status_code == 200
    assert csv_response.text.splitlines() == [",".join([*parcels.PROPERTIES, "wkt"])]
    gpkg = client.get("/api/parcels", headers=PLANNER, params={**none, "f": "gpkg"})
    (tmp_path / "none.gpkg").write_bytes(gpkg.content)
    info = pyogrio.read_info(tmp_path / "none.gpkg")
    assert info["features"] == 0 and list(info["fields"]) == list(parcels.PROPERTIES)
    assert info["crs"] == "EPSG:25832"


def test_bad_input_is_a_problem_not_a_crash(client: TestClient) -> None:
    cases = [
        {"bbox": "1,2,3"}, {"bbox": "a,b,c,d"}, {"bbox": "11,51,10,50"}, {"bbox": "645000,5646000,646000,5647000"},
        {"intersects": "{\"type\": \"Polygon\"}"}, {"intersects": "not json"}, {"sortby": "owner"},
        {"unknown": "1"}, {"min_area": "abc"}, {"municipality": "123"}, {"crs": "EPSG:nope"},
        {"min_area": 500, "max_area": 100}, {"max_built_share": 150},
    ]
    for params in cases:
        response = client.get("/api/parcels", headers=PLANNER, params=params)
        assert response.status_code == 400, (params, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["detail"]


def test_one_parcel_and_its_history(client: TestClient) -> None:
    key = "16011500200872______"
    feature = client.get(f"/api/parcels/{key}", headers=PLANNER).json()
    assert feature["id"] == key and feature["properties"]["official_area_m2"] == 12066
    history = client.get(f"/api/parcels/{key}/history", headers=PLANNER).json()
    assert len(history) == 1 and history[0]["valid_to"] is None
    assert client.get("/api/parcels/16011500200000______", headers=PLANNER).status_code == 404


def test_owners_only_for_land_managers_of_the_municipality(client: TestClient, auth: Auth, conn: Connection) -> None:
    key = conn.execute(text("SELECT flurstueckskennzeichen FROM personal.ownership WHERE flurstueckskennzeichen "
                            "LIKE '1603%' LIMIT 1")).scalar_one()
    url, params = f"/api/parcels/{key}/owners", {"purpose": "Ankaufsprüfung"}
    assert client.get(url, params=params).status_code == 401
    assert client.get(url, params=params, headers=auth("planner")).status_code == 403
    assert client.get(url, params=params, headers=auth("lm_ilmenau")).status_code == 403
    assert client.get(url, headers=auth("lm_jena")).status_code == 400  # no purpose
    owners = client.get(url, params=params, headers=auth("lm_jena"))
    assert owners.status_code == 200 and owners.json()[0]["name"]
    logged = conn.execute(text("SELECT actor, purpose FROM audit.personal_data_reads ORDER BY id DESC LIMIT 1")).one()
    assert tuple(logged) == ("lm-jena", "Ankaufsprüfung")
    search = client.get("/api/parcels", params={"municipality": JENA, "limit": 5}, headers=auth("lm_jena")).text
    assert "(fiktiv)" not in search  # searches never carry owners


def test_query_string_parsing_of_the_one_hop_route(client: TestClient, conn: Connection) -> None:
    """The route parses its query string itself (``parse_query_model``): repeated list parameters,
    comma lists, lax types, errors named by parameter, and the parameters still in the OpenAPI."""
    uses = [r[0] for r in conn.execute(text(
        "SELECT land_use FROM core.parcels WHERE valid_to IS NULL AND municipality_ags = :m AND land_use IS NOT NULL "
        "GROUP BY land_use HAVING count(*) > 1 ORDER BY count(*), land_use LIMIT 2"), {"m": JENA})]
    assert len(uses) == 2
    expected = set(conn.execute(text(
        "SELECT flurstueckskennzeichen FROM core.parcels WHERE valid_to IS NULL AND municipality_ags = :m "
        "AND land_use = ANY(:u)"), {"m": JENA, "u": uses}).scalars())
    response = client.get("/api/parcels", headers=PLANNER,
                          params=[("municipality", JENA), ("land_use", uses[0]), ("land_use", uses[1]),
                                  ("sortby", "-area,flurstueckskennzeichen"), ("limit", "10000"),
                                  ("outside_flood_zones", "false")])
    assert response.status_code == 200 and keys(response) == expected and 2 < len(expected) < 10_000
    areas = [f["properties"]["area_m2"] for f in response.json()["features"]]
    assert areas == sorted(areas, reverse=True)
    bad = client.get("/api/parcels", headers=PLANNER, params={"limit": "0", "colour": "red"})
    assert bad.status_code == 400 and bad.headers["content-type"] == "application/problem+json"
    locations = {e["location"] for e in bad.json()["errors"]}
    assert locations == {"query.limit", "query.colour"}
    # a wrong token is refused before the query string is looked at
    assert client.get("/api/parcels", headers={"Authorization": "Bearer wrong"}, params={"limit": "x"}).status_code == 401
    documented = {p["name"]: p for p in client.get("/openapi.json").json()["paths"]["/api/parcels"]["get"]["parameters"]}
    assert {"municipality", "land_use", "bbox", "limit", "f"} <= set(documented)
    assert documented["land_use"]["schema"]["type"] == "array" and documented["limit"]["in"] == "query"


def test_a_geojson_search_is_one_round_trip_as_the_callers_role(client: TestClient, conn: Connection) -> None:
    """Context, page and count go in one pipeline (``db.reads_as``); the page and the count run under
    the caller's database role, not the service's: without the planner role's right to read parcels
    the planner's search fails."""
    from sqlalchemy import event

    sent: list[str] = []

    def record(_c: object, _cur: object, statement: str, *_args: object) -> None:
        sent.append(" ".join(statement.split())[:40])

    event.listen(conn, "before_cursor_execute", record)
    try:
        response = client.get("/api/parcels", headers=PLANNER, params={"municipality": JENA, "limit": 3})
    finally:
        event.remove(conn, "before_cursor_execute", record)
    assert response.status_code == 200 and len(response.json()["features"]) == 3
    matched = conn.execute(text("SELECT count(*) FROM core.parcels WHERE valid_to IS NULL AND municipality_ags = :m"),
                           {"m": JENA}).scalar()
    assert response.headers["X-Number-Matched"] == str(matched) and response.headers["X-Number-Returned"] == "3"
    searched = [s for s in sent if "core.parcels" in s or s.startswith("WITH r AS")]
    assert len(searched) == 2 and searched[0].startswith("WITH r AS") and searched[1].startswith("SELECT count(*)")
    # the service's own database user may read parcels; the caller's role, without that right, may not
    assert conn.execute(text("SELECT has_table_privilege('core.parcels', 'SELECT')")).scalar()
    conn.execute(text("REVOKE SELECT ON core.parcels FROM flaechenpool_planner, flaechenpool_public"))
    refused = client.get("/api/parcels", headers=PLANNER, params={"municipality": JENA})
    assert refused.status_code >= 400 and refused.headers["content-type"] == "application/problem+json"
