"""App factory for the live test server (``uvicorn --factory tests.live_app:app``): the test database,
settings from the environment the fixture passes (e.g. rate limits)."""

from __future__ import annotations

import os

from fastapi import FastAPI

from flaechenpool.api.app import create_app
from flaechenpool.settings import Settings


def app() -> FastAPI:
    return create_app(Settings(load_demo=False), database_url=os.environ["FLAECHENPOOL_LIVE_TEST_DATABASE_URL"])
