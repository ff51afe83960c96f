"""``api.server.TileProtocol``: cached tiles written by uvicorn's HTTP protocol itself, checked on a real
uvicorn server (in this process, so the test can see what the protocol answered) over the test
database: the same answers as the routes, 304s, per caller, invalidated by a change of the data, and
everything else (query strings, unknown tokens, pipelined requests, ``Connection: close``, HTTP/1.0)
answered as uvicorn and the routes answer it."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx
import mapbox_vector_tile
import morecantile
import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy import create_engine, text

from flaechenpool.api.app import create_app
from flaechenpool.api.server import TileProtocol, tile_protocol
from flaechenpool.settings import Settings
from tests.live import LiveServer, free_port

TMS = morecantile.tms.get("WebMercatorQuad")
JENA = (11.59, 50.928)
SAME_HEADERS = ("etag", "vary", "cache-control", "content-type", "content-length")


@dataclass
class Served:
    url: str
    app: FastAPI
    protocol: type[TileProtocol]


@pytest.fixture(scope="module")
def served(live_server: LiveServer) -> Iterator[Served]:
    """The app on uvicorn with ``TileProtocol`` in a thread of this process (committed test data and
    users of the live server's fixture)."""
    app = create_app(Settings(load_demo=False), database_url=live_server.database_url)
    protocol = tile_protocol(app)
    assert issubclass(protocol, TileProtocol)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, http=protocol, log_level="warning",
                                           access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    try:
        yield Served(f"http://127.0.0.1:{port}", app, protocol)  # type: ignore[arg-type]
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def no_poll(served: Served) -> Iterator[None]:
    """No change-log poll (which the route does) within the block: requests are counted exactly. The
    server's state is prepared first (the first tile request)."""
    with httpx.Client(base_url=served.url) as http:
        assert http.get(_path(TMS.tile(*JENA, 12))).status_code == 200
    tracker = served.app.state.ogc.tracker
    interval, tracker.interval_s = tracker.interval_s, 3600.0
    try:
        yield
    finally:
        tracker.interval_s = interval


def _path(t: morecantile.Tile, tileset: str = "collections/parcels/tiles") -> str:
    return f"/ogc/{tileset}/WebMercatorQuad/{t.z}/{t.y}/{t.x}"


def _raw(url: str, request: bytes, answers: int) -> bytes:
    """Send raw bytes; what comes back until ``answers`` complete answers arrived or the server closed."""
    host, port = url.removeprefix("http://").split(":")
    received = b""
    with socket.create_connection((host, int(port)), timeout=5) as s:
        s.sendall(request)
        while len(_answers(received, partial=True)) < answers and (chunk := s.recv(65536)):
            received += chunk
    return received


def test_cached_tiles_are_answered_by_the_protocol_as_the_routes_answer_them(served: Served,
                                                                           live_server: LiveServer) -> None:
    planner = {"Authorization": f"Bearer {live_server.tokens['ogc-planner']}"}
    path = _path(TMS.tile(*JENA, 15))
    with httpx.Client(base_url=served.url) as http, no_poll(served):
        answered, built = served.protocol.answered, served.protocol.built
        first = http.get(path)                      # built through the protocol's own cycle
        assert first.status_code == 200 and served.protocol.answered == answered
        assert served.protocol.built == built + 1
        again = [http.get(path) for _ in range(3)]  # planned once, then answered as remembered
        assert served.protocol.answered == answered + 3
        assert (path.encode(), None) in served.protocol.again
        for r in again:
            assert r.status_code == 200 and r.content == first.content
            assert [r.headers[h] for h in SAME_HEADERS] == [first.headers[h] for h in SAME_HEADERS]
        assert mapbox_vector_tile.decode(again[-1].content)["parcels"]["features"]
        assert first.headers["cache-control"] == "public, no-cache"
        not_modified = http.get(path, headers={"If-None-Match": f'"other", {first.headers["etag"]}'})
        assert not_modified.status_code == 304 and not_modified.content == b""
        assert not_modified.headers["etag"] == first.headers["etag"] and "content-length" not in not_modified.headers
        assert http.get(path, headers={"If-None-Match": '"other"'}).status_code == 200

        mine = http.get(path, headers=planner)      # another caller: remembered apart, private
        assert mine.status_code == 200 and mine.headers["cache-control"] == "private, no-cache"
        assert http.get(path, headers=planner).headers["etag"] == mine.headers["etag"]
        assert http.get(path).headers["cache-control"] == "public, no-cache"

        # a token the server no longer knows goes to the route again (which looks it up)
        served.app.state.principals.forget()
        answered = served.protocol.answered
        assert http.get(path, headers=planner).status_code == 200 and served.protocol.answered == answered
        unknown = http.get(path, headers={"Authorization": "Bearer not-a-token"})
        assert unknown.status_code == 401 and unknown.headers["content-type"] == "application/problem+json"
        query = http.get(path + "?f=mvt")
        assert query.status_code == 400 and query.headers["content-type"] == "application/problem+json"
        assert served.protocol.answered == answered
        assert http.get(path, headers=planner).status_code == 200     # the route knows the token again
        assert served.protocol.answered == answered + 1


def test_a_change_of_the_data_is_not_answered_from_what_was_remembered(served: Served,
                                                                       live_server: LiveServer) -> None:
    engine = create_engine(live_server.database_url)
    try:
        with engine.connect() as db:
            site_id, name, lon, lat = db.execute(text(
                "SELECT id, name, ST_X(c), ST_Y(c) FROM (SELECT id, name, ST_Transform(ST_PointOnSurface(geom), "
                "4326) AS c FROM core.sites WHERE municipality_ags = '16053000' ORDER BY id LIMIT 1) s")).one()
        path = _path(TMS.tile(lon, lat, 15), "collections/sites/tiles")
        planner = {"Authorization": f"Bearer {live_server.tokens['ogc-planner']}"}
        land_manager = {"Authorization": f"Bearer {live_server.tokens['ogc-lm-jena']}"}   # same cache entries
        with httpx.Client(base_url=served.url) as http:
            before = http.get(path, headers=planner)
            assert http.get(path, headers=planner).content == before.content
            assert (path.encode(), planner["Authorization"].encode()) in served.protocol.again
            try:
                with engine.begin() as db:
                    db.execute(text("UPDATE core.sites SET name = 'Umbenannt im Test' WHERE id = :i"), {"i": site_id})
                time.sleep(1.2)                     # the change log is polled once a second
                # another caller's request polls (the route): the tile is evicted and built anew, while
                # the planner's URL is still remembered with the old ETag
                after = http.get(path, headers=land_manager)
                assert after.status_code == 200 and after.headers["etag"] != before.headers["etag"]
                names = {f["properties"]["id"]: f["properties"].get("name")
                         for f in mapbox_vector_tile.decode(after.content)["sites"]["features"]}
                assert names[site_id] == "Umbenannt im Test"
                with no_poll(served):
                    answered = served.protocol.answered
                    for again in (http.get(path, headers=planner),
                                  http.get(path, headers={**planner, "If-None-Match": before.headers["etag"]})):
                        assert again.status_code == 200 and again.content == after.content
                        assert again.headers["etag"] == after.headers["etag"]
                        assert again.headers["content-length"] == str(len(after.content))
                    assert served.protocol.answered == answered + 2
            finally:
                with engine.begin() as db:
                    db.execute(text("UPDATE core.sites SET name = :n WHERE id = :i"), {"n": name, "i": site_id})
    finally:
        engine.dispose()


def _answers(received: bytes, *, partial: bool = False) -> list[tuple[int, str, bytes]]:
    """Status, content type and body of each complete answer in ``received`` (all with Content-Length;
    an incomplete last one is an error unless ``partial``)."""
    answers = []
    while received:
        head, blank, rest = received.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = dict(line.lower().split(": ", 1) for line in lines[1:]) if blank else {}
        if "content-length" not in headers or len(rest) < int(headers["content-length"]):
            assert partial, received
            break
        length = int(headers["content-length"])
        answers.append((int(lines[0].split()[1]), headers["content-type"], rest[:length]))
        received = rest[length:]
    return answers


def test_pipelined_close_and_http10_requests_are_answered_in_order(served: Served) -> None:
    path = _path(TMS.tile(*JENA, 14)).encode()
    with httpx.Client(base_url=served.url) as http:
        tile = http.get(path.decode())
        assert tile.status_code == 200 and tile.content and http.get(path.decode()).content == tile.content
    get = b"GET %s HTTP/1.1\r\nHost: x\r\n\r\n"
    with no_poll(served):
        answered = served.protocol.answered
        # cached tile, a route, the cached tile again: three answers in the order asked
        answers = _answers(_raw(served.url, get % path + get % b"/health" + get % path, 3))
        assert [(status, kind) for status, kind, _ in answers] == [
            (200, "application/vnd.mapbox-vector-tile"), (200, "application/json"),
            (200, "application/vnd.mapbox-vector-tile")]
        assert answers[0][2] == answers[2][2] == tile.content
        assert served.protocol.answered == answered + 1     # the third waited behind the route's answer
        closed = _raw(served.url, b"GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % path, 2)
        assert b"connection: close\r\n" in closed.lower()        # and the server closed (one answer only)
        assert _answers(closed) == [(200, "application/vnd.mapbox-vector-tile", tile.content)]
        assert served.protocol.answered == answered + 2
        old = _raw(served.url, b"GET %s HTTP/1.0\r\n\r\n" % path, 2)   # uvicorn's own path
        assert _answers(old) == [(200, "application/vnd.mapbox-vector-tile", tile.content)]
        assert served.protocol.answered == answered + 2

        # tiles to build: the first is built by the protocol's cycle while the others wait behind it
        served.app.state.ogc.tiles.clear()
        built = served.protocol.built
        answers = _answers(_raw(served.url, get % path + get % b"/health" + get % path, 3))
        assert [(status, body == tile.content) for status, _, body in answers] == [(200, True), (200, False),
                                                                                  (200, True)]
        assert served.protocol.built == built + 1 and served.protocol.answered == answered + 2
        served.app.state.ogc.tiles.clear()
        closed = _raw(served.url, b"GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % path, 2)
        assert b"connection: close\r\n" in closed.lower() and served.protocol.built == built + 2
        assert _answers(closed) == [(200, "application/vnd.mapbox-vector-tile", tile.content)]


def test_a_tile_to_build_is_built_without_the_application_and_answered_as_the_route_does(
        served: Served, live_server: LiveServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """An uncached tile of a known caller is built by the protocol's own cycle (no middleware, no
    second plan): the same bytes and headers as the route's answer, a 304 for its ETag. When that build
    fails, the application answers once — its tile front does not try again — through the route."""
    from flaechenpool.api import server, tile_front

    tries: list[object] = []

    async def failing(app: FastAPI, known: tile_front.Planned) -> None:
        tries.append(known.key)
        return None

    async def broken(app: FastAPI, known: tile_front.Planned) -> None:
        raise RuntimeError("a bug")

    planner = {"Authorization": f"Bearer {live_server.tokens['ogc-planner']}"}
    cache = served.app.state.ogc.tiles
    with httpx.Client(base_url=served.url) as http, no_poll(served):
        for path in (_path(TMS.tile(*JENA, 15)), _path(TMS.tile(*JENA, 13), "tiles")):
            for headers in ({}, planner):
                cache.clear()
                built = served.protocol.built
                made = http.get(path, headers=headers)
                assert made.status_code == 200 and made.content and served.protocol.built == built + 1

                cache.clear()
                with monkeypatch.context() as patched:
                    patched.setattr(server, "build", failing)
                    patched.setattr(tile_front, "build", failing)
                    tried = len(tries)
                    routed = http.get(path, headers=headers)
                assert len(tries) == tried + 1 and served.protocol.built == built + 1
                assert routed.status_code == 200 and routed.content == made.content
                assert [made.headers[h] for h in SAME_HEADERS] == [routed.headers[h] for h in SAME_HEADERS]

                cache.clear()
                with monkeypatch.context() as patched:        # a bug in the build: the route answers too
                    patched.setattr(server, "build", broken)
                    patched.setattr(tile_front, "build", failing)
                    tried = len(tries)
                    rescued = http.get(path, headers=headers)
                assert len(tries) == tried and rescued.status_code == 200 and rescued.content == made.content

                cache.clear()
                again = http.get(path, headers={**headers, "If-None-Match": made.headers["etag"]})
                assert again.status_code == 304 and again.content == b"" and served.protocol.built == built + 2


def test_an_unexpected_error_hands_every_request_to_the_application(served: Served,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """A failure inside the protocol's own step (here: planning raises) must not cost the request: the
    application answers it, and all further ones (the protocol stops answering tiles itself)."""
    from flaechenpool.api import server

    path = _path(TMS.tile(*JENA, 13))
    with httpx.Client(base_url=served.url) as http, no_poll(served):
        expected = http.get(path)
        monkeypatch.setattr(server, "plan_request", lambda *a: 1 / 0)
        served.protocol.again.clear()
        try:
            answered = served.protocol.answered
            for _ in range(2):
                r = http.get(path)
                assert r.status_code == 200 and r.content == expected.content
            assert served.protocol.fast is False and served.protocol.answered == answered
        finally:
            served.protocol.fast = True


def test_items_pages_are_read_past_the_middlewares_and_answered_as_the_route_does(
        served: Served, ways: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """An items page goes from the protocol straight to the items front (``items_front.page_of``), past the
    middleware stack; what the front does not answer, or a bug in it, goes to the application, whose own
    items front does not try again, and the route answers it as without the protocol."""
    from flaechenpool.api import server

    taken = ways        # "thread", "loop" (the items route's two ways) and "protocol"
    page_of = server.page_of

    async def in_protocol(scope):  # type: ignore[no-untyped-def]
        taken.append("protocol")
        return await page_of(scope)

    async def broken(scope):  # type: ignore[no-untyped-def]
        taken.append("protocol")
        raise RuntimeError("a bug")

    monkeypatch.setattr(server, "page_of", in_protocol)
    path = "/ogc/collections/parcels/items?limit=20&bbox=11.55,50.90,11.63,50.95"
    with httpx.Client(base_url=served.url) as http, no_poll(served):
        read = http.get(path)
        assert read.status_code == 200 and taken == ["protocol", "loop"]
        assert read.headers["content-type"] == "application/geo+json" and read.headers["content-crs"]
        taken.clear()
        html = http.get(path + "&f=html")               # not the front's: on to the application's route
        assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
        assert taken == ["protocol", "thread"]
        taken.clear()
        monkeypatch.setattr(server, "page_of", broken)
        rescued = http.get(path)
        assert rescued.status_code == 200 and taken == ["protocol", "thread"]
        first, second = read.json(), rescued.json()
        first.pop("timeStamp"), second.pop("timeStamp")
        assert first == second and first["numberReturned"] == 20
        bad = http.get(path + "&limit=x")
        assert bad.status_code == 400 and bad.headers["content-type"] == "application/problem+json"

        # through a proxy (uvicorn trusts 127.0.0.1): links with the scheme the client used, as the route gives
        monkeypatch.setattr(server, "page_of", in_protocol)
        taken.clear()
        proxied = http.get(path, headers={"X-Forwarded-Proto": "https"})
        assert proxied.status_code == 200 and "protocol" not in taken
        assert {link["href"].split(":")[0] for link in proxied.json()["links"]} == {"https"}
        assert {link["href"].split(":")[0] for link in read.json()["links"]} == {"http"}
