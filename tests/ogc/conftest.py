"""Fixtures of the OGC tests: users with tokens, rows read straight from the database for independent
checks, and a real uvicorn server (a subprocess on a free port) for GDAL and QGIS."""

from __future__ import annotations

import functools
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx
import numpy as np
import pyproj
import pytest
import shapely
from fastapi.testclient import TestClient
from sqlalchemy import Connection, create_engine, text

from flaechenpool.auth import add_user, create_token
from flaechenpool.settings import PROJECT_ROOT

JENA = "16053000"
ILMENAU = "16070029"


@pytest.fixture
def ogc(client: TestClient) -> TestClient:
    """The in-process client (the OGC routers are part of the app)."""
    return client


@pytest.fixture
def tokens(conn: Connection) -> dict[str, str]:
    """Tokens of test users inside the test's rolled-back transaction."""
    users = {"planner": ("planner", []), "lm_jena": ("land_manager", [JENA]),
             "lm_ilmenau": ("land_manager", [ILMENAU]), "admin": ("admin", [])}
    out = {}
    for name, (role, municipalities) in users.items():
        username = "t-" + name.replace("_", "-")
        add_user(conn, username, role=role, municipalities=municipalities)
        out[name] = create_token(conn, username)
    return out


@pytest.fixture
def auth(tokens: dict[str, str]) -> Callable[[str | None], dict[str, str]]:
    def headers(user: str | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {tokens[user]}"} if user else {}

    return headers


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


@dataclass(frozen=True)
class LiveServer:
    url: str                 # http://127.0.0.1:PORT
    tokens: dict[str, str]   # committed users of the session (names start with "ogc-")
    database_url: str


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def live_server(database_url: str) -> Iterator[LiveServer]:
    """The app served by uvicorn in a subprocess (GDAL and QGIS need a socket), with two committed users."""
    engine = create_engine(database_url)
    tokens = {}
    with engine.begin() as conn:
        for name, role, municipalities in (("ogc-planner", "planner", []), ("ogc-lm-jena", "land_manager", [JENA])):
            if conn.execute(text("SELECT 1 FROM auth.users WHERE username = :u"), {"u": name}).first() is None:
                add_user(conn, name, role=role, municipalities=municipalities)
            tokens[name] = create_token(conn, name)
    engine.dispose()
    port = _free_port()
    env = dict(os.environ, FLAECHENPOOL_OGC_TEST_DATABASE_URL=database_url, PYTHONWARNINGS="ignore")
    log = open(PROJECT_ROOT / "artifacts" / "ogc-live-server.log", "w") if (PROJECT_ROOT / "artifacts").is_dir() \
        else subprocess.DEVNULL
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "tests.ogc.live_app:app", "--host", "127.0.0.1",
         "--port", str(port), "--log-level", "warning"],
        cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(url + "/ogc", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the test server did not start (exit code {proc.poll()})")
            time.sleep(0.2)
        yield LiveServer(url, tokens, database_url)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if log is not subprocess.DEVNULL:
            log.close()
