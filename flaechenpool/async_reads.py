"""Read-only statements on the event loop: vector tiles and items pages without a worker thread.

``AsyncReader`` keeps a psycopg ``AsyncConnectionPool`` of its own next to SQLAlchemy's pool. Its
connections serve nothing but these reads, so each may keep the context it was last switched to —
database role, actor and plan mode: a read sends ``set_config('role', …, false)`` (a session-level
``SET ROLE``) and the other two in the same round trip as its statement only when the connection's
context differs from the read's, and otherwise just the statement — as an autocommit statement of
its own, under the caller's role, so the database decides what is visible exactly as with
``db.read_as``. A switch that fails with its statement is rolled back with it (a pipeline is one
implicit transaction), and the connection's context is then unknown, so the next read sets it again.
A tile's statement is prepared on first use and planned once per connection (``force_generic_plan``:
its plan does not depend on its parameters) and read in binary (its bytes without PostgreSQL's hex
encoding, half the bytes on the socket); an items page is planned for its parameters
(``force_custom_plan``) and its GeoJSON text kept as PostgreSQL sent it. The pool's connections are
named ``flaechenpool-reads`` (``application_name``).

When the pool cannot give a connection in time (``PoolTimeout``) or a connection breaks, the reader
rests for ``RESTING_S`` (``usable`` is false): its callers take their other way meanwhile, so during a
database outage only the first request waits for the pool's timeout.

The hand-over to a worker thread and back, SQLAlchemy's checkout and a transaction of its own cost
an uncached z16 tile about 0.4 ms of its ~3 ms (docs/PERFORMANCE.md).
"""

from __future__ import annotations

import time
import weakref
from collections import deque
from collections.abc import Mapping
from typing import Any

import psycopg
from psycopg_pool import AsyncConnectionPool, PoolTimeout
from sqlalchemy import Engine

from flaechenpool.db import ROLE_DB_ROLES, PlanMode, TextAsBuffer, driver_sql
from flaechenpool.settings import Settings

# a connection's context for the reads that follow (session level): role, actor, plan mode
_SET_CONTEXT = ("SELECT set_config('role', %s, false), set_config('flaechenpool.actor', %s, false), "
                "set_config('plan_cache_mode', %s, false)")
Context = tuple[str, str, str]      # database role, actor, plan_cache_mode


class HotFirstPool(AsyncConnectionPool):
    """psycopg's pool handing out the connection returned last (LIFO) instead of the one idle longest.

    psycopg_pool takes connections round robin: after a spell of four parallel clients, one client's
    tiles went to four backends in turn, each preparing and planning the tile statements anew, each with
    cold caches (the bench's z16 pass after its four-client items pages: 0.71 of raw SQL, 0.79 with this
    order; docs/PERFORMANCE.md). Taken last-in first-out, steady traffic stays on the hottest connection,
    and the ones left idle are those the pool closes after ``max_idle`` (PgBouncer's default order)."""

    async def _get_ready_connection(self, timeout: float | None) -> Any:
        # psycopg_pool's own step (its idle connections: a deque, taken from the left); in a version
        # without this step or deque the override is not called or changes nothing
        idle = getattr(self, "_pool", None)
        if isinstance(idle, deque) and len(idle) > 1:
            idle.rotate(1)          # the connection returned last goes first
        return await super()._get_ready_connection(timeout)


class AsyncReader:
    """Read statements on the event loop under the caller's database role (see the module)."""

    RESTING_S = 2.0     # after a pool timeout or a broken connection: not used for this long

    def __init__(self, engine: Engine, settings: Settings) -> None:
        url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        options = f"-c statement_timeout={settings.db.statement_timeout_ms} -c plan_cache_mode=force_generic_plan"
        self._dialect = engine.dialect
        self._pool = HotFirstPool(
            url, min_size=1, max_size=settings.db.pool_size, open=False, name="flaechenpool-reads",
            timeout=settings.db.connect_timeout_s,
            kwargs={"autocommit": True, "options": options, "application_name": "flaechenpool-reads",
                    "connect_timeout": settings.db.connect_timeout_s})
        self._contexts: weakref.WeakKeyDictionary[psycopg.AsyncConnection[Any], Context] = weakref.WeakKeyDictionary()
        self._resting_until = 0.0

    @property
    def usable(self) -> bool:
        """False while the reader rests after a pool timeout or a broken connection (see the module)."""
        return time.monotonic() >= self._resting_until

    def stats(self) -> dict[str, int]:
        """The pool's connections (open, idle) and the reads waiting for one, for monitoring."""
        counts = self._pool.get_stats()
        return {"connections": counts.get("pool_size", 0), "idle": counts.get("pool_available", 0),
                "waiting": counts.get("requests_waiting", 0)}

    async def open(self) -> None:
        """Start the pool; its first connection is made in the background (a failure shows on first use)."""
        await self._pool.open(wait=False)

    async def close(self) -> None:
        await self._pool.close()

    async def row_as(self, statement: str, params: Mapping[str, Any], *, role: str, actor: str = "anonymous",
                     plans: PlanMode = "force_generic_plan", text_as_buffer: bool = False) -> tuple[Any, ...] | None:
        """The first row of ``statement`` (``:name`` binds) run as the application role ``role`` by
        ``actor`` (``flaechenpool.actor``, as ``db.read_as`` sets it) with ``plans`` as its
        ``plan_cache_mode`` (``db.PlanMode``: a generic plan is prepared at once and made once per
        connection). Results are binary, or text with text columns as a memoryview of their UTF-8 bytes
        (``text_as_buffer``: a page's GeoJSON goes out without being decoded or copied). Raises
        psycopg's and psycopg_pool's errors."""
        context = (ROLE_DB_ROLES[role], actor, plans)
        sql = driver_sql(self._dialect, statement)
        prepare = True if plans == "force_generic_plan" else None
        try:
            async with self._pool.connection() as conn:
                try:
                    cursor = conn.cursor(binary=not text_as_buffer)
                    if text_as_buffer:
                        cursor.adapters.register_loader("text", TextAsBuffer)
                    if self._contexts.get(conn) == context:
                        await cursor.execute(sql, dict(params), prepare=prepare)
                    else:
                        self._contexts.pop(conn, None)
                        async with conn.pipeline():
                            await conn.execute(_SET_CONTEXT, context)
                            await cursor.execute(sql, dict(params), prepare=prepare)
                        self._contexts[conn] = context
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
