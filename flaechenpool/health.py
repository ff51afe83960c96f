"""Service health: database reachability, versions, schema revision and row counts per table."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, text

from flaechenpool.db import load_sql
from flaechenpool.migrations import current_revision, head_revision


def health(conn: Connection, *, sending: bool | None = None) -> dict[str, Any]:
    """What ``GET /health`` reports about the database; with ``sending``
    (whether an SMTP server is configured) also the state of the e-mail notifications, for monitoring: a
    count that grows, or notifications that keep failing, mean nobody is told of new inquiries."""
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
        **({} if sending is None else {"notifications": _notifications(conn, sending)}),
    }


def _notifications(conn: Connection, sending: bool) -> dict[str, Any]:
    row = conn.execute(text(
        "SELECT count(*) AS waiting, count(*) FILTER (WHERE attempts > 0) AS failing, min(created_at) AS oldest "
        "FROM core.notifications WHERE sent_at IS NULL")).mappings().one()
    return {"sending": sending, "waiting": row["waiting"], "failing": row["failing"],
            "oldest_waiting_since": row["oldest"].isoformat() if row["oldest"] else None}
