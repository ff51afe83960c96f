"""The project's own embedded PostgreSQL/PostGIS cluster, used when no ``DATABASE_URL`` is set.

Layout of the cluster folder ``ROOT``: ``data`` (PGDATA, owned by postgres, 0700), ``sock``
(unix socket folder), ``log`` (server log), ``port`` (the port last used) and ``lock`` (one
start/stop at a time across processes). initdb and pg_ctl refuse root, so as root the binaries
run as the ``postgres`` OS user through ``runuser``; otherwise as the current user. The server
listens on its unix socket and on 127.0.0.1 only, with ``trust`` authentication.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import pwd
import shutil
import socket
import stat
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import psycopg
from psycopg import sql
from psycopg.rows import TupleRow

from flaechenpool.errors import ClusterError
from flaechenpool.settings import PROJECT_ROOT, ClusterSettings

Echo = Callable[[str], None]
SOCKET_PATH_MAX = 107  # bytes of a unix socket path (sun_path holds 108 including the NUL)
PORT_TRIES = 50  # further ports tried after settings.port
_UNSAFE_CHARS = '"\\$`'  # pg_ctl hands -o and -l to /bin/sh inside double quotes
_RETRYABLE = ("lock file", "shared memory block", "another server might be running")
_POSTGIS_MISSING = (
    "PostGIS is not installed on this machine (package postgresql-15-postgis-3); "
    "run bash scripts/install.sh (or apt-get install postgresql-15-postgis-3)"
)


def _silent(_message: str) -> None:
    """Default ``echo``: say nothing."""


@dataclass(frozen=True)
class ClusterStatus:
    """What is known about the cluster in ``root`` at one moment."""

    root: Path
    data_dir: Path
    socket_dir: Path
    port: int | None
    running: bool
    pid: int | None

    def url(self, database: str) -> str:
        """SQLAlchemy URL of ``database`` over the unix socket (needs a known port)."""
        if self.port is None:
            raise ClusterError(f"the port of the cluster in {self.root} is unknown; start the cluster first")
        host = quote(str(self.socket_dir))
        return f"postgresql+psycopg://postgres@/{database}?host={host}&port={self.port}"


def _postgres_user() -> pwd.struct_passwd | None:
    """The ``postgres`` OS user the binaries run as, or None when not root (then: ourselves)."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam("postgres")
    except KeyError:
        raise ClusterError(
            "there is no 'postgres' OS user; install postgresql-15, which creates it"
        ) from None


def _runuser() -> list[str]:
    return [shutil.which("runuser") or "/usr/sbin/runuser", "-u", "postgres", "--"]


def _unreachable_reason(folder: Path) -> str | None:
    """Why the postgres user cannot traverse ``folder`` (or its nearest existing ancestor), or None."""
    user = _postgres_user()
    if user is None:
        return None
    existing = next(p for p in (folder, *folder.parents) if p.exists())
    if subprocess.run([*_runuser(), "test", "-x", str(existing)], capture_output=True).returncode == 0:
        return None
    groups = set(os.getgrouplist(user.pw_name, user.pw_gid))
    for part in [*reversed(existing.parents), existing]:  # name the first folder that blocks
        info = part.stat()
        own, group = info.st_uid == user.pw_uid, info.st_gid in groups
        if not info.st_mode & (stat.S_IXUSR if own else stat.S_IXGRP if group else stat.S_IXOTH):
            owner = next((u.pw_name for u in pwd.getpwall() if u.pw_uid == info.st_uid), info.st_uid)
            return f"the postgres user cannot traverse {part} (mode {info.st_mode & 0o7777:o}, owner {owner})"
    return f"the postgres user cannot traverse {existing}"


def _socket_too_long(root: Path) -> bool:
    return len(os.fsencode(root / "sock" / ".s.PGSQL.65535")) > SOCKET_PATH_MAX


def default_root(project_root: Path, *, echo: Echo = _silent) -> Path:
    """``<project_root>/.flaechenpool/pg``, or ``/var/tmp/flaechenpool-<hash>/pg`` (echoed) when
    the postgres user cannot reach the checkout or the socket path would be too long."""
    project_root = project_root.resolve()
    preferred = project_root / ".flaechenpool" / "pg"
    reason = _unreachable_reason(preferred.parent)
    if reason is None and _socket_too_long(preferred):
        reason = f"its socket path would exceed {SOCKET_PATH_MAX} bytes"
    if reason is None:
        return preferred
    digest = hashlib.sha256(str(project_root).encode()).hexdigest()[:8]
    fallback = Path("/var/tmp") / f"flaechenpool-{digest}" / "pg"
    echo(f"embedded PostgreSQL cluster: using {fallback} instead of {preferred} because {reason}")
    return fallback


def _is_postmaster(pid: int, data_dir: Path) -> bool:
    """True if ``pid`` is a live (not zombie) postgres process working in ``data_dir``, also when the folder
    is reached through a symbolic link (``.flaechenpool`` on another disk): the process's working folder is
    the resolved path, and a live server taken for a stale one would lose its lock file and shut down."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines() if pid > 0 else []
        fields = {key: value.strip() for key, _, value in (line.partition(":") for line in lines)}
        if fields.get("Name") != "postgres" or fields.get("State", "Z").startswith("Z"):
            return False
        return Path(os.readlink(f"/proc/{pid}/cwd")) == data_dir.resolve()  # the postmaster chdirs to PGDATA
    except OSError:
        return False


def _port_free(port: int) -> bool:
    """True if 127.0.0.1:``port`` can be bound (with SO_REUSEADDR, as PostgreSQL does)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _tail(text: str, lines: int = 5) -> str:
    return " | ".join([line.strip() for line in text.splitlines() if line.strip()][-lines:]) or "(empty)"


class EmbeddedCluster:
    """Create, start and stop the cluster in ``root``; see the module docstring for the layout."""

    def __init__(self, settings: ClusterSettings, *, echo: Echo = _silent) -> None:
        self.settings = settings
        self.echo = echo
        self.root = settings.root.resolve() if settings.root else default_root(PROJECT_ROOT, echo=echo)
        self.data_dir = self.root / "data"
        self.socket_dir = self.root / "sock"
        self.log_file = self.root / "log"
        self.port_file = self.root / "port"
        self._env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        self._env.update(LC_ALL="C.UTF-8", LANG="C.UTF-8")

    def status(self) -> ClusterStatus:
        """Running means: a live postmaster of this data folder that answers ``pg_isready``."""
        pid, port = self._pid_file()
        running = _is_postmaster(pid, self.data_dir) and self._ready(port)
        if not running:
            return ClusterStatus(self.root, self.data_dir, self.socket_dir, self._recorded_port(), False, None)
        return ClusterStatus(self.root, self.data_dir, self.socket_dir, port, True, pid)

    def start(self) -> ClusterStatus:
        """Start the server (initdb first if needed) unless it runs; ensure the database and PostGIS."""
        for name in ("initdb", "pg_ctl", "pg_isready"):
            self._binary(name)
        self._prepare_folders()
        with self._locked():
            status = self._wait_for_live_server()
            if status is None:
                self._remove_stale_locks()
                if not (self.data_dir / "PG_VERSION").exists():
                    self._initdb()
                status = self._launch()
            self._ensure_database(status.port or 0)
        return status

    def stop(self) -> ClusterStatus:
        """Stop the server (fast shutdown) if it runs; stopping a stopped cluster is fine."""
        if self.root.is_dir():
            with self._locked():
                if _is_postmaster(self._pid_file()[0], self.data_dir):
                    if self._pg_ctl("-m", "fast", "-w", "stop").returncode != 0:
                        raise ClusterError(
                            f"pg_ctl could not stop PostgreSQL in {self.data_dir}; {self._log_tail()}"
                        )
                    self.echo(f"stopped PostgreSQL in {self.data_dir}")
        return self.status()

    def url(self) -> str:
        """URL of ``settings.database``; starts the cluster (and ensures the database) first."""
        return self.start().url(self.settings.database)

    # ---- helpers ----------------------------------------------------------------------------

    def _binary(self, name: str) -> Path:
        path = self.settings.pg_bin / name
        if not path.is_file():
            raise ClusterError(
                f"PostgreSQL binary {path} not found; install the package postgresql-15 "
                "(apt-get install postgresql-15) or set FLAECHENPOOL_CLUSTER__PG_BIN"
            )
        return path

    def _pg_ctl(self, *args: str) -> subprocess.CompletedProcess[str]:
        return self._run([self._binary("pg_ctl"), "-D", self.data_dir, *args], timeout=90)

    def _run(self, args: list[str | Path], timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """Run a PostgreSQL binary, as the postgres user when we are root."""
        cmd = (_runuser() if os.geteuid() == 0 else []) + [str(arg) for arg in args]
        try:
            return subprocess.run(
                cmd, cwd=self.root, env=self._env, capture_output=True, text=True, timeout=timeout
            )
        except subprocess.TimeoutExpired as exc:
            raise ClusterError(
                f"{' '.join(cmd)} timed out after {timeout:.0f} s; {self._log_tail()}"
            ) from exc

    def _prepare_folders(self) -> None:
        """Check ROOT, create it and ROOT/sock (0755; owned by postgres when we are root)."""
        problem = None
        if any(char in str(self.root) for char in _UNSAFE_CHARS):
            problem = f"its path contains one of {_UNSAFE_CHARS}"
        elif _socket_too_long(self.root):
            problem = f"its socket path would exceed {SOCKET_PATH_MAX} bytes"
        else:
            problem = _unreachable_reason(self.root.parent)
        if problem:
            raise ClusterError(
                f"cannot use {self.root} for the embedded cluster: {problem}; "
                "set FLAECHENPOOL_CLUSTER__ROOT to another folder, e.g. under /var/tmp"
            )
        for folder in reversed([p for p in (self.socket_dir, *self.socket_dir.parents) if not p.exists()]):
            folder.mkdir(exist_ok=True)
            folder.chmod(0o755)
        if (user := _postgres_user()) is not None:
            for path in (self.root, self.socket_dir, self.log_file):
                if path.exists():
                    os.chown(path, user.pw_uid, user.pw_gid)

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """Hold an exclusive lock on ROOT/lock while starting or stopping."""
        with open(self.root / "lock", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            yield

    def _pid_file(self) -> tuple[int, int | None]:
        """(pid, port) from data/postmaster.pid; pid 0 when there is no (readable) file."""
        try:
            lines = (self.data_dir / "postmaster.pid").read_text().splitlines()
        except OSError:
            return 0, None
        numbers = [int(line) if line.strip().isdigit() else None for line in lines[:4]] + [None] * 4
        return numbers[0] or 0, numbers[3]

    def _recorded_port(self) -> int | None:
        try:
            return int(self.port_file.read_text().strip())
        except (OSError, ValueError):
            return None

    def _ready(self, port: int | None) -> bool:
        """True if the server on ``port`` accepts connections on our socket."""
        probe = [str(self._binary("pg_isready")), *"-q -U postgres -t 3 -h".split(), str(self.socket_dir)]
        return port is not None and subprocess.run([*probe, "-p", str(port)], env=self._env).returncode == 0

    def _wait_for_live_server(self, timeout: float = 60) -> ClusterStatus | None:
        """Status of a live postmaster once it accepts connections; None if there is none."""
        deadline = time.monotonic() + timeout
        while _is_postmaster(pid := self._pid_file()[0], self.data_dir):
            if (status := self.status()).running:
                return status
            if time.monotonic() > deadline:
                raise ClusterError(
                    f"PostgreSQL (pid {pid}) runs in {self.data_dir} but does not accept "
                    f"connections; see {self.log_file} or run pg_ctl -D {self.data_dir} stop"
                )
            time.sleep(0.2)
        return None

    def _remove_stale_locks(self) -> None:
        """Remove postmaster.pid and socket lock files left by a dead (or zombie) server."""
        pid_file = self.data_dir / "postmaster.pid"
        if pid_file.exists() and not _is_postmaster(pid := self._pid_file()[0], self.data_dir):
            self.echo(f"removing stale {pid_file} (process {pid} is gone)")
            pid_file.unlink(missing_ok=True)
        for lock in self.socket_dir.glob(".s.PGSQL.*.lock"):
            first = lock.read_text().partition("\n")[0].strip()
            if not _is_postmaster(int(first) if first.isdigit() else 0, self.data_dir):
                lock.unlink(missing_ok=True)
                (self.socket_dir / lock.name.removesuffix(".lock")).unlink(missing_ok=True)

    def _initdb(self) -> None:
        if self.data_dir.exists() and any(self.data_dir.iterdir()):
            raise ClusterError(
                f"{self.data_dir} is not empty but holds no PostgreSQL cluster (no PG_VERSION); "
                "move it away or set FLAECHENPOOL_CLUSTER__ROOT to another folder"
            )
        self.data_dir.mkdir(mode=0o700, exist_ok=True)
        self.data_dir.chmod(0o700)
        if (user := _postgres_user()) is not None:
            os.chown(self.data_dir, user.pw_uid, user.pw_gid)
        self.echo(f"creating a PostgreSQL cluster in {self.data_dir}")
        options = "-U postgres -A trust -E UTF8 --locale=C.UTF-8".split()
        result = self._run([self._binary("initdb"), "-D", self.data_dir, *options])
        if result.returncode != 0:
            raise ClusterError(f"initdb failed in {self.data_dir}: {_tail(result.stderr + result.stdout)}")

    def _read_log(self, offset: int = 0) -> str:
        try:
            with open(self.log_file, "rb") as log:
                log.seek(offset)
                return log.read().decode(errors="replace")
        except OSError:
            return ""

    def _log_tail(self, text: str | None = None) -> str:
        """'the log ... ends with: <last 5 lines>' of ``text`` (default: the whole log)."""
        return f"the log {self.log_file} ends with: {_tail(text or self._read_log())}"

    def _launch(self) -> ClusterStatus:
        """pg_ctl start on the recorded port if free, else on the first free one from settings.port."""
        first = self.settings.port
        candidates = [self._recorded_port() or first, *range(first, min(first + PORT_TRIES, 65535) + 1)]
        taken: list[int] = []
        for port in dict.fromkeys(candidates):
            if not _port_free(port) or not self._pg_ctl_start(port):
                taken.append(port)
                continue
            if taken:
                ports, verb = ", ".join(map(str, taken)), "is" if len(taken) == 1 else "are"
                self.echo(f"port{'s' * (len(taken) > 1)} {ports} on 127.0.0.1 {verb} in use; using {port}")
            self.port_file.write_text(f"{port}\n")
            if not (status := self.status()).running:
                raise ClusterError(f"PostgreSQL in {self.data_dir} does not answer; {self._log_tail()}")
            self.echo(f"PostgreSQL runs on port {port} (socket folder {self.socket_dir})")
            return status
        raise ClusterError(
            f"no free TCP port on 127.0.0.1 (tried {', '.join(map(str, taken))}); "
            "free one or set FLAECHENPOOL_CLUSTER__PORT"
        )

    def _pg_ctl_start(self, port: int) -> bool:
        """Start the server on ``port``: True when it runs, False when the port turned out taken.

        A server killed just before may linger as a zombie, or its children may still hold the
        shared memory: such lock failures are retried for a few seconds.
        """
        settings = "".join(f" -c {name}={value}" for name, value in self.settings.server_settings.items())
        options = f'-k "{self.socket_dir}" -p {port} -c listen_addresses=127.0.0.1{settings}'
        deadline = time.monotonic() + 10
        while True:
            offset = self.log_file.stat().st_size if self.log_file.exists() else 0
            result = self._pg_ctl("-l", str(self.log_file), "-w", "-t", "60", "-o", options, "start")
            if result.returncode == 0:
                return True
            output = self._read_log(offset) + result.stdout + result.stderr
            if "Address already in use" in output:
                return False  # taken between our probe and the server's bind
            if not any(mark in output for mark in _RETRYABLE) or time.monotonic() > deadline:
                where = f"{self.data_dir} on port {port}"
                raise ClusterError(f"pg_ctl could not start PostgreSQL in {where}; {self._log_tail(output)}")
            time.sleep(0.5)
            self._remove_stale_locks()

    def _ensure_database(self, port: int) -> None:
        """Create ``settings.database`` if missing, and the PostGIS extension in it."""
        name = self.settings.database

        def connect(dbname: str) -> psycopg.Connection[TupleRow]:
            return psycopg.connect(dbname=dbname, host=str(self.socket_dir), port=port, user="postgres",
                                   connect_timeout=10, autocommit=True)

        try:
            with connect("postgres") as conn:
                if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
                    conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                    self.echo(f"created database {name}")
                available = "SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'"
                if conn.execute(available).fetchone() is None:
                    raise ClusterError(_POSTGIS_MISSING)
            with connect(name) as conn:
                conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        except psycopg.Error as exc:
            reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise ClusterError(f"cannot prepare database {name} in {self.root}: {reason}") from exc
