"""What the public page renders on the server (anonymous role, public fields only)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, text

from flaechenpool.db import load_sql


def municipalities_with_sites(conn: Connection) -> list[dict[str, Any]]:
    """Municipalities (AGS, name, count) that have published sites (Potenzialflächen), by German name."""
    return [dict(r) for r in conn.execute(text(load_sql("web_municipalities"))).mappings()]
