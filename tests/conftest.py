"""Test fixtures: a real PostGIS database with the schema and the demo data, one rolled-back
transaction per test, and an in-process HTTP client with the lifespan running.

The database is the project's own embedded test cluster (``.flaechenpool/test-pg``), or the
server named by ``FLAECHENPOOL_TEST_DATABASE_URL`` (its database is dropped and re-created).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, text

from flaechenpool import migrations
from flaechenpool.api.app import create_app
from flaechenpool.api.deps import get_connection, get_connection_opener
from flaechenpool.db import create_engine_for, reset_role
from flaechenpool.demo import load_demo
from flaechenpool.ratelimit import RateLimiter
from flaechenpool.settings import PROJECT_ROOT, ClusterSettings, Settings
from tests.databases import recreate_database
from tests.live import LiveServer
from tests.live import live_server as serve_live

# The retention job of the service would delete aged demo contacts in the shared test database; the
# tests that check it switch it on for their own app (tests/public/test_retention.py).
os.environ.setdefault("FLAECHENPOOL_PUBLIC__PURGE_EVERY_H", "0")

TEST_DATABASE = "flaechenpool_test"
TEST_CLUSTER_PORT = 54360


@pytest.fixture(scope="session")
def server_url() -> Iterator[str]:
    """URL of a maintenance database on the test server (``postgres``)."""
    external = os.environ.get("FLAECHENPOOL_TEST_DATABASE_URL")
    if external:
        url = Settings(database_url=external).database_url
        assert url is not None
        yield url
        return
    from flaechenpool.cluster import EmbeddedCluster

    cluster = EmbeddedCluster(
        ClusterSettings(root=PROJECT_ROOT / ".flaechenpool" / "test-pg", port=TEST_CLUSTER_PORT,
                        database="postgres")
    )
    cluster.start()
    yield cluster.url()


@pytest.fixture(scope="session")
def database_url(server_url: str) -> str:
    """A fresh test database with the schema and the demo data, checked at load time."""
    url = recreate_database(server_url, TEST_DATABASE)
    engine = create_engine_for(url, Settings())
    migrations.upgrade(engine)
    with engine.connect() as conn:
        report = load_demo(conn, PROJECT_ROOT / "data")
        conn.commit()
        assert report.loaded
        counts = dict(conn.execute(text(
            "SELECT 'municipalities', count(*) FROM core.municipalities UNION ALL "
            "SELECT 'real_parcels', count(*) FROM core.parcels WHERE provenance = 'official' UNION ALL "
            "SELECT 'stations', count(*) FROM ref.stations")).all())
    engine.dispose()
    assert counts == {"municipalities": 8, "real_parcels": 10, "stations": 312}, counts
    return url


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_engine_for(database_url, Settings())
    yield engine
    engine.dispose()


@pytest.fixture
def conn(engine: Engine) -> Iterator[Connection]:
    """A connection inside a transaction that is rolled back after the test."""
    with engine.connect() as connection:
        transaction = connection.begin()
        try:
            yield connection
        finally:
            transaction.rollback()


@pytest.fixture
def settings() -> Settings:
    return Settings(load_demo=False)


@pytest.fixture
def client(conn: Connection, database_url: str, settings: Settings) -> Iterator[TestClient]:
    """In-process client; every request (and its rate-limit hit) runs in a savepoint of the test's transaction."""
    app = create_app(settings, database_url=database_url)

    def test_connection() -> Iterator[Connection]:
        savepoint = conn.begin_nested()
        try:
            yield conn
        except BaseException:
            savepoint.rollback()
            reset_role(conn)
            raise
        savepoint.commit()
        reset_role(conn)

    app.dependency_overrides[get_connection] = test_connection
    app.dependency_overrides[get_connection_opener] = lambda: contextmanager(test_connection)
    with TestClient(app) as test_client:
        app.state.rate_limiter = RateLimiter(lambda: nullcontext(conn), settings.public.rate_window_s)
        yield test_client


@pytest.fixture(scope="session")
def live_server(database_url: str) -> Iterator[LiveServer]:
    """The app served by uvicorn in a subprocess over the test database (GDAL, QGIS and Chromium need a
    socket), with committed users (tests/live.py). Inquiries are limited to 3 per client and site, so the
    browser tests reach the limit quickly; what tests submit through it they delete themselves."""
    with serve_live(database_url, {"FLAECHENPOOL_PUBLIC__INQUIRIES_PER_IP_AND_SITE": "3"}) as server:
        yield server


@pytest.fixture
def data_dir() -> Path:
    return PROJECT_ROOT / "data"
