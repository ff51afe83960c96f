"""A real uvicorn server as ``flaechenpool serve`` runs it (a subprocess on a free port) over the test
database, for clients that need a socket: GDAL, QGIS, Chromium. Its users are committed (names start
with "ogc-")."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

from flaechenpool.auth import add_user, create_token
from flaechenpool.settings import PROJECT_ROOT

JENA = "16053000"
ILMENAU = "16070029"
USERS = {"ogc-planner": ("planner", []), "ogc-lm-jena": ("land_manager", [JENA]),
         "ogc-lm-ilmenau": ("land_manager", [ILMENAU])}


@dataclass(frozen=True)
class LiveServer:
    url: str                 # http://127.0.0.1:PORT
    tokens: dict[str, str]   # committed users of the session (see USERS)
    database_url: str


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _committed_tokens(database_url: str) -> dict[str, str]:
    engine = create_engine(database_url)
    tokens = {}
    try:
        with engine.begin() as conn:
            for name, (role, municipalities) in USERS.items():
                if conn.execute(text("SELECT 1 FROM auth.users WHERE username = :u"), {"u": name}).first() is None:
                    add_user(conn, name, role=role, municipalities=municipalities)
                tokens[name] = create_token(conn, name)
    finally:
        engine.dispose()
    return tokens


@contextmanager
def live_server(database_url: str, env: Mapping[str, str] | None = None,
                log_path: Path | None = None) -> Iterator[LiveServer]:
    """Serve the app on 127.0.0.1 until the block ends; the log goes to ``log_path`` (default
    artifacts/live-server.log)."""
    tokens = _committed_tokens(database_url)
    port = free_port()
    environ = dict(os.environ, FLAECHENPOOL_LIVE_TEST_DATABASE_URL=database_url, PYTHONWARNINGS="ignore", **(env or {}))
    artifacts = PROJECT_ROOT / "artifacts"
    if log_path is None and artifacts.is_dir():
        log_path = artifacts / "live-server.log"
    log = open(log_path, "w") if log_path is not None else subprocess.DEVNULL  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.live_app", str(port)],
        cwd=PROJECT_ROOT, env=environ, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(url + "/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the test server did not start (exit code {proc.poll()})")
            time.sleep(0.2)
        yield LiveServer(url, tokens, database_url)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if log is not subprocess.DEVNULL:
            log.close()
