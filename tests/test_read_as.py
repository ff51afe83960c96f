"""db.read_as: the caller's context and one read statement in one round trip (psycopg pipeline)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from psycopg.pq import TransactionStatus
from sqlalchemy import Connection, Engine, event, text
from sqlalchemy.exc import DBAPIError

from flaechenpool.db import read_as, reads_as

WHO = "SELECT current_user, current_setting('flaechenpool.actor', true), current_setting('plan_cache_mode')"


@pytest.fixture
def reading(engine: Engine) -> Iterator[Connection]:
    """A connection as ``deps.get_connection_opener`` hands out: autocommit, no transaction of its own."""
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT")
        yield conn


def _recorded(conn: Connection) -> list[str]:
    statements: list[str] = []
    event.listen(conn, "before_cursor_execute", lambda _c, _cur, sql, *_: statements.append(sql))
    return statements


def test_on_an_autocommit_connection_the_read_is_one_transaction_under_the_callers_role(reading: Connection) -> None:
    service_user = reading.execute(text("SELECT current_user")).scalar_one()
    statements = _recorded(reading)
    row = read_as(reading, WHO + ", CAST(:n AS integer) * 2", {"n": 21}, actor="planer1", role="planner",
                  plans="force_custom_plan")
    assert row == ("flaechenpool_planner", "planer1", "force_custom_plan", 42)
    assert statements[0] == "BEGIN" and statements[-1] == "COMMIT" and "set_config" in statements[1]
    # the role, the actor and the plan mode ended with that transaction
    assert reading.execute(text(WHO)).one() == (service_user, "", "auto")


def test_the_role_decides_what_is_read(reading: Connection) -> None:
    with pytest.raises(DBAPIError) as caught:
        read_as(reading, "SELECT count(*) FROM auth.users", {}, actor="anonymous", role="public")
    assert "permission denied" in str(caught.value.orig)
    # after the error the connection is out of the failed transaction and usable again
    assert reading.connection.driver_connection.pgconn.transaction_status == TransactionStatus.IDLE
    assert read_as(reading, "SELECT 1", {}, actor="admin", role="admin") == (1,)


def test_in_a_transaction_the_context_stays_for_the_rest_of_it(conn: Connection) -> None:
    statements = _recorded(conn)
    assert read_as(conn, "SELECT current_user", {}, actor="lm", role="land_manager") == ("flaechenpool_land_manager",)
    assert "BEGIN" not in statements and "COMMIT" not in statements
    assert conn.execute(text("SELECT current_user")).scalar_one() == "flaechenpool_land_manager"


def test_text_as_buffer_gives_the_utf8_bytes_and_they_outlive_the_read(reading: Connection) -> None:
    row = read_as(reading, "SELECT repeat(CAST(:s AS text), 5000), CAST(:n AS integer)", {"s": "Wohnbaufläche,", "n": 7},
                  actor="anonymous", role="public", text_as_buffer=True)
    assert row is not None and row[1] == 7
    buffer = row[0]
    assert isinstance(buffer, bytes | memoryview)      # not decoded into a str
    # the connection goes on (and reads other results); the buffer still holds this result's text
    for _ in range(3):
        read_as(reading, "SELECT repeat('x', 100000)", {}, actor="anonymous", role="public", text_as_buffer=True)
    assert bytes(buffer) == ("Wohnbaufläche," * 5000).encode()


def test_several_reads_share_one_pipeline_transaction_and_snapshot(reading: Connection) -> None:
    statements = _recorded(reading)
    first, second = reads_as(reading, [("SELECT txid_current(), current_user", {}),
                                        ("SELECT txid_current(), CAST(:n AS integer) + 1", {"n": 1})],
                             actor="planer1", role="planner")
    assert first[1] == "flaechenpool_planner" and second[1] == 2
    assert first[0] == second[0]  # one transaction for both
    assert statements[0] == "BEGIN" and statements[-1] == "COMMIT" and len(statements) == 5
    with pytest.raises(DBAPIError):  # the second read fails: the error is raised, the transaction ended
        reads_as(reading, [("SELECT 1", {}), ("SELECT count(*) FROM auth.users", {})], actor="a", role="public")
    assert reading.connection.driver_connection.pgconn.transaction_status == TransactionStatus.IDLE


def test_generic_plans_are_prepared_at_once_and_end_with_the_transaction(reading: Connection) -> None:
    row = read_as(reading, WHO + ", CAST(:n AS integer)", {"n": 3}, actor="tiles", role="public",
                  plans="force_generic_plan")
    assert row == ("flaechenpool_public", "tiles", "force_generic_plan", 3)
    prepared = reading.execute(text("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%CAST($1 AS integer)%'"))
    assert prepared.scalar_one() == 1  # prepared on first use, not after psycopg's fifth execution
    assert reading.execute(text("SELECT current_setting('plan_cache_mode')")).scalar_one() == "auto"
