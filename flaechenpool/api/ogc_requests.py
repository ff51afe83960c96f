"""The parts of an ``/ogc`` request its routes and the fronts (``TileFront``, ``ItemsFront``) read alike:
the query string as a dict, the format asked for, the base URL of links, the application's OGC state,
and whether the caller is known without the database."""

from __future__ import annotations

import threading

from fastapi import FastAPI, Request

from flaechenpool.api.principal_cache import PrincipalCache
from flaechenpool.api.security import known_caller
from flaechenpool.auth import Principal
from flaechenpool.errors import InputError
from flaechenpool.features.state import OgcState

_lock = threading.Lock()


def state_of(request: Request) -> OgcState:
    """``get_state`` for hot routes that take no dependencies."""
    state = getattr(request.app.state, "ogc", None)
    if state is None:
        with _lock:
            state = getattr(request.app.state, "ogc", None)
            if state is None:
                state = request.app.state.ogc = OgcState()
    return state  # type: ignore[no-any-return]


def base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/") + "/ogc"


def wants_html(request: Request, params: dict[str, str]) -> bool:
    f = params.get("f")
    if f is not None:
        if f not in ("json", "geojson", "html"):
            raise InputError(f"f: unknown format {f!r}; use json or html")
        return f == "html"
    accept = request.headers.get("accept", "").lower()
    html_at, json_at = accept.find("text/html"), accept.find("json")
    return html_at >= 0 and (json_at < 0 or html_at < json_at)


def params_of(request: Request) -> dict[str, str]:
    """``query_params`` for hot routes that take no dependencies."""
    if not request.scope.get("query_string"):
        return {}
    items = request.query_params.multi_items()
    params = dict(items)
    if len(params) != len(items):
        raise InputError("a query parameter is given more than once")
    return params


def ready_caller(app: FastAPI, authorization: str | None) -> tuple[OgcState, Principal] | None:
    """The OGC state and the caller, when a front may answer without the database: the state is
    prepared and needs no change-log poll, and the caller is anonymous or a token fresh in the
    ``PrincipalCache``; else ``None`` (the route answers: first use, the poll, an unknown token).
    Malformed credentials raise ``AuthenticationRequired``."""
    state: OgcState | None = getattr(app.state, "ogc", None)
    cache: PrincipalCache | None = getattr(app.state, "principals", None)
    if state is None or cache is None or not state.current:
        return None
    principal = known_caller(authorization, cache)
    return None if principal is None else (state, principal)
