"""Time values of the ``datetime`` parameter and of CQL2 temporal literals, checked before SQL sees them.

A feature's time is an interval [start, end) of two properties (end NULL: still open) or an instant.
``datetime`` is an instant or an interval with ``..`` for an open end; a date without a time means
that whole day. Values are bound as parameters and cast in SQL (``CAST(:p AS timestamptz)``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from flaechenpool.errors import InputError

OPEN = ".."


@dataclass(frozen=True)
class Instant:
    """A time literal: a date (``is_date``) or a timestamp, as validated ISO 8601 text."""

    text: str
    is_date: bool

    def sql(self, bind: Callable[[object], str]) -> str:
        return f"CAST({bind(self.text)} AS {'date' if self.is_date else 'timestamptz'})"

    def end_sql(self, bind: Callable[[object], str]) -> str:
        """The last moment the literal covers: a date covers its whole day."""
        if self.is_date:
            return f"(CAST({bind(self.text)} AS date) + interval '1 day' - interval '1 microsecond')"
        return self.sql(bind)


def parse_instant(value: str, *, name: str = "datetime") -> Instant:
    text = value.strip()
    if len(text) == 11 and text.endswith("T"):   # GDAL writes a date as 2024-01-31T
        text = text[:10]
    try:
        if len(text) == 10:
            dt.date.fromisoformat(text)
            return Instant(text, True)
        parsed = dt.datetime.fromisoformat(text.replace("z", "Z").replace("Z", "+00:00"))
    except ValueError:
        raise InputError(f"{name}: {value!r} is not an RFC 3339 date or date-time") from None
    if parsed.tzinfo is None:
        raise InputError(f"{name}: {value!r} needs a time zone (e.g. Z or +01:00)")
    return Instant(text, False)


@dataclass(frozen=True)
class Range:
    """A closed time range; ``None`` ends are open."""

    start: Instant | None
    end: Instant | None


def parse_datetime(value: str | None) -> Range | None:
    """The ``datetime`` parameter: ``instant``, ``start/end``, ``../end`` or ``start/..``."""
    if value is None:
        return None
    parts = value.split("/")
    if len(parts) == 1:
        if parts[0].strip() in ("", OPEN):
            raise InputError("datetime: give an instant or an interval start/end")
        instant = parse_instant(parts[0])
        return Range(instant, instant)
    if len(parts) != 2:
        raise InputError("datetime: an interval has exactly one '/'")
    # QGIS writes an open start as 0000-01-01T00:00:00Z (a year PostgreSQL and Python do not have)
    start = None if parts[0].strip() in ("", OPEN) or parts[0].startswith("0000-") else parse_instant(parts[0])
    end = None if parts[1].strip() in ("", OPEN) else parse_instant(parts[1])
    if start is None and end is None:
        raise InputError("datetime: both ends of the interval are open")
    if start and end and not start.is_date and not end.is_date:
        if dt.datetime.fromisoformat(start.text.replace("Z", "+00:00")) > dt.datetime.fromisoformat(
                end.text.replace("Z", "+00:00")):
            raise InputError("datetime: the interval ends before it starts")
    return Range(start, end)


def range_condition(start_expr: str, end_expr: str | None, rng: Range, bind: Callable[[object], str]) -> str:
    """SQL: the feature's time [start, end) (or the instant ``start``) meets the range."""
    conditions = []
    if rng.end is not None:
        conditions.append(f"{start_expr} <= {rng.end.end_sql(bind)}")
    if rng.start is not None:
        lower = rng.start.sql(bind)
        if end_expr is None:
            conditions.append(f"{start_expr} >= {lower}")
        else:
            conditions.append(f"({end_expr} IS NULL OR {end_expr} > {lower})")
    return "(" + " AND ".join(conditions) + ")"
