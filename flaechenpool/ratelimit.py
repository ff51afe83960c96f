"""Rate limits for what anonymous visitors send (inquiries, site reports): sliding windows kept in
the memory of the serving process, shared by every request of one app and safe across threads.

With several worker processes each keeps its own counts (the limit then applies per process).
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable, Hashable, Sequence

from flaechenpool.errors import TooManyRequests

_SWEEP_EVERY = 1024


class RateLimiter:
    """Counts hits per key within the last ``window_s`` seconds."""

    def __init__(self, window_s: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.window_s = window_s
        self._clock = clock
        self._hits: dict[Hashable, deque[float]] = {}
        self._lock = threading.Lock()
        self._calls = 0

    def acquire(self, limits: Sequence[tuple[Hashable, int]], *, message: str) -> None:
        """Record one hit for every key, or none when any key has reached its limit (then raise
        ``TooManyRequests`` with ``message`` and the seconds until a hit of that key expires)."""
        now = self._clock()
        with self._lock:
            self._calls += 1
            if self._calls % _SWEEP_EVERY == 0:
                self._sweep(now)
            wait = 0.0
            for key, limit in limits:
                hits = self._current(key, now)
                if len(hits) >= limit:
                    wait = max(wait, hits[len(hits) - limit] + self.window_s - now)
            if wait > 0:
                raise TooManyRequests(message, retry_after=max(1, math.ceil(wait)))
            for key, _ in limits:
                self._hits.setdefault(key, deque()).append(now)

    def _current(self, key: Hashable, now: float) -> deque[float]:
        hits = self._hits.get(key) or deque()
        while hits and hits[0] <= now - self.window_s:
            hits.popleft()
        return hits

    def _sweep(self, now: float) -> None:
        for key in [k for k, hits in self._hits.items() if not hits or hits[-1] <= now - self.window_s]:
            del self._hits[key]
