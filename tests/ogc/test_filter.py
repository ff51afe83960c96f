"""OGC API – Features Part 3 (Filtering) with CQL2 text and JSON (OGC 19-079r2, 21-065r2).

Attribute results are checked against the rows read with plain SQL and filtered in Python; spatial
results against shapely on the stored geometries; time against the land pool's own function."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
import shapely
from fastapi.testclient import TestClient
from sqlalchemy import Connection, text

from tests.ogc.conftest import reproject, stored_geometries

Auth = Callable[[str | None], dict[str, str]]


def _ids(ogc: TestClient, collection: str, headers: dict[str, str] | None = None, **params: str) -> set[str]:
    r = ogc.get(f"/ogc/collections/{collection}/items", params={"limit": "5000", **params}, headers=headers or {})
    assert r.status_code == 200, r.text
    return {str(f["id"]) for f in r.json()["features"]}


def _sites(conn: Connection) -> list[dict]:  # type: ignore[type-arg]
    return [dict(r) for r in conn.execute(text(
        "SELECT id::text AS id, kind, status, area_m2, intended_uses, name, published, available_from "
        "FROM core.sites WHERE retired_at IS NULL")).mappings()]


def test_conformance_and_queryables(ogc: TestClient, auth: Auth) -> None:
    classes = ogc.get("/ogc/conformance").json()["conformsTo"]
    for c in ("ogcapi-features-3/1.0/conf/filter", "ogcapi-features-3/1.0/conf/features-filter",
              "cql2/1.0/conf/cql2-text", "cql2/1.0/conf/cql2-json", "cql2/1.0/conf/basic-cql2"):
        assert f"http://www.opengis.net/spec/{c}" in classes
    r = ogc.get("/ogc/collections/sites/queryables")
    assert r.status_code == 200 and r.headers["content-type"] == "application/schema+json"
    public = r.json()
    assert public["properties"]["geometry"]["format"] == "geometry-multipolygon"
    assert "kind" in public["properties"] and "owner_contact" not in public["properties"]
    assert public["additionalProperties"] is False
    planner = ogc.get("/ogc/collections/sites/queryables", headers=auth("planner")).json()
    assert planner["properties"]["owner_contact"]["title"] == "Eigentümeransprache"


@pytest.mark.parametrize(("cql", "python"), [
    ("kind = 'infill_gap'", lambda s: s["kind"] == "infill_gap"),
    ("kind = 'brownfield' OR area_m2 > 10000", lambda s: s["kind"] == "brownfield" or s["area_m2"] > 10000),
    ("area_m2 BETWEEN 600 AND 800", lambda s: 600 <= s["area_m2"] <= 800),
    ("status IN ('marketed', 'reserved')", lambda s: s["status"] in ("marketed", "reserved")),
    ("NOT status IN ('marketed', 'reserved')", lambda s: s["status"] not in ("marketed", "reserved")),
    ("name LIKE '%werk%'", lambda s: "werk" in s["name"]),
    ("CASEI(name) LIKE CASEI('%WERK%')", lambda s: "werk" in s["name"].lower()),
    ("available_from IS NULL", lambda s: s["available_from"] is None),
    ("available_from > DATE('2027-01-01')", lambda s: s["available_from"] is not None
     and s["available_from"].isoformat() > "2027-01-01"),
    ("A_CONTAINS(intended_uses, ('residential'))", lambda s: "residential" in s["intended_uses"]),
    ("A_OVERLAPS(intended_uses, ('office', 'mixed'))", lambda s: bool({"office", "mixed"} & set(s["intended_uses"]))),
    ("published = false AND area_m2 * 2 > 1500", lambda s: not s["published"] and s["area_m2"] * 2 > 1500),
])
def test_cql2_text_attribute_filters(ogc: TestClient, conn: Connection, auth: Auth, cql: str,
                                     python: Callable[[dict], bool]) -> None:  # type: ignore[type-arg]
    expected = {s["id"] for s in _sites(conn) if python(s)}
    assert expected, "the case must select something"
    assert _ids(ogc, "sites", auth("planner"), filter=cql) == expected


def test_cql2_json_equals_text(ogc: TestClient, auth: Auth) -> None:
    as_json = {"op": "and", "args": [{"op": "=", "args": [{"property": "kind"}, "infill_gap"]},
                                     {"op": ">", "args": [{"property": "area_m2"}, 640]}]}
    got = _ids(ogc, "sites", auth("planner"), filter=json.dumps(as_json), **{"filter-lang": "cql2-json"})
    assert got == _ids(ogc, "sites", auth("planner"), filter="kind = 'infill_gap' AND area_m2 > 640")
    assert len(got) >= 3


def test_spatial_filter_against_shapely(ogc: TestClient, conn: Connection) -> None:
    """S_INTERSECTS with a CRS84 polygon and S_WITHIN with an EPSG:25832 polygon (filter-crs)."""
    stored = stored_geometries(conn, "SELECT flurstueckskennzeichen, ST_AsBinary(geom) FROM core.parcels "
                                     "WHERE valid_to IS NULL AND municipality_ags = '16053000' AND "
                                     "ST_DWithin(geom, ST_SetSRID(ST_Point(682000, 5645200), 25832), 2000)")
    triangle = shapely.Polygon([(11.585, 50.925), (11.600, 50.925), (11.590, 50.935)])
    expected = {k for k, g in stored.items() if reproject(g, 25832, 4326).intersects(triangle)}
    assert len(expected) > 20
    assert _ids(ogc, "parcels", filter=f"S_INTERSECTS(geometry, {triangle.wkt})") == expected
    square = shapely.box(681800, 5645000, 682200, 5645400)
    within = {k for k, g in stored.items() if g.within(square)}
    assert len(within) > 5
    got = _ids(ogc, "parcels", filter=f"S_WITHIN(geometry, {square.wkt})",
               **{"filter-crs": "http://www.opengis.net/def/crs/EPSG/0/25832"})
    assert got == within
    bbox = _ids(ogc, "parcels", filter="S_INTERSECTS(geometry, BBOX(11.585, 50.925, 11.6, 50.935))")
    assert expected <= bbox


def test_temporal_filter_and_datetime_on_the_land_pool(ogc: TestClient, conn: Connection, auth: Auth) -> None:
    """datetime on holding periods gives exactly core.pool_held(NULL, day) for several days."""
    for day in ("2019-01-01", "2023-03-20", "2024-08-19", "2025-06-30"):
        held = {f"{r.transaction_id}_{r.flurstueckskennzeichen}" for r in conn.execute(
            text("SELECT transaction_id, flurstueckskennzeichen FROM core.pool_held(NULL, :d)"), {"d": day})}
        assert _ids(ogc, "pool_holdings", auth("planner"), datetime=day) == held, day
        in_cql = _ids(ogc, "pool_holdings", auth("planner"),
                      filter=f"held_from <= DATE('{day}') AND (held_until IS NULL OR held_until > DATE('{day}'))")
        assert in_cql == held
    after = _ids(ogc, "pool_holdings", auth("planner"), filter="T_AFTER(held_from, DATE('2022-12-31'))")
    assert after == {str(r) for r in conn.execute(text(
        "SELECT t.id::text || '_' || tp.flurstueckskennzeichen FROM core.pool_transactions t JOIN "
        "core.pool_transaction_parcels tp ON tp.transaction_id = t.id WHERE tp.direction = 'acquire' "
        "AND t.effective_date > '2022-12-31'")).scalars()}
    during = _ids(ogc, "pool_holdings", auth("planner"),
                  filter="T_DURING(held_from, INTERVAL('2020-01-01', '2021-12-31'))")
    assert during and during < _ids(ogc, "pool_holdings", auth("planner"))


@pytest.mark.parametrize(("params", "user"), [
    ({"filter": "kind = "}, None),
    ({"filter": "nothing = 1"}, None),
    ({"filter": "owner_contact = 'contacted'"}, None),            # a field anonymous callers do not see
    ({"filter": "kind = 3"}, None),
    ({"filter": "available_from > '2020-01-01'"}, None),
    ({"filter": "ACCENTI(name) = ACCENTI('x')"}, None),
    ({"filter": "{\"op\": \"=\", \"args\": [{\"property\": \"kind\"}]}", "filter-lang": "cql2-json"}, None),
    ({"filter": "kind = 'x'", "filter-lang": "sql"}, None),
    ({"filter-lang": "cql2-text"}, None),
    ({"filter": "S_INTERSECTS(geometry, POINT(1 2))", "filter-crs": "EPSG:9999"}, None),
    ({"filter": "S_INTERSECTS(geometry, POLYGON((11.5 50.9, 11.6 51.0)))"}, None),   # a ring of two points
    ({"filter": "S_WITHIN(geometry, POLYGON((11.5 50.9, 11.6 51.0, 11.6 50.9, 11.5 51.0, 11.5 50.9)))"}, None),
    ({"filter": "T_AFTER(name, DATE('2020-01-01'))"}, "planner"),
])
def test_bad_filters_are_400(ogc: TestClient, auth: Auth, params: dict[str, str], user: str | None) -> None:
    r = ogc.get("/ogc/collections/sites/items", params=params, headers=auth(user))
    assert r.status_code == 400, (params, r.text)
    assert "database" not in r.json()["detail"]


def test_a_self_intersecting_filter_polygon_is_refused_with_its_reason(ogc: TestClient) -> None:
    """A bow tie has no defined inside: GEOS would answer S_WITHIN with some set of features."""
    bow_tie = "POLYGON((11.5 50.9, 11.6 51.0, 11.6 50.9, 11.5 51.0, 11.5 50.9))"
    r = ogc.get("/ogc/collections/parcels/items", params={"filter": f"S_INTERSECTS(geometry, {bow_tie})"})
    assert r.status_code == 400
    assert r.headers["content-type"] == "application/problem+json"
    assert "filter: invalid geometry (Self-intersection" in r.json()["detail"]
    utm = ogc.get("/ogc/collections/parcels/items", params={"filter": "S_INTERSECTS(geometry, POINT(681100 5644000))"})
    assert utm.status_code == 400 and "no longitude/latitude" in utm.json()["detail"]
    labelled = {"filter": "S_INTERSECTS(geometry, POINT(681100 5644000))", "filter-crs": "EPSG:25832"}
    assert ogc.get("/ogc/collections/parcels/items", params=labelled).status_code == 200
    lat_first = {"filter": "S_INTERSECTS(geometry, POINT(50.93 11.59))",
                 "filter-crs": "http://www.opengis.net/def/crs/EPSG/0/4326"}
    assert ogc.get("/ogc/collections/parcels/items", params=lat_first).status_code == 200
    fixed = "POLYGON((11.5 50.9, 11.6 50.9, 11.6 51.0, 11.5 51.0, 11.5 50.9))"
    assert ogc.get("/ogc/collections/parcels/items", params={"filter": f"S_INTERSECTS(geometry, {fixed})"}).status_code == 200


def test_property_query_parameters(ogc: TestClient, conn: Connection, auth: Auth) -> None:
    """Part 1 /rec/core/fc-filters: properties as query parameters, typed."""
    expected = {s["id"] for s in _sites(conn) if s["kind"] == "underused"}
    assert _ids(ogc, "sites", auth("planner"), kind="underused") == expected
    assert ogc.get("/ogc/collections/sites/items?broadband_mbit=fast").status_code == 400


def test_a_repeated_filter_is_parsed_once_and_each_caller_gets_a_tree_of_its_own() -> None:
    from flaechenpool.errors import InputError
    from flaechenpool.features import cql

    text_ = "official_area_m2 > 1000 AND land_use = 'Wohnbaufläche'"
    cql._parsed.cache_clear()
    first = cql.parse_filter(text_, None)
    first["args"].append({"op": "=", "args": [1, 2]})          # a caller changing its tree …
    second = cql.parse_filter(text_, "CQL2-TEXT ")
    assert len(second["args"]) == 2                              # … does not change the next caller's
    assert cql._parsed.cache_info().hits == 1                    # the same language, normalised: parsed once
    for _ in range(2):                                           # a bad filter is refused every time
        with pytest.raises(InputError, match="not valid cql2-text"):
            cql.parse_filter("official_area_m2 >", None)
    long_ = " OR ".join(f"official_area_m2 = {i}" for i in range(600))
    assert len(long_) > cql.PARSED_KEPT_CHARS
    assert cql.parse_filter(long_, None) == cql.parse_filter(long_, None)
    assert cql._parsed.cache_info().currsize == 1                # long filters are not kept
