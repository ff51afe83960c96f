"""``AsyncReader``: read statements on the event loop under the caller's database role (real PostGIS)."""

from __future__ import annotations

import asyncio

import psycopg
import pytest
from sqlalchemy import Engine

from flaechenpool.async_reads import AsyncReader
from flaechenpool.settings import Settings

WHO = "SELECT current_user, current_setting('plan_cache_mode'), CAST(:n AS int) + 1"


def _run(engine: Engine, work):  # type: ignore[no-untyped-def]
    async def main():  # type: ignore[no-untyped-def]
        reader = AsyncReader(engine, Settings())
        await reader.open()
        try:
            return await work(reader)
        finally:
            await reader.close()
    return asyncio.run(main())


def test_each_read_runs_as_the_callers_role(engine: Engine) -> None:
    async def work(reader: AsyncReader) -> list[tuple[object, ...] | None]:
        return [await reader.row_as(WHO, {"n": i}, role=role)
                for i, role in enumerate(["public", "public", "planner", "public", "admin", "land_manager"])]

    rows = _run(engine, work)
    assert [r[0] for r in rows] == ["flaechenpool_public", "flaechenpool_public", "flaechenpool_planner",  # type: ignore[index]
                                    "flaechenpool_public", "flaechenpool_admin", "flaechenpool_land_manager"]
    assert {r[1] for r in rows} == {"force_generic_plan"}                                # type: ignore[index]
    assert [r[2] for r in rows] == [1, 2, 3, 4, 5, 6]                                    # type: ignore[index]


def test_the_database_refuses_what_the_role_may_not_read(engine: Engine) -> None:
    """Owners are personal data: the public role has no right on them, whatever the connection read before."""
    async def work(reader: AsyncReader) -> object:
        assert (await reader.row_as("SELECT count(*) FROM personal.parties", {}, role="admin")) is not None
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            await reader.row_as("SELECT count(*) FROM personal.parties", {}, role="public")
        return await reader.row_as(WHO, {"n": 0}, role="public")     # the connection is usable after it

    row = _run(engine, work)
    assert row is not None and row[0] == "flaechenpool_public"


def test_an_unreachable_database_makes_the_reader_rest(monkeypatch: pytest.MonkeyPatch) -> None:
    """After a pool timeout the reader is not used for a while (the tile front builds through the
    routes' pool meanwhile), so a database outage costs one wait for the pool, not one per request."""
    from psycopg_pool import PoolTimeout

    from flaechenpool.db import create_engine_for

    settings = Settings(db={"connect_timeout_s": 1})
    nowhere = create_engine_for("postgresql+psycopg://postgres@127.0.0.1:9/flaechenpool", settings)  # discard port
    monkeypatch.setattr(AsyncReader, "RESTING_S", 0.5)

    async def main() -> list[bool]:
        reader = AsyncReader(nowhere, settings)
        await reader.open()
        try:
            seen = [reader.usable]
            with pytest.raises(PoolTimeout):
                await reader.row_as(WHO, {"n": 1}, role="public")
            seen.append(reader.usable)
            await asyncio.sleep(0.6)
            seen.append(reader.usable)
            return seen
        finally:
            await reader.close()

    try:
        assert asyncio.run(main()) == [True, False, True]
    finally:
        nowhere.dispose()


def test_after_parallel_reads_one_client_stays_on_the_connection_used_last(engine: Engine) -> None:
    """``HotFirstPool``: after four reads at once, reads one after the other keep to the connection returned
    last (its plans and caches warm) instead of going round the four backends, as psycopg_pool's own
    order would; the three others stay idle, so the pool can close them after ``max_idle``."""
    pid = "SELECT pg_backend_pid(), pg_sleep(CAST(:s AS float))"

    async def work(reader: AsyncReader) -> tuple[set[int], list[int]]:
        parallel = await asyncio.gather(*(reader.row_as(pid, {"s": 0.2}, role="public") for _ in range(4)))
        one_by_one = [(await reader.row_as(pid, {"s": 0}, role="public"))[0] for _ in range(8)]  # type: ignore[index]
        return {row[0] for row in parallel}, one_by_one  # type: ignore[index]

    parallel, one_by_one = _run(engine, work)
    assert len(parallel) == 4                       # four backends were open
    assert len(set(one_by_one)) == 1 and one_by_one[0] in parallel


def test_the_service_pool_hands_out_the_connection_returned_last(engine: Engine) -> None:
    """SQLAlchemy's pool of the routes is last-in first-out too (``pool_use_lifo``)."""
    first, second = engine.connect(), engine.connect()
    pids = [c.exec_driver_sql("SELECT pg_backend_pid()").scalar_one() for c in (first, second)]
    first.close()
    second.close()                                  # returned last
    with engine.connect() as again:
        assert again.exec_driver_sql("SELECT pg_backend_pid()").scalar_one() == pids[1]
