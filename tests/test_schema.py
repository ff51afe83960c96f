"""The schema's own guarantees, checked directly in PostGIS: geometry constraints, key parts,
history, the mobilisation workflow, the land pool, personal data grants and the audit log."""

from __future__ import annotations

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from flaechenpool.db import acting, translate_db_error
from flaechenpool.errors import Conflict, PermissionDenied, UnprocessableError

SQUARE = "MULTIPOLYGON(((680000 5645000, 680050 5645000, 680050 5645040, 680000 5645040, 680000 5645000)))"
BOWTIE = "MULTIPOLYGON(((680000 5645000, 680050 5645040, 680050 5645000, 680000 5645040, 680000 5645000)))"
JENA = "16053000"


def insert_parcel(conn: Connection, key: str, wkt: str = SQUARE, srid: int = 25832) -> int:
    return conn.execute(text(
        "INSERT INTO core.parcels (flurstueckskennzeichen, municipality_ags, official_area_m2, geom, provenance, source) "
        "VALUES (:k, :a, 2000, ST_GeomFromText(:w, :s), 'user', 'test') RETURNING id"),
        {"k": key, "a": JENA, "w": wkt, "s": srid}).scalar_one()


def sqlstate(exc: pytest.ExceptionInfo[DBAPIError]) -> str:
    return getattr(exc.value.orig, "sqlstate", "")


def test_parcel_key_parts_are_generated_from_the_key(conn: Connection) -> None:
    insert_parcel(conn, "160304001004250001__")
    row = conn.execute(text(
        "SELECT land, gemarkung_key, gemarkung_number, flur, numerator, denominator, round(area_m2) AS a "
        "FROM core.parcels WHERE flurstueckskennzeichen = '160304001004250001__'")).mappings().one()
    assert dict(row) == {"land": "16", "gemarkung_key": "160304", "gemarkung_number": "0304", "flur": 1,
                         "numerator": 425, "denominator": 1, "a": 2000}
    insert_parcel(conn, "16030400200872______", SQUARE.replace("680000", "680100").replace("680050", "680150"))
    denominator = conn.execute(text("SELECT denominator FROM core.parcels "
                                    "WHERE flurstueckskennzeichen = '16030400200872______'")).scalar()
    assert denominator is None


@pytest.mark.parametrize("key", ["1603040010042500", "16030400100425000a__", "16030400100425_001__", ""])
def test_malformed_parcel_keys_are_rejected(conn: Connection, key: str) -> None:
    with pytest.raises(DBAPIError) as exc, conn.begin_nested():
        insert_parcel(conn, key)
    # the CHECK on the key, or the generated key parts that cannot be computed from it
    assert sqlstate(exc) in ("23514", "22P02")
    assert translate_db_error(exc.value) is not None


@pytest.mark.parametrize(
    ("wkt", "srid", "state"),
    [
        (BOWTIE, 25832, "23514"),                                   # self-intersecting: CHECK ST_IsValid
        ("POINT(680000 5645000)", 25832, "22023"),                  # wrong type for MultiPolygon column
        (SQUARE, 4326, "22023"),                                    # wrong SRID
        ("MULTIPOLYGON EMPTY", 25832, "23514"),                     # empty
    ],
)
def test_invalid_or_wrong_type_geometries_are_rejected(conn: Connection, wkt: str, srid: int, state: str) -> None:
    with pytest.raises(DBAPIError) as exc, conn.begin_nested():
        insert_parcel(conn, "160304001009990000__", wkt, srid)
    assert sqlstate(exc) == state
    assert translate_db_error(exc.value) is not None


def test_parcels_are_retired_not_deleted_and_keep_history(conn: Connection) -> None:
    first = insert_parcel(conn, "160304001009980000__")
    with pytest.raises(DBAPIError) as exc, conn.begin_nested():
        conn.execute(text("DELETE FROM core.parcels WHERE id = :i"), {"i": first})
    assert sqlstate(exc) == "FPD01"
    assert isinstance(translate_db_error(exc.value), Conflict)
    # a second current row with the same key is impossible, a retired one is fine
    with pytest.raises(DBAPIError) as exc2, conn.begin_nested():
        insert_parcel(conn, "160304001009980000__")
    assert sqlstate(exc2) == "23505"
    conn.execute(text("UPDATE core.parcels SET valid_to = now() WHERE id = :i"), {"i": first})
    insert_parcel(conn, "160304001009980000__")
    history = conn.execute(text("SELECT count(*), count(valid_to) FROM core.parcels "
                                "WHERE flurstueckskennzeichen = '160304001009980000__'")).one()
    assert tuple(history) == (2, 1)
    # all versions of a key through the two indexes (current: unique key index; closed: the history
    # index, which holds closed versions only, migration 0008), as parcels.history asks
    from flaechenpool import parcels

    assert [v["valid_to"] is None for v in parcels.history(conn, "160304001009980000__")] == [False, True]
    conn.execute(text("SET LOCAL enable_seqscan = off"))
    plan = "\n".join(r[0] for r in conn.execute(text(
        "EXPLAIN SELECT id FROM core.parcels WHERE flurstueckskennzeichen = '160304001009980000__' "
        "AND (valid_to IS NULL OR valid_to IS NOT NULL)")))
    assert "parcels_current_key_idx" in plan and "parcels_key_history_idx" in plan, plan
    definition = conn.execute(text("SELECT pg_get_indexdef('core.parcels_key_history_idx'::regclass)")).scalar()
    assert definition.endswith("WHERE (valid_to IS NOT NULL)")


def new_site(conn: Connection, **extra: object) -> int:
    values = {"name": "Teststandort", "kind": "brownfield", **extra}
    cols = ", ".join(values)
    params = ", ".join(f":{k}" for k in values)
    return conn.execute(text(
        f"INSERT INTO core.sites (municipality_ags, {cols}, geom, provenance, source) "
        f"VALUES ('{JENA}', {params}, ST_GeomFromText('{SQUARE}', 25832), 'user', 'test') RETURNING id"),
        values).scalar_one()


def test_site_status_moves_only_along_the_workflow_and_is_recorded(conn: Connection) -> None:
    with acting(conn, actor="anna", role="land_manager", reason="Begehung erfolgt"):
        site = new_site(conn)
        conn.execute(text("UPDATE core.sites SET status = 'assessed' WHERE id = :i"), {"i": site})
    with pytest.raises(DBAPIError) as exc, conn.begin_nested():
        conn.execute(text("UPDATE core.sites SET status = 'sold' WHERE id = :i"), {"i": site})
    assert sqlstate(exc) == "FPW01"
    domain = translate_db_error(exc.value)
    assert isinstance(domain, Conflict) and "assessed → sold" in domain.detail
    history = conn.execute(text("SELECT from_status, to_status, author, reason FROM core.site_status_history "
                                "WHERE site_id = :i ORDER BY id"), {"i": site}).all()
    assert [tuple(h) for h in history] == [(None, "identified", "anna", "Begehung erfolgt"),
                                           ("identified", "assessed", "anna", "Begehung erfolgt")]
    version = conn.execute(text("SELECT version FROM core.sites WHERE id = :i"), {"i": site}).scalar()
    assert version == 2


def test_publication_respects_the_owner_objection(conn: Connection) -> None:
    with pytest.raises(DBAPIError) as exc, conn.begin_nested():
        new_site(conn, published=True, publication_basis="section_200_3", owner_objection_200_3=True)
    assert sqlstate(exc) == "23514"
    assert isinstance(translate_db_error(exc.value), UnprocessableError)
    with pytest.raises(DBAPIError), conn.begin_nested():
        new_site(conn, published=True)  # no basis
    assert new_site(conn, published=True, publication_basis="owner_consent") > 0


def test_pool_holdings_follow_from_transactions_and_unheld_sales_are_refused(conn: Connection) -> None:
    key = "160304001009970000__"
    insert_parcel(conn, key)

    def transaction(kind: str, day: str, direction: str) -> None:
        tid = conn.execute(text(
            "INSERT INTO core.pool_transactions (municipality_ags, kind, contract_date, effective_date, price_eur, "
            "provenance, source) VALUES (:a, :k, :d, :d, 1000, 'user', 'test') RETURNING id"),
            {"a": JENA, "k": kind, "d": day}).scalar_one()
        conn.execute(text("INSERT INTO core.pool_transaction_parcels VALUES (:t, :k, :dir, 2000, 1000)"),
                     {"t": tid, "k": key, "dir": direction})

    with pytest.raises(DBAPIError) as exc, conn.begin_nested():
        transaction("sale", "2020-01-01", "dispose")
    assert sqlstate(exc) == "FPP01"
    transaction("purchase", "2020-05-01", "acquire")
    transaction("sale", "2022-05-01", "dispose")

    def held(day: str) -> bool:
        return bool(conn.execute(text("SELECT count(*) FROM core.pool_held(:a, CAST(:d AS date)) "
                                      "WHERE flurstueckskennzeichen = :k"), {"a": JENA, "d": day, "k": key}).scalar())

    assert [held(d) for d in ("2020-04-30", "2020-05-01", "2022-04-30", "2022-05-01")] == [False, True, True, False]


def test_planner_cannot_read_personal_data_but_sees_owner_categories(conn: Connection) -> None:
    with acting(conn, actor="paul", role="planner"):
        categories = conn.execute(text("SELECT count(*) FROM core.parcel_owner_categories")).scalar()
        assert categories and categories > 1000
        with pytest.raises(DBAPIError) as exc, conn.begin_nested():
            conn.execute(text("SELECT name FROM personal.parties LIMIT 1"))
        assert isinstance(translate_db_error(exc.value), PermissionDenied)


def test_land_manager_reads_owners_only_through_the_logged_function(conn: Connection) -> None:
    key = conn.execute(text("SELECT flurstueckskennzeichen FROM personal.ownership LIMIT 1")).scalar_one()
    with acting(conn, actor="lena", role="land_manager"):
        with pytest.raises(DBAPIError), conn.begin_nested():
            conn.execute(text("SELECT name FROM personal.parties"))
        owners = conn.execute(text("SELECT name FROM personal.read_owners(ARRAY[:k], 'Ankaufsprüfung')"),
                              {"k": key}).scalars().all()
        assert owners and all("(fiktiv)" in n or n.startswith(("Stadt", "Freistaat", "Bundes")) for n in owners)
        with pytest.raises(DBAPIError) as exc, conn.begin_nested():
            conn.execute(text("SELECT * FROM personal.read_owners(ARRAY[:k], '')"), {"k": key})
        assert sqlstate(exc) == "FPA01"
    log = conn.execute(text("SELECT actor, purpose, keys, row_count FROM audit.personal_data_reads "
                            "ORDER BY id DESC LIMIT 1")).one()
    assert (log.actor, log.purpose, log.keys, log.row_count) == ("lena", "Ankaufsprüfung", [key], len(owners))


def test_public_role_sees_no_internal_site_fields(conn: Connection) -> None:
    with acting(conn, actor="anonymous", role="public"):
        assert conn.execute(text("SELECT count(*) FROM core.sites WHERE published")).scalar() > 0
        with pytest.raises(DBAPIError) as exc, conn.begin_nested():
            conn.execute(text("SELECT description FROM core.sites"))
        assert sqlstate(exc) == "42501"
        with pytest.raises(DBAPIError), conn.begin_nested():
            conn.execute(text("SELECT * FROM core.pool_transactions"))


def test_every_change_lands_in_the_audit_log_with_before_and_after(conn: Connection) -> None:
    with acting(conn, actor="anna", role="land_manager", reason="Preis angepasst"):
        site = new_site(conn, asking_price_eur_m2=30)
        conn.execute(text("UPDATE core.sites SET asking_price_eur_m2 = 35 WHERE id = :i"), {"i": site})
    rows = conn.execute(text("SELECT actor, action, before, after, reason FROM audit.log "
                             "WHERE table_name = 'core.sites' AND row_key = :k ORDER BY id"), {"k": str(site)}).all()
    assert [r.action for r in rows] == ["insert", "update"]
    assert {r.actor for r in rows} == {"anna"}
    update = rows[1]
    assert update.before["asking_price_eur_m2"] == 30 and update.after["asking_price_eur_m2"] == 35
    assert update.reason == "Preis angepasst"
    assert update.after["geom"]["type"] == "MultiPolygon"
