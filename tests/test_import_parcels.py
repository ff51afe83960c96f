"""Parcel import (Flurstücke) against a real PostGIS: the real Erfurt ALKIS WFS answer, its
GeoPackage and files written from it, history on re-import, and every kind of bad input.

The module uses its own database ``fp_import_test`` (dropped and created once): on the development
cluster at /var/tmp/fpdev when it runs, else on the test server of conftest.py.
"""

from __future__ import annotations

import warnings
import zipfile
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
import shapely
from shapely.geometry import Polygon
from sqlalchemy import Connection, Engine, create_engine, text

from flaechenpool import migrations
from flaechenpool.errors import ImportFileError
from flaechenpool.importing import reading
from flaechenpool.importing.parcels import ImportReport, dominant_use, import_parcels
from flaechenpool.settings import PROJECT_ROOT
from tests.databases import recreate_database

ALKIS = PROJECT_ROOT / "data" / "parcels"  # the project's copy of shared/data/erfurt-alkis-flurstuecke-2025
GML = ALKIS / "erfurt_melchendorf_alkis_wfs.gml"
GPKG = ALKIS / "erfurt_melchendorf_alkis.gpkg"
ERFURT = "16051000"
KEYS = {
    "160115002004250001__", "16011500200872______", "160115002004260001__", "160115002004270001__",
    "160115002003380008__", "160115002000250029__", "160115002000250017__", "160115002000250026__",
    "160115002000250012__", "160115002000250018__",
}
BBOX_25832 = (644834.3, 5646862.9, 645479.4, 5647251.4)  # SOURCE.md

@pytest.fixture(scope="module")
def import_engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    """A fresh database with the schema and the municipality Erfurt."""
    server = request.getfixturevalue("server_url")
    engine = create_engine(recreate_database(server, "fp_import_test"))
    migrations.upgrade(engine)
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO core.municipalities (ags, name, geom, provenance, source) VALUES "
            "(:ags, 'Erfurt', ST_Multi(ST_MakeEnvelope(630000, 5640000, 660000, 5665000, 25832)), "
            "'official', 'test')"),
            {"ags": ERFURT})
    yield engine
    engine.dispose()


@pytest.fixture
def db(import_engine: Engine) -> Iterator[Connection]:
    """A connection in a transaction that is rolled back after the test."""
    with import_engine.connect() as conn:
        transaction = conn.begin()
        try:
            yield conn
        finally:
            transaction.rollback()


@pytest.fixture
def filled(db: Connection) -> Connection:
    """The test's connection with the 10 real parcels imported: a failed import must not touch them."""
    assert import_parcels(db, GML, municipality=ERFURT).inserted == 10
    return db


def write(df: gpd.GeoDataFrame, path: Path, **kwargs: object) -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # laundered Shapefile field names
        warnings.simplefilter("ignore", UserWarning)  # "crs was not provided" (on purpose)
        pyogrio.write_dataframe(df, path, **kwargs)
    return path


def gpkg_frame() -> gpd.GeoDataFrame:
    return pyogrio.read_dataframe(GPKG)


def current(conn: Connection) -> dict[str, tuple]:
    rows = conn.execute(text("SELECT flurstueckskennzeichen, official_area_m2, area_m2, municipality_ags, "
                             "land_use FROM core.current_parcels"))
    return {r[0]: tuple(r[1:]) for r in rows}


# the index definitions of core.parcels (an initial load drops and builds them again)
INDEXES = ("SELECT string_agg(pg_get_indexdef(indexrelid), '; ' ORDER BY indexrelid::regclass::text) "
           "FROM pg_index WHERE indrelid = 'core.parcels'::regclass")
# which triggers of core.parcels are enabled (an initial load switches its row triggers off for the load)
TRIGGERS = ("SELECT string_agg(tgname || '=' || tgenabled::text, ', ' ORDER BY tgname) FROM pg_trigger "
            "WHERE tgrelid = 'core.parcels'::regclass AND NOT tgisinternal")


def snapshot(conn: Connection) -> tuple:
    return conn.execute(text(
        "SELECT (SELECT count(*) FROM core.parcels), (SELECT max(id) FROM core.parcels), "
        "(SELECT count(*) FROM core.parcels WHERE valid_to IS NULL), "
        "(SELECT count(*) FROM core.import_runs), (SELECT count(*) FROM audit.log), "
        "(SELECT md5(string_agg(concat_ws('|', id, flurstueckskennzeichen, official_area_m2, valid_to, "
        "ST_AsEWKB(geom)), ',' ORDER BY id)) FROM core.parcels), "
        f"({INDEXES}), ({TRIGGERS})")).one()


def counts(report: ImportReport) -> tuple[int, ...]:
    return report.read, report.inserted, report.changed, report.unchanged, report.retired


def assert_fails(conn: Connection, path: Path, *fragments: str, **kwargs: object) -> ImportFileError:
    """The import fails naming the file and ``fragments``, and the database is exactly as before."""
    before = snapshot(conn)
    kwargs.setdefault("municipality", ERFURT)
    with pytest.raises(ImportFileError) as info:
        import_parcels(conn, path, **kwargs)
    message = str(info.value)
    assert path.name in message
    for fragment in fragments:
        assert fragment in message, message
    assert snapshot(conn) == before
    return info.value


# --- the real WFS answer and its GeoPackage ---------------------------------------------------------

def test_real_gml_imports_exactly(db: Connection) -> None:
    calls: list[tuple[int, int | None]] = []
    guc = text("SELECT current_setting('statement_timeout'), current_setting('jit'), "
               "current_setting('work_mem')")
    settings_before = db.execute(guc).one()
    report = import_parcels(db, GML, municipality=None, source="TLBG test", actor="tester",
                            progress=lambda d, t: calls.append((d, t)))
    assert counts(report) == (10, 10, 0, 0, 0)
    assert report.repaired == [] and calls == [(10, 10)] and report.file == GML.name
    row = db.execute(text(
        "SELECT count(*), sum(official_area_m2), sum(area_m2), min(ST_XMin(geom)), min(ST_YMin(geom)), "
        "max(ST_XMax(geom)), max(ST_YMax(geom)), bool_and(ST_IsValid(geom)), "
        "bool_and(GeometryType(geom) = 'MULTIPOLYGON' AND ST_SRID(geom) = 25832) "
        "FROM core.current_parcels")).one()
    count, official, geometric, xmin, ymin, xmax, ymax, valid, multi = row
    assert count == 10 and official == 37297 and valid and multi
    assert abs(geometric - 37311) / 37311 < 0.002
    # the lat/lon axis order of the EPSG:4326 URN was handled: everything lies in SOURCE.md's box
    assert BBOX_25832[0] - 1 < xmin and BBOX_25832[1] - 1 < ymin
    assert xmax < BBOX_25832[2] + 1 and ymax < BBOX_25832[3] + 1
    assert set(current(db)) == KEYS
    hole, use, address, alkis_id, ags, updated, source = db.execute(text(
        "SELECT ST_NumInteriorRings(ST_GeometryN(geom, 1)), land_use, address, alkis_id, municipality_ags, "
        "(source_updated_at AT TIME ZONE 'Europe/Berlin')::date::text, source FROM core.current_parcels "
        "WHERE flurstueckskennzeichen = '16011500200872______'")).one()
    assert hole >= 1 and use == "Wohnbauflaeche" and address == "Tungerstraße 3,4,2"
    assert alkis_id == "DETHL51P00005SiC" and ags == ERFURT and updated == "2021-03-23"
    assert source == "TLBG test"
    run = db.execute(text("SELECT kind, file_name, counts, finished_at IS NOT NULL, municipality_ags, actor "
                          "FROM core.import_runs WHERE id = :id"), {"id": report.run_id}).one()
    assert run[:2] == ("parcels", GML.name) and run[2]["inserted"] == 10
    assert run[3:] == (True, ERFURT, "tester")
    audit = db.execute(text("SELECT action, row_key, actor FROM audit.log "
                            "WHERE table_name = 'core.parcels'")).all()
    assert audit == [("import", str(report.run_id), "tester")]  # one summary row, no row-by-row entries
    assert db.execute(text("SELECT current_setting('flaechenpool.bulk', true)")).scalar() in ("", "off", None)
    assert db.execute(guc).one() == settings_before


def test_geopackage_gives_the_same_parcels(db: Connection) -> None:
    import_parcels(db, GML, municipality=None)
    from_gml = {k: v[:2] for k, v in current(db).items()}
    db.execute(text("SELECT set_config('flaechenpool.bulk', 'on', true)"))
    db.execute(text("UPDATE core.parcels SET valid_to = now()"))
    report = import_parcels(db, GPKG, municipality=ERFURT)
    assert report.inserted == 10
    assert {k: (v[0], pytest.approx(v[1], rel=0.01)) for k, v in current(db).items()} == from_gml


def test_reimport_of_the_same_file_changes_nothing(db: Connection) -> None:
    import_parcels(db, GML, municipality=ERFURT)
    before = snapshot(db)
    report = import_parcels(db, GML, municipality=ERFURT)
    assert counts(report) == (10, 0, 0, 10, 0)
    after = snapshot(db)
    assert after[:3] == before[:3]  # no parcel row added or closed; one more run and audit row
    assert after[3:5] == (before[3] + 1, before[4] + 1) and after[5] == before[5]


@pytest.mark.parametrize("change", ["shift", "area"])
def test_modified_copy_keeps_history_and_retires(db: Connection, tmp_path: Path, change: str) -> None:
    import_parcels(db, GPKG, municipality=ERFURT)
    df = gpkg_frame()
    changed, removed = "160115002004250001__", "160115002000250018__"
    at = df.index[df.flstkennz == changed][0]
    if change == "shift":
        df.loc[at, "geometry"] = shapely.transform(df.geometry[at], lambda xy: xy + [0.5, 0.0])
    else:
        df.loc[at, "amtliche_flaeche_m2"] = 2500
    df = df[df.flstkennz != removed]
    report = import_parcels(db, write(df, tmp_path / "modified.gpkg"), municipality=ERFURT)
    assert counts(report) == (9, 0, 1, 8, 1)
    history = db.execute(text(
        "SELECT valid_to IS NOT NULL, official_area_m2 FROM core.parcels WHERE flurstueckskennzeichen = :k "
        "ORDER BY id"), {"k": changed}).all()
    assert [h[0] for h in history] == [True, False]
    assert history[1][1] == (2500 if change == "area" else 2462)
    gone = db.execute(text("SELECT count(*), count(*) FILTER (WHERE valid_to IS NULL) FROM core.parcels "
                           "WHERE flurstueckskennzeichen = :k"), {"k": removed}).one()
    assert tuple(gone) == (1, 0)
    assert len(current(db)) == 9


def test_simple_file_with_other_field_names(db: Connection, tmp_path: Path) -> None:
    df = gpkg_frame()[["flstkennz", "amtliche_flaeche_m2", "geometry"]].rename(
        columns={"flstkennz": "Flurstueckskennzeichen", "amtliche_flaeche_m2": "Official_Area_M2"})
    df["Official_Area_M2"] = df["Official_Area_M2"].astype(str)
    df.loc[0, "Official_Area_M2"] = "2462,5"  # a German decimal comma
    report = import_parcels(db, write(df, tmp_path / "simple.geojson", driver="GeoJSON"), municipality=ERFURT)
    assert report.inserted == 10
    areas = {k: float(v[0]) for k, v in current(db).items()}
    assert set(areas) == KEYS and all(v > 0 for v in areas.values())
    assert areas["160115002004250001__"] == 2462.5


def test_keep_missing_parcels(db: Connection, tmp_path: Path) -> None:
    import_parcels(db, GPKG, municipality=ERFURT)
    df = gpkg_frame().iloc[:5]
    report = import_parcels(db, write(df, tmp_path / "part.gpkg"), municipality=ERFURT, retire_missing=False)
    assert (report.unchanged, report.retired) == (5, 0) and len(current(db)) == 10


# --- other formats --------------------------------------------------------------------------------

def _shape_zip(tmp_path: Path) -> Path:
    shp = write(gpkg_frame(), tmp_path / "shape" / "flurstuecke.shp")
    archive = tmp_path / "flurstuecke.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for part in shp.parent.iterdir():
            z.write(part, f"daten/{part.name}")
    return archive


@pytest.mark.parametrize("kind", ["geojson", "geojson-rfc7946", "shp", "zip", "fgb"])
def test_formats_written_from_the_geopackage(db: Connection, tmp_path: Path, kind: str) -> None:
    (tmp_path / "shape").mkdir()
    path = {
        "geojson": lambda: write(gpkg_frame(), tmp_path / "f.geojson", driver="GeoJSON"),
        "geojson-rfc7946": lambda: write(gpkg_frame(), tmp_path / "f.json", driver="GeoJSON", RFC7946="YES"),
        "shp": lambda: write(gpkg_frame(), tmp_path / "shape" / "f.shp"),
        "zip": lambda: _shape_zip(tmp_path),
        "fgb": lambda: write(gpkg_frame(), tmp_path / "f.fgb", driver="FlatGeobuf"),
    }[kind]()
    report = import_parcels(db, path, municipality=None, batch_size=4)
    assert report.inserted == 10
    rows = current(db)
    assert set(rows) == KEYS and sum(v[0] for v in rows.values()) == 37297
    assert abs(sum(v[1] for v in rows.values()) - 37311) / 37311 < 0.002
    assert {v[2] for v in rows.values()} == {ERFURT}


def test_batches_report_progress(db: Connection) -> None:
    for path in (GPKG, GML):  # GML is spooled into a GeoPackage first
        calls: list[tuple[int, int | None]] = []
        import_parcels(db, path, municipality=ERFURT, batch_size=3,
                       progress=lambda d, t, c=calls: c.append((d, t)))
        assert calls == [(3, 10), (6, 10), (9, 10), (10, 10)]


# --- coordinate reference systems -----------------------------------------------------------------

def test_file_without_crs_needs_one(db: Connection, tmp_path: Path) -> None:
    df = gpkg_frame()
    path = write(df.set_crs(None, allow_override=True), tmp_path / "nocrs.shp")
    assert not path.with_suffix(".prj").exists()
    assert_fails(db, path, "field 'crs'", "no coordinate reference system")
    assert import_parcels(db, path, municipality=ERFURT, crs="EPSG:25832").inserted == 10


def test_wrong_crs_lies_outside_thuringia(filled: Connection, tmp_path: Path) -> None:
    # EPSG:25832 numbers declared as EPSG:4326, by the file and by the caller
    declared = write(gpkg_frame().set_crs(4326, allow_override=True), tmp_path / "wrong.gpkg")
    assert_fails(filled, declared, "feature 1", "field 'geometry'",
                 "lies outside Thuringia; is the CRS right?", "declared: EPSG:4326")
    assert_fails(filled, GPKG, "lies outside Thuringia", "EPSG:4326", crs="4326")
    # lat/lon numbers declared as EPSG:25832
    assert_fails(filled, GML, "feature 1", "field 'geometry'", "lies outside Thuringia", crs="EPSG:25832")


# --- bad input: message names file, feature and field; nothing changes ----------------------------

def test_missing_key_field(filled: Connection, tmp_path: Path) -> None:
    path = write(gpkg_frame().drop(columns=["flstkennz"]), tmp_path / "nokey.gpkg")
    error = assert_fails(filled, path, "field 'flstkennz'", "no Flurstückskennzeichen field",
                         "the file has: oid")
    assert error.field == "flstkennz"


def test_missing_area_and_municipality_fields(filled: Connection, tmp_path: Path) -> None:
    path = write(gpkg_frame().drop(columns=["amtliche_flaeche_m2"]), tmp_path / "noarea.gpkg")
    assert_fails(filled, path, "no official area (amtliche Fläche) field", "field 'flaeche'")
    path = write(gpkg_frame().drop(columns=["gmdschl"]), tmp_path / "noags.gpkg")
    assert_fails(filled, path, "no municipality key (Gemeindeschlüssel) field", municipality=None)


@pytest.mark.parametrize(("column", "value", "fragments"), [
    ("flstkennz", "1601150020042500", ("field 'flstkennz'", "not a 20-character Flurstückskennzeichen")),
    ("flstkennz", "16011500200AB2______", ("field 'flstkennz'",)),
    ("amtliche_flaeche_m2", -5, ("field 'amtliche_flaeche_m2'", "must be a positive number")),
    ("amtliche_flaeche_m2", 0, ("field 'amtliche_flaeche_m2'", "must be a positive number")),
    ("gmdschl", "16099999", ("field 'gmdschl'", "not in core.municipalities")),
    ("aktualit", "gestern", ("field 'aktualit'", "not a date")),
])
def test_bad_value(filled: Connection, tmp_path: Path, column: str, value: object,
                   fragments: tuple[str, ...]) -> None:
    df = gpkg_frame()
    df.loc[3, column] = value
    assert_fails(filled, write(df, tmp_path / "bad.gpkg"), "feature 4", *fragments, municipality=None)


def test_non_numeric_area(filled: Connection, tmp_path: Path) -> None:
    df = gpkg_frame()
    df["amtliche_flaeche_m2"] = df["amtliche_flaeche_m2"].astype(str)
    df.loc[6, "amtliche_flaeche_m2"] = "zwölf"
    assert_fails(filled, write(df, tmp_path / "text.geojson", driver="GeoJSON"), "feature 7",
                 "field 'amtliche_flaeche_m2'", "'zwölf' is not a number")


def test_duplicate_key_names_both_features(filled: Connection, tmp_path: Path) -> None:
    df = gpkg_frame()
    df.loc[5, "flstkennz"] = df.loc[1, "flstkennz"]
    assert_fails(filled, write(df, tmp_path / "dup.gpkg"), "features 2 and 6", "field 'flstkennz'",
                 "occurs twice")


def test_missing_and_non_polygonal_geometry(filled: Connection, tmp_path: Path) -> None:
    df = gpkg_frame()
    df.loc[2, "geometry"] = None
    assert_fails(filled, write(df, tmp_path / "nogeom.gpkg"), "feature 3", "field 'geometry'", "missing")
    df = gpkg_frame()
    df.loc[4, "geometry"] = df.geometry[4].boundary
    assert_fails(filled, write(df, tmp_path / "line.gpkg", geometry_type="Unknown"), "feature 5",
                 "field 'geometry'", "not polygonal")


def test_broken_and_truncated_files(filled: Connection, tmp_path: Path) -> None:
    truncated = tmp_path / "truncated.gml"
    truncated.write_bytes(GML.read_bytes()[:40_000])
    assert_fails(filled, truncated, "not well-formed XML")
    cut = tmp_path / "cut.gpkg"
    cut.write_bytes(GPKG.read_bytes()[:50_000])
    assert_fails(filled, cut, "cannot be read")
    garbage = tmp_path / "garbage.fgb"
    garbage.write_bytes(b"this is no FlatGeobuf" * 100)
    assert_fails(filled, garbage, "cannot be read")
    assert_fails(filled, tmp_path / "absent.gpkg", "file not found")
    assert_fails(filled, GPKG, "has no layer 'nope'", layer="nope")
    not_zip = tmp_path / "shape.zip"
    not_zip.write_bytes(b"PK but not really")
    assert_fails(filled, not_zip, "not a readable zip")


def test_unknown_municipality_given(filled: Connection) -> None:
    assert_fails(filled, GPKG, "16099999 is not in core.municipalities", municipality="16099999")


def test_interrupted_import_leaves_nothing(filled: Connection) -> None:
    before = snapshot(filled)

    def interrupt(done: int, total: int | None) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        import_parcels(filled, GPKG, municipality=ERFURT, batch_size=5, progress=interrupt)
    assert snapshot(filled) == before


# --- geometry repair ------------------------------------------------------------------------------

def test_bow_tie_is_repaired_and_reported(db: Connection, tmp_path: Path) -> None:
    df = gpkg_frame()
    x, y = 645100.0, 5647000.0
    df.loc[0, "geometry"] = Polygon([(x, y), (x + 20, y + 20), (x + 20, y), (x, y + 20), (x, y)])
    path = write(df, tmp_path / "bowtie.gpkg", geometry_type="Unknown")
    report = import_parcels(db, path, municipality=ERFURT)
    assert report.inserted == 10 and len(report.repaired) == 1
    repaired = report.repaired[0]
    assert repaired["flurstueckskennzeichen"] == df.flstkennz[0] and repaired["row"] == 1
    assert repaired["reason"].startswith("Self-intersection")
    valid, parts, area = db.execute(text(
        "SELECT ST_IsValid(geom), ST_NumGeometries(geom), area_m2 FROM core.current_parcels "
        "WHERE flurstueckskennzeichen = :k"), {"k": df.flstkennz[0]}).one()
    assert valid and parts == 2 and area == pytest.approx(200)
    stored = db.execute(text("SELECT repairs FROM core.import_runs WHERE id = :id"),
                        {"id": report.run_id}).scalar()
    assert stored == report.repaired


# --- ALKIS NAS through Debian's ogr2ogr -----------------------------------------------------------

def _pos(ring: object) -> str:
    return " ".join(f"{x:.3f} {y:.3f}" for x, y in shapely.get_coordinates(ring))


def nas_document(df: gpd.GeoDataFrame) -> str:
    """A minimal NAS (GeoInfoDok 6.0) Bestandsdatenauszug with AX_Flurstueck objects in ETRS89/UTM32."""
    members = []
    for _, parcel in df.iterrows():
        polygons = []
        for polygon in shapely.get_parts(parcel.geometry):
            ring = "<gml:{0}><gml:LinearRing><gml:posList>{1}</gml:posList></gml:LinearRing></gml:{0}>"
            rings = ring.format("exterior", _pos(polygon.exterior))
            rings += "".join(ring.format("interior", _pos(r)) for r in polygon.interiors)
            polygons.append(f"<gml:surfaceMember><gml:Polygon>{rings}</gml:Polygon></gml:surfaceMember>")
        members.append(f"""
      <wfs:member><AX_Flurstueck gml:id="{parcel.idflurst}">
        <gml:identifier codeSpace="http://www.adv-online.de/">urn:adv:oid:{parcel.idflurst}</gml:identifier>
        <lebenszeitintervall><AA_Lebenszeitintervall><beginnt>{parcel.aktualit}T08:00:00Z</beginnt>
        </AA_Lebenszeitintervall></lebenszeitintervall>
        <modellart><AA_Modellart><advStandardModell>DLKM</advStandardModell></AA_Modellart></modellart>
        <position><gml:MultiSurface srsName="urn:adv:crs:ETRS89_UTM32">{''.join(polygons)}
        </gml:MultiSurface></position>
        <flurstueckskennzeichen>{parcel.flstkennz}</flurstueckskennzeichen>
        <amtlicheFlaeche uom="m2">{parcel.amtliche_flaeche_m2}</amtlicheFlaeche>
        <gemeindezugehoerigkeit><AX_Gemeindekennzeichen><land>16</land><regierungsbezirk>0</regierungsbezirk>
          <kreis>51</kreis><gemeinde>000</gemeinde></AX_Gemeindekennzeichen></gemeindezugehoerigkeit>
      </AX_Flurstueck></wfs:member>""")
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<AX_Bestandsdatenauszug xmlns="http://www.adv-online.de/namespaces/adv/gid/6.0"
    xmlns:gml="http://www.opengis.net/gml/3.2" xmlns:wfs="http://www.opengis.net/wfs/2.0"
    xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xsi:schemaLocation="http://www.adv-online.de/namespaces/adv/gid/6.0 NAS-Operationen.xsd">
  <enthaelt><wfs:FeatureCollection>{''.join(members)}
  </wfs:FeatureCollection></enthaelt>
</AX_Bestandsdatenauszug>
"""


needs_ogr2ogr = pytest.mark.skipif(not reading.OGR2OGR.is_file(),
                                   reason="Debian's ogr2ogr (gdal-bin) missing")


@needs_ogr2ogr
def test_nas_file_is_converted_and_imported(db: Connection, tmp_path: Path) -> None:
    df = gpkg_frame()
    path = tmp_path / "bestandsdatenauszug.xml"
    path.write_text(nas_document(df), encoding="utf-8")
    report = import_parcels(db, path, municipality=None)
    assert report.inserted == 10
    rows = current(db)
    assert set(rows) == KEYS and sum(v[0] for v in rows.values()) == 37297
    assert {v[2] for v in rows.values()} == {ERFURT}  # from land, regierungsbezirk, kreis, gemeinde
    assert abs(sum(v[1] for v in rows.values()) - 37311) / 37311 < 0.002
    hole, alkis_id = db.execute(text(
        "SELECT ST_NumInteriorRings(ST_GeometryN(geom, 1)), alkis_id FROM core.current_parcels "
        "WHERE flurstueckskennzeichen = '16011500200872______'")).one()
    assert hole >= 1 and alkis_id == "DETHL51P00005SiC"
    assert not list(tmp_path.glob("*.gfs"))  # ogr2ogr's schema file stays in the temporary folder


@needs_ogr2ogr
def test_broken_nas_file(filled: Connection, tmp_path: Path) -> None:
    text_ = nas_document(gpkg_frame())
    truncated = tmp_path / "truncated.xml"
    truncated.write_text(text_[: len(text_) // 2], encoding="utf-8")
    assert_fails(filled, truncated, "not well-formed XML")
    no_parcels = tmp_path / "empty.xml"
    no_parcels.write_text(text_.replace("AX_Flurstueck", "AX_Gebaeude"), encoding="utf-8")
    assert_fails(filled, no_parcels, "no layer 'AX_Flurstueck'", "field 'layer'")


def test_nas_without_ogr2ogr_names_the_package(filled: Connection, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "nas.xml"
    path.write_text(nas_document(gpkg_frame().iloc[:1]), encoding="utf-8")
    monkeypatch.setattr(reading, "OGR2OGR", tmp_path / "no-ogr2ogr")
    assert_fails(filled, path, "gdal-bin")


# --- pieces ---------------------------------------------------------------------------------------

def test_dominant_use() -> None:
    assert dominant_use("Wohnbauflaeche; 7584|Wohnbauflaeche; 2856|Strassenverkehr; 1626") == "Wohnbauflaeche"
    assert dominant_use("Strassenverkehr; 7028|Bahnverkehr; 3555") == "Strassenverkehr"
    assert dominant_use("Wald") == "Wald"
    assert dominant_use(None) is None and dominant_use("") is None


def test_report_type() -> None:
    assert list(ImportReport.__dataclass_fields__) == [
        "run_id", "file", "read", "inserted", "changed", "unchanged", "retired", "repaired", "indexes_built"]
