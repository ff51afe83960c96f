"""Response classes beyond Starlette's, and conditional requests."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from flaechenpool.exports import to_csv, to_geopackage


def is_not_modified(etag: str, if_none_match: str | None) -> bool:
    """Whether the client's ``If-None-Match`` names ``etag`` (answer 304)."""
    return bool(if_none_match) and etag in [v.strip() for v in if_none_match.split(",")]  # type: ignore[union-attr]


class PartsResponse(Response):
    """A body given as parts, sent one after the other under one Content-Length: a large middle part
    (the features of an items page, a buffer of the database's result) is never copied into a
    joined body."""

    def __init__(self, parts: Sequence[bytes | memoryview], *, media_type: str,
                 headers: Mapping[str, str] | None = None) -> None:
        self.parts = [p for p in parts if len(p)]
        length = sum(memoryview(p).nbytes for p in self.parts)
        super().__init__(None, 200, {**(headers or {}), "content-length": str(length)}, media_type)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        last = len(self.parts) - 1
        for i, part in enumerate(self.parts):
            await send({"type": "http.response.body", "body": part, "more_body": i < last})
        if not self.parts:
            await send({"type": "http.response.body", "body": b""})


def file_response(rows: list[dict[str, Any]], f: str, *, columns: Sequence[str], srid: int, name: str) -> Response:
    """Rows (``exports``: ``columns`` and a ``wkb`` geometry in ``srid``) as a CSV or GeoPackage download
    named ``name``."""
    if f == "csv":
        return Response(to_csv(rows, columns), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
    return Response(to_geopackage(rows, columns=columns, srid=srid, layer=name), media_type="application/geopackage+sqlite3",
                    headers={"Content-Disposition": f'attachment; filename="{name}.gpkg"'})
