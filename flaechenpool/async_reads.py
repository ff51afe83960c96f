"""Read-only statements on the event loop: vector tiles without a worker thread.

``AsyncReader`` keeps a psycopg ``AsyncConnectionPool`` of its own next to SQLAlchemy's pool. Its
connections serve nothing but these reads, so each may keep the database role it was last switched
to: a read sends ``set_config('role', …, false)`` (a session-level ``SET ROLE``) in the same round trip
as its statement only when the connection's role differs from the caller's, and otherwise just the
statement — as an autocommit statement of its own, under the caller's role, so the database decides
what is visible exactly as with ``db.read_as``. A switch that fails with its statement is rolled back
with it (a pipeline is one implicit transaction), and the connection's role is then unknown, so the
next read sets it again. Statements are prepared on first use and planned once per connection
(``plan_cache_mode = force_generic_plan`` for the connection: reads whose plan does not depend on
their parameters, as a tile's does not). Results come in binary: a tile's bytes without PostgreSQL's
hex encoding, half the bytes on the socket. The pool's connections are named ``flaechenpool-reads``
(``application_name``).

When the pool cannot give a connection in time (``PoolTimeout``) or a connection breaks, the reader
rests for ``RESTING_S`` (``usable`` is false): its callers take their other way meanwhile, so during a
database outage only the first request waits for the pool's timeout.

The hand-over to a worker thread and back, SQLAlchemy's checkout and a transaction of its own cost
an uncached z16 tile about 0.4 ms of its ~3 ms (docs/PERFORMANCE.md).
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Mapping
from typing import Any

import psycopg
from psycopg_pool import AsyncConnectionPool, PoolTimeout
from sqlalchemy import Engine

from flaechenpool.db import ROLE_DB_ROLES, driver_sql
from flaechenpool.settings import Settings

_SET_ROLE = "SELECT set_config('role', %s, false)"


class AsyncReader:
    """Read statements on the event loop under the caller's database role (see the module)."""

    RESTING_S = 2.0     # after a pool timeout or a broken connection: not used for this long

    def __init__(self, engine: Engine, settings: Settings) -> None:
        url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        options = f"-c statement_timeout={settings.db.statement_timeout_ms} -c plan_cache_mode=force_generic_plan"
        self._dialect = engine.dialect
        self._pool = AsyncConnectionPool(
            url, min_size=1, max_size=settings.db.pool_size, open=False, name="flaechenpool-reads",
            timeout=settings.db.connect_timeout_s,
            kwargs={"autocommit": True, "options": options, "application_name": "flaechenpool-reads",
                    "connect_timeout": settings.db.connect_timeout_s})
        self._roles: weakref.WeakKeyDictionary[psycopg.AsyncConnection[Any], str] = weakref.WeakKeyDictionary()
        self._resting_until = 0.0

    @property
    def usable(self) -> bool:
        """False while the reader rests after a pool timeout or a broken connection (see the module)."""
        return time.monotonic() >= self._resting_until

    async def open(self) -> None:
        """Start the pool; its first connection is made in the background (a failure shows on first use)."""
        await self._pool.open(wait=False)

    async def close(self) -> None:
        await self._pool.close()

    async def row_as(self, statement: str, params: Mapping[str, Any], *, role: str) -> tuple[Any, ...] | None:
        """The first row of ``statement`` (``:name`` binds) run as the application role ``role``.
        Raises psycopg's and psycopg_pool's errors."""
        db_role = ROLE_DB_ROLES[role]
        sql = driver_sql(self._dialect, statement)
        try:
            async with self._pool.connection() as conn:
                try:
                    if self._roles.get(conn) == db_role:
                        cursor = await conn.execute(sql, dict(params), prepare=True, binary=True)
                    else:
                        self._roles.pop(conn, None)
                        async with conn.pipeline():
                            await conn.execute(_SET_ROLE, (db_role,))
                            cursor = await conn.execute(sql, dict(params), prepare=True, binary=True)
                        self._roles[conn] = db_role
                    return await cursor.fetchone()
                except psycopg.OperationalError:
                    if conn.broken:
                        self._rest()
                    raise
        except PoolTimeout:
            self._rest()
            raise

    def _rest(self) -> None:
        self._resting_until = time.monotonic() + self.RESTING_S
