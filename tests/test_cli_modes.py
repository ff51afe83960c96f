"""The command line as a user runs it, in both modes: the embedded cluster (no DATABASE_URL) and an
external server (DATABASE_URL; the test cluster plays that server). Bad input gives one clear
message, a non-zero exit and leaves stored data untouched."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.databases import recreate_database

CLI = [sys.executable, "-m", "flaechenpool.cli"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def env(**values: str | None) -> dict[str, str]:
    result = {k: v for k, v in os.environ.items() if not k.startswith("FLAECHENPOOL_") and k != "DATABASE_URL"}
    result.update({k: v for k, v in values.items() if v is not None})
    return result


def run(*args: str, environ: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], env=environ, capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)


@pytest.fixture
def cluster_root() -> Iterator[Path]:
    root = Path(f"/var/tmp/fp-cli-test-{uuid.uuid4().hex[:8]}")
    yield root / "pg"
    if (root / "pg" / "data" / "postmaster.pid").exists():
        subprocess.run([*CLI, "db", "stop"], env=env(FLAECHENPOOL_CLUSTER__ROOT=str(root / "pg")),
                       capture_output=True, timeout=60)
    shutil.rmtree(root, ignore_errors=True)


def wait_for_health(port: int, proc: subprocess.Popen[str], timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"serve exited early with {proc.returncode}")
        try:
            response = httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
            if response.status_code == 200:
                return response.json()
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise AssertionError("service did not come up")


def start_serve(port: int, environ: dict[str, str], log: Path) -> subprocess.Popen[str]:
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as out:  # a file, not a pipe: a full pipe would block the server
        return subprocess.Popen([*CLI, "serve", "--port", str(port)], env=environ, stdout=out, stderr=out,
                                text=True, stdin=subprocess.DEVNULL)


def stop(proc: subprocess.Popen[str]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


def test_embedded_mode_serve_starts_cluster_loads_demo_and_serves(cluster_root: Path) -> None:
    port = free_port()
    environ = env(FLAECHENPOOL_CLUSTER__ROOT=str(cluster_root), FLAECHENPOOL_CLUSTER__PORT=str(free_port()))
    proc = start_serve(port, environ, cluster_root.parent / "serve.log")
    try:
        health = wait_for_health(port, proc, timeout=240)
        assert health["counts"]["municipalities"] == 8
        assert health["counts"]["parcels"] > 15000
        assert httpx.get(f"http://127.0.0.1:{port}/", timeout=10).status_code == 200
        # a second serve on the same port: one clear message, non-zero exit
        second = run("serve", "--port", str(port), environ=environ)
        assert second.returncode == 1
        assert "already in use" in second.stderr and "Traceback" not in second.stderr
    finally:
        stop(proc)
    assert (cluster_root / "data" / "PG_VERSION").exists()
    status = run("db", "status", environ=environ)
    assert status.returncode == 0 and "yes" in status.stdout
    # idempotent start, then stop twice, then status says not running
    assert run("db", "start", environ=environ).returncode == 0
    assert run("db", "stop", environ=environ).returncode == 0
    assert run("db", "stop", environ=environ).returncode == 0
    assert run("db", "status", environ=environ).returncode == 3


def test_external_mode_uses_database_url_and_never_touches_a_local_cluster(server_url: str, tmp_path: Path) -> None:
    url = recreate_database(server_url, "flaechenpool_test_external")
    untouched = tmp_path / "must-not-exist" / "pg"
    environ = env(DATABASE_URL=url, FLAECHENPOOL_CLUSTER__ROOT=str(untouched), FLAECHENPOOL_LOAD_DEMO="false")
    port = free_port()
    proc = start_serve(port, environ, tmp_path / "serve.log")
    try:
        health = wait_for_health(port, proc, timeout=60)
        assert health["database"]["name"] == "flaechenpool_test_external"
        assert health["counts"]["municipalities"] == 0  # demo switched off
    finally:
        stop(proc)
    refused = run("db", "start", environ=environ)
    assert refused.returncode == 1 and "DATABASE_URL is set" in refused.stderr
    status = run("db", "status", environ=environ)
    assert status.returncode == 0 and "external database" in status.stdout
    assert not untouched.parent.exists()


def test_wrong_database_url_is_one_clear_message() -> None:
    result = run("serve", "--port", str(free_port()),
                 environ=env(DATABASE_URL="postgresql://nobody:secret@127.0.0.1:9/none"))
    assert result.returncode == 1
    assert "cannot connect to the database" in result.stderr
    assert "secret" not in result.stderr and "Traceback" not in result.stderr
    malformed = run("db", "status", environ=env(DATABASE_URL="mysql://somewhere/db"))
    assert malformed.returncode == 1 and "DATABASE_URL must start with postgresql://" in malformed.stderr


def test_database_without_postgis_is_one_clear_message(server_url: str) -> None:
    url = recreate_database(server_url, "flaechenpool_test_nopostgis", postgis=False)
    result = run("serve", "--port", str(free_port()), environ=env(DATABASE_URL=url))
    assert result.returncode == 1
    assert "no PostGIS extension" in result.stderr and "Traceback" not in result.stderr


def test_invalid_setting_is_one_clear_message() -> None:
    result = run("serve", environ=env(FLAECHENPOOL_API__DEFAULT_LIMIT="20000"))
    assert result.returncode == 1
    assert "invalid configuration" in result.stderr and "default_limit" in result.stderr


def test_broken_demo_file_via_cli_names_it_and_stores_nothing(server_url: str, data_dir: Path, tmp_path: Path) -> None:
    url = recreate_database(server_url, "flaechenpool_test_cli_broken")
    broken = tmp_path / "data"
    shutil.copytree(data_dir, broken)
    (broken / "boundaries" / "thueringen_boundaries.gpkg").write_bytes(b"this is not a GeoPackage")
    result = run("demo", "load", environ=env(DATABASE_URL=url, FLAECHENPOOL_DATA_DIR=str(broken)))
    assert result.returncode == 1
    assert "thueringen_boundaries.gpkg" in result.stderr and "Traceback" not in result.stderr
    engine = create_engine(url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM core.municipalities")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM core.import_runs")).scalar() == 0
    engine.dispose()
