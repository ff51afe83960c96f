"""GET /api/public/sites and /api/public/sites/{id}: what investors see, filters checked against
shapely/pyproj computations on the same rows."""

from __future__ import annotations

import pytest
import shapely
from fastapi.testclient import TestClient
from pyproj import Transformer
from shapely import wkb
from shapely.geometry import box, shape
from sqlalchemy import Connection, text

ILMENAU = "16070029"
JENA = "16053000"
PUBLIC_FIELDS = {"id", "name", "municipality_ags", "municipality", "kind", "status", "uses", "availability",
                 "available_from", "area_m2", "asking_price_eur_m2", "price_on_request", "planning_law",
                 "land_use_type", "land_use_type_name", "utilities", "broadband_mbit", "estate", "public_description",
                 "contact_office", "station_name", "station_distance_m", "junction_name", "junction_distance_m",
                 "label_point", "provenance", "illustrative", "updated_at", "expose_url", "expose_pdf_url",
                 "inquiry_url", "thumbnail", "land_value", "urban_renewal_areas"}


def published(conn: Connection) -> dict[int, dict]:
    """Published sites computed independently: geometry (EPSG:25832) and fields from core.sites."""
    rows = conn.execute(text(
        "SELECT id, name, municipality_ags, intended_uses, land_use_type, availability, asking_price_eur_m2, "
        "ST_AsBinary(geom) AS g FROM core.sites WHERE published AND retired_at IS NULL "
        "AND publication_basis IS NOT NULL AND NOT owner_objection_200_3")).mappings().all()
    return {r["id"]: dict(r, geom=wkb.loads(bytes(r["g"]))) for r in rows}


def stations(conn: Connection) -> list[tuple[str, shapely.Geometry]]:
    return [(n, wkb.loads(bytes(g))) for n, g in conn.execute(text("SELECT name, ST_AsBinary(geom) FROM ref.stations"))]


def fetch(client: TestClient, **params: object) -> dict:
    r = client.get("/api/public/sites", params={"limit": 1000, **params})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/geo+json")
    return r.json()


def test_lists_exactly_the_published_sites_with_public_fields(client: TestClient, conn: Connection) -> None:
    expected = published(conn)
    body = fetch(client)
    assert body["type"] == "FeatureCollection"
    assert {f["id"] for f in body["features"]} == set(expected)
    assert body["number_matched"] == body["number_returned"] == len(expected) >= 8
    hidden = conn.execute(text("SELECT id FROM core.sites WHERE NOT published")).scalars().all()
    assert hidden and not set(hidden) & {f["id"] for f in body["features"]}
    for feature in body["features"]:
        props = feature["properties"]
        assert set(props) == PUBLIC_FIELDS
        assert props["illustrative"] is True and props["provenance"] == "illustrative"
        assert props["expose_pdf_url"] == f"/flaechen/{feature['id']}/expose.pdf"
        # geometry in CRS84: area back in EPSG:25832 matches the stored one
        to_utm = Transformer.from_crs(4326, 25832, always_xy=True)
        area = shapely.transform(shape(feature["geometry"]), to_utm.transform, interleaved=False).area
        assert area == pytest.approx(expected[feature["id"]]["geom"].area, rel=1e-3)
        assert props["area_m2"] == pytest.approx(expected[feature["id"]]["geom"].area, abs=1)
        lon, lat = props["label_point"]
        minx, miny, maxx, maxy = feature["bbox"]
        assert minx <= lon <= maxx and miny <= lat <= maxy


def test_the_porcelain_works_and_the_station_quarter_are_offered(client: TestClient) -> None:
    names = {f["properties"]["name"]: f["properties"] for f in fetch(client, municipality=ILMENAU)["features"]}
    porcelain = names["Ehemaliges Porzellanwerk Ilmenau"]
    assert porcelain["kind"] == "brownfield" and porcelain["municipality"] == "Ilmenau"
    assert porcelain["contact_office"].startswith("Stadtverwaltung Ilmenau")
    assert sum(1 for n, p in names.items() if n.startswith("Technologiequartier") and p["station_distance_m"] < 1000) >= 4


def test_station_distance_is_the_shortest_distance_to_any_station(client: TestClient, conn: Connection) -> None:
    expected = published(conn)
    points = stations(conn)
    for feature in fetch(client)["features"]:
        geom = expected[feature["id"]]["geom"]
        name, distance = min(((n, geom.distance(p)) for n, p in points), key=lambda t: t[1])
        assert feature["properties"]["station_distance_m"] == pytest.approx(distance, abs=0.5)
        assert feature["properties"]["station_name"] == name
    for limit in (300, 1000, 2000):
        inside = {f["id"] for f in fetch(client, station_max_m=limit)["features"]}
        assert inside == {i for i, s in expected.items() if min(s["geom"].distance(p) for _, p in points) <= limit}


@pytest.mark.parametrize("params", [
    {"area_min": 11000, "area_max": 20000},
    {"price_min": 40, "price_max": 50},
    {"price_max": 30},
    {"availability": "immediate"},
    {"availability": ["within_1_year", "within_3_years"]},
    {"municipality": f"{JENA},{ILMENAU}"},
    {"municipality": JENA},
])
def test_filters_narrow_the_list(client: TestClient, conn: Connection, params: dict) -> None:
    expected = published(conn)
    areas = {i: s["geom"].area for i, s in expected.items()}

    def keep(i: int) -> bool:
        s = expected[i]
        price = float(s["asking_price_eur_m2"]) if s["asking_price_eur_m2"] is not None else None
        if "area_min" in params and areas[i] < params["area_min"]:
            return False
        if "area_max" in params and areas[i] > params["area_max"]:
            return False
        if "price_min" in params and (price is None or price < params["price_min"]):
            return False
        if "price_max" in params and (price is None or price > params["price_max"]):
            return False
        wanted = params.get("availability")
        if wanted and s["availability"] not in ([wanted] if isinstance(wanted, str) else wanted):
            return False
        return not ("municipality" in params and s["municipality_ags"] not in params["municipality"].split(","))

    ids = {f["id"] for f in fetch(client, **params)["features"]}
    assert ids == {i for i in expected if keep(i)}
    assert 0 < len(ids) < len(expected) or params.get("municipality") == f"{JENA},{ILMENAU}"


def test_kind_of_use_follows_intended_uses_then_the_zoning_designation(client: TestClient, conn: Connection) -> None:
    derived = {"GI": {"industrial"}, "GE": {"commercial"}, "MI": {"mixed"}, "MU": {"mixed"}, "MK": {"mixed", "office"}}
    expected = published(conn)
    for use in ("industrial", "commercial", "mixed", "office"):
        ids = {f["id"] for f in fetch(client, use=use)["features"]}
        want = set()
        for i, s in expected.items():
            uses = set(s["intended_uses"]) & {"industrial", "commercial", "mixed", "office"}
            uses = uses or derived.get(s["land_use_type"] or "", set())
            if use in uses:
                want.add(i)
        assert ids == want, use
    office_or_industrial = {f["id"] for f in fetch(client, use="office,industrial")["features"]}
    assert office_or_industrial == ({f["id"] for f in fetch(client, use="office")["features"]}
                                    | {f["id"] for f in fetch(client, use="industrial")["features"]})


def test_bbox_filter_matches_an_independent_intersection(client: TestClient, conn: Connection) -> None:
    expected = published(conn)
    lonlat = (10.89, 50.67, 10.94, 50.70)   # around Ilmenau station
    ids = {f["id"] for f in fetch(client, bbox=",".join(map(str, lonlat)))["features"]}
    to_utm = Transformer.from_crs(4326, 25832, always_xy=True)
    area = shapely.transform(shapely.segmentize(box(*lonlat), 0.0005), to_utm.transform, interleaved=False)
    assert ids == {i for i, s in expected.items() if s["geom"].intersects(area)}
    assert ids and len(ids) < len(expected)
    utm = fetch(client, bbox=",".join(f"{v:.1f}" for v in area.bounds), **{"bbox-crs": "EPSG:25832"})
    assert ids <= {f["id"] for f in utm["features"]}


def test_sort_and_paging(client: TestClient) -> None:
    by_area = fetch(client, sort="-area")["features"]
    areas = [f["properties"]["area_m2"] for f in by_area]
    assert areas == sorted(areas, reverse=True)
    prices = [f["properties"]["asking_price_eur_m2"] for f in fetch(client, sort="price")["features"]]
    known = [p for p in prices if p is not None]
    assert known == sorted(known) and prices[: len(known)] == known   # sites without price last
    page = client.get("/api/public/sites", params={"sort": "-area", "limit": 3, "offset": 2}).json()
    assert [f["id"] for f in page["features"]] == [f["id"] for f in by_area[2:5]]
    assert page["number_matched"] == len(by_area) and page["number_returned"] == 3


def test_motorway_junction_filter_works_on_what_is_loaded(client: TestClient, conn: Connection) -> None:
    body = fetch(client, junction_max_m=5000)
    assert body["motorway_junctions_loaded"] is False and body["features"] == []
    conn.execute(text(
        "INSERT INTO ref.motorway_junctions (name, ref, motorway, geom, provenance, source) "
        "SELECT 'Ilmenau-Ost', '17', 'A 71', ST_Translate(ST_PointOnSurface(geom), 2500, 0), 'user', 'test' "
        "FROM core.sites WHERE name = 'Ehemaliges Porzellanwerk Ilmenau'"))
    junction = wkb.loads(bytes(conn.execute(text("SELECT ST_AsBinary(geom) FROM ref.motorway_junctions")).scalar_one()))
    expected = published(conn)
    body = fetch(client, junction_max_m=3000)
    assert body["motorway_junctions_loaded"] is True
    assert {f["id"] for f in body["features"]} == {i for i, s in expected.items() if s["geom"].distance(junction) <= 3000}
    assert body["features"]
    props = body["features"][0]["properties"]
    assert props["junction_name"] == "A 71 Ilmenau-Ost (17)"
    assert props["junction_distance_m"] == pytest.approx(expected[props["id"]]["geom"].distance(junction), abs=0.5)


def test_one_site_and_unpublished_ones_are_404_in_german(client: TestClient, conn: Connection) -> None:
    site_id = next(iter(published(conn)))
    r = client.get(f"/api/public/sites/{site_id}")
    assert r.status_code == 200 and r.json()["properties"]["id"] == site_id
    assert set(r.json()["properties"]) == PUBLIC_FIELDS | {"photos"}      # one site: with its photos
    hidden = conn.execute(text("SELECT id FROM core.sites WHERE NOT published LIMIT 1")).scalar_one()
    r = client.get(f"/api/public/sites/{hidden}")
    assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"
    assert "nicht veröffentlicht" in r.json()["detail"] and r.json()["title"] == "Nicht gefunden"


def test_problems_on_public_paths_are_german_elsewhere_english(client: TestClient) -> None:
    unknown = client.get("/api/public/nothing-here")
    assert unknown.status_code == 404 and unknown.headers["content-type"] == "application/problem+json"
    assert unknown.json()["title"] == "Nicht gefunden" and "gibt es nicht" in unknown.json()["detail"]
    wrong_method = client.delete("/api/public/sites")
    assert wrong_method.status_code == 405 and wrong_method.json()["title"] == "Methode nicht erlaubt"
    bad = client.get("/api/public/sites", params={"limit": 0})
    assert bad.json()["title"] == "Ungültige Anfrage"
    page = client.get("/flaechen/999999999")
    assert page.status_code == 404 and page.json()["title"] == "Nicht gefunden"
    staff = client.get("/api/nothing-here")
    assert staff.status_code == 404 and staff.json()["title"] == "Not found"


def test_a_site_with_an_objection_is_never_listed(client: TestClient, conn: Connection) -> None:
    site_id = conn.execute(text("SELECT id FROM core.sites WHERE name LIKE 'Gewerbefläche Burgau%'")).scalar_one()
    conn.execute(text("UPDATE core.sites SET published = false, owner_objection_200_3 = true WHERE id = :i"),
                 {"i": site_id})
    assert site_id not in {f["id"] for f in fetch(client)["features"]}


@pytest.mark.parametrize(("params", "needle"), [
    ({"use": "housing"}, "Nutzungsart"),
    ({"availability": "soon"}, "Verfügbarkeit"),
    ({"area_min": 500, "area_max": 100}, "Minimum"),
    ({"sort": "owner"}, "Sortierung"),
    ({"area_min": "viel"}, "muss eine Zahl sein"),
    ({"bbox": "1,2,3"}, "vier Zahlen"),
    ({"limit": 0}, "mindestens 1"),
    ({"crs": "EPSG:lalala"}, "Koordinatenreferenzsystem"),
])
def test_bad_parameters_get_a_german_problem(client: TestClient, params: dict, needle: str) -> None:
    r = client.get("/api/public/sites", params=params)
    assert r.status_code == 400 and r.headers["content-type"] == "application/problem+json"
    assert needle in r.json()["detail"], r.json()
    assert r.json()["title"] == "Ungültige Anfrage"


def test_municipalities_list_counts_published_sites(client: TestClient, conn: Connection) -> None:
    rows = {m["ags"]: m for m in client.get("/api/public/municipalities").json()}
    expected = published(conn)
    assert rows[ILMENAU]["sites"] == sum(1 for s in expected.values() if s["municipality_ags"] == ILMENAU)
    assert rows[ILMENAU]["name"] == "Ilmenau" and len(rows[ILMENAU]["bbox"]) == 4
