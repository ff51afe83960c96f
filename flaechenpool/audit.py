"""Reading the audit trail: who changed what, when, with before/after.

Admins read everything (``audit.log``); planners and land managers read the land pool's changes
without personal data (``audit.changes``, which leaves out ``personal.*`` and ``auth.*``).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sqlalchemy import Connection, text

from flaechenpool.auth import Principal
from flaechenpool.errors import InputError

_TABLE_NAME = re.compile(r"[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?")    # schema.table as the log names them


def entries(conn: Connection, principal: Principal, *, table: str | None = None, row_key: str | None = None,
            actor: str | None = None, since: dt.datetime | None = None, limit: int = 100,
            offset: int = 0) -> list[dict[str, Any]]:
    """Audit entries, newest first."""
    if limit < 1 or limit > 10_000 or offset < 0:
        raise InputError("limit must be between 1 and 10000, offset ≥ 0")
    source = "audit.log" if principal.role == "admin" else "audit.changes"
    if table is not None and (not _TABLE_NAME.fullmatch(table) or not conn.execute(text(
            f"SELECT to_regclass(:t) IS NOT NULL OR EXISTS (SELECT 1 FROM {source} WHERE table_name = :t)"),
            {"t": table}).scalar_one()):
        # a typing error would otherwise look like a table nobody changed
        raise InputError(f"table: no table {table!r}; name it with its schema, e.g. core.sites or core.parcels")
    rows = conn.execute(text(
        f"SELECT id, at, actor, action, table_name, row_key, before, after, reason FROM {source} "
        "WHERE (CAST(:t AS text) IS NULL OR table_name = :t) AND (CAST(:k AS text) IS NULL OR row_key = :k) "
        "AND (CAST(:a AS text) IS NULL OR actor = :a) AND (CAST(:s AS timestamptz) IS NULL OR at >= :s) "
        "ORDER BY id DESC LIMIT :limit OFFSET :offset"),
        {"t": table, "k": row_key, "a": actor, "s": since, "limit": limit, "offset": offset}).mappings()
    return [dict(r) for r in rows]
