"""The service: health, the public start page, problem+json errors."""

from __future__ import annotations

import functools
from collections.abc import Iterator

from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, text

from flaechenpool.api.app import create_app
from flaechenpool.errors import DatabaseUnavailable
from flaechenpool.settings import Settings
from tests.live import LiveServer


def test_health_reports_database_postgis_and_counts(client: TestClient, conn: Connection) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["postgis_version"].startswith("3.")
    assert body["database"]["schema_revision"] == body["database"]["expected_revision"]
    counts = body["counts"]
    assert counts["municipalities"] == 8
    assert counts["parcels"] == conn.execute(text("SELECT count(*) FROM core.parcels WHERE valid_to IS NULL")).scalar()
    assert counts["stations"] == 312 and counts["sites"] > 10 and counts["vacancies"] > 10
    assert set(body["notifications"]) == {"sending", "waiting", "failing", "oldest_waiting_since"}
    assert body["notifications"]["sending"] is False          # no SMTP server in the tests' settings


def test_health_shows_the_tile_cache_and_the_read_pool(client: TestClient, live_server: LiveServer) -> None:
    """The caches' state for monitoring: tiles counted as they are built and served again; the read pool of
    a running service with the connection its reads used."""
    tile = "/ogc/collections/parcels/tiles/WebMercatorQuad/15/10925/17544"
    assert client.get(tile).status_code == 200 and client.get(tile).status_code == 200
    tiles = client.get("/health").json()["caches"]["tiles"]
    assert tiles["tiles"] >= 1 and tiles["misses"] >= 1 and tiles["hits"] >= 1 and tiles["bytes"] >= 0
    app = create_app(Settings(load_demo=False), database_url=live_server.database_url)
    with TestClient(app) as running:
        assert running.get("/ogc/collections/parcels/items?limit=1").status_code == 200   # a read on the loop
        reads = running.get("/health").json()["caches"]["reads"]
    assert reads["connections"] >= 1 and reads["waiting"] == 0 and 0 <= reads["idle"] <= reads["connections"]


def test_health_shows_notifications_that_wait_or_fail(client: TestClient, conn: Connection) -> None:
    conn.execute(text("UPDATE core.notifications SET sent_at = now(), sent_to = '{}' WHERE sent_at IS NULL"))
    for reference, attempts in (("M-2026-0000AAAA", 0), ("M-2026-0000BBBB", 3)):
        conn.execute(text("INSERT INTO core.notifications (kind, reference, municipality_ags, attempts, last_error) "
                          "VALUES ('site_report', :r, '16070029', :a, 'ConnectionRefusedError')"),
                     {"r": reference, "a": attempts})
    state = client.get("/health").json()["notifications"]
    assert (state["waiting"], state["failing"]) == (2, 1) and state["oldest_waiting_since"]
    assert "ConnectionRefused" not in client.get("/health").text          # no server details for everyone


def test_start_page_is_german_and_lists_published_sites_without_personal_data(client: TestClient,
                                                                             conn: Connection) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert '<html lang="de">' in page
    published = conn.execute(text("SELECT name FROM core.sites WHERE published AND retired_at IS NULL")).scalars().all()
    unpublished = conn.execute(text("SELECT name FROM core.sites WHERE NOT published")).scalars().all()
    assert published and all(name in page for name in published)
    assert not any(name in page for name in unpublished)
    assert "illustrativ" in page and "dl-de/by-2-0" in page and "OpenStreetMap" in page
    personal = conn.execute(text("SELECT name FROM personal.parties WHERE kind <> 'public_body'")).scalars().all()
    assert not any(name in page for name in personal)
    assert "(fiktiv)" not in page


def test_unknown_path_is_problem_json(client: TestClient) -> None:
    response = client.get("/no/such/thing")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 404 and body["instance"] == "/no/such/thing" and body["title"] == "Not found"


def test_wrong_method_is_problem_json(client: TestClient) -> None:
    response = client.post("/health")
    assert response.status_code == 405
    assert response.headers["content-type"] == "application/problem+json"


def test_unreachable_database_fails_at_start_with_one_clear_message() -> None:
    app = create_app(Settings(), database_url="postgresql+psycopg://nobody@127.0.0.1:9/none")
    try:
        with TestClient(app):
            raise AssertionError("the lifespan should have failed")
    except DatabaseUnavailable as exc:
        assert "cannot connect to the database" in exc.detail and "127.0.0.1:9" in exc.detail


def test_database_without_schema_is_refused_with_advice(server_url: str) -> None:
    from tests.databases import recreate_database

    url = recreate_database(server_url, "flaechenpool_test_noschema")
    app = create_app(Settings(), database_url=url)
    try:
        with TestClient(app):
            raise AssertionError("the lifespan should have failed")
    except DatabaseUnavailable as exc:
        assert "flaechenpool db migrate" in exc.detail


def test_oversized_bodies_are_refused_with_413(client: TestClient) -> None:
    big = b"x" * (11 * 1024 * 1024)
    response = client.post("/api/sites", content=big, headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert "exceeds" in response.json()["detail"]


def test_a_failing_commit_is_answered_with_its_error_not_with_success(client: TestClient, conn: Connection) -> None:
    """The request's transaction ends before the response is sent: when the commit fails (here: the
    dependency's exit raises as a refused commit would), the caller gets the error, never a 2xx."""
    from flaechenpool.api.deps import get_connection
    from flaechenpool.errors import Conflict

    def refused_commit() -> Iterator[Connection]:
        yield conn
        raise Conflict("could not serialize access due to concurrent update")

    client.app.dependency_overrides[get_connection] = refused_commit  # type: ignore[attr-defined]
    response = client.get("/health")
    assert response.status_code == 409 and response.headers["content-type"] == "application/problem+json"
    assert "serialize" in response.json()["detail"]


def test_a_lost_database_connection_is_a_503_and_the_next_request_works(database_url: str, engine: Engine) -> None:
    """The server ends the connection a request is about to use (a restart, an administrator): that
    request is answered 503 problem+json, the pool drops the connection, the next request succeeds."""
    app = create_app(Settings(load_demo=False), database_url=database_url)
    with TestClient(app) as client:
        page = "/ogc/collections/municipalities/items?limit=1"
        assert client.get(page).status_code == 200
        app.state.ogc.tracker.interval_s = 0.0          # every page polls: the worker thread's way, SQLAlchemy's pool
        with app.state.engine.connect() as own:        # the one pooled connection the requests used
            pid = own.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
        with engine.connect() as admin:
            assert admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar_one()
        lost = client.get(page)
        assert lost.status_code == 503 and lost.headers["content-type"] == "application/problem+json"
        assert "connection to the database was lost" in lost.json()["detail"]
        assert client.get(page).status_code == 200


def test_a_lost_reader_connection_still_answers_the_page(database_url: str, engine: Engine) -> None:
    """The server ends the AsyncReader's connection (items pages and tiles on the event loop): the page
    is read the worker thread's way instead, and the reader rests meanwhile."""
    app = create_app(Settings(load_demo=False), database_url=database_url)
    with TestClient(app) as client:
        page = "/ogc/collections/municipalities/items?limit=1"
        first = [client.get(page) for _ in range(2)]      # the second is read on the event loop
        assert client.portal is not None
        row = client.portal.call(functools.partial(app.state.reader.row_as, "SELECT pg_backend_pid()", {},
                                                   role="public"))
        assert row is not None
        with engine.connect() as admin:      # the reader's one connection (a single client used it)
            assert admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": row[0]}).scalar_one()
        again = client.get(page)
        assert again.status_code == 200 and again.json()["features"] == first[1].json()["features"]
        assert not app.state.reader.usable
