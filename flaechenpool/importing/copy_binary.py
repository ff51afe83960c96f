"""PostgreSQL's binary COPY format for the types the parcel importer sends: text, int8, numeric,
timestamptz and bytea (a geometry column parses bytea as WKB).

Each field is its length (int32, -1 for NULL) and its bytes, each row the number of fields (int16)
and its fields, the whole a signature, flags and header extension before the rows and -1 after
them (https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9.4). The encoding needs no
database connection, so a separate reading process can do it.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal

HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack("!ii", 0, 0)
TRAILER = struct.pack("!h", -1)
NULL = struct.pack("!i", -1)
_POSTGRES_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
_NUMERIC_NEG = 0x4000


def text(value: str | None) -> bytes:
    if value is None:
        return NULL
    data = value.encode("utf-8")
    return struct.pack("!i", len(data)) + data


def binary(value: bytes | None) -> bytes:
    if value is None:
        return NULL
    return struct.pack("!i", len(value)) + value


def int8(value: int | None) -> bytes:
    return NULL if value is None else struct.pack("!iq", 8, value)


def timestamptz(value: datetime | None) -> bytes:
    """An aware datetime as microseconds since 2000-01-01 UTC."""
    if value is None:
        return NULL
    delta = value - _POSTGRES_EPOCH
    return struct.pack("!iq", 8, (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds)


def numeric(value: Decimal | None) -> bytes:
    """A finite Decimal as PostgreSQL numeric: base-10000 digits, weight, sign and display scale."""
    if value is None:
        return NULL
    sign, digits, exponent = value.as_tuple()
    if not isinstance(exponent, int):
        raise ValueError(f"{value} is not a finite number")
    whole = "".join(map(str, digits)) or "0"
    scale = max(0, -exponent)
    if exponent > 0:
        whole += "0" * exponent
    whole = whole.rjust(scale + 1, "0")  # at least one digit before the point
    integer, fraction = (whole[:-scale], whole[-scale:]) if scale else (whole, "")
    integer = integer.lstrip("0")
    integer = "0" * (-len(integer) % 4) + integer
    fraction = fraction + "0" * (-len(fraction) % 4)
    groups = [int(integer[i:i + 4]) for i in range(0, len(integer), 4)]
    weight = len(groups) - 1
    groups += [int(fraction[i:i + 4]) for i in range(0, len(fraction), 4)]
    while groups and groups[0] == 0:  # leading zero groups move the weight
        groups.pop(0)
        weight -= 1
    while groups and groups[-1] == 0:
        groups.pop()
    if not groups:
        weight = 0
    body = struct.pack(f"!hhHh{len(groups)}h", len(groups), weight, _NUMERIC_NEG if sign and groups else 0,
                       scale, *groups)
    return struct.pack("!i", len(body)) + body


def block(columns: Sequence[Sequence[bytes]], constants: Sequence[bytes] = ()) -> bytes:
    """A complete COPY stream: one row per position of ``columns`` (lists of encoded fields of one
    length), each followed by the encoded ``constants`` (the same in every row)."""
    count = struct.pack("!h", len(columns) + len(constants))
    suffix = b"".join(constants)
    return HEADER + b"".join(count + b"".join(fields) + suffix for fields in zip(*columns, strict=True)) + TRAILER
