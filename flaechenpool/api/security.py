"""Who is calling: API tokens as ``Authorization: Bearer …`` or as the password of HTTP Basic
(QGIS and GDAL send Basic). Without credentials the caller is the anonymous public."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from sqlalchemy import Connection

from flaechenpool.api.deps import ConnectionDep, transaction
from flaechenpool.api.principal_cache import PrincipalCache
from flaechenpool.auth import ANONYMOUS, Principal
from flaechenpool.db import set_context
from flaechenpool.errors import AuthenticationRequired, PermissionDenied

T = TypeVar("T")


def _credentials(request: Request) -> tuple[str | None, str] | None:
    return credentials_of(request.headers.get("authorization"))


def credentials_of(header: str | None) -> tuple[str | None, str] | None:
    """(user name or ``None``, token) from an ``Authorization`` header; ``None`` without one."""
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    value = value.strip()
    if scheme.lower() == "bearer" and value:
        return None, value
    if scheme.lower() == "basic" and value:
        try:
            user, _, password = base64.b64decode(value, validate=True).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise AuthenticationRequired("malformed Basic credentials") from exc
        if password:
            return (user or None), password
    raise AuthenticationRequired("unsupported Authorization header: send 'Bearer <token>' or Basic with the token as password")


def get_caller(request: Request, conn: ConnectionDep) -> Principal:
    """Who is calling, without switching the connection's role (the database is asked only when the
    token is not fresh in the app's short-lived ``PrincipalCache``). For routes that may answer from a
    cache and switch the role themselves before they read (``db.set_context``)."""
    credentials = _credentials(request)
    principal = ANONYMOUS
    if credentials is not None:
        cache: PrincipalCache = request.app.state.principals
        principal = cache.principal(conn, credentials[1], username=credentials[0])
    request.state.principal = principal
    return principal


CallerDep = Annotated[Principal, Depends(get_caller)]


def known_caller(header: str | None, cache: PrincipalCache) -> Principal | None:
    """Who sends this ``Authorization`` header, if that is known without the database: anonymous, or a
    token fresh in the ``PrincipalCache``; else ``None`` (then ``get_caller`` with a connection).
    Malformed credentials raise ``AuthenticationRequired``."""
    credentials = credentials_of(header)
    if credentials is None:
        return ANONYMOUS
    return cache.peek(credentials[1], username=credentials[0])


def get_acting_connection(request: Request, conn: ConnectionDep) -> Connection:
    """The request's connection, acting as the caller: the database role decides what is visible.

    Authentication and the role switch share one thread hop; the principal is kept on the request.
    """
    principal = get_caller(request, conn)
    set_context(conn, actor=principal.username, role=principal.role)
    return conn


ActingConnectionDep = Annotated[Connection, Depends(get_acting_connection)]


def acting_call(request: Request, work: Callable[[Connection, Principal], T]) -> T:
    """``work(conn, principal)`` on the request's transaction acting as the caller, committed at the end
    — connection, authentication, role switch, work and commit in the calling worker thread (the
    dependencies ``ActingConnectionDep`` + a sync route take four thread hops). For hot routes."""
    with transaction(request) as conn:
        get_acting_connection(request, conn)  # authenticates, switches the role, keeps the principal
        return work(conn, request.state.principal)


async def get_principal(request: Request, _conn: ActingConnectionDep) -> Principal:
    """Who is calling (authenticated by ``get_acting_connection``)."""
    return request.state.principal  # type: ignore[no-any-return]


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def require_role(principal: Principal, *roles: str) -> None:
    """401 for anonymous callers, 403 for roles not in ``roles``."""
    if principal.is_anonymous:
        raise AuthenticationRequired("this resource needs an API token")
    if principal.role not in roles:
        raise PermissionDenied(f"role {principal.role!r} may not do this")
