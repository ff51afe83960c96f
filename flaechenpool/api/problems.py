"""RFC 9457 problem details: every error response is ``application/problem+json``.

Domain errors map to their status through ``flaechenpool.errors.STATUS_CODES``; request validation
errors are 400 (as OGC API Features asks for invalid parameters); database errors are translated
when the caller can act on them, otherwise logged and answered with a generic 500 that never
echoes the database's text.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

from flaechenpool.api import german
from flaechenpool.db import translate_db_error
from flaechenpool.errors import DatabaseUnavailable, FlaechenpoolError, TooManyRequests, status_for

log = logging.getLogger("flaechenpool.api")

PROBLEM_JSON = "application/problem+json"


def problem(status: int, title: str, detail: str, request: Request, *, generic: bool = False,
            detail_de: str | None = None, **extra: Any) -> JSONResponse:
    """The problem response; on the public paths the title is German, and so is the detail of
    errors whose detail is ``generic`` (not written for the caller: unknown paths, server errors) or
    that come with a German one (``detail_de``)."""
    if german.is_public(request.url.path):
        title = german.title(status)
        if generic or status >= 500:
            detail = german.generic_detail(status) or detail
        elif detail_de:
            detail = detail_de
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail,
            "instance": str(request.url.path)}
    body.update({k: v for k, v in extra.items() if v is not None})
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


async def _domain(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, FlaechenpoolError)
    status = status_for(exc)
    if status >= 500:
        log.error("%s on %s: %s", type(exc).__name__, request.url.path, exc.detail)
    response = problem(status, exc.title, exc.detail, request, detail_de=exc.detail_de)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="Flaechenpool", Basic realm="Flaechenpool"'
    if isinstance(exc, TooManyRequests):
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


async def _validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    if german.is_public(request.url.path):   # anonymous visitors of the public page read German
        errors_de = german.validation_errors(list(exc.errors()))
        detail = "; ".join(f"{e['location']}: {e['message']}" for e in errors_de)
        return problem(400, "Ungültige Anfrage", detail or "Die Anfrage ist ungültig.", request, errors=errors_de)
    errors = [
        {"location": ".".join(str(p) for p in e.get("loc", ())), "message": e.get("msg", "")}
        for e in exc.errors()
    ]
    detail = "; ".join(f"{e['location']}: {e['message']}" for e in errors) or "invalid request"
    return problem(400, "Invalid request", detail, request, errors=errors)


async def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    title = {404: "Not found", 405: "Method not allowed"}.get(exc.status_code, "HTTP error")
    # FastAPI's own 400 is a body it could not parse (broken or too deeply nested JSON)
    detail_de = "Der Inhalt der Anfrage konnte nicht gelesen werden." if exc.status_code == 400 else None
    response = problem(exc.status_code, title, str(exc.detail), request, generic=exc.status_code in (404, 405),
                       detail_de=detail_de)
    for key, value in (exc.headers or {}).items():
        response.headers[key] = value
    return response


async def _database(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DBAPIError)
    domain = translate_db_error(exc)
    if domain is None and exc.connection_invalidated:    # the server restarted or ended the connection
        domain = DatabaseUnavailable("the connection to the database was lost; the pool replaces it, "
                                     "so the request can be repeated")
    if domain is not None:
        return await _domain(request, domain)
    log.error("database error on %s", request.url.path, exc_info=exc)
    return problem(500, "Internal error", "the database could not complete the request", request)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.error("unexpected error on %s", request.url.path, exc_info=exc)
    return problem(500, "Internal error", "an unexpected error occurred", request)


def add_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(FlaechenpoolError, _domain)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(DBAPIError, _database)
    app.add_exception_handler(Exception, _unexpected)
