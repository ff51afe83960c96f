"""GET /health: database, PostGIS version, schema revision, row counts and the e-mail notifications' state."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from flaechenpool.api.deps import ConnectionDep, SettingsDep
from flaechenpool.health import health

router = APIRouter(tags=["service"])


@router.get("/health", summary="Service and database health with row counts per table")
def get_health(conn: ConnectionDep, settings: SettingsDep) -> dict[str, Any]:
    return health(conn, sending=settings.mail.smtp_host is not None)
