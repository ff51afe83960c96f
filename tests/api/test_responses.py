"""api.responses.PartsResponse: a body sent in parts is the joined body under one Content-Length."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from flaechenpool.api.responses import PartsResponse


def _client(*parts: bytes | memoryview) -> TestClient:
    app = FastAPI()

    @app.get("/r")
    def route() -> PartsResponse:
        return PartsResponse(parts, media_type="application/geo+json", headers={"X-Test": "1"})

    return TestClient(app)


def test_parts_arrive_joined_with_their_length() -> None:
    middle = memoryview("{\"name\":\"Grünfläche\"}".encode() * 1000)
    r = _client(b"[", middle, b"", b"]").get("/r")
    assert r.status_code == 200 and r.headers["content-type"] == "application/geo+json"
    assert r.headers["x-test"] == "1"
    assert r.content == b"[" + bytes(middle) + b"]"
    assert int(r.headers["content-length"]) == len(r.content)


def test_no_parts_is_an_empty_body() -> None:
    r = _client(b"", memoryview(b"")).get("/r")
    assert r.status_code == 200 and r.content == b"" and r.headers["content-length"] == "0"
