"""Conformance classes GeoJSON (/req/geojson/…) and HTML (/req/html/…)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Connection, text


def test_geojson_feature_collection(ogc: TestClient) -> None:
    """/req/geojson/content: a FeatureCollection of Features with id, geometry and properties."""
    for collection, geometry in (("stations", "Point"), ("waterways", "MultiLineString"), ("districts", "MultiPolygon")):
        r = ogc.get(f"/ogc/collections/{collection}/items?limit=3")
        assert r.status_code == 200 and r.headers["content-type"] == "application/geo+json"
        fc = r.json()
        assert fc["type"] == "FeatureCollection" and len(fc["features"]) == 3
        for f in fc["features"]:
            assert f["type"] == "Feature" and f["id"] is not None
            assert f["geometry"]["type"] == geometry and isinstance(f["properties"], dict)
            assert "crs" not in f["geometry"]                       # RFC 7946: no crs member


def test_properties_and_skip_geometry(ogc: TestClient) -> None:
    fc = ogc.get("/ogc/collections/stations/items?limit=2&properties=name&skipGeometry=true").json()
    assert all(f["geometry"] is None and set(f["properties"]) == {"name"} for f in fc["features"])


def test_json_escaping_in_postgis(ogc: TestClient, conn: Connection) -> None:
    """Texts with quotes, backslashes and umlauts survive the JSON built in PostGIS."""
    odd = 'Bahnhof "Süd" \\ Nord\n'
    key = conn.execute(text("SELECT eva_nr FROM ref.stations LIMIT 1")).scalar_one()
    conn.execute(text("UPDATE ref.stations SET name = :n WHERE eva_nr = :k"), {"n": odd, "k": key})
    assert ogc.get(f"/ogc/collections/stations/items/{key}").json()["properties"]["name"] == odd


def test_html_pages(ogc: TestClient) -> None:
    """/req/html/content: every resource as HTML, by f=html or by the browser's Accept header."""
    browser = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
    for path in ("/ogc", "/ogc/collections", "/ogc/collections/sites", "/ogc/collections/sites/items",
                 "/ogc/conformance", "/ogc/collections/sites/queryables"):
        r = ogc.get(path, headers=browser)
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html"), path
        assert "<html" in r.text
    page = ogc.get("/ogc/collections/sites/items?f=html&limit=2").text
    assert "Potenzialflächen" in page and "Nächste Seite" in page
    assert ogc.get("/ogc/collections", headers={"Accept": "application/json"}).headers["content-type"] == \
        "application/json"
