"""Bound parameters for composed SQL: every value a caller sends becomes ``:pN``, never SQL text."""

from __future__ import annotations

from typing import Any


class Binds(dict[str, Any]):
    """A parameter dict that hands out fresh names."""

    def __init__(self) -> None:
        super().__init__()
        self._n = 0

    def fresh(self) -> str:
        name = f"p{self._n}"
        self._n += 1
        return name

    def __call__(self, value: object) -> str:
        """Bind ``value`` under a new name; returns ``:name`` for the SQL text."""
        name = self.fresh()
        self[name] = value
        return f":{name}"
