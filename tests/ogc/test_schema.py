"""OGC API – Features Part 5 (Schemas): German titles (QGIS field aliases), types, x-ogc-propertySeq,
readOnly, the roles of id and geometry; and that the schema describes what items really return."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

Auth = Callable[[str | None], dict[str, str]]
JSON_TYPES = {"string": str, "integer": int, "number": (int, float), "boolean": bool, "array": list}


def test_schema_declared_and_linked(ogc: TestClient) -> None:
    assert "http://www.opengis.net/spec/ogcapi-features-5/1.0/conf/schemas" in \
        ogc.get("/ogc/conformance").json()["conformsTo"]
    links = ogc.get("/ogc/collections/sites").json()["links"]
    schema = [link for link in links if link["rel"] == "http://www.opengis.net/def/rel/ogc/1.0/schema"]
    assert schema and schema[0]["type"] == "application/schema+json"


def test_sites_schema_for_land_managers(ogc: TestClient, auth: Auth) -> None:
    r = ogc.get("/ogc/collections/sites/schema", headers=auth("lm_jena"))
    assert r.status_code == 200 and r.headers["content-type"] == "application/schema+json"
    props = r.json()["properties"]
    assert props["name"]["title"] == "Bezeichnung" and "readOnly" not in props["name"]
    assert props["kind"]["enum"][0] == "brownfield"
    assert props["area_m2"]["readOnly"] is True and props["status"]["readOnly"] is True
    assert props["id"]["x-ogc-role"] == "id"
    assert props["geometry"]["x-ogc-role"] == "primary-geometry"
    assert props["geometry"]["format"] == "geometry-multipolygon"
    assert props["available_from"] == {"title": "Verfügbar ab", "type": "string", "format": "date",
                                       "x-ogc-propertySeq": props["available_from"]["x-ogc-propertySeq"]}
    seqs = [p["x-ogc-propertySeq"] for p in props.values()]
    assert sorted(seqs) == list(range(1, len(props) + 1))


def test_schema_matches_the_features(ogc: TestClient, auth: Auth) -> None:
    """Every property of a returned feature is in the schema with its type; anonymous callers get
    the public subset in both."""
    for user in (None, "planner"):
        props = ogc.get("/ogc/collections/sites/schema", headers=auth(user)).json()["properties"]
        features = ogc.get("/ogc/collections/sites/items?limit=50", headers=auth(user)).json()["features"]
        assert features
        for feature in features:
            assert set(feature["properties"]) == set(props) - {"geometry"}
            for name, value in feature["properties"].items():
                if value is not None:
                    assert isinstance(value, JSON_TYPES[props[name]["type"]]), (name, value)
        assert ("owner_contact" in props) == (user == "planner")


def test_every_collection_has_a_schema_with_german_titles(ogc: TestClient, auth: Auth) -> None:
    for c in ogc.get("/ogc/collections", headers=auth("planner")).json()["collections"]:
        schema = ogc.get(f"/ogc/collections/{c['id']}/schema", headers=auth("planner")).json()
        assert all(p.get("title") for p in schema["properties"].values()), c["id"]
        assert schema["properties"]["geometry"]["x-ogc-role"] == "primary-geometry"
