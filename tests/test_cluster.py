"""Tests of the embedded PostgreSQL/PostGIS cluster, against real PostgreSQL (no mocks).

Every cluster lives in a temporary folder under /var/tmp (reachable by the postgres user) and
uses ports from 55400 on, far from the project's own cluster on 54329.
"""

from __future__ import annotations

import hashlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import create_engine, text

from flaechenpool.cluster import ClusterStatus, EmbeddedCluster, _is_postmaster, default_root
from flaechenpool.errors import ClusterError
from flaechenpool.settings import PROJECT_ROOT, ClusterSettings

PG_BIN = Path("/usr/lib/postgresql/15/bin")
DATABASE = "fp_cluster_test"
IS_ROOT = os.geteuid() == 0

pytestmark = pytest.mark.skipif(not (PG_BIN / "initdb").exists(), reason=f"no PostgreSQL in {PG_BIN}")


def _port_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _as_postgres(*args: str | Path) -> list[str]:
    cmd = [str(arg) for arg in args]
    return ["runuser", "-u", "postgres", "--", *cmd] if IS_ROOT else cmd


def _gone_or_zombie(pid: int) -> bool:
    try:
        return "\nState:\tZ" in Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True


@dataclass
class Started:
    """The module's cluster, with what its first start said and returned."""

    cluster: EmbeddedCluster
    messages: list[str]
    before: ClusterStatus
    first: ClusterStatus
    first_messages: list[str]


@pytest.fixture(scope="module")
def workdir() -> Iterator[Path]:
    base = Path(tempfile.mkdtemp(prefix="fp-cluster-test-", dir="/var/tmp"))
    base.chmod(0o755)  # mkdtemp makes it 0700: the postgres user must pass through
    yield base
    for data in base.glob("*/data"):  # stop whatever a failed test left running
        if (data / "postmaster.pid").exists():
            subprocess.run(
                _as_postgres(PG_BIN / "pg_ctl", "-D", data, "-m", "immediate", "-w", "stop"),
                capture_output=True,
                check=False,
            )
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module")
def base_port() -> int:
    """The first of 8 consecutive free ports from 55400 on."""
    for base in range(55400, 56400, 8):
        if all(_port_free(port) for port in range(base, base + 8)):
            return base
    pytest.fail("no 8 consecutive free ports between 55400 and 56400")


@pytest.fixture(scope="module")
def started(workdir: Path, base_port: int) -> Iterator[Started]:
    messages: list[str] = []
    settings = ClusterSettings(root=workdir / "main", port=base_port, database=DATABASE)
    cluster = EmbeddedCluster(settings, echo=messages.append)
    before = cluster.status()
    first = cluster.start()
    yield Started(cluster, messages, before, first, list(messages))
    cluster.stop()


def _query(status: ClusterStatus, sql: str) -> object:
    with psycopg.connect(
        host=str(status.socket_dir), port=status.port, user="postgres", dbname=DATABASE
    ) as conn:
        row = conn.execute(sql).fetchone()
    assert row is not None
    return row[0]


def test_start_from_nothing_runs_postgis(started: Started, base_port: int) -> None:
    assert started.before.running is False and started.before.pid is None and started.before.port is None
    first = started.first
    assert first.running and first.pid and first.port == base_port
    assert (first.data_dir / "PG_VERSION").read_text().strip() == "15"
    assert (first.root / "port").read_text().strip() == str(base_port)
    info = first.data_dir.stat()
    assert info.st_mode & 0o777 == 0o700
    if IS_ROOT:
        assert pwd.getpwuid(info.st_uid).pw_name == "postgres"
        assert pwd.getpwuid(first.socket_dir.stat().st_uid).pw_name == "postgres"
    assert any("creating a PostgreSQL cluster" in m for m in started.first_messages)
    assert f"created database {DATABASE}" in started.first_messages

    url = started.cluster.url()
    assert url == f"postgresql+psycopg://postgres@/{DATABASE}?host={first.socket_dir}&port={base_port}"
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            version = conn.execute(text("SELECT postgis_version()")).scalar_one()
            database = conn.execute(text("SELECT current_database()")).scalar_one()
            listen = conn.execute(text("SHOW listen_addresses")).scalar_one()
            tuned = {n: conn.execute(text(f"SHOW {n}")).scalar_one() for n in ("shared_buffers", "max_wal_size")}
    finally:
        engine.dispose()
    assert version.startswith("3.")
    assert database == DATABASE
    assert listen == "127.0.0.1"
    assert tuned == {"shared_buffers": "512MB", "max_wal_size": "8GB"}   # ClusterSettings.server_settings


def test_start_twice_is_idempotent(started: Started) -> None:
    first = started.cluster.start()
    log = started.cluster.log_file.read_text()
    second = started.cluster.start()
    assert second.running and second.pid == first.pid and second.port == first.port
    assert started.cluster.log_file.read_text().count("starting PostgreSQL") == log.count(
        "starting PostgreSQL"
    )
    other = EmbeddedCluster(started.cluster.settings)  # a second instance sees the same server
    assert other.status().pid == first.pid


def test_a_data_folder_reached_through_a_symlink_is_the_running_server(started: Started, workdir: Path) -> None:
    """``.flaechenpool`` linked to another disk: the live server must not be taken for a stale one (its
    lock file would be removed and it would shut down)."""
    running = started.cluster.start()
    link = workdir / "linked-pg"
    link.symlink_to(started.cluster.root, target_is_directory=True)
    assert _is_postmaster(running.pid or 0, link / "data")
    assert not _is_postmaster(running.pid or 0, workdir)


def test_stop_twice_then_start_reuses_recorded_port(started: Started) -> None:
    running = started.cluster.start()
    stopped = started.cluster.stop()
    assert stopped.running is False and stopped.pid is None
    assert stopped.port == running.port  # the recorded port
    assert not (stopped.data_dir / "postmaster.pid").exists()
    assert _gone_or_zombie(running.pid or 0)
    assert started.cluster.status().running is False
    again = started.cluster.stop()
    assert again.running is False
    restarted = started.cluster.start()
    assert restarted.running and restarted.port == running.port and restarted.pid != running.pid


def test_port_in_use_picks_next_port(started: Started, base_port: int) -> None:
    cluster = started.cluster
    cluster.stop()
    recorded = cluster.status().port
    assert recorded is not None
    started.messages.clear()
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", recorded))
        squatter.listen()
        status = cluster.start()
    assert status.running and status.port != recorded
    assert recorded < status.port <= base_port + 50
    assert f"port {recorded} on 127.0.0.1 is in use; using {status.port}" in started.messages
    assert (cluster.root / "port").read_text().strip() == str(status.port)
    with psycopg.connect(host="127.0.0.1", port=status.port, user="postgres", dbname=DATABASE) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)


def test_kill_9_leaves_stale_pid_file_and_start_recovers(started: Started) -> None:
    cluster = started.cluster
    old = cluster.start()
    assert old.pid is not None
    os.kill(old.pid, signal.SIGKILL)
    deadline = time.monotonic() + 5
    while not _gone_or_zombie(old.pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert (old.data_dir / "postmaster.pid").exists()  # left behind by the killed server
    assert cluster.status().running is False
    started.messages.clear()
    new = cluster.start()
    assert new.running and new.pid != old.pid
    assert any("removing stale" in m for m in started.messages)
    assert str(_query(new, "SELECT postgis_version()")).startswith("3.")


def test_pid_file_of_a_foreign_process_is_stale(started: Started) -> None:
    cluster = started.cluster
    cluster.stop()
    pid_file = cluster.data_dir / "postmaster.pid"
    pid_file.write_text(
        f"{os.getpid()}\n{cluster.data_dir}\n0\n{cluster.status().port}\n"
    )  # live, not postgres
    assert cluster.status().running is False
    status = cluster.start()
    assert status.running and status.pid != os.getpid()
    assert _query(status, "SELECT 1") == 1


def test_zombie_pid_in_pid_file_and_socket_lock_is_stale(started: Started, workdir: Path) -> None:
    """A killed server whose parent has not reaped it yet: a zombie named postgres, owned by postgres."""
    cluster = started.cluster
    port = cluster.stop().port
    fake = workdir / "zombie" / "postgres"  # so that /proc/PID/status says Name: postgres
    fake.parent.mkdir(exist_ok=True)
    shutil.copy("/bin/true", fake)
    child = subprocess.Popen([fake], cwd=cluster.data_dir, user="postgres" if IS_ROOT else None)
    try:
        deadline = time.monotonic() + 5
        while (
            "\nState:\tZ" not in Path(f"/proc/{child.pid}/status").read_text() and time.monotonic() < deadline
        ):
            time.sleep(0.01)
        assert "\nState:\tZ" in Path(f"/proc/{child.pid}/status").read_text()
        (cluster.data_dir / "postmaster.pid").write_text(f"{child.pid}\n{cluster.data_dir}\n0\n{port}\n")
        (cluster.socket_dir / f".s.PGSQL.{port}.lock").write_text(f"{child.pid}\n{cluster.socket_dir}\n")
        assert cluster.status().running is False
        status = cluster.start()
        assert status.running and status.pid != child.pid and status.port == port
        assert _query(status, "SELECT 1") == 1
    finally:
        child.wait()


def test_pg_ctl_failure_reports_the_log_tail(started: Started) -> None:
    cluster = started.cluster
    cluster.stop()
    conf = cluster.data_dir / "postgresql.auto.conf"
    original = conf.read_text()
    conf.write_text(original + "shared_buffers = 'plenty'\n")
    try:
        with pytest.raises(ClusterError, match=r"could not start.*shared_buffers.*plenty"):
            cluster.start()
    finally:
        conf.write_text(original)
    assert cluster.start().running


def test_non_cluster_data_folder_is_refused(workdir: Path, base_port: int) -> None:
    root = workdir / "junk"
    (root / "data").mkdir(parents=True)
    (root / "data" / "notes.txt").write_text("not a database\n")
    cluster = EmbeddedCluster(ClusterSettings(root=root, port=base_port + 6, database=DATABASE))
    with pytest.raises(ClusterError, match=rf"{root / 'data'} is not empty but holds no PostgreSQL cluster"):
        cluster.start()
    assert (root / "data" / "notes.txt").exists() and not (root / "data" / "PG_VERSION").exists()
    assert cluster.status().running is False


def test_missing_binaries_name_the_package(workdir: Path) -> None:
    root = workdir / "nobin"
    cluster = EmbeddedCluster(ClusterSettings(root=root, pg_bin=workdir / "no-such-bin"))
    with pytest.raises(
        ClusterError, match=r"no-such-bin/initdb not found; install the package postgresql-15"
    ):
        cluster.start()
    assert not root.exists()


@pytest.mark.skipif(not IS_ROOT, reason="the postgres user only matters when running as root")
def test_default_root_falls_back_when_postgres_cannot_traverse() -> None:
    fake_home = Path(tempfile.mkdtemp(prefix="fp-cluster-private-", dir="/var/tmp"))  # root, 0700
    try:
        project = fake_home / "checkout"
        project.mkdir()
        messages: list[str] = []
        root = default_root(project, echo=messages.append)
        digest = hashlib.sha256(str(project).encode()).hexdigest()[:8]
        assert root == Path(f"/var/tmp/flaechenpool-{digest}/pg")
        assert len(messages) == 1
        assert (
            str(root) in messages[0] and f"cannot traverse {fake_home} (mode 700, owner root)" in messages[0]
        )
        assert not root.exists()  # choosing a folder creates nothing

        fake_home.chmod(0o755)
        messages.clear()
        assert default_root(project, echo=messages.append) == project / ".flaechenpool" / "pg"
        assert messages == []
    finally:
        shutil.rmtree(fake_home)


def test_default_root_falls_back_when_socket_path_too_long(workdir: Path) -> None:
    project = workdir / ("x" * 90)
    messages: list[str] = []
    root = default_root(project, echo=messages.append)
    assert root.parent.parent == Path("/var/tmp") and root.parent.name.startswith("flaechenpool-")
    assert len(messages) == 1 and "107 bytes" in messages[0]


def test_cluster_without_root_uses_default_root() -> None:
    assert EmbeddedCluster(ClusterSettings()).root == default_root(PROJECT_ROOT)
