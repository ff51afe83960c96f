"""Fixtures of the OGC tests: users with tokens and rows read straight from the database for independent
checks. The real uvicorn server for GDAL and QGIS is the session fixture ``live_server`` (tests/conftest.py)."""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np
import pyproj
import pytest
import shapely
from fastapi.testclient import TestClient
from sqlalchemy import Connection, text

from flaechenpool.features import async_pages, service
from tests.factories import bearer, make_tokens

JENA = "16053000"
ILMENAU = "16070029"


@pytest.fixture
def ogc(client: TestClient) -> TestClient:
    """The in-process client (the OGC routers are part of the app)."""
    return client


@pytest.fixture
def tokens(conn: Connection) -> dict[str, str]:
    """Tokens of test users inside the test's rolled-back transaction."""
    return make_tokens(conn, {"planner": ("planner", []), "lm_jena": ("land_manager", [JENA]),
                              "lm_ilmenau": ("land_manager", [ILMENAU]), "admin": ("admin", [])}, prefix="t-")


@pytest.fixture
def auth(tokens: dict[str, str]) -> Callable[[str | None], dict[str, str]]:
    return bearer(tokens)


def stored_geometries(conn: Connection, sql: str, **params: object) -> dict[str, shapely.Geometry]:
    """{feature id: geometry in EPSG:25832} read with plain SQL (as the database owner)."""
    rows = conn.execute(text(sql), params).all()
    return {str(r[0]): shapely.from_wkb(bytes(r[1])) for r in rows}


@functools.cache
def _transformer(source: int, target: int) -> pyproj.Transformer:
    return pyproj.Transformer.from_crs(source, target, always_xy=True)


def reproject(geometry: shapely.Geometry, source: int, target: int) -> shapely.Geometry:
    """The geometry in another CRS, computed with pyproj (x/y in PostGIS order: longitude first)."""
    transformer = _transformer(source, target)
    return shapely.transform(geometry, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1])))


@pytest.fixture
def ways(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Which way each items page was read: "thread" (items.read_page) or "loop" (async_pages.read_page)."""
    taken: list[str] = []
    sync_read, async_read = service.read_page, async_pages.read_page

    def on_thread(*a, **k):  # type: ignore[no-untyped-def]
        taken.append("thread")
        return sync_read(*a, **k)

    async def on_loop(*a, **k):  # type: ignore[no-untyped-def]
        taken.append("loop")
        return await async_read(*a, **k)

    monkeypatch.setattr(service, "read_page", on_thread)
    monkeypatch.setattr(async_pages, "read_page", on_loop)
    return taken
