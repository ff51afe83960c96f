"""The ways a batch of a parcel import takes (``flaechenpool.importing.parcel_sql``): straight into
core.parcels when the municipality has no parcels yet, or staged and merged; the fall-backs when a
row is refused; the separate reading process; and the binary COPY encoding they share."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import shapely
from psycopg.types.numeric import dump_decimal_to_numeric_binary
from sqlalchemy import Connection, Engine, event, text

from flaechenpool.importing import copy_binary, feeder
from flaechenpool.importing.parcels import import_parcels
from tests.test_import_parcels import (  # noqa: F401 - that module's fixtures
    ERFURT,
    GPKG,
    INDEXES,
    KEYS,
    TRIGGERS,
    assert_fails,
    counts,
    db,
    gpkg_frame,
    import_engine,
    snapshot,
    write,
)

WEIMAR = "16055000"


def stored(conn: Connection) -> dict[str, tuple]:
    rows = conn.execute(text("SELECT flurstueckskennzeichen, municipality_ags, official_area_m2, "
                             "GeometryType(geom), ST_AsBinary(geom) FROM core.current_parcels"))
    return {r[0]: (r[1], r[2], r[3], shapely.from_wkb(bytes(r[4]))) for r in rows}


def test_first_import_goes_in_as_read(db: Connection) -> None:
    report = import_parcels(db, GPKG, municipality=ERFURT)
    assert counts(report) == (10, 10, 0, 0, 0)
    rows = stored(db)
    frame = gpkg_frame()
    for key, geometry in zip(frame.flstkennz, frame.geometry, strict=True):
        municipality, _, kind, geom = rows[key]
        assert municipality == ERFURT and kind == "MULTIPOLYGON"
        assert shapely.equals_exact(geom, shapely.multipolygons(shapely.get_parts(geometry)), tolerance=0)


def test_polygons_are_stored_as_multipolygons(db: Connection, tmp_path: Path) -> None:
    frame = gpkg_frame()
    frame["geometry"] = [shapely.get_parts(g)[0] for g in frame.geometry]  # single polygons
    path = write(frame, tmp_path / "polygons.gpkg", geometry_type="Polygon")
    assert import_parcels(db, path, municipality=ERFURT).inserted == 10
    for key, polygon in zip(frame.flstkennz, frame.geometry, strict=True):
        _, _, kind, geom = stored(db)[key]
        assert kind == "MULTIPOLYGON" and shapely.equals_exact(geom, shapely.multipolygons([polygon]), tolerance=0)
    # the same file again changes nothing: equal byte for byte as stored
    assert counts(import_parcels(db, path, municipality=ERFURT)) == (10, 0, 0, 10, 0)


def test_a_geometry_outside_thuringia_is_named_on_the_direct_way(db: Connection, tmp_path: Path) -> None:
    frame = gpkg_frame()
    frame.loc[6, "geometry"] = shapely.affinity.translate(frame.geometry[6], xoff=-400_000)
    assert_fails(db, write(frame, tmp_path / "far.gpkg"), "feature 7", "field 'geometry'",
                 "lies outside Thuringia")


def test_a_duplicate_key_is_named_on_the_direct_way(db: Connection, tmp_path: Path) -> None:
    frame = gpkg_frame()
    frame.loc[5, "flstkennz"] = frame.loc[1, "flstkennz"]
    assert_fails(db, write(frame, tmp_path / "dup.gpkg"), "features 2 and 6", "occurs twice")
    # across batches too (the first copy is stored already when the second arrives)
    before = snapshot(db)
    with pytest.raises(Exception, match="features 2 and 6"):
        import_parcels(db, write(frame, tmp_path / "dup2.gpkg"), municipality=ERFURT, batch_size=3)
    assert snapshot(db) == before


def test_parcels_current_in_another_municipality_move(db: Connection) -> None:
    db.execute(text("INSERT INTO core.municipalities (ags, name, geom, provenance, source) VALUES (:a, 'Weimar', "
                    "ST_Multi(ST_MakeEnvelope(630000, 5640000, 660000, 5665000, 25832)), 'official', 'test')"),
               {"a": WEIMAR})
    assert import_parcels(db, GPKG, municipality=ERFURT).inserted == 10
    report = import_parcels(db, GPKG, municipality=WEIMAR)  # the direct way meets current keys: matching
    assert counts(report) == (10, 0, 10, 0, 0)
    assert {v[0] for v in stored(db).values()} == {WEIMAR} and set(stored(db)) == KEYS
    history = db.execute(text("SELECT count(*) FROM core.parcels WHERE municipality_ags = :e AND valid_to IS NOT NULL"),
                         {"e": ERFURT}).scalar()
    assert history == 10


# --- initial load (core.parcels empty): indexes built after the load ----------------------------------

def test_an_initial_load_builds_the_indexes_after_loading(db: Connection) -> None:
    definitions, triggers = db.execute(text(INDEXES)).scalar(), db.execute(text(TRIGGERS)).scalar()
    secondary = db.execute(text("SELECT count(*) FROM pg_index i WHERE i.indrelid = 'core.parcels'::regclass "
                                "AND NOT i.indisprimary")).scalar()
    seen: list[tuple] = []

    def look(done: int, total: int | None) -> None:  # while loading: the table is ours alone, triggers off
        seen.append(tuple(db.execute(text(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE relation = 'core.parcels'::regclass "
            "AND mode = 'AccessExclusiveLock' AND pid = pg_backend_pid() AND granted), "
            "(SELECT count(*) FROM pg_index WHERE indrelid = 'core.parcels'::regclass), "
            "(SELECT string_agg(DISTINCT tgenabled::text, '') FROM pg_trigger "
            "WHERE tgrelid = 'core.parcels'::regclass AND tgname IN ('parcel_references', 'audit_log')), "
            "(SELECT count(*) FROM pg_temp.fp_parcel_keys)")).one()))

    sent: list[str] = []
    event.listen(db, "before_cursor_execute", lambda _c, _cur, statement, *_: sent.append(statement))
    report = import_parcels(db, GPKG, municipality=ERFURT, batch_size=4, progress=look)
    assert counts(report) == (10, 10, 0, 0, 0) and report.indexes_built == secondary == 5
    # the extent came from the new GiST index, the rows were not read for it
    assert any("_postgis_index_extent" in q for q in sent) and not any("NOT p.geom @" in q for q in sent)
    assert seen == [(True, 1, "D", 0)] * 3  # locked, the primary key only, row triggers off, no keys copied
    assert db.execute(text(INDEXES)).scalar() == definitions and db.execute(text(TRIGGERS)).scalar() == triggers
    # the (municipality, run) pair the statement trigger would have recorded
    assert db.execute(text("SELECT count(*) FROM core.parcel_references WHERE municipality_ags = :m "
                           "AND import_run_id = :r"), {"m": ERFURT, "r": report.run_id}).scalar() == 1
    assert db.execute(text("SELECT bool_and(indisvalid AND indisready) FROM pg_index "
                           "WHERE indrelid = 'core.parcels'::regclass")).scalar()
    # the table holds parcels now: the next import keeps its indexes online
    assert counts(import_parcels(db, GPKG, municipality=ERFURT)) == (10, 0, 0, 10, 0)
    assert import_parcels(db, GPKG, municipality=ERFURT).indexes_built == 0


def test_an_initial_load_builds_the_indexes_before_a_batch_goes_another_way(db: Connection, tmp_path: Path) -> None:
    frame = gpkg_frame()
    box = frame.geometry[7].bounds
    frame.loc[7, "geometry"] = shapely.MultiPolygon([shapely.Polygon(  # a bow tie: repaired on the careful way
        [(box[0], box[1]), (box[2], box[3]), (box[2], box[1]), (box[0], box[3]), (box[0], box[1])])])
    definitions = db.execute(text(INDEXES)).scalar()
    report = import_parcels(db, write(frame, tmp_path / "bowtie.gpkg"), municipality=ERFURT, batch_size=3)
    assert counts(report) == (10, 10, 0, 0, 0) and report.indexes_built == 5
    assert [r["row"] for r in report.repaired] == [8]
    assert db.execute(text(INDEXES)).scalar() == definitions
    assert set(stored(db)) == KEYS


def test_an_initial_load_ended_early_still_names_a_key_twice_across_the_ways(db: Connection, tmp_path: Path) -> None:
    """Features 1–6 go in by the initial load (their keys recorded only when asked for), feature 8's bow
    tie ends it, feature 10 repeats feature 2's key on the careful way: the features are named."""
    frame = gpkg_frame()
    box = frame.geometry[7].bounds
    frame.loc[7, "geometry"] = shapely.MultiPolygon([shapely.Polygon(
        [(box[0], box[1]), (box[2], box[3]), (box[2], box[1]), (box[0], box[3]), (box[0], box[1])])])
    frame.loc[9, "flstkennz"] = frame.loc[1, "flstkennz"]
    assert_fails(db, write(frame, tmp_path / "late-dup.gpkg"), "features 2 and 10", "occurs twice", batch_size=3)


def test_an_initial_load_does_not_queue_readers_behind_its_lock(db: Connection, import_engine: Engine) -> None:
    with import_engine.connect() as reader:  # another session reads parcels while the import starts
        reader.execute(text("SELECT count(*) FROM core.parcels")).scalar()
        report = import_parcels(db, GPKG, municipality=ERFURT)
        assert report.inserted == 10 and report.indexes_built == 0  # no lock to wait for: indexes online
        reader.rollback()
    assert db.execute(text("SELECT count(*) FROM core.current_parcels")).scalar() == 10


def test_an_import_not_by_the_tables_owner_keeps_the_indexes_online(db: Connection) -> None:
    db.execute(text("CREATE ROLE fp_test_importer"))
    db.execute(text("GRANT flaechenpool_land_manager, flaechenpool_admin TO fp_test_importer"))
    db.execute(text("GRANT INSERT ON audit.log TO fp_test_importer"))
    db.execute(text("SET LOCAL ROLE fp_test_importer"))
    report = import_parcels(db, GPKG, municipality=ERFURT)
    assert report.inserted == 10 and report.indexes_built == 0
    assert not db.execute(text(
        "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE relation = 'core.parcels'::regclass "
        "AND mode = 'AccessExclusiveLock' AND pid = pg_backend_pid())")).scalar()


@pytest.fixture
def reading_process(monkeypatch: pytest.MonkeyPatch) -> list[feeder.Feeder]:
    """Every file is read in a separate process; the feeders used are recorded."""
    monkeypatch.setattr(feeder, "SEPARATE_PROCESS_MIN_FEATURES", 1)
    used: list[feeder.Feeder] = []
    enter = feeder.Feeder.__enter__

    def recording_enter(self: feeder.Feeder) -> feeder.Feeder:
        used.append(self)
        return enter(self)

    monkeypatch.setattr(feeder.Feeder, "__enter__", recording_enter)
    return used


def test_the_reading_process_gives_the_same_parcels(db: Connection, reading_process: list) -> None:
    report = import_parcels(db, GPKG, municipality=ERFURT, batch_size=4)
    assert reading_process and reading_process[0].separate
    assert counts(report) == (10, 10, 0, 0, 0)
    assert sum(v[1] for v in stored(db).values()) == 37297
    assert counts(import_parcels(db, GPKG, municipality=ERFURT, batch_size=4)) == (10, 0, 0, 10, 0)


def test_errors_and_interruptions_cross_from_the_reading_process(db: Connection, tmp_path: Path,
                                                                  reading_process: list) -> None:
    frame = gpkg_frame()
    frame.loc[8, "flstkennz"] = "1601150020042500"
    assert_fails(db, write(frame, tmp_path / "bad.gpkg"), "feature 9", "field 'flstkennz'",
                 "not a 20-character Flurstückskennzeichen")
    before = snapshot(db)

    def interrupt(done: int, total: int | None) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        import_parcels(db, GPKG, municipality=ERFURT, batch_size=3, progress=interrupt)
    assert snapshot(db) == before
    assert all(f._process is None for f in reading_process)  # stopped and waited for
    # the thread that fetched the batches from the pipe has ended too
    assert all(f._fetcher is None or not f._fetcher.is_alive() for f in reading_process)
    assert any(f._fetcher is not None for f in reading_process)


# --- binary COPY encoding ---------------------------------------------------------------------------

def test_numeric_encoding_matches_psycopg() -> None:
    rng = random.Random(4)
    values = ["0", "1", "0.01", "0.005", "12.5", "1000.10", "99999999999.99", "1E+3", "-3.5", "5E-7"]
    values += [f"{rng.random() * 10 ** rng.randint(-3, 12):.15g}" for _ in range(2000)]
    for value in values:
        assert copy_binary.numeric(Decimal(value))[4:] == bytes(dump_decimal_to_numeric_binary(Decimal(value))), value


def test_encoded_rows_arrive_as_sent(db: Connection) -> None:
    db.execute(text("CREATE TEMP TABLE enc (t text, n numeric(14, 2), ts timestamptz, b bytea, i int8) ON COMMIT DROP"))
    moments = [datetime(2024, 1, 5, tzinfo=UTC), datetime(1999, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC),
               datetime(2030, 6, 1, 12, tzinfo=UTC) + timedelta(microseconds=7), None]
    rows = [("Wohnbaufläche; 600", Decimal("2.675"), moments[0], b"\x00\x01", 1),
            (None, Decimal("1234.565"), moments[1], None, -2),
            ("", Decimal("0.005"), moments[2], b"", None),
            ("16011500200872______", Decimal("37297"), moments[3], b"abc", 2**40)]
    columns = [[copy_binary.text(r[0]) for r in rows], [copy_binary.numeric(r[1]) for r in rows],
               [copy_binary.timestamptz(r[2]) for r in rows], [copy_binary.binary(r[3]) for r in rows],
               [copy_binary.int8(r[4]) for r in rows]]
    raw = db.connection.driver_connection
    with raw.cursor() as cur, cur.copy("COPY enc FROM STDIN (FORMAT BINARY)") as copy:
        copy.write(copy_binary.block(columns))
    got = db.execute(text("SELECT t, n, ts, b, i FROM enc")).all()
    expected_numbers = db.execute(text("SELECT CAST(x AS numeric(14, 2)) FROM unnest(CAST(:v AS numeric[])) x"),
                                  {"v": [r[1] for r in rows]}).scalars().all()
    assert [r[0] for r in got] == [r[0] for r in rows]
    assert [r[1] for r in got] == expected_numbers == [Decimal("2.68"), Decimal("1234.57"), Decimal("0.01"),
                                                        Decimal("37297.00")]
    assert [r[2] for r in got] == moments
    assert [None if r[3] is None else bytes(r[3]) for r in got] == [r[3] for r in rows]
    assert [r[4] for r in got] == [r[4] for r in rows]


def test_a_geopackage_is_read_by_fid_ranges_with_gaps(tmp_path: Path) -> None:
    """Batches of a GeoPackage follow its FIDs (``fid > last``), also across gaps left by deleted
    rows: every feature once, in file order, numbered by position as GDAL's own reading does."""
    import sqlite3

    import pyogrio

    from flaechenpool.importing.reading import open_vector

    path = write(gpkg_frame(), tmp_path / "gaps.gpkg")
    with sqlite3.connect(path) as db_file:
        table = db_file.execute("SELECT table_name FROM gpkg_contents WHERE data_type = 'features'").fetchone()[0]
        for (trigger,) in db_file.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
            db_file.execute(f'DROP TRIGGER "{trigger}"')  # the R-tree's need SpatiaLite functions
        db_file.execute(f'DELETE FROM "{table}" WHERE fid IN (2, 5, 6)')  # gaps, one of two rows
        db_file.execute(f'UPDATE "{table}" SET fid = 100 WHERE fid = 10')
        db_file.execute("UPDATE gpkg_ogr_contents SET feature_count = NULL")  # GDAL counts anew
    expected = pyogrio.read_dataframe(path).flstkennz.tolist()
    assert len(expected) == 7
    with open_vector(path) as vf:
        assert vf.fid_column == "fid"
        batches = list(vf.batches(3))
    assert [b.first_row for b in batches] == [1, 4, 7]
    assert [k for b in batches for k in b.columns["flstkennz"].tolist()] == expected
    assert all(shapely.from_wkb(g).is_valid for b in batches for g in b.wkb)


def test_a_reading_process_started_early_stops_quietly_when_preparing_fails(
        db: Connection, reading_process: list, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture) -> None:
    """The reading process starts before the run is prepared; when preparing fails it gets no job and
    ends without a word (no traceback on the terminal)."""
    from flaechenpool.importing import parcels as parcel_import

    def broken(self: object) -> None:
        raise RuntimeError("preparing failed")

    monkeypatch.setattr(parcel_import._Run, "_defer_indexes", broken)
    before = snapshot(db)
    with pytest.raises(RuntimeError, match="preparing failed"):
        import_parcels(db, GPKG, municipality=ERFURT)
    assert reading_process and reading_process[0].separate and reading_process[0]._process is None
    assert "Traceback" not in capfd.readouterr().err
    assert snapshot(db) == before
