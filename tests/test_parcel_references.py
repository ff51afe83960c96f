"""The references of core.parcels (municipality, import run), kept once per pair in
core.parcel_references (migration 0006) instead of row-level foreign keys: the schema rejects what
the foreign keys rejected — inserts, updates and COPY with unknown keys, and deleting or re-keying
a municipality or import run that parcels refer to."""

from __future__ import annotations

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from flaechenpool.db import translate_db_error
from flaechenpool.errors import Conflict, UnprocessableError
from tests.test_schema import SQUARE, insert_parcel, sqlstate

JENA = "16053000"
NEW_AGS = "16099001"


def new_municipality(conn: Connection, ags: str = NEW_AGS) -> None:
    conn.execute(text(
        "INSERT INTO core.municipalities (ags, name, geom, source) VALUES "
        "(:a, 'Neustadt (fiktiv)', ST_Multi(ST_MakeEnvelope(680000, 5645000, 681000, 5646000, 25832)), 'test')"),
        {"a": ags})


def new_run(conn: Connection) -> int:
    return int(conn.execute(text("INSERT INTO core.import_runs (kind, file_name, actor) "
                                 "VALUES ('parcels', 'test.gpkg', 'test') RETURNING id")).scalar_one())


def insert(conn: Connection, key: str, ags: str, run: int | None = None) -> None:
    conn.execute(text(
        "INSERT INTO core.parcels (flurstueckskennzeichen, municipality_ags, official_area_m2, geom, import_run_id, "
        "provenance, source) VALUES (:k, :a, 2000, ST_GeomFromText(:w, 25832), :r, 'user', 'test')"),
        {"k": key, "a": ags, "w": SQUARE, "r": run})


def refused(conn: Connection, sql: str, params: dict | None = None) -> str:
    with pytest.raises(DBAPIError) as exc, conn.begin_nested():
        conn.execute(text(sql), params or {})
    return sqlstate(exc)


def test_unknown_municipality_or_run_is_rejected(conn: Connection) -> None:
    with pytest.raises(DBAPIError) as exc, conn.begin_nested():
        insert(conn, "160304001009900000__", "16099999")
    assert sqlstate(exc) == "23503"
    assert isinstance(translate_db_error(exc.value), UnprocessableError)
    with pytest.raises(DBAPIError) as exc, conn.begin_nested():
        insert(conn, "160304001009900000__", JENA, run=987_654_321)
    assert sqlstate(exc) == "23503"
    # a statement of many rows is rejected whole when one of them refers to nothing
    run = new_run(conn)
    assert refused(conn, "INSERT INTO core.parcels (flurstueckskennzeichen, municipality_ags, official_area_m2, "
                         "geom, import_run_id, provenance, source) SELECT k, a, 2000, ST_GeomFromText(:w, 25832), "
                         ":r, 'user', 'test' FROM (VALUES ('160304001009910000__', :j), "
                         "('160304001009920000__', '16099999')) v(k, a)",
                   {"w": SQUARE, "r": run, "j": JENA}) == "23503"
    assert conn.execute(text("SELECT count(*) FROM core.parcels WHERE import_run_id = :r"), {"r": run}).scalar() == 0


def test_copy_with_an_unknown_municipality_is_rejected(conn: Connection) -> None:
    raw = conn.connection.driver_connection
    with pytest.raises(Exception) as exc, conn.begin_nested(), raw.cursor() as cur, cur.copy(
            "COPY core.parcels (flurstueckskennzeichen, municipality_ags, official_area_m2, geom, provenance, source) "
            "FROM STDIN") as copy:
        copy.write_row(("160304001009930000__", "16099999", 2000, f"SRID=25832;{SQUARE}", "user", "test"))
    assert getattr(exc.value, "sqlstate", None) == "23503"


def test_an_update_to_an_unknown_municipality_is_rejected_a_known_one_recorded(conn: Connection) -> None:
    parcel = insert_parcel(conn, "160304001009940000__")
    assert refused(conn, "UPDATE core.parcels SET municipality_ags = '16099999' WHERE id = :i", {"i": parcel}) == "23503"
    new_municipality(conn)
    conn.execute(text("UPDATE core.parcels SET municipality_ags = :a WHERE id = :i"), {"a": NEW_AGS, "i": parcel})
    pairs = conn.execute(text("SELECT count(*) FROM core.parcel_references WHERE municipality_ags = :a"),
                         {"a": NEW_AGS}).scalar()
    assert pairs == 1


def test_referenced_municipality_and_run_cannot_be_deleted_or_rekeyed(conn: Connection) -> None:
    new_municipality(conn)
    run = new_run(conn)
    insert(conn, "160304001009950000__", NEW_AGS, run)
    assert refused(conn, "DELETE FROM core.municipalities WHERE ags = :a", {"a": NEW_AGS}) == "23503"
    assert refused(conn, "UPDATE core.municipalities SET ags = '16099002' WHERE ags = :a", {"a": NEW_AGS}) == "23503"
    assert refused(conn, "DELETE FROM core.import_runs WHERE id = :r", {"r": run}) == "23503"
    assert refused(conn, "TRUNCATE core.import_runs CASCADE") == "FPD01"
    # an unreferenced municipality and run can go, as before
    new_municipality(conn, "16099003")
    other = new_run(conn)
    conn.execute(text("DELETE FROM core.municipalities WHERE ags = '16099003'"))
    conn.execute(text("DELETE FROM core.import_runs WHERE id = :r"), {"r": other})


def test_recorded_references_are_never_changed_or_removed(conn: Connection) -> None:
    insert_parcel(conn, "160304001009960000__")
    for sql in ("DELETE FROM core.parcel_references WHERE municipality_ags = :j",
                "UPDATE core.parcel_references SET import_run_id = NULL WHERE municipality_ags = :j",
                "TRUNCATE core.parcel_references"):
        with pytest.raises(DBAPIError) as exc, conn.begin_nested():
            conn.execute(text(sql), {"j": JENA})
        assert sqlstate(exc) == "FPD01"
        assert isinstance(translate_db_error(exc.value), Conflict)
