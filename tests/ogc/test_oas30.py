"""Conformance class OpenAPI 3.0 (/req/oas30/…): the API description clients read their page size from."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from openapi_spec_validator import validate

from flaechenpool.settings import Settings

Auth = Callable[[str | None], dict[str, str]]


def test_api_document(ogc: TestClient, settings: Settings) -> None:
    r = ogc.get("/ogc/api")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/vnd.oai.openapi+json;version=3.0")
    doc = r.json()
    assert doc["openapi"].startswith("3.0")
    limit = doc["components"]["parameters"]["limit"]["schema"]
    assert limit["default"] == settings.api.default_limit and limit["maximum"] == settings.api.max_limit
    assert doc["servers"][0]["url"].endswith("/ogc")
    items = doc["paths"]["/collections/parcels/items"]["get"]
    refs = [p.get("$ref") for p in items["parameters"]]
    assert "#/components/parameters/limit" in refs and "#/components/parameters/filter" in refs
    simple = {p["name"]: p for p in items["parameters"] if "name" in p}
    assert simple["flurstueckskennzeichen"]["style"] == "form" and simple["flur"]["schema"]["type"] == "integer"
    for parameter in doc["components"]["parameters"].values():
        assert {"name", "in", "schema", "style", "explode"} <= set(parameter)


def test_api_lists_what_the_role_may_do(ogc: TestClient, auth: Auth) -> None:
    anonymous = ogc.get("/ogc/api").json()["paths"]
    assert "/collections/vacancies/items" not in anonymous
    assert "post" not in anonymous["/collections/sites/items"]
    manager = ogc.get("/ogc/api", headers=auth("lm_jena")).json()["paths"]
    assert "/collections/vacancies/items" in manager
    assert "post" in manager["/collections/sites/items"]
    assert {"put", "patch", "delete"} <= set(manager["/collections/sites/items/{featureId}"])


def test_api_as_html(ogc: TestClient) -> None:
    r = ogc.get("/ogc/api?f=html")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")


def test_the_descriptions_are_valid_openapi_documents(ogc: TestClient, auth: Auth) -> None:
    """The OGC API's description for each audience (a writer sees more paths) and the service's own, checked
    against the OpenAPI schema: path parameters declared with a style a path allows, and so on."""
    for headers in ({}, auth("planner"), auth("lm_jena")):
        doc = ogc.get("/ogc/api", headers=headers).json()
        validate(doc)
        tile = doc["paths"]["/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}"]["get"]
        assert [p["name"] for p in tile["parameters"]] == ["tileMatrix", "tileRow", "tileCol"]
    assert doc["components"]["parameters"]["featureId"]["style"] == "simple"
    validate(ogc.get("/openapi.json").json())
