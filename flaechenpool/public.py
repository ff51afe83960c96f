"""What anonymous visitors may see: published sites with public fields only."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, text

from flaechenpool.db import load_sql


def published_sites(conn: Connection) -> list[dict[str, Any]]:
    """Published, not retired sites (Potenzialflächen) with their public fields."""
    return [dict(r) for r in conn.execute(text(load_sql("public_sites"))).mappings()]
