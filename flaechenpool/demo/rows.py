"""Bulk insertion of geometry rows for the demo: geometry work (transform, repair, type) in PostGIS."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Connection, text

# What each geometry kind becomes in EPSG:25832: repaired, of one type, empties dropped.
_GEOMETRY_SQL = {
    "polygon": "ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_Transform(ST_GeomFromWKB(:wkb, :srid), 25832)), 3))",
    "line": "ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_Transform(ST_GeomFromWKB(:wkb, :srid), 25832)), 2))",
    "point": "ST_Transform(ST_GeomFromWKB(:wkb, :srid), 25832)",
}


def insert_rows(
    conn: Connection,
    table: str,
    rows: Iterable[Mapping[str, Any]],
    *,
    srid: int,
    kind: str = "polygon",
    returning: str | None = None,
) -> list[Any]:
    """Insert ``rows`` (dicts with a ``wkb`` geometry plus column values) into ``table``.

    ``table`` and the column names come from the demo's own code, never from input. Rows whose
    geometry is empty after repair are skipped. Returns the ``returning`` column of inserted rows.
    """
    rows = [dict(r, srid=srid) for r in rows]
    if not rows:
        return []
    columns = [c for c in rows[0] if c not in ("wkb", "srid")]
    placeholders = ", ".join(f":{c}" for c in columns)
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)}, geom) "
        f"SELECT {placeholders}, g FROM (SELECT {_GEOMETRY_SQL[kind]} AS g) s WHERE NOT ST_IsEmpty(g)"
    )
    if returning:
        sql += f" RETURNING {returning}"
        return [conn.execute(text(sql), row).scalar() for row in rows]
    conn.execute(text(sql), rows)
    return []
