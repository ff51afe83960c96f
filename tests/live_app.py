"""The live test server: ``python -m tests.live_app PORT`` serves the app as ``flaechenpool serve`` does
(``api.server.run``) over the test database, with settings from the environment the fixture passes
(e.g. rate limits)."""

from __future__ import annotations

import os
import sys

from fastapi import FastAPI

from flaechenpool.api import server
from flaechenpool.api.app import create_app
from flaechenpool.settings import Settings


def app(settings: Settings) -> FastAPI:
    return create_app(settings, database_url=os.environ["FLAECHENPOOL_LIVE_TEST_DATABASE_URL"])


if __name__ == "__main__":
    settings = Settings(load_demo=False)
    server.run(app(settings), "127.0.0.1", int(sys.argv[1]), access_log=settings.api.access_log,
               log_level="info" if settings.api.access_log else "warning")
