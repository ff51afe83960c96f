"""Following the data's changes through ``audit.log``, so caches drop exactly what a change touched.

Every change of an audited table writes one ``audit.log`` row with the table, the action and the
geometry before/after (imports write one summary row). ``ChangeTracker.poll`` reads the rows newer
than the last one seen — at most once a second, by primary key — and tells its listeners which
tables changed and where (the EPSG:3857 box of the old and new geometry, ``None`` for "anywhere").

Identity values are handed out before commit, so a transaction that commits late can insert a row
below the highest id already seen. Ids skipped over are therefore remembered as *gaps* and asked
for again for ``gap_window_s`` seconds (a transaction open longer than that could go unnoticed;
statement_timeout keeps requests far shorter). No schema change is needed for any of this.

The log is read as the service's own database user, not as the caller's role: the request's
``SET LOCAL ROLE`` is lifted for the one statement and restored.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text

from flaechenpool.db import ROLE_DB_ROLES

EVERYTHING = "*"
_POLL = text("""
SELECT l.id, l.table_name, l.action, ST_XMin(b.box) AS x0, ST_YMin(b.box) AS y0, ST_XMax(b.box) AS x1,
       ST_YMax(b.box) AS y1
FROM audit.log l
LEFT JOIN LATERAL (
    SELECT ST_Transform(ST_SetSRID(ST_Extent(ST_GeomFromGeoJSON(v.g))::geometry, 25832), 3857) AS box
    FROM (VALUES (l.before -> 'geom'), (l.after -> 'geom')) AS v(g)
    WHERE jsonb_typeof(v.g) = 'object'
) b ON true
WHERE l.id > :after OR l.id = ANY(:gaps)
ORDER BY l.id
""")


@dataclass(frozen=True)
class Change:
    """One change: the table (``*``: unknown, e.g. a whole data set loaded) and where, if known."""

    table: str
    bounds: tuple[float, float, float, float] | None   # EPSG:3857


@contextmanager
def service_role(conn: Connection) -> Iterator[None]:
    """Lift the request's ``SET LOCAL ROLE`` for the enclosed statements, then restore it."""
    role = conn.execute(text("SELECT current_user")).scalar_one()
    acting = role in ROLE_DB_ROLES.values()
    if acting:
        conn.exec_driver_sql("RESET ROLE")
    try:
        yield
    finally:
        if acting:
            conn.exec_driver_sql(f"SET LOCAL ROLE {role}")


class ChangeTracker:
    """Polls ``audit.log`` and tells listeners what changed; thread-safe, one per application."""

    def __init__(self, *, interval_s: float = 1.0, gap_window_s: float = 900.0, lookback: int = 1000) -> None:
        self.interval_s = interval_s
        self.gap_window_s = gap_window_s
        self.lookback = lookback
        self.max_id: int | None = None
        self.gaps: dict[int, float] = {}
        self.generation = 0          # bumped whenever a poll found changes
        self._last_poll = -float("inf")
        self._lock = threading.Lock()
        self._listeners: list[Callable[[list[Change]], None]] = []

    def subscribe(self, listener: Callable[[list[Change]], None]) -> None:
        self._listeners.append(listener)

    def due(self) -> bool:
        """Whether the next ``poll`` would read the log (callers without a connection ask first)."""
        return time.monotonic() - self._last_poll >= self.interval_s

    def poll(self, conn: Connection, *, force: bool = False) -> None:
        """Read new log rows (if due) and notify the listeners. Runs as the service user."""
        now = time.monotonic()
        if not force and now - self._last_poll < self.interval_s:
            return
        if not self._lock.acquire(blocking=force):
            return
        try:
            self._last_poll = now
            with service_role(conn):
                if self.max_id is None:
                    self._start(conn, now)
                    return
                rows = conn.execute(_POLL, {"after": self.max_id, "gaps": list(self.gaps)}).all()
            self._advance(rows, now)
        finally:
            self._lock.release()

    def _start(self, conn: Connection, now: float) -> None:
        newest = int(conn.execute(text("SELECT coalesce(max(id), 0) FROM audit.log")).scalar_one())
        recent = set(conn.execute(text("SELECT id FROM audit.log WHERE id > :f"),
                                  {"f": newest - self.lookback}).scalars())
        self.gaps = {i: now for i in range(max(newest - self.lookback, 0) + 1, newest) if i not in recent}
        self.max_id = newest

    def _advance(self, rows: Sequence[Any], now: float) -> None:
        assert self.max_id is not None
        seen = {int(r.id) for r in rows}
        newest = max(seen | {self.max_id})
        for i in seen:
            self.gaps.pop(i, None)
        if newest - self.max_id <= 100_000:
            self.gaps.update((i, now) for i in range(self.max_id + 1, newest) if i not in seen)
        self.gaps = {i: t for i, t in self.gaps.items() if now - t < self.gap_window_s}
        self.max_id = newest
        if not rows:
            return
        changes = []
        for r in rows:
            table = r.table_name if "." in r.table_name or r.action != "import" else EVERYTHING
            bounds = None if r.x0 is None else (float(r.x0), float(r.y0), float(r.x1), float(r.y1))
            changes.append(Change(table, bounds))
        self.generation += 1
        for listener in self._listeners:
            listener(changes)


class DerivedCache:
    """Values computed from tables (counts, extents), kept until one of their tables changes."""

    def __init__(self, max_entries: int = 10_000) -> None:
        self.max_entries = max_entries
        self._values: OrderedDict[Hashable, tuple[Any, frozenset[str]]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any | None:
        with self._lock:
            hit = self._values.get(key)
            if hit is None:
                return None
            self._values.move_to_end(key)
            return hit[0]

    def put(self, key: Hashable, value: Any, tables: tuple[str, ...]) -> None:
        with self._lock:
            self._values[key] = (value, frozenset(tables))
            while len(self._values) > self.max_entries:
                self._values.popitem(last=False)

    def on_changes(self, changes: list[Change]) -> None:
        touched = {c.table for c in changes}
        with self._lock:
            for key in [k for k, (_, tables) in self._values.items()
                        if EVERYTHING in touched or tables & touched]:
                del self._values[key]
