"""The rules on real data: Erfurt's ALKIS parcels (with constructed buildings), Jena's OSM land use
and nature reserves, the DB stations. Expected answers come from the data files (geopandas), not
from the database."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely
from shapely.geometry import box, mapping
from sqlalchemy import Connection

from flaechenpool.analysis.profiles import get_profile
from flaechenpool.settings import PROJECT_ROOT
from tests.analysis import expected
from tests.analysis.conftest import JENA
from tests.analysis.town import Town, run

ERFURT = "16051000"
OSM = PROJECT_ROOT / "data" / "jena-osm" / "jena_osm_2014.gpkg"


@pytest.fixture
def erfurt(conn: Connection) -> Town:
    """The ten real Erfurt parcels (from the GeoPackage) with constructed buildings."""
    town = Town(conn, municipality=ERFURT)
    parcels = gpd.read_file(PROJECT_ROOT / "data" / "parcels" / "erfurt_melchendorf_alkis.gpkg").to_crs(25832)
    for row in parcels.itertuples():
        use = row.tntxt.split(";")[0].strip() if row.tntxt else ""
        town.adopt(row.flstkennz, row.flstkennz, row.geometry, use)   # named by their key
    return town


def test_erfurt_underused_parcel_on_real_boundaries(conn: Connection, erfurt: Town) -> None:
    """Houses on the large parcel 872 make the neighbouring 426/1 with a single garden house underused."""
    profile = get_profile("default")
    large, garden = "16011500200872______", "160115002004260001__"
    x0, y0, x1, y1 = erfurt.geom(large).bounds
    inner = erfurt.geom(large).buffer(-5)
    blocks = [shapely.intersection(box(x, y, x + 25, y + 20), inner)
              for x in range(int(x0), int(x1), 40) for y in range(int(y0), int(y1), 35)]
    for i, block in enumerate(b for b in blocks if b.area > 100):
        erfurt.building(f"block {i}", block)
    garden_house = erfurt.geom(garden).representative_point().buffer(5, cap_style="square")
    erfurt.building("garden house", garden_house)
    # a house on the real line between 25/17 and 25/18: each parcel gets exactly its part
    line = shapely.intersection(erfurt.geom("160115002000250017__").boundary,
                                erfurt.geom("160115002000250018__").boundary)
    erfurt.building("house 25/17-18", line.centroid.buffer(6, cap_style="square"))
    _, candidates = run(conn, municipalities=[ERFURT])
    found = {c["parcels"][0]: c for c in candidates if c["kind"] == "underused"}
    assert set(found) == set(expected.underused(erfurt, profile, set())) == {garden}
    detection = found[garden]["detection"]
    assert detection["built_m2"] == pytest.approx(garden_house.intersection(erfurt.geom(garden)).area, abs=0.01)
    assert detection["surrounding_built_share"] == pytest.approx(
        expected.surrounding_share(erfurt, profile, garden), abs=1e-4)
    assert detection["land_use"] == "wohnbauflaeche"     # ALKIS writes "Wohnbauflaeche"; compared as a key
    gaps = {c["parcels"][0] for c in candidates if c["kind"] == "infill_gap"}
    assert gaps == expected.infill_gaps(erfurt, profile, set())
    shared = expected.built(erfurt, profile)
    assert shared["160115002000250017__"]["house 25/17-18"] + shared["160115002000250018__"]["house 25/17-18"] \
        == pytest.approx(erfurt.buildings["house 25/17-18"][1].area, abs=0.5)


def test_jena_recorded_brownfield_from_osm_land_use(conn: Connection) -> None:
    """The OSM brownfield polygon records the demo parcels under it as one brownfield."""
    osm = gpd.read_file(OSM, layer="landuse").to_crs(25832)
    brownfield = shapely.union_all(osm[osm.landuse == "brownfield"].geometry.values)
    area = shapely.Polygon(shapely.box(*brownfield.buffer(150).bounds).exterior)
    run_, candidates = run(conn, municipalities=[JENA], area=mapping(area), area_srid=25832)
    rows = conn.exec_driver_sql(
        "SELECT flurstueckskennzeichen, ST_AsBinary(geom) FROM core.parcels WHERE municipality_ags = '16053000' "
        "AND valid_to IS NULL").all()
    parcels = {key: shapely.from_wkb(bytes(wkb)) for key, wkb in rows}
    recorded = {key for key, geom in parcels.items()
                if geom.intersects(area) and brownfield.intersects(geom.representative_point())}
    assert recorded
    groups = [c for c in candidates if c["kind"] == "brownfield" and recorded & set(c["parcels"])]
    assert len(groups) == 1 and recorded <= set(groups[0]["parcels"])
    assert "recorded" in groups[0]["detection"]["reasons"]
    union = shapely.union_all([parcels[k] for k in groups[0]["parcels"]])
    assert groups[0]["geom"].area == pytest.approx(union.area, rel=1e-9)
    assert run_["parcels_analysed"] == sum(1 for g in parcels.values() if g.intersects(area))


def test_jena_nature_reserve_share_of_a_vacant_building(conn: Connection) -> None:
    """A vacant building built across the edge of a real nature reserve: its protected share."""
    reserves = gpd.read_file(OSM, layer="nature_reserve").to_crs(25832)
    reserve = reserves.geometry.iloc[0]
    corner = reserve.exterior.interpolate(0.3, normalized=True) if reserve.geom_type == "Polygon" else \
        reserve.boundary.interpolate(0.3, normalized=True)
    town = Town(conn, municipality=JENA)
    house = corner.buffer(8, cap_style="square")
    town.building("house", house)
    town.vacancy("house", building="house")
    _, candidates = run(conn, municipalities=[JENA], area=mapping(house.buffer(30)), area_srid=25832)
    vacant = [c for c in candidates if c["kind"] == "vacant_building" and c["buildings"] == [town.buildings["house"][0]]]
    assert len(vacant) == 1
    share = shapely.union_all(reserves.geometry.values).intersection(house).area / house.area
    assert 0.05 < share < 0.95
    assert vacant[0]["criteria"]["protected_share"]["value"] == pytest.approx(share, abs=1e-3)
