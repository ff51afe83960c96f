"""Per-application state of the OGC service: registry, change tracker and caches.

Created once per application (the API keeps it on ``app.state``); every cache listens to the same
``ChangeTracker``. A value computed while a poll reported changes is not stored, because it may
have been read from a snapshot taken before those changes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from sqlalchemy import Connection, text

from flaechenpool.features.catalog import build_registry
from flaechenpool.features.changes import ChangeTracker, DerivedCache
from flaechenpool.features.registry import Registry
from flaechenpool.features.tilecache import TileCache

T = TypeVar("T")


class OgcState:
    def __init__(self, *, poll_interval_s: float = 1.0, tile_cache_bytes: int = 256 * 1024 * 1024) -> None:
        self.registry: Registry = build_registry()
        self.tracker = ChangeTracker(interval_s=poll_interval_s)
        self.derived = DerivedCache()
        self.tiles = TileCache(max_bytes=tile_cache_bytes)
        self.tracker.subscribe(self.derived.on_changes)
        self.tracker.subscribe(self.tiles.on_changes)
        self._ready = False
        self._lock = threading.Lock()

    def prepare(self, conn: Connection) -> None:
        """First use: which optional tables exist; then follow the change log (at most once a second)."""
        if not self._ready:
            with self._lock:
                if not self._ready:
                    required = self.registry.required_tables
                    found = {t for t in required
                             if conn.execute(text("SELECT to_regclass(:t) IS NOT NULL"), {"t": t}).scalar_one()}
                    self.registry.set_existing_tables(found)
                    self._ready = True
        self.tracker.poll(conn)

    def cached(self, key: Hashable, tables: tuple[str, ...], compute: Callable[[], T]) -> T:
        """``compute()`` once until a change of ``tables``."""
        hit = self.derived.get(key)
        if hit is not None:
            return hit  # type: ignore[no-any-return]
        generation = self.tracker.generation
        value = compute()
        if value is not None and generation == self.tracker.generation:
            self.derived.put(key, value, tables)
        return value

    def remember(self, key: Hashable, tables: tuple[str, ...], value: Any, generation: int) -> None:
        """Keep a value read at ``generation`` (``tracker.generation`` before the read) unless a poll
        reported changes since."""
        if generation == self.tracker.generation:
            self.derived.put(key, value, tables)

    @property
    def ready(self) -> bool:
        """Whether ``prepare`` ran once (the registry knows which optional tables exist)."""
        return self._ready

    @property
    def current(self) -> bool:
        """Whether what the caches hold can be used without a connection now: prepared, and the change
        log needs no poll (else ``prepare``, which polls)."""
        return self._ready and not self.tracker.due()

    def snapshot(self) -> dict[str, Any]:
        return {"change_log_id": self.tracker.max_id, "tile_cache": self.tiles.stats()}
