"""Items pages read on the event loop (``AsyncReader``, ``features.async_pages``): for callers known without
the database the page is read without the worker thread, and it is the page the worker thread's way reads —
the same features, numberMatched and links, per role; errors, HTML and unknown callers take that way."""

from __future__ import annotations

import json
from collections.abc import Iterator

import psycopg
import pytest
from fastapi.testclient import TestClient

from flaechenpool.api.app import create_app
from flaechenpool.async_reads import AsyncReader
from flaechenpool.settings import Settings
from tests.live import LiveServer

ITEMS = "/ogc/collections/parcels/items"
JENA_BOX = "11.55,50.90,11.63,50.95"


@pytest.fixture
def app_client(live_server: LiveServer) -> Iterator[TestClient]:
    """The app over the committed test data, with its lifespan (and so its AsyncReader), no overrides."""
    app = create_app(Settings(load_demo=False), database_url=live_server.database_url)
    with TestClient(app) as client:
        assert client.get(f"{ITEMS}?limit=1").status_code == 200      # prepares the OGC state
        yield client


def _same(a: dict, b: dict) -> None:  # type: ignore[type-arg]
    a, b = dict(a), dict(b)
    a.pop("timeStamp"), b.pop("timeStamp")
    assert a == b


def _poll_due(client: TestClient, due: bool) -> None:
    client.app.state.ogc.tracker.interval_s = 0.0 if due else 3600.0  # type: ignore[attr-defined]


@pytest.mark.parametrize("query", [
    f"parcels/items?limit=50&bbox={JENA_BOX}",                      # first page of a small box: counted in the page
    f"parcels/items?limit=20&offset=40&bbox={JENA_BOX}&sortby=-area_m2",   # a later page: a count statement
    "parcels/items?limit=30&filter=land_use%20%3D%20%27Wohnbaufl%C3%A4che%27"
    "&crs=http://www.opengis.net/def/crs/EPSG/0/25832",
    "sites/items?limit=100",                                        # what each role sees of a site differs
])
@pytest.mark.parametrize("user", [None, "ogc-planner", "ogc-lm-jena"])
def test_pages_read_on_the_event_loop_are_the_worker_threads_pages(app_client: TestClient, live_server: LiveServer,
                                                                   ways: list[str], query: str, user: str | None) -> None:
    headers = {"Authorization": f"Bearer {live_server.tokens[user]}"} if user else {}
    app_client.get(ITEMS, headers=headers)          # the token becomes known (the thread's way authenticates)
    app_client.app.state.ogc.derived._values.clear()  # type: ignore[attr-defined]  # numberMatched counted anew
    _poll_due(app_client, True)                     # the worker thread's way (it polls the change log)
    on_thread = app_client.get(f"/ogc/collections/{query}", headers=headers)
    app_client.app.state.ogc.derived._values.clear()  # type: ignore[attr-defined]  # numberMatched counted anew
    _poll_due(app_client, False)
    ways.clear()
    on_loop = app_client.get(f"/ogc/collections/{query}", headers=headers)
    assert ways == ["loop"]
    assert on_loop.status_code == on_thread.status_code == 200
    assert on_loop.headers["content-type"] == on_thread.headers["content-type"] == "application/geo+json"
    for header in ("Content-Crs", "OGC-NumberMatched"):
        assert on_loop.headers.get(header) == on_thread.headers.get(header), header
    first, second = on_thread.json(), on_loop.json()
    _same(first, second)
    assert second["numberReturned"] == len(second["features"]) > 0 and "numberMatched" in second


def test_the_worker_threads_way_answers_what_the_loop_cannot(app_client: TestClient, ways: list[str],
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    _poll_due(app_client, False)
    expected = app_client.get(f"{ITEMS}?limit=5&bbox={JENA_BOX}").json()

    async def failing(*a, **k):  # type: ignore[no-untyped-def]
        raise psycopg.OperationalError("connection lost")

    monkeypatch.setattr(AsyncReader, "row_as", failing)
    ways.clear()
    fallback = app_client.get(f"{ITEMS}?limit=5&bbox={JENA_BOX}")
    assert fallback.status_code == 200 and ways == ["loop", "thread"]
    _same(fallback.json(), expected)
    ways.clear()
    assert app_client.get(f"{ITEMS}?limit=5&f=html").status_code == 200 and ways == ["thread"]
    ways.clear()
    unknown = app_client.get(f"{ITEMS}?limit=5", headers={"Authorization": "Bearer nope"})
    assert unknown.status_code == 401 and ways == []
    bad = app_client.get(f"{ITEMS}?limit=5&bbox=1,2,3")
    assert bad.status_code == 400 and bad.headers["content-type"] == "application/problem+json"
    assert json.loads(bad.content)["status"] == 400
