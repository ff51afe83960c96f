"""OGC API – Features Part 2, Coordinate Reference Systems by Reference (OGC 18-058, /req/crs/…).

Coordinates are checked against pyproj on the stored EPSG:25832 geometries, in the axis order the
CRS defines (EPSG:4326 latitude first, EPSG:31468 northing first)."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from fastapi.testclient import TestClient
from sqlalchemy import Connection, text

from tests.ogc.conftest import reproject, stored_geometries

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG = "http://www.opengis.net/def/crs/EPSG/0/"
# CRS → (EPSG code for pyproj, axes swapped, tolerance in CRS units)
OFFERED = {EPSG + "4326": (4326, True, 1e-6), EPSG + "25832": (25832, False, 0.01),
           EPSG + "3857": (3857, False, 0.01), EPSG + "31468": (31468, True, 1.0), CRS84: (4326, False, 1e-6)}


def _coords(geometry: dict) -> np.ndarray:  # type: ignore[type-arg]
    return np.asarray(shapely.get_coordinates(shapely.geometry.shape(geometry)))


def test_collections_list_crs_and_storage_crs(ogc: TestClient) -> None:
    """/req/crs/fc-md-crs-list, /req/crs/fc-md-storageCrs."""
    c = ogc.get("/ogc/collections/parcels").json()
    assert set(OFFERED) <= set(c["crs"]) and c["storageCrs"] == EPSG + "25832"
    assert ogc.get("/ogc/conformance").json()["conformsTo"].count(
        "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs") == 1


@pytest.mark.parametrize("crs", list(OFFERED))
def test_output_in_each_crs(ogc: TestClient, conn: Connection, crs: str) -> None:
    """/req/crs/fc-crs-valid-value, /req/crs/ogc-crs-header: coordinates in the CRS and its axis order."""
    key, wkb = conn.execute(text("SELECT flurstueckskennzeichen, ST_AsBinary(geom) FROM core.parcels "
                                 "WHERE valid_to IS NULL AND municipality_ags = '16053000' LIMIT 1")).one()
    code, swapped, tolerance = OFFERED[crs]
    expected = shapely.get_coordinates(reproject(shapely.from_wkb(bytes(wkb)), 25832, code))
    if swapped:
        expected = expected[:, ::-1]
    for url in (f"/ogc/collections/parcels/items/{key}?crs={crs}",
                f"/ogc/collections/parcels/items?flurstueckskennzeichen={key}&crs={crs}"):
        r = ogc.get(url)
        assert r.status_code == 200
        assert r.headers["Content-Crs"] == f"<{crs}>"
        body = r.json()
        geometry = body["geometry"] if body["type"] == "Feature" else body["features"][0]["geometry"]
        assert np.abs(_coords(geometry) - expected).max() < tolerance


@pytest.mark.parametrize("crs", [EPSG + "4326", EPSG + "25832", EPSG + "3857", EPSG + "31468", CRS84])
def test_bbox_crs(ogc: TestClient, conn: Connection, crs: str) -> None:
    """/req/crs/fc-bbox-crs-action: the box is read in bbox-crs (and its axis order)."""
    code, swapped, tolerance = OFFERED[crs]
    stored = stored_geometries(conn, "SELECT flurstueckskennzeichen, ST_AsBinary(geom) FROM core.parcels "
                                     "WHERE valid_to IS NULL AND ST_DWithin(geom, ST_SetSRID(ST_Point(680500, "
                                     "5642500), 25832), 1500)")  # a pre-selection only: the box lies well inside
    centre = reproject(shapely.Point(680500, 5642500), 25832, code)
    half = 300 if code != 4326 else 0.004
    box = shapely.box(centre.x - half, centre.y - half, centre.x + half, centre.y + half)
    in_crs = {k: reproject(g, 25832, code) for k, g in stored.items()}
    surely = {k for k, g in in_crs.items() if g.intersects(box.buffer(-tolerance, join_style="mitre"))}
    maybe = {k for k, g in in_crs.items() if g.intersects(box.buffer(tolerance, join_style="mitre"))}
    x0, y0, x1, y1 = box.bounds
    values = (y0, x0, y1, x1) if swapped else (x0, y0, x1, y1)
    r = ogc.get(f"/ogc/collections/parcels/items?limit=5000&properties=area_m2&bbox-crs={crs}&bbox="
                + ",".join(f"{v:.8f}" for v in values))
    assert r.status_code == 200
    got = {f["id"] for f in r.json()["features"]}
    assert len(surely) > 20
    assert surely <= got <= maybe


@pytest.mark.parametrize("value", ["EPSG:25832", "urn:ogc:def:crs:EPSG::25832", "[EPSG:25832]",
                                   "http://www.opengis.net/def/crs/EPSG/0/25832"])
def test_crs_spellings(ogc: TestClient, value: str) -> None:
    r = ogc.get("/ogc/collections/stations/items", params={"crs": value, "limit": 1})
    assert r.status_code == 200 and r.headers["Content-Crs"] == f"<{EPSG}25832>"


@pytest.mark.parametrize("query", ["crs=EPSG:4258", "bbox=1,2,3,4&bbox-crs=EPSG:2056", "crs=foo",
                                   "bbox=11.5,50.9,11.6,50.95&bbox-crs=http://www.opengis.net/def/crs/EPSG/0/4326"])
def test_crs_not_offered_is_400(ogc: TestClient, query: str) -> None:
    """/req/crs/fc-crs-valid-value: a CRS not in the list is an error (the last: 11.5° latitude is fine but
    50.9° longitude lies outside Europe — still a valid box, so only the first three must fail)."""
    r = ogc.get(f"/ogc/collections/parcels/items?{query}")
    if "4326" in query:
        assert r.status_code == 200 and r.json()["numberReturned"] == 0
    else:
        assert r.status_code == 400
