"""GET /health: database, PostGIS version, schema revision and row counts."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from flaechenpool.api.deps import ConnectionDep
from flaechenpool.health import health

router = APIRouter(tags=["service"])


@router.get("/health", summary="Service and database health with row counts per table")
def get_health(conn: ConnectionDep) -> dict[str, Any]:
    return health(conn)
