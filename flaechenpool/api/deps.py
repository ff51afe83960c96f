"""Request dependencies: one database connection per request, in one transaction."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Connection

from flaechenpool.db import set_context
from flaechenpool.errors import DatabaseUnavailable
from flaechenpool.settings import Settings


def get_connection(request: Request) -> Iterator[Connection]:
    """A pooled connection with a transaction that commits when the route returns normally."""
    engine = getattr(request.app.state, "engine", None)
    if engine is None:
        raise DatabaseUnavailable("the service has no database connection")
    with engine.connect() as conn, conn.begin():
        yield conn


ConnectionDep = Annotated[Connection, Depends(get_connection)]
Opener = Callable[[], AbstractContextManager[Connection]]


async def get_connection_opener(request: Request) -> Opener:
    """For routes that may answer without the database (a cached tile): opens the request's connection,
    the same as ``get_connection``'s, only when called."""
    return lambda: contextmanager(get_connection)(request)


OpenerDep = Annotated[Opener, Depends(get_connection_opener)]


def get_public_connection(conn: Annotated[Connection, Depends(get_connection)]) -> Connection:
    """The request's connection switched to the anonymous public role (published data only)."""
    set_context(conn, actor="anonymous", role="public")
    return conn


PublicConnectionDep = Annotated[Connection, Depends(get_public_connection)]


async def get_settings(request: Request) -> Settings:
    """The settings the app was created with (async: no thread hop for a lookup)."""
    return request.app.state.settings  # type: ignore[no-any-return]


SettingsDep = Annotated[Settings, Depends(get_settings)]
