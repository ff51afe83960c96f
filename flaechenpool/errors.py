"""Domain errors of Flächenpool and their HTTP status codes.

Hierarchy::

    FlaechenpoolError               any error the service explains to its caller
    ├── ConfigurationError          bad settings (DATABASE_URL, paths, ports)
    ├── DatabaseUnavailable         the database cannot be reached or lacks PostGIS/schema
    ├── ClusterError                the embedded PostgreSQL cluster cannot be started/stopped
    ├── InputError                  bad input: parameters, files, geometries (400)
    │   ├── ImportFileError         a file to import is broken; names file, row and field
    │   └── UnprocessableError      well-formed input that breaks a domain rule (422)
    ├── AuthenticationRequired      no or unknown credentials (401)
    ├── PermissionDenied            the role may not do this (403)
    ├── NotFound                    no such resource (404)
    ├── Conflict                    state conflict, e.g. workflow or duplicate (409)
    ├── PreconditionFailed          If-Match does not match (412)
    ├── PayloadTooLarge             request body or result too large (413)
    └── TooManyRequests             a rate limit is exhausted; says when to retry (429)

The HTTP layer maps each class to a status through ``STATUS_CODES`` and renders an
RFC 9457 ``application/problem+json`` body. The message of an error is meant for the caller;
database driver messages never reach it.
"""

from __future__ import annotations

import functools
from typing import Any


class FlaechenpoolError(Exception):
    """Base of all errors explained to the caller."""

    title = "Error"

    def __init__(self, detail: str, *, detail_de: str | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.detail_de = detail_de      # the German detail for the public paths, where the message is not German
        self.extra = extra


class ConfigurationError(FlaechenpoolError):
    title = "Configuration error"


class DatabaseUnavailable(FlaechenpoolError):
    title = "Database unavailable"


class ClusterError(FlaechenpoolError):
    title = "Embedded PostgreSQL cluster error"


class InputError(FlaechenpoolError):
    title = "Invalid input"


class ImportFileError(InputError):
    """A file cannot be imported; the message names the file, the feature/row and the field."""

    title = "Import failed"

    def __init__(
        self,
        detail: str,
        *,
        file: str,
        row: int | None = None,
        field: str | None = None,
        **extra: Any,
    ) -> None:
        where = [file]
        if row is not None:
            where.append(f"feature {row}")
        if field is not None:
            where.append(f"field '{field}'")
        super().__init__(f"{', '.join(where)}: {detail}", file=file, row=row, field=field, **extra)
        self.reason = detail
        self.file = file
        self.row = row
        self.field = field

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled with its parts (the importer's reading process hands errors to the main process)."""
        extra = {k: v for k, v in self.extra.items() if k not in ("file", "row", "field")}
        return (functools.partial(type(self), self.reason, file=self.file, row=self.row, field=self.field, **extra),
                ())


class UnprocessableError(InputError):
    title = "Unprocessable input"


class AuthenticationRequired(FlaechenpoolError):
    title = "Authentication required"


class PermissionDenied(FlaechenpoolError):
    title = "Permission denied"


class NotFound(FlaechenpoolError):
    title = "Not found"


class Conflict(FlaechenpoolError):
    title = "Conflict"


class PreconditionFailed(FlaechenpoolError):
    title = "Precondition failed"


class PayloadTooLarge(FlaechenpoolError):
    title = "Payload too large"


class TooManyRequests(FlaechenpoolError):
    title = "Too many requests"

    def __init__(self, detail: str, *, retry_after: int, **extra: Any) -> None:
        super().__init__(detail, **extra)
        self.retry_after = retry_after


STATUS_CODES: dict[type[FlaechenpoolError], int] = {
    ConfigurationError: 500,
    DatabaseUnavailable: 503,
    ClusterError: 503,
    InputError: 400,
    ImportFileError: 400,
    UnprocessableError: 422,
    AuthenticationRequired: 401,
    PermissionDenied: 403,
    NotFound: 404,
    Conflict: 409,
    PreconditionFailed: 412,
    PayloadTooLarge: 413,
    TooManyRequests: 429,
}


def status_for(exc: FlaechenpoolError) -> int:
    """HTTP status of a domain error: the entry of its nearest class in ``STATUS_CODES``."""
    for cls in type(exc).__mro__:
        if cls in STATUS_CODES:
            return STATUS_CODES[cls]
    return 500
