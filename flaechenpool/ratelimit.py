"""Rate limits for what anonymous visitors send (inquiries, site reports): sliding windows counted in
the database (``core.rate_acquire``, migration 0007), so every process of the service shares them and
a restart does not reset them. Keys hold the client address; the database stores only a salted hash
of each key, and only for the length of the window.

A hit is recorded in a transaction of its own, before the request's work: a refused or failing request
(a bot's honeypot, an unpublished site) still counts.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from contextlib import AbstractContextManager

from sqlalchemy import Connection, text

from flaechenpool.db import acting
from flaechenpool.errors import TooManyRequests

ConnectionFactory = Callable[[], AbstractContextManager[Connection]]


def key_text(key: Hashable) -> str:
    """A key as text: the parts of a tuple joined by a unit separator."""
    return "\x1f".join(map(str, key)) if isinstance(key, tuple) else str(key)


class RateLimiter:
    """Counts hits per key within the last ``window_s`` seconds, in the database that ``connect`` opens
    (e.g. ``engine.connect``); the statement runs with the database role of anonymous visitors."""

    def __init__(self, connect: ConnectionFactory, window_s: int) -> None:
        self.window_s = window_s
        self._connect = connect

    def acquire(self, limits: Sequence[tuple[Hashable, int]], *, message: str) -> None:
        """Record one hit for every key, or none when any key has reached its limit (then raise
        ``TooManyRequests`` with ``message`` and the seconds until a hit of that key expires)."""
        with self._connect() as conn, acting(conn, actor="anonymous", role="public"):
            wait = conn.execute(text("SELECT core.rate_acquire(CAST(:k AS text[]), CAST(:l AS integer[]), :w)"),
                                {"k": [key_text(k) for k, _ in limits], "l": [n for _, n in limits],
                                 "w": self.window_s}).scalar_one()
        if wait:
            raise TooManyRequests(message, retry_after=int(wait))
