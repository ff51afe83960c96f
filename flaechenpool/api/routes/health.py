"""GET /health: database, PostGIS version, schema revision, row counts, the e-mail notifications' state and
the service's caches (tile cache, the read pool)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from flaechenpool.api.deps import ConnectionDep, SettingsDep
from flaechenpool.async_reads import AsyncReader
from flaechenpool.features.state import OgcState
from flaechenpool.health import health

router = APIRouter(tags=["service"])


@router.get("/health", summary="Service and database health with row counts per table")
def get_health(conn: ConnectionDep, settings: SettingsDep, request: Request) -> dict[str, Any]:
    return {**health(conn, sending=settings.mail.smtp_host is not None), "caches": _caches(request)}


def _caches(request: Request) -> dict[str, Any]:
    """The tile cache (``null`` until the first ``/ogc`` request) and the pool of reads on the event loop
    (``null`` while the service has none): whether tiles come from the cache, whether reads wait."""
    state: OgcState | None = getattr(request.app.state, "ogc", None)
    reader: AsyncReader | None = getattr(request.app.state, "reader", None)
    return {"tiles": None if state is None else state.tiles.stats(),
            "reads": None if reader is None else reader.stats()}
