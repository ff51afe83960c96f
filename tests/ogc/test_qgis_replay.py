"""What current QGIS (≥ 3.32, OAPIF provider) sends, replayed request by request.

QGIS 3.22 in Debian cannot request other CRSs, push CQL2 down or edit, so these steps follow the
provider's source (qgsoapifprovider.cpp, …apirequest.cpp, …shareddata.cpp, …cql2textexpressioncompiler.cpp,
…createfeaturerequest.cpp, …patchfeaturerequest.cpp): the same URLs, Accept headers, page size rule,
CQL2 spelling (double-quoted identifiers, BBOX literals, TIMESTAMP with milliseconds), Content-Crs
without brackets, and each answer is checked for what QGIS reads from it."""

from __future__ import annotations

import json
from urllib.parse import quote

import shapely
from fastapi.testclient import TestClient
from sqlalchemy import Connection, text

STORAGE = "http://www.opengis.net/def/crs/EPSG/0/25832"
SCHEMA_ACCEPT = "application/schema+json"
API_ACCEPT = "application/vnd.oai.openapi+json;version=3.0, application/openapi+json;version=3.0, application/json"


def test_qgis_session(ogc: TestClient, conn: Connection, tokens: dict[str, str]) -> None:
    basic = ("t-lm-jena", tokens["lm_jena"])     # QGIS 3.22 and later send the token as Basic password

    def get(url: str, accept: str = "application/json"):  # type: ignore[no-untyped-def]
        r = ogc.get(url.removeprefix("http://testserver"), headers={"Accept": accept}, auth=basic)
        assert r.status_code == 200, (url, r.text)
        return r

    # 1. landing page: QGIS follows the links, never guesses paths
    links = {link["rel"]: link["href"] for link in get("/ogc").json()["links"]}
    api_url, conformance_url, data_url = links["service-desc"], links["conformance"], links["data"]

    # 2. /api: page size = min(max(1000, default), maximum)
    api = get(api_url, API_ACCEPT)
    assert api.headers["content-type"].startswith("application/vnd.oai.openapi+json")
    limit = api.json()["components"]["parameters"]["limit"]["schema"]
    page_size = min(max(1000, limit["default"]), limit["maximum"])
    simple = [p for p in api.json()["paths"]["/collections/sites/items"]["get"]["parameters"]
              if p.get("in") == "query" and p.get("style") == "form" and p.get("explode") is False]
    assert {"kind", "status"} <= {p["name"] for p in simple}

    # 3. the collection: Part 2 list and storage CRS, the schema link
    collection = get(f"{data_url}/sites").json()
    assert STORAGE in collection["crs"] and collection["storageCrs"] == STORAGE
    schema_link = next(link for link in collection["links"]
                       if link["rel"] == "http://www.opengis.net/def/rel/ogc/1.0/schema"
                       and link["type"] == "application/schema+json")

    # 4. conformance: what QGIS switches on
    classes = set(get(conformance_url).json()["conformsTo"])
    assert "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs" in classes                 # CRS choice
    for needed in ("cql2/1.0/conf/basic-cql2", "ogcapi-features-3/1.0/conf/filter",
                   "ogcapi-features-3/1.0/conf/features-filter", "cql2/1.0/conf/cql2-text",
                   "cql2/1.0/conf/advanced-comparison-operators", "cql2/1.0/conf/case-insensitive-comparison",
                   "cql2/1.0/conf/basic-spatial-operators", "ogcapi-features-5/1.0/conf/schemas"):
        assert f"http://www.opengis.net/spec/{needed}" in classes

    # 5. queryables (CQL2 on): the geometry is the property with a geojson.org $ref
    queryables = get(f"{data_url}/sites/queryables", SCHEMA_ACCEPT).json()["properties"]
    geometry_name = next(k for k, v in queryables.items() if v.get("$ref", "").startswith("https://geojson.org/schema/"))
    assert queryables["updated_at"]["format"] == "date-time"

    # 6. the first items page in the layer CRS (storage CRS, since Part 2 is declared)
    first = get(f"{data_url}/sites/items?limit=10&crs={STORAGE}", "application/geo+json, application/json")
    assert first.headers["Content-Crs"] == f"<{STORAGE}>"
    assert first.json()["numberMatched"] >= first.json()["numberReturned"] > 0
    first_id = first.json()["features"][0]["id"]

    # 7. the schema: German aliases, order, read-only fields (QGIS ≥ 3.44)
    schema = get(schema_link["href"], SCHEMA_ACCEPT).json()["properties"]
    assert schema["kind"]["title"] == "Flächenart" and schema["status"]["readOnly"] is True

    # 8. OPTIONS decide the editing capabilities
    assert "POST" in ogc.options("/ogc/collections/sites/items", auth=basic).headers["Allow"]
    allow = ogc.options(f"/ogc/collections/sites/items/{first_id}", auth=basic).headers["Allow"]
    assert {"PUT", "DELETE", "PATCH"} <= {m.strip() for m in allow.split(",")}

    # 9. a filtered download as QGIS composes it (layer filter + map extent), following next links
    cql = (f'(("kind" = \'infill_gap\') AND ("updated_at" > TIMESTAMP(\'2000-01-01T00:00:00.000Z\'))) AND '
           f'S_INTERSECTS({geometry_name},BBOX(675000,5635000,690000,5650000))')
    url: str | None = (f"/ogc/collections/sites/items?limit={page_size}&filter={quote(cql)}&filter-lang=cql2-text"
                       f"&filter-crs={STORAGE}&bbox=675000,5635000,690000,5650000&bbox-crs={STORAGE}&crs={STORAGE}")
    ids = []
    while url:
        page = get(url, "application/geo+json, application/json").json()
        ids += [f["id"] for f in page["features"]]
        url = next((link["href"] for link in page["links"] if link["rel"] == "next"), None)
    expected = conn.execute(text("SELECT id FROM core.sites WHERE retired_at IS NULL AND kind = 'infill_gap' "
                                 "AND municipality_ags = '16053000' ORDER BY id")).scalars()
    assert sorted(ids) == list(expected) and ids
    count = get(f"/ogc/collections/sites/items?limit=1&filter={quote(cql)}&filter-lang=cql2-text"
                f"&filter-crs={STORAGE}").json()["numberMatched"]
    assert count == len(ids)

    # 10. Part 1 datetime fallback QGIS uses without CQL2 (year 0000 as the open start)
    assert get("/ogc/collections/sites/items?datetime=0000-01-01T00:00:00Z%2F2100-01-01T00:00:00Z").json()[
        "numberMatched"] == collection_count(conn)

    # 11. create: every field (null where unset, no id), Content-Crs without brackets → 201 + Location
    square = shapely.box(681100, 5644000, 681160, 5644050)
    properties = {name: None for name in schema if name != "geometry"}
    properties.pop("id")
    properties.update(municipality_ags="16053000", name="Aus QGIS", kind="brownfield")
    created = ogc.post("/ogc/collections/sites/items", auth=basic,
                       content=json.dumps({"type": "Feature", "geometry": shapely.geometry.mapping(square),
                                           "properties": properties}),
                       headers={"Content-Type": "application/geo+json", "Content-Crs": STORAGE})
    assert created.status_code == 201, created.text
    location = created.headers["Location"]
    new_id = location[location.rindex("/items/") + len("/items/"):]
    assert get(f"/ogc/collections/sites/items/{new_id}?crs={STORAGE}").json()["properties"]["name"] == "Aus QGIS"

    # 12. edits: PATCH of attributes, then of the geometry (with Content-Crs), as merge patches
    patched = ogc.patch(f"/ogc/collections/sites/items/{new_id}", auth=basic,
                        content=json.dumps({"properties": {"name": "Aus QGIS, geändert"}}),
                        headers={"Content-Type": "application/merge-patch+json"})
    assert patched.status_code == 200
    moved = shapely.box(681100, 5644000, 681200, 5644050)
    reshaped = ogc.patch(f"/ogc/collections/sites/items/{new_id}", auth=basic,
                         content=json.dumps({"geometry": shapely.geometry.mapping(moved)}),
                         headers={"Content-Type": "application/merge-patch+json", "Content-Crs": STORAGE})
    assert reshaped.status_code == 200
    area = conn.execute(text("SELECT area_m2 FROM core.sites WHERE id = :i"), {"i": int(new_id)}).scalar_one()
    assert abs(area - 5000) < 0.5

    # 13. delete
    assert ogc.delete(f"/ogc/collections/sites/items/{new_id}", auth=basic).status_code == 204


def collection_count(conn: Connection) -> int:
    return int(conn.execute(text("SELECT count(*) FROM core.sites WHERE retired_at IS NULL")).scalar_one())
