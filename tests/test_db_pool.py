"""The connection pool pings a connection only after it was idle for a while (db.PING_AFTER_IDLE_S):
a server that dropped an idle connection is noticed before the connection is used."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from flaechenpool import db
from flaechenpool.settings import Settings


def _drop_pooled_connection(database_url: str) -> object:
    engine = db.create_engine_for(database_url, Settings())
    with engine.connect() as conn:
        pid = conn.execute(text("SELECT pg_backend_pid()")).scalar()
    killer = db.create_engine_for(database_url, Settings())
    with killer.connect() as other:
        assert other.execute(text("SELECT pg_terminate_backend(:p, 5000)"), {"p": pid}).scalar()
    killer.dispose()
    return engine


def test_an_idle_connection_is_pinged_and_replaced(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(db, "PING_AFTER_IDLE_S", 0.0)
    engine = _drop_pooled_connection(database_url)
    try:
        with engine.connect() as conn:  # the pooled connection was idle: pinged, found dead, replaced
            assert conn.execute(text("SELECT 1")).scalar() == 1
    finally:
        engine.dispose()  # type: ignore[attr-defined]


def test_a_connection_in_steady_use_is_not_pinged(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(db, "PING_AFTER_IDLE_S", 3600.0)
    engine = _drop_pooled_connection(database_url)
    try:
        failures = 0
        for _ in range(3):  # the dropped connection fails its one use, the pool then replaces it
            try:
                with engine.connect() as conn:
                    conn.execute(text("SELECT 1"))
            except OperationalError:
                failures += 1
        assert failures == 1
    finally:
        engine.dispose()  # type: ignore[attr-defined]
