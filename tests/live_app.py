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


def app() -> FastAPI:
    return create_app(Settings(load_demo=False), database_url=os.environ["FLAECHENPOOL_LIVE_TEST_DATABASE_URL"])


if __name__ == "__main__":
    server.run(app(), "127.0.0.1", int(sys.argv[1]), log_level="warning")
