"""A real client: GDAL's OAPIF driver (the GDAL 3.12 inside the pyogrio wheel, with Part 2 CRS
support) against the app served by uvicorn. Counts are checked against plain SQL on the database."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pyogrio
import pytest
import shapely
from sqlalchemy import Engine, create_engine, text

from tests.live import LiveServer
from tests.ogc.conftest import stored_geometries

POOL = ("FROM core.pool_transaction_parcels tp JOIN core.pool_transactions t ON t.id = tp.transaction_id "
        "WHERE tp.direction = 'acquire'")
# collection → (FROM + base condition as plain SQL, an OGR attribute filter, the same filter in SQL)
CASES = {
    "sites": ("FROM core.sites WHERE retired_at IS NULL", "kind = 'infill_gap'", "kind = 'infill_gap'"),
    "parcels": ("FROM core.parcels WHERE valid_to IS NULL", "official_area_m2 > 5000", "official_area_m2 > 5000"),
    "pool_holdings": (POOL, "acquired_by = 'purchase'", "t.kind = 'purchase'"),
    "vacancies": ("FROM core.vacancies WHERE true", "building_type = 'residential'", "building_type = 'residential'"),
    "buildings": ("FROM core.buildings WHERE valid_to IS NULL", "floors >= 3", "floors >= 3"),
    "estates": ("FROM core.estates WHERE true", "id > 0", "id > 0"),
    "municipalities": ("FROM core.municipalities WHERE true", "ags <> '16053000'", "ags <> '16053000'"),
    "districts": ("FROM core.districts WHERE true", "id > 10", "id > 10"),
    "stations": ("FROM ref.stations WHERE true", "traffic = 'RV'", "traffic = 'RV'"),
    "transit_stops": ("FROM ref.transit_stops WHERE true", "id > 40", "id > 40"),
    "transit_routes": ("FROM ref.transit_routes WHERE true", "id <= 5", "id <= 5"),
    "flood_zones": ("FROM ref.flood_zones WHERE true", "kind = 'hq100'", "kind = 'hq100'"),
    "protected_areas": ("FROM ref.protected_areas WHERE true", "kind = 'ffh_area'", "kind = 'ffh_area'"),
    "zoning_plans": ("FROM ref.zoning_plans WHERE true", "in_force_since > '2010-01-01' OR id > 10",
                     "in_force_since > '2010-01-01' OR id > 10"),
    "land_use": ("FROM ref.land_use WHERE true", "class = 'meadow' OR area_m2 > 100000",
                 "class = 'meadow' OR area_m2 > 100000"),
    "water_areas": ("FROM ref.water_areas WHERE true", "id > 50", "id > 50"),
    "waterways": ("FROM ref.waterways WHERE true", "class = 'stream'", "class = 'stream'"),
    "counties": ("FROM ref.counties WHERE true", "kind = 'Landkreis'", "kind = 'Landkreis'"),
    "land_values": ("FROM ref.land_values WHERE true", "value_eur_m2 >= 200", "value_eur_m2 >= 200"),
    "preemption_areas": ("FROM ref.preemption_areas WHERE true", "kind = 'redevelopment'", "kind = 'redevelopment'"),
    "construction_projects": ("FROM core.construction_projects WHERE true", "status = 'planned'", "status = 'planned'"),
    "construction_project_areas": ("FROM core.construction_projects WHERE GeometryType(geom) = 'MULTIPOLYGON'",
                                   "kind = 'office'", "kind = 'office'"),
}


@pytest.fixture(scope="module")
def db(live_server: LiveServer) -> Iterator[Engine]:
    engine = create_engine(live_server.database_url)
    yield engine
    engine.dispose()


def _read(live_server: LiveServer, layer: str, **options: object):  # type: ignore[no-untyped-def]
    token = live_server.tokens["ogc-planner"]
    return pyogrio.read_dataframe(f"OAPIF:{live_server.url}/ogc", layer=layer, USERPWD=f"ogc-planner:{token}",
                                  **options)


def test_every_collection_with_crs_and_filter(live_server: LiveServer, db: Engine) -> None:
    """Every collection reads completely in EPSG:25832, and with a filter; counts match the database."""
    pyogrio.set_gdal_config_options({"GDAL_HTTP_USERPWD": f"ogc-planner:{live_server.tokens['ogc-planner']}"})
    try:
        listed = [name for name, _ in pyogrio.list_layers(f"OAPIF:{live_server.url}/ogc")]
    finally:
        pyogrio.set_gdal_config_options({"GDAL_HTTP_USERPWD": None})
    assert set(CASES) <= set(listed)
    with db.connect() as conn:
        for layer, (source, ogr_filter, sql_filter) in CASES.items():
            everything = _read(live_server, layer, CRS="EPSG:25832")
            expected = conn.execute(text(f"SELECT count(*) {source}")).scalar_one()
            assert len(everything) == expected, layer
            assert everything.crs.to_epsg() == 25832, layer
            some = _read(live_server, layer, where=ogr_filter, CRS="EPSG:25832")
            expected_some = conn.execute(text(f"SELECT count(*) {source} AND ({sql_filter})")).scalar_one()
            assert len(some) == expected_some, (layer, ogr_filter)
            assert 0 < expected_some < expected or expected <= 1, (layer, "the filter must select a part")


def test_bbox_in_epsg_25832(live_server: LiveServer, db: Engine) -> None:
    """A spatial filter in the layer's CRS goes to the server as bbox + bbox-crs."""
    box = (680000.0, 5642000.0, 681000.0, 5643000.0)
    with db.connect() as conn:
        stored = stored_geometries(conn, "SELECT flurstueckskennzeichen, ST_AsBinary(geom) FROM core.parcels "
                                         "WHERE valid_to IS NULL AND geom && ST_MakeEnvelope(679000, 5641000, "
                                         "682000, 5644000, 25832)")
    expected = {k for k, g in stored.items() if g.intersects(shapely.box(*box))}
    got = _read(live_server, "parcels", bbox=box, CRS="EPSG:25832")
    assert set(got["flurstueckskennzeichen"]) == expected and len(expected) > 100


def test_lat_lon_axis_order_is_understood(live_server: LiveServer) -> None:
    """GDAL reads EPSG:4326 (latitude first on the wire) to the same places as CRS84."""
    lonlat = _read(live_server, "stations", CRS="OGC:CRS84").sort_values("eva_nr")
    latlon = _read(live_server, "stations", CRS="EPSG:4326").sort_values("eva_nr")
    a = shapely.get_coordinates(lonlat.geometry.values)
    b = shapely.get_coordinates(latlon.geometry.values)
    if np.abs(a - b).max() > 1e-6:      # GDAL may hand EPSG:4326 out in its authority order
        b = b[:, ::-1]
    assert np.abs(a - b).max() < 1e-6
    assert 9 < a[:, 0].min() and a[:, 0].max() < 13 and 50 < a[:, 1].min()   # longitude first: Thuringia


def test_anonymous_reads_only_published_sites(live_server: LiveServer, db: Engine) -> None:
    sites = pyogrio.read_dataframe(f"OAPIF:{live_server.url}/ogc", layer="sites")
    with db.connect() as conn:
        published = conn.execute(text("SELECT count(*) FROM core.sites WHERE published AND retired_at IS NULL"))
        assert len(sites) == published.scalar_one()
    assert "owner_contact" not in sites.columns


def test_a_land_manager_reads_the_pre_emption_cases_of_the_municipality(live_server: LiveServer, db: Engine) -> None:
    """GDAL with a land manager's token: Jena's cases, in EPSG:25832 and filtered, counts as in the database;
    Ilmenau's land manager gets none of them, and a planner does not see the layer."""
    token = live_server.tokens["ogc-lm-jena"]
    options = {"USERPWD": f"ogc-lm-jena:{token}", "CRS": "EPSG:25832"}
    url = f"OAPIF:{live_server.url}/ogc"
    with db.connect() as conn:
        jena = dict(conn.execute(text("SELECT file_reference, ST_AsBinary(geom) FROM core.preemption_cases "
                                      "WHERE municipality_ags = '16053000'")).all())
        open_ = conn.execute(text("SELECT count(*) FROM core.preemption_cases WHERE municipality_ags = '16053000' "
                                  "AND decision IS NULL")).scalar_one()
    cases = pyogrio.read_dataframe(url, layer="preemption_cases", **options)
    assert set(cases["file_reference"]) == set(jena) and len(jena) >= 3
    for reference, geom in zip(cases["file_reference"], cases.geometry.values, strict=True):
        assert geom.equals_exact(shapely.from_wkb(bytes(jena[reference])), 0.01), reference
    assert len(pyogrio.read_dataframe(url, layer="preemption_cases", where="decision IS NULL", **options)) == open_
    other = pyogrio.read_dataframe(url, layer="preemption_cases", USERPWD="ogc-lm-ilmenau:"
                                   + live_server.tokens["ogc-lm-ilmenau"])
    assert len(other) == 0
    pyogrio.set_gdal_config_options({"GDAL_HTTP_USERPWD": f"ogc-planner:{live_server.tokens['ogc-planner']}"})
    try:
        assert "preemption_cases" not in [name for name, _ in pyogrio.list_layers(url)]
    finally:
        pyogrio.set_gdal_config_options({"GDAL_HTTP_USERPWD": None})
