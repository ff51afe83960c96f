"""The service's log as ``flaechenpool serve`` writes it: with ``api.access_log`` a line per request (cached
tiles included, which the protocol then leaves to the application), and the background jobs' messages
(logger ``flaechenpool``) on the same stream."""

from __future__ import annotations

import re
import time
from pathlib import Path

import httpx
import morecantile
from sqlalchemy import create_engine, text

from tests.live import free_port, live_server

JENA = (11.59, 50.928)
SOEMMERDA = "16068051"


def test_requests_and_job_messages_reach_the_log(database_url: str, tmp_path: Path) -> None:
    engine = create_engine(database_url)
    with engine.begin() as own:       # the mail job's turn is logged when it has something to do
        reference = own.execute(text(
            "SELECT core.submit_site_report('fallow_land', 'Brache neben dem Bahnhof, seit Jahren ungenutzt.', "
            "ST_X(p), ST_Y(p), 25832, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 'v1') "
            "FROM (SELECT ST_PointOnSurface(geom) AS p FROM core.municipalities WHERE ags = :m) m"),
            {"m": SOEMMERDA}).scalar_one()
    log = tmp_path / "serve.log"
    env = {"FLAECHENPOOL_API__ACCESS_LOG": "true", "FLAECHENPOOL_MAIL__SMTP_HOST": "127.0.0.1",
           "FLAECHENPOOL_MAIL__SMTP_PORT": str(free_port()), "FLAECHENPOOL_MAIL__SECURITY": "none",
           "FLAECHENPOOL_MAIL__EVERY_S": "0.5"}
    try:
        with live_server(database_url, env, log_path=log) as live, httpx.Client(base_url=live.url) as http:
            t = morecantile.tms.get("WebMercatorQuad").tile(*JENA, 14)
            path = f"/ogc/collections/parcels/tiles/WebMercatorQuad/{t.z}/{t.y}/{t.x}"
            first, again = http.get(path), http.get(path)          # built, then from the cache
            assert first.status_code == again.status_code == 200 and first.content == again.content
            assert http.get("/health").status_code == 200
            deadline = time.monotonic() + 20
            while "notifications:" not in log.read_text() and time.monotonic() < deadline:
                time.sleep(0.2)
        lines = log.read_text().splitlines()
        assert sum(f'"GET {path} HTTP/1.1" 200' in line for line in lines) == 2
        assert any('"GET /health HTTP/1.1" 200' in line for line in lines)
        # no admin or land manager of Sömmerda has an address in the test database
        assert any(re.search(r"notifications: 0 sent, 0 failed, [1-9][0-9]* without recipient", line)
                   for line in lines), lines[-5:]
    finally:
        with engine.begin() as own:
            own.execute(text("DELETE FROM core.notifications WHERE reference = :r"), {"r": reference})
            own.execute(text("DELETE FROM core.site_reports WHERE reference = :r"), {"r": reference})
        engine.dispose()
