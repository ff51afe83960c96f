"""Service health: database reachability, versions, schema revision and row counts per table."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, text

from flaechenpool.db import load_sql
from flaechenpool.migrations import current_revision, head_revision


def health(conn: Connection) -> dict[str, Any]:
    """What ``GET /health`` and ``flaechenpool db status`` report about the database."""
    versions = conn.execute(
        text("SELECT split_part(version(), ' on ', 1) AS server, postgis_lib_version() AS postgis, "
             "current_database() AS database")
    ).mappings().one()
    counts = {row.name: row.n for row in conn.execute(text(load_sql("health_counts")))}
    revision = current_revision(conn)
    head = head_revision()
    return {
        "status": "ok" if revision == head else "migration_pending",
        "database": {
            "name": versions["database"],
            "server": versions["server"],
            "postgis_version": versions["postgis"],
            "schema_revision": revision,
            "expected_revision": head,
        },
        "counts": counts,
    }
