"""Backups of the database in use (Sicherung): ``flaechenpool db backup`` and ``db restore``.

A backup is one file in PostgreSQL's custom format (``pg_dump -Fc``, compressed): every schema of the
land pool with its history, the audit log, users and tokens (hashed) and personal data. It is written
to a temporary file beside the target and renamed when complete, so a failed backup leaves no half
file under the name given.

A restore never writes into the database in use. It restores into a new database on the same server
(``<name>_restoring``, in one transaction, stopping at the first error), checks that it holds a
Flächenpool schema this code can run, and only then swaps the names: the database in use is kept as
``<name>_before_restore_<time>`` (``drop_replaced`` once the restore is checked), the restored one takes its
name and is migrated to the newest schema. The service must be stopped: a restore refuses while other
sessions use the database. The cluster-wide roles (``db/sql/0001/00_roles.sql``) are created first, so a
backup restores on a fresh server too.

The client programs come from ``cluster.pg_bin`` (the server's major version), else from ``PATH``.
Passwords travel in ``PGPASSWORD``, never on a command line.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import URL, make_url

from flaechenpool import migrations
from flaechenpool.db import create_engine_for
from flaechenpool.errors import ConfigurationError, Conflict, ImportFileError
from flaechenpool.settings import Settings

Echo = Callable[[str], None]
TIMEOUT_S = 6 * 3600      # a state's parcels with their history: minutes, not hours; a stuck server: stop


@dataclass(frozen=True)
class BackupReport:
    file: Path
    bytes: int
    revision: str | None
    seconds: float


@dataclass(frozen=True)
class RestoreReport:
    database: str
    previous: str          # the database that was in use, kept under this name
    revision: str | None   # the backup's schema revision
    migrated_to: str
    seconds: float


def default_file(database: str, now: dt.datetime | None = None, folder: Path = Path()) -> Path:
    """``<database>-<YYYYmmdd-HHMMSS>.dump`` in ``folder`` (the current one)."""
    return folder / f"{database}-{(now or dt.datetime.now()).strftime('%Y%m%d-%H%M%S')}.dump"


def rotate(folder: Path, database: str, keep: int) -> list[Path]:
    """Delete all but the ``keep`` newest backups of ``database`` in ``folder`` (files named as
    ``default_file`` names them; nothing else is touched); returns what was deleted."""
    if keep < 1:
        raise ConfigurationError("--keep must be at least 1")
    named = re.compile(re.escape(database) + r"-\d{8}-\d{6}\.dump")
    backups = sorted(p for p in folder.iterdir() if p.is_file() and named.fullmatch(p.name))
    stale = backups[:-keep]
    for path in stale:
        path.unlink()
    return stale


def backup(settings: Settings, url: str, target: Path, *, echo: Echo = lambda m: None) -> BackupReport:
    """Write a backup of the database at ``url`` to ``target`` (refused when it exists)."""
    started = dt.datetime.now()
    target = target.resolve()
    if target.exists():
        raise Conflict(f"{target} exists already; choose another file name")
    if not target.parent.is_dir():
        raise ConfigurationError(f"the folder {target.parent} does not exist")
    engine = create_engine_for(url, settings)
    try:
        with engine.connect() as conn:
            revision = migrations.current_revision(conn)
    finally:
        engine.dispose()
    if revision is None:
        raise ConfigurationError("the database holds no Flächenpool schema: nothing to back up")
    partial = target.with_name(f".{target.name}.partial")
    echo(f"pg_dump of {make_url(url).database} (schema {revision}) to {target}")
    try:
        _client(settings, "pg_dump", url, ["--format=custom", "--compress=6", f"--file={partial}"])
        partial.rename(target)
    finally:
        partial.unlink(missing_ok=True)
    return BackupReport(target, target.stat().st_size, revision, (dt.datetime.now() - started).total_seconds())


def restore(settings: Settings, url: str, source: Path, *, echo: Echo = lambda m: None) -> RestoreReport:
    """Restore the backup ``source`` as the database at ``url`` (see the module for the steps)."""
    started = dt.datetime.now()
    if not source.is_file():
        raise ImportFileError("no such file", file=str(source))
    listing = _client(settings, "pg_restore", None, ["--list", str(source)], file=source)
    if " TABLE public alembic_version " not in listing or " SCHEMA - core " not in listing:
        raise ImportFileError("a PostgreSQL backup, but not of a Flächenpool database", file=str(source))
    target = make_url(url)
    name = str(target.database)
    staging, previous = f"{name}_restoring", f"{name}_before_restore_{started.strftime('%Y%m%d_%H%M%S')}"
    if len(previous.encode()) > 63:     # PostgreSQL would cut the name short: the kept database could not be found
        raise ConfigurationError(f"the database name {name!r} is too long for a restore beside it (at most 32 bytes)")
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            others = _sessions(conn, name)
            if others:
                raise Conflict(f"{others} session(s) use the database {name}: stop the service before a restore")
            conn.connection.cursor().execute(migrations.roles_sql())   # no placeholders: %I
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {_ident(staging)}")      # left by an interrupted restore
            conn.exec_driver_sql(f"CREATE DATABASE {_ident(staging)}")
        try:
            echo(f"pg_restore of {source} into {staging}")
            _client(settings, "pg_restore", _render(target.set(database=staging)),
                    ["--no-owner", "--exit-on-error", "--single-transaction", str(source)], file=source)
            revision = _revision(settings, target.set(database=staging))
            with admin.connect() as conn:
                others = _sessions(conn, name)
                if others:
                    raise Conflict(f"{others} session(s) began to use the database {name}: stop the service "
                                   "and restore again")
                conn.exec_driver_sql(f"ALTER DATABASE {_ident(name)} RENAME TO {_ident(previous)}")
                conn.exec_driver_sql(f"ALTER DATABASE {_ident(staging)} RENAME TO {_ident(name)}")
        except BaseException:
            with admin.connect() as conn:
                conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {_ident(staging)} WITH (FORCE)")
            raise
    finally:
        admin.dispose()
    engine = create_engine_for(url, settings)
    try:
        migrations.upgrade(engine)
    finally:
        engine.dispose()
    return RestoreReport(name, previous, revision, migrations.head_revision(),
                         (dt.datetime.now() - started).total_seconds())


def _sessions(conn: Connection, name: str, *, wait: float = 5.0) -> int:
    """How many client sessions use the database ``name``, after waiting up to ``wait`` seconds for them to
    end: a session its client has just closed (a service stopped a moment ago) stays in pg_stat_activity
    until its backend has exited. Autovacuum workers do not count: PostgreSQL stops them itself when the
    database is renamed."""
    deadline = time.monotonic() + wait
    while True:
        count = int(conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE datname = :d "
                                      "AND backend_type = 'client backend' AND pid <> pg_backend_pid()"),
                                 {"d": name}).scalar_one())
        if not count or time.monotonic() >= deadline:
            return count
        time.sleep(0.1)


def drop_replaced(url: str) -> list[str]:
    """Drop the databases earlier restores replaced (``<name>_before_restore_<time>``); returns their names."""
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            names = list(conn.execute(text(
                "SELECT datname FROM pg_database WHERE datname ~ ('^' || :n || '_before_restore_[0-9_]+$') "
                "ORDER BY datname"), {"n": re.escape(str(target.database))}).scalars())
            for name in names:
                conn.exec_driver_sql(f"DROP DATABASE {_ident(name)}")
    finally:
        admin.dispose()
    return names


def _revision(settings: Settings, url: URL) -> str:
    """The restored schema's revision; refused when this code does not know it (a newer version's backup)."""
    engine = create_engine_for(_render(url), settings)
    try:
        with engine.connect() as conn:
            revision = migrations.current_revision(conn)
    finally:
        engine.dispose()
    if revision is None or not migrations.is_known_revision(revision):
        raise ConfigurationError(f"the backup's schema revision {revision!r} is unknown to this version of "
                                 f"Flächenpool (newest {migrations.head_revision()}): update the software first")
    return revision


def _ident(name: str) -> str:
    """A database name as a quoted SQL identifier (names come from the URL in use, not from a list)."""
    return '"' + name.replace('"', '""') + '"'


def _render(url: URL) -> str:
    return url.render_as_string(hide_password=False)


def _client(settings: Settings, program: str, url: str | None, args: list[str], *, file: Path | None = None) -> str:
    """Run ``pg_dump`` or ``pg_restore`` against ``url`` (libpq form, password in the environment)."""
    binary = settings.cluster.pg_bin / program
    found = str(binary) if binary.is_file() else shutil.which(program)
    if found is None:
        raise ConfigurationError(f"{program} not found: install postgresql-client-15 or set FLAECHENPOOL_CLUSTER__PG_BIN")
    env = dict(os.environ)
    command = [found, *args]
    if url is not None:
        libpq = make_url(url).set(drivername="postgresql")
        if libpq.password:
            env["PGPASSWORD"] = str(libpq.password)
        command.insert(1, f"--dbname={libpq.set(password=None).render_as_string(hide_password=False)}")
    try:
        result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired:
        raise ConfigurationError(f"{program} took longer than {TIMEOUT_S // 3600} hours and was stopped") from None
    if result.returncode != 0:
        message = " ".join(result.stderr.split())[-600:] or f"exit code {result.returncode}"
        if file is not None:
            raise ImportFileError(f"{program}: {message}", file=str(file))
        raise ConfigurationError(f"{program} failed: {message}")
    return result.stdout
