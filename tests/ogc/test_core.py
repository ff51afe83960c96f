"""OGC API – Features Part 1, conformance class Core (OGC 17-069r4, /req/core/…)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import shapely
from fastapi.testclient import TestClient
from sqlalchemy import Connection, text

from flaechenpool.settings import ApiSettings, Settings
from tests.ogc.conftest import reproject, stored_geometries

JENA_BOX = (11.575, 50.925, 11.595, 50.935)


@pytest.fixture
def settings() -> Settings:
    """A small page size and maximum, so clamping and paging are visible on the demo data."""
    return Settings(load_demo=False, api=ApiSettings(default_limit=10, max_limit=50))


def test_landing_page_links(ogc: TestClient) -> None:
    """/req/core/root-success: links to the API definition, conformance and the collections."""
    r = ogc.get("/ogc")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    rels = {link["rel"]: link for link in r.json()["links"]}
    assert {"self", "service-desc", "service-doc", "conformance", "data"} <= set(rels)
    assert rels["service-desc"]["href"].endswith("/ogc/api")
    assert rels["data"]["href"].endswith("/ogc/collections")


def test_conformance_declares_core(ogc: TestClient) -> None:
    classes = ogc.get("/ogc/conformance").json()["conformsTo"]
    for name in ("core", "geojson", "oas30", "html"):
        assert f"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/{name}" in classes


def test_collections_document(ogc: TestClient) -> None:
    """/req/core/fc-md-success: every collection has an id, a title, an extent and an items link."""
    doc = ogc.get("/ogc/collections").json()
    ids = [c["id"] for c in doc["collections"]]
    assert {"sites", "parcels", "municipalities", "districts", "stations", "zoning_plans", "land_use"} <= set(ids)
    assert "vacancies" not in ids and "pool_holdings" not in ids     # not for anonymous callers
    for c in doc["collections"]:
        assert c["title"] and c["itemType"] == "feature"
        assert any(link["rel"] == "items" and link["type"] == "application/geo+json" for link in c["links"])
    parcels = ogc.get("/ogc/collections/parcels").json()
    x0, y0, x1, y1 = parcels["extent"]["spatial"]["bbox"][0]
    assert 10.8 < x0 < x1 < 11.8 and 50.6 < y0 < y1 < 51.0            # the demo towns in Thuringia


def test_unknown_collection_is_404(ogc: TestClient) -> None:
    assert ogc.get("/ogc/collections/nothing").status_code == 404
    assert ogc.get("/ogc/collections/nothing/items").status_code == 404


def test_items_page_counts_and_links(ogc: TestClient, conn: Connection) -> None:
    """/req/core/fc-response: numberMatched, numberReturned, self and next links; default limit."""
    r = ogc.get("/ogc/collections/parcels/items")
    assert r.status_code == 200 and r.headers["content-type"] == "application/geo+json"
    fc = r.json()
    total = conn.execute(text("SELECT count(*) FROM core.parcels WHERE valid_to IS NULL")).scalar_one()
    assert fc["type"] == "FeatureCollection"
    assert fc["numberMatched"] == total and fc["numberReturned"] == len(fc["features"]) == 10
    rels = {link["rel"] for link in fc["links"]}
    assert {"self", "alternate", "next"} <= rels and "prev" not in rels
    assert r.headers["OGC-NumberMatched"] == str(total)


def test_limit_above_maximum_is_clamped(ogc: TestClient) -> None:
    """/req/core/fc-limit-response-1 (17-069r4 §7.15.3): a limit above the maximum returns the maximum."""
    fc = ogc.get("/ogc/collections/parcels/items?limit=100000").json()
    assert fc["numberReturned"] == 50
    next_link = next(link["href"] for link in fc["links"] if link["rel"] == "next")
    assert "limit=50" in next_link and "offset=50" in next_link


@pytest.mark.parametrize("query", ["limit=0", "limit=abc", "offset=-1", "bbox=1,2,3", "bbox=a,b,c,d",
                                   "datetime=yesterday", "unknown=1", "limit=1&limit=2", "f=xml",
                                   "bbox-crs=EPSG:25832", "sortby=nothing", "properties=nothing"])
def test_invalid_or_unknown_parameters_are_400(ogc: TestClient, query: str) -> None:
    """/req/core/query-param-invalid and -unknown: never silently ignored."""
    r = ogc.get(f"/ogc/collections/parcels/items?{query}")
    assert r.status_code == 400, query
    assert r.headers["content-type"] == "application/problem+json"


def test_paging_reaches_every_feature_once(ogc: TestClient, auth: Callable[[str | None], dict[str, str]],
                                           conn: Connection) -> None:
    """Following next links returns each feature exactly once; prev goes back."""
    url: str | None = "/ogc/collections/sites/items?limit=4&sortby=-area_m2"
    seen: list[int] = []
    pages = 0
    while url:
        fc = ogc.get(url, headers=auth("planner")).json()
        seen += [f["id"] for f in fc["features"]]
        links = {link["rel"]: link["href"] for link in fc["links"]}
        if pages:
            assert "prev" in links
        url = links.get("next")
        pages += 1
    expected = conn.execute(text("SELECT id FROM core.sites WHERE retired_at IS NULL ORDER BY area_m2 DESC, id")).scalars()
    assert seen == list(expected) and pages > 2


def test_bbox_matches_an_independent_computation(ogc: TestClient, conn: Connection) -> None:
    """/req/core/fc-bbox-response: exactly the parcels whose geometry meets the CRS84 box (checked with
    pyproj + shapely on the stored geometries, not with PostGIS)."""
    stored = stored_geometries(conn, "SELECT flurstueckskennzeichen, ST_AsBinary(geom) FROM core.parcels "
                                     "WHERE valid_to IS NULL AND municipality_ags = '16053000'")
    box = shapely.box(*JENA_BOX)
    expected = {k for k, g in stored.items() if reproject(g, 25832, 4326).intersects(box)}
    got: set[str] = set()
    url: str | None = "/ogc/collections/parcels/items?limit=50&properties=flurstueckskennzeichen&bbox=" + \
        ",".join(map(str, JENA_BOX))
    matched = None
    while url:
        fc = ogc.get(url).json()
        matched = matched or fc["numberMatched"]
        got |= {f["id"] for f in fc["features"]}
        url = next((link["href"] for link in fc["links"] if link["rel"] == "next"), None)
    assert len(expected) > 100
    assert got == expected and matched == len(expected)


def test_single_feature(ogc: TestClient, conn: Connection) -> None:
    """/req/core/f-success: one feature with self and collection links; unknown ids are 404."""
    key = conn.execute(text("SELECT flurstueckskennzeichen FROM core.parcels WHERE valid_to IS NULL LIMIT 1")).scalar_one()
    r = ogc.get(f"/ogc/collections/parcels/items/{key}")
    assert r.status_code == 200 and r.headers["content-type"] == "application/geo+json"
    feature = r.json()
    assert feature["type"] == "Feature" and feature["id"] == key
    assert feature["properties"]["flurstueckskennzeichen"] == key
    assert {link["rel"] for link in feature["links"]} >= {"self", "collection"}
    assert ogc.get("/ogc/collections/parcels/items/16000000000000000000").status_code == 404
    assert ogc.get("/ogc/collections/sites/items/abc").status_code == 404


def test_datetime_selects_the_state_at_a_time(ogc: TestClient, conn: Connection) -> None:
    """/req/core/fc-time-response: parcels have history; datetime picks the rows valid then."""
    key, valid_from = conn.execute(text(
        "SELECT flurstueckskennzeichen, valid_from FROM core.parcels WHERE valid_to IS NULL LIMIT 1")).one()
    conn.execute(text("UPDATE core.parcels SET valid_to = valid_from + interval '1 day' "
                      "WHERE flurstueckskennzeichen = :k AND valid_to IS NULL"), {"k": key})
    then = (valid_from).isoformat().replace("+00:00", "Z")
    now = ogc.get(f"/ogc/collections/parcels/items?flurstueckskennzeichen={key}").json()
    past = ogc.get(f"/ogc/collections/parcels/items?flurstueckskennzeichen={key}&datetime={then}").json()
    assert now["numberMatched"] == 0 and past["numberMatched"] == 1
    assert ogc.get("/ogc/collections/municipalities/items?datetime=2024-01-01").status_code == 400


def test_every_collection_serves_items(ogc: TestClient, auth: Callable[[str | None], dict[str, str]]) -> None:
    """Each published collection answers with features whose properties are the schema's."""
    for c in ogc.get("/ogc/collections", headers=auth("admin")).json()["collections"]:
        r = ogc.get(f"/ogc/collections/{c['id']}/items?limit=2", headers=auth("admin"))
        assert r.status_code == 200, (c["id"], r.text)
        schema = ogc.get(f"/ogc/collections/{c['id']}/schema", headers=auth("admin")).json()["properties"]
        for feature in r.json()["features"]:
            assert set(feature["properties"]) == set(schema) - {"geometry"}, c["id"]


def test_a_small_bbox_page_counts_its_matches_itself(ogc: TestClient, conn: Connection) -> None:
    """numberMatched of a first bbox page comes from the page statement (a window count), the next pages
    reuse it until the collection's tables change; it is the same number a separate count gives."""
    from sqlalchemy import event

    statements: list[str] = []
    event.listen(conn, "before_cursor_execute", lambda _c, _cur, sql, *_: statements.append(sql))
    url = "/ogc/collections/parcels/items?limit=50&bbox=" + ",".join(map(str, JENA_BOX))
    first = ogc.get(url).json()
    second = ogc.get(url + "&offset=50").json()
    counted = conn.execute(text(
        "SELECT count(*) FROM core.parcels WHERE valid_to IS NULL AND ST_Intersects(geom, "
        "ST_Transform(ST_Segmentize(ST_MakeEnvelope(:a, :b, :c, :d, 4326), 0.0003), 25832))"),
        dict(zip("abcd", JENA_BOX, strict=True))).scalar_one()
    assert first["numberReturned"] == 50 < counted
    assert first["numberMatched"] == second["numberMatched"] == counted
    assert any("OVER ()" in s for s in statements)
    assert not any(s.startswith("SELECT count(*) FROM (SELECT 1") for s in statements)
    key = next(f["id"] for f in first["features"])
    conn.execute(text("UPDATE core.parcels SET address = 'Neue Lage 1' WHERE flurstueckskennzeichen = :k"), {"k": key})
    ogc.app.state.ogc.tracker.interval_s = 0.0
    statements.clear()
    assert ogc.get(url + "&offset=50").json()["numberMatched"] == counted
    assert any(s.startswith("SELECT count(*) FROM (SELECT 1") for s in statements)   # counted again


def test_page_links_keep_the_request_parameters_in_order(ogc: TestClient) -> None:
    """self, next and prev repeat the request's parameters (encoded, in the order sent) with limit and
    offset replaced in place or added at the end; the body arrives whole under its Content-Length."""
    box = ",".join(map(str, JENA_BOX))
    query = f"bbox={box}&filter=land_use%20%3D%20%27Wohnbaufl%C3%A4che%27&limit=2&offset=2"
    r = ogc.get(f"/ogc/collections/parcels/items?{query}")
    assert r.status_code == 200 and int(r.headers["content-length"]) == len(r.content)
    fc = r.json()
    links = {link["rel"]: link["href"] for link in fc["links"]}
    start = "http://testserver/ogc/collections/parcels/items?bbox=" + box.replace(",", "%2C")
    start += "&filter=land_use+%3D+%27Wohnbaufl%C3%A4che%27"
    assert links["self"] == start + "&limit=2&offset=2"
    assert links["alternate"] == start + "&limit=2&offset=2&f=html"
    assert links["prev"] == start + "&limit=2"
    if "next" in links:
        assert links["next"] == start + "&limit=2&offset=4"
    assert fc["numberReturned"] == len(fc["features"]) == 2
