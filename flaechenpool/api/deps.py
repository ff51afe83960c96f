"""Request dependencies: one database connection per request, in one transaction."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from sqlalchemy import Connection, Engine

from flaechenpool.async_reads import AsyncReader
from flaechenpool.db import set_context
from flaechenpool.errors import DatabaseUnavailable
from flaechenpool.settings import Settings


def _engine(request: Request) -> Engine:
    return _engine_of(request.app)


def _engine_of(app: FastAPI) -> Engine:
    engine = getattr(app.state, "engine", None)
    if engine is None:
        raise DatabaseUnavailable("the service has no database connection")
    return engine  # type: ignore[no-any-return]


@contextmanager
def transaction(request: Request) -> Iterator[Connection]:
    """A pooled connection with a transaction that commits when the block ends normally.

    An override of ``get_connection`` in ``app.dependency_overrides`` (the tests' savepoint
    connection) applies here too, for routes that open their connection without dependencies."""
    override = request.app.dependency_overrides.get(get_connection)
    if override is not None:
        with contextmanager(override)() as conn:
            yield conn
        return
    with _engine(request).connect() as conn, conn.begin():
        yield conn


def get_connection(request: Request) -> Iterator[Connection]:
    """The request's connection and transaction (committed when the route returns normally)."""
    with transaction(request) as conn:
        yield conn


# scope="function": the transaction commits when the route returns, before the response is sent, so a
# failing commit (a deferred constraint, a serialisation failure) answers with an error, never with 2xx.
ConnectionDep = Annotated[Connection, Depends(get_connection, scope="function")]


Opener = Callable[[], AbstractContextManager[Connection]]


@contextmanager
def _reading_connection(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT")
        yield conn


async def get_connection_opener(request: Request) -> Opener:
    """For read-only routes that may answer without the database (a cached tile) and read through
    ``db.read_as``: opens a pooled connection only when called. The connection has no transaction of
    its own (autocommit): each ``read_as`` call is one transaction, sent with its ``BEGIN``, the
    caller's context and ``COMMIT`` in one round trip. Other statements on it commit at once."""
    engine = _engine(request)
    return lambda: _reading_connection(engine)


OpenerDep = Annotated[Opener, Depends(get_connection_opener)]


def opener_of(request: Request) -> Opener:
    """``get_connection_opener`` for hot routes that take no dependencies (each costs FastAPI some tens
    of microseconds per request)."""
    return opener_for(request.app)


def opener_for(app: FastAPI) -> Opener:
    """``get_connection_opener`` of ``app`` outside a request's dependencies; an override in
    ``app.dependency_overrides`` applies as for the dependency (the tests' savepoint connection)."""
    override = app.dependency_overrides.get(get_connection_opener)
    if override is not None:
        return override()  # type: ignore[no-any-return]
    engine = _engine_of(app)
    return lambda: _reading_connection(engine)


def reader_for(app: FastAPI) -> AsyncReader | None:
    """The app's ``AsyncReader`` (reads on the event loop) when it may be used now: opened, not resting
    after a failure, and no test connection overriding the routes' reads."""
    reader: AsyncReader | None = getattr(app.state, "reader", None)
    if reader is None or not reader.usable or get_connection_opener in app.dependency_overrides:
        return None
    return reader


def get_public_connection(conn: ConnectionDep) -> Connection:
    """The request's connection switched to the anonymous public role (published data only)."""
    set_context(conn, actor="anonymous", role="public")
    return conn


PublicConnectionDep = Annotated[Connection, Depends(get_public_connection)]


async def get_settings(request: Request) -> Settings:
    """The settings the app was created with (async: no thread hop for a lookup)."""
    return request.app.state.settings  # type: ignore[no-any-return]


SettingsDep = Annotated[Settings, Depends(get_settings)]
