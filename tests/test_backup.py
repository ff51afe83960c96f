"""flaechenpool db backup / db restore on scratch databases of the test server, through the real command."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from flaechenpool import migrations
from flaechenpool.auth import add_user
from flaechenpool.backup import backup, restore
from flaechenpool.cluster import EmbeddedCluster
from flaechenpool.db import create_engine_for
from flaechenpool.errors import Conflict, ImportFileError
from flaechenpool.settings import ClusterSettings, Settings
from tests.databases import recreate_database

NAME = "flaechenpool_test_backup"


def _databases(server_url: str) -> list[str]:
    engine = create_engine(server_url)
    with engine.connect() as conn:
        names = list(conn.execute(text("SELECT datname FROM pg_database WHERE datname LIKE :n ORDER BY 1"),
                                  {"n": f"{NAME}%"}).scalars())
    engine.dispose()
    return names


def _drop(server_url: str, names: list[str]) -> None:
    engine = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        for name in names:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    engine.dispose()


def _users(url: str) -> list[str]:
    engine = create_engine(url)
    with engine.connect() as conn:
        names = list(conn.execute(text("SELECT username FROM auth.users ORDER BY 1")).scalars())
    engine.dispose()
    return names


@pytest.fixture
def scratch(server_url: str) -> Iterator[str]:
    """A migrated database with one user, and nothing of it left afterwards."""
    url = recreate_database(server_url, NAME)
    engine = create_engine_for(url, Settings())
    migrations.upgrade(engine)
    with engine.begin() as conn:
        add_user(conn, "vor.der.sicherung", role="planner")
    engine.dispose()
    yield url
    _drop(server_url, _databases(server_url))


def _flaechenpool(url: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, DATABASE_URL=url)
    return subprocess.run([sys.executable, "-m", "flaechenpool.cli", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300, stdin=subprocess.DEVNULL, check=False)


def test_a_backup_restores_what_was_there_and_keeps_what_it_replaced(scratch: str, server_url: str,
                                                                     tmp_path: Path) -> None:
    made = _flaechenpool(scratch, "db", "backup", "sicherung.dump", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    assert "backup of schema " + migrations.head_revision() in made.stdout
    assert [p.name for p in tmp_path.iterdir()] == ["sicherung.dump"]              # no partial file left
    again = _flaechenpool(scratch, "db", "backup", "sicherung.dump", cwd=tmp_path)
    assert again.returncode == 1 and "exists already" in again.stderr             # never overwritten

    engine = create_engine_for(scratch, Settings())
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM auth.users"))
        add_user(conn, "nach.der.sicherung", role="admin")
    engine.dispose()

    restored = _flaechenpool(scratch, "db", "restore", "sicherung.dump", cwd=tmp_path)
    assert restored.returncode == 0, restored.stderr
    assert _users(scratch) == ["vor.der.sicherung"]
    kept = [n for n in _databases(server_url) if n.startswith(f"{NAME}_before_restore_")]
    assert len(kept) == 1 and kept[0] in restored.stdout
    assert _users(make_url(scratch).set(database=kept[0]).render_as_string(hide_password=False)) == [
        "nach.der.sicherung"]
    assert f"{NAME}_restoring" not in _databases(server_url)

    dropped = _flaechenpool(scratch, "db", "drop-replaced", cwd=tmp_path)
    assert dropped.returncode == 0 and f"dropped {kept[0]}" in dropped.stdout
    assert _databases(server_url) == [NAME]

    engine = create_engine_for(scratch, Settings())          # the grants came back with it: roles read as before
    with engine.connect() as conn:
        assert migrations.current_revision(conn) == migrations.head_revision()
        conn.execute(text("SET ROLE flaechenpool_public"))
        assert conn.execute(text("SELECT count(*) FROM core.municipalities")).scalar_one() == 0
    engine.dispose()


def test_a_daily_backup_into_a_folder_keeps_the_newest(scratch: str, tmp_path: Path) -> None:
    folder = tmp_path / "sicherungen"
    folder.mkdir()
    old = [folder / f"{NAME}-2026010{d}-020000.dump" for d in range(1, 4)]
    for path in old:
        path.write_bytes(b"older backup")
    other = folder / "notizen.txt"
    other.write_text("not a backup")
    made = _flaechenpool(scratch, "db", "backup", str(folder), "--keep", "2", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    assert "2 older backup(s) deleted" in made.stdout
    left = sorted(p.name for p in folder.iterdir())
    assert len(left) == 3 and old[2].name in left and "notizen.txt" in left    # the newest old one, and ours
    assert not {p.name for p in old[:2]} & set(left)
    assert _flaechenpool(scratch, "db", "backup", str(folder), "--keep", "0", cwd=tmp_path).returncode == 2
    assert len(list(folder.iterdir())) == 3                                       # refused before writing


def test_refused_restores_leave_the_database_as_it_was(scratch: str, server_url: str, tmp_path: Path) -> None:
    settings = Settings()
    garbage = tmp_path / "kaputt.dump"
    garbage.write_bytes(b"PGDMP but not really")
    with pytest.raises(ImportFileError, match="kaputt.dump"):
        restore(settings, scratch, garbage)

    other = recreate_database(server_url, f"{NAME}_other", postgis=False)      # a PostgreSQL backup of no land pool
    foreign = tmp_path / "fremd.dump"
    backup_of_other = subprocess.run([str(settings.cluster.pg_bin / "pg_dump"), "-Fc", f"--file={foreign}",
                                      f"--dbname={make_url(other).set(drivername='postgresql').render_as_string(hide_password=False)}"],
                                     capture_output=True, text=True, check=False)
    assert backup_of_other.returncode == 0, backup_of_other.stderr
    with pytest.raises(ImportFileError, match="not of a Flächenpool database"):
        restore(settings, scratch, foreign)

    good = backup(settings, scratch, tmp_path / "gut.dump").file
    engine = create_engine_for(scratch, settings)
    with engine.connect() as busy, pytest.raises(Conflict, match="stop the service"):     # the service still runs
        busy.execute(text("SELECT 1"))
        restore(settings, scratch, good)
    engine.dispose()

    assert _users(scratch) == ["vor.der.sicherung"]
    assert _databases(server_url) == sorted([NAME, f"{NAME}_other"])              # nothing staged, nothing renamed
    with pytest.raises(Conflict, match="exists already"):
        backup(settings, scratch, good)


def test_a_restore_waits_for_a_session_that_is_ending(scratch: str, tmp_path: Path) -> None:
    """The service stopped a moment ago: its last session is still leaving, the restore waits for it."""
    settings = Settings()
    good = backup(settings, scratch, tmp_path / "gut.dump").file
    engine = create_engine_for(scratch, settings)
    leaving = engine.connect()
    leaving.execute(text("SELECT 1"))
    closer = threading.Timer(1.0, lambda: (leaving.close(), engine.dispose()))     # the pool's connection too
    closer.start()
    try:
        report = restore(settings, scratch, good)
    finally:
        closer.join()
    assert report.database == NAME and _users(scratch) == ["vor.der.sicherung"]



def test_a_backup_restores_on_a_fresh_server(database_url: str, tmp_path: Path) -> None:
    """Disaster recovery: a new machine's own cluster, without the service's roles, takes the backup of a
    running land pool (the test database with the demo) and serves its data to the roles again."""
    dump = backup(Settings(), database_url, tmp_path / "land.dump").file
    root = Path(tempfile.mkdtemp(prefix="fp-restore-test-", dir="/var/tmp"))
    root.chmod(0o755)              # the postgres user must pass through
    cluster = EmbeddedCluster(ClusterSettings(root=root / "pg", port=55480, database="fp_fresh"))
    try:
        url = cluster.url()
        engine = create_engine(url)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM pg_roles WHERE rolname LIKE 'flaechenpool%'")).scalar() == 0
        engine.dispose()

        report = restore(Settings(), url, dump)
        assert report.database == "fp_fresh" and report.revision == migrations.head_revision()
        source, restored = create_engine(database_url), create_engine(url)
        counts = "SELECT (SELECT count(*) FROM core.parcels), (SELECT count(*) FROM core.sites), (SELECT count(*) FROM audit.log)"
        with source.connect() as a, restored.connect() as b:
            assert tuple(b.execute(text(counts)).one()) == tuple(a.execute(text(counts)).one())
            b.execute(text("SET ROLE flaechenpool_public"))
            assert b.execute(text("SELECT count(*) FROM core.municipalities")).scalar_one() == 8
        source.dispose()
        restored.dispose()
    finally:
        cluster.stop()
        shutil.rmtree(root, ignore_errors=True)
