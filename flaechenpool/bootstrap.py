"""Bring a database to a servable state: resolve it, check it, migrate it, load the demo if empty."""

from __future__ import annotations

import errno
import socket
from collections.abc import Callable

from flaechenpool import migrations
from flaechenpool.db import check_database, create_engine_for, describe_url, resolve_database_url
from flaechenpool.demo import database_empty, load_demo
from flaechenpool.errors import ConfigurationError
from flaechenpool.settings import Settings


def prepare_database(settings: Settings, *, echo: Callable[[str], None] = lambda m: None,
                     demo: bool | None = None) -> str:
    """Return the URL of a database that is reachable, has PostGIS, the newest schema and (when it
    was empty and ``demo``) the demo data."""
    url = resolve_database_url(settings, echo=echo)
    where = "external database (DATABASE_URL)" if settings.external_database else "embedded PostGIS cluster"
    echo(f"database: {where} {describe_url(url)}")
    engine = create_engine_for(url, settings)
    try:
        versions = check_database(engine)
        echo(f"PostgreSQL {versions['server_version'].split()[0]}, PostGIS {versions['postgis_version']}")
        before = migrations.upgrade(engine)
        head = migrations.head_revision()
        if before != head:
            echo(f"schema migrated from {before or '(empty)'} to {head}")
        if demo if demo is not None else settings.load_demo:
            with engine.connect() as conn:
                if database_empty(conn):
                    echo("empty database: loading the demo data")
                    report = load_demo(conn, settings.data_dir, echo=lambda m: echo(f"  {m}"))
                    conn.commit()
                    echo(f"demo loaded: {report.counts.get('municipalities')} municipalities, "
                         f"{_parcels(report.counts)} parcels")
    finally:
        engine.dispose()
    return url


def _parcels(counts: dict[str, object]) -> int:
    real = counts.get("real_parcels")       # an int; missing when the base part was there already
    total = real if isinstance(real, int) else 0
    for town in ("jena", "ilmenau"):
        value = counts.get(town)
        if isinstance(value, dict):
            total += int(value.get("parcels", 0))
    return total


def ensure_port_free(host: str, port: int) -> None:
    """Fail early, with one message, when another process listens on ``host:port``."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise ConfigurationError(
                    f"port {port} on {host} is already in use (is another 'flaechenpool serve' running?); "
                    "stop it or choose another port with --port"
                ) from exc
            raise ConfigurationError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
