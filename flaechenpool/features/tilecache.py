"""An in-memory cache of vector tiles that drops exactly the tiles a change of the data touches.

Entries are keyed by (tileset, role, z, x, y) and remember the tables they were built from. A
``Change`` from ``changes.ChangeTracker`` evicts the cached tiles of its table whose extent (plus
the MVT buffer) meets the change's old or new geometry; a change without a place (an import) evicts
all tiles of its table. Tiles of tables outside the audit log expire after ``ttl_s``. The cache is
bounded by bytes (least recently used first out). Per process; thread-safe.

An entry also remembers whether its envelope selected no row at all (``no_rows``). Such a tile stands
for its descendants (``empty_below``): a child tile's buffered envelope lies inside its parent's, with
a margin of 1/64 of the child's width to spare (the parent's buffer is twice as wide), so a row the
child's statement would select, the parent's selected too. The knowledge is an entry like any other:
a change that meets the child's area meets the parent's and evicts it, and an entry derived from it is
evicted with it (it lies in the same area).
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from flaechenpool.features.changes import EVERYTHING, Change

WEB_MERCATOR_HALF = 20037508.342789244
BUFFER_SHARE = 64 / 4096

TileKey = tuple[str, str, int, int, int]   # tileset, role, z, x, y


@dataclass(frozen=True)
class TileEntry:
    data: bytes
    etag: str
    tables: frozenset[str]
    expires: float | None = None
    no_rows: bool = False       # the tile's envelope selected no row of any of its layers


def tile_range(bounds: tuple[float, float, float, float], z: int) -> tuple[int, int, int, int]:
    """Columns and rows (x0, y0, x1, y1) of the tiles at zoom z whose buffered extent meets ``bounds``."""
    size = 2 * WEB_MERCATOR_HALF / (1 << z)
    margin = size * BUFFER_SHARE + 1.0
    last = (1 << z) - 1
    x0 = math.floor((bounds[0] - margin + WEB_MERCATOR_HALF) / size)
    x1 = math.floor((bounds[2] + margin + WEB_MERCATOR_HALF) / size)
    y0 = math.floor((WEB_MERCATOR_HALF - bounds[3] - margin) / size)
    y1 = math.floor((WEB_MERCATOR_HALF - bounds[1] + margin) / size)
    return max(x0, 0), max(y0, 0), min(x1, last), min(y1, last)


class TileCache:
    def __init__(self, *, max_bytes: int = 256 * 1024 * 1024, ttl_s: float = 60.0) -> None:
        self.max_bytes = max_bytes
        self.ttl_s = ttl_s
        self._entries: OrderedDict[TileKey, TileEntry] = OrderedDict()
        self._by_zoom: dict[int, dict[tuple[int, int], set[TileKey]]] = {}
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0
        self.evictions = 0
        self.inferred = 0

    def get(self, key: TileKey) -> TileEntry | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry.expires is not None and entry.expires < time.monotonic():
                self._drop(key)
                entry = None
            if entry is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return entry

    def put(self, key: TileKey, data: bytes, etag: str, tables: frozenset[str], *, audited: bool = True,
            no_rows: bool = False) -> None:
        entry = TileEntry(data, etag, tables, None if audited else time.monotonic() + self.ttl_s, no_rows)
        with self._lock:
            self._insert(key, entry)

    def _insert(self, key: TileKey, entry: TileEntry) -> None:
        if key in self._entries:
            self._drop(key)
        self._entries[key] = entry
        self._by_zoom.setdefault(key[2], {}).setdefault((key[3], key[4]), set()).add(key)
        self._bytes += len(entry.data)
        while self._bytes > self.max_bytes and self._entries:
            self._drop(next(iter(self._entries)))

    def empty_below(self, key: TileKey, top_zoom: int, etag: str) -> TileEntry | None:
        """An empty entry for ``key`` when a cached ancestor down to ``top_zoom`` selected no row (it is
        stored, so the next request finds it directly); else ``None``. Checked and stored under the lock
        that evictions take: knowledge evicted before cannot be used after."""
        tileset, role, z, x, y = key
        now = time.monotonic()
        with self._lock:
            for up in range(1, z - top_zoom + 1):
                parent = self._entries.get((tileset, role, z - up, x >> up, y >> up))
                if parent is None or not parent.no_rows:
                    continue
                if parent.expires is not None and parent.expires < now:
                    continue
                entry = TileEntry(b"", etag, parent.tables, parent.expires, True)
                self._insert(key, entry)
                self.inferred += 1
                return entry
        return None

    def clear(self) -> None:
        """Forget every tile (the statistics stay)."""
        with self._lock:
            self._entries.clear()
            self._by_zoom.clear()
            self._bytes = 0

    def _drop(self, key: TileKey) -> None:
        entry = self._entries.pop(key)
        self._bytes -= len(entry.data)
        cell = self._by_zoom[key[2]][(key[3], key[4])]
        cell.discard(key)
        if not cell:
            del self._by_zoom[key[2]][(key[3], key[4])]

    def on_changes(self, changes: list[Change]) -> None:
        with self._lock:
            doomed: set[TileKey] = set()
            for change in changes:
                everywhere = change.bounds is None or change.table == EVERYTHING
                for z, cells in self._by_zoom.items():
                    for key in self._touched(cells, z, change, everywhere):
                        tables = self._entries[key].tables
                        if change.table == EVERYTHING or change.table in tables:
                            doomed.add(key)
            for key in doomed:
                self._drop(key)
            self.evictions += len(doomed)

    @staticmethod
    def _touched(cells: dict[tuple[int, int], set[TileKey]], z: int, change: Change,
                 everywhere: bool) -> list[TileKey]:
        if everywhere:
            return [k for keys in cells.values() for k in keys]
        assert change.bounds is not None
        x0, y0, x1, y1 = tile_range(change.bounds, z)
        if (x1 - x0 + 1) * (y1 - y0 + 1) <= len(cells):
            return [k for x in range(x0, x1 + 1) for y in range(y0, y1 + 1) for k in cells.get((x, y), ())]
        return [k for (x, y), keys in cells.items() if x0 <= x <= x1 and y0 <= y <= y1 for k in keys]

    def stats(self) -> dict[str, Any]:
        with self._lock:
            return {"tiles": len(self._entries), "bytes": self._bytes, "hits": self.hits, "misses": self.misses,
                    "evictions": self.evictions, "inferred_empty": self.inferred}
