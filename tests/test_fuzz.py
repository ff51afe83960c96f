"""Every operation of both API descriptions (``/openapi.json``, ``/ogc/api``) fuzzed with schemathesis: whatever
it sends (values at and beyond the documented limits, wrong types, NUL characters, random bodies), the service
answers without a server error. Writes included: the server runs on a database of its own, with the schema and
the demo data, dropped afterwards. The seed is fixed, so a run is repeatable; a failure prints the request
that caused it (``st`` shows a curl command)."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from flaechenpool import migrations
from flaechenpool.auth import add_user, create_token
from flaechenpool.db import create_engine_for
from flaechenpool.demo import load_demo
from flaechenpool.settings import PROJECT_ROOT, Settings
from tests.databases import recreate_database
from tests.live import LiveServer, live_server

ST = Path(sys.executable).with_name("st")
DATABASE = "flaechenpool_fuzz"


@pytest.fixture(scope="module")
def fuzzed(server_url: str) -> Iterator[tuple[LiveServer, str]]:
    """A live server over a fresh database with the demo data, and an admin's token."""
    url = recreate_database(server_url, DATABASE)
    engine = create_engine_for(url, Settings())
    migrations.upgrade(engine)
    with engine.begin() as conn:
        assert load_demo(conn, PROJECT_ROOT / "data").loaded
        add_user(conn, "fuzz-admin", role="admin", municipalities=[])
        token = create_token(conn, "fuzz-admin")
    engine.dispose()
    try:
        with live_server(url, log_path=PROJECT_ROOT / "artifacts" / "fuzz-server.log") as live:
            yield live, token
    finally:
        admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
        admin.dispose()


def st_run(schema: str, *args: str, examples: int = 12) -> None:
    # in a folder of its own: st keeps a cache of what it found in .schemathesis/ of its working directory.
    # One worker: with two threads, hypothesis's ast.parse of a lambda's source hit CPython 3.11's thread race
    # ("AST constructor recursion depth mismatch"), an error of the tool, not of the service.
    with tempfile.TemporaryDirectory() as folder:
        result = subprocess.run([str(ST), "run", schema, "--checks", "not_a_server_error", "-n", str(examples),
                                 "--seed", "1", "--workers", "1", *args], cwd=folder,
                                capture_output=True, text=True, timeout=900, stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert "passed" in result.stdout


def test_no_operation_of_the_service_answers_with_a_server_error(fuzzed: tuple[LiveServer, str]) -> None:
    live, token = fuzzed
    st_run(f"{live.url}/openapi.json", "-H", f"Authorization: Bearer {token}")


def test_no_operation_of_the_ogc_api_answers_with_a_server_error(fuzzed: tuple[LiveServer, str]) -> None:
    live, token = fuzzed
    st_run(f"{live.url}/ogc/api?f=json", "--url", f"{live.url}/ogc", "-H", f"Authorization: Bearer {token}")
